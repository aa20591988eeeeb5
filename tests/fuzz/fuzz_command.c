/* libFuzzer target: any bytes through the command decoder and validator.
 * A decoded command must either be a dead letter or carry a UUID id and a
 * consistent kind; nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "rumbook/command.h"
#include "rumbook/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rb_command cmd;
    rb_error err;

    if (rb_command_decode(&cmd, data, size, &err) < 0)
        return 0;
    if (!rb_uuid_valid(cmd.command_id))
        abort();
    if ((cmd.kind == RB_CMD_INVALID) == rb_verdict_ok(&cmd.problems))
        abort();
    if (cmd.kind == RB_CMD_BOOK && (cmd.pupils < 1 || !rb_text_valid(cmd.note)))
        abort();
    rb_command_fini(&cmd);
    return 0;
}
