/* Batch transactions: lock and fetch the facts, decide, write, commit.
 *
 * Lock order is fixed (bookings by id, then sessions by id) so that
 * workers racing for the same sessions queue up instead of deadlocking;
 * the CHECK constraints on the session counters and the unique keys on
 * commands and bookings are the last word if a worker were ever wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg/pg_internal.h"
#include "rumbook/log.h"
#include "rumbook/pg.h"
#include "rumbook/pgarray.h"
#include "rumbook/signature.h"
#include "store/store_internal.h"

#define MAX_ATTEMPTS 8

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int rb_store_new(const rb_store_options *opt, const rb_calendar *cal, rb_store **out,
                 rb_error *err)
{
    rb_store *st = calloc(1, sizeof(*st));
    int i, rc;

    *out = NULL;
    if (!st)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    st->cal = cal;
    st->dsn = dup_or_null(opt->dsn);
    st->group = dup_or_null(opt->group);
    st->topic_decisions = dup_or_null(opt->topic_decisions);
    st->topic_invitations = dup_or_null(opt->topic_invitations);
    st->topic_dlq = dup_or_null(opt->topic_dlq);
    st->topic_catalog = dup_or_null(opt->topic_catalog);
    st->topic_catalog_decisions = dup_or_null(opt->topic_catalog_decisions);
    st->allow_unsigned = opt->allow_unsigned;
    st->portals_stale = true;
    for (i = 0; i < STORE_COLUMNS; i++)
        rb_pgarray_init(&st->col[i]);
    if ((rc = rb_crypto_init(err)) < 0 || (rc = rb_pg_connect(st->dsn, &st->conn, err)) < 0 ||
        (rc = rb__pg_command(st->conn, "LISTEN rumbook_facts", 0, NULL, "listen", err)) < 0) {
        rb_store_free(st);
        return rc;
    }
    st->promote_pending = true; /* imports made while no worker ran */
    st->catalogue_stale = true;
    *out = st;
    return 0;
}

void rb_store_free(rb_store *st)
{
    int i;

    if (!st)
        return;
    rb__store_forget_facts(st);
    rb__store_forget_portals(st);
    rb__store_drop_results(st);
    rb__pgstmts_forget(&st->stmts);
    PQfinish(st->conn);
    for (i = 0; i < STORE_COLUMNS; i++)
        rb_pgarray_fini(&st->col[i]);
    free(st->dsn);
    free(st->group);
    free(st->topic_decisions);
    free(st->topic_invitations);
    free(st->topic_dlq);
    free(st->topic_catalog);
    free(st->topic_catalog_decisions);
    free(st);
}

void rb__store_begin(rb_store *st, const char *sql, int n)
{
    rb_pgarray_begin_for(st->col, n, sql);
}

PGresult *rb__store_run(rb_store *st, const char *sql, const rb_pgarray *cols, int ncols,
                        ExecStatusType want, const char *what, rb_error *err)
{
    return rb__pg_exec_prepared(st->conn, &st->stmts, sql, cols, ncols, want, what, err);
}

int64_t rb__store_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool any_rejection_wants_alternatives(const batch *b)
{
    size_t i;

    for (i = 0; i < rb__batch_nasking(b); i++)
        if (rb__batch_wants_alternatives(rb__batch_asking((batch *)b, i)))
            return true;
    return false;
}

/* One transaction: lock and read, decide, look for alternatives where
 * something was rejected, write, commit. */
static int attempt(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    int rc;

    b->now_ms = rb__store_now_ms();
    if ((rc = rb__store_settings(st, b->now_ms, err)) < 0)
        return rc;
    b->settings = &st->settings;
    if ((rc = rb__pg_begin(st->conn, err)) < 0)
        return rc;
    /* A catalogue command changes what the batch then reads: its portal
     * is confirmed before, not after. */
    if (b->catalog && ((rc = rb__store_confirm_portals(st, b, err)) < 0 ||
                       (rc = rb__store_apply_catalog(st, b, err)) < 0))
        return rc;
    if ((rc = rb__store_fetch(st, b, err)) < 0 || (rc = rb__store_fetch_facts(st, b, err)) < 0 ||
        (!b->catalog && (rc = rb__store_confirm_portals(st, b, err)) < 0))
        return rc;
    rb__batch_decide(b);
    if (any_rejection_wants_alternatives(b)) {
        if ((rc = rb__store_fetch_candidates(st, b, err)) < 0)
            return rc;
        rb__batch_alternatives(b);
    }
    return rb__store_write_commit(st, b, stats, err);
}

static void decode_all(batch *b, const rb_message *msgs)
{
    size_t i;
    rb_error err;

    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        it->m = &msgs[i];
        it->decode_rc = b->catalog
                            ? rb_catalog_command_decode(&it->cmd, msgs[i].payload, msgs[i].len,
                                                        &err)
                            : rb_command_decode(&it->cmd, msgs[i].payload, msgs[i].len, &err);
        if (it->decode_rc < 0)
            snprintf(it->cause, sizeof(it->cause), "%s", err.message);
    }
}

void rb_store_set_metrics(rb_store *st, rb_metrics *m)
{
    st->metrics = m;
}

bool rb_store_connected(const rb_store *st)
{
    return PQstatus(st->conn) == CONNECTION_OK;
}

/* Counts one item of a committed batch. */
static void count_item(rb_metrics *m, const item *it, int64_t now_ms)
{
    int i;

    if (it->decode_rc < 0) {
        rb_metrics_add(m, RB_METRIC_DEAD_LETTERS, 0, 1);
        return;
    }
    if (it->duplicate) {
        rb_metrics_add(m, RB_METRIC_DUPLICATES, 0, 1);
        return;
    }
    if (it->cmd.catalog || it->silent)
        return; /* no booking decision of its own */
    if (it->promotion && !it->drawn && !it->wait->leaves)
        return; /* a waiting class looked at again and still waiting: no decision */
    rb_metrics_add(m, RB_METRIC_DECISIONS, (int)it->status, 1);
    for (i = 0; i < it->verdict.nreasons; i++)
        rb_metrics_add(m, RB_METRIC_REASONS, (int)it->verdict.reasons[i].id, 1);
    if (!it->promotion && it->cmd.issued_at_ms > 0 && now_ms >= it->cmd.issued_at_ms)
        rb_metrics_observe(m, RB_METRIC_LATENCY, (double)(now_ms - it->cmd.issued_at_ms) / 1e3);
}

/* The committed batch's decisions into the metrics. */
static void count_committed(rb_store *st, const batch *b)
{
    int64_t now = rb__store_now_ms();
    size_t i;

    if (!st->metrics)
        return;
    for (i = 0; i < b->n; i++)
        count_item(st->metrics, &b->items[i], now);
    for (i = 0; i < b->npromotions; i++)
        count_item(st->metrics, &b->promotions[i], now);
    for (i = 0; i < b->nsettled; i++)
        count_item(st->metrics, &b->settled[i], now);
}

/* Before attempt tries + 2: 0-5 ms, then up to 10, 20, 40 ... 320 ms, at
 * random within that, so that two workers that deadlocked do not meet
 * again in step. */
static void backoff(int tries)
{
    long ms = tries == 0 ? 5 : 5L << (tries < 7 ? tries : 6);
    struct timespec ts = {0, (rand() % (ms + 1)) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Retries transient failures; returns the last error otherwise. */
static int run_batch(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    int tries, rc = 0;

    for (tries = 0; tries < MAX_ATTEMPTS; tries++) {
        rb_batch_stats s = {0};
        rc = attempt(st, b, &s, err);
        if (rc == 0)
            count_committed(st, b);
        rb__batch_reset(b);
        rb__store_drop_results(st);
        if (rc == 0) {
            s.retries = tries;
            stats->confirmed += s.confirmed;
            stats->waitlisted += s.waitlisted;
            stats->promoted += s.promoted;
            stats->rejected += s.rejected;
            stats->cancelled += s.cancelled;
            stats->duplicates += s.duplicates;
            stats->dead_letters += s.dead_letters;
            stats->retries += s.retries;
            stats->catalog += s.catalog;
            return 0;
        }
        rb__pg_rollback(st->conn);
        if (PQstatus(st->conn) != CONNECTION_OK || rc != RB_ERETRY)
            break;
        rb_log_debug("batch retried size=%zu attempt=%d cause=\"%s\"", b->n, tries + 1,
                     err->message);
        rb_metrics_add(st->metrics, RB_METRIC_RETRIES,
                       (int)rb_sqlstate_class_of(*err->sqlstate ? err->sqlstate : NULL), 1);
        backoff(tries);
    }
    return rc;
}

static int process(rb_store *st, const rb_message *msgs, size_t n, bool catalog,
                   rb_batch_stats *stats, rb_error *err);

/* Whether a failure may be one command's doing: the database is there,
 * and the error is not one that would fail every batch (err->fatal). */
static bool isolatable(rb_store *st, int rc, const rb_error *err)
{
    return rc < 0 && rc != RB_ENOMEM && !err->fatal && PQstatus(st->conn) == CONNECTION_OK;
}

/* A batch that keeps failing is halved until the failing command stands
 * alone; that one is rejected with internal_error and the cause, or, if
 * even that cannot be written, dead-lettered with it, rather than blocking
 * its partition. */
static int split_or_give_up(rb_store *st, batch *b, const rb_message *msgs,
                            rb_batch_stats *stats, rb_error *err)
{
    size_t half = b->n / 2;
    item *it = &b->items[0];
    int rc;

    if (b->n > 1) {
        if ((rc = process(st, msgs, half, b->catalog, stats, err)) < 0)
            return rc;
        return process(st, msgs + half, b->n - half, b->catalog, stats, err);
    }
    rb_log_error("command could not be decided, rejecting topic=%s partition=%d offset=%lld "
                 "cause=\"%s\"", msgs[0].topic, (int)msgs[0].partition,
                 (long long)msgs[0].offset, err->message);
    if (it->decode_rc == 0) {
        it->cmd.kind = RB_CMD_INVALID;
        rb_verdict_init(&it->cmd.problems);
        rb_verdict_add(&it->cmd.problems, RB_REASON_INTERNAL_ERROR, "%s", err->message);
        if (!isolatable(st, rc = run_batch(st, b, stats, err), err))
            return rc;
        rb_log_error("rejection could not be written either, dead-lettering topic=%s "
                     "partition=%d offset=%lld cause=\"%s\"", msgs[0].topic,
                     (int)msgs[0].partition, (long long)msgs[0].offset, err->message);
    }
    it->decode_rc = RB_EDECODE;
    snprintf(it->cause, sizeof(it->cause), "could not be decided: %.400s", err->message);
    return run_batch(st, b, stats, err);
}

static int process(rb_store *st, const rb_message *msgs, size_t n, bool catalog,
                   rb_batch_stats *stats, rb_error *err)
{
    batch b = {0};
    size_t i;
    int rc;

    b.n = n;
    b.catalog = catalog;
    b.items = calloc(n, sizeof(*b.items));
    if (!b.items)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    decode_all(&b, msgs);
    if ((rc = rb__store_authenticate(st, &b, err)) < 0) {
        /* the database is away: nothing decided, the caller retries */
    } else if (isolatable(st, rc = run_batch(st, &b, stats, err), err))
        rc = split_or_give_up(st, &b, msgs, stats, err);
    for (i = 0; i < n; i++)
        rb_command_fini(&b.items[i].cmd);
    free(b.items);
    return rc;
}

/* Catalogue commands first, in a transaction of their own (they change
 * what booking commands are decided against), then the booking commands;
 * each topic's messages in the order consumed. If the second transaction
 * fails the caller retries both, and the first's commands are then found
 * decided. */
static int process_topics(rb_store *st, const rb_message *msgs, size_t n,
                          rb_batch_stats *stats, rb_error *err)
{
    rb_message *sorted;
    size_t i, ncatalog = 0, k;
    int rc = 0;

    for (i = 0; st->topic_catalog && i < n; i++)
        ncatalog += strcmp(msgs[i].topic, st->topic_catalog) == 0;
    if (ncatalog == 0)
        return process(st, msgs, n, false, stats, err);
    if (!(sorted = malloc(n * sizeof(*sorted))))
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (i = 0, k = 0; i < n; i++)
        if (strcmp(msgs[i].topic, st->topic_catalog) == 0)
            sorted[k++] = msgs[i];
    for (i = 0; i < n; i++)
        if (strcmp(msgs[i].topic, st->topic_catalog) != 0)
            sorted[k++] = msgs[i];
    rc = process(st, sorted, ncatalog, true, stats, err);
    if (rc == 0 && n > ncatalog)
        rc = process(st, sorted + ncatalog, n - ncatalog, false, stats, err);
    free(sorted);
    return rc;
}

int rb_store_process(rb_store *st, const rb_message *msgs, size_t n, rb_batch_stats *stats,
                     rb_error *err)
{
    if (n == 0)
        return 0;
    if (PQstatus(st->conn) != CONNECTION_OK) {
        PQreset(st->conn);
        rb__pgstmts_forget(&st->stmts); /* a new session knows none */
        if (PQstatus(st->conn) != CONNECTION_OK)
            return rb_error_set(err, RB_ERETRY, "database unreachable: %s",
                                PQerrorMessage(st->conn));
        if (rb__pg_session_setup(st->conn, err) < 0)
            return err->code;
        PQclear(PQexec(st->conn, "LISTEN rumbook_facts"));
        rb__store_forget_facts(st); /* changes while away went unheard */
        rb__store_forget_portals(st);
    }
    return process_topics(st, msgs, n, stats, err);
}

#define PROMOTE_SESSIONS 100

/* After an import (rumbook_facts): sessions with waiting classes and
 * places again, though no command has touched them (the capacity was
 * raised), and sessions with bus orders in review (the missing coordinates
 * may have come). */
static const char SQL_PROMOTABLE[] =
    "SELECT DISTINCT w.session_id FROM waitlist w JOIN sessions s ON s.id = w.session_id"
    " WHERE w.status = 'waiting' AND s.starts_at > now() AND (w.kind = 'review'"
    " OR (s.pupils_booked < s.pupil_capacity AND s.classes_booked < s.class_capacity))"
    " LIMIT " RB_STR(PROMOTE_SESSIONS);

int rb_store_promote_waiting(rb_store *st, int *promoted, rb_error *err)
{
    PGresult *res;
    const char **ids;
    batch b = {0};
    rb_batch_stats stats = {0};
    int r, rc = 0;

    *promoted = 0;
    rb__store_poll_facts(st);
    if (!st->promote_pending)
        return 0; /* nothing was imported since the last look */
    if (!(res = rb__pg_exec(st->conn, SQL_PROMOTABLE, 0, NULL, PGRES_TUPLES_OK,
                            "find sessions to promote in", err)))
        return err->code;
    ids = calloc((size_t)PQntuples(res) + 1, sizeof(*ids));
    if (!ids) {
        PQclear(res);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    for (r = 0; r < PQntuples(res); r++)
        ids[r] = PQgetvalue(res, r, 0);
    b.extra_sessions = ids;
    b.nextra_sessions = (size_t)PQntuples(res);
    if (b.nextra_sessions)
        rc = run_batch(st, &b, &stats, err);
    /* Look again next time if this failed or left sessions for later. */
    st->promote_pending = rc < 0 || PQntuples(res) == PROMOTE_SESSIONS;
    *promoted = stats.promoted;
    free(ids);
    PQclear(res);
    return rc;
}

/* Unsent batches are few and the relay's partial index finds them. */
static const char SQL_BACKLOG[] =
    "SELECT (SELECT count(*) FROM outbox_events e JOIN outbox_batches b ON b.id = e.batch_id"
    "  WHERE b.sent_at IS NULL),"
    " (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM outbox_batches"
    "  WHERE sent_at IS NULL),"
    " (SELECT count(*) FROM waitlist WHERE status = 'waiting' AND kind = 'capacity'),"
    " (SELECT count(*) FROM waitlist WHERE status = 'waiting' AND kind = 'review')";

int rb_store_backlog_read(rb_store *st, rb_store_backlog *out, rb_error *err)
{
    PGresult *res = rb__pg_exec(st->conn, SQL_BACKLOG, 0, NULL, PGRES_TUPLES_OK, "read backlog",
                                err);

    if (!res)
        return err->code;
    out->unsent_events = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    out->oldest_unsent_s = strtod(PQgetvalue(res, 0, 1), NULL);
    out->waiting = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    out->in_review = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    PQclear(res);
    return 0;
}

int rb_store_offsets(rb_store *st, const char *topic, const int32_t *partitions, int64_t *next,
                     size_t n, rb_error *err)
{
    const char *params[2] = {st->group, topic};
    PGresult *res;
    size_t i;
    int r;

    res = rb__pg_exec(st->conn,
                      "SELECT partition, next_offset FROM consumer_offsets"
                      " WHERE group_id = $1 AND topic = $2",
                      2, params, PGRES_TUPLES_OK, "read offsets", err);
    if (!res)
        return err->code;
    for (i = 0; i < n; i++) {
        next[i] = -1;
        for (r = 0; r < PQntuples(res); r++)
            if (atoi(PQgetvalue(res, r, 0)) == partitions[i])
                next[i] = strtoll(PQgetvalue(res, r, 1), NULL, 10);
    }
    PQclear(res);
    return 0;
}
