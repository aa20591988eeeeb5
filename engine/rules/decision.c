/* Booking rules. Each rule looks at one aspect and explains itself. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rumbook/decision.h"

void rb_verdict_init(rb_verdict *v)
{
    v->nreasons = 0;
}

void rb_verdict_add(rb_verdict *v, rb_reason_code code, const char *fmt, ...)
{
    rb_reason *r = NULL;
    size_t used = 0;
    va_list ap;
    int i;

    for (i = 0; i < v->nreasons && !r; i++)
        if (v->reasons[i].id == code)
            r = &v->reasons[i];
    if (r) { /* a code is listed once: a second fact joins the first's message */
        used = strlen(r->message);
        if (used + 2 < sizeof(r->message))
            used += (size_t)snprintf(r->message + used, sizeof(r->message) - used, "; ");
    } else if (v->nreasons < RB_MAX_REASONS) {
        r = &v->reasons[v->nreasons++];
        r->id = code;
        r->code = rb_reason_name(code);
    } else {
        return;
    }
    if (used + 1 >= sizeof(r->message))
        return;
    va_start(ap, fmt);
    vsnprintf(r->message + used, sizeof(r->message) - used, fmt, ap);
    va_end(ap);
}

bool rb_verdict_ok(const rb_verdict *v)
{
    return v->nreasons == 0;
}

bool rb_verdict_has(const rb_verdict *v, rb_reason_code code)
{
    int i;

    for (i = 0; i < v->nreasons; i++)
        if (v->reasons[i].id == code)
            return true;
    return false;
}

static void rule_session_exists(const rb_booking_request *req, rb_verdict *v)
{
    if (!req->session)
        rb_verdict_add(v, RB_REASON_UNKNOWN_SESSION, "there is no session \"%s\"", req->session_id);
}

static void rule_class_exists(const rb_booking_request *req, rb_verdict *v)
{
    if (!req->klass)
        rb_verdict_add(v, RB_REASON_UNKNOWN_CLASS, "there is no class \"%s\"", req->class_id);
}

static void rule_not_started(const rb_booking_request *req, rb_verdict *v)
{
    if (req->session && req->session->starts_at_ms <= req->now_ms)
        rb_verdict_add(v, RB_REASON_SESSION_STARTED, "session \"%s\" has already started",
                       req->session->id);
}

static void rule_not_cancelled(const rb_booking_request *req, rb_verdict *v)
{
    if (req->session && req->session->cancelled)
        rb_verdict_add(v, RB_REASON_SESSION_CANCELLED, "session \"%s\" was cancelled by its provider",
                       req->session->id);
}

static void rule_not_in_open_round(const rb_booking_request *req, rb_verdict *v)
{
    if (req->session && req->session->round_id)
        rb_verdict_add(v, RB_REASON_ALLOCATION_PENDING,
                       "session \"%s\" is allocated by round \"%s\"'s draw: send a wish",
                       req->session->id, req->session->round_id);
}

static void rule_pupils_in_class(const rb_booking_request *req, rb_verdict *v)
{
    if (req->pupils < 1)
        rb_verdict_add(v, RB_REASON_INVALID_PUPILS, "at least one pupil must take part");
    else if (req->klass && req->pupils > req->klass->size)
        rb_verdict_add(v, RB_REASON_PUPILS_EXCEED_CLASS, "%d pupils asked for, class \"%s\" has %d",
                       req->pupils, req->klass->id, req->klass->size);
}

static void rule_class_not_booked(const rb_booking_request *req, rb_verdict *v)
{
    if (req->class_holds_session)
        rb_verdict_add(v, RB_REASON_CLASS_ALREADY_BOOKED,
                       "class \"%s\" already holds session \"%s\"", req->class_id, req->session_id);
}

static void rule_pupil_places(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    int left;

    if (!s || req->pupils < 1)
        return;
    left = s->pupil_capacity - s->pupils_booked;
    if (req->pupils > left)
        rb_verdict_add(v, RB_REASON_NO_PUPIL_PLACES, "%d pupil places asked for, %d left",
                       req->pupils, left > 0 ? left : 0);
}

static void rule_class_places(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;

    if (s && s->classes_booked >= s->class_capacity)
        rb_verdict_add(v, RB_REASON_NO_CLASS_PLACES, "all %d class places are taken",
                       s->class_capacity);
}

const rb_rule rb_booking_rules[] = {
    {"session_exists", rule_session_exists},
    {"class_exists", rule_class_exists},
    {"not_started", rule_not_started},
    {"not_cancelled", rule_not_cancelled},
    {"not_in_open_round", rule_not_in_open_round},
    {"pupils_in_class", rule_pupils_in_class},
    {"eligibility", rb_rule_eligibility},
    {"audience", rb_rule_audience},
    {"booking_window", rb_rule_booking_window},
    {"availability", rb_rule_availability},
    {"closures", rb_rule_closures},
    {"class_not_booked", rule_class_not_booked},
    {"class_conflicts", rb_rule_class_conflicts},
    {"school_day", rb_rule_school_day},
    {"pupil_places", rule_pupil_places},
    {"class_places", rule_class_places},
    {"resources", rb_rule_resources},
    {"outreach", rb_rule_outreach},
    {"buses", rb_rule_buses},
    {"quotas", rb_rule_quotas},
};
const size_t rb_booking_rules_count = sizeof(rb_booking_rules) / sizeof(rb_booking_rules[0]);

void rb_settings_defaults(rb_settings *s)
{
    memset(s, 0, sizeof(*s));
#define RB_SETTING_DEFAULT(key, dflt, assign) rb_settings_set(s, #key, dflt);
    RB_SETTINGS(RB_SETTING_DEFAULT)
#undef RB_SETTING_DEFAULT
    memcpy(s->modes, rb_mode_defaults, sizeof(s->modes));
}

int rb_settings_set(rb_settings *s, const char *key, double v)
{
#define RB_SETTING_SET(key, dflt, assign) \
    if (strcmp(name, #key) == 0) {        \
        assign;                           \
        return 0;                         \
    }
    const char *name = key;

    RB_SETTINGS(RB_SETTING_SET)
#undef RB_SETTING_SET
    return -1;
}

void rb_request_plan(rb_booking_request *req)
{
    static const rb_place nowhere = {false, 0, 0};
    const rb_session *s = req->session;
    const rb_place *school = req->klass && req->klass->school ? &req->klass->school->place
                                                               : &nowhere;

    memset(&req->trip, 0, sizeof(req->trip));
    if (!s)
        return;
    rb_trip_plan(s->starts_at_ms, s->ends_at_ms, s->venue_id == NULL, req->mode, school,
                 &s->venue, req->table_minutes,
                 req->facts ? req->facts->settings->modes : rb_mode_defaults, &req->trip);
}

void rb_decide(rb_booking_request *req, const rb_rule *rules, size_t nrules, rb_verdict *v)
{
    size_t i;

    rb_request_plan(req);
    rb_verdict_init(v);
    for (i = 0; i < nrules; i++)
        rules[i].check(req, v);
}

bool rb_verdict_only_capacity(const rb_verdict *v)
{
    int i;

    for (i = 0; i < v->nreasons; i++)
        if (v->reasons[i].id != RB_REASON_NO_PUPIL_PLACES &&
            v->reasons[i].id != RB_REASON_NO_CLASS_PLACES)
            return false;
    return v->nreasons > 0;
}

bool rb_verdict_needs_review(const rb_verdict *v)
{
    return v->nreasons == 1 && v->reasons[0].id == RB_REASON_BUS_NEEDS_REVIEW;
}

void rb_session_hold_window(const rb_session *s, int64_t *from, int64_t *until)
{
    *from = s->starts_at_ms - (int64_t)s->setup_min * 60000;
    *until = s->ends_at_ms + (int64_t)s->cleanup_min * 60000;
}

void rb_session_take(rb_session *s, int pupils)
{
    s->pupils_booked += pupils;
    s->classes_booked += 1;
}

void rb_session_release(rb_session *s, int pupils)
{
    s->pupils_booked -= pupils;
    s->classes_booked -= 1;
}

void rb_decide_cancel(const rb_booking_state *b, rb_verdict *v)
{
    rb_verdict_init(v);
    if (!b->exists) {
        rb_verdict_add(v, RB_REASON_UNKNOWN_BOOKING, "there is no such booking");
        return;
    }
    if (b->cancelled)
        rb_verdict_add(v, RB_REASON_ALREADY_CANCELLED, "the booking is already cancelled");
    if (b->session && b->session->starts_at_ms <= b->now_ms)
        rb_verdict_add(v, RB_REASON_SESSION_STARTED, "session \"%s\" has already started",
                       b->session->id);
}
