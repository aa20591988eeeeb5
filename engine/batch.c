/* Deciding a batch in memory, in consumption order, against facts that
 * the store has locked. No I/O: the rules in decision.c do the judging,
 * this module keeps the batch's running state (counters, held pairs,
 * bookings made or changed earlier in the same batch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_internal.h"

static int cmp_session(const void *key, const void *elem)
{
    return strcmp(key, ((const fact_session *)elem)->s.id);
}

static int cmp_class(const void *key, const void *elem)
{
    return strcmp(key, ((const fact_class *)elem)->c.id);
}

static int cmp_booking(const void *key, const void *elem)
{
    return strcmp(key, ((const fact_booking *)elem)->id);
}

fact_session *rb__batch_session(batch *b, const char *id)
{
    return id ? bsearch(id, b->sessions, b->nsessions, sizeof(*b->sessions), cmp_session) : NULL;
}

fact_class *rb__batch_class(batch *b, const char *id)
{
    return id ? bsearch(id, b->classes, b->nclasses, sizeof(*b->classes), cmp_class) : NULL;
}

fact_booking *rb__batch_booking(batch *b, const char *id)
{
    fact_booking *hit = bsearch(id, b->bookings, b->nfetched, sizeof(*b->bookings), cmp_booking);
    size_t i;

    for (i = b->nfetched; !hit && i < b->nbookings; i++)
        if (strcmp(b->bookings[i].id, id) == 0)
            hit = &b->bookings[i];
    return hit;
}

/* Key for the held set; the storage was sized for the batch up front. */
static const char *pair_key(batch *b, const char *session_id, const char *class_id)
{
    size_t need = strlen(session_id) + strlen(class_id) + 2;
    char *k;

    if (b->held_used + need > b->held_cap)
        return NULL;
    k = b->held_keys + b->held_used;
    snprintf(k, need, "%s\x1f%s", session_id, class_id);
    b->held_used += need;
    return k;
}

static bool holds(batch *b, const char *session_id, const char *class_id)
{
    char key[512];

    snprintf(key, sizeof(key), "%s\x1f%s", session_id, class_id);
    return rb__strset_has(&b->held, key);
}

static void hold(batch *b, const fact_booking *bk, bool on)
{
    const char *key = pair_key(b, bk->session->s.id, bk->klass->c.id);

    if (!key)
        return;
    if (on)
        rb__strset_add(&b->held, key);
    else
        rb__strset_remove(&b->held, key);
}

static void reject(item *it)
{
    it->status = RB_STATUS_REJECTED;
}

static void decide_book(batch *b, item *it)
{
    fact_session *fs = rb__batch_session(b, it->cmd.session_id);
    fact_class *fc = rb__batch_class(b, it->cmd.class_id);
    rb_booking_request req = {
        .session_id = it->cmd.session_id, .class_id = it->cmd.class_id,
        .session = fs ? &fs->s : NULL, .klass = fc ? &fc->c : NULL,
        .pupils = it->cmd.pupils, .now_ms = b->now_ms,
        .class_holds_session = holds(b, it->cmd.session_id, it->cmd.class_id),
    };
    fact_booking *bk;

    rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &it->verdict);
    if (!rb_verdict_ok(&it->verdict) || rb_uuid_new(b->bookings[b->nbookings].id) < 0)
        return reject(it);
    bk = &b->bookings[b->nbookings++];
    bk->command_id = it->cmd.command_id;
    bk->session = fs;
    bk->klass = fc;
    bk->pupils = it->cmd.pupils;
    bk->note = it->cmd.note;
    bk->teacher_email = fc->teacher_email;
    bk->is_new = true;
    rb_session_take(&fs->s, bk->pupils);
    fs->dirty = true;
    hold(b, bk, true);
    it->booking = bk;
    it->status = RB_STATUS_CONFIRMED;
    it->invite = true;
    it->method = RB_ITIP_REQUEST;
}

static void decide_cancel(batch *b, item *it)
{
    fact_booking *bk = rb__batch_booking(b, it->cmd.booking_id);
    rb_booking_state st = {
        .exists = bk != NULL, .cancelled = bk && bk->cancelled,
        .session = bk ? &bk->session->s : NULL, .now_ms = b->now_ms,
    };

    rb_decide_cancel(&st, &it->verdict);
    it->booking = bk;
    if (!rb_verdict_ok(&it->verdict))
        return reject(it);
    rb_session_release(&bk->session->s, bk->pupils);
    bk->session->dirty = true;
    hold(b, bk, false);
    bk->cancelled = true;
    bk->sequence++;
    bk->dirty = true;
    it->status = RB_STATUS_CANCELLED;
    it->invite = true;
    it->method = RB_ITIP_CANCEL;
}

/* Checks the move as a fresh booking of the new session, then moves. */
static void decide_reschedule(batch *b, item *it)
{
    fact_booking *bk = rb__batch_booking(b, it->cmd.booking_id);
    fact_session *to = rb__batch_session(b, it->cmd.session_id);
    rb_booking_state st = {
        .exists = bk != NULL, .cancelled = bk && bk->cancelled,
        .session = bk ? &bk->session->s : NULL, .now_ms = b->now_ms,
    };
    rb_verdict target;

    rb_decide_cancel(&st, &it->verdict);
    it->booking = bk;
    if (bk && to) {
        rb_booking_request req = {
            .session_id = to->s.id, .class_id = bk->klass->c.id, .session = &to->s,
            .klass = &bk->klass->c, .pupils = bk->pupils, .now_ms = b->now_ms,
            .class_holds_session = holds(b, to->s.id, bk->klass->c.id),
        };
        rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &target);
        for (int i = 0; i < target.nreasons; i++)
            if (!rb_verdict_has(&it->verdict, target.reasons[i].code))
                rb_verdict_add(&it->verdict, target.reasons[i].code, "%s",
                               target.reasons[i].message);
        if (strcmp(to->s.offering_id, bk->session->s.offering_id) != 0)
            rb_verdict_add(&it->verdict, "different_offering",
                           "session \"%s\" belongs to another offering", to->s.id);
    } else if (!to) {
        rb_verdict_add(&it->verdict, "unknown_session", "there is no session \"%s\"",
                       it->cmd.session_id);
    }
    if (!rb_verdict_ok(&it->verdict))
        return reject(it);
    rb_session_release(&bk->session->s, bk->pupils);
    bk->session->dirty = true;
    hold(b, bk, false);
    bk->session = to;
    rb_session_take(&to->s, bk->pupils);
    to->dirty = true;
    hold(b, bk, true);
    bk->sequence++;
    bk->dirty = true;
    it->status = RB_STATUS_CONFIRMED;
    it->invite = true;
    it->method = RB_ITIP_REQUEST;
}

static void decide_item(batch *b, item *it)
{
    rb_verdict_init(&it->verdict);
    if (it->decode_rc < 0)
        return;
    if (!rb__strset_add(&b->done, it->cmd.command_id)) {
        it->duplicate = true;
        return;
    }
    switch (it->cmd.kind) {
    case RB_CMD_BOOK: decide_book(b, it); break;
    case RB_CMD_CANCEL: decide_cancel(b, it); break;
    case RB_CMD_RESCHEDULE: decide_reschedule(b, it); break;
    case RB_CMD_INVALID:
        it->verdict = it->cmd.problems;
        reject(it);
        break;
    }
}

void rb__batch_decide(batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        decide_item(b, &b->items[i]);
}

void rb__batch_reset(batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        it->duplicate = false;
        it->booking = NULL;
        it->invite = false;
        it->status = RB_STATUS_REJECTED;
        rb_verdict_init(&it->verdict);
    }
    for (i = 0; i < (size_t)b->nresults; i++)
        PQclear(b->results[i]);
    b->nresults = 0;
    free(b->sessions);
    free(b->classes);
    free(b->bookings);
    free(b->held_keys);
    rb__strset_fini(&b->done);
    rb__strset_fini(&b->held);
    b->sessions = NULL;
    b->classes = NULL;
    b->bookings = NULL;
    b->held_keys = NULL;
    b->nsessions = b->nclasses = b->nfetched = b->nbookings = 0;
    b->held_used = b->held_cap = 0;
}
