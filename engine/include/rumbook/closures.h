/* Closed days: Danish public holidays (computed, no import needed) and
 * closures imported from iCalendar files for a scope (everyone, a
 * municipality, a school, a provider or a venue). No I/O. Dates are
 * yyyymmdd integers in Europe/Copenhagen; strings are borrowed. */
#ifndef RUMBOOK_CLOSURES_H
#define RUMBOOK_CLOSURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumbook/error.h"

enum rb_scope {
    RB_SCOPE_ALL,
    RB_SCOPE_MUNICIPALITY,
    RB_SCOPE_SCHOOL,
    RB_SCOPE_PROVIDER,
    RB_SCOPE_VENUE,
};

typedef struct rb_closure {
    enum rb_scope scope;
    const char *scope_id;   /* "" for RB_SCOPE_ALL */
    int first_day, last_day; /* inclusive */
    const char *summary;
} rb_closure;

/* The name of the Danish public holiday on date, or NULL. */
const char *rb_dk_holiday(int date);

const char *rb_scope_name(enum rb_scope scope);
bool rb_scope_from_name(const char *name, enum rb_scope *scope);
/* "all", "school:ID", "municipality:Aarhus", ...; *id points into s. */
int rb_scope_parse(const char *s, enum rb_scope *scope, const char **id, rb_error *err)
    RB_MUSTCHECK;

/* Whom a booking concerns: a closure for any of these closes the day. */
typedef struct rb_parties {
    const char *school_id, *school_municipality;
    const char *provider_id, *provider_municipality;
    const char *venue_id;    /* NULL for outreach */
} rb_parties;

/* The first closure (public holidays included) touching a day in
 * [first_day, last_day] for the parties; *day is set to that day. */
const rb_closure *rb_closure_find(const rb_closure *list, size_t n, const rb_parties *who,
                                  int first_day, int last_day, int *day, const char **holiday);

/* Reads the VEVENTs of an iCalendar file as closed day ranges; recurring
 * ones (RRULE) are expanded up to until_day. emit returns 0 to go on. */
typedef struct rb_ics_closure {
    const char *uid;
    const char *summary;
    int first_day, last_day;
} rb_ics_closure;

int rb_closures_from_ics(const char *text, int until_day,
                         int (*emit)(void *ctx, const rb_ics_closure *c), void *ctx,
                         rb_error *err) RB_MUSTCHECK;

#endif
