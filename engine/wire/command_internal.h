/* Shared by the decoders of booking commands (command.c) and catalogue
 * commands (catalog_command.c). */
#ifndef RUMBOOK_WIRE_COMMAND_INTERNAL_H
#define RUMBOOK_WIRE_COMMAND_INTERNAL_H

#include "rumbook/command.h"
#include "rumbook/v1/booking.pb-c.h"

#define MAX_ID_LEN 200

const char *rb__or_empty(const char *s);
/* Adds a problem to v unless id is a present, valid identifier. */
void rb__check_id(rb_verdict *v, const char *field, const char *id);
/* UUIDs compare as text downstream: the canonical lowercase form. */
void rb__lowercase(char *s);
/* The actor's role and ids into cmd, with a problem when they are bad. */
void rb__take_actor(rb_command *cmd, const Rumbook__V1__Actor *a);
/* What every command carries: its id (lowercased in place; without a UUID
 * the command is a dead letter: cmd is released and RB_EDECODE returned),
 * when it was issued, and who acts. */
int rb__take_envelope(rb_command *cmd, char *command_id, protobuf_c_boolean has_issued,
                      int64_t issued_ms, const Rumbook__V1__Actor *actor, rb_error *err);

#endif
