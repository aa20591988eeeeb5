/* Transactions: the one place that says BEGIN, COMMIT and ROLLBACK. */
#include "pg/pg_internal.h"

int rb__pg_begin(PGconn *conn, rb_error *err)
{
    return rb__pg_command(conn, "BEGIN", 0, NULL, "begin transaction", err);
}

int rb__pg_commit(PGconn *conn, rb_error *err)
{
    return rb__pg_command(conn, "COMMIT", 0, NULL, "commit transaction", err);
}

/* The error that made us roll back is the one worth reporting: ROLLBACK's
 * own result (on a broken connection, another error) is dropped. */
void rb__pg_rollback(PGconn *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}

int rb__pg_transaction(PGconn *conn, rb__pg_body body, void *arg, rb_error *err)
{
    int rc;

    if ((rc = rb__pg_begin(conn, err)) < 0)
        return rc;
    if ((rc = body(conn, arg, err)) < 0 || (rc = rb__pg_commit(conn, err)) < 0) {
        rb__pg_rollback(conn);
        return rc;
    }
    return 0;
}
