/* Closures from an iCalendar file into the closures table: the file's
 * events for one scope replace what an earlier import of the same file
 * (by event UID) stored for that scope. One transaction. */
#include <stdio.h>
#include <string.h>

#include "pg_internal.h"
#include "rumbook/buf.h"
#include "rumbook/closures.h"
#include "rumbook/pg.h"
#include "rumbook/pgarray.h"

typedef struct rows {
    rb_buf uid, summary, first, last;
    int n;
} rows;

static void date_text(rb_buf *col, int d)
{
    char text[16];

    snprintf(text, sizeof(text), "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
    rb_pgarray_text(col, text);
}

static int add_row(void *ctx, const rb_ics_closure *c)
{
    rows *r = ctx;

    rb_pgarray_text(&r->uid, c->uid);
    rb_pgarray_text(&r->summary, c->summary);
    date_text(&r->first, c->first_day);
    date_text(&r->last, c->last_day);
    r->n++;
    return r->uid.failed || r->summary.failed ? -1 : 0;
}

static const char SQL_DELETE[] =
    "DELETE FROM closures WHERE scope_kind = $1 AND scope_id = $2 AND source_uid = ANY($3::text[])";

static const char SQL_INSERT[] =
    "INSERT INTO closures (scope_kind, scope_id, source_uid, summary, first_day, last_day)"
    " SELECT $1, $2, u, s, f, l FROM unnest($3::text[], $4::text[], $5::date[], $6::date[])"
    " AS x(u, s, f, l) ON CONFLICT DO NOTHING";

static int replace(PGconn *conn, const char *const *params, rb_error *err)
{
    int rc;

    if ((rc = rb__pg_command(conn, "BEGIN", 0, NULL, "begin", err)) < 0)
        return rc;
    if ((rc = rb__pg_command(conn, SQL_DELETE, 3, params, "replace closures", err)) < 0 ||
        (rc = rb__pg_command(conn, SQL_INSERT, 6, params, "store closures", err)) < 0 ||
        (rc = rb__pg_command(conn, "NOTIFY rumbook_facts", 0, NULL, "notify workers", err)) < 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return rc;
    }
    return rb__pg_command(conn, "COMMIT", 0, NULL, "commit", err);
}

int rb_calendar_import(PGconn *conn, const char *scope, const char *ics, int until_day,
                       int *imported, rb_error *err)
{
    enum rb_scope kind;
    const char *id, *params[6];
    rows r = {0};
    int rc;

    *imported = 0;
    if ((rc = rb_scope_parse(scope, &kind, &id, err)) < 0)
        return rc;
    rb_buf_init(&r.uid);
    rb_buf_init(&r.summary);
    rb_buf_init(&r.first);
    rb_buf_init(&r.last);
    rb_pgarray_begin(&r.uid);
    rb_pgarray_begin(&r.summary);
    rb_pgarray_begin(&r.first);
    rb_pgarray_begin(&r.last);
    rc = rb_closures_from_ics(ics, until_day, add_row, &r, err);
    rb_pgarray_end(&r.uid);
    rb_pgarray_end(&r.summary);
    rb_pgarray_end(&r.first);
    rb_pgarray_end(&r.last);
    if (rc == 0 && (r.first.failed || r.last.failed))
        rc = rb_error_set(err, RB_ENOMEM, "out of memory");
    if (rc == 0) {
        params[0] = rb_scope_name(kind);
        params[1] = id;
        params[2] = r.uid.data;
        params[3] = r.summary.data;
        params[4] = r.first.data;
        params[5] = r.last.data;
        rc = replace(conn, params, err);
    }
    if (rc == 0)
        *imported = r.n;
    rb_buf_fini(&r.uid);
    rb_buf_fini(&r.summary);
    rb_buf_fini(&r.first);
    rb_buf_fini(&r.last);
    return rc;
}
