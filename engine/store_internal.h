/* Shared between store.c (fetch, transaction) and store_write.c (writes). */
#ifndef RUMBOOK_STORE_INTERNAL_H
#define RUMBOOK_STORE_INTERNAL_H

#include "batch_internal.h"
#include "rumbook/buf.h"

#define STORE_COLUMNS 10

struct rb_store {
    PGconn *conn;
    char *dsn;
    char *group;
    char *topic_decisions;
    char *topic_invitations;
    char *topic_dlq;
    const rb_calendar *cal;
    rb_buf col[STORE_COLUMNS]; /* array literals, reused across batches */
};

/* Runs sql with ncols buffers as its text parameters. */
PGresult *rb__store_run(rb_store *st, const char *sql, rb_buf *cols, int ncols,
                        ExecStatusType want, const char *what, rb_error *err);

/* Writes the decided batch: bookings, sessions, commands, outbox, offsets. */
int rb__store_write(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err);

#endif
