/* Every reason code a decision can carry: one list, used by the rules, by
 * the batch (which rejections are worth looking for alternatives to) and by
 * tests/unit/test_contracts.c, which fails when docs/integration.md lists
 * other codes than these. Codes are a public contract: add, never rename.
 *
 * X(name, code, alternatives): alternatives is true when another session of
 * the same offering could avoid the reason, so a rejection for it comes
 * with the nearest sessions that would have fitted. */
#ifndef RUMBOOK_REASONS_H
#define RUMBOOK_REASONS_H

#include <stdbool.h>

#define RB_REASONS(X)                                              \
    /* the command itself */                                       \
    X(MISSING_FIELD, missing_field, false)                         \
    X(INVALID_FIELD, invalid_field, false)                         \
    X(MISSING_ACTION, missing_action, false)                       \
    /* who asks */                                                 \
    X(NOT_AUTHORIZED, not_authorized, false)                       \
    /* what it names */                                            \
    X(UNKNOWN_SESSION, unknown_session, false)                     \
    X(UNKNOWN_CLASS, unknown_class, false)                         \
    X(UNKNOWN_BOOKING, unknown_booking, false)                     \
    X(SESSION_STARTED, session_started, true)                      \
    X(SESSION_CANCELLED, session_cancelled, true)                  \
    X(INVALID_PUPILS, invalid_pupils, false)                       \
    X(PUPILS_EXCEED_CLASS, pupils_exceed_class, false)             \
    /* the offering */                                             \
    X(TARGET_GROUP_NOT_ELIGIBLE, target_group_not_eligible, false) \
    X(GRADE_NOT_ELIGIBLE, grade_not_eligible, false)               \
    X(NOT_IN_AUDIENCE, not_in_audience, false)                     \
    X(SALES_NOT_OPEN, sales_not_open, true)                        \
    X(SALES_CLOSED, sales_closed, true)                            \
    X(NOTICE_TOO_SHORT, notice_too_short, true)                    \
    X(NOT_AN_OCCURRENCE, not_an_occurrence, true)                  \
    X(SCHEDULE_INVALID, schedule_invalid, true)                    \
    X(CLOSED, closed, true)                                        \
    /* the class's day */                                          \
    X(CLASS_CONFLICT, class_conflict, true)                        \
    X(TRAVEL_UNKNOWN, travel_unknown, true)                        \
    X(OUTSIDE_SCHOOL_DAY, outside_school_day, true)                \
    /* resources and buses */                                      \
    X(RESOURCE_BUSY, resource_busy, true)                          \
    X(GUIDE_CANNOT_REACH, guide_cannot_reach, true)                \
    X(BUS_NOT_NEEDED, bus_not_needed, false)                       \
    X(BUS_NOT_ELIGIBLE, bus_not_eligible, false)                   \
    X(BUS_NEEDS_REVIEW, bus_needs_review, true)                    \
    X(BUS_NOTICE_TOO_SHORT, bus_notice_too_short, true)            \
    X(NO_BUS, no_bus, true)                                        \
    X(BUS_REFUSED, bus_refused, false)                             \
    /* fairness, waiting, capacity */                              \
    X(QUOTA_REACHED, quota_reached, true)                          \
    X(ALREADY_WAITLISTED, already_waitlisted, true)                \
    X(WAITLIST_EXPIRED, waitlist_expired, true)                    \
    X(CLASS_ALREADY_BOOKED, class_already_booked, true)            \
    X(NO_PUPIL_PLACES, no_pupil_places, true)                      \
    X(NO_CLASS_PLACES, no_class_places, true)                      \
    /* cancel and reschedule */                                    \
    X(ALREADY_CANCELLED, already_cancelled, false)                 \
    X(DIFFERENT_OFFERING, different_offering, false)               \
    /* withdraw */                                                 \
    X(NOT_WAITING, not_waiting, false)                             \
    X(WITHDRAWN, withdrawn, false)                                 \
    X(NOT_IN_REVIEW, not_in_review, false)                         \
    /* allocation rounds */                                        \
    X(ALLOCATION_PENDING, allocation_pending, true)                \
    X(UNKNOWN_ROUND, unknown_round, false)                         \
    X(ROUND_NOT_OPEN, round_not_open, false)                       \
    X(ROUND_CLOSED, round_closed, false)                           \
    X(NOT_IN_ROUND, not_in_round, false)                           \
    X(TOO_MANY_WISHES, too_many_wishes, false)                     \
    X(WISH_REPLACED, wish_replaced, false)                         \
    X(ROUND_ALLOCATED, round_allocated, false)                     \
    /* catalogue commands */                                       \
    X(STALE_VERSION, stale_version, false)                         \
    X(UNKNOWN_ENTITY, unknown_entity, false)                       \
    X(CAPACITY_BELOW_BOOKED, capacity_below_booked, false)         \
    X(IN_USE, in_use, false)                                       \
    X(SESSION_BOOKED, session_booked, false)                       \
    /* the engine */                                               \
    X(INTERNAL_ERROR, internal_error, false)

typedef enum rb_reason_code {
#define RB_REASON_ENUM(name, code, alternatives) RB_REASON_##name,
    RB_REASONS(RB_REASON_ENUM)
#undef RB_REASON_ENUM
        RB_REASON_COUNT
} rb_reason_code;

/* The code as it appears on the wire ("no_pupil_places"). */
const char *rb_reason_name(rb_reason_code code);
/* Whether another session of the same offering could avoid the reason. */
bool rb_reason_wants_alternatives(rb_reason_code code);

#endif
