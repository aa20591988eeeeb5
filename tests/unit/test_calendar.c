/* Invitations: iTIP properties, time zone, escaping, DST. */
#include <stdlib.h>

#include "check.h"
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
    rb_calendar_free(cal);
    return check_done("test_calendar");
}
