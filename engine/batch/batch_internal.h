/* A batch of commands being decided: the facts fetched for it and each
 * command's outcome. Deciding (batch_decide.c) and finding alternatives
 * (batch_alternatives.c) are pure; the store fetches the facts and writes
 * the outcome. Strings in the facts are borrowed from the store, which
 * keeps what it read alive until rb__batch_reset. */
#ifndef RUMBOOK_BATCH_INTERNAL_H
#define RUMBOOK_BATCH_INTERNAL_H

#include "rumbook/command.h"
#include "rumbook/decision.h"
#include "rumbook/events.h"
#include "rumbook/store.h"
#include "rumbook/uuid.h"
#include "util/strset_internal.h"

#define BATCH_MAX_BUSES 4

/* Shortlisted candidates beyond max_alternatives, for those another trip
 * of the class rules out. */
#define ALTERNATIVES_SLACK 2

typedef struct fact_session {
    rb_session s;
    const char *title;
    const char *provider_name;
    const char *provider_email;
    const char *venue_name;
    const char *venue_address;
    const char *language;       /* of the offering's texts: "da" or "en" */
    int classes_before;  /* as fetched: 0 -> n holds its resources, n -> 0 frees them */
    rb_place place;      /* where its resources are (outreach: the booking school) */
    /* Read for the batch's own sessions; false for candidates. */
    bool has_resources;  /* rooms, guides or equipment to hold */
    bool has_waiting;    /* classes are waiting for it */
    bool anchored;       /* alternatives around it were read */
    struct fact_session *live; /* a candidate's locked twin, whose counters are current */
    struct item *settle_by; /* the catalogue command that changed it in the batch */
    bool dirty;
} fact_session;

typedef struct fact_class {
    rb_class c;
    rb_school school;
    const char *name;
    const char *teacher_email;
    int no;              /* the database's integer key of the class */
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
    enum rb_mode mode;
    rb_trip trip;
    const char *bus_ids[BATCH_MAX_BUSES];
    const char *bus_names[BATCH_MAX_BUSES];
    int64_t bus_from[BATCH_MAX_BUSES], bus_until[BATCH_MAX_BUSES];
    int nbuses;
    bool buses_changed;
    bool is_new;
    bool dirty;
} fact_booking;

/* A class waiting for a place in a session, or (review) for staff to
 * supply what the bus rules could not compute. */
typedef struct fact_wait {
    const char *id;
    fact_session *session;
    const char *class_id;
    fact_class *klass;
    bool review;
    bool leaves;          /* decided in this batch: confirmed, or (refused) rejected */
    bool refused;
    bool withdrawn;       /* leaves: the class gave up its place (a withdraw command) */
    bool approved;        /* staff approved the bus order: decided without review */
    const char *refused_by; /* staff refused the bus order: the refuse command's message */
    bool is_new;
    int64_t expires_ms;
} fact_wait;

/* An allocation round, from the store's cache. */
typedef struct fact_round {
    const char *id;
    int64_t opens_ms, closes_ms;
    int max_wishes;
    bool allocated;
} fact_round;

/* A class's live wish in a round: fetched (a wish or withdraw in the batch
 * names its class or command), or new in the batch. */
typedef struct fact_wish {
    const char *command_id, *round_id, *class_id;
    struct item *owner;     /* new: the wish command; fetched: its decision's slot */
    bool is_new;
    bool ends;              /* replaced or withdrawn in the batch */
    bool withdrawn;
} fact_wish;

#define PORTAL_NAME_MAX 100

typedef struct item {
    const rb_message *m;
    rb_command cmd;
    int decode_rc;          /* RB_EDECODE: a dead letter */
    char cause[512];
    /* who sent it, from the headers (store_portals.c) */
    char portal[PORTAL_NAME_MAX + 1]; /* "" when taken unsigned */
    rb_portal_scope scope;            /* the portal's, id in scope_id */
    char scope_id[201];
    char refusal[200];                /* why the sender may not send it; "" when it may */
    bool promotion;         /* a waiting command confirmed now; cmd from the waitlist
                             * (m is NULL: it came from no message) */
    fact_wait *wait;        /* promotion's entry, or the entry this command made */
    /* outcome, recomputed on every attempt */
    bool duplicate;
    enum rb_status status;
    rb_verdict verdict;
    fact_booking *booking;
    bool invite;
    enum rb_itip_method method;
    int position;           /* waitlisted: place in line */
    const rb_session *alternatives[RB_MAX_ALTERNATIVES];
    int nalternatives;
    /* candidates that pass every rule but the class's other trips, which
     * are read only around these; nearest first */
    fact_session *shortlist[RB_MAX_ALTERNATIVES + ALTERNATIVES_SLACK];
    int nshortlist;
    rb_trip trip;           /* of the session asked for, when known */
    const struct item *entry; /* withdraw, approve, refuse: the waiting command's slot */
    /* catalogue commands (store_catalog.c) and the bookings they settle */
    bool settled;           /* a booking of a session a catalogue command cancelled or
                             * moved: cmd names the booking, with the command's id */
    bool session_moved;     /* settled: the booking moved with its session */
    /* an allocation draw's (store_allocate.c): one item per choice of a
     * wish, m NULL; the first of a wish's items leads */
    bool drawn;
    bool silent;            /* writes no decision (another item of its wish does) */
    struct item *lead;
    fact_booking *placed;   /* the lead's: the booking one of its choices made */
    int choice;             /* 1 = the wish's first choice */
    char entity_id[201];    /* applied: the entity, and its version now */
    int version;
    int nmoved, ncancelled, nwaits, npromoted; /* what it did to bookings and waiting lists */
} item;

typedef struct travel_entry {
    const char *school_id, *venue_id;
    enum rb_mode mode;
    int minutes;
} travel_entry;

typedef struct batch {
    item *items;
    size_t n;
    bool catalog;            /* the items are catalogue commands */
    const char *const *extra_sessions; /* sessions to promote in without a command */
    size_t nextra_sessions;
    const fact_round *rounds; /* the store's, by id (bytewise), or rounds_own */
    size_t nrounds;
    fact_round *rounds_own;  /* with the state of the rows the batch locked */
    fact_wish *wishes;       /* fetched, then new ones */
    size_t nwishes, nwishes_fetched;
    item *wish_ends;         /* a slot per fetched wish: its last decision if it ends */
    const char **catalog_sessions; /* the sessions the batch's catalogue commands changed
                                    * (owned; extra_sessions points here) */
    size_t nsettling;        /* of them, cancelled or moved: their bookings are read */
    item *settled;           /* one slot per booking of those */
    size_t nsettled;
    item *promotions;        /* one slot per waiting entry fetched */
    size_t npromotions;
    int64_t now_ms;
    const rb_settings *settings;
    fact_session *sessions;  /* locked, sorted by id (bytewise) */
    size_t nsessions;
    fact_session *candidates; /* unlocked sessions considered as alternatives */
    size_t ncandidates;
    rb_resource *candidate_resources;
    size_t ncandidate_resources;
    rb_resource *resources;  /* grouped by session, pointed to by the sessions */
    size_t nresources;
    fact_class *classes;     /* sorted by id */
    size_t nclasses;
    fact_booking *bookings;  /* fetched ones sorted by id, then new ones */
    size_t nfetched, nbookings, bookings_cap;
    fact_wait *waits;        /* waiting entries of the batch's sessions, then new ones */
    size_t nwaits, nwaits_fetched, waits_cap;
    travel_entry *travel;    /* sorted by school, venue, mode */
    size_t ntravel;
    const rb_closure *closures; /* the store's, borrowed */
    size_t nclosures;
    rb_bus *buses;
    size_t nbuses;
    rb_quota *quotas;
    size_t nquotas;
    rb_quota_use *uses;
    size_t nuses, uses_cap;
    rb_holds class_holds, resource_holds, bus_holds;
    rb_facts facts;
    rb__strset done;         /* command ids decided before or earlier in the batch */
    rb__strset held;         /* "session\x1fclass" pairs holding a confirmed booking */
    char *held_keys;         /* storage for pairs added while deciding */
    size_t held_used, held_cap;
} batch;

/* Whether the item's ids may be looked up: it decoded and passed the
 * command module's checks (an INVALID one is rejected as it is, and its
 * ids may be anything: not UUIDs, 10 kB long). */
static inline bool rb__item_names_facts(const item *it)
{
    return it->decode_rc == 0 && it->cmd.kind != RB_CMD_INVALID && !it->refusal[0];
}

fact_session *rb__batch_session(batch *b, const char *id);
fact_class *rb__batch_class(batch *b, const char *id);
fact_booking *rb__batch_booking(batch *b, const char *id);

/* The rules' view of class fc asking for session fs with pupils by mode
 * (moving: the booking a reschedule moves, else NULL). */
rb_booking_request rb__batch_request(batch *b, const fact_session *fs, const fact_class *fc,
                                     int pupils, enum rb_mode mode, const char *moving);

/* Decides every item in order against the facts, updating them, then
 * promotes waiting classes into places freed by the batch. */
void rb__batch_decide(batch *b);

/* Points each session an applied catalogue command changed (a session's
 * upsert, cancel_session, move_session) at that command (settle_by): the
 * batch settles its bookings and counts its promotions there. */
void rb__batch_mark_settling(batch *b);
/* The bookings of a session cancel_session or move_session (it) applied
 * to: each cancelled with session_cancelled, or decided again at the new
 * time, in b->settled (batch_settle.c). */
void rb__batch_settle(batch *b, item *it);
/* Takes places, resources, the class's time and buses for bk as req
 * planned; and gives them back. */
void rb__batch_take(batch *b, fact_booking *bk, const rb_booking_request *req);
void rb__batch_release(batch *b, fact_booking *bk);

/* The items that may want alternatives: the commands, then the settled
 * bookings. */
static inline size_t rb__batch_nasking(const batch *b)
{
    return b->n + b->nsettled;
}
static inline item *rb__batch_asking(batch *b, size_t i)
{
    return i < b->n ? &b->items[i] : &b->settled[i - b->n];
}

/* Index of the first candidate of the offering (candidates are sorted by
 * offering, then id); b->ncandidates when there is none. */
size_t rb__batch_offering_run(const batch *b, const char *offering_id);

/* Items rejected for reasons an alternative session could avoid. */
bool rb__batch_wants_alternatives(const item *it);
/* Shortlists each such item's candidates from b->candidates: the nearest
 * that pass every rule with the class trips read so far (those around the
 * session asked for), max_alternatives + ALTERNATIVES_SLACK of them. */
void rb__batch_shortlist(batch *b);
/* Fills each such item's alternatives from its shortlist, now that the
 * class's trips around each shortlisted session are read too. */
void rb__batch_alternatives(batch *b);

/* Frees what one attempt fetched and resets outcomes. */
void rb__batch_reset(batch *b);

#endif
