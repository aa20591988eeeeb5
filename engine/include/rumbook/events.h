/* The events a worker emits: BookingDecision and Invitation, encoded as
 * protobuf, and decoded to JSON for people (rumbookctl watch). No I/O.
 * Encoders return a malloc()ed buffer in *out that the caller free()s. */
#ifndef RUMBOOK_EVENTS_H
#define RUMBOOK_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "rumbook/buf.h"
#include "rumbook/calendar.h"
#include "rumbook/decision.h"
#include "rumbook/error.h"

#define RB_MSG_COMMAND "rumbook.v1.BookingCommand"
#define RB_MSG_DECISION "rumbook.v1.BookingDecision"
#define RB_MSG_INVITATION "rumbook.v1.Invitation"
#define RB_MSG_CATALOG_COMMAND "rumbook.v1.CatalogCommand"
#define RB_MSG_CATALOG_DECISION "rumbook.v1.CatalogDecision"
#define RB_SCHEMA_VERSION "1"

enum rb_status {
    RB_STATUS_CONFIRMED = 1,
    RB_STATUS_WAITLISTED = 2,
    RB_STATUS_REJECTED = 3,
    RB_STATUS_CANCELLED = 4,
    RB_STATUS_PENDING_REVIEW = 5,
    RB_STATUS_RECEIVED = 6,   /* a wish, kept for its round's draw */
};

const char *rb_status_name(enum rb_status status);

typedef struct rb_decision {
    const char *command_id;
    const char *booking_id;  /* NULL when no booking was touched */
    enum rb_status status;
    const rb_verdict *reasons;
    int64_t decided_at_ms;
    const char *session_id;
    const char *class_id;
    int pupils;
    int64_t starts_at_ms, ends_at_ms; /* 0 when unknown */
    int waitlist_position;            /* 0: not waitlisted */
    const rb_session *const *alternatives;
    int nalternatives;
    const char *travel_mode;          /* NULL: not said */
    int64_t departs_at_ms, returns_at_ms;
    const char *const *bus_ids;
    int nbus_ids;
    bool session_moved;               /* confirmed: moved with its session */
    int choice;                       /* a wish's placement: 1 = first choice; 0: none */
} rb_decision;

int rb_decision_encode(const rb_decision *d, uint8_t **out, size_t *len) RB_MUSTCHECK;

typedef struct rb_catalog_decision {
    const char *command_id;
    bool applied;
    const rb_verdict *reasons;        /* refused: why */
    int64_t decided_at_ms;
    const char *kind, *entity_id;     /* NULL: not known */
    int version;                      /* applied: the entity's now */
    int moved, cancelled, waits, promoted;
} rb_catalog_decision;

int rb_catalog_decision_encode(const rb_catalog_decision *d, uint8_t **out, size_t *len)
    RB_MUSTCHECK;

typedef struct rb_invitation_event {
    const char *booking_id;
    const char *command_id;
    enum rb_itip_method method;
    const char *recipient;  /* e-mail address */
    const char *organizer;
    const char *uid;
    int sequence;
    const char *icalendar;
    const char *language;   /* "da" or "en"; NULL: "da" */
} rb_invitation_event;

int rb_invitation_encode(const rb_invitation_event *e, uint8_t **out, size_t *len) RB_MUSTCHECK;

/* Appends the message as one JSON object; RB_EDECODE when it does not decode. */
int rb_decision_to_json(const void *payload, size_t len, rb_buf *out) RB_MUSTCHECK;
int rb_invitation_to_json(const void *payload, size_t len, rb_buf *out) RB_MUSTCHECK;
int rb_catalog_decision_to_json(const void *payload, size_t len, rb_buf *out) RB_MUSTCHECK;

#endif
