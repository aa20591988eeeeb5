/* A sorted array of holds: lookups by key are a binary search, and a
 * batch's few additions are cheap memmoves. */
#include <stdlib.h>
#include <string.h>

#include "rumbook/holds.h"

void rb_holds_init(rb_holds *h)
{
    memset(h, 0, sizeof(*h));
}

void rb_holds_fini(rb_holds *h)
{
    free(h->v);
    rb_holds_init(h);
}

static int order(const rb_hold *a, const char *key, int64_t from)
{
    int c = strcmp(a->key, key);

    if (c)
        return c;
    return (a->from_ms > from) - (a->from_ms < from);
}

/* Index of the first hold not ordered before (key, from). */
static size_t lower_bound(const rb_holds *h, const char *key, int64_t from)
{
    size_t lo = 0, hi = h->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (order(&h->v[mid], key, from) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void rb_holds_add(rb_holds *h, const rb_hold *x)
{
    size_t at;

    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        rb_hold *v = realloc(h->v, cap * sizeof(*v));
        if (!v) {
            h->failed = true;
            return;
        }
        h->v = v;
        h->cap = cap;
    }
    at = lower_bound(h, x->key, x->from_ms);
    memmove(&h->v[at + 1], &h->v[at], (h->n - at) * sizeof(*h->v));
    h->v[at] = *x;
    h->n++;
}

void rb_holds_remove(rb_holds *h, const char *key, const char *owner)
{
    size_t i, j = 0;

    for (i = 0; i < h->n; i++) {
        bool drop = strcmp(h->v[i].owner, owner) == 0 && (!key || strcmp(h->v[i].key, key) == 0);
        if (!drop)
            h->v[j++] = h->v[i];
    }
    h->n = j;
}

const rb_hold *rb_holds_of(const rb_holds *h, const char *key, size_t *n)
{
    size_t first = lower_bound(h, key, INT64_MIN), last = first;

    while (last < h->n && strcmp(h->v[last].key, key) == 0)
        last++;
    *n = last - first;
    return h->v ? &h->v[first] : NULL;
}

const rb_hold *rb_holds_overlap(const rb_holds *h, const char *key, int64_t from, int64_t until,
                                const char *ignore)
{
    size_t n, i;
    const rb_hold *run = rb_holds_of(h, key, &n);

    for (i = 0; i < n; i++) {
        if (run[i].from_ms >= until)
            break;
        if (run[i].until_ms > from && (!ignore || strcmp(run[i].owner, ignore) != 0))
            return &run[i];
    }
    return NULL;
}
