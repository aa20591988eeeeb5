/* Buses: a municipality's fleet lent for trips. A bus is busy from leaving
 * its depot to being back there; a class that does not fit one bus gets
 * two (or more). No I/O; strings are borrowed. */
#ifndef RUMBOOK_BUSES_H
#define RUMBOOK_BUSES_H

#include "rumbook/holds.h"
#include "rumbook/travel.h"

typedef struct rb_bus {
    const char *id;
    const char *name;
    int seats;
    const char *municipality; /* "" or NULL: serves every municipality */
    rb_place depot;
} rb_bus;

typedef struct rb_bus_rules {
    int notice_days;     /* a bus is ordered at least this many days ahead (12) */
    double min_km;       /* no bus for trips of min_km or less ... (6) */
    int min_grade;       /* ... for grades at or above this (6) */
    int adults;          /* seats for the teachers going along (2) */
} rb_bus_rules;

enum rb_bus_eligibility {
    RB_BUS_ELIGIBLE,
    RB_BUS_TOO_CLOSE,      /* walk, bike or take public transport */
    RB_BUS_NEEDS_REVIEW,   /* the distance cannot be computed */
};

enum rb_bus_eligibility rb_bus_eligible(const rb_bus_rules *r, int grade, double distance_km);

/* When a bus serving trip is busy; the pickup at school is trip->depart_ms. */
void rb_bus_window(const rb_bus *bus, const rb_place *school, const rb_trip *trip,
                   const rb_mode_params *bus_mode, int64_t *from, int64_t *until);

/* Picks free buses of the school's municipality with seats for
 * seats_needed: the smallest single bus that fits, else the largest ones
 * until the class fits. Holds owned by ignore (a booking being moved) do
 * not count. Returns how many were put in chosen (at most max), 0 when the
 * free buses are not enough. */
int rb_buses_choose(const rb_bus *fleet, size_t n, const rb_holds *holds,
                    const char *municipality, const rb_place *school,
                    const rb_trip *trip, const rb_mode_params *bus_mode, int seats_needed,
                    const char *ignore, const rb_bus **chosen, int max);

#endif
