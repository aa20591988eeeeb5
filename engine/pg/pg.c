/* libpq helpers: result checking and SQLSTATE classification. */
#include <stdio.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/pg.h"

/* docs/architecture.md ("How failures are sorted") lists these. */
static bool sqlstate_is_transient(const char *state)
{
    return state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                     strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0 ||
                     strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
                     strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
                     strcmp(state, "53300") == 0);
}

/* The program and the database do not fit together: a missing table,
 * column or function (migrations not applied), privileges, the login. */
static bool sqlstate_is_fatal(const char *state)
{
    return state && (strncmp(state, "42", 2) == 0 || strncmp(state, "28", 2) == 0 ||
                     strcmp(state, "3D000") == 0 || strcmp(state, "3F000") == 0);
}

int rb__pg_fail(PGconn *conn, PGresult *res, const char *what, rb_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    bool lost = PQstatus(conn) != CONNECTION_OK;
    int code = lost || sqlstate_is_transient(state) ? RB_ERETRY : RB_EDB;

    if (!msg)
        msg = PQerrorMessage(conn);
    rb_error_set(err, code, "%s: %s (sqlstate=%s)", what, msg, state ? state : "none");
    if (err && !lost && sqlstate_is_fatal(state))
        err->fatal = true;
    if (err && state)
        snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state);
    return code;
}

PGresult *rb__pg_checked(PGconn *conn, PGresult *res, ExecStatusType want, const char *what,
                         rb_error *err)
{
    if (PQresultStatus(res) != want) {
        rb__pg_fail(conn, res, what, err);
        PQclear(res);
        return NULL;
    }
    return res;
}

PGresult *rb__pg_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
                      ExecStatusType want, const char *what, rb_error *err)
{
    return rb__pg_checked(conn, PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0),
                          want, what, err);
}

int rb__pg_bind(const rb_pgarray *params, int n, const char **values, int *lengths, int *formats,
                const char *what, rb_error *err)
{
    int i;

    if (n > RB_PG_MAX_PARAMS)
        return rb_error_set(err, RB_EINVAL, "%s: %d parameters, at most %d", what, n,
                            RB_PG_MAX_PARAMS);
    for (i = 0; i < n; i++) {
        if (params[i].buf.failed)
            return rb_error_set(err, RB_ENOMEM, "%s: out of memory", what);
        if (params[i].invalid)
            return rb_error_set(err, RB_EINVAL, "%s: parameter $%d holds a value not of its type",
                                what, i + 1);
        values[i] = params[i].buf.data;
        lengths[i] = (int)params[i].buf.len;
        formats[i] = params[i].type != RB_PG_SCALAR;
    }
    return 0;
}

PGresult *rb__pg_exec_params(PGconn *conn, const char *sql, const rb_pgarray *params, int n,
                             int result_format, ExecStatusType want, const char *what,
                             rb_error *err)
{
    const char *values[RB_PG_MAX_PARAMS];
    int lengths[RB_PG_MAX_PARAMS], formats[RB_PG_MAX_PARAMS];

    if (rb__pg_bind(params, n, values, lengths, formats, what, err) < 0)
        return NULL;
    return rb__pg_checked(conn, PQexecParams(conn, sql, n, NULL, values, lengths, formats,
                                             result_format), want, what, err);
}

int rb__pg_command_params(PGconn *conn, const char *sql, const rb_pgarray *params, int n,
                          const char *what, rb_error *err)
{
    PGresult *res = rb__pg_exec_params(conn, sql, params, n, 0, PGRES_COMMAND_OK, what, err);

    if (!res)
        return err->code;
    PQclear(res);
    return 0;
}

int rb__pg_command(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   const char *what, rb_error *err)
{
    PGresult *res = rb__pg_exec(conn, sql, nparams, params, PGRES_COMMAND_OK, what, err);

    if (!res)
        return err ? err->code : RB_EDB;
    PQclear(res);
    return 0;
}

/* Server notices ("relation already exists, skipping") are not errors. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Instants are compared in UTC, so the text forms agree. The working set
 * (sessions, bookings, their indexes) lives in shared buffers: at the
 * default random_page_cost of 4 the planner reads all 40,000 sessions
 * rather than look up a batch's 500 by key. Statements rather than
 * startup options, which PgBouncer refuses. */
int rb__pg_session_setup(PGconn *conn, rb_error *err)
{
    int rc = rb__pg_command(conn, "SET TIME ZONE 'UTC'", 0, NULL, "set time zone", err);

    return rc < 0 ? rc
                  : rb__pg_command(conn, "SET random_page_cost = 1.1", 0, NULL,
                                   "set random_page_cost", err);
}

int rb_pg_connect(const char *dsn, PGconn **out, rb_error *err)
{
    PGconn *conn = PQconnectdb(dsn);

    *out = NULL;
    if (PQstatus(conn) != CONNECTION_OK) {
        rb_error_set(err, RB_EDB, "could not connect to PostgreSQL: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return RB_EDB;
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    if (rb__pg_session_setup(conn, err) < 0) {
        PQfinish(conn);
        return RB_EDB;
    }
    *out = conn;
    return 0;
}
