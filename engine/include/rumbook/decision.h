/* Booking decisions: pure functions of the facts a worker gathered, no I/O.
 *
 * A decision runs a list of rules one by one; every rule that says no adds
 * a reason (a stable code and a human message), and a request is confirmed
 * only when no rule objected. Rules are plain functions in a table, so new
 * ones (availability, travel, buses) slot in without touching the others.
 * All structs here are plain values; pointers in them are borrowed. */
#ifndef RUMBOOK_DECISION_H
#define RUMBOOK_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumbook/availability.h"
#include "rumbook/buses.h"
#include "rumbook/closures.h"
#include "rumbook/holds.h"
#include "rumbook/quotas.h"
#include "rumbook/reasons.h"
#include "rumbook/travel.h"

#define RB_MAX_REASONS 16
#define RB_MAX_ALTERNATIVES 8

typedef struct rb_reason {
    rb_reason_code id;
    const char *code; /* rb_reason_name(id): static */
    char message[216];
} rb_reason;

typedef struct rb_verdict {
    int nreasons;
    rb_reason reasons[RB_MAX_REASONS];
} rb_verdict;

typedef struct rb_resource {
    const char *id;
    const char *kind;  /* room, guide, equipment */
    const char *name;
} rb_resource;

/* A dated session with its live counters (updated as a batch is decided)
 * and what it inherits from its offering. */
typedef struct rb_session {
    const char *id;
    const char *offering_id;
    int64_t starts_at_ms;
    int64_t ends_at_ms;
    int pupil_capacity;
    int class_capacity;
    int pupils_booked;
    int classes_booked;
    /* the offering */
    const char *target_group;   /* dagtilbud, grundskole, ungdomsuddannelse */
    int grade_min;
    int grade_max;
    int duration_min;
    int64_t sales_open_ms;      /* 0: always open */
    int64_t sales_close_ms;     /* 0: until the notice period */
    int notice_days;
    int setup_min, cleanup_min; /* resources are held this long around it */
    const char *category;       /* NULL: none */
    rb_schedule schedule;
    const char *provider_id;
    const char *provider_municipality;
    const char *venue_id;       /* NULL: outreach, held at the school */
    const char *audience;       /* NULL: everyone; else "\x1fm:MUNICIPALITY\x1fs:SCHOOL\x1f"
                                 * tokens, as the store reads them from the offering */
    rb_place venue;
    const rb_resource *resources;
    size_t nresources;
    const char *round_id;       /* an open allocation round's session: booked only by
                                 * its draw (NULL: none) */
    bool cancelled;             /* by its provider: takes no bookings */
    bool moved;                 /* by its provider, off the offering's schedule */
} rb_session;

typedef struct rb_school {
    const char *id;
    const char *name;
    const char *municipality;
    rb_place place;
} rb_school;

typedef struct rb_class {
    const char *id;
    const char *school_id;
    int grade;
    int size;
    const char *target_group;
    const rb_school *school;    /* NULL only in tests that do not need it */
    int earliest_departure_min; /* the school day for this grade, minutes */
    int latest_return_min;      /* after local midnight */
} rb_class;

/* The keys of the settings table, X(key, default, how rb_settings_set
 * stores v in s): one list for the defaults, the store's reading of the
 * table, and tests/unit/test_contracts.c, which fails when
 * docs/scheduling.md's table of settings says otherwise. */
#define RB_SETTINGS(X)                                       \
    X(bus_notice_days, 12, s->bus.notice_days = (int)v)      \
    X(bus_min_km, 6, s->bus.min_km = v)                      \
    X(bus_min_grade, 6, s->bus.min_grade = (int)v)           \
    X(bus_adults, 2, s->bus.adults = (int)v)                 \
    X(max_alternatives, 3, s->max_alternatives = (int)v)    \
    X(retention_days, 365, s->retention_days = (int)v)

/* Settings that shape the rules. */
typedef struct rb_settings {
    rb_bus_rules bus;
    int max_alternatives;
    int retention_days; /* personal data is erased this long after the session */
    rb_mode_params modes[RB_MODE_COUNT];
} rb_settings;

void rb_settings_defaults(rb_settings *s);
/* Sets key to v; -1 when key is not a setting. */
int rb_settings_set(rb_settings *s, const char *key, double v);

/* What a batch knows beyond the session and the class. */
typedef struct rb_facts {
    const rb_settings *settings;
    const rb_closure *closures;
    size_t nclosures;
    const rb_holds *class_holds;     /* booking trips, by class */
    const rb_holds *resource_holds;  /* by resource, owned by sessions */
    const rb_holds *bus_holds;       /* by bus, owned by bookings */
    const rb_bus *buses;
    size_t nbuses;
    const rb_quota *quotas;
    size_t nquotas;
    rb_quota_use *quota_uses;
    size_t nquota_uses;
} rb_facts;

/* One request to hold `pupils` places of `session` for `klass`. */
typedef struct rb_booking_request {
    const char *session_id;     /* as asked, for messages */
    const char *class_id;
    const rb_session *session;  /* NULL: no such session */
    const rb_class *klass;      /* NULL: no such class */
    int pupils;
    enum rb_mode mode;          /* how the class travels; RB_MODE_BUS asks for a bus */
    bool class_holds_session;   /* the class already has this session */
    const char *moving;         /* rescheduling this booking: its own holds do not count */
    bool bus_approved;          /* staff approved the bus though the distance is unknown */
    int table_minutes;          /* travel-time table entry, -1: none */
    int64_t now_ms;
    const rb_facts *facts;      /* NULL: only the session and class rules apply */
    rb_trip trip;               /* filled by rb_decide() or rb_request_plan() */
} rb_booking_request;

/* Plans the class's trip (req->trip) from the facts in req. */
void rb_request_plan(rb_booking_request *req);

typedef void (*rb_rule_fn)(const rb_booking_request *req, rb_verdict *v);

typedef struct rb_rule {
    const char *name;
    rb_rule_fn check;
} rb_rule;

/* The rules every booking passes, in the order their reasons are listed. */
extern const rb_rule rb_booking_rules[];
extern const size_t rb_booking_rules_count;

void rb_verdict_init(rb_verdict *v);
/* Adds a reason; a code already listed gets the new fact appended to its
 * message ("...; ..."), so each code appears once. */
void rb_verdict_add(rb_verdict *v, rb_reason_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool rb_verdict_ok(const rb_verdict *v);
bool rb_verdict_has(const rb_verdict *v, rb_reason_code code);

/* Plans the trip (req->trip, for the caller to use too) and runs every
 * rule; v lists each reason that applied (empty: confirm). */
void rb_decide(rb_booking_request *req, const rb_rule *rules, size_t nrules, rb_verdict *v);

/* True when every reason is about places (pupils or classes) running out:
 * the request may wait for a place. */
bool rb_verdict_only_capacity(const rb_verdict *v);
/* True when a reason asks for manual review and none rejects outright. */
bool rb_verdict_needs_review(const rb_verdict *v);

/* The rules, each in the module named for it. */
void rb_rule_eligibility(const rb_booking_request *req, rb_verdict *v);   /* eligibility.c */
void rb_rule_booking_window(const rb_booking_request *req, rb_verdict *v);
void rb_rule_audience(const rb_booking_request *req, rb_verdict *v);
void rb_rule_availability(const rb_booking_request *req, rb_verdict *v);  /* availability.c */
void rb_rule_closures(const rb_booking_request *req, rb_verdict *v);      /* closures.c */
void rb_rule_class_conflicts(const rb_booking_request *req, rb_verdict *v); /* conflicts.c */
void rb_rule_school_day(const rb_booking_request *req, rb_verdict *v);    /* travel.c */
void rb_rule_resources(const rb_booking_request *req, rb_verdict *v);     /* resources.c */
void rb_rule_outreach(const rb_booking_request *req, rb_verdict *v);
void rb_rule_buses(const rb_booking_request *req, rb_verdict *v);         /* buses.c */
void rb_rule_quotas(const rb_booking_request *req, rb_verdict *v);        /* quotas.c */

/* Buses chosen for an accepted request with mode RB_MODE_BUS. */
int rb_request_buses(const rb_booking_request *req, const rb_bus **chosen, int max);
/* The window a resource is held for the session (set-up and clean-up). */
void rb_session_hold_window(const rb_session *s, int64_t *from, int64_t *until);

/* Counter changes once a booking is confirmed or released. */
void rb_session_take(rb_session *s, int pupils);
void rb_session_release(rb_session *s, int pupils);

/* The facts of an existing booking for cancel and reschedule. */
typedef struct rb_booking_state {
    bool exists;
    bool cancelled;
    const rb_session *session;
    int64_t now_ms;
} rb_booking_state;

void rb_decide_cancel(const rb_booking_state *b, rb_verdict *v);

#endif
