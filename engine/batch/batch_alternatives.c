/* Alternatives for a rejected request: sessions of the same offering,
 * nearest in time first, that pass every rule the request failed. The
 * candidates are shortlisted with the class trips read around the session
 * asked for, then confirmed once the trips around each shortlisted one are
 * read too. No I/O. */
#include <stdlib.h>
#include <string.h>

#include "batch/batch_internal.h"

bool rb__batch_wants_alternatives(const item *it)
{
    int i;

    if (it->settled) { /* cancelled with its session, or because it no longer fits */
        if (it->status != RB_STATUS_CANCELLED)
            return false;
    } else if (it->drawn || it->decode_rc < 0 || it->duplicate || it->status != RB_STATUS_REJECTED ||
               (it->cmd.kind != RB_CMD_BOOK && it->cmd.kind != RB_CMD_RESCHEDULE)) {
        return false;
    }
    for (i = 0; i < it->verdict.nreasons; i++)
        if (!rb_reason_wants_alternatives(it->verdict.reasons[i].id))
            return false;
    return true;
}

static int64_t gap(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

size_t rb__batch_offering_run(const batch *b, const char *offering_id)
{
    size_t lo = 0, hi = b->ncandidates;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(b->candidates[mid].s.offering_id, offering_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct near {
    int64_t gap;
    fact_session *session;
} near;

static int by_gap(const void *a, const void *b)
{
    const near *x = a, *y = b;

    if (x->gap != y->gap)
        return (x->gap > y->gap) - (x->gap < y->gap);
    return strcmp(x->session->s.id, y->session->s.id);
}

/* The booking a reschedule moves, or NULL. */
static fact_booking *moved(const item *it)
{
    return it->cmd.kind == RB_CMD_RESCHEDULE ? it->booking : NULL;
}

/* The class of an item's request (the moved booking's, for a reschedule). */
static fact_class *asking_class(batch *b, const item *it)
{
    return moved(it) ? moved(it)->klass : rb__batch_class(b, it->cmd.class_id);
}

/* Whether class fc could book session c instead of what it asked for. */
static bool fits(batch *b, const item *it, fact_class *fc, fact_session *c)
{
    fact_booking *moving = moved(it);
    rb_booking_request req = rb__batch_request(b, c, fc,
                                               moving ? moving->pupils : it->cmd.pupils,
                                               moving ? moving->mode : it->cmd.mode,
                                               moving ? moving->id : NULL);
    rb_verdict v;

    rb_decide(&req, rb_booking_rules, rb_booking_rules_count, &v);
    return rb_verdict_ok(&v);
}

static int max_alternatives(const batch *b)
{
    int max = b->settings->max_alternatives;

    return max > RB_MAX_ALTERNATIVES ? RB_MAX_ALTERNATIVES : max;
}

/* The candidates of the same offering that fit, nearest in time first;
 * the rules run only until enough were found. */
static void shortlist_for(batch *b, item *it, near *order)
{
    fact_booking *moving = moved(it);
    fact_session *asked = rb__batch_session(b, it->cmd.session_id);
    fact_class *fc = asking_class(b, it);
    int wanted = max_alternatives(b);
    size_t i, n = 0;

    it->nshortlist = 0;
    if (!asked || !fc || wanted <= 0)
        return;
    for (i = rb__batch_offering_run(b, asked->s.offering_id);
         i < b->ncandidates && strcmp(b->candidates[i].s.offering_id, asked->s.offering_id) == 0;
         i++) {
        fact_session *c = b->candidates[i].live ? b->candidates[i].live : &b->candidates[i];
        if (c == asked || (moving && c == moving->session))
            continue;
        order[n].gap = gap(c->s.starts_at_ms, asked->s.starts_at_ms);
        order[n++].session = c;
    }
    qsort(order, n, sizeof(*order), by_gap);
    for (i = 0; i < n && it->nshortlist < wanted + ALTERNATIVES_SLACK; i++)
        if (fits(b, it, fc, order[i].session))
            it->shortlist[it->nshortlist++] = order[i].session;
}

void rb__batch_shortlist(batch *b)
{
    near *order = malloc((b->ncandidates + 1) * sizeof(*order));
    size_t i;

    if (!order)
        return; /* alternatives are a courtesy: the decision stands without them */
    for (i = 0; i < b->ncandidates; i++)
        b->candidates[i].live = rb__batch_session(b, b->candidates[i].s.id);
    for (i = 0; i < rb__batch_nasking(b); i++)
        if (rb__batch_wants_alternatives(rb__batch_asking(b, i)))
            shortlist_for(b, rb__batch_asking(b, i), order);
    free(order);
}

void rb__batch_alternatives(batch *b)
{
    size_t i;
    int k;

    for (i = 0; i < rb__batch_nasking(b); i++) {
        item *it = rb__batch_asking(b, i);
        fact_class *fc;
        if (!rb__batch_wants_alternatives(it) || it->nshortlist == 0)
            continue;
        fc = asking_class(b, it);
        for (k = 0; k < it->nshortlist && it->nalternatives < max_alternatives(b); k++)
            if (fits(b, it, fc, it->shortlist[k]))
                it->alternatives[it->nalternatives++] = &it->shortlist[k]->s;
    }
}
