/* UUIDs as canonical lowercase text (36 characters plus NUL). */
#ifndef RUMBOOK_UUID_H
#define RUMBOOK_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define RB_UUID_LEN 37

/* Writes a random (version 4) UUID into out. Returns 0 or RB_EIO. */
int rb_uuid_new(char out[RB_UUID_LEN]);

/* Writes 16 bytes as a UUID, their version bits as they are. */
void rb_uuid_format(const uint8_t b[16], char out[RB_UUID_LEN]);

/* True when s is a UUID in 8-4-4-4-12 hex form (either case). */
bool rb_uuid_valid(const char *s);

#endif
