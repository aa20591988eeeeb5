/* Random UUIDs and their validation. */
#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "rumbook/error.h"
#include "rumbook/uuid.h"

/* 16 random bytes from a per-thread pool: a getrandom() call per UUID was
 * a few per cent of a worker's time (two UUIDs a command). Bytes are
 * cleared once handed out; a process that forked without exec would
 * share the rest (rumbook's never do). */
static int random16(uint8_t out[16])
{
    static _Thread_local uint8_t pool[4096];
    static _Thread_local size_t left;

    if (left < 16) {
        if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool))
            return RB_EIO;
        left = sizeof(pool);
    }
    memcpy(out, pool + sizeof(pool) - left, 16);
    memset(pool + sizeof(pool) - left, 0, 16); /* handed out once */
    left -= 16;
    return RB_OK;
}

void rb_uuid_format(const uint8_t b[16], char out[RB_UUID_LEN])
{
    snprintf(out, RB_UUID_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
}

int rb_uuid_new(char out[RB_UUID_LEN])
{
    uint8_t b[16];

    if (random16(b) < 0)
        return RB_EIO;
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    rb_uuid_format(b, out);
    return RB_OK;
}

bool rb_uuid_valid(const char *s)
{
    size_t i;

    if (!s || strlen(s) != 36)
        return false;
    for (i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}
