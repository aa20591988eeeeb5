/* Closures from an iCalendar file into the closures table: the file's
 * events for one scope replace what an earlier import of the same file
 * (by event UID) stored for that scope. One transaction. */
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/buf.h"
#include "rumbook/closures.h"
#include "rumbook/import.h"
#include "rumbook/pg.h"
#include "rumbook/pgarray.h"

/* The statements' parameters: $1 scope kind, $2 scope id, then a column
 * each of UIDs, summaries, first and last days (YYYYMMDD numbers). */
typedef struct rows {
    rb_pgarray p[6];
    int n;
} rows;

static int add_row(void *ctx, const rb_ics_closure *c)
{
    rows *r = ctx;

    rb_pgarray_text(&r->p[2], c->uid);
    rb_pgarray_text(&r->p[3], c->summary);
    rb_pgarray_int(&r->p[4], c->first_day);
    rb_pgarray_int(&r->p[5], c->last_day);
    r->n++;
    return r->p[2].buf.failed || r->p[3].buf.failed ? -1 : 0;
}

static const char SQL_DELETE[] =
    "DELETE FROM closures WHERE scope_kind = $1 AND scope_id = $2 AND source_uid = ANY($3::text[])";

static const char SQL_INSERT[] =
    "INSERT INTO closures (scope_kind, scope_id, source_uid, summary, first_day, last_day)"
    " SELECT $1, $2, u, s, to_date(f::text, 'YYYYMMDD'), to_date(l::text, 'YYYYMMDD')"
    " FROM unnest($3::text[], $4::text[], $5::int[], $6::int[]) AS x(u, s, f, l)"
    " ON CONFLICT DO NOTHING";

static int replace(PGconn *conn, void *arg, rb_error *err)
{
    const rb_pgarray *params = arg;
    int rc;

    if ((rc = rb__pg_command_params(conn, SQL_DELETE, params, 3, "replace closures", err)) < 0 ||
        (rc = rb__pg_command_params(conn, SQL_INSERT, params, 6, "store closures", err)) < 0)
        return rc;
    return rb__pg_command(conn, "NOTIFY rumbook_facts", 0, NULL, "notify workers", err);
}

int rb_calendar_import(PGconn *conn, const char *scope, const char *ics, int until_day,
                       int *imported, rb_error *err)
{
    enum rb_scope kind;
    const char *id;
    rows r = {0};
    int i, rc;

    *imported = 0;
    if ((rc = rb_scope_parse(scope, &kind, &id, err)) < 0)
        return rc;
    for (i = 0; i < 6; i++)
        rb_pgarray_init(&r.p[i]);
    rb_pgarray_begin_for(r.p, 6, SQL_INSERT);
    rb_pgarray_scalar(&r.p[0], rb_scope_name(kind));
    rb_pgarray_scalar(&r.p[1], id);
    rc = rb_closures_from_ics(ics, until_day, add_row, &r, err);
    if (rc == 0)
        rc = rb__pg_transaction(conn, replace, r.p, err);
    if (rc == 0)
        *imported = r.n;
    for (i = 0; i < 6; i++)
        rb_pgarray_fini(&r.p[i]);
    return rc;
}
