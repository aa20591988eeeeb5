/* Booking rules. Each rule looks at one aspect and explains itself. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rumbook/decision.h"

void rb_verdict_init(rb_verdict *v)
{
    v->nreasons = 0;
}

void rb_verdict_add(rb_verdict *v, const char *code, const char *fmt, ...)
{
    rb_reason *r;
    va_list ap;

    if (v->nreasons == RB_MAX_REASONS)
        return;
    r = &v->reasons[v->nreasons++];
    snprintf(r->code, sizeof(r->code), "%s", code);
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
}

bool rb_verdict_ok(const rb_verdict *v)
{
    return v->nreasons == 0;
}

bool rb_verdict_has(const rb_verdict *v, const char *code)
{
    int i;

    for (i = 0; i < v->nreasons; i++)
        if (strcmp(v->reasons[i].code, code) == 0)
            return true;
    return false;
}

static void rule_session_exists(const rb_booking_request *req, rb_verdict *v)
{
    if (!req->session)
        rb_verdict_add(v, "unknown_session", "there is no session \"%s\"", req->session_id);
}

static void rule_class_exists(const rb_booking_request *req, rb_verdict *v)
{
    if (!req->klass)
        rb_verdict_add(v, "unknown_class", "there is no class \"%s\"", req->class_id);
}

static void rule_not_started(const rb_booking_request *req, rb_verdict *v)
{
    if (req->session && req->session->starts_at_ms <= req->now_ms)
        rb_verdict_add(v, "session_started", "session \"%s\" has already started",
                       req->session->id);
}

static void rule_pupils_in_class(const rb_booking_request *req, rb_verdict *v)
{
    if (req->pupils < 1)
        rb_verdict_add(v, "invalid_pupils", "at least one pupil must take part");
    else if (req->klass && req->pupils > req->klass->size)
        rb_verdict_add(v, "pupils_exceed_class", "%d pupils asked for, class \"%s\" has %d",
                       req->pupils, req->klass->id, req->klass->size);
}

static void rule_grade(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;

    if (s && req->klass && (req->klass->grade < s->grade_min || req->klass->grade > s->grade_max))
        rb_verdict_add(v, "grade_not_eligible", "grade %d is outside this offering's grades %d-%d",
                       req->klass->grade, s->grade_min, s->grade_max);
}

static void rule_class_not_booked(const rb_booking_request *req, rb_verdict *v)
{
    if (req->class_holds_session)
        rb_verdict_add(v, "class_already_booked", "class \"%s\" already holds session \"%s\"",
                       req->class_id, req->session_id);
}

static void rule_pupil_places(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    int left;

    if (!s || req->pupils < 1)
        return;
    left = s->pupil_capacity - s->pupils_booked;
    if (req->pupils > left)
        rb_verdict_add(v, "no_pupil_places", "%d pupil places asked for, %d left", req->pupils,
                       left > 0 ? left : 0);
}

static void rule_class_places(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;

    if (s && s->classes_booked >= s->class_capacity)
        rb_verdict_add(v, "no_class_places", "all %d class places are taken", s->class_capacity);
}

const rb_rule rb_booking_rules[] = {
    {"session_exists", rule_session_exists},
    {"class_exists", rule_class_exists},
    {"not_started", rule_not_started},
    {"pupils_in_class", rule_pupils_in_class},
    {"grade", rule_grade},
    {"class_not_booked", rule_class_not_booked},
    {"pupil_places", rule_pupil_places},
    {"class_places", rule_class_places},
};
const size_t rb_booking_rules_count = sizeof(rb_booking_rules) / sizeof(rb_booking_rules[0]);

void rb_decide(const rb_booking_request *req, const rb_rule *rules, size_t nrules,
               rb_verdict *v)
{
    size_t i;

    rb_verdict_init(v);
    for (i = 0; i < nrules; i++)
        rules[i].check(req, v);
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
        rb_verdict_add(v, "unknown_booking", "there is no such booking");
        return;
    }
    if (b->cancelled)
        rb_verdict_add(v, "already_cancelled", "the booking is already cancelled");
    if (b->session && b->session->starts_at_ms <= b->now_ms)
        rb_verdict_add(v, "session_started", "session \"%s\" has already started",
                       b->session->id);
}
