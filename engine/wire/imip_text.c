/* The teacher's subject and text of an invitation e-mail, in Danish or
 * English as the offering says, from the invitation's VEVENT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "rumbook/imip.h"

/* The words of one language. */
typedef struct words {
    const char *weekdays[7]; /* Sunday first */
    const char *months[12];
    const char *confirmed, *changed, *cancelled; /* subject headings */
    const char *lead_confirmed, *lead_changed, *lead_cancelled;
    const char *provider; /* when the organizer has no name */
} words;

static const words danish = {
    {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
    {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
     "november", "december"},
    "Bekræftet",
    "Ændret",
    "Aflyst",
    "Jeres booking er bekræftet. Invitationen til kalenderen er vedhæftet.",
    "Jeres booking er ændret. Aftalen i kalenderen opdateres, når I åbner invitationen.",
    "Jeres booking er aflyst. Aftalen fjernes fra kalenderen, når I åbner invitationen.",
    "udbyderen",
};

static const words english = {
    {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
    {"January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"},
    "Confirmed",
    "Changed",
    "Cancelled",
    "Your booking is confirmed. The calendar invitation is attached.",
    "Your booking has changed. The event in your calendar is updated when you open the "
    "invitation.",
    "Your booking is cancelled. The event leaves your calendar when you open the invitation.",
    "the provider",
};

/* "onsdag 14. april 2027", "Wednesday 14 April 2027": the invitation's
 * times are Copenhagen wall times (TZID=Europe/Copenhagen), read as they are. */
static void local_date(const words *w, struct icaltimetype t, char *out, size_t size)
{
    int wd = icaltime_day_of_week(t) - 1; /* 1 is Sunday */

    const char *day = w->weekdays[wd >= 0 && wd < 7 ? wd : 0];
    const char *month = w->months[t.month >= 1 && t.month <= 12 ? t.month - 1 : 0];

    if (w == &english)
        snprintf(out, size, "%s %d %s %d", day, t.day, month, t.year);
    else
        snprintf(out, size, "%s %d. %s %d", day, t.day, month, t.year);
}

static char *dup_text(const char *s)
{
    return strdup(s ? s : "");
}

/* The ORGANIZER's CN and mailto: address. */
static void organizer(icalcomponent *ev, rb_imip_text *out)
{
    icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
    icalparameter *cn = p ? icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER) : NULL;
    const char *v = p ? icalproperty_get_organizer(p) : NULL;

    if (v && strncasecmp(v, "mailto:", 7) == 0)
        v += 7;
    out->organizer_name = dup_text(cn ? icalparameter_get_cn(cn) : NULL);
    out->organizer_email = dup_text(v);
}

static const char *heading(const words *w, const char *method, int sequence)
{
    return strcmp(method, "CANCEL") == 0 ? w->cancelled : sequence > 0 ? w->changed : w->confirmed;
}

static const char *lead(const words *w, const char *method, int sequence)
{
    return strcmp(method, "CANCEL") == 0 ? w->lead_cancelled
           : sequence > 0                ? w->lead_changed
                                         : w->lead_confirmed;
}

/* The text: lead, what, when (day, from, to), where, rumbook's description,
 * how to cancel (the booking), who replies, the provider's greeting. */
static void body(const words *w, char *buf, size_t size, const char *lead_text, const char *what,
                 const char *day, const char *from, const char *to, const char *where,
                 const char *description, const char *booking, const char *reply_to,
                 const char *provider)
{
    if (w == &english)
        snprintf(buf, size,
                 "Dear teacher\n\n%s\n\nSession: %s\nWhen:    %s, %s-%s\nWhere:   %s\n\n%s\n\n"
                 "To cancel or move it, use the portal where you booked (booking %s).\n"
                 "Replies to this e-mail go to %s.\n\nKind regards\n%s\n",
                 lead_text, what, day, from, to, where, description, booking, reply_to, provider);
    else
        snprintf(buf, size,
                 "Kære lærer\n\n%s\n\nForløb:  %s\nHvornår: %s kl. %s-%s\nHvor:    %s\n\n%s\n\n"
                 "Vil I aflyse eller flytte, så gør det i portalen, hvor I bookede (booking %s).\n"
                 "Svar på denne e-mail går til %s.\n\nVenlig hilsen\n%s\n",
                 lead_text, what, day, from, to, where, description, booking, reply_to, provider);
}

int rb_imip_text_compose(const char *icalendar, const char *method, int sequence,
                         const char *booking_id, const char *language, rb_imip_text *out,
                         rb_error *err)
{
    const words *w = language && strcmp(language, "en") == 0 ? &english : &danish;
    icalcomponent *root = icalparser_parse_string(icalendar), *ev;
    struct icaltimetype start, end;
    const char *summary, *location, *description;
    char day[64], from[8], to[8], buf[8192];
    int n;

    memset(out, 0, sizeof(*out));
    ev = root ? icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT) : NULL;
    if (!ev) {
        icalcomponent_free(root);
        return rb_error_set(err, RB_EINVAL, "the invitation holds no VEVENT");
    }
    start = icalcomponent_get_dtstart(ev);
    end = icalcomponent_get_dtend(ev);
    summary = icalcomponent_get_summary(ev);
    location = icalcomponent_get_location(ev);
    description = icalcomponent_get_description(ev);
    local_date(w, start, day, sizeof(day));
    snprintf(from, sizeof(from), "%02d:%02d", start.hour, start.minute);
    snprintf(to, sizeof(to), "%02d:%02d", end.hour, end.minute);
    organizer(ev, out);
    n = snprintf(buf, sizeof(buf), "%s: %s, %s", heading(w, method, sequence),
                 summary ? summary : "-", day);
    out->subject = strndup(buf, n > 0 ? (size_t)n : 0);
    body(w, buf, sizeof(buf), lead(w, method, sequence), summary ? summary : "-", day, from, to,
         location ? location : "-", description ? description : "", booking_id,
         *out->organizer_email ? out->organizer_email : w->provider,
         *out->organizer_name ? out->organizer_name : "rumbook");
    out->text = strdup(buf);
    icalcomponent_free(root);
    if (!out->subject || !out->text || !out->organizer_name || !out->organizer_email) {
        rb_imip_text_fini(out);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    return 0;
}

void rb_imip_text_fini(rb_imip_text *t)
{
    free(t->subject);
    free(t->text);
    free(t->organizer_name);
    free(t->organizer_email);
    memset(t, 0, sizeof(*t));
}
