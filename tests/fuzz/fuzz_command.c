/* libFuzzer target: any bytes through the command decoders and validators
 * (booking and catalogue commands). A decoded command must either be a
 * dead letter or carry a UUID id and a consistent kind; nothing may
 * crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "rumbook/command.h"
#include "rumbook/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a valid catalogue command names is well-formed text. */
static void check_catalog(const uint8_t *data, size_t size)
{
    rb_command cmd;
    rb_error err;

    if (rb_catalog_command_decode(&cmd, data, size, &err) < 0)
        return;
    if (!rb_uuid_valid(cmd.command_id) || !cmd.catalog)
        abort();
    if ((cmd.kind == RB_CMD_INVALID) == rb_verdict_ok(&cmd.problems))
        abort();
    if (cmd.kind != RB_CMD_INVALID &&
        (!cmd.entity_kind || !rb_text_valid(cmd.entity_kind) || !rb_text_valid(cmd.message) ||
         (cmd.kind == RB_CMD_UPSERT && !rb_text_valid(cmd.entity_json)) ||
         (cmd.kind != RB_CMD_UPSERT && !rb_text_valid(cmd.entity_id)) ||
         (cmd.kind == RB_CMD_MOVE_SESSION && cmd.starts_at_ms <= 0) ||
         (cmd.kind == RB_CMD_RETIRE && cmd.version <= 0) || cmd.version < 0))
        abort();
    rb_command_fini(&cmd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rb_command cmd;
    rb_error err;

    check_catalog(data, size);
    if (rb_command_decode(&cmd, data, size, &err) < 0)
        return 0;
    if (!rb_uuid_valid(cmd.command_id))
        abort();
    if ((cmd.kind == RB_CMD_INVALID) == rb_verdict_ok(&cmd.problems))
        abort();
    if (cmd.kind == RB_CMD_BOOK && (cmd.pupils < 1 || !rb_text_valid(cmd.note)))
        abort();
    /* what a valid command names is well-formed, so the store may use it */
    if ((cmd.kind == RB_CMD_CANCEL || cmd.kind == RB_CMD_RESCHEDULE ||
         cmd.kind == RB_CMD_CHANGE) && !rb_uuid_valid(cmd.booking_id))
        abort();
    if ((cmd.kind == RB_CMD_WITHDRAW || cmd.kind == RB_CMD_APPROVE ||
         cmd.kind == RB_CMD_REFUSE) && !rb_uuid_valid(cmd.waiting_id))
        abort();
    if (cmd.kind == RB_CMD_CHANGE &&
        ((cmd.has_pupils && (cmd.pupils < 1 || cmd.pupils > 1000)) || !rb_text_valid(cmd.note) ||
         !(cmd.has_pupils || cmd.has_mode || cmd.has_note)))
        abort();
    if (cmd.kind == RB_CMD_WISH &&
        (cmd.nwish_sessions < 1 || cmd.nwish_sessions > 10 || cmd.wants < 1 ||
         cmd.wants > cmd.nwish_sessions || cmd.pupils < 1 || !rb_text_valid(cmd.note)))
        abort();
    if (cmd.kind != RB_CMD_INVALID &&
        (!rb_text_valid(cmd.actor.school_id) || !rb_text_valid(cmd.actor.provider_id) ||
         !rb_text_valid(cmd.actor.municipality)))
        abort();
    rb_command_fini(&cmd);
    return 0;
}
