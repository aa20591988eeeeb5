/* Europe/Copenhagen wall-clock conversions on top of libical's zone. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "rules/localtime_internal.h"
#include "rumbook/calendar.h"

static icaltimezone *zone(void)
{
    static icaltimezone *z;

    if (!z)
        z = icaltimezone_get_builtin_timezone(RB_TZID);
    return z;
}

bool rb_localtime_init(void)
{
    return zone() != NULL;
}

/* Civil dates through days since 1970-01-01 (proleptic Gregorian). */
static long days_from_civil(int y, int m, int d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int civil_from_days(long z)
{
    long era, doe, yoe, y, doy, mp, d, m;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    return (int)(y * 10000 + m * 100 + d);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* libical's offset from UTC at t (seconds). */
static int64_t lookup_offset(int64_t t)
{
    struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)t, 0, zone());
    int64_t local = (int64_t)days_from_civil(tt.year, tt.month, tt.day) * 86400 +
                    tt.hour * 3600 + tt.minute * 60 + tt.second;

    return local - t;
}

#define MEMO_DAYS 1024

typedef struct day_offset {
    int64_t day_plus_one; /* 0: empty */
    int64_t offset;
    bool uniform;
} day_offset;

/* The offset at t. libical's lookup was a tenth of a worker's CPU, so it
 * is remembered per UTC day (per thread: the relay runs beside the
 * worker): a day whose first and last hour have the same offset has it
 * throughout; the two days a year with a transition ask every time. */
static int64_t utc_offset(int64_t t)
{
    static _Thread_local day_offset memo[MEMO_DAYS];
    int64_t day = floor_div(t, 86400);
    day_offset *m = &memo[(uint64_t)day % MEMO_DAYS];

    if (m->day_plus_one != day + 1) {
        m->offset = lookup_offset(day * 86400);
        m->uniform = lookup_offset(day * 86400 + 23 * 3600) == m->offset;
        m->day_plus_one = day + 1;
    }
    return m->uniform ? m->offset : lookup_offset(t);
}

void rb_local_from_ms(int64_t ms, rb_local *out)
{
    int64_t t = floor_div(ms, 1000), local = t + utc_offset(t);
    int64_t day = floor_div(local, 86400), second = local - day * 86400;
    int date = civil_from_days((long)day);

    out->year = date / 10000;
    out->month = date / 100 % 100;
    out->day = date % 100;
    out->hour = (int)(second / 3600);
    out->minute = (int)(second / 60 % 60);
}

struct icaltimetype rb__local_floating(const rb_local *l)
{
    struct icaltimetype tt = icaltime_null_time();

    tt.year = l->year;
    tt.month = l->month;
    tt.day = l->day;
    tt.hour = l->hour;
    tt.minute = l->minute;
    return tt;
}

int64_t rb_local_to_ms(const rb_local *l)
{
    return (int64_t)icaltime_as_timet_with_zone(rb__local_floating(l), zone()) * 1000;
}

int rb_local_date(int64_t ms)
{
    rb_local l;

    rb_local_from_ms(ms, &l);
    return l.year * 10000 + l.month * 100 + l.day;
}

int rb_local_minute_of_day(int64_t ms)
{
    rb_local l;

    rb_local_from_ms(ms, &l);
    return l.hour * 60 + l.minute;
}

int rb_date_add_days(int date, int days)
{
    return civil_from_days(days_from_civil(date / 10000, date / 100 % 100, date % 100) + days);
}

int rb_date_days_between(int from, int to)
{
    return (int)(days_from_civil(to / 10000, to / 100 % 100, to % 100) -
                 days_from_civil(from / 10000, from / 100 % 100, from % 100));
}

int rb_date_weekday(int date)
{
    long z = days_from_civil(date / 10000, date / 100 % 100, date % 100);

    return (int)((z % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
}

bool rb_local_parse(const char *s, rb_local *out)
{
    int n = 0, sec = 0;

    if (!s)
        return false;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &out->year, &out->month, &out->day, &out->hour,
               &out->minute, &n) != 5 || n != 16)
        return false;
    if (s[n] == ':' && sscanf(s + n, ":%2d", &sec) == 1 && strlen(s) == 19 && sec < 60)
        n = 19;
    return s[n] == '\0' && out->month >= 1 && out->month <= 12 && out->day >= 1 &&
           out->day <= 31 && out->hour < 24 && out->minute < 60 && out->year >= 1970;
}

void rb_local_format(int64_t ms, char out[20])
{
    rb_local l;

    rb_local_from_ms(ms, &l);
    snprintf(out, 20, "%04u-%02u-%02u %02u:%02u", (unsigned)l.year % 10000,
             (unsigned)l.month % 13, (unsigned)l.day % 32, (unsigned)l.hour % 24,
             (unsigned)l.minute % 60);
}

void rb_local_format_hm(int64_t ms, char out[8])
{
    rb_local l;

    rb_local_from_ms(ms, &l);
    snprintf(out, 8, "%02u:%02u", (unsigned)l.hour % 24, (unsigned)l.minute % 60);
}
