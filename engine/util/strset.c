/* String set with linear probing; removal leaves a tombstone. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/error.h"
#include "util/strset_internal.h"

static const char tombstone[] = "";

uint64_t rb__str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int rb__strset_init(rb__strset *s, size_t expected)
{
    s->cap = 16;
    while (s->cap < expected * 2 + 1)
        s->cap *= 2;
    s->n = 0;
    s->slots = calloc(s->cap, sizeof(*s->slots));
    return s->slots ? 0 : RB_ENOMEM;
}

void rb__strset_fini(rb__strset *s)
{
    free(s->slots);
    s->slots = NULL;
}

/* Slot holding key, or the empty slot where it would go. */
static size_t probe(const rb__strset *s, const char *key, bool *found)
{
    size_t i = rb__str_hash(key) & (s->cap - 1), free_slot = SIZE_MAX;

    for (;; i = (i + 1) & (s->cap - 1)) {
        const char *v = s->slots[i];
        if (!v) {
            *found = false;
            return free_slot != SIZE_MAX ? free_slot : i;
        }
        if (v == tombstone) {
            if (free_slot == SIZE_MAX)
                free_slot = i;
        } else if (strcmp(v, key) == 0) {
            *found = true;
            return i;
        }
    }
}

bool rb__strset_has(const rb__strset *s, const char *key)
{
    bool found;

    probe(s, key, &found);
    return found;
}

bool rb__strset_add(rb__strset *s, const char *key)
{
    bool found;
    size_t i = probe(s, key, &found);

    if (found)
        return false;
    /* Sized at init for the batch; never more than half full. */
    s->slots[i] = key;
    s->n++;
    return true;
}

void rb__strset_remove(rb__strset *s, const char *key)
{
    bool found;
    size_t i = probe(s, key, &found);

    if (found) {
        s->slots[i] = tombstone;
        s->n--;
    }
}
