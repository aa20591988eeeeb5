/* The teacher's subject and text of an invitation e-mail, in Danish, from
 * the invitation's VEVENT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "rumbook/imip.h"

static const char *const weekdays[] = {"søndag", "mandag",  "tirsdag", "onsdag",
                                       "torsdag", "fredag", "lørdag"};
static const char *const months[] = {"januar", "februar", "marts",     "april",   "maj",      "juni",
                                     "juli",   "august",  "september", "oktober", "november",
                                     "december"};

/* "onsdag 14. april 2027": the invitation's times are Copenhagen wall
 * times (TZID=Europe/Copenhagen), so the fields are read as they are. */
static void danish_date(struct icaltimetype t, char *out, size_t size)
{
    int wd = icaltime_day_of_week(t) - 1; /* 1 is Sunday */

    snprintf(out, size, "%s %d. %s %d", weekdays[wd >= 0 && wd < 7 ? wd : 0], t.day,
             months[t.month >= 1 && t.month <= 12 ? t.month - 1 : 0], t.year);
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

static const char *heading(const char *method, int sequence)
{
    return strcmp(method, "CANCEL") == 0 ? "Aflyst" : sequence > 0 ? "Ændret" : "Bekræftet";
}

static const char *lead(const char *method, int sequence)
{
    return strcmp(method, "CANCEL") == 0
               ? "Jeres booking er aflyst. Aftalen fjernes fra kalenderen, når I åbner invitationen."
           : sequence > 0 ? "Jeres booking er ændret. Aftalen i kalenderen opdateres, når I åbner "
                            "invitationen."
                          : "Jeres booking er bekræftet. Invitationen til kalenderen er vedhæftet.";
}

int rb_imip_text_compose(const char *icalendar, const char *method, int sequence,
                         const char *booking_id, rb_imip_text *out, rb_error *err)
{
    icalcomponent *root = icalparser_parse_string(icalendar), *ev;
    struct icaltimetype start, end;
    const char *summary, *location, *description;
    char day[64], buf[8192];
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
    danish_date(start, day, sizeof(day));
    organizer(ev, out);
    n = snprintf(buf, sizeof(buf), "%s: %s, %s", heading(method, sequence),
                 summary ? summary : "forløb", day);
    out->subject = strndup(buf, n > 0 ? (size_t)n : 0);
    snprintf(buf, sizeof(buf),
             "Kære lærer\n\n%s\n\nForløb:  %s\nHvornår: %s kl. %02d:%02d-%02d:%02d\nHvor:    %s\n\n"
             "%s\n\nVil I aflyse eller flytte, så gør det i portalen, hvor I bookede (booking "
             "%s).\nSvar på denne e-mail går til %s.\n\nVenlig hilsen\n%s\n",
             lead(method, sequence), summary ? summary : "-", day, start.hour, start.minute,
             end.hour, end.minute, location ? location : "-", description ? description : "",
             booking_id, *out->organizer_email ? out->organizer_email : "udbyderen",
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
