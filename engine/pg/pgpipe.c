/* libpq's pipeline mode for a transaction's writes: statements are
 * queued as they are built and their results read once, at the sync. */
#include "pg/pg_internal.h"

int rb__pgpipe_begin(rb_pgpipe *p, PGconn *conn, rb_pgstmts *stmts, rb_error *err)
{
    p->conn = conn;
    p->stmts = stmts;
    p->n = 0;
    if (!PQenterPipelineMode(conn))
        return rb__pg_fail(conn, NULL, "enter pipeline mode", err);
    return 0;
}

static int queued(rb_pgpipe *p, ExecStatusType want, const char *what, int preparing)
{
    p->sent[p->n].want = want;
    p->sent[p->n].what = what;
    p->sent[p->n].preparing = preparing;
    p->n++;
    return 0;
}

int rb__pgpipe_send(rb_pgpipe *p, const char *sql, const rb_pgarray *params, int n,
                    ExecStatusType want, const char *what, rb_error *err)
{
    const char *values[RB_PG_MAX_PARAMS];
    int lengths[RB_PG_MAX_PARAMS], formats[RB_PG_MAX_PARAMS], i = -1;
    char name[16];
    bool fresh = false;

    if (p->n + 2 > RB_PGPIPE_MAX)
        return rb_error_set(err, RB_EINVAL, "%s: more than %d statements in a pipeline", what,
                            RB_PGPIPE_MAX);
    if (rb__pg_bind(params, n, values, lengths, formats, what, err) < 0)
        return err->code;
    if (p->stmts && n > 0) /* COMMIT, NOTIFY: nothing to plan */
        i = rb__pgstmts_lookup(p->stmts, sql, name, &fresh);
    if (i < 0) {
        if (!PQsendQueryParams(p->conn, sql, n, NULL, values, lengths, formats, 0))
            return rb__pg_fail(p->conn, NULL, what, err);
        return queued(p, want, what, -1);
    }
    if (fresh) {
        if (!PQsendPrepare(p->conn, name, sql, n, NULL)) {
            rb__pgstmts_failed(p->stmts, i);
            return rb__pg_fail(p->conn, NULL, what, err);
        }
        queued(p, PGRES_COMMAND_OK, what, i);
    }
    if (!PQsendQueryPrepared(p->conn, name, n, values, lengths, formats, 0))
        return rb__pg_fail(p->conn, NULL, what, err);
    return queued(p, want, what, -1);
}

/* Reads up to the sync; the first failure (statement i) fills err. */
static int read_pipeline(rb_pgpipe *p, rb_error *err)
{
    PGresult *res;
    int i, rc = 0;

    for (i = 0; i < p->n; i++) {
        res = PQgetResult(p->conn);
        if (!res) /* the connection broke: no results, no sync */
            return rc < 0 ? rc : rb__pg_fail(p->conn, NULL, p->sent[i].what, err);
        if (PQresultStatus(res) != p->sent[i].want) {
            if (rc == 0)
                rc = rb__pg_fail(p->conn, res, p->sent[i].what, err);
            if (p->sent[i].preparing >= 0) /* failed or skipped: not prepared */
                rb__pgstmts_failed(p->stmts, p->sent[i].preparing);
        }
        PQclear(res);
        while ((res = PQgetResult(p->conn))) /* the NULL that ends each statement */
            PQclear(res);
    }
    res = PQgetResult(p->conn);
    if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC)
        rc = rc < 0 ? rc : rb__pg_fail(p->conn, res, "pipeline sync", err);
    PQclear(res);
    return rc;
}

int rb__pgpipe_end(rb_pgpipe *p, rb_error *err)
{
    int rc;

    if (!PQpipelineSync(p->conn)) {
        rc = rb__pg_fail(p->conn, NULL, "send pipeline", err);
        PQexitPipelineMode(p->conn);
        return rc;
    }
    rc = read_pipeline(p, err);
    if (!PQexitPipelineMode(p->conn) && rc == 0)
        rc = rb__pg_fail(p->conn, NULL, "leave pipeline mode", err);
    p->n = 0;
    return rc;
}
