/* Availability: an offering's dates as a recurrence (RFC 5545 RRULE, RDATE,
 * EXDATE, expanded by libical) in Europe/Copenhagen wall-clock time, so
 * "Tuesdays 09:00" stays 09:00 across the daylight-saving changes. No I/O.
 * An rb_schedule borrows its strings. */
#ifndef RUMBOOK_AVAILABILITY_H
#define RUMBOOK_AVAILABILITY_H

#include <stdbool.h>
#include <stdint.h>

#include "rumbook/error.h"

typedef struct rb_schedule {
    const char *start;   /* first occurrence, local "YYYY-MM-DDTHH:MM"; NULL: no schedule */
    const char *rrule;   /* e.g. "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270624"; NULL: none */
    const char *rdates;  /* extra local times, space-separated; NULL: none */
    const char *exdates; /* local times left out, space-separated; NULL: none */
} rb_schedule;

/* RB_EINVAL with a message naming the bad part. */
int rb_schedule_check(const rb_schedule *s, rb_error *err) RB_MUSTCHECK;

/* Sets *occurs when an occurrence starts at start_ms. An offering without
 * a schedule occurs whenever its sessions say. */
int rb_schedule_occurs(const rb_schedule *s, int64_t start_ms, bool *occurs, rb_error *err)
    RB_MUSTCHECK;

/* The starts of the occurrences in [from_ms, until_ms), at most max of them;
 * *n is how many were written. */
int rb_schedule_expand(const rb_schedule *s, int64_t from_ms, int64_t until_ms, int64_t *starts,
                       int max, int *n, rb_error *err) RB_MUSTCHECK;

#endif
