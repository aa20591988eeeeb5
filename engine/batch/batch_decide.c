/* Deciding a batch in memory, in consumption order, against facts that
 * the store has locked. No I/O: the rules do the judging, this module
 * keeps the batch's running state (counters, holds, held pairs, waiting
 * lists, bookings made or changed earlier in the same batch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch_internal.h"
#include "rumbook/authorization.h"
#include "rumbook/localtime.h"

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

static int travel_minutes(const batch *b, const char *school_id, const char *venue_id,
                          enum rb_mode mode)
{
    size_t lo = 0, hi = b->ntravel;

    if (!venue_id)
        return -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const travel_entry *t = &b->travel[mid];
        int c = strcmp(t->school_id, school_id);
        if (!c)
            c = strcmp(t->venue_id, venue_id);
        if (!c)
            c = (int)t->mode - (int)mode;
        if (!c)
            return t->minutes;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
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

static void hold_pair(batch *b, const fact_booking *bk, bool on)
{
    const char *key = pair_key(b, bk->session->s.id, bk->klass->c.id);

    if (!key)
        return;
    if (on)
        rb__strset_add(&b->held, key);
    else
        rb__strset_remove(&b->held, key);
}

rb_booking_request rb__batch_request(batch *b, const fact_session *fs, const fact_class *fc,
                                     int pupils, enum rb_mode mode, const char *moving)
{
    rb_booking_request req = {
        .session_id = fs ? fs->s.id : NULL, .class_id = fc ? fc->c.id : NULL,
        .session = fs ? &fs->s : NULL, .klass = fc ? &fc->c : NULL, .pupils = pupils,
        .mode = mode, .moving = moving, .now_ms = b->now_ms, .facts = &b->facts,
        .table_minutes = -1,
    };

    if (fs && fc) {
        req.class_holds_session = holds(b, fs->s.id, fc->c.id);
        req.table_minutes = travel_minutes(b, fc->c.school_id, fs->s.venue_id, mode);
    }
    return req; /* rb_decide plans the trip */
}

/* Quota counters follow the bookings made and released in the batch. */
static void count_quotas(batch *b, const fact_booking *bk, int delta)
{
    rb_quota_subject subject = {
        bk->klass->c.id, bk->klass->c.school_id, bk->session->s.offering_id,
        bk->session->s.category, bk->mode == RB_MODE_BUS,
    };
    size_t i;

    for (i = 0; i < b->nquotas; i++) {
        const rb_quota *q = &b->quotas[i];
        int start = rb_period_start(q->period, rb_local_date(bk->session->s.starts_at_ms));
        rb_quota_use *u;
        if (!rb_quota_applies(q, &subject))
            continue;
        u = rb_quota_use_find(b->uses, b->nuses, q->id, start);
        if (!u && b->nuses < b->uses_cap) {
            u = &b->uses[b->nuses++];
            u->quota_id = q->id;
            u->period_start = start;
            u->used = 0;
        }
        if (u)
            u->used += delta;
    }
    b->facts.nquota_uses = b->nuses;
}

static void hold_resources(batch *b, fact_session *fs, const fact_class *fc)
{
    rb_hold h = {.owner = fs->s.id};
    size_t i;

    rb_session_hold_window(&fs->s, &h.from_ms, &h.until_ms);
    fs->place = fs->s.venue_id ? fs->s.venue : fc->school.place;
    h.place = fs->place;
    for (i = 0; i < fs->s.nresources; i++) {
        h.key = fs->s.resources[i].id;
        rb_holds_add(&b->resource_holds, &h);
    }
}

void rb__batch_take(batch *b, fact_booking *bk, const rb_booking_request *req)
{
    fact_session *fs = bk->session;
    rb_hold h = {.key = bk->klass->c.id, .owner = bk->id};
    const rb_bus *chosen[BATCH_MAX_BUSES];
    int i;

    if (fs->s.classes_booked == 0)
        hold_resources(b, fs, bk->klass);
    rb_session_take(&fs->s, bk->pupils);
    fs->dirty = true;
    hold_pair(b, bk, true);
    bk->trip = req->trip;
    bk->mode = req->mode;
    h.from_ms = bk->trip.depart_ms;
    h.until_ms = bk->trip.return_ms;
    rb_holds_add(&b->class_holds, &h);
    bk->nbuses = 0;
    if (bk->mode == RB_MODE_BUS && bk->session->s.venue_id) {
        bk->nbuses = rb_request_buses(req, chosen, BATCH_MAX_BUSES);
        for (i = 0; i < bk->nbuses; i++) {
            rb_hold bh = {.key = chosen[i]->id, .owner = bk->id};
            rb_bus_window(chosen[i], &bk->klass->school.place, &bk->trip,
                          &b->settings->modes[RB_MODE_BUS], &bh.from_ms, &bh.until_ms);
            rb_holds_add(&b->bus_holds, &bh);
            bk->bus_ids[i] = chosen[i]->id;
            bk->bus_names[i] = chosen[i]->name;
            bk->bus_from[i] = bh.from_ms;
            bk->bus_until[i] = bh.until_ms;
        }
    }
    bk->buses_changed = bk->buses_changed || bk->nbuses > 0;
    count_quotas(b, bk, +1);
}

void rb__batch_release(batch *b, fact_booking *bk)
{
    fact_session *fs = bk->session;

    rb_session_release(&fs->s, bk->pupils);
    fs->dirty = true;
    if (fs->s.classes_booked == 0)
        rb_holds_remove(&b->resource_holds, NULL, fs->s.id);
    hold_pair(b, bk, false);
    rb_holds_remove(&b->class_holds, NULL, bk->id);
    rb_holds_remove(&b->bus_holds, NULL, bk->id);
    bk->buses_changed = bk->mode == RB_MODE_BUS; /* only a bus trip has holds to drop */
    bk->nbuses = 0;
    count_quotas(b, bk, -1);
}

static void reject(item *it)
{
    it->status = RB_STATUS_REJECTED;
}

static fact_wait *waiting_entry(batch *b, const char *session_id, const char *class_id)
{
    size_t i;

    for (i = 0; i < b->nwaits; i++)
        if (!b->waits[i].leaves && strcmp(b->waits[i].session->s.id, session_id) == 0 &&
            strcmp(b->waits[i].class_id, class_id) == 0)
            return &b->waits[i];
    return NULL;
}

static int waiting_count(batch *b, const fact_session *fs)
{
    size_t i;
    int n = 0;

    for (i = 0; i < b->nwaits; i++)
        n += !b->waits[i].leaves && !b->waits[i].review && b->waits[i].session == fs;
    return n;
}

/* Capacity was the only obstacle and the teacher asked to wait; or the
 * bus order needs staff (review). */
static void waitlist(batch *b, item *it, fact_session *fs, fact_class *fc, bool review)
{
    fact_wait *w;

    if (waiting_entry(b, fs->s.id, fc->c.id)) {
        rb_verdict_add(&it->verdict, RB_REASON_ALREADY_WAITLISTED,
                       "class \"%s\" is already waiting for session \"%s\"", fc->c.id, fs->s.id);
        return reject(it);
    }
    if (b->nwaits == b->waits_cap) { /* sized for one entry per command: cannot happen */
        rb_verdict_add(&it->verdict, RB_REASON_INTERNAL_ERROR, "no room for a waiting entry");
        return reject(it);
    }
    w = &b->waits[b->nwaits++];
    memset(w, 0, sizeof(*w));
    w->session = fs;
    w->class_id = fc->c.id;
    w->klass = fc;
    w->is_new = true;
    w->review = review;
    w->expires_ms = fs->s.starts_at_ms - (int64_t)fs->s.notice_days * 86400000LL;
    it->wait = w;
    it->position = review ? 0 : waiting_count(b, fs);
    it->status = review ? RB_STATUS_PENDING_REVIEW : RB_STATUS_WAITLISTED;
}

static fact_booking *new_booking(batch *b, item *it, fact_session *fs, fact_class *fc)
{
    fact_booking *bk;

    if (b->nbookings == b->bookings_cap)
        return NULL;
    bk = &b->bookings[b->nbookings];
    memset(bk, 0, sizeof(*bk));
    if (rb_uuid_new(bk->id) < 0)
        return NULL;
    b->nbookings++;
    bk->command_id = it->cmd.command_id;
    bk->session = fs;
    bk->klass = fc;
    bk->pupils = it->cmd.pupils;
    bk->note = it->cmd.note;
    bk->teacher_email = fc->teacher_email;
    bk->is_new = true;
    return bk;
}

/* Whether the sender may act on klass (and its booking of session): when
 * not, the rejection says only that, and the decision names nothing of the
 * booking. */
static bool authorized(item *it, enum rb_act act, const fact_class *fc, const fact_session *fs,
                       const char *what)
{
    rb_authorize(it->portal, &it->scope, &it->cmd.actor, act, fc ? &fc->c : NULL,
                 fs ? &fs->s : NULL, what, &it->verdict);
    if (rb_verdict_ok(&it->verdict))
        return true;
    it->booking = NULL;
    reject(it);
    return false;
}

static void decide_book(batch *b, item *it)
{
    fact_session *fs = rb__batch_session(b, it->cmd.session_id);
    fact_class *fc = rb__batch_class(b, it->cmd.class_id);
    rb_booking_request req = rb__batch_request(b, fs, fc, it->cmd.pupils, it->cmd.mode, NULL);
    fact_booking *bk;

    if (it->drawn && it->lead->placed) /* by an earlier choice */
        return;
    if (!it->drawn && !authorized(it, RB_ACT_BOOK, fc, fs, it->cmd.class_id))
        return; /* a wish was authorized when it came */
    req.session_id = it->cmd.session_id;
    req.class_id = it->cmd.class_id;
    rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &it->verdict);
    it->trip = req.trip;
    if (!rb_verdict_ok(&it->verdict)) {
        if (it->cmd.wait_if_full && rb_verdict_only_capacity(&it->verdict))
            return waitlist(b, it, fs, fc, false);
        if (!it->drawn && rb_verdict_needs_review(&it->verdict))
            return waitlist(b, it, fs, fc, true);
        return reject(it);
    }
    if (!(bk = new_booking(b, it, fs, fc))) {
        rb_verdict_add(&it->verdict, RB_REASON_INTERNAL_ERROR, "could not make a booking id");
        return reject(it);
    }
    rb__batch_take(b, bk, &req);
    it->booking = bk;
    it->status = RB_STATUS_CONFIRMED;
    it->invite = true;
    it->method = RB_ITIP_REQUEST;
    if (it->drawn)
        it->lead->placed = bk;
}

/* What cancel, reschedule and change check of the booking they name. */
static rb_booking_state booking_state(const batch *b, const fact_booking *bk)
{
    return (rb_booking_state){
        .exists = bk != NULL, .cancelled = bk && bk->cancelled,
        .session = bk ? &bk->session->s : NULL, .now_ms = b->now_ms,
    };
}

static void decide_cancel(batch *b, item *it)
{
    fact_booking *bk = rb__batch_booking(b, it->cmd.booking_id);
    rb_booking_state st = booking_state(b, bk);

    if (bk && !authorized(it, RB_ACT_CHANGE, bk->klass, bk->session, bk->id))
        return;
    rb_decide_cancel(&st, &it->verdict);
    it->booking = bk;
    if (!rb_verdict_ok(&it->verdict))
        return reject(it);
    rb__batch_release(b, bk);
    bk->cancelled = true;
    bk->sequence++;
    bk->dirty = true;
    it->status = RB_STATUS_CANCELLED;
    it->invite = true;
    it->method = RB_ITIP_CANCEL;
}

static void merge_reasons(rb_verdict *into, const rb_verdict *from)
{
    int i;

    for (i = 0; i < from->nreasons; i++)
        if (!rb_verdict_has(into, from->reasons[i].id))
            rb_verdict_add(into, from->reasons[i].id, "%s", from->reasons[i].message);
}

/* Checks the move as a fresh booking of the new session, with the
 * booking's own holds ignored, then moves: both or neither. */
static void decide_reschedule(batch *b, item *it)
{
    fact_booking *bk = rb__batch_booking(b, it->cmd.booking_id);
    fact_session *to = rb__batch_session(b, it->cmd.session_id);
    rb_booking_state st = booking_state(b, bk);
    rb_booking_request req = {0};
    rb_verdict target;

    if (bk && !authorized(it, RB_ACT_CHANGE, bk->klass, bk->session, bk->id))
        return;
    rb_decide_cancel(&st, &it->verdict);
    it->booking = bk;
    if (bk && to) {
        req = rb__batch_request(b, to, bk->klass, bk->pupils, bk->mode, bk->id);
        rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &target);
        it->trip = req.trip;
        merge_reasons(&it->verdict, &target);
        if (strcmp(to->s.offering_id, bk->session->s.offering_id) != 0)
            rb_verdict_add(&it->verdict, RB_REASON_DIFFERENT_OFFERING,
                           "session \"%s\" belongs to another offering", to->s.id);
    } else if (!to) {
        rb_verdict_add(&it->verdict, RB_REASON_UNKNOWN_SESSION, "there is no session \"%s\"",
                       it->cmd.session_id);
    }
    if (!rb_verdict_ok(&it->verdict))
        return reject(it);
    rb__batch_release(b, bk);
    bk->session = to;
    rb__batch_take(b, bk, &req);
    bk->sequence++;
    bk->dirty = true;
    it->status = RB_STATUS_CONFIRMED;
    it->invite = true;
    it->method = RB_ITIP_REQUEST;
}

/* Changes a booking in place, all or nothing: its places are given up,
 * the new version is decided like a new request for the same session, and
 * taken; when it does not fit, the old version takes its places back. */
static void decide_change(batch *b, item *it)
{
    fact_booking *bk = rb__batch_booking(b, it->cmd.booking_id);
    rb_booking_state st = booking_state(b, bk);
    rb_booking_request req, old;
    rb_verdict target;
    int pupils;
    enum rb_mode mode;
    const char *note;

    if (bk && !authorized(it, RB_ACT_AMEND, bk->klass, bk->session, bk->id))
        return;
    rb_decide_cancel(&st, &it->verdict);
    it->booking = bk;
    if (!rb_verdict_ok(&it->verdict))
        return reject(it);
    pupils = it->cmd.has_pupils ? it->cmd.pupils : bk->pupils;
    mode = it->cmd.has_mode ? it->cmd.mode : bk->mode;
    note = it->cmd.has_note ? it->cmd.note : bk->note;
    it->status = RB_STATUS_CONFIRMED;
    if (pupils == bk->pupils && mode == bk->mode && strcmp(note, bk->note) == 0)
        return; /* nothing to change: confirmed as it is, no invitation */
    old = rb__batch_request(b, bk->session, bk->klass, bk->pupils, bk->mode, bk->id);
    rb_request_plan(&old);
    rb__batch_release(b, bk);
    req = rb__batch_request(b, bk->session, bk->klass, pupils, mode, bk->id);
    rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &target);
    it->trip = req.trip;
    if (!rb_verdict_ok(&target)) {
        merge_reasons(&it->verdict, &target);
        rb__batch_take(b, bk, &old); /* what it held before, as it was */
        return reject(it);
    }
    bk->pupils = pupils;
    bk->note = note;
    rb__batch_take(b, bk, &req);
    bk->sequence++;
    bk->dirty = true;
    it->invite = true;
    it->method = RB_ITIP_REQUEST;
}

/* The waiting entry, read for the batch, of the command that waits. */
static item *waiting_of(batch *b, const char *command_id)
{
    size_t k;

    for (k = 0; k < b->npromotions; k++)
        if (!b->promotions[k].wait->leaves &&
            strcmp(b->promotions[k].cmd.command_id, command_id) == 0)
            return &b->promotions[k];
    return NULL;
}

static const fact_round *round_of(const batch *b, const char *id)
{
    size_t i;

    for (i = 0; id && i < b->nrounds; i++)
        if (strcmp(b->rounds[i].id, id) == 0)
            return &b->rounds[i];
    return NULL;
}

/* The class's live wish in the round (or, round NULL, the wish command). */
static fact_wish *live_wish(batch *b, const char *round_id, const char *class_or_command)
{
    size_t i;

    for (i = 0; i < b->nwishes; i++) {
        fact_wish *w = &b->wishes[i];
        if (w->ends)
            continue;
        if (round_id ? strcmp(w->round_id, round_id) == 0 &&
                           strcmp(w->class_id, class_or_command) == 0
                     : strcmp(w->command_id, class_or_command) == 0)
            return w;
    }
    return NULL;
}

/* A wish ends (replaced or withdrawn): its command's last decision says
 * why. One new in the batch is decided so at once. */
static void end_wish(fact_wish *w, rb_reason_code why, const char *by)
{
    item *last = w->owner;

    w->ends = true;
    w->withdrawn = why == RB_REASON_WITHDRAWN;
    if (!last)
        return;
    rb_verdict_init(&last->verdict);
    if (why == RB_REASON_WITHDRAWN)
        rb_verdict_add(&last->verdict, why, "the class withdrew its wish");
    else
        rb_verdict_add(&last->verdict, why, "wish %s replaced it", by);
    last->status = RB_STATUS_REJECTED;
}

/* Whether the round takes wishes now; the reason in v when not. */
static bool round_open(const batch *b, const fact_round *r, const char *id, rb_verdict *v)
{
    char when[20];

    if (!r) {
        rb_verdict_add(v, RB_REASON_UNKNOWN_ROUND, "there is no allocation round \"%s\"", id);
    } else if (r->allocated || b->now_ms >= r->closes_ms) {
        rb_local_format(r->closes_ms, when);
        rb_verdict_add(v, RB_REASON_ROUND_CLOSED, "round \"%s\" took wishes until %s", r->id,
                       when);
    } else if (b->now_ms < r->opens_ms) {
        rb_local_format(r->opens_ms, when);
        rb_verdict_add(v, RB_REASON_ROUND_NOT_OPEN, "round \"%s\" takes wishes from %s", r->id,
                       when);
    } else {
        return true;
    }
    return false;
}

/* A class's ranked wishes for a round's sessions: kept (RECEIVED) for the
 * draw, replacing the class's earlier wish in the round. */
static void decide_wish(batch *b, item *it)
{
    const fact_round *r = round_of(b, it->cmd.round_id);
    fact_class *fc = rb__batch_class(b, it->cmd.class_id);
    fact_wish *old, *w;
    bool open;
    int i;

    if (!authorized(it, RB_ACT_BOOK, fc, NULL, it->cmd.class_id))
        return;
    if (!fc)
        rb_verdict_add(&it->verdict, RB_REASON_UNKNOWN_CLASS, "there is no class \"%s\"",
                       it->cmd.class_id);
    else if (it->cmd.pupils > fc->c.size)
        rb_verdict_add(&it->verdict, RB_REASON_PUPILS_EXCEED_CLASS,
                       "%d pupils asked for, class \"%s\" has %d", it->cmd.pupils, fc->c.id,
                       fc->c.size);
    open = round_open(b, r, it->cmd.round_id, &it->verdict);
    if (open && it->cmd.nwish_sessions > r->max_wishes)
        rb_verdict_add(&it->verdict, RB_REASON_TOO_MANY_WISHES,
                       "%d sessions wished for, round \"%s\" takes at most %d",
                       it->cmd.nwish_sessions, r->id, r->max_wishes);
    for (i = 0; open && i < it->cmd.nwish_sessions; i++) {
        const fact_session *fs = rb__batch_session(b, it->cmd.wish_sessions[i]);
        if (!fs || !fs->s.round_id || strcmp(fs->s.round_id, r->id) != 0 ||
            fs->s.starts_at_ms <= r->closes_ms)
            rb_verdict_add(&it->verdict, RB_REASON_NOT_IN_ROUND,
                           "session \"%s\" is not one of round \"%s\"'s",
                           it->cmd.wish_sessions[i], r->id);
    }
    if (!rb_verdict_ok(&it->verdict))
        return reject(it);
    if ((old = live_wish(b, r->id, fc->c.id)))
        end_wish(old, RB_REASON_WISH_REPLACED, it->cmd.command_id);
    w = &b->wishes[b->nwishes++];
    memset(w, 0, sizeof(*w));
    w->command_id = it->cmd.command_id;
    w->round_id = r->id;
    w->class_id = fc->c.id;
    w->owner = it;
    w->is_new = true;
    it->status = RB_STATUS_RECEIVED;
}

/* The class withdraws its wish while the round takes wishes. */
static bool withdraw_wish(batch *b, item *it)
{
    fact_wish *w = live_wish(b, NULL, it->cmd.waiting_id);
    fact_class *fc;

    if (!w)
        return false;
    fc = rb__batch_class(b, w->class_id);
    if (!authorized(it, RB_ACT_AMEND, fc, NULL, it->cmd.waiting_id))
        return true;
    if (!round_open(b, round_of(b, w->round_id), w->round_id, &it->verdict)) {
        reject(it);
        return true;
    }
    end_wish(w, RB_REASON_WITHDRAWN, NULL);
    it->status = RB_STATUS_CANCELLED;
    return true;
}

/* The class gives up its place: the entry leaves (its command gets a final
 * REJECTED withdrawn when the batch promotes), and those behind move up. */
static void decide_withdraw(batch *b, item *it)
{
    item *w = waiting_of(b, it->cmd.waiting_id);

    if (!w && withdraw_wish(b, it))
        return;
    if (!w) {
        rb_verdict_add(&it->verdict, RB_REASON_NOT_WAITING,
                       "command %s is not waiting for a place or a review", it->cmd.waiting_id);
        return reject(it);
    }
    if (!authorized(it, RB_ACT_AMEND, w->wait->klass, w->wait->session, it->cmd.waiting_id))
        return;
    w->wait->leaves = true;
    w->wait->withdrawn = true;
    it->entry = w;
    it->status = RB_STATUS_CANCELLED;
}

/* Staff settle a bus order in review: refused, it leaves with bus_refused;
 * approved, it is decided when the batch promotes, as if its distance
 * were known, and the approve command shares its outcome (finish_reviews). */
static void decide_review(batch *b, item *it)
{
    item *w = waiting_of(b, it->cmd.waiting_id);

    if (!w || !w->wait->review) {
        rb_verdict_add(&it->verdict, RB_REASON_NOT_IN_REVIEW,
                       "command %s is not a bus order waiting for review", it->cmd.waiting_id);
        return reject(it);
    }
    if (!authorized(it, RB_ACT_REVIEW, w->wait->klass, w->wait->session, it->cmd.waiting_id))
        return;
    it->entry = w;
    if (it->cmd.kind == RB_CMD_REFUSE) {
        w->wait->leaves = true;
        w->wait->refused = true;
        w->wait->refused_by = it->cmd.message;
        it->status = RB_STATUS_CANCELLED;
        return;
    }
    w->wait->approved = true;
}

/* An approve command's decision is its order's: CONFIRMED with the
 * booking, or REJECTED with the reasons it could not be booked. */
static void finish_reviews(batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (it->cmd.kind != RB_CMD_APPROVE || !it->entry || it->duplicate)
            continue;
        it->status = it->entry->status;
        it->booking = it->entry->booking;
        merge_reasons(&it->verdict, &it->entry->verdict);
    }
}

static void decide_item(batch *b, item *it)
{
    if (it->decode_rc == 0 && it->cmd.catalog) { /* applied or refused by the store */
        if (!it->duplicate && it->status == RB_STATUS_CONFIRMED &&
            (it->cmd.kind == RB_CMD_CANCEL_SESSION || it->cmd.kind == RB_CMD_MOVE_SESSION))
            rb__batch_settle(b, it);
        return;
    }
    rb_verdict_init(&it->verdict);
    if (it->decode_rc < 0)
        return;
    if (!it->drawn && !rb__strset_add(&b->done, it->cmd.command_id)) {
        it->duplicate = true;
        return;
    }
    if (it->refusal[0]) { /* the portal or its signature: before anything it asks */
        rb_verdict_add(&it->verdict, RB_REASON_NOT_AUTHORIZED, "%s", it->refusal);
        return reject(it);
    }
    switch (it->cmd.kind) {
    case RB_CMD_BOOK: decide_book(b, it); break;
    case RB_CMD_CANCEL: decide_cancel(b, it); break;
    case RB_CMD_RESCHEDULE: decide_reschedule(b, it); break;
    case RB_CMD_CHANGE: decide_change(b, it); break;
    case RB_CMD_WITHDRAW: decide_withdraw(b, it); break;
    case RB_CMD_APPROVE:
    case RB_CMD_REFUSE: decide_review(b, it); break;
    case RB_CMD_WISH: decide_wish(b, it); break;
    case RB_CMD_UPSERT:
    case RB_CMD_RETIRE:
    case RB_CMD_CANCEL_SESSION:
    case RB_CMD_MOVE_SESSION: /* catalogue commands: never from the booking topic */
    case RB_CMD_INVALID:
        it->verdict = it->cmd.problems;
        reject(it);
        break;
    }
}

static bool has_places(const fact_session *fs, int pupils)
{
    return fs->s.classes_booked < fs->s.class_capacity &&
           fs->s.pupils_booked + pupils <= fs->s.pupil_capacity;
}

/* A review whose distance is known now is decided for good. */
static void refuse(fact_wait *w, item *it)
{
    w->leaves = true;
    w->refused = true;
    it->status = RB_STATUS_REJECTED;
}

/* The waiting classes, in the order they joined, that fit now; and the
 * bus orders in review that can be decided now. */
static void promote(batch *b)
{
    size_t k;

    for (k = 0; k < b->npromotions; k++) {
        item *it = &b->promotions[k];
        fact_wait *w = it->wait;
        fact_session *fs = w->session;
        rb_booking_request req;
        fact_booking *bk;

        rb_verdict_init(&it->verdict);
        it->status = RB_STATUS_REJECTED;
        if (w->withdrawn) {
            rb_verdict_add(&it->verdict, RB_REASON_WITHDRAWN,
                           "the class gave up its place in the waiting list");
            continue;
        }
        if (w->refused_by) {
            rb_verdict_add(&it->verdict, RB_REASON_BUS_REFUSED, "staff refused the bus order%s%s",
                           *w->refused_by ? ": " : "", w->refused_by);
            continue;
        }
        if (fs->s.cancelled && fs->settle_by) {
            w->leaves = true;
            fs->settle_by->nwaits++;
            rb_verdict_add(&it->verdict, RB_REASON_SESSION_CANCELLED,
                           "the provider cancelled the session%s%s",
                           *fs->settle_by->cmd.message ? ": " : "", fs->settle_by->cmd.message);
            continue;
        }
        if (w->leaves || !w->klass || (!w->review && !has_places(fs, it->cmd.pupils)))
            continue;
        req = rb__batch_request(b, fs, w->klass, it->cmd.pupils, it->cmd.mode, NULL);
        req.bus_approved = w->approved;
        rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &it->verdict);
        if (w->review && !rb_verdict_ok(&it->verdict) && !rb_verdict_needs_review(&it->verdict)) {
            refuse(w, it);
            continue;
        }
        if (!rb_verdict_ok(&it->verdict) || !(bk = new_booking(b, it, fs, w->klass)))
            continue;
        rb__batch_take(b, bk, &req);
        w->leaves = true;
        if (fs->settle_by)
            fs->settle_by->npromoted++;
        it->trip = req.trip;
        it->booking = bk;
        it->status = RB_STATUS_CONFIRMED;
        it->invite = true;
        it->method = RB_ITIP_REQUEST;
    }
}

void rb__batch_decide(batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        decide_item(b, &b->items[i]);
    promote(b);
    finish_reviews(b);
}

void rb__batch_reset(batch *b)
{
    item *items = b->items;
    const char *const *extra = b->extra_sessions;
    size_t i, n = b->n, nextra = b->nextra_sessions;

    if (b->catalog_sessions) { /* the catalogue commands name them again next attempt */
        extra = NULL;
        nextra = 0;
    }

    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        it->duplicate = false;
        it->booking = NULL;
        it->invite = false;
        it->status = RB_STATUS_REJECTED;
        it->position = 0;
        it->nalternatives = 0;
        it->nshortlist = 0;
        it->wait = NULL;
        it->entry = NULL;
        it->entity_id[0] = '\0';
        it->placed = NULL;
        it->version = it->nmoved = it->ncancelled = it->nwaits = it->npromoted = 0;
        memset(&it->trip, 0, sizeof(it->trip));
        rb_verdict_init(&it->verdict);
    }
    free(b->sessions);
    free(b->candidates);
    free(b->candidate_resources);
    free(b->resources);
    free(b->classes);
    free(b->bookings);
    free(b->waits);
    free(b->promotions);
    free(b->travel);
    free(b->buses);
    free(b->quotas);
    free(b->uses);
    free(b->held_keys);
    free(b->catalog_sessions);
    free(b->settled);
    free(b->wishes);
    free(b->wish_ends);
    free(b->rounds_own);
    rb_holds_fini(&b->class_holds);
    rb_holds_fini(&b->resource_holds);
    rb_holds_fini(&b->bus_holds);
    rb__strset_fini(&b->done);
    rb__strset_fini(&b->held);
    memset(b, 0, sizeof(*b));
    b->items = items;
    b->n = n;
    b->extra_sessions = extra;
    b->nextra_sessions = nextra;
}
