/* The scheduling rules one by one, on hand-made facts: travel and the
 * school day, class conflicts, resources, outreach guides, buses, quotas,
 * and a rejection that carries every reason. */
#include <stdlib.h>

#include "check.h"
#include "rumbook/decision.h"
#include "rumbook/localtime.h"

#define MIN 60000LL
#define DAY 86400000LL

static rb_settings settings;
static rb_holds class_holds, resource_holds, bus_holds;
static rb_facts facts;
static rb_school school = {"skovvang", "Skovvangskolen", "Aarhus", {true, 56.1700, 10.1900}};
static rb_class klass;
static rb_session session;
static int64_t now;

static int64_t local(int y, int mo, int d, int h, int mi)
{
    rb_local l = {y, mo, d, h, mi};

    return rb_local_to_ms(&l);
}

/* A class of 25 in grade 4; a 2-hour session at a venue 5.5 km away on
 * Tuesday 30 March 2027 (the first week of summer time) at 09:00. */
static void reset(void)
{
    rb_settings_defaults(&settings);
    rb_holds_fini(&class_holds);
    rb_holds_fini(&resource_holds);
    rb_holds_fini(&bus_holds);
    facts = (rb_facts){.settings = &settings, .class_holds = &class_holds,
                       .resource_holds = &resource_holds, .bus_holds = &bus_holds};
    klass = (rb_class){.id = "4a", .school_id = "skovvang", .grade = 4, .size = 25,
                       .target_group = "grundskole", .school = &school,
                       .earliest_departure_min = 8 * 60, .latest_return_min = 14 * 60};
    session = (rb_session){.id = "s1", .offering_id = "o1",
                           .starts_at_ms = local(2027, 3, 30, 9, 0),
                           .ends_at_ms = local(2027, 3, 30, 11, 0), .pupil_capacity = 50,
                           .class_capacity = 2, .target_group = "grundskole", .grade_min = 0,
                           .grade_max = 10, .duration_min = 120, .provider_id = "naturskolen",
                           .provider_municipality = "Aarhus", .venue_id = "v1",
                           .venue = {true, 56.1200, 10.1900}};
    now = local(2027, 3, 1, 12, 0);
}

static rb_booking_request request(int pupils, enum rb_mode mode)
{
    rb_booking_request r = {.session_id = session.id, .class_id = klass.id, .session = &session,
                            .klass = &klass, .pupils = pupils, .mode = mode,
                            .table_minutes = -1, .now_ms = now, .facts = &facts};
    return r;
}

static void decide(rb_booking_request *r, rb_verdict *v)
{
    rb_decide(r, rb_booking_rules, rb_booking_rules_count, v);
    if (getenv("RB_TEST_VERBOSE"))
        for (int i = 0; i < v->nreasons; i++)
            fprintf(stderr, "  %s: %s\n", v->reasons[i].code, v->reasons[i].message);
}

static void test_travel_estimate_and_table(void)
{
    rb_booking_request r;
    rb_verdict v;

    reset();
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    /* 5.56 km * 1.4 / 25 km/h = 18.7 -> 19 min + 15 overhead. */
    CHECK(r.trip.known && r.trip.estimated && r.trip.minutes == 34);
    CHECK(rb_local_minute_of_day(r.trip.depart_ms) == 8 * 60 + 26);
    CHECK(rb_local_minute_of_day(r.trip.return_ms) == 11 * 60 + 34);
    r.table_minutes = 70; /* the imported table wins, and now the class leaves too early */
    decide(&r, &v);
    CHECK(!r.trip.estimated && r.trip.minutes == 70);
    CHECK(rb_verdict_has(&v, RB_REASON_OUTSIDE_SCHOOL_DAY));
    CHECK(strstr(v.reasons[0].message, "07:50") != NULL);
}

static void test_school_day_by_wall_clock_across_dst(void)
{
    rb_booking_request r;
    rb_verdict v;

    reset();
    /* The same local times the Tuesday before the change: same answer. */
    session.starts_at_ms = local(2027, 3, 23, 12, 0);
    session.ends_at_ms = local(2027, 3, 23, 14, 0);
    r = request(25, RB_MODE_WALK);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_OUTSIDE_SCHOOL_DAY)); /* back after 14:00 */
    session.starts_at_ms = local(2027, 3, 30, 11, 0);
    session.ends_at_ms = local(2027, 3, 30, 13, 0);
    r = request(25, RB_MODE_BIKE);
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    school.place.has_geo = false;
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_TRAVEL_UNKNOWN));
    school.place.has_geo = true;
}

static void test_class_conflicts_include_travel(void)
{
    rb_hold other = {"4a", "b-other", 0, 0, {false, 0, 0}};
    rb_booking_request r;
    rb_verdict v;

    reset();
    /* Another booking: away 11:40-13:00 the same day; this trip returns at 11:34. */
    other.from_ms = local(2027, 3, 30, 11, 40);
    other.until_ms = local(2027, 3, 30, 13, 0);
    rb_holds_add(&class_holds, &other);
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    other.owner = "b-close";
    other.from_ms = local(2027, 3, 30, 11, 30);
    rb_holds_add(&class_holds, &other);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_CLASS_CONFLICT));
    r.moving = "b-close"; /* moving that very booking: no conflict with itself */
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
}

static void test_resources_with_buffers(void)
{
    rb_resource room = {"room-1", "room", "Skovstuen"};
    rb_hold held = {"room-1", "s-other", 0, 0, {false, 0, 0}};
    rb_booking_request r;
    rb_verdict v;

    reset();
    session.resources = &room;
    session.nresources = 1;
    session.cleanup_min = 30;
    /* The room is taken from 11:15: free for the session, not for its clean-up. */
    held.from_ms = local(2027, 3, 30, 11, 15);
    held.until_ms = local(2027, 3, 30, 12, 0);
    rb_holds_add(&resource_holds, &held);
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_RESOURCE_BUSY) && v.nreasons == 1);
    session.cleanup_min = 15;
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    /* A session that already has a class holds its room already. */
    session.cleanup_min = 30;
    session.classes_booked = 1;
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
}

/* A guide with three outreach bookings in a day: 08:30 at school A,
 * 10:30 at school B, 12:30 at school C; this one is asked in between. */
static void test_outreach_guide_day(void)
{
    rb_resource guide = {"guide-anna", "guide", "Anna"};
    rb_hold a = {"guide-anna", "sa", 0, 0, {true, 56.1500, 10.2000}};
    rb_hold bb = {"guide-anna", "sb", 0, 0, {true, 56.4600, 10.0400}}; /* ~35 km north */
    rb_hold c = {"guide-anna", "sc", 0, 0, {true, 56.1710, 10.1910}}; /* next door */
    rb_booking_request r;
    rb_verdict v;

    reset();
    session.venue_id = NULL; /* at the school */
    session.venue.has_geo = false;
    session.resources = &guide;
    session.nresources = 1;
    a.from_ms = local(2027, 3, 30, 8, 0);
    a.until_ms = local(2027, 3, 30, 9, 0);
    bb.from_ms = local(2027, 3, 30, 12, 0);
    bb.until_ms = local(2027, 3, 30, 13, 0);
    c.from_ms = local(2027, 3, 30, 13, 40);
    c.until_ms = local(2027, 3, 30, 14, 30);
    rb_holds_add(&resource_holds, &a);
    rb_holds_add(&resource_holds, &bb);
    rb_holds_add(&resource_holds, &c);
    /* 09:30-11:30 at Skovvang: 3 km from A (10 + 4 min), but 35 km to B by 12:00. */
    session.starts_at_ms = local(2027, 3, 30, 9, 30);
    session.ends_at_ms = local(2027, 3, 30, 11, 30);
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_GUIDE_CANNOT_REACH) && v.nreasons == 1);
    CHECK(strstr(v.reasons[0].message, "Anna") != NULL);
    /* 09:20-11:00 leaves 60 min for the 46-minute drive. */
    session.starts_at_ms = local(2027, 3, 30, 9, 20);
    session.ends_at_ms = local(2027, 3, 30, 11, 0);
    session.duration_min = 100;
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    CHECK(r.trip.depart_ms == session.starts_at_ms); /* the class does not travel */
    /* 09:05 is too soon after A ends at 09:00, 3 km away. */
    session.starts_at_ms = local(2027, 3, 30, 9, 5);
    session.ends_at_ms = local(2027, 3, 30, 10, 45);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_GUIDE_CANNOT_REACH));
}

static rb_bus fleet[3] = {
    {"bus-1", "ULF-bus 1", 47, "Aarhus", {true, 56.1600, 10.2000}},
    {"bus-2", "ULF-bus 2", 47, "Aarhus", {true, 56.1600, 10.2000}},
    {"bus-3", "Vejen skolebus", 47, "Vejen", {false, 0, 0}},
};

static void test_sixty_pupils_take_two_buses(void)
{
    rb_booking_request r;
    const rb_bus *chosen[4];
    rb_verdict v;
    rb_hold held = {"bus-2", "b-other", 0, 0, {false, 0, 0}};

    reset();
    facts.buses = fleet;
    facts.nbuses = 3;
    session.venue = (rb_place){true, 56.0500, 10.2500}; /* 14 km */
    session.pupil_capacity = 80;
    klass.size = 60;
    r = request(60, RB_MODE_BUS);
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    CHECK(rb_request_buses(&r, chosen, 4) == 2);
    CHECK(strcmp(chosen[0]->municipality, "Aarhus") == 0 &&
          strcmp(chosen[1]->municipality, "Aarhus") == 0);
    r = request(25, RB_MODE_BUS);
    rb_request_plan(&r);
    CHECK(rb_request_buses(&r, chosen, 4) == 1);
    /* One Aarhus bus busy over the trip: 60 pupils cannot go; Vejen's bus does not serve. */
    held.from_ms = session.starts_at_ms - 2 * 3600000;
    held.until_ms = session.ends_at_ms;
    rb_holds_add(&bus_holds, &held);
    r = request(60, RB_MODE_BUS);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_NO_BUS));
    r.moving = "b-other";
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
}

static void test_bus_eligibility_and_notice(void)
{
    rb_booking_request r;
    rb_verdict v;

    reset();
    facts.buses = fleet;
    facts.nbuses = 3;
    klass.grade = 6;
    session.venue = (rb_place){true, 56.1200, 10.1900}; /* 5.6 km: grade 6 walks or bikes */
    r = request(25, RB_MODE_BUS);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_BUS_NOT_ELIGIBLE));
    klass.grade = 5;
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    now = session.starts_at_ms - 10 * DAY;
    r = request(25, RB_MODE_BUS);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_BUS_NOTICE_TOO_SHORT));
    now = local(2027, 3, 1, 12, 0);
    session.venue.has_geo = false;
    r = request(25, RB_MODE_BUS);
    r.table_minutes = 20;
    decide(&r, &v);
    CHECK(rb_verdict_needs_review(&v));
}

static void test_quota_reached(void)
{
    rb_quota q = {"skovvang-year", false, "skovvang", RB_PERIOD_SCHOOL_YEAR, NULL, "natur",
                  false, 4};
    rb_quota_use use = {"skovvang-year", 20260801, 4};
    rb_booking_request r;
    rb_verdict v;

    reset();
    facts.quotas = &q;
    facts.nquotas = 1;
    facts.quota_uses = &use;
    facts.nquota_uses = 1;
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v)); /* the offering is not in the category */
    session.category = "natur";
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_QUOTA_REACHED));
    use.used = 3;
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    /* The next school year starts afresh. */
    use.used = 4;
    session.starts_at_ms = local(2027, 9, 7, 9, 0);
    session.ends_at_ms = local(2027, 9, 7, 11, 0);
    decide(&r, &v);
    CHECK(rb_verdict_ok(&v));
    CHECK(rb_period_start(RB_PERIOD_TERM, 20270330) == 20270101);
    CHECK(rb_period_start(RB_PERIOD_SCHOOL_YEAR, 20270330) == 20260801);
    CHECK(rb_period_start(RB_PERIOD_TERM, 20270907) == 20270801);
}

static void test_every_reason_is_listed(void)
{
    rb_closure closed = {RB_SCOPE_SCHOOL, "skovvang", 20270330, 20270330, "Pædagogisk dag"};
    rb_booking_request r;
    rb_verdict v;

    reset();
    facts.closures = &closed;
    facts.nclosures = 1;
    session.pupils_booked = 40;
    session.sales_close_ms = local(2027, 2, 1, 0, 0);
    session.schedule = (rb_schedule){"2027-03-02T10:00", "FREQ=WEEKLY;BYDAY=TU", NULL, NULL};
    klass.grade = 11;
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_GRADE_NOT_ELIGIBLE));
    CHECK(rb_verdict_has(&v, RB_REASON_SALES_CLOSED));
    CHECK(rb_verdict_has(&v, RB_REASON_NOT_AN_OCCURRENCE));
    CHECK(rb_verdict_has(&v, RB_REASON_CLOSED));
    CHECK(rb_verdict_has(&v, RB_REASON_NO_PUPIL_PLACES));
    CHECK(v.nreasons == 5);
    CHECK(!rb_verdict_only_capacity(&v));
    /* A public holiday closes everyone, with its name. */
    reset();
    session.starts_at_ms = local(2027, 3, 25, 9, 0);
    session.ends_at_ms = local(2027, 3, 25, 11, 0);
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_CLOSED) && strstr(v.reasons[0].message, "Skærtorsdag"));
    /* Only places missing: the request may wait. */
    reset();
    session.pupils_booked = 40;
    session.classes_booked = 2;
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_only_capacity(&v) && v.nreasons == 2);
}

static void test_eligibility_and_window(void)
{
    rb_booking_request r;
    rb_verdict v;

    reset();
    klass.target_group = "dagtilbud";
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_TARGET_GROUP_NOT_ELIGIBLE));
    reset();
    session.sales_open_ms = now + DAY;
    session.notice_days = 40;
    r = request(25, RB_MODE_PUBLIC_TRANSPORT);
    decide(&r, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_SALES_NOT_OPEN) &&
          rb_verdict_has(&v, RB_REASON_NOTICE_TOO_SHORT));
}

/* An audience lets in its municipalities' schools and its listed schools;
 * a token must match whole ("Aarhus" is not "Aarhus Nord"). */
static void test_audience(void)
{
    static const struct {
        const char *audience;
        bool in;
    } cases[] = {
        {NULL, true},
        {"\x1fm:Aarhus\x1f", true},
        {"\x1fm:Thisted\x1fs:skovvang\x1f", true},
        {"\x1fm:Thisted\x1f", false},
        {"\x1fm:Aarhus Nord\x1fs:skovvang2\x1f", false},
        {"\x1fs:skov\x1fm:Aarhu\x1f", false},
        {"\x1fs:Aarhus\x1f", false}, /* a school id, not the municipality */
    };
    rb_booking_request r;
    rb_verdict v;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        reset();
        session.audience = cases[i].audience;
        r = request(25, RB_MODE_PUBLIC_TRANSPORT);
        decide(&r, &v);
        CHECK(rb_verdict_has(&v, RB_REASON_NOT_IN_AUDIENCE) == !cases[i].in);
    }
    session.audience = NULL;
}

int main(void)
{
    if (!rb_localtime_init())
        return 1;
    test_travel_estimate_and_table();
    test_school_day_by_wall_clock_across_dst();
    test_class_conflicts_include_travel();
    test_resources_with_buffers();
    test_outreach_guide_day();
    test_sixty_pupils_take_two_buses();
    test_bus_eligibility_and_notice();
    test_quota_reached();
    test_every_reason_is_listed();
    test_eligibility_and_window();
    test_audience();
    rb_holds_fini(&class_holds);
    rb_holds_fini(&resource_holds);
    rb_holds_fini(&bus_holds);
    return check_done("rules");
}
