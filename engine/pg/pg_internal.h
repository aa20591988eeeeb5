/* libpq helpers shared by the engine's PostgreSQL modules. */
#ifndef RUMBOOK_PG_INTERNAL_H
#define RUMBOOK_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

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
 * element its type cannot is an error before anything is sent. Results
 * in text (result_format 0) or binary (1). */
#define RB_PG_MAX_PARAMS 16
PGresult *rb__pg_exec_params(PGconn *conn, const char *sql, const rb_pgarray *params, int n,
                             int result_format, ExecStatusType want, const char *what,
                             rb_error *err);
/* The same for a statement that returns no rows. */
int rb__pg_command_params(PGconn *conn, const char *sql, const rb_pgarray *params, int n,
                          const char *what, rb_error *err);

/* Statements prepared once per connection (prepared.c), by their text.
 * rb__pgstmts_forget after the connection was reset: the server forgot
 * them. */
#define RB_PGSTMTS_MAX 48
typedef struct rb_pgstmts {
    unsigned last_id;
    int n;
    struct {
        uint64_t hash;
        char *sql;
        unsigned id;
        bool ready; /* prepared under id on this connection */
    } known[RB_PGSTMTS_MAX];
} rb_pgstmts;

void rb__pgstmts_forget(rb_pgstmts *s);
/* sql's entry and statement name; *fresh when it must be prepared first.
 * -1 when there is no room (run it unnamed). */
int rb__pgstmts_lookup(rb_pgstmts *s, const char *sql, char name[16], bool *fresh);
/* Entry i's preparation failed or never ran: prepare it again next time. */
void rb__pgstmts_failed(rb_pgstmts *s, int i);
/* rb__pg_exec_params through a prepared statement. */
PGresult *rb__pg_exec_prepared(PGconn *conn, rb_pgstmts *s, const char *sql,
                               const rb_pgarray *params, int n, ExecStatusType want,
                               const char *what, rb_error *err);

/* Parameters for libpq (pg.c); fills err and returns its code on a
 * parameter that ran out of memory or holds a value not of its type. */
int rb__pg_bind(const rb_pgarray *params, int n, const char **values, int *lengths, int *formats,
                const char *what, rb_error *err);
/* res when its status is want; else NULL, err filled, res cleared. */
PGresult *rb__pg_checked(PGconn *conn, PGresult *res, ExecStatusType want, const char *what,
                         rb_error *err);

/* Statements sent in libpq's pipeline mode and their results read at the
 * end: the server runs one statement while the worker builds the next,
 * and a transaction's writes cost one round trip. Results must be small
 * (commands, counts): libpq blocks while sending, and a server blocked on
 * writing big results would never read the rest. */
#define RB_PGPIPE_MAX 24
typedef struct rb_pgpipe {
    PGconn *conn;
    rb_pgstmts *stmts;
    int n;
    struct {
        ExecStatusType want;
        const char *what;
        int preparing; /* the stmts entry this prepares, or -1 */
    } sent[RB_PGPIPE_MAX];
} rb_pgpipe;

/* Enters pipeline mode on an idle connection; statements are prepared in
 * stmts (NULL: run unnamed). */
int rb__pgpipe_begin(rb_pgpipe *p, PGconn *conn, rb_pgstmts *stmts, rb_error *err);
/* Queues a statement with its parameters (copied: they may be reused
 * once this returns). */
int rb__pgpipe_send(rb_pgpipe *p, const char *sql, const rb_pgarray *params, int n,
                    ExecStatusType want, const char *what, rb_error *err);
/* Sends the pipeline, reads every result and leaves pipeline mode, also
 * after an error; returns the first statement's error (the ones after it
 * were skipped by the server). */
int rb__pgpipe_end(rb_pgpipe *p, rb_error *err);

/* Transactions (pg_txn.c). rb__pg_transaction runs body between BEGIN and
 * COMMIT and rolls back when either fails; it returns body's or COMMIT's
 * code. The batch transaction, which commits in a pipeline, uses
 * rb__pg_begin and rb__pg_rollback itself. */
typedef int (*rb__pg_body)(PGconn *conn, void *arg, rb_error *err);
int rb__pg_transaction(PGconn *conn, rb__pg_body body, void *arg, rb_error *err);
int rb__pg_begin(PGconn *conn, rb_error *err);
int rb__pg_commit(PGconn *conn, rb_error *err);
void rb__pg_rollback(PGconn *conn);

/* The settings every rumbook session runs with; again after PQreset(). */
int rb__pg_session_setup(PGconn *conn, rb_error *err);
/* Runs a statement that returns no rows. */
int rb__pg_command(PGconn *conn, const char *sql, int nparams, const char *const *params,
                   const char *what, rb_error *err);

#endif
