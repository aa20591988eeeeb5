/* Rooms, guides and equipment: held per session for the session plus its
 * set-up and clean-up, never twice at once (resource_holds has an
 * exclusion constraint). An outreach guide must also be able to drive
 * from one school to the next. */
#include <string.h>

#include "rumbook/decision.h"
#include "rumbook/localtime.h"

#define MS_PER_MIN 60000LL

/* A session already holding its resources (a class booked it) needs no
 * new hold; a reschedule leaving a session alone frees them. */
static bool holds_already(const rb_booking_request *req)
{
    return req->session->classes_booked > 0;
}

void rb_rule_resources(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    int64_t from, until;
    size_t i;
    char when[20], end[8];

    if (!s || !req->facts || holds_already(req))
        return;
    rb_session_hold_window(s, &from, &until);
    for (i = 0; i < s->nresources; i++) {
        const rb_hold *h = rb_holds_overlap(req->facts->resource_holds, s->resources[i].id, from,
                                            until, s->id);
        if (!h)
            continue;
        rb_local_format(h->from_ms, when);
        rb_local_format_hm(h->until_ms, end);
        rb_verdict_add(v, RB_REASON_RESOURCE_BUSY, "%s \"%s\" is taken %s-%s by session \"%s\"",
                       s->resources[i].kind, s->resources[i].name, when, end, h->owner);
    }
}

/* Can the guide get from a to b in the gap between them? */
static int reach_minutes(const rb_booking_request *req, const rb_place *a, const rb_place *b)
{
    double km = rb_distance_km(a, b);

    if (km < 0)
        return -1;
    return rb_travel_estimate(&req->facts->settings->modes[RB_MODE_CAR], km);
}

static void check_leg(const rb_booking_request *req, const rb_resource *guide,
                      const rb_hold *from, const rb_place *from_place, int64_t leave_ms,
                      const rb_place *to_place, int64_t arrive_ms, rb_verdict *v)
{
    int need = reach_minutes(req, from_place, to_place);
    char t0[8], t1[8];

    if (need < 0 || leave_ms + need * MS_PER_MIN <= arrive_ms)
        return;
    rb_local_format_hm(leave_ms, t0);
    rb_local_format_hm(arrive_ms, t1);
    rb_verdict_add(v, RB_REASON_GUIDE_CANNOT_REACH,
                   "guide \"%s\" is free at %s and needs %d min to "
                   "reach the next place by %s (session \"%s\")",
                   guide->name, t0, need, t1, from->owner);
}

void rb_rule_outreach(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    const rb_place *school;
    int64_t from, until;
    size_t i, n, k;

    if (!s || s->venue_id || !req->klass || !req->klass->school || !req->facts ||
        holds_already(req))
        return;
    school = &req->klass->school->place;
    rb_session_hold_window(s, &from, &until);
    for (i = 0; i < s->nresources; i++) {
        const rb_resource *r = &s->resources[i];
        const rb_hold *run, *prev = NULL, *next = NULL;
        if (strcmp(r->kind, "guide") != 0)
            continue;
        run = rb_holds_of(req->facts->resource_holds, r->id, &n);
        for (k = 0; k < n; k++) {
            if (strcmp(run[k].owner, s->id) == 0 ||
                rb_local_date(run[k].from_ms) != rb_local_date(from))
                continue;
            if (run[k].until_ms <= from)
                prev = &run[k];
            else if (run[k].from_ms >= until && !next)
                next = &run[k];
        }
        if (prev)
            check_leg(req, r, prev, &prev->place, prev->until_ms, school, from, v);
        if (next)
            check_leg(req, r, next, school, until, &next->place, next->from_ms, v);
    }
}
