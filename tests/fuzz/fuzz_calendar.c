/* libFuzzer target: any bytes as an invitation's free text (summary,
 * description, location, names, e-mail addresses: NUL-separated fields).
 * Every line must be at most 75 octets, end in CRLF and hold no control
 * character but tab; libical must read one VEVENT back with exactly the
 * properties written, so no value can start a property of its own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "../unit/ical_lines.h"
#include "rumbook/calendar.h"

#define FIELDS 7

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int properties(icalcomponent *ev)
{
    icalproperty *p;
    int n = 0;

    for (p = icalcomponent_get_first_property(ev, ICAL_ANY_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_ANY_PROPERTY))
        n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rb_calendar *cal;
    const char *field[FIELDS] = {"", "", "", "", "", "x@example.org", "y@example.org"};
    char *text = malloc(size + 1), *p, *ical;
    icalcomponent *c, *ev;
    rb_invitation inv;
    rb_error err;
    int i, expected;

    if (!text)
        return 0;
    if (!cal && rb_calendar_new(&cal, &err) < 0)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    for (i = 0, p = text; i < FIELDS && p <= text + size; i++, p += strlen(p) + 1)
        field[i] = p;
    inv = (rb_invitation){.method = size % 2 ? RB_ITIP_CANCEL : RB_ITIP_REQUEST,
                          .uid = "b1@rumbook", .sequence = (int)(size % 7),
                          .dtstamp_ms = 1795530000000LL, .starts_at_ms = 1806390000000LL,
                          .ends_at_ms = 1806397200000LL, .summary = field[0],
                          .description = field[1], .location = field[2],
                          .organizer_name = field[3], .attendee_name = field[4],
                          .organizer_email = field[5], .attendee_email = field[6]};
    if (rb_calendar_render(cal, &inv, &ical, &err) < 0)
        abort();
    if (!ical_lines_ok(ical))
        abort();
    c = icalparser_parse_string(ical);
    ev = c ? icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT) : NULL;
    expected = 10 + (*field[2] != '\0') + (*field[1] != '\0');
    if (!ev || properties(ev) != expected)
        abort();
    icalcomponent_free(c);
    free(ical);
    free(text);
    return 0;
}
