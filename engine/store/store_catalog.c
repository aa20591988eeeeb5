/* Catalogue commands in their batch's transaction (docs/catalog.md,
 * "Catalogue commands"). Each is applied by the database's own functions
 * (migrations/023) under a savepoint, so that a refused one leaves nothing
 * behind, and checked with libical where the server cannot (schedules,
 * occurrences). The sessions they touch are then read and decided as any
 * batch's are: a cancelled or moved session's bookings settled
 * (batch_settle.c), waiting classes promoted into places a capacity change
 * made, in the same transaction as the change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/availability.h"
#include "rumbook/localtime.h"
#include "store/store_internal.h"

static const char SQL_UPSERT[] =
    "SELECT rb__entity_id($1, $2::jsonb), rb_catalog_upsert($1, $2::jsonb, $3::int, $4, $5)";
static const char SQL_RETIRE[] = "SELECT $2, rb_catalog_retire($1, $2, $3::int, $4, $5)";
static const char SQL_CANCEL[] = "SELECT $1, rb_session_cancel($1, $2::int, $3, $4, $5)";
static const char SQL_MOVE[] =
    "SELECT $1, rb_session_move($1, $2::int, to_timestamp($3::float8 / 1000),"
    " to_timestamp(nullif($4, '0')::float8 / 1000), $5, $6)";

static const char SQL_SCHEDULE[] =
    "SELECT schedule_start, schedule_rrule, schedule_rdates, schedule_exdates FROM offerings"
    " WHERE id = $1";
static const char SQL_OCCURRENCE[] =
    "SELECT " SQL_MS("s.starts_at") ", " SQL_MS("s.ends_at") ", o.duration_min,"
    " o.schedule_start, o.schedule_rrule, o.schedule_rdates, o.schedule_exdates, s.moved"
    " FROM sessions s JOIN offerings o ON o.id = s.offering_id WHERE s.id = $1";

/* The reason a refusal's SQLSTATE stands for (migrations/023), or -1 when
 * the error is no refusal (the database is away, a bug). */
static int refusal_reason(const char *state)
{
    static const struct {
        const char *state;
        rb_reason_code reason;
    } codes[] = {
        {"RB001", RB_REASON_STALE_VERSION},   {"RB002", RB_REASON_UNKNOWN_ENTITY},
        {"RB003", RB_REASON_NOT_AUTHORIZED},  {"RB004", RB_REASON_CAPACITY_BELOW_BOOKED},
        {"RB005", RB_REASON_IN_USE},          {"RB006", RB_REASON_SESSION_BOOKED},
        {"RB007", RB_REASON_SESSION_CANCELLED}, {"RB008", RB_REASON_SESSION_STARTED},
        {"RB009", RB_REASON_ROUND_ALLOCATED},
    };
    size_t i;

    if (!state)
        return -1;
    for (i = 0; i < sizeof(codes) / sizeof(*codes); i++)
        if (strcmp(state, codes[i].state) == 0)
            return (int)codes[i].reason;
    /* data exceptions (bad JSON, values), and constraints the import's
     * checks leave to the table */
    if (strncmp(state, "22", 2) == 0 || strcmp(state, "23502") == 0 ||
        strcmp(state, "23503") == 0 || strcmp(state, "23514") == 0 ||
        strcmp(state, "23P01") == 0)
        return RB_REASON_INVALID_FIELD;
    return -1;
}

/* The import names fields by their place in a file ("sessions[0].ends_at");
 * a command has one entity. */
static const char *entity_path(const char *msg, char *buf, size_t size)
{
    const char *bracket = strstr(msg, "[0]");

    if (!bracket || bracket - msg > 20 || strchr(msg, ' ') < bracket)
        return msg;
    snprintf(buf, size, "entity%s", bracket + 3);
    return buf;
}

static int savepoint(rb_store *st, const char *sql, rb_error *err)
{
    return rb__pg_command(st->conn, sql, 0, NULL, "savepoint", err);
}

/* The version as text; "0" when none is named. */
static const char *version_text(const item *it, char buf[16])
{
    snprintf(buf, 16, "%d", it->cmd.version);
    return buf;
}

static PGresult *run(rb_store *st, const item *it)
{
    char version[16], from[24], until[24];
    const char *role = rb_role_name(it->cmd.actor.role);
    const char *org = it->cmd.actor.role == RB_ROLE_PROVIDER_STAFF ? it->cmd.actor.provider_id
                                                                   : it->cmd.actor.municipality;

    version_text(it, version);
    switch (it->cmd.kind) {
    case RB_CMD_UPSERT: {
        const char *p[5] = {it->cmd.entity_kind, it->cmd.entity_json, version, role, org};
        return PQexecParams(st->conn, SQL_UPSERT, 5, NULL, p, NULL, NULL, 0);
    }
    case RB_CMD_RETIRE: {
        const char *p[5] = {it->cmd.entity_kind, it->cmd.entity_id, version, role, org};
        return PQexecParams(st->conn, SQL_RETIRE, 5, NULL, p, NULL, NULL, 0);
    }
    case RB_CMD_CANCEL_SESSION: {
        const char *p[5] = {it->cmd.entity_id, version, it->cmd.message, role, org};
        return PQexecParams(st->conn, SQL_CANCEL, 5, NULL, p, NULL, NULL, 0);
    }
    default: {
        const char *p[6] = {it->cmd.entity_id, version, from, until, role, org};
        snprintf(from, sizeof(from), "%lld", (long long)it->cmd.starts_at_ms);
        snprintf(until, sizeof(until), "%lld", (long long)it->cmd.ends_at_ms);
        return PQexecParams(st->conn, SQL_MOVE, 6, NULL, p, NULL, NULL, 0);
    }
    }
}

static const char *or_null(const PGresult *res, int c)
{
    return PQgetisnull(res, 0, c) ? NULL : PQgetvalue(res, 0, c);
}

/* What the server cannot check, with libical: an offering's schedule, and
 * that a session is one of its offering's occurrences. 1 with the reason
 * in it->verdict when it fails; 0 when it passes. */
static int check_with_libical(rb_store *st, item *it, rb_error *err)
{
    const char *p[1] = {it->entity_id};
    bool offering = strcmp(it->cmd.entity_kind, "offering") == 0;
    PGresult *res;
    rb_error why;
    int rc = 0;

    if (it->cmd.kind != RB_CMD_UPSERT || (!offering && strcmp(it->cmd.entity_kind, "session")))
        return 0;
    res = rb__pg_exec(st->conn, offering ? SQL_SCHEDULE : SQL_OCCURRENCE, 1, p, PGRES_TUPLES_OK,
                      "read the schedule", err);
    if (!res)
        return err->code;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    if (offering) {
        rb_schedule s = {or_null(res, 0), or_null(res, 1), or_null(res, 2), or_null(res, 3)};
        if (rb_schedule_check(&s, &why) < 0) {
            rb_verdict_add(&it->verdict, RB_REASON_INVALID_FIELD, "entity.schedule.%s",
                           why.message);
            rc = 1;
        }
    } else if (*PQgetvalue(res, 0, 7) != 't') {
        rb_schedule s = {or_null(res, 3), or_null(res, 4), or_null(res, 5), or_null(res, 6)};
        int64_t from = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        int64_t until = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        int minutes = atoi(PQgetvalue(res, 0, 2));
        bool occurs = false;
        char when[20];
        rb_local_format(from, when);
        if (rb_schedule_occurs(&s, from, &occurs, &why) < 0) {
            rb_verdict_add(&it->verdict, RB_REASON_SCHEDULE_INVALID,
                           "entity.offering: its schedule is broken: %s", why.message);
            rc = 1;
        } else if (!occurs) {
            rb_verdict_add(&it->verdict, RB_REASON_NOT_AN_OCCURRENCE,
                           "entity.starts_at: the offering does not take place %s", when);
            rc = 1;
        } else if (minutes > 0 && until - from != minutes * 60000LL) {
            rb_verdict_add(&it->verdict, RB_REASON_NOT_AN_OCCURRENCE,
                           "entity.ends_at: the session lasts %lld minutes, the offering %d",
                           (long long)((until - from) / 60000), minutes);
            rc = 1;
        }
    }
    PQclear(res);
    return rc;
}

static void refuse(item *it, rb_reason_code reason, const char *msg)
{
    char path[220];

    rb_verdict_add(&it->verdict, reason, "%s", entity_path(msg, path, sizeof(path)));
    it->status = RB_STATUS_REJECTED;
}

/* Applies one command under a savepoint: it->status says whether it took. */
static int apply_one(rb_store *st, item *it, rb_error *err)
{
    PGresult *res;
    const char *state;
    int rc, reason;

    if ((rc = savepoint(st, "SAVEPOINT rb_catalog", err)) < 0)
        return rc;
    res = run(st, it);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        snprintf(it->entity_id, sizeof(it->entity_id), "%s", PQgetvalue(res, 0, 0));
        it->version = atoi(PQgetvalue(res, 0, 1));
        PQclear(res);
        if ((rc = check_with_libical(st, it, err)) < 0)
            return rc;
        if (rc == 0) {
            it->status = RB_STATUS_CONFIRMED;
            return savepoint(st, "RELEASE SAVEPOINT rb_catalog", err);
        }
        it->status = RB_STATUS_REJECTED;
        return savepoint(st, "ROLLBACK TO SAVEPOINT rb_catalog", err);
    }
    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if ((reason = refusal_reason(state)) < 0) {
        rc = rb__pg_fail(st->conn, res, "apply a catalogue command", err);
        PQclear(res);
        return rc;
    }
    refuse(it, (rb_reason_code)reason, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    PQclear(res);
    return savepoint(st, "ROLLBACK TO SAVEPOINT rb_catalog", err);
}

/* Decided before, or earlier in the batch: no second application. */
static int mark_duplicates(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i, j;
    int r;

    rb__store_begin(st, rb__sql_decided, 1);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0)
            rb_pgarray_text(&st->col[0], b->items[i].cmd.command_id);
    if (!(res = rb__store_run(st, rb__sql_decided, st->col, 1, PGRES_TUPLES_OK,
                              "read decided commands", err)))
        return err->code;
    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (it->decode_rc < 0)
            continue;
        for (r = 0; r < PQntuples(res) && !it->duplicate; r++)
            it->duplicate = strcmp(PQgetvalue(res, r, 0), it->cmd.command_id) == 0;
        for (j = 0; j < i && !it->duplicate; j++)
            it->duplicate = b->items[j].decode_rc == 0 &&
                            strcmp(b->items[j].cmd.command_id, it->cmd.command_id) == 0;
    }
    PQclear(res);
    return 0;
}

/* A school's portal books for its school; the catalogue is the
 * municipality's and its providers'. */
static bool portal_may_edit(item *it)
{
    if (it->scope.kind != RB_SCOPE_SCHOOL)
        return true;
    rb_verdict_add(&it->verdict, RB_REASON_NOT_AUTHORIZED,
                   "portal \"%s\" acts for one school and may not change the catalogue",
                   it->portal);
    it->status = RB_STATUS_REJECTED;
    return false;
}

/* Remembers the session the command changed, for the batch to read. */
static void note_session(batch *b, item *it)
{
    size_t i;

    if (strcmp(it->cmd.entity_kind, "session") != 0 || it->cmd.kind == RB_CMD_RETIRE)
        return;
    for (i = 0; i < b->nextra_sessions; i++)
        if (strcmp(b->catalog_sessions[i], it->entity_id) == 0)
            return;
    /* cancelled and moved sessions first: their bookings are read too */
    if (it->cmd.kind == RB_CMD_CANCEL_SESSION || it->cmd.kind == RB_CMD_MOVE_SESSION) {
        b->catalog_sessions[b->nextra_sessions] = b->catalog_sessions[b->nsettling];
        b->catalog_sessions[b->nsettling++] = it->entity_id;
    } else {
        b->catalog_sessions[b->nextra_sessions] = it->entity_id;
    }
    b->nextra_sessions++;
}

int rb__store_apply_catalog(rb_store *st, batch *b, rb_error *err)
{
    bool changed = false;
    size_t i;
    int rc;

    if (!(b->catalog_sessions = calloc(b->n + 1, sizeof(*b->catalog_sessions))))
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    b->extra_sessions = b->catalog_sessions;
    b->nextra_sessions = 0;
    if ((rc = mark_duplicates(st, b, err)) < 0)
        return rc;
    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        rb_verdict_init(&it->verdict);
        it->status = RB_STATUS_REJECTED;
        if (it->decode_rc < 0 || it->duplicate)
            continue;
        if (it->refusal[0]) {
            rb_verdict_add(&it->verdict, RB_REASON_NOT_AUTHORIZED, "%s", it->refusal);
            continue;
        }
        if (it->cmd.kind == RB_CMD_INVALID) {
            it->verdict = it->cmd.problems;
            continue;
        }
        if (!portal_may_edit(it))
            continue;
        if ((rc = apply_one(st, it, err)) < 0)
            return rc;
        if (it->status != RB_STATUS_CONFIRMED)
            continue;
        note_session(b, it);
        changed = changed || it->cmd.kind == RB_CMD_UPSERT || it->cmd.kind == RB_CMD_RETIRE;
    }
    if (!changed)
        return 0;
    /* The batch reads offerings and classes as this transaction sees them;
     * the next batch reads them again, committed or not. Other workers
     * hear of it when this commits. */
    st->catalogue_stale = true;
    if ((rc = rb__store_read_catalogue(st, err)) < 0)
        return rc;
    st->catalogue_stale = true;
    st->settings_at_ms = 0;
    return rb__pg_command(st->conn, "NOTIFY rumbook_facts", 0, NULL, "notify workers", err);
}
