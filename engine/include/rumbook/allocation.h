/* An allocation round's draw order (docs/allocation.md). Pure; strings
 * borrowed.
 *
 * Each class's key is the SHA-256 of the round's 32-byte seed followed by
 * the class id's bytes, in hex. Classes are drawn in key order, except
 * that every school's first class (its lowest key) comes before any
 * school's second, and so on: rank within the school first, then key. The
 * seed's own SHA-256 is published when the round opens and the seed with
 * the result, so anyone can recompute the order. */
#ifndef RUMBOOK_ALLOCATION_H
#define RUMBOOK_ALLOCATION_H

#include <stddef.h>
#include <stdint.h>

#define RB_SEED_LEN 32
#define RB_DRAW_KEY_LEN 65 /* hex SHA-256 and its NUL */

typedef struct rb_draw_entry {
    const char *class_id;
    const char *school_id;
    int64_t arrived_ms;       /* for first come, first served */
    char key[RB_DRAW_KEY_LEN]; /* filled by rb_draw_keys */
    int rank;                 /* the class's place among its school's, 0 first */
    void *data;               /* the caller's */
} rb_draw_entry;

/* Fills each entry's key from seed. */
void rb_draw_keys(const unsigned char seed[RB_SEED_LEN], rb_draw_entry *e, size_t n);
/* Sorts entries into the draw's order (keys filled). */
void rb_draw_order(rb_draw_entry *e, size_t n);
/* Sorts entries by arrival (then class id): first come, first served. */
void rb_arrival_order(rb_draw_entry *e, size_t n);
/* The SHA-256 of seed, in hex: what a round publishes before its draw. */
void rb_seed_hash(const unsigned char seed[RB_SEED_LEN], char out[RB_DRAW_KEY_LEN]);

#endif
