/* Bus eligibility and choosing buses for a trip. */
#include <stdlib.h>
#include <string.h>

#include "rumbook/buses.h"
#include "rumbook/decision.h"

#define MS_PER_MIN 60000LL

enum rb_bus_eligibility rb_bus_eligible(const rb_bus_rules *r, int grade, double distance_km)
{
    if (distance_km < 0)
        return RB_BUS_NEEDS_REVIEW;
    if (grade >= r->min_grade && distance_km <= r->min_km)
        return RB_BUS_TOO_CLOSE;
    return RB_BUS_ELIGIBLE;
}

void rb_bus_window(const rb_bus *bus, const rb_place *school, const rb_trip *trip,
                   const rb_mode_params *bus_mode, int64_t *from, int64_t *until)
{
    double km = rb_distance_km(&bus->depot, school);
    /* A depot without coordinates is taken to be at the school. */
    int leg = km < 0 ? 0 : rb_travel_estimate(bus_mode, km);

    *from = trip->depart_ms - leg * MS_PER_MIN;
    *until = trip->return_ms + leg * MS_PER_MIN;
}

static bool is_free(const rb_bus *bus, const rb_holds *holds, const rb_place *school,
                    const rb_trip *trip, const rb_mode_params *bus_mode, const char *ignore)
{
    int64_t from, until;

    rb_bus_window(bus, school, trip, bus_mode, &from, &until);
    return !rb_holds_overlap(holds, bus->id, from, until, ignore);
}

static int by_seats_desc(const void *a, const void *b)
{
    const rb_bus *x = *(const rb_bus *const *)a, *y = *(const rb_bus *const *)b;

    return (y->seats > x->seats) - (y->seats < x->seats);
}

static bool serves(const rb_bus *bus, const char *municipality)
{
    return !bus->municipality || !*bus->municipality ||
           (municipality && strcmp(bus->municipality, municipality) == 0);
}

int rb_buses_choose(const rb_bus *fleet, size_t n, const rb_holds *holds,
                    const char *municipality, const rb_place *school,
                    const rb_trip *trip, const rb_mode_params *bus_mode, int seats_needed,
                    const char *ignore, const rb_bus **chosen, int max)
{
    const rb_bus **free_buses = malloc((n + 1) * sizeof(*free_buses));
    size_t nfree = 0, i;
    int taken = 0, seats = 0;

    if (!free_buses)
        return 0;
    for (i = 0; i < n; i++)
        if (serves(&fleet[i], municipality) &&
            is_free(&fleet[i], holds, school, trip, bus_mode, ignore))
            free_buses[nfree++] = &fleet[i];
    qsort(free_buses, nfree, sizeof(*free_buses), by_seats_desc);
    /* The smallest single bus that fits leaves the big ones for big classes. */
    for (i = nfree; i-- > 0;)
        if (free_buses[i]->seats >= seats_needed && max >= 1) {
            chosen[0] = free_buses[i];
            free(free_buses);
            return 1;
        }
    for (i = 0; i < nfree && seats < seats_needed && taken < max; i++) {
        chosen[taken++] = free_buses[i];
        seats += free_buses[i]->seats;
    }
    free(free_buses);
    return seats >= seats_needed ? taken : 0;
}

#define MS_PER_DAY 86400000LL
#define MAX_BUSES 8

static int seats_needed(const rb_booking_request *req)
{
    return req->pupils + req->facts->settings->bus.adults;
}

int rb_request_buses(const rb_booking_request *req, const rb_bus **chosen, int max)
{
    const rb_facts *f = req->facts;

    return rb_buses_choose(f->buses, f->nbuses, f->bus_holds, req->klass->school->municipality,
                           &req->klass->school->place,
                           &req->trip, &f->settings->modes[RB_MODE_BUS], seats_needed(req),
                           req->moving, chosen, max);
}

void rb_rule_buses(const rb_booking_request *req, rb_verdict *v)
{
    const rb_bus *chosen[MAX_BUSES];
    const rb_bus_rules *r;

    if (req->mode != RB_MODE_BUS || !req->session || !req->klass || !req->facts)
        return;
    r = &req->facts->settings->bus;
    if (!req->session->venue_id) {
        rb_verdict_add(v, RB_REASON_BUS_NOT_NEEDED, "this offering comes to the school");
        return;
    }
    switch (rb_bus_eligible(r, req->klass->grade, req->trip.distance_km)) {
    case RB_BUS_TOO_CLOSE:
        rb_verdict_add(v, RB_REASON_BUS_NOT_ELIGIBLE,
                       "no bus for grade %d and up when the venue is %.1f "
                       "km or less away (it is %.1f km)",
                       r->min_grade, r->min_km, req->trip.distance_km);
        return;
    case RB_BUS_NEEDS_REVIEW:
        if (req->bus_approved)
            break; /* staff judged the distance: the fleet's rules still apply */
        rb_verdict_add(v, RB_REASON_BUS_NEEDS_REVIEW,
                       "the distance from school \"%s\" to the venue "
                       "cannot be computed; the bus order waits for manual review",
                       req->klass->school_id);
        return;
    case RB_BUS_ELIGIBLE:
        break;
    }
    if (req->session->starts_at_ms - req->now_ms < r->notice_days * MS_PER_DAY)
        rb_verdict_add(v, RB_REASON_BUS_NOTICE_TOO_SHORT, "a bus is ordered at least %d days ahead",
                       r->notice_days);
    if (req->trip.known && req->klass->school &&
        rb_request_buses(req, chosen, MAX_BUSES) == 0)
        rb_verdict_add(v, RB_REASON_NO_BUS, "no free buses with %d seats for this trip",
                       seats_needed(req));
}
