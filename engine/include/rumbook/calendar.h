/* iCalendar invitations (RFC 5545 with iTIP, RFC 5546). No I/O.
 * rb_calendar_new() has libical load and trim the Europe/Copenhagen
 * VTIMEZONE once; call it before starting threads (libical's first zone
 * load is not thread-safe). The calendar object is then read-only and may
 * be shared. rb_calendar_render() writes the content lines itself (folded
 * at 75 octets, text escaped, names in RFC 6868 caret encoding, control
 * characters and bytes that are not UTF-8 left out) and returns a string
 * the caller free()s. */
#ifndef RUMBOOK_CALENDAR_H
#define RUMBOOK_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "rumbook/buf.h"
#include "rumbook/error.h"

#define RB_TZID "Europe/Copenhagen"

typedef struct rb_calendar rb_calendar;

enum rb_itip_method {
    RB_ITIP_REQUEST = 1,
    RB_ITIP_CANCEL = 2,
};

typedef struct rb_invitation {
    enum rb_itip_method method;
    const char *uid;            /* stable per booking */
    int sequence;               /* raised on every change */
    int64_t dtstamp_ms;         /* when this version was made (UTC) */
    int64_t starts_at_ms;       /* UTC instants, shown in Europe/Copenhagen */
    int64_t ends_at_ms;
    const char *summary;
    const char *description;    /* free text, line breaks allowed */
    const char *location;
    bool has_geo;
    double lat, lon;
    const char *organizer_email;
    const char *organizer_name;
    const char *attendee_email;
    const char *attendee_name;
} rb_invitation;

int rb_calendar_new(rb_calendar **out, rb_error *err) RB_MUSTCHECK;
void rb_calendar_free(rb_calendar *cal);

int rb_calendar_render(const rb_calendar *cal, const rb_invitation *inv, char **out,
                       rb_error *err) RB_MUSTCHECK;

/* A subscribable feed (METHOD:PUBLISH, RFC 5546): begin with the feed's
 * name, one event per booking (method CANCEL writes it STATUS:CANCELLED;
 * the attendee is left out), end. Appends to out; out->failed on no memory. */
void rb_calendar_feed_begin(const rb_calendar *cal, rb_buf *out, const char *name);
void rb_calendar_feed_event(rb_buf *out, const rb_invitation *ev);
void rb_calendar_feed_end(rb_buf *out);

#endif
