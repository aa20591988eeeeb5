/* A class is in one place at a time: its trips, travel included, never
 * overlap. The exclusion constraint on bookings.away says the same in the
 * database. */
#include "rumbook/decision.h"
#include "rumbook/localtime.h"

void rb_rule_class_conflicts(const rb_booking_request *req, rb_verdict *v)
{
    const rb_hold *h;
    char from[20], until[8];

    if (!req->session || !req->klass || !req->facts || !req->trip.known ||
        req->class_holds_session)
        return;
    h = rb_holds_overlap(req->facts->class_holds, req->klass->id, req->trip.depart_ms,
                         req->trip.return_ms, req->moving);
    if (!h)
        return;
    rb_local_format(h->from_ms, from);
    rb_local_format_hm(h->until_ms, until);
    rb_verdict_add(v, RB_REASON_CLASS_CONFLICT, "class \"%s\" is away %s-%s for booking %s",
                   req->klass->id, from, until, h->owner);
}
