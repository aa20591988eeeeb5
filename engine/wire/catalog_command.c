/* Decoding and validating CatalogCommand messages. The entity of an upsert
 * stays JSON: PostgreSQL validates it with the catalogue import's own
 * functions (migrations/003, 023), so the file and the stream cannot come
 * to disagree about what an entity is. */
#include <stdio.h>
#include <string.h>

#include "rumbook/uuid.h"
#include "wire/command_internal.h"

#define MAX_ENTITY_LEN 65536 /* an offering with a long description and schedule fits in 10 kB */
#define MAX_MESSAGE_LEN 200

static void check_message(rb_command *cmd, const char *text, const char *field)
{
    cmd->message = rb__or_empty(text);
    if (!rb_text_valid(cmd->message) || strlen(cmd->message) > MAX_MESSAGE_LEN)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "%s must be UTF-8 text of at most %d bytes", field, MAX_MESSAGE_LEN);
}

static void check_kind(rb_command *cmd, const char *kind, const char *field)
{
    cmd->entity_kind = rb__or_empty(kind);
    if (!*cmd->entity_kind)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD, "%s is required", field);
    else if (strlen(cmd->entity_kind) > 20 || !rb_text_valid(cmd->entity_kind))
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD, "%s is not an entity kind",
                       field);
}

static void take_version(rb_command *cmd, protobuf_c_boolean has, uint32_t v, const char *field)
{
    cmd->version = has && v <= 0x7fffffff ? (int)v : 0;
    if (has && v > 0x7fffffff)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD, "%s is out of range", field);
}

static void take_upsert(rb_command *cmd, const Rumbook__V1__UpsertEntity *u)
{
    cmd->kind = RB_CMD_UPSERT;
    check_kind(cmd, u->kind, "upsert.kind");
    cmd->entity_json = rb__or_empty(u->json);
    if (!*cmd->entity_json)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD, "upsert.json is required");
    else if (strlen(cmd->entity_json) > MAX_ENTITY_LEN || !rb_text_valid(cmd->entity_json))
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "upsert.json must be UTF-8 text of at most %d bytes", MAX_ENTITY_LEN);
    take_version(cmd, u->has_version, u->version, "upsert.version");
}

static void take_retire(rb_command *cmd, const Rumbook__V1__RetireEntity *r)
{
    cmd->kind = RB_CMD_RETIRE;
    check_kind(cmd, r->kind, "retire.kind");
    cmd->entity_id = r->id;
    rb__check_id(&cmd->problems, "retire.id", r->id);
    take_version(cmd, r->has_version, r->version, "retire.version");
    if (!cmd->version)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD, "retire.version is required");
}

/* What cancel_session and move_session (action) both carry. */
static void take_session(rb_command *cmd, enum rb_command_kind kind, const char *action,
                         char *session_id, protobuf_c_boolean has_version, uint32_t version,
                         const char *message)
{
    char field[40];

    cmd->kind = kind;
    cmd->entity_kind = "session";
    cmd->entity_id = cmd->session_id = session_id;
    snprintf(field, sizeof(field), "%s.session_id", action);
    rb__check_id(&cmd->problems, field, session_id);
    snprintf(field, sizeof(field), "%s.version", action);
    take_version(cmd, has_version, version, field);
    snprintf(field, sizeof(field), "%s.message", action);
    check_message(cmd, message, field);
}

static void take_move(rb_command *cmd, const Rumbook__V1__MoveSession *m)
{
    take_session(cmd, RB_CMD_MOVE_SESSION, "move_session", m->session_id, m->has_version,
                 m->version, m->message);
    cmd->starts_at_ms = m->has_starts_at_unix_ms ? m->starts_at_unix_ms : 0;
    cmd->ends_at_ms = m->has_ends_at_unix_ms ? m->ends_at_unix_ms : 0;
    /* after 2200 it is microseconds, not milliseconds (seconds are 1970: the past) */
    if (!m->has_starts_at_unix_ms)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD,
                       "move_session.starts_at_unix_ms is required");
    else if (cmd->starts_at_ms <= 0 || cmd->starts_at_ms > 7258118400000LL)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "move_session.starts_at_unix_ms is not a time in milliseconds");
    if (m->has_ends_at_unix_ms && cmd->ends_at_ms <= cmd->starts_at_ms)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "move_session.ends_at_unix_ms must be after starts_at_unix_ms");
}

int rb_catalog_command_decode(rb_command *cmd, const void *payload, size_t len, rb_error *err)
{
    Rumbook__V1__CatalogCommand *m;

    memset(cmd, 0, sizeof(*cmd));
    m = rumbook__v1__catalog_command__unpack(NULL, len, payload);
    if (!m)
        return rb_error_set(err, RB_EDECODE, "payload is not a rumbook.v1.CatalogCommand");
    cmd->msg = m;
    cmd->catalog = true;
    if (rb__take_envelope(cmd, m->command_id, m->has_issued_at_unix_ms, m->issued_at_unix_ms,
                          m->actor, err) < 0)
        return err->code;
    switch (m->action_case) {
    case RUMBOOK__V1__CATALOG_COMMAND__ACTION_UPSERT: take_upsert(cmd, m->upsert); break;
    case RUMBOOK__V1__CATALOG_COMMAND__ACTION_RETIRE: take_retire(cmd, m->retire); break;
    case RUMBOOK__V1__CATALOG_COMMAND__ACTION_CANCEL_SESSION:
        take_session(cmd, RB_CMD_CANCEL_SESSION, "cancel_session", m->cancel_session->session_id,
                     m->cancel_session->has_version, m->cancel_session->version,
                     m->cancel_session->message);
        break;
    case RUMBOOK__V1__CATALOG_COMMAND__ACTION_MOVE_SESSION: take_move(cmd, m->move_session); break;
    default:
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_ACTION,
                       "the command has none of upsert, retire, cancel_session, move_session");
    }
    if (!rb_verdict_ok(&cmd->problems))
        cmd->kind = RB_CMD_INVALID;
    return 0;
}
