/* Invitation rendering with libical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "rumbook/calendar.h"

/* Rules from this year on are enough for any booking and keep the
 * VTIMEZONE small (Debian's carries the zone's history back to 1890,
 * which some parsers refuse). */
#define ZONE_FROM "20200101T000000Z"

struct rb_calendar {
    icaltimezone *zone;  /* libical's builtin, owned by libical */
    char *vtimezone;     /* trimmed VTIMEZONE text with TZID:Europe/Copenhagen */
};

static char *trimmed_vtimezone(icaltimezone *zone)
{
    icalcomponent *c = icalcomponent_new_clone(icaltimezone_get_component(zone));
    icalproperty *tzid;
    char *text;

    if (!c)
        return NULL;
    icaltimezone_truncate_vtimezone(c, icaltime_from_string(ZONE_FROM), icaltime_null_time(), 1);
    tzid = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
    if (tzid)
        icalproperty_set_tzid(tzid, RB_TZID);
    text = icalcomponent_as_ical_string_r(c);
    icalcomponent_free(c);
    return text;
}

int rb_calendar_new(rb_calendar **out, rb_error *err)
{
    rb_calendar *cal = calloc(1, sizeof(*cal));

    *out = NULL;
    if (!cal)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    cal->zone = icaltimezone_get_builtin_timezone(RB_TZID);
    if (!cal->zone) {
        free(cal);
        return rb_error_set(err, RB_ENOTFOUND, "libical has no zone %s (is tzdata installed?)",
                            RB_TZID);
    }
    cal->vtimezone = trimmed_vtimezone(cal->zone);
    if (!cal->vtimezone) {
        free(cal);
        return rb_error_set(err, RB_ENOMEM, "cannot build the %s VTIMEZONE", RB_TZID);
    }
    *out = cal;
    return 0;
}

void rb_calendar_free(rb_calendar *cal)
{
    if (!cal)
        return;
    free(cal->vtimezone);
    free(cal);
}

static struct icaltimetype utc_time(int64_t ms)
{
    return icaltime_from_timet_with_zone((time_t)(ms / 1000), 0, icaltimezone_get_utc_timezone());
}

static icalproperty *local_time_prop(const rb_calendar *cal, icalproperty *p, int64_t ms)
{
    struct icaltimetype t = icaltime_convert_to_zone(utc_time(ms), cal->zone);

    /* Floating value plus our own TZID parameter: libical would otherwise
     * write its long /freeassociation.sourceforge.net/ zone name. */
    t.zone = NULL;
    if (icalproperty_isa(p) == ICAL_DTSTART_PROPERTY)
        icalproperty_set_dtstart(p, t);
    else
        icalproperty_set_dtend(p, t);
    icalproperty_add_parameter(p, icalparameter_new_tzid(RB_TZID));
    return p;
}

static icalproperty *person(icalproperty *p, const char *email, const char *name)
{
    char mailto[320];

    snprintf(mailto, sizeof(mailto), "mailto:%s", email);
    icalproperty_set_value(p, icalvalue_new_caladdress(mailto));
    if (name && *name)
        icalproperty_add_parameter(p, icalparameter_new_cn(name));
    return p;
}

static icalproperty *attendee(const rb_invitation *inv)
{
    icalproperty *p = person(icalproperty_new(ICAL_ATTENDEE_PROPERTY), inv->attendee_email,
                             inv->attendee_name);

    icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
    icalproperty_add_parameter(p, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
    if (inv->method == RB_ITIP_REQUEST) {
        icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
        icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
    }
    return p;
}

static icalcomponent *build_event(const rb_calendar *cal, const rb_invitation *inv)
{
    bool cancel = inv->method == RB_ITIP_CANCEL;
    icalcomponent *ev = icalcomponent_vanew(
        ICAL_VEVENT_COMPONENT, icalproperty_new_uid(inv->uid),
        icalproperty_new_sequence(inv->sequence), icalproperty_new_dtstamp(utc_time(inv->dtstamp_ms)),
        local_time_prop(cal, icalproperty_new(ICAL_DTSTART_PROPERTY), inv->starts_at_ms),
        local_time_prop(cal, icalproperty_new(ICAL_DTEND_PROPERTY), inv->ends_at_ms),
        icalproperty_new_summary(inv->summary ? inv->summary : ""),
        icalproperty_new_status(cancel ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED),
        icalproperty_new_transp(ICAL_TRANSP_OPAQUE),
        person(icalproperty_new(ICAL_ORGANIZER_PROPERTY), inv->organizer_email,
               inv->organizer_name),
        attendee(inv), (void *)0);

    if (inv->location && *inv->location)
        icalcomponent_add_property(ev, icalproperty_new_location(inv->location));
    if (inv->description && *inv->description)
        icalcomponent_add_property(ev, icalproperty_new_description(inv->description));
    if (inv->has_geo) {
        struct icalgeotype geo = {inv->lat, inv->lon};
        icalcomponent_add_property(ev, icalproperty_new_geo(geo));
    }
    return ev;
}

/* Splices the prepared VTIMEZONE text in front of the VEVENT: cloning the
 * zone component into every invitation costs three times the rest. */
static char *with_vtimezone(const rb_calendar *cal, const char *text)
{
    const char *ev = strstr(text, "BEGIN:VEVENT\r\n");
    size_t head, zone = strlen(cal->vtimezone), total = strlen(text) + zone + 1;
    char *out;

    if (!ev)
        return NULL;
    head = (size_t)(ev - text);
    out = malloc(total);
    if (!out)
        return NULL;
    memcpy(out, text, head);
    memcpy(out + head, cal->vtimezone, zone);
    strcpy(out + head + zone, ev);
    return out;
}

int rb_calendar_render(const rb_calendar *cal, const rb_invitation *inv, char **out,
                       rb_error *err)
{
    icalcomponent *vcal;
    char *text;

    *out = NULL;
    if (!inv->uid || !inv->organizer_email || !inv->attendee_email)
        return rb_error_set(err, RB_EINVAL, "an invitation needs a uid, organizer and attendee");
    vcal = icalcomponent_vanew(
        ICAL_VCALENDAR_COMPONENT, icalproperty_new_prodid("-//rumbook//booking engine//EN"),
        icalproperty_new_version("2.0"), icalproperty_new_calscale("GREGORIAN"),
        icalproperty_new_method(inv->method == RB_ITIP_CANCEL ? ICAL_METHOD_CANCEL
                                                              : ICAL_METHOD_REQUEST),
        build_event(cal, inv), (void *)0);
    text = icalcomponent_as_ical_string_r(vcal);
    icalcomponent_free(vcal);
    if (!text)
        return rb_error_set(err, RB_ENOMEM, "cannot serialise the invitation");
    *out = with_vtimezone(cal, text);
    free(text);
    if (!*out)
        return rb_error_set(err, RB_ENOMEM, "cannot serialise the invitation");
    return 0;
}
