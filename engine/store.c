/* Batch transactions: lock and fetch the facts, decide, write, commit.
 *
 * Lock order is fixed (bookings by id, then sessions by id) so that
 * workers racing for the same sessions queue up instead of deadlocking;
 * the CHECK constraints on the session counters and the unique keys on
 * commands and bookings are the last word if a worker were ever wrong. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_internal.h"
#include "rumbook/log.h"
#include "rumbook/pg.h"
#include "rumbook/pgarray.h"
#include "store_internal.h"

#define MAX_ATTEMPTS 5

static const char SQL_BOOKINGS[] =
    "SELECT id::text, command_id::text, session_id, class_id, pupils, status, sequence, note,"
    " teacher_email FROM bookings WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";

static const char SQL_SESSIONS[] =
    "SELECT s.id, s.offering_id, (extract(epoch FROM s.starts_at) * 1000)::bigint,"
    " (extract(epoch FROM s.ends_at) * 1000)::bigint, s.pupil_capacity, s.class_capacity,"
    " s.pupils_booked, s.classes_booked, o.grade_min, o.grade_max, o.title, p.name, p.email,"
    " coalesce(v.name, ''), coalesce(v.address, ''), v.lat, v.lon"
    " FROM sessions s JOIN offerings o ON o.id = s.offering_id"
    " JOIN providers p ON p.id = o.provider_id LEFT JOIN venues v ON v.id = o.venue_id"
    " WHERE s.id = ANY($1::text[]) ORDER BY s.id COLLATE \"C\" FOR UPDATE OF s";

static const char SQL_CLASSES[] =
    "SELECT c.id, c.school_id, c.grade, c.size, c.name, sc.name, c.teacher_email"
    " FROM classes c JOIN schools sc ON sc.id = c.school_id"
    " WHERE c.id = ANY($1::text[]) ORDER BY c.id COLLATE \"C\"";

static const char SQL_DONE[] =
    "SELECT command_id::text FROM commands WHERE command_id = ANY($1::uuid[])";

static const char SQL_HELD[] =
    "SELECT session_id || chr(31) || class_id FROM bookings WHERE status = 'confirmed'"
    " AND session_id = ANY($1::text[]) AND class_id = ANY($2::text[])";

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
    for (i = 0; i < STORE_COLUMNS; i++)
        rb_buf_init(&st->col[i]);
    if ((rc = rb_pg_connect(st->dsn, &st->conn, err)) < 0) {
        rb_store_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void rb_store_free(rb_store *st)
{
    int i;

    if (!st)
        return;
    PQfinish(st->conn);
    for (i = 0; i < STORE_COLUMNS; i++)
        rb_buf_fini(&st->col[i]);
    free(st->dsn);
    free(st->group);
    free(st->topic_decisions);
    free(st->topic_invitations);
    free(st->topic_dlq);
    free(st);
}

PGresult *rb__store_run(rb_store *st, const char *sql, rb_buf *cols, int ncols,
                        ExecStatusType want, const char *what, rb_error *err)
{
    const char *params[STORE_COLUMNS];
    int i;

    for (i = 0; i < ncols; i++) {
        if (cols[i].failed) {
            rb_error_set(err, RB_ENOMEM, "%s: out of memory", what);
            return NULL;
        }
        params[i] = cols[i].data;
    }
    return rb__pg_exec(st->conn, sql, ncols, params, want, what, err);
}

/* Runs a fetch and keeps its result alive for the attempt. */
static PGresult *fetch(rb_store *st, batch *b, const char *sql, int ncols, const char *what,
                       rb_error *err)
{
    PGresult *res = rb__store_run(st, sql, st->col, ncols, PGRES_TUPLES_OK, what, err);

    if (res)
        b->results[b->nresults++] = res;
    return res;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fetch_bookings(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i;
    int r;

    rb_pgarray_begin(&st->col[0]);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0 && b->items[i].cmd.booking_id)
            rb_pgarray_text(&st->col[0], b->items[i].cmd.booking_id);
    rb_pgarray_end(&st->col[0]);
    if (!(res = fetch(st, b, SQL_BOOKINGS, 1, "lock bookings", err)))
        return err->code;
    b->nfetched = (size_t)PQntuples(res);
    b->bookings = calloc(b->nfetched + b->n + 1, sizeof(*b->bookings));
    if (!b->bookings)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        fact_booking *bk = &b->bookings[r];
        strncpy(bk->id, PQgetvalue(res, r, 0), RB_UUID_LEN - 1);
        bk->command_id = PQgetvalue(res, r, 1);
        bk->pupils = atoi(PQgetvalue(res, r, 4));
        bk->cancelled = strcmp(PQgetvalue(res, r, 5), "cancelled") == 0;
        bk->sequence = atoi(PQgetvalue(res, r, 6));
        bk->note = PQgetvalue(res, r, 7);
        bk->teacher_email = PQgetvalue(res, r, 8);
    }
    b->nbookings = b->nfetched;
    return 0;
}

static void session_row(fact_session *fs, PGresult *res, int r)
{
    fs->s.id = PQgetvalue(res, r, 0);
    fs->s.offering_id = PQgetvalue(res, r, 1);
    fs->s.starts_at_ms = strtoll(PQgetvalue(res, r, 2), NULL, 10);
    fs->s.ends_at_ms = strtoll(PQgetvalue(res, r, 3), NULL, 10);
    fs->s.pupil_capacity = atoi(PQgetvalue(res, r, 4));
    fs->s.class_capacity = atoi(PQgetvalue(res, r, 5));
    fs->s.pupils_booked = atoi(PQgetvalue(res, r, 6));
    fs->s.classes_booked = atoi(PQgetvalue(res, r, 7));
    fs->s.grade_min = atoi(PQgetvalue(res, r, 8));
    fs->s.grade_max = atoi(PQgetvalue(res, r, 9));
    fs->title = PQgetvalue(res, r, 10);
    fs->provider_name = PQgetvalue(res, r, 11);
    fs->provider_email = PQgetvalue(res, r, 12);
    fs->venue_name = PQgetvalue(res, r, 13);
    fs->venue_address = PQgetvalue(res, r, 14);
    fs->has_geo = !PQgetisnull(res, r, 15) && !PQgetisnull(res, r, 16);
    fs->lat = fs->has_geo ? strtod(PQgetvalue(res, r, 15), NULL) : 0;
    fs->lon = fs->has_geo ? strtod(PQgetvalue(res, r, 16), NULL) : 0;
}

/* Sessions named by commands and by the bookings they touch. */
static int fetch_sessions(rb_store *st, batch *b, rb_error *err)
{
    PGresult *bres = b->results[0], *res; /* the bookings */
    size_t i;
    int r;

    rb_pgarray_begin(&st->col[0]);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0 && b->items[i].cmd.session_id)
            rb_pgarray_text(&st->col[0], b->items[i].cmd.session_id);
    for (r = 0; r < PQntuples(bres); r++)
        rb_pgarray_text(&st->col[0], PQgetvalue(bres, r, 2));
    rb_pgarray_end(&st->col[0]);
    if (!(res = fetch(st, b, SQL_SESSIONS, 1, "lock sessions", err)))
        return err->code;
    b->nsessions = (size_t)PQntuples(res);
    b->sessions = calloc(b->nsessions + 1, sizeof(*b->sessions));
    if (!b->sessions)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++)
        session_row(&b->sessions[r], res, r);
    for (r = 0; r < PQntuples(bres); r++)
        b->bookings[r].session = rb__batch_session(b, PQgetvalue(bres, r, 2));
    return 0;
}

static int fetch_classes(rb_store *st, batch *b, rb_error *err)
{
    PGresult *bres = b->results[0], *res; /* the bookings */
    size_t i;
    int r;

    rb_pgarray_begin(&st->col[0]);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0 && b->items[i].cmd.class_id)
            rb_pgarray_text(&st->col[0], b->items[i].cmd.class_id);
    for (r = 0; r < PQntuples(bres); r++)
        rb_pgarray_text(&st->col[0], PQgetvalue(bres, r, 3));
    rb_pgarray_end(&st->col[0]);
    if (!(res = fetch(st, b, SQL_CLASSES, 1, "read classes", err)))
        return err->code;
    b->nclasses = (size_t)PQntuples(res);
    b->classes = calloc(b->nclasses + 1, sizeof(*b->classes));
    if (!b->classes)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        fact_class *fc = &b->classes[r];
        fc->c.id = PQgetvalue(res, r, 0);
        fc->c.school_id = PQgetvalue(res, r, 1);
        fc->c.grade = atoi(PQgetvalue(res, r, 2));
        fc->c.size = atoi(PQgetvalue(res, r, 3));
        fc->name = PQgetvalue(res, r, 4);
        fc->school_name = PQgetvalue(res, r, 5);
        fc->teacher_email = PQgetvalue(res, r, 6);
    }
    for (r = 0; r < PQntuples(bres); r++)
        b->bookings[r].klass = rb__batch_class(b, PQgetvalue(bres, r, 3));
    return 0;
}

/* Commands already decided, and the (session, class) pairs already held. */
static int fetch_done_and_held(rb_store *st, batch *b, rb_error *err)
{
    PGresult *done, *held;
    size_t i, longest_session = 0, longest_class = 0;
    int r;

    rb_pgarray_begin(&st->col[0]);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0)
            rb_pgarray_text(&st->col[0], b->items[i].cmd.command_id);
    rb_pgarray_end(&st->col[0]);
    if (!(done = fetch(st, b, SQL_DONE, 1, "read decided commands", err)))
        return err->code;
    rb_pgarray_begin(&st->col[0]);
    for (i = 0; i < b->nsessions; i++)
        rb_pgarray_text(&st->col[0], b->sessions[i].s.id);
    rb_pgarray_end(&st->col[0]);
    rb_pgarray_begin(&st->col[1]);
    for (i = 0; i < b->nclasses; i++)
        rb_pgarray_text(&st->col[1], b->classes[i].c.id);
    rb_pgarray_end(&st->col[1]);
    if (!(held = fetch(st, b, SQL_HELD, 2, "read held sessions", err)))
        return err->code;
    if (rb__strset_init(&b->done, (size_t)PQntuples(done) + b->n) < 0 ||
        rb__strset_init(&b->held, (size_t)PQntuples(held) + 4 * b->n) < 0)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(done); r++)
        rb__strset_add(&b->done, PQgetvalue(done, r, 0));
    for (r = 0; r < PQntuples(held); r++)
        rb__strset_add(&b->held, PQgetvalue(held, r, 0));
    for (i = 0; i < b->nsessions; i++)
        if (strlen(b->sessions[i].s.id) > longest_session)
            longest_session = strlen(b->sessions[i].s.id);
    for (i = 0; i < b->nclasses; i++)
        if (strlen(b->classes[i].c.id) > longest_class)
            longest_class = strlen(b->classes[i].c.id);
    /* A command holds or releases at most two pairs (reschedule). */
    b->held_cap = (longest_session + longest_class + 2) * 2 * b->n + 1;
    b->held_keys = malloc(b->held_cap);
    return b->held_keys ? 0 : rb_error_set(err, RB_ENOMEM, "out of memory");
}

static int attempt(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    int rc;

    b->now_ms = now_ms();
    if ((rc = rb__pg_command(st->conn, "BEGIN", 0, NULL, "begin", err)) < 0)
        return rc;
    if ((rc = fetch_bookings(st, b, err)) < 0 || (rc = fetch_sessions(st, b, err)) < 0 ||
        (rc = fetch_classes(st, b, err)) < 0 || (rc = fetch_done_and_held(st, b, err)) < 0)
        return rc;
    rb__batch_decide(b);
    if ((rc = rb__store_write(st, b, stats, err)) < 0)
        return rc;
    return rb__pg_command(st->conn, "COMMIT", 0, NULL, "commit", err);
}

static void decode_all(batch *b, const rb_message *msgs)
{
    size_t i;
    rb_error err;

    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        it->m = &msgs[i];
        it->decode_rc = rb_command_decode(&it->cmd, msgs[i].payload, msgs[i].len, &err);
        if (it->decode_rc < 0)
            snprintf(it->cause, sizeof(it->cause), "%s", err.message);
    }
}

/* Retries transient failures; returns the last error otherwise. */
static int run_batch(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    int tries, rc = 0;

    for (tries = 0; tries < MAX_ATTEMPTS; tries++) {
        rb_batch_stats s = {0};
        rc = attempt(st, b, &s, err);
        rb__batch_reset(b);
        if (rc == 0) {
            s.retries = tries;
            stats->confirmed += s.confirmed;
            stats->rejected += s.rejected;
            stats->cancelled += s.cancelled;
            stats->duplicates += s.duplicates;
            stats->dead_letters += s.dead_letters;
            stats->retries += s.retries;
            return 0;
        }
        PQclear(PQexec(st->conn, "ROLLBACK"));
        if (PQstatus(st->conn) != CONNECTION_OK || rc != RB_ERETRY)
            break;
        rb_log_debug("batch retried size=%zu attempt=%d cause=\"%s\"", b->n, tries + 1,
                     err->message);
    }
    return rc;
}

static int process(rb_store *st, const rb_message *msgs, size_t n, rb_batch_stats *stats,
                   rb_error *err);

/* A batch that keeps failing is halved until the failing command stands
 * alone; that one is rejected with the cause rather than blocking its
 * partition forever. */
static int split_or_give_up(rb_store *st, batch *b, const rb_message *msgs,
                            rb_batch_stats *stats, rb_error *err)
{
    size_t half = b->n / 2;
    int rc;

    if (b->n > 1) {
        if ((rc = process(st, msgs, half, stats, err)) < 0)
            return rc;
        return process(st, msgs + half, b->n - half, stats, err);
    }
    rb_log_error("command cannot be written, rejecting topic=%s partition=%d offset=%lld "
                 "cause=\"%s\"", msgs[0].topic, (int)msgs[0].partition,
                 (long long)msgs[0].offset, err->message);
    if (b->items[0].decode_rc == 0) {
        b->items[0].cmd.kind = RB_CMD_INVALID;
        rb_verdict_init(&b->items[0].cmd.problems);
        rb_verdict_add(&b->items[0].cmd.problems, "internal_error", "%s", err->message);
    }
    return run_batch(st, b, stats, err);
}

static int process(rb_store *st, const rb_message *msgs, size_t n, rb_batch_stats *stats,
                   rb_error *err)
{
    batch b = {0};
    size_t i;
    int rc;

    b.n = n;
    b.items = calloc(n, sizeof(*b.items));
    if (!b.items)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    decode_all(&b, msgs);
    rc = run_batch(st, &b, stats, err);
    if (rc < 0 && PQstatus(st->conn) == CONNECTION_OK && rc != RB_ENOMEM)
        rc = split_or_give_up(st, &b, msgs, stats, err);
    for (i = 0; i < n; i++)
        rb_command_fini(&b.items[i].cmd);
    free(b.items);
    return rc;
}

int rb_store_process(rb_store *st, const rb_message *msgs, size_t n, rb_batch_stats *stats,
                     rb_error *err)
{
    if (n == 0)
        return 0;
    if (PQstatus(st->conn) != CONNECTION_OK) {
        PQreset(st->conn);
        if (PQstatus(st->conn) != CONNECTION_OK)
            return rb_error_set(err, RB_ERETRY, "database unreachable: %s",
                                PQerrorMessage(st->conn));
        PQclear(PQexec(st->conn, "SET TIME ZONE 'UTC'"));
    }
    return process(st, msgs, n, stats, err);
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
