/* Quota periods and matching. */
#include <string.h>

#include "rumbook/decision.h"
#include "rumbook/localtime.h"
#include "rumbook/quotas.h"

int rb_period_start(enum rb_period period, int date)
{
    int year = date / 10000, month = date / 100 % 100;

    if (month >= 8)
        return year * 10000 + 801;
    return period == RB_PERIOD_TERM ? year * 10000 + 101 : (year - 1) * 10000 + 801;
}

bool rb_period_parse(const char *name, enum rb_period *period)
{
    if (strcmp(name, "term") == 0)
        *period = RB_PERIOD_TERM;
    else if (strcmp(name, "school_year") == 0)
        *period = RB_PERIOD_SCHOOL_YEAR;
    else
        return false;
    return true;
}

const char *rb_period_name(enum rb_period period)
{
    return period == RB_PERIOD_TERM ? "term" : "school year";
}

static bool matches(const char *want, const char *have)
{
    return !want || (have && strcmp(want, have) == 0);
}

bool rb_quota_applies(const rb_quota *q, const rb_quota_subject *s)
{
    const char *who = q->per_class ? s->class_id : s->school_id;

    if (!who || strcmp(q->scope_id, who) != 0)
        return false;
    if (q->bus_trips && !s->bus)
        return false;
    return matches(q->offering_id, s->offering_id) && matches(q->category, s->category);
}

rb_quota_use *rb_quota_use_find(rb_quota_use *uses, size_t n, const char *quota_id,
                                int period_start)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (uses[i].period_start == period_start && strcmp(uses[i].quota_id, quota_id) == 0)
            return &uses[i];
    return NULL;
}

void rb_rule_quotas(const rb_booking_request *req, rb_verdict *v)
{
    const rb_facts *f = req->facts;
    rb_quota_subject subject;
    size_t i;

    if (!req->session || !req->klass || !f || req->moving)
        return; /* a move keeps the booking it counts as */
    subject.class_id = req->klass->id;
    subject.school_id = req->klass->school_id;
    subject.offering_id = req->session->offering_id;
    subject.category = req->session->category;
    subject.bus = req->mode == RB_MODE_BUS;
    for (i = 0; i < f->nquotas; i++) {
        const rb_quota *q = &f->quotas[i];
        int start = rb_period_start(q->period, rb_local_date(req->session->starts_at_ms));
        const rb_quota_use *u;
        if (!rb_quota_applies(q, &subject))
            continue;
        u = rb_quota_use_find(f->quota_uses, f->nquota_uses, q->id, start);
        if ((u ? u->used : 0) + 1 > q->max)
            rb_verdict_add(v, RB_REASON_QUOTA_REACHED,
                           "%s \"%s\" has used its %d %s this %s (quota "
                           "\"%s\")",
                           q->per_class ? "class" : "school", q->scope_id, q->max,
                           q->bus_trips ? "bus trips" : "bookings", rb_period_name(q->period),
                           q->id);
    }
}
