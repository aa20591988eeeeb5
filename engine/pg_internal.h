/* libpq helpers shared by the engine's PostgreSQL modules. */
#ifndef RUMBOOK_PG_INTERNAL_H
#define RUMBOOK_PG_INTERNAL_H

#include <libpq-fe.h>

#include "rumbook/error.h"
#include "rumbook/pgarray.h"

/* Fills err from a failed result (NULL result: from the connection).
 * Serialization failures, deadlocks, unique and exclusion violations (a
 * concurrent writer won; the retry sees its row) and a lost
 * connection are RB_ERETRY; everything else RB_EDB. Returns the code. */
int rb__pg_fail(PGconn *conn, PGresult *res, const char *what, rb_error *err);

/* Runs a statement with text parameters; on failure clears the result,
 * fills err and returns NULL. */
PGresult *rb__pg_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
                      ExecStatusType want, const char *what, rb_error *err);

/* Runs a statement with params[0..n-1] (binary arrays, text scalars; at
 * most RB_PG_MAX_PARAMS); a parameter that ran out of memory or holds an
 * element its type cannot is an error before anything is sent. */
#define RB_PG_MAX_PARAMS 16
PGresult *rb__pg_exec_params(PGconn *conn, const char *sql, const rb_pgarray *params, int n,
                             ExecStatusType want, const char *what, rb_error *err);
/* The same for a statement that returns no rows. */
int rb__pg_command_params(PGconn *conn, const char *sql, const rb_pgarray *params, int n,
                          const char *what, rb_error *err);

/* The settings every rumbook session runs with; again after PQreset(). */
int rb__pg_session_setup(PGconn *conn, rb_error *err);
/* Runs a statement that returns no rows. */
int rb__pg_command(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   const char *what, rb_error *err);

#endif
