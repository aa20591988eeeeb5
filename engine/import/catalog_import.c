/* Catalogue import: the document goes to PostgreSQL whole, where
 * rb_catalog_import() validates and upserts it; the offering schedules it
 * stored are then checked with libical (which the server does not have)
 * before the one transaction commits. */
#include <stdio.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/availability.h"
#include "rumbook/import.h"
#include "rumbook/pg.h"

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
    if ((rc = check_schedules(conn, err)) < 0)
        return rc;
    /* Workers drop their cached facts (closures, settings) at once. */
    return rb__pg_command(conn, "NOTIFY rumbook_facts", 0, NULL, "notify workers", err);
}

int rb_catalog_import(PGconn *conn, const char *json, char *summary, size_t size, rb_error *err)
{
    import_args a = {json, summary, size};

    summary[0] = '\0';
    return rb__pg_transaction(conn, import, &a, err);
}
