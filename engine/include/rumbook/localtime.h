/* Wall-clock time in Europe/Copenhagen, where every portal we serve lives.
 * Instants are UTC milliseconds; local dates are yyyymmdd integers so that
 * they compare and print plainly. Uses libical's zone data; the first call
 * loads it, so make one (rb_localtime_init) before starting threads. */
#ifndef RUMBOOK_LOCALTIME_H
#define RUMBOOK_LOCALTIME_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rb_local {
    int year, month, day;
    int hour, minute;
} rb_local;

/* Returns false when libical has no Europe/Copenhagen (no tzdata). */
bool rb_localtime_init(void);

void rb_local_from_ms(int64_t ms, rb_local *out);
/* A local time that does not exist (the spring-forward hour) maps to the
 * instant an hour later; an ambiguous one (autumn) to the first. */
int64_t rb_local_to_ms(const rb_local *l);

int rb_local_date(int64_t ms);            /* yyyymmdd */
int rb_local_minute_of_day(int64_t ms);   /* 0..1439 */
int rb_date_add_days(int yyyymmdd, int days);
int rb_date_days_between(int from_yyyymmdd, int to_yyyymmdd); /* to - from, in days */
int rb_date_weekday(int yyyymmdd);        /* 0 = Sunday */

/* "2027-03-30 09:00" and "09:00" for messages. */
void rb_local_format(int64_t ms, char out[20]);
void rb_local_format_hm(int64_t ms, char out[8]);

/* "YYYY-MM-DDTHH:MM" (seconds optional); false when malformed. */
bool rb_local_parse(const char *s, rb_local *out);

#endif
