/* An allocation round's draw, in one transaction (docs/allocation.md).
 *
 * The round is marked allocated first (the rule allocation_pending then
 * lets its sessions be booked, in this transaction only), its wishes are
 * read and ordered (rumbook/allocation.h), and the classes are placed in
 * that order as a batch of book commands would be, a chunk of classes at
 * a time: each chunk reads what the ones before it wrote. A class tries
 * its choices in its order until one passes every rule; a class that may
 * get two sessions gets its second in a second pass, after every class
 * had its first. Unplaced classes that asked to wait join the first
 * choice's waiting list. Each wish gets its decision under its own
 * command id, the results go to allocation_results, and all of it commits
 * at once: a worker killed during the draw leaves the round open, and the
 * next draws it again from the same seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pg/pg_internal.h"
#include "rumbook/allocation.h"
#include "rumbook/log.h"
#include "rumbook/uuid.h"
#include "store/store_internal.h"

#define CHUNK_WISHES 250 /* a chunk's items stay a few MB however large the round */
#define MAX_CHOICES 10

static const char SQL_DUE[] =
    "SELECT id, seed FROM allocation_rounds WHERE status = 'open' AND closes_at <= now()"
    " ORDER BY closes_at, id LIMIT 1 FOR UPDATE SKIP LOCKED";
static const char SQL_ROUND[] =
    "SELECT id, seed FROM allocation_rounds WHERE id = $1 AND status = 'open'"
    " AND closes_at <= now() FOR UPDATE";
static const char SQL_MARK[] =
    "UPDATE allocation_rounds SET status = 'allocated', allocated_at = now() WHERE id = $1";
static const char SQL_WISHES[] =
    "SELECT command_id::text, class_id, school_id, array_to_string(sessions, chr(31)), pupils,"
    " travel_mode, wants, wait, note, actor_email, actor_name, " SQL_MS("received_at")
    " FROM wishes WHERE round_id = $1 AND status = 'received'";
static const char SQL_CLOSE_WISHES[] =
    "UPDATE wishes SET status = 'allocated' WHERE round_id = $1 AND status = 'received'";
static const char SQL_RESULTS[] =
    "INSERT INTO allocation_results (round_id, position, pass, command_id, class_id, school_id,"
    " draw_key, outcome, choice, session_id, booking_id, reasons)"
    " SELECT $1, u.* FROM unnest($2::int[], $3::int[], $4::uuid[], $5::text[], $6::text[],"
    " $7::text[], $8::text[], $9::int[], $10::text[], $11::uuid[], $12::text[]) AS u";

typedef struct wish {
    const char *command_id, *class_id, *school_id, *note, *actor_email, *actor_name;
    const char *sessions[MAX_CHOICES];
    int nsessions, pupils, wants;
    enum rb_mode mode;
    bool wait;
    int position;               /* in the draw, 0 first */
    const char *key;
    int placed;                 /* sessions it got */
    const char *placed_on[MAX_CHOICES];
    rb_verdict *why;            /* unplaced in pass 1: each choice's reasons */
    char booking_command[MAX_CHOICES][RB_UUID_LEN]; /* the bookings of passes 2.. */
} wish;

/* One allocation_results row. */
typedef struct result {
    const wish *w;
    int pass;
    enum rb_status outcome;
    int choice;
    const char *session_id;
    char booking_id[RB_UUID_LEN];
    char reasons[256];
} result;

typedef struct draw {
    rb_store *st;
    const char *round_id;
    wish *wishes;
    size_t n;
    result *results;
    size_t nresults, results_cap;
    rb_allocation_stats *stats;
    /* the decisions written, for the metrics once they are committed */
    int statuses[RB_STATUS_RECEIVED + 1];
    int reasons[RB_REASON_COUNT];
} draw;

/* A decision the chunk writes, into the counts. */
static void tally(draw *d, const item *it)
{
    int i;

    if (it->silent)
        return;
    d->statuses[it->status]++;
    for (i = 0; i < it->verdict.nreasons; i++)
        d->reasons[it->verdict.reasons[i].id]++;
}

/* After COMMIT: the draw's decisions into the store's metrics, as a
 * batch's are. */
static void count_committed(const draw *d)
{
    int i;

    for (i = 0; d->st->metrics && i <= RB_STATUS_RECEIVED; i++)
        if (d->statuses[i])
            rb_metrics_add(d->st->metrics, RB_METRIC_DECISIONS, i, d->statuses[i]);
    for (i = 0; d->st->metrics && i < RB_REASON_COUNT; i++)
        if (d->reasons[i])
            rb_metrics_add(d->st->metrics, RB_METRIC_REASONS, i, d->reasons[i]);
}

static int add_result(draw *d, const wish *w, int pass, const item *it)
{
    result *r;
    int i;

    if (d->nresults == d->results_cap) {
        size_t cap = d->results_cap ? d->results_cap * 2 : 1024;
        result *grown = realloc(d->results, cap * sizeof(*grown));
        if (!grown)
            return RB_ENOMEM;
        d->results = grown;
        d->results_cap = cap;
    }
    r = &d->results[d->nresults++];
    memset(r, 0, sizeof(*r));
    r->w = w;
    r->pass = pass;
    r->outcome = it ? it->status : RB_STATUS_REJECTED;
    r->choice = it && it->status == RB_STATUS_CONFIRMED ? it->choice : 0;
    r->session_id = it && it->status != RB_STATUS_REJECTED ? it->cmd.session_id : NULL;
    if (it && it->booking)
        snprintf(r->booking_id, sizeof(r->booking_id), "%s", it->booking->id);
    for (i = 0; it && i < it->verdict.nreasons; i++)
        snprintf(r->reasons + strlen(r->reasons), sizeof(r->reasons) - strlen(r->reasons),
                 "%s%s", i ? " " : "", it->verdict.reasons[i].code);
    return 0;
}

/* A second booking's command id, derived from the wish's: bookings are
 * one per command id. */
static void derived_id(const wish *w, int pass, char out[RB_UUID_LEN])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char text[RB_UUID_LEN + 16];

    snprintf(text, sizeof(text), "%s/%d", w->command_id, pass);
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x80); /* version 8: custom */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    rb_uuid_format(h, out);
}

static bool holds(const wish *w, const char *session_id)
{
    int i;

    for (i = 0; i < w->placed; i++)
        if (strcmp(w->placed_on[i], session_id) == 0)
            return true;
    return false;
}

static void fill_item(item *it, const wish *w, const char *session_id, int choice, item *lead)
{
    memset(it, 0, sizeof(*it));
    it->drawn = true;
    it->lead = lead ? lead : it;
    it->choice = choice;
    it->scope.kind = RB_SCOPE_ALL;
    it->cmd.kind = RB_CMD_BOOK;
    it->cmd.command_id = w->command_id;
    it->cmd.session_id = session_id;
    it->cmd.class_id = w->class_id;
    it->cmd.pupils = w->pupils;
    it->cmd.mode = w->mode;
    it->cmd.note = w->note;
    it->cmd.actor_email = w->actor_email;
    it->cmd.actor_name = w->actor_name;
    it->cmd.message = "";
    rb_verdict_init(&it->verdict);
    it->status = RB_STATUS_REJECTED;
}

/* Each choice's reasons, the choice named in each message. */
static void merge_choices(rb_verdict *into, item *first, size_t n)
{
    size_t i;
    int k;

    for (i = 0; i < n; i++)
        for (k = 0; k < first[i].verdict.nreasons; k++)
            rb_verdict_add(into, first[i].verdict.reasons[k].id, "%s: %s", first[i].cmd.session_id,
                           first[i].verdict.reasons[k].message);
}

/* After a chunk is decided: one decision per wish (the placed choice's,
 * or the lead's with every choice's reasons), the rest silent. */
static int settle_chunk(draw *d, batch *b, wish **ws, size_t nws, const size_t *first, int pass,
                        bool waiting)
{
    size_t k, i, end;
    int rc;

    for (k = 0; k < nws; k++) {
        wish *w = ws[k];
        item *lead = &b->items[first[k]], *placed = NULL;
        end = k + 1 < nws ? first[k + 1] : b->n;
        for (i = first[k]; i < end; i++) {
            b->items[i].silent = true;
            if (b->items[i].status != RB_STATUS_REJECTED)
                placed = &b->items[i];
        }
        if (placed) {
            placed->silent = false;
            if (placed->status == RB_STATUS_CONFIRMED) {
                w->placed_on[w->placed] = placed->cmd.session_id;
                if (pass > 1) { /* the wish's row says its first placement */
                    placed->settled = true;
                    derived_id(w, pass, w->booking_command[pass - 1]);
                    placed->booking->command_id = w->booking_command[pass - 1];
                } else {
                    placed->promotion = true;
                }
                w->placed++;
                d->stats->placements++;
                if (pass == 1)
                    d->stats->placed[placed->choice]++;
            } else { /* waiting: the wait pass */
                placed->promotion = true;
                d->stats->waitlisted++;
            }
            if ((rc = add_result(d, w, pass, placed)) < 0)
                return rc;
            continue;
        }
        if (pass > 1)
            continue; /* it keeps what it got */
        if (waiting) { /* the wait pass found no place in line either */
            lead->verdict = *w->why;
        } else {
            if (!(w->why = malloc(sizeof(*w->why))))
                return RB_ENOMEM;
            rb_verdict_init(w->why);
            merge_choices(w->why, lead, end - first[k]);
            if (w->wait)
                continue; /* decided in the wait pass */
            lead->verdict = *w->why;
        }
        lead->silent = false;
        lead->promotion = true;
        lead->choice = 0;
        d->stats->placed[0]++;
        if ((rc = add_result(d, w, pass, lead)) < 0)
            return rc;
    }
    return 0;
}

/* Decides one chunk of wishes (each its choices, or in the wait pass its
 * first choice with a place in line) and writes it, without committing. */
static int run_chunk(draw *d, wish **ws, size_t nws, int pass, bool waiting, rb_error *err)
{
    rb_store *st = d->st;
    batch b = {0};
    size_t k, n = 0, *first = calloc(nws + 1, sizeof(*first));
    rb_batch_stats stats = {0};
    int i, rc;

    for (k = 0; k < nws; k++)
        n += waiting ? 1 : (size_t)ws[k]->nsessions;
    b.items = calloc(n + 1, sizeof(*b.items));
    if (!b.items || !first) {
        free(first);
        free(b.items);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    for (k = 0; k < nws; k++) {
        wish *w = ws[k];
        first[k] = b.n;
        for (i = 0; i < (waiting ? 1 : w->nsessions); i++) {
            if (holds(w, w->sessions[i]))
                continue;
            fill_item(&b.items[b.n], w, w->sessions[i], i + 1,
                      b.n > first[k] ? &b.items[first[k]] : NULL);
            b.items[b.n].cmd.wait_if_full = waiting;
            b.n++;
        }
    }
    b.now_ms = rb__store_now_ms();
    b.settings = &st->settings;
    if ((rc = rb__store_fetch(st, &b, err)) == 0 && (rc = rb__store_fetch_facts(st, &b, err)) == 0) {
        rb__batch_decide(&b);
        if ((rc = settle_chunk(d, &b, ws, nws, first, pass, waiting)) < 0)
            rb_error_set(err, rc, "out of memory");
        else
            rc = rb__store_write(st, &b, &stats, err);
        for (k = 0; rc == 0 && k < b.n; k++)
            tally(d, &b.items[k]);
    }
    rb__batch_reset(&b);
    rb__store_drop_results(st);
    free(b.items);
    free(first);
    return rc;
}

/* Every wish taking part in a pass, in the draw's order, chunk by chunk. */
static int run_pass(draw *d, const rb_draw_entry *order, int pass, bool waiting, rb_error *err)
{
    wish **chunk = calloc(CHUNK_WISHES, sizeof(*chunk));
    size_t i, n = 0;
    int rc = 0;

    if (!chunk)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (i = 0; i <= d->n && rc == 0; i++) {
        wish *w = i < d->n ? order[i].data : NULL;
        if (w && (waiting ? w->wait && w->placed == 0
                          : w->wants >= pass && w->placed == pass - 1))
            chunk[n++] = w;
        if (n && (n == CHUNK_WISHES || i == d->n)) {
            rc = run_chunk(d, chunk, n, pass, waiting, err);
            n = 0;
        }
    }
    free(chunk);
    return rc;
}

static int write_results(draw *d, rb_error *err)
{
    rb_store *st = d->st;
    size_t i;

    if (d->nresults == 0)
        return 0;
    rb__store_begin(st, SQL_RESULTS, 12);
    rb_pgarray_scalar(&st->col[0], d->round_id);
    for (i = 0; i < d->nresults; i++) {
        const result *r = &d->results[i];
        rb_pgarray_int(&st->col[1], r->w->position);
        rb_pgarray_int(&st->col[2], r->pass);
        rb_pgarray_text(&st->col[3], r->w->command_id);
        rb_pgarray_text(&st->col[4], r->w->class_id);
        rb_pgarray_text(&st->col[5], r->w->school_id);
        rb_pgarray_text(&st->col[6], r->w->key);
        rb_pgarray_text(&st->col[7], rb_status_name(r->outcome));
        if (r->choice)
            rb_pgarray_int(&st->col[8], r->choice);
        else
            rb_pgarray_null(&st->col[8]);
        rb_pgarray_text(&st->col[9], r->session_id);
        rb_pgarray_text(&st->col[10], r->booking_id[0] ? r->booking_id : NULL);
        rb_pgarray_text(&st->col[11], r->reasons);
    }
    return rb__pg_command_params(st->conn, SQL_RESULTS, st->col, 12, "write the results", err);
}

static enum rb_mode mode_of(const char *name)
{
    enum rb_mode m = RB_MODE_PUBLIC_TRANSPORT;

    rb_mode_parse(name, &m);
    return m;
}

/* The round's wishes into d, ordered into order. */
static int read_wishes(draw *d, PGresult *res, const unsigned char *seed, rb_draw_kind kind,
                       rb_draw_entry **order, rb_error *err)
{
    size_t i;
    int r;

    d->n = (size_t)PQntuples(res);
    d->wishes = calloc(d->n + 1, sizeof(*d->wishes));
    *order = calloc(d->n + 1, sizeof(**order));
    if (!d->wishes || !*order)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        wish *w = &d->wishes[r];
        char *p = PQgetvalue(res, r, 3), *sep;
        w->command_id = PQgetvalue(res, r, 0);
        w->class_id = PQgetvalue(res, r, 1);
        w->school_id = PQgetvalue(res, r, 2);
        for (; p && w->nsessions < MAX_CHOICES; p = sep ? sep + 1 : NULL) {
            if ((sep = strchr(p, '\x1f')))
                *sep = '\0'; /* the result's own buffer, ours until PQclear */
            w->sessions[w->nsessions++] = p;
        }
        w->pupils = atoi(PQgetvalue(res, r, 4));
        w->mode = mode_of(PQgetvalue(res, r, 5));
        w->wants = atoi(PQgetvalue(res, r, 6));
        w->wait = *PQgetvalue(res, r, 7) == 't';
        w->note = PQgetvalue(res, r, 8);
        w->actor_email = PQgetvalue(res, r, 9);
        w->actor_name = PQgetvalue(res, r, 10);
        (*order)[r].class_id = w->class_id;
        (*order)[r].school_id = w->school_id;
        (*order)[r].arrived_ms = strtoll(PQgetvalue(res, r, 11), NULL, 10);
        (*order)[r].data = w;
    }
    rb_draw_keys(seed, *order, d->n);
    if (kind == RB_DRAW_ARRIVAL)
        rb_arrival_order(*order, d->n);
    else
        rb_draw_order(*order, d->n);
    for (i = 0; i < d->n; i++) {
        wish *w = (*order)[i].data;
        w->position = (int)i;
        w->key = (*order)[i].key;
    }
    return 0;
}

static int allocate(rb_store *st, const char *round, rb_draw_kind kind, bool commit,
                    bool *drawn, rb_allocation_stats *stats, rb_error *err)
{
    draw d = {.st = st, .stats = stats};
    PGresult *rres = NULL, *wres = NULL;
    rb_draw_entry *order = NULL;
    const char *p[1];
    unsigned char seed[RB_SEED_LEN];
    size_t i;
    int pass, max_wants = 1, rc;

    memset(stats, 0, sizeof(*stats));
    *drawn = false;
    if ((rc = rb__store_settings(st, rb__store_now_ms(), err)) < 0 ||
        (rc = rb__pg_begin(st->conn, err)) < 0)
        return rc;
    p[0] = round;
    if (!(rres = rb__pg_exec(st->conn, round ? SQL_ROUND : SQL_DUE, round ? 1 : 0, p,
                             PGRES_TUPLES_OK, "find a round to draw", err)))
        return err->code;
    if (PQntuples(rres) == 0) {
        PQclear(rres);
        rb__pg_rollback(st->conn);
        return round ? rb_error_set(err, RB_ENOTFOUND,
                                    "round \"%s\" is not open with its window closed", round)
                     : 0;
    }
    d.round_id = PQgetvalue(rres, 0, 0);
    p[0] = d.round_id;
    {
        size_t len;
        unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(rres, 0, 1), &len);
        if (!raw || len != RB_SEED_LEN) {
            PQfreemem(raw);
            rc = rb_error_set(err, RB_EINVAL, "round \"%s\": its seed is not 32 bytes", d.round_id);
            goto out;
        }
        memcpy(seed, raw, RB_SEED_LEN);
        PQfreemem(raw);
    }
    /* The round's sessions bookable in this transaction, for its draw. */
    if ((rc = rb__pg_command(st->conn, SQL_MARK, 1, p, "mark the round", err)) < 0 ||
        (rc = rb__store_read_catalogue(st, err)) < 0)
        goto out;
    if (!(wres = rb__pg_exec(st->conn, SQL_WISHES, 1, p, PGRES_TUPLES_OK, "read wishes", err))) {
        rc = err->code;
        goto out;
    }
    if ((rc = read_wishes(&d, wres, seed, kind, &order, err)) < 0)
        goto out;
    stats->wishes = (int)d.n;
    for (i = 0; i < d.n; i++)
        if (d.wishes[i].wants > max_wants)
            max_wants = d.wishes[i].wants;
    for (pass = 1; pass <= max_wants && rc == 0; pass++)
        rc = run_pass(&d, order, pass, false, err);
    if (rc == 0)
        rc = run_pass(&d, order, 1, true, err);
    if (rc == 0 && (rc = write_results(&d, err)) == 0 &&
        (rc = rb__pg_command(st->conn, SQL_CLOSE_WISHES, 1, p, "close the wishes", err)) == 0 &&
        (rc = rb__pg_command(st->conn, "NOTIFY rumbook_facts", 0, NULL, "notify", err)) == 0 &&
        (rc = rb__pg_command(st->conn, "NOTIFY rumbook_outbox", 0, NULL, "notify", err)) == 0)
        rc = rb__pg_command(st->conn, commit ? "COMMIT" : "ROLLBACK", 0, NULL, "commit", err);
    if (rc == 0) {
        *drawn = commit;
        if (commit)
            count_committed(&d);
        rb_log_info("allocation round=%s wishes=%d placed=%d waitlisted=%d order=%s%s",
                    d.round_id, stats->wishes, stats->placements, stats->waitlisted,
                    kind == RB_DRAW_ARRIVAL ? "arrival" : "seed", commit ? "" : " (rolled back)");
    }
out:
    if (rc < 0)
        rb__pg_rollback(st->conn);
    /* what this transaction read of the catalogue goes with it */
    st->catalogue_stale = true;
    st->settings_at_ms = 0;
    for (i = 0; i < d.n; i++)
        free(d.wishes[i].why);
    free(d.wishes);
    free(d.results);
    free(order);
    PQclear(wres);
    PQclear(rres);
    return rc;
}

int rb_store_allocate(rb_store *st, const char *round, rb_draw_kind kind, bool commit,
                      bool *drawn, rb_allocation_stats *stats, rb_error *err)
{
    return allocate(st, round, kind, commit, drawn, stats, err);
}

/* Whether the cached rounds (read again after every catalogue change)
 * have one whose window closed: most of the time none, and no query. */
static bool any_due(const rb_store *st, int64_t now_ms)
{
    size_t i;

    for (i = 0; i < st->nrounds; i++)
        if (!st->rounds[i].allocated && st->rounds[i].closes_ms <= now_ms)
            return true;
    return false;
}

int rb_store_allocate_due(rb_store *st, int *drawn, rb_error *err)
{
    rb_allocation_stats stats;
    bool one;
    int rc;

    *drawn = 0;
    rb__store_poll_facts(st);
    if (st->catalogue_stale && (rc = rb__store_read_catalogue(st, err)) < 0)
        return rc;
    if (!any_due(st, rb__store_now_ms()))
        return 0;
    do {
        if ((rc = allocate(st, NULL, RB_DRAW_SEED, true, &one, &stats, err)) < 0)
            return rc;
        *drawn += one;
    } while (one);
    return 0;
}
