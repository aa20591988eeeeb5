/* The worker's PostgreSQL edge: decides a batch of consumed commands and
 * writes, in one transaction, the bookings, the session counters, one
 * decision per command, the outbox events (decisions, invitations, dead
 * letters) and the next offsets of the partitions the batch came from.
 *
 * rb_store_new() opens its own connection; rb_store_free() closes it. The
 * calendar passed in is borrowed and must outlive the store. */
#ifndef RUMBOOK_STORE_H
#define RUMBOOK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumbook/calendar.h"
#include "rumbook/error.h"
#include "rumbook/metrics.h"

typedef struct rb_store rb_store;

typedef struct rb_store_options {
    const char *dsn;
    const char *group;             /* consumer group the offsets belong to */
    const char *topic_decisions;
    const char *topic_invitations;
    const char *topic_dlq;
    const char *topic_catalog;           /* catalogue commands come from here */
    const char *topic_catalog_decisions; /* and their decisions go here */
    bool allow_unsigned;           /* take commands without a rumbook-portal header,
                                    * as from a portal of scope all */
} rb_store_options;

/* One consumed message; everything borrowed for the call. */
typedef struct rb_message {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key;
    size_t key_len;
    const void *payload;
    size_t len;
    const char *portal;     /* the rumbook-portal header's value; NULL: none */
    size_t portal_len;
    const char *signature;  /* rumbook-signature: base64 of the payload's signature */
    size_t signature_len;
} rb_message;

typedef struct rb_batch_stats {
    int confirmed;
    int waitlisted;      /* and pending review */
    int promoted;        /* waiting classes confirmed */
    int rejected;
    int cancelled;
    int duplicates;
    int dead_letters;
    int retries;
    int catalog;         /* catalogue commands decided (applied or refused) */
} rb_batch_stats;

int rb_store_new(const rb_store_options *opt, const rb_calendar *cal, rb_store **out,
                 rb_error *err) RB_MUSTCHECK;
void rb_store_free(rb_store *st);

/* Decides and commits msgs (in order) atomically with their offsets;
 * those from topic_catalog are catalogue commands, decided in a
 * transaction of their own before the booking commands.
 * Transient conflicts are retried inside; a batch that keeps failing is
 * split, and a single command that cannot be written gets a rejection
 * (or a dead letter). Returns 0, or an error when the database cannot be
 * reached: nothing was committed and the caller retries the same batch. */
int rb_store_process(rb_store *st, const rb_message *msgs, size_t n, rb_batch_stats *stats,
                     rb_error *err) RB_MUSTCHECK;

/* Expires waiting-list entries whose session's notice period has begun:
 * each gets a final REJECTED decision (waitlist_expired). *expired says
 * how many. Safe to run from several workers at once. */
int rb_store_expire_waitlist(rb_store *st, int *expired, rb_error *err) RB_MUSTCHECK;

/* Erases the personal data the retention no longer allows (the setting
 * retention_days after the session; docs/operations.md, "Personal data"),
 * a few thousand rows a table at a time until none is left. One worker
 * sweeps at a time; the others return at once. erased says how many rows
 * were touched. */
int rb_store_privacy_sweep(rb_store *st, long *erased, rb_error *err) RB_MUSTCHECK;

/* After an import (and once at start): confirms waiting classes in
 * sessions that have places again without a command touching them (a
 * catalogue import raised the capacity), as a cancel in a batch would, and
 * decides bus orders in review. Cheap when nothing was imported: no query.
 * *promoted says how many were confirmed. */
int rb_store_promote_waiting(rb_store *st, int *promoted, rb_error *err) RB_MUSTCHECK;

/* Allocation rounds (docs/allocation.md). */
typedef enum rb_draw_kind {
    RB_DRAW_SEED,    /* the round's draw: the seed's order, fair between schools */
    RB_DRAW_ARRIVAL, /* first come, first served: the wishes' arrival order */
} rb_draw_kind;

typedef struct rb_allocation_stats {
    int wishes;
    int placed[11];   /* classes whose first placement was choice k (1..10); [0]: none */
    int placements;   /* bookings made (a class may get more than one) */
    int waitlisted;
} rb_allocation_stats;

/* Draws round (whose wish window must have closed) in one transaction:
 * wishes placed in order, each rule applying, decisions and results
 * written, then COMMIT, or with commit false ROLLBACK (to see what an
 * order would give: the benchmark). *drawn says whether it committed. */
int rb_store_allocate(rb_store *st, const char *round, rb_draw_kind kind, bool commit,
                      bool *drawn, rb_allocation_stats *stats, rb_error *err) RB_MUSTCHECK;

/* Draws every round whose window has closed, one transaction each; safe
 * from several workers at once (each round is drawn exactly once). */
int rb_store_allocate_due(rb_store *st, int *drawn, rb_error *err) RB_MUSTCHECK;

/* Counts what the store commits into m (decisions by status, reasons,
 * dead letters, duplicates, decision latency, retries by SQLSTATE); m is
 * borrowed and must outlive the store. NULL stops counting. */
void rb_store_set_metrics(rb_store *st, rb_metrics *m);

/* What waits: events not yet published and the age of the oldest, classes
 * waiting for a place and bus orders in review. */
typedef struct rb_store_backlog {
    long long unsent_events;
    double oldest_unsent_s; /* 0 when none */
    long long waiting, in_review;
} rb_store_backlog;
int rb_store_backlog_read(rb_store *st, rb_store_backlog *out, rb_error *err) RB_MUSTCHECK;

/* Whether the store's connection is up (as of its last use). */
bool rb_store_connected(const rb_store *st);

/* Stored next offsets for topic's partitions; -1 where none is stored. */
int rb_store_offsets(rb_store *st, const char *topic, const int32_t *partitions, int64_t *next,
                     size_t n, rb_error *err) RB_MUSTCHECK;

#endif
