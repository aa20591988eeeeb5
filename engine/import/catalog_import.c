/* Catalogue import: the document goes to PostgreSQL whole, where
 * rb_catalog_import() validates and upserts it; the offering schedules it
 * stored, and that its sessions are occurrences of them, are then checked
 * with libical (which the server does not have) before the one
 * transaction commits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/availability.h"
#include "rumbook/closures.h"
#include "rumbook/import.h"
#include "rumbook/localtime.h"
#include "rumbook/pg.h"

/* The future sessions the document names, or whose offering it names,
 * that are placed by schedule (not moved by their provider). */
static const char SQL_SESSIONS[] =
    "WITH d AS (SELECT $1::jsonb AS d)"
    " SELECT s.id, round(date_part('epoch', s.starts_at) * 1000)::bigint,"
    " round(date_part('epoch', s.ends_at) * 1000)::bigint, o.duration_min, o.id,"
    " o.schedule_start, o.schedule_rrule, o.schedule_rdates, o.schedule_exdates,"
    " s.id IN (SELECT e ->> 'id' FROM d, jsonb_array_elements(d -> 'sessions') e)"
    " FROM sessions s JOIN offerings o ON o.id = s.offering_id"
    " WHERE NOT s.moved AND s.cancelled_at IS NULL AND s.starts_at > now()"
    " AND (s.id IN (SELECT e ->> 'id' FROM d, jsonb_array_elements(d -> 'sessions') e)"
    "  OR o.id IN (SELECT e ->> 'id' FROM d, jsonb_array_elements(d -> 'offerings') e))"
    " ORDER BY s.starts_at, s.id";

static const char *or_null(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

/* A session of the file that no class could ever book is refused: not an
 * occurrence of its offering's schedule, or not of its length. One the
 * file does not name, whose offering's schedule it changed, is kept (it
 * may have bookings: cancel or move it) and said in warnings, as is one
 * on a public holiday (closures can change). */
static int check_sessions(PGconn *conn, const char *json, rb_buf *warnings, rb_error *err)
{
    const char *params[1] = {json};
    PGresult *res = rb__pg_exec(conn, SQL_SESSIONS, 1, params, PGRES_TUPLES_OK,
                                "read the sessions", err);
    int r, rc = 0;

    if (!res)
        return err->code;
    for (r = 0; r < PQntuples(res) && rc == 0; r++) {
        rb_schedule s = {or_null(res, r, 5), or_null(res, r, 6), or_null(res, r, 7),
                         or_null(res, r, 8)};
        const char *id = PQgetvalue(res, r, 0), *holiday;
        int64_t from = strtoll(PQgetvalue(res, r, 1), NULL, 10);
        int64_t until = strtoll(PQgetvalue(res, r, 2), NULL, 10);
        int minutes = atoi(PQgetvalue(res, r, 3));
        bool occurs = true, named = *PQgetvalue(res, r, 9) == 't';
        char when[20], problem[200] = "";
        rb_error why;

        rb_local_format(from, when);
        if (rb_schedule_occurs(&s, from, &occurs, &why) == 0 && !occurs)
            snprintf(problem, sizeof(problem), "offering \"%s\" does not take place %s by its "
                     "schedule", PQgetvalue(res, r, 4), when);
        else if (minutes > 0 && until - from != minutes * 60000LL)
            snprintf(problem, sizeof(problem), "lasts %lld minutes, offering \"%s\" %d",
                     (long long)((until - from) / 60000), PQgetvalue(res, r, 4), minutes);
        if (*problem && named)
            rc = rb_error_set(err, RB_EINVAL, "session \"%s\": %s, so no class could book it",
                              id, problem);
        else if (*problem && warnings)
            rb_buf_printf(warnings, "session \"%s\": %s, so no class can book it: retire, "
                          "cancel or move it\n", id, problem);
        else if (warnings && (holiday = rb_dk_holiday(rb_local_date(from))))
            rb_buf_printf(warnings, "session \"%s\" (%s) falls on %s: no class can book it "
                          "unless that closure is lifted\n", id, when, holiday);
    }
    PQclear(res);
    return rc;
}

static int check_schedules(PGconn *conn, rb_error *err)
{
    PGresult *res = rb__pg_exec(conn,
                                "SELECT id, schedule_start, schedule_rrule, schedule_rdates,"
                                " schedule_exdates FROM offerings WHERE schedule_start IS NOT NULL",
                                0, NULL, PGRES_TUPLES_OK, "read schedules", err);
    int r, rc = 0;

    if (!res)
        return err->code;
    for (r = 0; r < PQntuples(res) && rc == 0; r++) {
        rb_schedule s = {
            PQgetvalue(res, r, 1), PQgetisnull(res, r, 2) ? NULL : PQgetvalue(res, r, 2),
            PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3),
            PQgetisnull(res, r, 4) ? NULL : PQgetvalue(res, r, 4),
        };
        rb_error why;
        if (rb_schedule_check(&s, &why) < 0)
            rc = rb_error_set(err, RB_EINVAL, "offering \"%s\": schedule.%s",
                              PQgetvalue(res, r, 0), why.message);
    }
    PQclear(res);
    return rc;
}

typedef struct import_args {
    const char *json;
    char *summary;
    size_t size;
    rb_buf *warnings;
} import_args;

static int import(PGconn *conn, void *arg, rb_error *err)
{
    import_args *a = arg;
    const char *params[1] = {a->json};
    PGresult *res;
    size_t used = 0;
    int i, rc;

    res = rb__pg_exec(conn, "SELECT kind, upserted FROM rb_catalog_import($1::jsonb)", 1, params,
                      PGRES_TUPLES_OK, "catalogue import", err);
    if (!res) /* the server's message names the field: "sessions[3].starts_at: ..." */
        return err->code;
    for (i = 0; i < PQntuples(res) && used < a->size; i++) {
        int n = snprintf(a->summary + used, a->size - used, "%s%s=%s", i ? " " : "",
                         PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
        used += n > 0 ? (size_t)n : 0;
    }
    PQclear(res);
    if ((rc = check_schedules(conn, err)) < 0 ||
        (rc = check_sessions(conn, a->json, a->warnings, err)) < 0)
        return rc;
    /* Workers drop their cached facts (closures, settings) at once. */
    return rb__pg_command(conn, "NOTIFY rumbook_facts", 0, NULL, "notify workers", err);
}

int rb_catalog_import(PGconn *conn, const char *json, char *summary, size_t size,
                      rb_buf *warnings, rb_error *err)
{
    import_args a = {json, summary, size, warnings};

    summary[0] = '\0';
    return rb__pg_transaction(conn, import, &a, err);
}
