/* Shared by the store's files: store.c (the batch transaction),
 * store_cache.c (facts cached between batches), store_portals.c (who sent
 * it), store_catalog.c (catalogue commands), store_fetch.c and
 * store_facts.c (reads under lock), store_write.c and store_events.c (the
 * writes), store_expiry.c (waiting-list expiry), store_allocate.c (the
 * draws of allocation rounds). */
#ifndef RUMBOOK_STORE_INTERNAL_H
#define RUMBOOK_STORE_INTERNAL_H

#include "batch/batch_internal.h"
#include "pg/pg_internal.h"
#include "rumbook/buf.h"
#include "rumbook/pgarray.h"

#define STORE_COLUMNS 16

/* A number macro as a string literal, for SQL text. */
#define RB_STR_(x) #x
#define RB_STR(x) RB_STR_(x)
#define STORE_MAX_RESULTS 40

/* A timestamptz column as UTC milliseconds. date_part's float8 (exact to
 * the microsecond for centuries either side of 1970) rather than
 * extract's numeric: a third of the cost, over two million values a
 * benchmark round. */
#define SQL_MS(col) "round(date_part('epoch', " col ") * 1000)::bigint"

struct rb_store {
    PGconn *conn;
    char *dsn;
    char *group;
    char *topic_decisions;
    char *topic_invitations;
    char *topic_dlq;
    char *topic_catalog;
    char *topic_catalog_decisions;
    const rb_calendar *cal;
    rb_pgarray col[STORE_COLUMNS]; /* statement parameters, reused across batches */
    rb_pgpipe pipe;                /* the batch's writes */
    rb_pgstmts stmts;              /* prepared on conn */
    rb_settings settings;      /* the settings and travel_modes tables, cached */
    int64_t settings_at_ms;
    PGresult *closures_res;    /* closures ending today or later, cached with the settings */
    PGresult *offerings_res;   /* offerings with provider and venue, by id */
    PGresult *classes_res;     /* classes with school and school day, by id */
    PGresult *rounds_res;      /* allocation rounds, read with the offerings */
    fact_round *rounds;
    size_t nrounds;
    bool catalogue_stale;      /* read those two again before the next batch */
    rb_closure *closures;
    size_t nclosures;
    bool promote_pending;      /* an import may have made waiting entries decidable */
    bool has_travel_times;     /* whether reading the travel table can find anything */
    bool has_quotas;
    bool allow_unsigned;       /* commands without a portal header are taken, scope all */
    struct portals *portals;   /* the portals table, keys decoded (store_portals.c) */
    bool portals_stale;
    rb_metrics *metrics;           /* borrowed; NULL: not counted */
    PGresult *results[STORE_MAX_RESULTS]; /* the attempt's reads: the batch's facts point in */
    int nresults;
};

/* Runs a read and keeps its result alive for the attempt, until
 * rb__store_drop_results. */
PGresult *rb__store_fetch_run(rb_store *st, const char *sql, int ncols, const char *what,
                              rb_error *err);
void rb__store_drop_results(rb_store *st);

/* The session columns of a candidate for alternatives (alias s), and the
 * reader of a session row, which takes its offering's facts from the
 * store's cache; an offering the cache does not know (imported since)
 * fails it with RB_ERETRY and has the cache reloaded. A row without the
 * resources and waiting flags (a candidate's) reads them as false. */
extern const char rb__sql_candidate_columns[];
int rb__session_row(rb_store *st, fact_session *fs, PGresult *res, int r, rb_error *err);

/* The cached offering's row in st->offerings_res, or -1. */
int rb__store_offering(const rb_store *st, const char *offering_id);
/* The cached class's row in st->classes_res (rb__sql_classes_all), or -1. */
extern const char rb__sql_classes_all[];
int rb__store_class(const rb_store *st, const char *class_id);
/* Marks the cached facts for reloading; returns RB_ERETRY. */
int rb__store_offerings_stale(rb_store *st, const char *offering_id, rb_error *err);

/* Reads (and with lock, locks) the resources of sessions[0..n), grouped
 * per session into *out. */
int rb__store_fetch_resources(rb_store *st, fact_session *sessions, size_t n, bool lock,
                              rb_resource **out, size_t *nout, rb_error *err);

/* Refreshes st->settings, the closures and what tables are in use after an
 * import's notification, or when older than a few seconds (hand edits);
 * the offerings and classes after a notification only. */
int rb__store_settings(rb_store *st, int64_t now_ms, rb_error *err);
/* Reads the offerings and classes into the cache, as the current
 * transaction sees them. */
int rb__store_read_catalogue(rb_store *st, rb_error *err);
/* Drains the rumbook_facts notifications imports send (the store's
 * session LISTENs): the cached facts are refreshed at the next batch and
 * the waiting entries looked at again. */
void rb__store_poll_facts(rb_store *st);

/* Drops the cached closures and offerings (the connection they came from
 * was reset, and notifications may have been missed). */
void rb__store_forget_facts(rb_store *st);

/* Checks each decoded item's portal header and signature against the
 * cached portals (read again when stale or when one is missing), before
 * the transaction: sets its portal, scope and key, or its refusal. */
int rb__store_authenticate(rb_store *st, batch *b, rb_error *err);
/* Inside the transaction: reads the batch's portals again, so that a
 * revoke or a new key is in force for every batch that starts after it
 * committed, and checks again the items whose portal row changed. */
int rb__store_confirm_portals(rb_store *st, batch *b, rb_error *err);
/* Drops the cached portals. */
void rb__store_forget_portals(rb_store *st);

/* Inside the transaction, before anything is read: applies the batch's
 * catalogue commands (each under a savepoint; a refused one leaves
 * nothing), and names the sessions they changed for the batch to read and
 * settle. */
int rb__store_apply_catalog(rb_store *st, batch *b, rb_error *err);
/* The ids among $1 that were decided before. */
extern const char rb__sql_decided[];
/* Locks and reads what the commands name: bookings, sessions and their
 * resources, waiting lists, classes, decided commands, held pairs. */
int rb__store_fetch(rb_store *st, batch *b, rb_error *err);
/* Reads the facts around them: travel times, closures, holds of classes,
 * resources and buses (fleet locked), quotas (locked) and their use. */
int rb__store_fetch_facts(rb_store *st, batch *b, rb_error *err);
/* Reads sessions of the same offerings near the rejected ones, their
 * resources, and the holds around them (closures are the store's). */
int rb__store_fetch_candidates(rb_store *st, batch *b, rb_error *err);

/* The wall clock in Unix milliseconds: "now" for the rules and decisions. */
int64_t rb__store_now_ms(void);

/* Begins col[0..n-1] as the arrays sql takes ($1..$n). */
void rb__store_begin(rb_store *st, const char *sql, int n);

/* Runs sql with col[0..ncols-1] as its parameters, prepared on first use. */
PGresult *rb__store_run(rb_store *st, const char *sql, const rb_pgarray *cols, int ncols,
                        ExecStatusType want, const char *what, rb_error *err);

/* Queues sql in the batch's pipeline with cols[0..ncols-1] (or the
 * store's own columns) as its parameters. */
int rb__store_queue_columns(rb_store *st, const char *sql, rb_pgarray *cols, int ncols,
                            const char *what, rb_error *err);
int rb__store_queue(rb_store *st, const char *sql, int ncols, const char *what, rb_error *err);
/* Queues NOTIFY rumbook_outbox: wakes the relay when the transaction commits. */
int rb__store_notify_relay(rb_store *st, rb_error *err);
/* Runs queue's statements, then COMMIT when commit is set, in one
 * pipeline; the first error wins. */
int rb__store_pipelined(rb_store *st, int (*queue)(rb_store *, void *, rb_error *), void *arg,
                        bool commit, rb_error *err);

/* Outbox rows being built: the columns of rb__sql_insert_outbox. */
#define OUTBOX_COLUMNS 11
typedef struct rb__outbox {
    rb_pgarray col[OUTBOX_COLUMNS];
    size_t n;
} rb__outbox;
extern const char rb__sql_insert_outbox[];
/* Settles waitlisted commands: $1 ids, $2 status, $3 booking, $4 reason
 * codes, $5 decision, $6 decision event id. */
extern const char rb__sql_update_commands[];

void rb__outbox_begin(rb__outbox *o);
void rb__outbox_fini(rb__outbox *o);
/* Adds an event (dead: the item whose message it carries as a dead letter,
 * else NULL); fills event_id with its new id. */
void rb__outbox_add(rb__outbox *o, const char *topic, const void *key, size_t key_len,
                    const void *payload, size_t len, const char *type, const item *dead,
                    char event_id[RB_UUID_LEN]);
/* Queues the batch's commands rows (decisions) and outbox events, and
 * counts the outcomes into stats. */
int rb__store_write_events(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err);

/* Writes the decided batch (bookings, sessions, commands, outbox, offsets)
 * and commits, all in one pipeline: the server runs the first statements
 * while the rest (invitations, decisions) are built. */
int rb__store_write_commit(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err);
/* The same without COMMIT: the transaction goes on (an allocation draw's
 * chunks). */
int rb__store_write(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err);

#endif
