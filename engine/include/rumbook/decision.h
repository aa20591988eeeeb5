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

#define RB_MAX_REASONS 16

typedef struct rb_reason {
    char code[40];
    char message[216];
} rb_reason;

typedef struct rb_verdict {
    int nreasons;
    rb_reason reasons[RB_MAX_REASONS];
} rb_verdict;

/* A dated session with its live counters (updated as a batch is decided). */
typedef struct rb_session {
    const char *id;
    const char *offering_id;
    int64_t starts_at_ms;
    int64_t ends_at_ms;
    int pupil_capacity;
    int class_capacity;
    int pupils_booked;
    int classes_booked;
    int grade_min;
    int grade_max;
} rb_session;

typedef struct rb_class {
    const char *id;
    const char *school_id;
    int grade;
    int size;
} rb_class;

/* One request to hold `pupils` places of `session` for `klass`. */
typedef struct rb_booking_request {
    const char *session_id;     /* as asked, for messages */
    const char *class_id;
    const rb_session *session;  /* NULL: no such session */
    const rb_class *klass;      /* NULL: no such class */
    int pupils;
    bool class_holds_session;   /* the class already has this session */
    int64_t now_ms;
} rb_booking_request;

typedef void (*rb_rule_fn)(const rb_booking_request *req, rb_verdict *v);

typedef struct rb_rule {
    const char *name;
    rb_rule_fn check;
} rb_rule;

/* The rules every booking passes, in the order their reasons are listed. */
extern const rb_rule rb_booking_rules[];
extern const size_t rb_booking_rules_count;

void rb_verdict_init(rb_verdict *v);
void rb_verdict_add(rb_verdict *v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool rb_verdict_ok(const rb_verdict *v);
bool rb_verdict_has(const rb_verdict *v, const char *code);

/* Runs every rule; v lists each reason that applied (empty: confirm). */
void rb_decide(const rb_booking_request *req, const rb_rule *rules, size_t nrules,
               rb_verdict *v);

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
