/* An iMIP message (RFC 6047): the e-mail that carries an invitation to a
 * teacher's calendar. multipart/alternative with a text/plain part for the
 * reader (quoted-printable) and a text/calendar part whose method equals
 * the iCalendar's METHOD (base64), CRLF line ends, no line over 76 octets,
 * the Subject and display names in RFC 2047 encoded-words. Header values
 * are cleaned of line breaks and control characters, so nothing a teacher
 * or a provider typed can add a header or end the message.
 *
 * rb_imip is a plain struct of borrowed strings the caller fills. */
#ifndef RUMBOOK_IMIP_H
#define RUMBOOK_IMIP_H

#include <stdint.h>

#include "rumbook/buf.h"
#include "rumbook/error.h"

typedef struct rb_imip {
    const char *from_address; /* the configured sender, "booking@rumbook.example" */
    const char *from_name;    /* shown as the sender: the provider's name; may be NULL */
    const char *reply_to;     /* the provider's address; may be NULL */
    const char *to;           /* the teacher's address */
    const char *method;       /* "REQUEST" or "CANCEL": the iCalendar's METHOD */
    const char *subject;      /* UTF-8 */
    const char *text;         /* the text/plain part, UTF-8, \n or \r\n lines */
    const char *icalendar;    /* the VCALENDAR */
    const char *message_id;   /* unique, without <>; the same on a resend */
    int64_t date_ms;          /* Unix milliseconds */
} rb_imip;

/* Appends the message, headers and body, to out. RB_EINVAL when an
 * address is not one, or the method is neither REQUEST nor CANCEL. */
int rb_imip_render(const rb_imip *m, rb_buf *out, rb_error *err) RB_MUSTCHECK;

/* What the teacher reads, taken from the invitation's own VEVENT (libical):
 * the subject ("Bekræftet: Vikingetid, onsdag 14. april 2027", "Ændret: ...",
 * "Aflyst: ...") and a short text, Danish or (language "en") English: what, when, where, the
 * description rumbook wrote (class, departure and return, the bus, the
 * teacher's note) and how to cancel. Strings are the caller's to free with
 * rb_imip_text_fini(). */
typedef struct rb_imip_text {
    char *subject;
    char *text;
    char *organizer_name;  /* the provider, from ORGANIZER;CN=; "" when none */
    char *organizer_email; /* from ORGANIZER:mailto:; "" when none */
} rb_imip_text;

int rb_imip_text_compose(const char *icalendar, const char *method, int sequence,
                         const char *booking_id, const char *language, rb_imip_text *out,
                         rb_error *err) RB_MUSTCHECK;
void rb_imip_text_fini(rb_imip_text *t);

#endif
