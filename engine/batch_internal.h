/* A batch of commands being decided: the facts fetched for it and each
 * command's outcome. Deciding (rb__batch_decide) is pure; fetching and
 * writing live in store.c and store_write.c. */
#ifndef RUMBOOK_BATCH_INTERNAL_H
#define RUMBOOK_BATCH_INTERNAL_H

#include <libpq-fe.h>

#include "rumbook/command.h"
#include "rumbook/decision.h"
#include "rumbook/events.h"
#include "rumbook/store.h"
#include "rumbook/uuid.h"
#include "strset_internal.h"

typedef struct fact_session {
    rb_session s;
    const char *title;
    const char *provider_name;
    const char *provider_email;
    const char *venue_name;
    const char *venue_address;
    bool has_geo;
    double lat, lon;
    bool dirty;
} fact_session;

typedef struct fact_class {
    rb_class c;
    const char *name;
    const char *school_name;
    const char *teacher_email;
} fact_class;

typedef struct fact_booking {
    char id[RB_UUID_LEN];
    const char *command_id;
    fact_session *session;
    fact_class *klass;
    int pupils;
    bool cancelled;
    int sequence;
    const char *note;
    const char *teacher_email;
    bool is_new;
    bool dirty;
} fact_booking;

typedef struct item {
    const rb_message *m;
    rb_command cmd;
    int decode_rc;          /* RB_EDECODE: a dead letter */
    char cause[512];
    /* outcome, recomputed on every attempt */
    bool duplicate;
    enum rb_status status;
    rb_verdict verdict;
    fact_booking *booking;
    bool invite;
    enum rb_itip_method method;
} item;

#define BATCH_MAX_RESULTS 8

typedef struct batch {
    item *items;
    size_t n;
    int64_t now_ms;
    fact_session *sessions;  /* sorted by id (bytewise) */
    size_t nsessions;
    fact_class *classes;     /* sorted by id */
    size_t nclasses;
    fact_booking *bookings;  /* fetched ones sorted by id, then new ones */
    size_t nfetched, nbookings;
    rb__strset done;         /* command ids decided before or earlier in the batch */
    rb__strset held;         /* "session\x1fclass" pairs holding a confirmed booking */
    char *held_keys;         /* storage for pairs added while deciding */
    size_t held_used, held_cap;
    PGresult *results[BATCH_MAX_RESULTS];
    int nresults;
} batch;

fact_session *rb__batch_session(batch *b, const char *id);
fact_class *rb__batch_class(batch *b, const char *id);
fact_booking *rb__batch_booking(batch *b, const char *id);

/* Decides every item in order against the facts, updating them. */
void rb__batch_decide(batch *b);

/* Frees what one attempt fetched and resets outcomes. */
void rb__batch_reset(batch *b);

#endif
