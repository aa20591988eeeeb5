/* Holds: who (a class, a resource, a bus) is busy when, for whom (a
 * booking or a session), and where. A batch reads the holds overlapping
 * its days, adds and removes them as it decides, and the rules ask for
 * overlaps. No I/O. rb_holds_init()/rb_holds_fini() pair; the key, owner
 * and what strings are borrowed and must outlive the list. */
#ifndef RUMBOOK_HOLDS_H
#define RUMBOOK_HOLDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumbook/travel.h"

typedef struct rb_hold {
    const char *key;     /* class, resource or bus id */
    const char *owner;   /* booking id (classes, buses) or session id (resources) */
    int64_t from_ms, until_ms; /* [from, until) */
    rb_place place;      /* where it is (outreach guides) */
} rb_hold;

typedef struct rb_holds {
    rb_hold *v;
    size_t n, cap;
    bool failed;         /* an add ran out of memory */
} rb_holds;

void rb_holds_init(rb_holds *h);
void rb_holds_fini(rb_holds *h);

/* Keeps the list ordered by key, then start. */
void rb_holds_add(rb_holds *h, const rb_hold *x);
/* Drops every hold of owner on key; key NULL: on any key. */
void rb_holds_remove(rb_holds *h, const char *key, const char *owner);

/* The first hold of key overlapping [from, until) whose owner is not
 * ignore (NULL: none ignored), or NULL. */
const rb_hold *rb_holds_overlap(const rb_holds *h, const char *key, int64_t from, int64_t until,
                                const char *ignore);

/* The holds of key as a contiguous run: *n of them from the result. */
const rb_hold *rb_holds_of(const rb_holds *h, const char *key, size_t *n);

#endif
