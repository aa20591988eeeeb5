/* Invitations: iTIP properties, time zone, escaping, DST, and what
 * libical makes of them next to what libical itself would write. */
#include <stdint.h>
#include <stdlib.h>

#include <libical/ical.h>

#include "check.h"
#include "ical_lines.h"
#include "rumbook/calendar.h"

static rb_invitation invitation(void)
{
    rb_invitation inv = {
        .method = RB_ITIP_REQUEST, .uid = "b1@rumbook", .sequence = 0,
        .dtstamp_ms = 1795530000000LL,
        .starts_at_ms = 1806390000000LL, /* 2027-03-30 07:00Z = 09:00 CEST */
        .ends_at_ms = 1806397200000LL,
        .summary = "Vikingerne", .description = "line one\nATTENDEE:mailto:evil@example.org",
        .location = "Moesgaard, Højbjerg", .has_geo = true, .lat = 56.0887, .lon = 10.2256,
        .organizer_email = "booking@museum.example", .organizer_name = "Museum",
        .attendee_email = "anne@school.example", .attendee_name = "Anne"};
    return inv;
}

static char *render(rb_calendar *cal, const rb_invitation *inv)
{
    rb_error err;
    char *text = NULL;

    CHECK(rb_calendar_render(cal, inv, &text, &err) == 0);
    return text;
}

static void test_request(rb_calendar *cal)
{
    rb_invitation inv = invitation();
    char *t = render(cal, &inv);

    CHECK(strstr(t, "METHOD:REQUEST\r\n") != NULL);
    CHECK(strstr(t, "UID:b1@rumbook\r\n") != NULL);
    CHECK(strstr(t, "SEQUENCE:0\r\n") != NULL);
    CHECK(strstr(t, "DTSTAMP:20261124T") != NULL);
    CHECK(strstr(t, "DTSTART;TZID=Europe/Copenhagen:20270330T090000\r\n") != NULL);
    CHECK(strstr(t, "DTEND;TZID=Europe/Copenhagen:20270330T110000\r\n") != NULL);
    CHECK(strstr(t, "BEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n") != NULL);
    CHECK(strstr(t, "freeassociation") == NULL);
    CHECK(strstr(t, "ORGANIZER;CN=Museum:mailto:booking@museum.example") != NULL);
    CHECK(strstr(t, "RSVP=TRUE") != NULL);
    CHECK(strstr(t, "GEO:56.088700;10.225600") != NULL);
    /* The note's line break is escaped: it cannot start a property. */
    CHECK(strstr(t, "\r\nATTENDEE:mailto:evil") == NULL);
    CHECK(strstr(t, "\\nATTENDEE:mailto:evil") != NULL);
    CHECK(strstr(t, "BEGIN:VTIMEZONE") < strstr(t, "BEGIN:VEVENT"));
    free(t);
}

static void test_cancel(rb_calendar *cal)
{
    rb_invitation inv = invitation();
    char *t;

    inv.method = RB_ITIP_CANCEL;
    inv.sequence = 1;
    t = render(cal, &inv);
    CHECK(strstr(t, "METHOD:CANCEL\r\n") != NULL);
    CHECK(strstr(t, "STATUS:CANCELLED\r\n") != NULL);
    CHECK(strstr(t, "SEQUENCE:1\r\n") != NULL);
    CHECK(strstr(t, "UID:b1@rumbook\r\n") != NULL);
    free(t);
}

/* The same 08:00 UTC is 09:00 before and 10:00 after the March change. */
static void test_dst(rb_calendar *cal)
{
    rb_invitation inv = invitation();
    char *t;

    inv.starts_at_ms = 1806134400000LL; /* 2027-03-27 08:00Z, Saturday before the change */
    inv.ends_at_ms = inv.starts_at_ms + 3600000;
    t = render(cal, &inv);
    CHECK(strstr(t, "DTSTART;TZID=Europe/Copenhagen:20270327T090000") != NULL);
    free(t);
    inv.starts_at_ms = 1806307200000LL; /* 2027-03-29 08:00Z, Monday after */
    inv.ends_at_ms = inv.starts_at_ms + 3600000;
    t = render(cal, &inv);
    CHECK(strstr(t, "DTSTART;TZID=Europe/Copenhagen:20270329T100000") != NULL);
    free(t);
    inv.starts_at_ms = 1824966000000LL; /* 2027-10-31 07:00Z, the October change day */
    inv.ends_at_ms = inv.starts_at_ms + 3600000;
    t = render(cal, &inv);
    CHECK(strstr(t, "DTSTART;TZID=Europe/Copenhagen:20271031T080000") != NULL);
    free(t);
}

static void test_missing_attendee(rb_calendar *cal)
{
    rb_invitation inv = invitation();
    rb_error err;
    char *t = NULL;

    inv.attendee_email = NULL;
    CHECK(rb_calendar_render(cal, &inv, &t, &err) == RB_EINVAL);
    CHECK(t == NULL);
}

static void test_control_characters(rb_calendar *cal)
{
    rb_invitation inv = invitation();
    char *t;

    inv.description = "bell\a, bare CR\rthen text\r\nand a break";
    inv.attendee_name = "Anne\r\nATTENDEE:mailto:evil@example.org";
    inv.attendee_email = "anne@school.example\r\nX-EVIL:1";
    inv.summary = "stray \x9a byte, cut \xc3";
    t = render(cal, &inv);
    CHECK(ical_lines_ok(t));
    CHECK(strstr(t, "DESCRIPTION:bell\\, bare CR\\nthen text\\nand a break\r\n") != NULL);
    CHECK(strstr(t, "\r\nX-EVIL") == NULL);
    CHECK(strstr(t, "SUMMARY:stray  byte\\, cut \r\n") != NULL);
    CHECK(strstr(t, "CN=\"Anne^nATTENDEE:mailto:evil@example.org\"") != NULL);
    free(t);
}

/* What libical writes for the same invitation, built as a component tree. */
static icalproperty *local_time(icalproperty *p, int64_t ms)
{
    struct icaltimetype t = icaltime_convert_to_zone(
        icaltime_from_timet_with_zone((time_t)(ms / 1000), 0, icaltimezone_get_utc_timezone()),
        icaltimezone_get_builtin_timezone(RB_TZID));

    t.zone = NULL;
    if (icalproperty_isa(p) == ICAL_DTSTART_PROPERTY)
        icalproperty_set_dtstart(p, t);
    else
        icalproperty_set_dtend(p, t);
    icalproperty_add_parameter(p, icalparameter_new_tzid(RB_TZID));
    return p;
}

static icalproperty *person(icalproperty_kind kind, const char *email, const char *name)
{
    icalproperty *p = icalproperty_new(kind);
    char mailto[320];

    snprintf(mailto, sizeof(mailto), "mailto:%s", email);
    icalproperty_set_value(p, icalvalue_new_caladdress(mailto));
    if (name && *name)
        icalproperty_add_parameter(p, icalparameter_new_cn(name));
    return p;
}

static icalcomponent *libical_event(const rb_invitation *inv)
{
    icalproperty *att = person(ICAL_ATTENDEE_PROPERTY, inv->attendee_email, inv->attendee_name);
    icalcomponent *ev;

    icalproperty_add_parameter(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
    icalproperty_add_parameter(att, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
    if (inv->method == RB_ITIP_REQUEST) {
        icalproperty_add_parameter(att, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
        icalproperty_add_parameter(att, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
    }
    ev = icalcomponent_vanew(
        ICAL_VEVENT_COMPONENT, icalproperty_new_uid(inv->uid),
        icalproperty_new_sequence(inv->sequence),
        icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
            (time_t)(inv->dtstamp_ms / 1000), 0, icaltimezone_get_utc_timezone())),
        local_time(icalproperty_new(ICAL_DTSTART_PROPERTY), inv->starts_at_ms),
        local_time(icalproperty_new(ICAL_DTEND_PROPERTY), inv->ends_at_ms),
        icalproperty_new_summary(inv->summary),
        icalproperty_new_status(inv->method == RB_ITIP_CANCEL ? ICAL_STATUS_CANCELLED
                                                              : ICAL_STATUS_CONFIRMED),
        icalproperty_new_transp(ICAL_TRANSP_OPAQUE),
        person(ICAL_ORGANIZER_PROPERTY, inv->organizer_email, inv->organizer_name), att,
        (void *)0);
    if (*inv->location)
        icalcomponent_add_property(ev, icalproperty_new_location(inv->location));
    if (*inv->description)
        icalcomponent_add_property(ev, icalproperty_new_description(inv->description));
    if (inv->has_geo) {
        struct icalgeotype geo = {inv->lat, inv->lon};
        icalcomponent_add_property(ev, icalproperty_new_geo(geo));
    }
    return ev;
}

/* text parsed by libical, its VEVENT written back by libical */
static char *reparsed_event(const char *text)
{
    icalcomponent *c = icalparser_parse_string(text), *ev;
    char *out = NULL;

    if (!c)
        return NULL;
    ev = icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT
             ? c
             : icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT);
    if (ev)
        out = icalcomponent_as_ical_string_r(ev);
    icalcomponent_free(c);
    return out;
}

/* Text with everything that needs escaping, quoting, caret encoding or
 * folding: separators, quotes, carets, line breaks, tabs and two-, three-
 * and four-octet characters, up to a few hundred octets. Names (the CN
 * parameter) get neither CRLF nor carets: libical writes a CR there as a
 * space and a caret bare, so that it reads "^\"" back as "^'" (RFC 6868
 * wants "^^"); test_caret_encoding reads ours back with libical instead. */
static void random_text(char *out, size_t cap, bool name, unsigned *seed)
{
    static const char *const pieces[] = {
        "a", "Vikinger", " ", " ", ";", ",", "\\", ":", "\"", "^", "\n", "\r\n", "\t",
        "\xc3\xa6", "\xc3\xb8", "\xc3\xa5", "\xe2\x82\xac", "\xf0\x9f\x9a\x8c", "x", "2"};
    size_t n = (size_t)(rand_r(seed) % 90), len = 0, i;

    out[0] = '\0';
    for (i = 0; i < n; i++) {
        const char *p = pieces[rand_r(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
        if (name && strcmp(p, "\r\n") == 0)
            p = "\n";
        else if (name && strcmp(p, "^") == 0)
            p = "x";
        if (len + strlen(p) + 1 > cap)
            break;
        strcpy(out + len, p);
        len += strlen(p);
    }
}

/* Names with carets, quotes and line breaks come back whole through
 * libical's parser. */
static void test_caret_encoding(rb_calendar *cal)
{
    static const char *const names[][2] = {
        {"Anne \"A\" ^Hansen^", "Anne \"A\" ^Hansen^"},
        {"^\"", "^\""},
        {"two\r\nlines\nthree", "two\nlines\nthree"},
        {"a;b:c,d", "a;b:c,d"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        rb_invitation inv = invitation();
        icalcomponent *c, *ev;
        icalproperty *att;
        icalparameter *cn;
        char *t;

        inv.attendee_name = names[i][0];
        t = render(cal, &inv);
        c = icalparser_parse_string(t);
        ev = c ? icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT) : NULL;
        att = ev ? icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY) : NULL;
        cn = att ? icalproperty_get_first_parameter(att, ICAL_CN_PARAMETER) : NULL;
        CHECK(cn && strcmp(icalparameter_get_cn(cn), names[i][1]) == 0);
        if (c)
            icalcomponent_free(c);
        free(t);
    }
}

static void test_same_as_libical(rb_calendar *cal)
{
    unsigned seed = 20261124;
    int i, differ = 0, malformed = 0;

    for (i = 0; i < 2000; i++) {
        char summary[512], description[512], location[512], org[512], att[512];
        rb_invitation inv = invitation();
        icalcomponent *ev;
        char *ours, *theirs, *a, *b;

        random_text(summary, sizeof(summary), false, &seed);
        random_text(description, sizeof(description), false, &seed);
        random_text(location, sizeof(location), false, &seed);
        random_text(org, sizeof(org), true, &seed);
        random_text(att, sizeof(att), true, &seed);
        inv.method = rand_r(&seed) % 2 ? RB_ITIP_REQUEST : RB_ITIP_CANCEL;
        inv.sequence = rand_r(&seed) % 1000;
        /* 2020-2037, to the second, across every DST change in between */
        inv.starts_at_ms = (1577836800LL + rand_r(&seed) % 567993600) * 1000;
        inv.ends_at_ms = inv.starts_at_ms + (rand_r(&seed) % 600) * 60000;
        inv.dtstamp_ms = (1577836800LL + rand_r(&seed) % 567993600) * 1000 + 999;
        inv.summary = summary;
        inv.description = description;
        inv.location = location;
        inv.organizer_name = org;
        inv.attendee_name = att;
        inv.has_geo = rand_r(&seed) % 2;
        inv.lat = (rand_r(&seed) % 180000000) / 1e6 - 90;
        inv.lon = (rand_r(&seed) % 360000000) / 1e6 - 180;
        ours = render(cal, &inv);
        malformed += !ical_lines_ok(ours);
        ev = libical_event(&inv);
        theirs = icalcomponent_as_ical_string_r(ev);
        icalcomponent_free(ev);
        a = reparsed_event(ours);
        b = reparsed_event(theirs);
        if (!a || !b || strcmp(a, b) != 0) {
            if (differ++ == 0)
                fprintf(stderr, "first difference (case %d):\n--- ours\n%s--- libical\n%s", i,
                        a ? a : "(unparsed)", b ? b : "(unparsed)");
        }
        free(ours);
        free(theirs);
        free(a);
        free(b);
    }
    CHECK(differ == 0);
    CHECK(malformed == 0);
}

int main(void)
{
    rb_calendar *cal;
    rb_error err;

    if (rb_calendar_new(&cal, &err) < 0) {
        fprintf(stderr, "calendar: %s\n", err.message);
        return 1;
    }
    test_request(cal);
    test_cancel(cal);
    test_dst(cal);
    test_missing_attendee(cal);
    test_control_characters(cal);
    test_caret_encoding(cal);
    test_same_as_libical(cal);
    rb_calendar_free(cal);
    return check_done("test_calendar");
}
