/* The benchmarks' one-off statements on a server's database. */
#include <stdio.h>

#include <libpq-fe.h>

#include "bench_internal.h"
#include "rumbook/error.h"
#include "rumbook/pg.h"

int bench_sql_on(const char *server, const char *db, const char *sql)
{
    char url[512];
    PGconn *conn;
    PGresult *res;
    rb_error err;
    int ok;

    snprintf(url, sizeof(url), "%s/%s", server, db);
    if (rb_pg_connect(url, &conn, &err) < 0) {
        fprintf(stderr, "rumbook-bench: %s\n", err.message);
        return -1;
    }
    res = PQexec(conn, sql);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "rumbook-bench: %s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
    return ok ? 0 : -1;
}
