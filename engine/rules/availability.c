/* Offering schedules expanded with libical's recurrence iterator, in
 * floating local time (DST is applied only when converting to instants). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "rules/localtime_internal.h"
#include "rumbook/availability.h"
#include "rumbook/decision.h"

/* A weekly rule over a school year has ~100 occurrences; the cap only
 * stops a rule like FREQ=MINUTELY from spinning. */
#define MAX_STEPS 100000

static bool same_minute(struct icaltimetype a, const rb_local *l)
{
    return a.year == l->year && a.month == l->month && a.day == l->day && a.hour == l->hour &&
           a.minute == l->minute;
}

/* Whether the space-separated local times in list contain l; -1: malformed. */
static int list_has(const char *list, const rb_local *l, const char *what, rb_error *err)
{
    char word[32];
    const char *p = list;
    int len;
    rb_local x;

    while (p && sscanf(p, " %31s%n", word, &len) == 1) {
        if (!rb_local_parse(word, &x))
            return rb_error_set(err, RB_EINVAL, "%s: \"%s\" is not a local time like "
                                "2027-03-02T09:00", what, word);
        if (l && x.year == l->year && x.month == l->month && x.day == l->day &&
            x.hour == l->hour && x.minute == l->minute)
            return 1;
        p += len;
    }
    return 0;
}

static int parse_start(const rb_schedule *s, rb_local *start, rb_error *err)
{
    if (!rb_local_parse(s->start, start))
        return rb_error_set(err, RB_EINVAL, "start: \"%s\" is not a local time like "
                            "2027-03-02T09:00", s->start);
    return 0;
}

static int parse_rule(const rb_schedule *s, struct icalrecurrencetype *r, rb_error *err)
{
    icalerror_clear_errno();
    *r = icalrecurrencetype_from_string(s->rrule);
    if (r->freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
        icalerror_clear_errno();
        return rb_error_set(err, RB_EINVAL, "rrule: \"%s\" is not an RFC 5545 RRULE", s->rrule);
    }
    if (r->freq == ICAL_SECONDLY_RECURRENCE || r->freq == ICAL_MINUTELY_RECURRENCE ||
        r->freq == ICAL_HOURLY_RECURRENCE)
        return rb_error_set(err, RB_EINVAL, "rrule: \"%s\" repeats more often than daily",
                            s->rrule);
    /* UNTIL=20270520 with a 09:00 start: RFC 5545 wants the types to match
     * and leaves this open; libical reads midnight, so the 09:00 session on
     * that very day was no occurrence. Read, as calendar programs do, as
     * the whole of that day. */
    if (!icaltime_is_null_time(r->until) && r->until.is_date) {
        r->until.is_date = 0;
        r->until.hour = 23;
        r->until.minute = 59;
        r->until.second = 59;
    }
    return 0;
}

int rb_schedule_check(const rb_schedule *s, rb_error *err)
{
    struct icalrecurrencetype r;
    rb_local start;
    int rc;

    if (!s->start)
        return 0;
    if ((rc = parse_start(s, &start, err)) < 0)
        return rc;
    if (s->rrule && (rc = parse_rule(s, &r, err)) < 0)
        return rc;
    if ((rc = list_has(s->rdates, NULL, "rdates", err)) < 0)
        return rc;
    return list_has(s->exdates, NULL, "exdates", err) < 0 ? err->code : 0;
}

/* Calls each(t) for every rule occurrence in order until it returns false. */
static int walk_rule(const rb_schedule *s, const rb_local *start,
                     bool (*each)(struct icaltimetype t, void *ctx), void *ctx, rb_error *err)
{
    struct icalrecurrencetype r;
    icalrecur_iterator *it;
    struct icaltimetype t;
    int rc, steps = 0;

    if ((rc = parse_rule(s, &r, err)) < 0)
        return rc;
    if (!(it = icalrecur_iterator_new(r, rb__local_floating(start))))
        return rb_error_set(err, RB_EINVAL, "rrule: \"%s\" cannot be expanded", s->rrule);
    for (t = icalrecur_iterator_next(it); !icaltime_is_null_time(t) && steps < MAX_STEPS;
         t = icalrecur_iterator_next(it), steps++)
        if (!each(t, ctx))
            break;
    icalrecur_iterator_free(it);
    return 0;
}

typedef struct find_ctx {
    const rb_local *want;
    bool found;
} find_ctx;

static bool find_step(struct icaltimetype t, void *ctx)
{
    find_ctx *f = ctx;
    struct icaltimetype w = rb__local_floating(f->want);

    if (same_minute(t, f->want))
        f->found = true;
    return icaltime_compare(t, w) < 0;
}

int rb_schedule_occurs(const rb_schedule *s, int64_t start_ms, bool *occurs, rb_error *err)
{
    rb_local want, start;
    find_ctx f;
    int rc;

    *occurs = true;
    if (!s->start)
        return 0;
    *occurs = false;
    rb_local_from_ms(start_ms, &want);
    if ((rc = parse_start(s, &start, err)) < 0)
        return rc;
    if ((rc = list_has(s->exdates, &want, "exdates", err)) != 0)
        return rc < 0 ? rc : 0;
    if ((rc = list_has(s->rdates, &want, "rdates", err)) != 0) {
        *occurs = rc > 0;
        return rc < 0 ? rc : 0;
    }
    if (same_minute(rb__local_floating(&start), &want)) {
        *occurs = true;
        return 0;
    }
    if (!s->rrule)
        return 0;
    f.want = &want;
    f.found = false;
    if ((rc = walk_rule(s, &start, find_step, &f, err)) < 0)
        return rc;
    *occurs = f.found;
    return 0;
}

typedef struct expand_ctx {
    const rb_schedule *s;
    int64_t from, until;
    int64_t *starts;
    int max, n;
} expand_ctx;

static void expand_add(expand_ctx *e, const rb_local *l)
{
    int64_t ms = rb_local_to_ms(l);
    rb_error ignored;

    if (ms < e->from || ms >= e->until || e->n >= e->max)
        return;
    if (list_has(e->s->exdates, l, "exdates", &ignored) != 0)
        return;
    for (int i = 0; i < e->n; i++)
        if (e->starts[i] == ms)
            return;
    e->starts[e->n++] = ms;
}

static bool expand_step(struct icaltimetype t, void *ctx)
{
    expand_ctx *e = ctx;
    rb_local l = {t.year, t.month, t.day, t.hour, t.minute};

    expand_add(e, &l);
    return rb_local_to_ms(&l) < e->until && e->n < e->max;
}

static int cmp_ms(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

int rb_schedule_expand(const rb_schedule *s, int64_t from_ms, int64_t until_ms, int64_t *starts,
                       int max, int *n, rb_error *err)
{
    expand_ctx e = {s, from_ms, until_ms, starts, max, 0};
    rb_local start, x;
    char word[32];
    const char *p;
    int rc, len;

    *n = 0;
    if (!s->start)
        return 0;
    if ((rc = rb_schedule_check(s, err)) < 0 || (rc = parse_start(s, &start, err)) < 0)
        return rc;
    if (s->rrule && (rc = walk_rule(s, &start, expand_step, &e, err)) < 0)
        return rc;
    expand_add(&e, &start);
    for (p = s->rdates; p && sscanf(p, " %31s%n", word, &len) == 1; p += len)
        if (rb_local_parse(word, &x))
            expand_add(&e, &x);
    qsort(starts, (size_t)e.n, sizeof(*starts), cmp_ms);
    *n = e.n;
    return 0;
}

void rb_rule_availability(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    bool occurs;
    rb_error err;
    char when[20];

    if (!s || s->moved) /* its provider placed it off the schedule */
        return;
    if (s->duration_min > 0 && s->ends_at_ms - s->starts_at_ms != s->duration_min * 60000LL)
        rb_verdict_add(v, RB_REASON_NOT_AN_OCCURRENCE,
                       "session \"%s\" lasts %lld minutes, the offering "
                       "%d",
                       s->id, (long long)((s->ends_at_ms - s->starts_at_ms) / 60000),
                       s->duration_min);
    if (rb_schedule_occurs(&s->schedule, s->starts_at_ms, &occurs, &err) < 0) {
        rb_verdict_add(v, RB_REASON_SCHEDULE_INVALID, "the offering's schedule is broken: %s",
                       err.message);
    } else if (!occurs) {
        rb_local_format(s->starts_at_ms, when);
        rb_verdict_add(v, RB_REASON_NOT_AN_OCCURRENCE, "the offering does not take place %s", when);
    }
}
