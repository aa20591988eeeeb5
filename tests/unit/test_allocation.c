/* The draw's order: reproducible from the seed, each school's first class
 * before any school's second, and fair: a one-class school against a
 * ten-class school for one place wins about half the draws, not one in
 * eleven. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rumbook/allocation.h"

#define NCLASSES 11

static void entries(rb_draw_entry *e)
{
    static char ids[NCLASSES][8];
    int i;

    memset(e, 0, NCLASSES * sizeof(*e));
    for (i = 0; i < NCLASSES; i++) {
        snprintf(ids[i], sizeof(ids[i]), i < 10 ? "big-%d" : "small", i);
        e[i].class_id = ids[i];
        e[i].school_id = i < 10 ? "storskolen" : "lilleskolen";
        e[i].arrived_ms = 1000 - i; /* the small school's teacher clicks first */
    }
}

static void seed_of(unsigned char seed[RB_SEED_LEN], int n)
{
    int i;

    for (i = 0; i < RB_SEED_LEN; i++)
        seed[i] = (unsigned char)(n * 31 + i * 7);
}

static void test_reproducible(void)
{
    rb_draw_entry a[NCLASSES], b[NCLASSES];
    unsigned char seed[RB_SEED_LEN];
    char hash[RB_DRAW_KEY_LEN];
    int i;

    seed_of(seed, 1);
    entries(a);
    entries(b);
    rb_draw_keys(seed, a, NCLASSES);
    rb_draw_order(a, NCLASSES);
    rb_draw_keys(seed, b, NCLASSES);
    rb_draw_order(b, NCLASSES);
    for (i = 0; i < NCLASSES; i++)
        CHECK_STR(a[i].class_id, b[i].class_id);
    /* the first two are the schools' first classes; then the big school's */
    CHECK(a[0].rank == 0 && a[1].rank == 0 && a[2].rank == 1);
    CHECK(strcmp(a[0].school_id, a[1].school_id) != 0);
    CHECK(strcmp(a[0].turn_key, a[1].turn_key) < 0);
    /* a known vector: the SHA-256 of 32 zero bytes */
    memset(seed, 0, sizeof(seed));
    rb_seed_hash(seed, hash);
    CHECK(strcmp(hash, "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925") == 0);
}

static void test_fair_between_schools(void)
{
    rb_draw_entry e[NCLASSES];
    unsigned char seed[RB_SEED_LEN];
    int n, small = 0;

    for (n = 0; n < 200; n++) {
        seed_of(seed, n + 100);
        entries(e);
        rb_draw_keys(seed, e, NCLASSES);
        rb_draw_order(e, NCLASSES);
        small += strcmp(e[0].class_id, "small") == 0;
    }
    /* binomial(200, 1/2): 100 +- 7; one in eleven would be 18 */
    printf("the one-class school drew first in %d of 200 draws\n", small);
    CHECK(small >= 70 && small <= 130);
    entries(e);
    rb_arrival_order(e, NCLASSES);
    CHECK_STR(e[0].class_id, "small");
}

int main(void)
{
    test_reproducible();
    test_fair_between_schools();
    return check_done("test_allocation");
}
