/* Who may book an offering, and when it may be booked. */
#include <string.h>

#include "rumbook/decision.h"
#include "rumbook/localtime.h"

#define MS_PER_DAY 86400000LL

void rb_rule_eligibility(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    const rb_class *c = req->klass;

    if (!s || !c)
        return;
    if (s->target_group && c->target_group && strcmp(s->target_group, c->target_group) != 0)
        rb_verdict_add(v, RB_REASON_TARGET_GROUP_NOT_ELIGIBLE,
                       "this offering is for %s, class \"%s\" is in %s", s->target_group, c->id,
                       c->target_group);
    else if (c->grade < s->grade_min || c->grade > s->grade_max)
        rb_verdict_add(v, RB_REASON_GRADE_NOT_ELIGIBLE,
                       "grade %d is outside this offering's grades %d-%d", c->grade, s->grade_min,
                       s->grade_max);
}

/* Whether audience holds the token "\x1f" kind ":" id "\x1f". */
static bool listed(const char *audience, char kind, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    const char *p = audience;

    if (!n)
        return false;
    while ((p = strchr(p, '\x1f')) && p[1]) {
        if (p[1] == kind && p[2] == ':' && strncmp(p + 3, id, n) == 0 && p[3 + n] == '\x1f')
            return true;
        p++;
    }
    return false;
}

void rb_rule_audience(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    const rb_class *c = req->klass;

    if (!s || !c || !s->audience)
        return;
    if (listed(s->audience, 's', c->school_id) ||
        (c->school && listed(s->audience, 'm', c->school->municipality)))
        return;
    rb_verdict_add(v, RB_REASON_NOT_IN_AUDIENCE,
                   "this offering is open to some municipalities' or schools' classes only, "
                   "and class \"%s\"'s school is not among them", c->id);
}

void rb_rule_booking_window(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    char when[20];

    if (!s || s->starts_at_ms <= req->now_ms)
        return; /* session_started says it */
    if (s->sales_open_ms && req->now_ms < s->sales_open_ms) {
        rb_local_format(s->sales_open_ms, when);
        rb_verdict_add(v, RB_REASON_SALES_NOT_OPEN, "booking opens %s", when);
    }
    if (s->sales_close_ms && req->now_ms >= s->sales_close_ms) {
        rb_local_format(s->sales_close_ms, when);
        rb_verdict_add(v, RB_REASON_SALES_CLOSED, "booking closed %s", when);
    }
    if (s->notice_days > 0 && s->starts_at_ms - req->now_ms < s->notice_days * MS_PER_DAY)
        rb_verdict_add(v, RB_REASON_NOTICE_TOO_SHORT,
                       "this offering is booked at least %d days ahead", s->notice_days);
}
