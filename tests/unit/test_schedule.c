/* Time in Copenhagen, offering schedules across the DST changes, Danish
 * holidays and closures read from an .ics file. */
#include <stdlib.h>

#include <libical/ical.h>

#include "check.h"
#include "rumbook/availability.h"
#include "rumbook/closures.h"
#include "rumbook/localtime.h"

static int64_t local(int y, int mo, int d, int h, int mi)
{
    rb_local l = {y, mo, d, h, mi};

    return rb_local_to_ms(&l);
}

static void test_local_time_across_dst(void)
{
    /* 2027-03-28 02:00 CET -> 03:00 CEST; 2027-10-31 03:00 CEST -> 02:00 CET. */
    CHECK(local(2027, 3, 27, 9, 0) == 1806134400000LL);  /* 08:00Z */
    CHECK(local(2027, 3, 30, 9, 0) == 1806390000000LL);  /* 07:00Z */
    CHECK(local(2027, 11, 2, 9, 0) == 1825142400000LL);  /* 08:00Z */
    CHECK(rb_local_minute_of_day(1806390000000LL) == 9 * 60);
    CHECK(rb_local_date(local(2027, 3, 30, 0, 30)) == 20270330);
    CHECK(rb_date_add_days(20270228, 1) == 20270301);
    CHECK(rb_date_add_days(20281231, 1) == 20290101);
    CHECK(rb_date_weekday(20270330) == 2); /* a Tuesday */
}

static void check_wall_clock(int64_t ms, int y, int mo, int d, int h, int mi)
{
    rb_local l;

    rb_local_from_ms(ms, &l);
    CHECK(l.year == y && l.month == mo && l.day == d && l.hour == h && l.minute == mi);
}

/* From UTC to the wall clock on both sides of each change, and every
 * quarter hour of four years against libical's own conversion (the
 * remembered offsets must never outlive a change). */
static void test_wall_clock_from_utc(void)
{
    icaltimezone *cph = icaltimezone_get_builtin_timezone("Europe/Copenhagen");
    int64_t t, bad = 0;

    check_wall_clock(1806195540000LL, 2027, 3, 28, 1, 59);  /* 00:59Z, CET */
    check_wall_clock(1806195600000LL, 2027, 3, 28, 3, 0);   /* 01:00Z, CEST */
    check_wall_clock(1824944340000LL, 2027, 10, 31, 2, 59); /* 00:59Z, CEST */
    check_wall_clock(1824944400000LL, 2027, 10, 31, 2, 0);  /* 01:00Z, CET */
    check_wall_clock(-60000LL, 1970, 1, 1, 0, 59);          /* before the epoch */
    for (t = 1767225600LL; t < 1767225600LL + 4 * 366 * 86400LL; t += 900) {
        struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)t, 0, cph);
        rb_local l;
        rb_local_from_ms(t * 1000 + 59999, &l); /* the minute's last millisecond */
        bad += l.year != tt.year || l.month != tt.month || l.day != tt.day ||
               l.hour != tt.hour || l.minute != tt.minute;
    }
    CHECK(bad == 0);
}

static void test_weekly_schedule_keeps_wall_clock_time(void)
{
    rb_schedule s = {"2027-03-02T09:00", "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271130", NULL,
                     "2027-04-27T09:00"};
    bool occurs;
    rb_error err;
    int64_t starts[64];
    int n;

    CHECK(rb_schedule_check(&s, &err) == 0);
    /* Tuesdays at 09:00 local before and after both changes. */
    CHECK(rb_schedule_occurs(&s, local(2027, 3, 23, 9, 0), &occurs, &err) == 0 && occurs);
    CHECK(rb_schedule_occurs(&s, local(2027, 3, 30, 9, 0), &occurs, &err) == 0 && occurs);
    CHECK(rb_schedule_occurs(&s, local(2027, 11, 2, 9, 0), &occurs, &err) == 0 && occurs);
    /* The same UTC instant a week after the spring change is 10:00 local: no. */
    CHECK(rb_schedule_occurs(&s, local(2027, 3, 23, 9, 0) + 7 * 86400000LL, &occurs, &err) == 0 &&
          !occurs);
    /* A Wednesday, and an excluded Tuesday. */
    CHECK(rb_schedule_occurs(&s, local(2027, 3, 31, 9, 0), &occurs, &err) == 0 && !occurs);
    CHECK(rb_schedule_occurs(&s, local(2027, 4, 27, 9, 0), &occurs, &err) == 0 && !occurs);
    /* After UNTIL. */
    CHECK(rb_schedule_occurs(&s, local(2027, 12, 7, 9, 0), &occurs, &err) == 0 && !occurs);
    CHECK(rb_schedule_expand(&s, local(2027, 3, 20, 0, 0), local(2027, 4, 10, 0, 0), starts, 64,
                             &n, &err) == 0);
    CHECK(n == 3 && starts[0] == local(2027, 3, 23, 9, 0) &&
          starts[1] == local(2027, 3, 30, 9, 0) && starts[1] - starts[0] == 7 * 86400000LL - 3600000);
}

static void test_rdates_and_bad_schedules(void)
{
    rb_schedule extra = {"2027-03-02T09:00", NULL, "2027-03-05T13:00 2027-03-06T13:00", NULL};
    rb_schedule bad_rule = {"2027-03-02T09:00", "FREQ=SOMETIMES", NULL, NULL};
    rb_schedule hourly = {"2027-03-02T09:00", "FREQ=HOURLY", NULL, NULL};
    rb_schedule bad_start = {"2 March", NULL, NULL, NULL};
    rb_schedule bad_list = {"2027-03-02T09:00", NULL, "tomorrow", NULL};
    rb_schedule none = {NULL, NULL, NULL, NULL};
    bool occurs;
    rb_error err;

    CHECK(rb_schedule_occurs(&extra, local(2027, 3, 6, 13, 0), &occurs, &err) == 0 && occurs);
    CHECK(rb_schedule_occurs(&extra, local(2027, 3, 2, 9, 0), &occurs, &err) == 0 && occurs);
    CHECK(rb_schedule_occurs(&extra, local(2027, 3, 9, 9, 0), &occurs, &err) == 0 && !occurs);
    CHECK(rb_schedule_check(&bad_rule, &err) == RB_EINVAL && strstr(err.message, "rrule"));
    CHECK(rb_schedule_check(&hourly, &err) == RB_EINVAL);
    CHECK(rb_schedule_check(&bad_start, &err) == RB_EINVAL && strstr(err.message, "start"));
    CHECK(rb_schedule_check(&bad_list, &err) == RB_EINVAL && strstr(err.message, "rdates"));
    CHECK(rb_schedule_occurs(&none, 12345, &occurs, &err) == 0 && occurs);
}

/* A date-only UNTIL includes its whole day: the 09:00 session on that day
 * is an occurrence, the next week's is not. */
static void test_until_a_date(void)
{
    rb_schedule s = {"2027-04-13T09:00", "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270518", NULL, NULL};
    bool occurs;
    rb_error err;

    CHECK(rb_schedule_check(&s, &err) == 0);
    CHECK(rb_schedule_occurs(&s, local(2027, 5, 18, 9, 0), &occurs, &err) == 0 && occurs);
    CHECK(rb_schedule_occurs(&s, local(2027, 5, 25, 9, 0), &occurs, &err) == 0 && !occurs);
}

static void test_danish_holidays(void)
{
    CHECK_STR(rb_dk_holiday(20270325), "Skærtorsdag"); /* Easter 2027 is 28 March */
    CHECK_STR(rb_dk_holiday(20270329), "2. påskedag");
    CHECK_STR(rb_dk_holiday(20270506), "Kristi himmelfartsdag");
    CHECK_STR(rb_dk_holiday(20270517), "2. pinsedag");
    CHECK_STR(rb_dk_holiday(20270605), "Grundlovsdag");
    CHECK_STR(rb_dk_holiday(20230505), "Store bededag");
    CHECK(rb_dk_holiday(20270423) == NULL); /* no Store bededag after 2023 */
    CHECK_STR(rb_dk_holiday(20261225), "Juledag");
    CHECK(rb_dk_holiday(20270330) == NULL);
    /* The earliest and latest moving days: Easter on 23 March 2008 and 25 April 2038. */
    CHECK_STR(rb_dk_holiday(20080320), "Skærtorsdag");
    CHECK_STR(rb_dk_holiday(20380614), "2. pinsedag");
    CHECK(rb_date_days_between(20270328, 20270517) == 50);
    CHECK(rb_date_days_between(20280301, 20280228) == -2); /* a leap year */
}

typedef struct got {
    rb_ics_closure c[16];
    char summary[16][64];
    int n;
} got;

static int collect(void *ctx, const rb_ics_closure *c)
{
    got *g = ctx;

    if (g->n == 16)
        return -1;
    g->c[g->n] = *c;
    snprintf(g->summary[g->n], sizeof(g->summary[0]), "%s", c->summary);
    g->c[g->n].summary = g->summary[g->n];
    g->n++;
    return 0;
}

static const char ICS[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Aarhus Kommune//Skolekalender//DA\r\n"
    "BEGIN:VEVENT\r\nUID:vinterferie-2027@aarhus\r\nDTSTAMP:20260801T000000Z\r\n"
    "DTSTART;VALUE=DATE:20270215\r\nDTEND;VALUE=DATE:20270220\r\nSUMMARY:Vinterferie\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:fagdag@skovvang\r\nDTSTAMP:20260801T000000Z\r\n"
    "DTSTART;VALUE=DATE:20270310\r\nSUMMARY:Pædagogisk dag\r\n"
    "RRULE:FREQ=YEARLY;COUNT=3\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";

static void test_closures_from_ics(void)
{
    got g = {0};
    rb_error err;
    const rb_closure *hit;
    const char *holiday;
    rb_closure list[2];
    rb_parties school = {"skovvang", "Aarhus", "moesgaard", "Aarhus", "v1"};
    rb_parties other = {"elsewhere", "Thisted", "museum-thy", "Thisted", "v2"};
    int day;

    CHECK(rb_closures_from_ics(ICS, 20281231, collect, &g, &err) == 0);
    CHECK(g.n == 3); /* the winter holiday, and the yearly day twice before the horizon */
    CHECK(g.c[0].first_day == 20270215 && g.c[0].last_day == 20270219);
    CHECK_STR(g.c[0].summary, "Vinterferie");
    CHECK(g.c[1].first_day == 20270310 && g.c[1].last_day == 20270310);
    CHECK(g.c[2].first_day == 20280310);
    list[0] = (rb_closure){RB_SCOPE_MUNICIPALITY, "Aarhus", 20270215, 20270219, "Vinterferie"};
    list[1] = (rb_closure){RB_SCOPE_SCHOOL, "skovvang", 20270310, 20270310, "Pædagogisk dag"};
    hit = rb_closure_find(list, 2, &school, 20270217, 20270217, &day, &holiday);
    CHECK(hit == &list[0] && day == 20270217 && !holiday);
    CHECK(rb_closure_find(list, 2, &other, 20270217, 20270217, &day, &holiday) == NULL);
    CHECK(rb_closure_find(list, 2, &school, 20270310, 20270310, &day, &holiday) == &list[1]);
    CHECK(rb_closure_find(list, 2, &school, 20270325, 20270325, &day, &holiday) == NULL &&
          holiday && strcmp(holiday, "Skærtorsdag") == 0);
    CHECK(rb_closures_from_ics("not a calendar", 20281231, collect, &g, &err) == RB_EINVAL);
}

/* An event that ends before it starts, or on a day no calendar has, is
 * refused with its UID named rather than stored as something else. */
static void test_closures_refused(void)
{
    static const char backwards[] = "BEGIN:VEVENT\r\nUID:back@x\r\nDTSTART;VALUE=DATE:20270301\r\n"
                                    "DTEND;VALUE=DATE:20270228\r\nEND:VEVENT\r\n";
    static const char month51[] = "BEGIN:VEVENT\r\nUID:m51@x\r\nDTSTART;VALUE=DATE:10135107\r\n"
                                  "END:VEVENT\r\n";
    static const char feb30[] = "BEGIN:VEVENT\r\nUID:f30@x\r\nDTSTART;VALUE=DATE:20270225\r\n"
                                "DTEND;VALUE=DATE:20270230\r\nEND:VEVENT\r\n";
    got g = {0};
    rb_error err;

    CHECK(rb_closures_from_ics(backwards, 20281231, collect, &g, &err) == RB_EINVAL);
    CHECK(strstr(err.message, "\"back@x\" ends (DTEND) before it starts") != NULL);
    CHECK(rb_closures_from_ics(month51, 20281231, collect, &g, &err) == RB_EINVAL);
    CHECK(strstr(err.message, "\"m51@x\"") != NULL);
    CHECK(rb_closures_from_ics(feb30, 20281231, collect, &g, &err) == RB_EINVAL);
    CHECK(g.n == 0);
}

static void test_scopes(void)
{
    enum rb_scope scope;
    const char *id;
    rb_error err;

    CHECK(rb_scope_parse("school:skovvang", &scope, &id, &err) == 0 && scope == RB_SCOPE_SCHOOL &&
          strcmp(id, "skovvang") == 0);
    CHECK(rb_scope_parse("all", &scope, &id, &err) == 0 && scope == RB_SCOPE_ALL && *id == '\0');
    CHECK(rb_scope_parse("school", &scope, &id, &err) == RB_EINVAL);
    CHECK(rb_scope_parse("planet:earth", &scope, &id, &err) == RB_EINVAL);
}

int main(void)
{
    if (!rb_localtime_init()) {
        fprintf(stderr, "no Europe/Copenhagen zone\n");
        return 1;
    }
    test_local_time_across_dst();
    test_wall_clock_from_utc();
    test_weekly_schedule_keeps_wall_clock_time();
    test_rdates_and_bad_schedules();
    test_danish_holidays();
    test_closures_from_ics();
    test_scopes();
    test_closures_refused();
    test_until_a_date();
    return check_done("schedule");
}
