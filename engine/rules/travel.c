/* Distances, travel estimates and class trips. */
#include <math.h>
#include <string.h>

#include "rumbook/decision.h"
#include "rumbook/localtime.h"
#include "rumbook/travel.h"

#define EARTH_KM 6371.0088
#define MS_PER_MIN 60000LL

/* Defaults for Danish conditions; the travel_modes table overrides them. */
const rb_mode_params rb_mode_defaults[RB_MODE_COUNT] = {
    [RB_MODE_WALK] = {1.3, 4.0, 5},
    [RB_MODE_BIKE] = {1.3, 13.0, 10},
    [RB_MODE_PUBLIC_TRANSPORT] = {1.4, 25.0, 15},
    [RB_MODE_BUS] = {1.3, 50.0, 10},
    [RB_MODE_CAR] = {1.3, 60.0, 10},
};

static const char *const mode_names[RB_MODE_COUNT] = {
    "walk", "bike", "public_transport", "bus", "car",
};

const char *rb_mode_name(enum rb_mode mode)
{
    return mode < RB_MODE_COUNT ? mode_names[mode] : "unknown";
}

bool rb_mode_parse(const char *name, enum rb_mode *mode)
{
    int i;

    for (i = 0; i < RB_MODE_COUNT; i++)
        if (name && strcmp(name, mode_names[i]) == 0) {
            *mode = (enum rb_mode)i;
            return true;
        }
    return false;
}

double rb_distance_km(const rb_place *a, const rb_place *b)
{
    double rad = M_PI / 180.0, dlat, dlon, h;

    if (!a->has_geo || !b->has_geo)
        return -1;
    dlat = (b->lat - a->lat) * rad;
    dlon = (b->lon - a->lon) * rad;
    h = sin(dlat / 2) * sin(dlat / 2) +
        cos(a->lat * rad) * cos(b->lat * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * EARTH_KM * asin(fmin(1.0, sqrt(h)));
}

int rb_travel_estimate(const rb_mode_params *p, double km)
{
    double minutes = km * p->road_factor / p->speed_kmh * 60.0;

    return p->overhead_min + (int)ceil(minutes - 1e-9);
}

void rb_trip_plan(int64_t starts_ms, int64_t ends_ms, bool outreach, enum rb_mode mode,
                  const rb_place *school, const rb_place *venue, int table_minutes,
                  const rb_mode_params *params, rb_trip *out)
{
    memset(out, 0, sizeof(*out));
    out->mode = mode;
    out->depart_ms = starts_ms;
    out->return_ms = ends_ms;
    out->distance_km = outreach ? 0 : rb_distance_km(school, venue);
    if (outreach) {
        out->known = true;
        return;
    }
    if (table_minutes >= 0) {
        out->minutes = table_minutes;
    } else if (out->distance_km >= 0) {
        out->minutes = rb_travel_estimate(&params[mode], out->distance_km);
        out->estimated = true;
    } else {
        return;
    }
    out->known = true;
    out->depart_ms = starts_ms - out->minutes * MS_PER_MIN;
    out->return_ms = ends_ms + out->minutes * MS_PER_MIN;
}

void rb_rule_school_day(const rb_booking_request *req, rb_verdict *v)
{
    const rb_class *c = req->klass;
    const rb_trip *t = &req->trip;
    char at[8];
    int leave, back;

    if (!req->session || !c)
        return;
    if (!t->known) {
        rb_verdict_add(v, RB_REASON_TRAVEL_UNKNOWN,
                       "no travel time from school \"%s\" to the venue by "
                       "%s, and no coordinates to estimate one",
                       c->school_id, rb_mode_name(t->mode));
        return;
    }
    if (c->latest_return_min <= c->earliest_departure_min)
        return; /* no school day known */
    leave = rb_local_minute_of_day(t->depart_ms);
    back = rb_local_minute_of_day(t->return_ms);
    if (rb_local_date(t->depart_ms) != rb_local_date(t->return_ms))
        back = 24 * 60;
    if (leave < c->earliest_departure_min) {
        rb_local_format_hm(t->depart_ms, at);
        rb_verdict_add(v, RB_REASON_OUTSIDE_SCHOOL_DAY,
                       "the class would leave at %s (%d min by %s), "
                       "before the earliest departure %02d:%02d",
                       at, t->minutes, rb_mode_name(t->mode), c->earliest_departure_min / 60,
                       c->earliest_departure_min % 60);
    }
    if (back > c->latest_return_min) {
        rb_local_format_hm(t->return_ms, at);
        rb_verdict_add(v, RB_REASON_OUTSIDE_SCHOOL_DAY,
                       "the class would be back at %s (%d min by %s), "
                       "after the latest return %02d:%02d",
                       at, t->minutes, rb_mode_name(t->mode), c->latest_return_min / 60,
                       c->latest_return_min % 60);
    }
}
