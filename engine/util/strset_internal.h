/* A set of strings (open addressing), for per-batch lookups. The set
 * copies nothing: members must outlive it. */
#ifndef RUMBOOK_STRSET_INTERNAL_H
#define RUMBOOK_STRSET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rb__strset {
    const char **slots;
    size_t cap; /* power of two */
    size_t n;
} rb__strset;

/* Sized for up to `expected` members. Returns 0 or RB_ENOMEM. */
int rb__strset_init(rb__strset *s, size_t expected);
void rb__strset_fini(rb__strset *s);
bool rb__strset_has(const rb__strset *s, const char *key);
/* Adds key; returns false when it was already there. */
bool rb__strset_add(rb__strset *s, const char *key);
void rb__strset_remove(rb__strset *s, const char *key);
/* FNV-1a of s, the set's hash; prepared.c keys statements by it too. */
uint64_t rb__str_hash(const char *s);

#endif
