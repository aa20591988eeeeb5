/* The draw's order: keys from the seed, fairness between schools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rumbook/allocation.h"

void rb_seed_hash(const unsigned char seed[RB_SEED_LEN], char out[RB_DRAW_KEY_LEN])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, seed, RB_SEED_LEN);
    sodium_bin2hex(out, RB_DRAW_KEY_LEN, h, sizeof(h));
}

/* hex SHA-256 of seed || text */
static void keyed(const unsigned char *seed, const char *text, char out[RB_DRAW_KEY_LEN])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, seed, RB_SEED_LEN);
    crypto_hash_sha256_update(&st, (const unsigned char *)text, strlen(text));
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, RB_DRAW_KEY_LEN, h, sizeof(h));
}

void rb_draw_keys(const unsigned char seed[RB_SEED_LEN], rb_draw_entry *e, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        keyed(seed, e[i].class_id, e[i].key);
        e[i].seed = seed;
    }
}

static int by_school_key(const void *a, const void *b)
{
    const rb_draw_entry *x = a, *y = b;
    int c = strcmp(x->school_id, y->school_id);

    return c ? c : strcmp(x->key, y->key);
}

static int by_turn(const void *a, const void *b)
{
    const rb_draw_entry *x = a, *y = b;
    int c;

    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    c = strcmp(x->turn_key, y->turn_key);
    return c ? c : strcmp(x->key, y->key);
}

void rb_draw_order(rb_draw_entry *e, size_t n)
{
    char text[512];
    size_t i;

    qsort(e, n, sizeof(*e), by_school_key);
    for (i = 0; i < n; i++) {
        e[i].rank = i > 0 && strcmp(e[i].school_id, e[i - 1].school_id) == 0 ? e[i - 1].rank + 1
                                                                             : 0;
        snprintf(text, sizeof(text), "%s/%d", e[i].school_id, e[i].rank);
        keyed(e[i].seed, text, e[i].turn_key);
    }
    qsort(e, n, sizeof(*e), by_turn);
}

static int by_arrival(const void *a, const void *b)
{
    const rb_draw_entry *x = a, *y = b;

    if (x->arrived_ms != y->arrived_ms)
        return x->arrived_ms < y->arrived_ms ? -1 : 1;
    return strcmp(x->class_id, y->class_id);
}

void rb_arrival_order(rb_draw_entry *e, size_t n)
{
    qsort(e, n, sizeof(*e), by_arrival);
}
