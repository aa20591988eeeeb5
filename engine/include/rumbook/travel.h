/* Travel: how long a class (or a guide, or a bus) takes between two
 * places. Minutes come from the imported travel-time table when it has the
 * pair; otherwise they are estimated from the coordinates: straight-line
 * distance times a road factor, at a speed, plus a fixed overhead per mode
 * (docs/scheduling.md). No I/O. */
#ifndef RUMBOOK_TRAVEL_H
#define RUMBOOK_TRAVEL_H

#include <stdbool.h>
#include <stdint.h>

enum rb_mode {
    RB_MODE_WALK,
    RB_MODE_BIKE,
    RB_MODE_PUBLIC_TRANSPORT,
    RB_MODE_BUS,
    RB_MODE_CAR,   /* a guide driving out to schools */
    RB_MODE_COUNT,
};

typedef struct rb_mode_params {
    double road_factor;  /* road distance / straight-line distance */
    double speed_kmh;
    int overhead_min;    /* getting ready, waiting, walking to the stop */
} rb_mode_params;

extern const rb_mode_params rb_mode_defaults[RB_MODE_COUNT];

const char *rb_mode_name(enum rb_mode mode);
bool rb_mode_parse(const char *name, enum rb_mode *mode);

typedef struct rb_place {
    bool has_geo;
    double lat, lon;
} rb_place;

/* Great-circle distance in km; negative when either place has no coordinates. */
double rb_distance_km(const rb_place *a, const rb_place *b);

/* Minutes by mode for a straight-line distance, rounded up. */
int rb_travel_estimate(const rb_mode_params *p, double km);

/* A class's trip to a session and back. */
typedef struct rb_trip {
    bool known;          /* false: no table entry and no coordinates */
    bool estimated;      /* minutes from coordinates, not the table */
    enum rb_mode mode;
    int minutes;         /* one way */
    double distance_km;  /* straight line; negative when unknown */
    int64_t depart_ms;   /* leaves school */
    int64_t return_ms;   /* back at school */
} rb_trip;

/* table_minutes < 0: the table has no entry for the pair. An outreach
 * session (at the school) has no trip: depart and return frame it. */
void rb_trip_plan(int64_t starts_ms, int64_t ends_ms, bool outreach, enum rb_mode mode,
                  const rb_place *school, const rb_place *venue, int table_minutes,
                  const rb_mode_params *params, rb_trip *out);

#endif
