/* Commands off the wire, booking and catalogue ones: decoding and
 * validation, no I/O.
 *
 * rb_command_decode() and rb_catalog_command_decode() fill a caller-owned
 * rb_command; release it with rb_command_fini(). The string pointers in it point into the decoded
 * message and live until then. */
#ifndef RUMBOOK_COMMAND_H
#define RUMBOOK_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "rumbook/authorization.h"
#include "rumbook/decision.h"
#include "rumbook/error.h"

enum rb_command_kind {
    RB_CMD_INVALID = 0, /* decoded, id readable, but not a valid command */
    RB_CMD_BOOK,
    RB_CMD_CANCEL,
    RB_CMD_RESCHEDULE,
    RB_CMD_CHANGE,
    RB_CMD_WITHDRAW,
    RB_CMD_APPROVE,
    RB_CMD_REFUSE,
    RB_CMD_WISH,
    RB_CMD_UPSERT,         /* catalogue commands */
    RB_CMD_RETIRE,
    RB_CMD_CANCEL_SESSION,
    RB_CMD_MOVE_SESSION,
};

typedef struct rb_command {
    void *msg; /* the decoded Rumbook__V1__BookingCommand */
    enum rb_command_kind kind;
    const char *command_id;
    const char *session_id;  /* book, reschedule */
    const char *class_id;    /* book, wish */
    const char *booking_id;  /* cancel, reschedule, change */
    const char *waiting_id;  /* withdraw, approve, refuse: the waiting command's id */
    const char *message;     /* refuse, cancel_session, move_session: why, "" when none */
    const char *note;        /* book: teacher's note, "" when none */
    const char *actor_email; /* "" when none */
    const char *actor_name;
    rb_actor actor;          /* role and ids; strings "" when absent */
    int pupils;
    enum rb_mode mode;       /* book, wish: how the class travels */
    bool wait_if_full;       /* book: waitlist when only places are missing; wish: wait
                              * for the first choice when placed nowhere */
    bool has_pupils, has_mode, has_note; /* change: what it changes */
    /* wish: the round, its sessions most wanted first, how many it may get */
    const char *round_id;
    const char *const *wish_sessions;
    int nwish_sessions;
    int wants;
    int64_t issued_at_ms;
    /* catalogue commands */
    bool catalog;            /* msg is a Rumbook__V1__CatalogCommand */
    const char *entity_kind; /* "provider" ... "quota"; "session" for cancel and move */
    const char *entity_id;   /* retire, cancel_session, move_session */
    const char *entity_json; /* upsert: the entity as in the catalogue file */
    int version;             /* the version named; 0: none */
    int64_t starts_at_ms, ends_at_ms; /* move_session; ends 0: the same length */
    rb_verdict problems; /* why kind is RB_CMD_INVALID */
} rb_command;

/* Decodes and validates one message.
 * Returns 0 with cmd->kind set (RB_CMD_INVALID plus cmd->problems when the
 * command has a readable id but breaks a rule), or RB_EDECODE with err
 * naming the cause when the bytes are not a command with a usable id. */
int rb_command_decode(rb_command *cmd, const void *payload, size_t len, rb_error *err)
    RB_MUSTCHECK;
/* The same for a CatalogCommand (cmd->catalog set). */
int rb_catalog_command_decode(rb_command *cmd, const void *payload, size_t len, rb_error *err)
    RB_MUSTCHECK;
void rb_command_fini(rb_command *cmd);

const char *rb_command_kind_name(enum rb_command_kind kind);

/* True when s is well-formed UTF-8 without NUL or other C0 controls but
 * tab and line breaks. */
bool rb_text_valid(const char *s);

#endif
