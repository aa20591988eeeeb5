/* Invitation rendering: iCalendar content lines (RFC 5545) for iTIP.
 *
 * libical builds the zone's VTIMEZONE once; the invitations are written
 * here line by line. Building and serialising a libical component tree
 * took 11 us an invitation, a tenth of a worker's time at full speed;
 * test_calendar.c parses what is written here with libical and compares
 * it with what libical itself writes for the same invitation. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "rumbook/buf.h"
#include "rumbook/calendar.h"
#include "rumbook/localtime.h"

/* Rules from this year on are enough for any booking and keep the
 * VTIMEZONE small (Debian's carries the zone's history back to 1890,
 * which some parsers refuse). */
#define ZONE_FROM "20200101T000000Z"

#define MAX_LINE 75 /* octets a line, without its CRLF */

struct rb_calendar {
    char *vtimezone; /* trimmed VTIMEZONE text with TZID:Europe/Copenhagen */
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
    icaltimezone *zone = icaltimezone_get_builtin_timezone(RB_TZID);
    rb_calendar *cal;

    *out = NULL;
    if (!zone || !rb_localtime_init())
        return rb_error_set(err, RB_ENOTFOUND, "libical has no zone %s (is tzdata installed?)",
                            RB_TZID);
    if (!(cal = calloc(1, sizeof(*cal))))
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    if (!(cal->vtimezone = trimmed_vtimezone(zone))) {
        free(cal);
        return rb_error_set(err, RB_ENOMEM, "could not build the %s VTIMEZONE", RB_TZID);
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

/* One content line being written: folded before it would pass 75
 * octets, never inside a UTF-8 sequence or an escape. */
typedef struct line {
    rb_buf *out;
    size_t used; /* octets on the current physical line */
} line;

static void fold(line *l)
{
    rb_buf_append(l->out, "\r\n ", 3);
    l->used = 1;
}

/* One unit that stays whole: a character or an escape. */
static void put(line *l, const char *s, size_t n)
{
    if (l->used + n > MAX_LINE)
        fold(l);
    rb_buf_append(l->out, s, n);
    l->used += n;
}

/* ASCII without escapes, folded wherever the line is full. */
static void put_ascii(line *l, const char *s, size_t n)
{
    while (n) {
        size_t k = MAX_LINE - l->used;

        if (k == 0) {
            fold(l);
            continue;
        }
        if (k > n)
            k = n;
        rb_buf_append(l->out, s, k);
        l->used += k;
        s += k;
        n -= k;
    }
}

static void put_str(line *l, const char *s)
{
    put_ascii(l, s, strlen(s));
}

/* The length of the UTF-8 character at s, or 0 when s holds none. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n, i;

    if (*s < 0x80)
        n = 1;
    else if (*s >= 0xc0 && *s < 0xe0)
        n = 2;
    else if (*s >= 0xe0 && *s < 0xf0)
        n = 3;
    else if (*s >= 0xf0 && *s < 0xf8)
        n = 4;
    else
        return 0; /* a continuation byte, or no lead byte at all */
    for (i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Control characters have no place in a value: a line break could start
 * a property of its own. Text and parameters spell breaks out; the rest
 * are left out. */
static bool is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool is_break(const char *s)
{
    return *s == '\n' || (*s == '\r' && s[1] != '\n');
}

/* The length of the run of printable ASCII (or tab) from s holding none
 * of the characters in special. */
static size_t plain_run(const char *s, const char *special)
{
    size_t n = 0;

    while (s[n] && (unsigned char)s[n] < 0x7f && !is_control((unsigned char)s[n]) &&
           !strchr(special, s[n]))
        n++;
    return n;
}

/* Writes s: runs of plain ASCII as they are, control characters and
 * bytes that are not UTF-8 left out (text from PostgreSQL and validated
 * commands is UTF-8; a stray byte must not end up after a fold), and each
 * character in special (and each line break) as escape() spells it. */
static void put_escaped(line *l, const char *s, const char *special,
                        const char *(*escape)(const char *s))
{
    while (*s) {
        size_t n = plain_run(s, special);
        const char *esc;

        if (n) {
            put_ascii(l, s, n);
            s += n;
            continue;
        }
        if (!(n = utf8_len((const unsigned char *)s))) {
            s++; /* not UTF-8: left out */
            continue;
        }
        if ((esc = escape(s)))
            put(l, esc, strlen(esc));
        else if (!is_control((unsigned char)*s))
            put(l, s, n);
        s += n;
    }
}

/* TEXT values (RFC 5545 3.3.11). */
static const char *text_escape(const char *s)
{
    if (is_break(s))
        return "\\n";
    switch (*s) {
    case '\\':
        return "\\\\";
    case ';':
        return "\\;";
    case ',':
        return "\\,";
    }
    return NULL;
}

/* Parameter values (RFC 6868 caret encoding). */
static const char *caret_escape(const char *s)
{
    if (is_break(s))
        return "^n";
    switch (*s) {
    case '"':
        return "^'";
    case '^':
        return "^^";
    }
    return NULL;
}

static const char *no_escape(const char *s)
{
    (void)s;
    return NULL;
}

/* Parameter values are quoted when they hold a separator. */
static void put_param(line *l, const char *name, const char *value)
{
    bool quote = strpbrk(value, ":;,") != NULL;

    put(l, ";", 1);
    put_str(l, name);
    put(l, "=", 1);
    if (quote)
        put(l, "\"", 1);
    put_escaped(l, value, "\"^", caret_escape);
    if (quote)
        put(l, "\"", 1);
}

static void begin(line *l, const char *name)
{
    l->used = 0;
    put_str(l, name);
}

static void end(line *l)
{
    rb_buf_append(l->out, "\r\n", 2);
}

static void text_prop(line *l, const char *name, const char *value)
{
    begin(l, name);
    put(l, ":", 1);
    put_escaped(l, value ? value : "", "\\;,", text_escape);
    end(l);
}

static char *digits(char *p, int value, int width)
{
    int i;

    for (i = width - 1; i >= 0; i--, value /= 10)
        p[i] = (char)('0' + value % 10);
    return p + width;
}

/* YYYYMMDDTHHMMSS */
static void date_time(char out[16], int y, int mo, int d, int h, int mi, int s)
{
    char *p = digits(digits(digits(out, y, 4), mo, 2), d, 2);

    *p++ = 'T';
    digits(digits(digits(p, h, 2), mi, 2), s, 2);
    out[15] = '\0';
}

static int second_of(int64_t ms)
{
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);

    return (int)(((s % 60) + 60) % 60);
}

/* Wall-clock time with the zone's TZID: the offsets this zone has used
 * since 1894 are whole minutes, so the seconds are the instant's. */
static void local_prop(line *l, const char *name, int64_t ms)
{
    char text[16];
    rb_local t;

    rb_local_from_ms(ms, &t);
    date_time(text, t.year, t.month, t.day, t.hour, t.minute, second_of(ms));
    begin(l, name);
    put_str(l, ";TZID=" RB_TZID ":");
    put_str(l, text);
    end(l);
}

static void utc_prop(line *l, const char *name, int64_t ms)
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    char text[16];
    struct tm tm;

    gmtime_r(&secs, &tm);
    date_time(text, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
              tm.tm_sec);
    begin(l, name);
    put(l, ":", 1);
    put_str(l, text);
    put(l, "Z", 1);
    end(l);
}

static void person_prop(line *l, const char *name, const char *email, const char *cn,
                        enum rb_itip_method method)
{
    begin(l, name);
    if (cn && *cn)
        put_param(l, "CN", cn);
    if (strcmp(name, "ATTENDEE") == 0) {
        put_str(l, ";ROLE=REQ-PARTICIPANT;CUTYPE=INDIVIDUAL");
        if (method == RB_ITIP_REQUEST)
            put_str(l, ";PARTSTAT=NEEDS-ACTION;RSVP=TRUE");
    }
    put_str(l, ":mailto:");
    put_escaped(l, email, "", no_escape);
    end(l);
}

static void write_event(line *l, const rb_invitation *inv, bool publish)
{
    bool cancel = inv->method == RB_ITIP_CANCEL;
    char number[16];

    rb_buf_puts(l->out, "BEGIN:VEVENT\r\n");
    text_prop(l, "UID", inv->uid);
    snprintf(number, sizeof(number), "%d", inv->sequence);
    begin(l, "SEQUENCE:");
    put_str(l, number);
    end(l);
    utc_prop(l, "DTSTAMP", inv->dtstamp_ms);
    local_prop(l, "DTSTART", inv->starts_at_ms);
    local_prop(l, "DTEND", inv->ends_at_ms);
    text_prop(l, "SUMMARY", inv->summary);
    rb_buf_puts(l->out, cancel ? "STATUS:CANCELLED\r\n" : "STATUS:CONFIRMED\r\n");
    rb_buf_puts(l->out, "TRANSP:OPAQUE\r\n");
    /* An invitation always names its organizer; a feed's event when it has one. */
    if (!publish || (inv->organizer_email && *inv->organizer_email))
        person_prop(l, "ORGANIZER", inv->organizer_email, inv->organizer_name, inv->method);
    if (!publish) /* a feed informs; it invites no one (RFC 5546, PUBLISH) */
        person_prop(l, "ATTENDEE", inv->attendee_email, inv->attendee_name, inv->method);
    if (inv->location && *inv->location)
        text_prop(l, "LOCATION", inv->location);
    if (inv->description && *inv->description)
        text_prop(l, "DESCRIPTION", inv->description);
    if (inv->has_geo)
        rb_buf_printf(l->out, "GEO:%f;%f\r\n", inv->lat, inv->lon);
    rb_buf_puts(l->out, "END:VEVENT\r\n");
}

int rb_calendar_render(const rb_calendar *cal, const rb_invitation *inv, char **out,
                       rb_error *err)
{
    rb_buf text;
    line l;

    *out = NULL;
    if (!inv->uid || !inv->organizer_email || !inv->attendee_email)
        return rb_error_set(err, RB_EINVAL, "an invitation needs a uid, organizer and attendee");
    rb_buf_init(&text);
    l.out = &text;
    rb_buf_puts(&text, "BEGIN:VCALENDAR\r\nPRODID:-//rumbook//booking engine//EN\r\n"
                       "VERSION:2.0\r\nCALSCALE:GREGORIAN\r\n");
    rb_buf_puts(&text, inv->method == RB_ITIP_CANCEL ? "METHOD:CANCEL\r\n" : "METHOD:REQUEST\r\n");
    rb_buf_puts(&text, cal->vtimezone);
    write_event(&l, inv, false);
    rb_buf_puts(&text, "END:VCALENDAR\r\n");
    if (text.failed) {
        rb_buf_fini(&text);
        return rb_error_set(err, RB_ENOMEM, "could not write the invitation: out of memory");
    }
    *out = text.data; /* the caller free()s it, as rb_buf_fini would */
    return 0;
}

void rb_calendar_feed_begin(const rb_calendar *cal, rb_buf *out, const char *name)
{
    line l = {.out = out};

    rb_buf_puts(out, "BEGIN:VCALENDAR\r\nPRODID:-//rumbook//booking engine//EN\r\n"
                     "VERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    text_prop(&l, "X-WR-CALNAME", name);
    rb_buf_puts(out, "X-WR-TIMEZONE:" RB_TZID "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n");
    rb_buf_puts(out, cal->vtimezone);
}

void rb_calendar_feed_event(rb_buf *out, const rb_invitation *ev)
{
    line l = {.out = out};

    write_event(&l, ev, true);
}

void rb_calendar_feed_end(rb_buf *out)
{
    rb_buf_puts(out, "END:VCALENDAR\r\n");
}
