/* libpq helpers shared by the engine's PostgreSQL modules. */
#ifndef RUMBOOK_PG_INTERNAL_H
#define RUMBOOK_PG_INTERNAL_H

#include <libpq-fe.h>

#include "rumbook/error.h"

/* Fills err from a failed result (NULL result: from the connection).
 * Serialization failures, deadlocks, unique and exclusion violations (a
 * concurrent writer won; the retry sees its row) and a lost
 * connection are RB_ERETRY; everything else RB_EDB. Returns the code. */
int rb__pg_fail(PGconn *conn, PGresult *res, const char *what, rb_error *err);

/* Runs a statement with text parameters; on failure clears the result,
 * fills err and returns NULL. */
PGresult *rb__pg_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
                      ExecStatusType want, const char *what, rb_error *err);

/* Runs a statement that returns no rows. */
/* The settings every rumbook session runs with; again after PQreset(). */
int rb__pg_session_setup(PGconn *conn, rb_error *err);
int rb__pg_command(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   const char *what, rb_error *err);

#endif
