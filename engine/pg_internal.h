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

/* Statements sent in libpq's pipeline mode and their results read at the
 * end: the server runs one statement while the worker builds the next,
 * and a transaction's writes cost one round trip. Results must be small
 * (commands, counts): libpq blocks while sending, and a server blocked on
 * writing big results would never read the rest. */
#define RB_PGPIPE_MAX 24
typedef struct rb_pgpipe {
    PGconn *conn;
    int n;
    struct {
        ExecStatusType want;
        const char *what;
    } sent[RB_PGPIPE_MAX];
} rb_pgpipe;

/* Enters pipeline mode on an idle connection. */
int rb__pgpipe_begin(rb_pgpipe *p, PGconn *conn, rb_error *err);
/* Queues a statement with its parameters (copied: they may be reused
 * once this returns). */
int rb__pgpipe_send(rb_pgpipe *p, const char *sql, const rb_pgarray *params, int n,
                    ExecStatusType want, const char *what, rb_error *err);
/* Sends the pipeline, reads every result and leaves pipeline mode, also
 * after an error; returns the first statement's error (the ones after it
 * were skipped by the server). */
int rb__pgpipe_end(rb_pgpipe *p, rb_error *err);

/* The settings every rumbook session runs with; again after PQreset(). */
int rb__pg_session_setup(PGconn *conn, rb_error *err);
/* Runs a statement that returns no rows. */
int rb__pg_command(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   const char *what, rb_error *err);

#endif
