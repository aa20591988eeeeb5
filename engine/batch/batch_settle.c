/* Sessions a catalogue command cancelled or moved in this transaction
 * (store_catalog.c applied it): each of their bookings is settled like a
 * command of its own, under the catalogue command's id, with a decision
 * and an invitation. No I/O. */
#include <string.h>

#include "batch/batch_internal.h"

void rb__batch_mark_settling(batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        fact_session *fs;
        if (it->decode_rc < 0 || !it->cmd.catalog || it->duplicate ||
            it->status != RB_STATUS_CONFIRMED || strcmp(it->cmd.entity_kind, "session") != 0)
            continue;
        fs = rb__batch_session(b, it->entity_id);
        if (fs)
            fs->settle_by = it;
    }
}

/* A booking of the session, as if its class had asked about it. */
static item *slot(batch *b, item *by, fact_booking *bk)
{
    item *s = &b->settled[b->nsettled++];

    memset(s, 0, sizeof(*s));
    s->settled = true;
    s->cmd.kind = RB_CMD_RESCHEDULE; /* alternatives for the booking's class, as for a move */
    s->cmd.command_id = by->cmd.command_id;
    s->cmd.booking_id = bk->id;
    s->cmd.session_id = bk->session->s.id;
    s->cmd.class_id = bk->klass->c.id;
    s->cmd.pupils = bk->pupils;
    s->cmd.mode = bk->mode;
    s->cmd.note = bk->note;
    s->cmd.message = "";
    s->cmd.actor_email = by->cmd.actor_email;
    s->cmd.actor_name = by->cmd.actor_name;
    s->booking = bk;
    s->invite = true;
    rb_verdict_init(&s->verdict);
    return s;
}

static void cancel(item *by, item *s)
{
    fact_booking *bk = s->booking;

    bk->cancelled = true;
    bk->sequence++;
    bk->dirty = true;
    s->status = RB_STATUS_CANCELLED;
    s->method = RB_ITIP_CANCEL;
    by->ncancelled++;
}

/* The booking window (sales, notice) binds teachers, not the provider who
 * moves its own session: those reasons do not cancel a booking it moves. */
static void waive_window(rb_verdict *v)
{
    rb_verdict kept;
    int i;

    rb_verdict_init(&kept);
    for (i = 0; i < v->nreasons; i++) {
        rb_reason_code id = v->reasons[i].id;
        if (id != RB_REASON_SALES_NOT_OPEN && id != RB_REASON_SALES_CLOSED &&
            id != RB_REASON_NOTICE_TOO_SHORT)
            rb_verdict_add(&kept, id, "%s", v->reasons[i].message);
    }
    *v = kept;
}

/* Every booking first gives up what it held at the old time, then each,
 * in the order they were made, is decided again at the new time as a new
 * request would be (its own holds ignored): it moves, or is cancelled with
 * the reasons. */
static void settle_move(batch *b, item *by, fact_session *fs)
{
    size_t i, first = b->nsettled;

    for (i = 0; i < b->nfetched; i++) {
        fact_booking *bk = &b->bookings[i];
        if (bk->session != fs || bk->cancelled || !bk->klass)
            continue;
        slot(b, by, bk);
        rb__batch_release(b, bk);
    }
    for (i = first; i < b->nsettled; i++) {
        item *s = &b->settled[i];
        fact_booking *bk = s->booking;
        rb_booking_request req = rb__batch_request(b, fs, bk->klass, bk->pupils, bk->mode, bk->id);
        rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &s->verdict);
        waive_window(&s->verdict);
        s->trip = req.trip;
        if (!rb_verdict_ok(&s->verdict)) {
            cancel(by, s);
            continue;
        }
        rb__batch_take(b, bk, &req);
        bk->sequence++;
        bk->dirty = true;
        s->status = RB_STATUS_CONFIRMED;
        s->method = RB_ITIP_REQUEST;
        s->session_moved = true;
        by->nmoved++;
    }
}

static void settle_cancel(batch *b, item *by, fact_session *fs)
{
    size_t i;

    for (i = 0; i < b->nfetched; i++) {
        fact_booking *bk = &b->bookings[i];
        item *s;
        if (bk->session != fs || bk->cancelled || !bk->klass)
            continue;
        s = slot(b, by, bk);
        rb__batch_release(b, bk);
        rb_verdict_add(&s->verdict, RB_REASON_SESSION_CANCELLED,
                       "the provider cancelled the session%s%s", *by->cmd.message ? ": " : "",
                       by->cmd.message);
        cancel(by, s);
    }
}

void rb__batch_settle(batch *b, item *it)
{
    fact_session *fs = rb__batch_session(b, it->entity_id);

    if (!fs || !b->settled)
        return;
    if (it->cmd.kind == RB_CMD_CANCEL_SESSION)
        settle_cancel(b, it, fs);
    else
        settle_move(b, it, fs);
}
