/* An allocation round's draw order (docs/allocation.md). Pure; strings
 * borrowed. Keys are hex SHA-256 digests of the round's 32-byte seed
 * followed by text:
 *
 *  - a class's key, of seed || class id, orders the classes of one school
 *    (its rank: 0 for the lowest key);
 *  - the order goes in turns: every school's rank-0 class, then every
 *    school's rank-1 class, ...; within turn r the schools are ordered by
 *    the key of seed || school id || "/" || r (r in decimal).
 *
 * So a school with one class and a school with ten are equally likely to
 * go first, whatever their sizes; and the seed's own SHA-256, published
 * when the round opens, lets anyone check the seed revealed with the
 * result and recompute the order. */
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
    char key[RB_DRAW_KEY_LEN]; /* the class's, filled by rb_draw_keys */
    char turn_key[RB_DRAW_KEY_LEN]; /* its school's in its turn, by rb_draw_order */
    int rank;                 /* the class's place among its school's, 0 first */
    const unsigned char *seed; /* set by rb_draw_keys */
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
