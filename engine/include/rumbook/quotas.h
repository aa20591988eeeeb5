/* Quotas: how many bookings (or bus trips) a school or a class may have in
 * a term or a school year, for one offering, one category or everything.
 * No I/O; strings are borrowed. */
#ifndef RUMBOOK_QUOTAS_H
#define RUMBOOK_QUOTAS_H

#include <stdbool.h>
#include <stddef.h>

enum rb_period {
    RB_PERIOD_TERM,         /* 1 August - 31 December, 1 January - 31 July */
    RB_PERIOD_SCHOOL_YEAR,  /* 1 August - 31 July */
};

/* The first day (yyyymmdd) of the period holding date. */
int rb_period_start(enum rb_period period, int date);
bool rb_period_parse(const char *name, enum rb_period *period);
const char *rb_period_name(enum rb_period period);

typedef struct rb_quota {
    const char *id;
    bool per_class;          /* else per school */
    const char *scope_id;    /* the class or school */
    enum rb_period period;
    const char *offering_id; /* NULL: any offering */
    const char *category;    /* NULL: any category */
    bool bus_trips;          /* counts bus trips, else bookings */
    int max;
} rb_quota;

/* Bookings counted against a quota in one period. */
typedef struct rb_quota_use {
    const char *quota_id;
    int period_start;
    int used;
} rb_quota_use;

typedef struct rb_quota_subject {
    const char *class_id, *school_id, *offering_id, *category;
    bool bus;
} rb_quota_subject;

bool rb_quota_applies(const rb_quota *q, const rb_quota_subject *s);

/* The use of q in the period starting period_start (NULL: none yet). */
rb_quota_use *rb_quota_use_find(rb_quota_use *uses, size_t n, const char *quota_id,
                                int period_start);

#endif
