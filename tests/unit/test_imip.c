/* iMIP messages: structure an SMTP server takes (CRLF only, no line over
 * 76 octets, no dot alone on a line), headers nothing typed can add to,
 * and the method in the Content-Type equal to the calendar's. With a file
 * argument it also writes the tricky message there, for
 * tests/cli/test_imip.sh to read back with Python's email package. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rumbook/calendar.h"
#include "rumbook/imip.h"

static const char ICS[] = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:b1@rumbook\r\n"
                          "SUMMARY:Vikingetid for 4.A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/* Lines of at most 76 octets, each ended by CRLF, none a lone dot. */
static bool smtp_safe(const char *s)
{
    const char *line = s, *p;

    for (p = s; *p; p++) {
        if (*p == '\n' && (p == s || p[-1] != '\r'))
            return false;
        if (*p == '\n') {
            size_t len = (size_t)(p - 1 - line);
            if (len > 76 || (len == 1 && line[0] == '.'))
                return false;
            line = p + 1;
        }
    }
    return line == p; /* ends with CRLF */
}

static int count(const char *s, const char *what)
{
    int n = 0;

    for (; (s = strstr(s, what)); s++)
        n++;
    return n;
}

static void render(const rb_imip *m, rb_buf *out)
{
    rb_error err;

    rb_buf_init(out);
    CHECK(rb_imip_render(m, out, &err) == 0);
    rb_buf_puts(out, "");
}

static rb_imip tricky(void)
{
    return (rb_imip){
        .from_address = "booking@rumbook.example",
        .from_name = "Moesgård Museum\r\nBcc: everyone@example.org",
        .reply_to = "skole@moesgaard.example",
        .to = "4a.laerer@skovvang.example",
        .method = "REQUEST",
        .subject = "Bekræftet: Vikingetid – et forløb med en meget lang titel der skal deles, "
                   "onsdag 14. april 2027\r\nX-Injected: yes",
        .text = "Kære lærer,\n\nNote:\r\n.\r\nSubject: injected\n"
                "En linje med æøå og en meget lang tekst der bliver nødt til at blive foldet med "
                "bløde linjeskift fordi den er over 76 oktetter lang. \n"
                "Trailing space  \n.",
        .icalendar = ICS,
        .message_id = "0b9e-event.4a@rumbook\r\nX-Evil: 1",
        .date_ms = 1806390000000LL,
    };
}

static void test_structure(void)
{
    rb_imip m = tricky();
    rb_buf out;
    char *body;

    render(&m, &out);
    CHECK(smtp_safe(out.data));
    CHECK((body = strstr(out.data, "\r\n\r\n")) != NULL);
    if (body)
        *body = '\0'; /* the checks below are of the header section */
    CHECK(count(out.data, "\r\nBcc:") == 0);
    CHECK(count(out.data, "\r\nX-Injected:") == 0);
    CHECK(count(out.data, "\r\nX-Evil") == 0);
    CHECK(count(out.data, "\r\nSubject: injected") == 0);
    CHECK(count(out.data, "\r\nSubject: =?UTF-8?B?") == 1);
    CHECK(count(out.data, "\r\nMessage-ID: <0b9e-event.4a@rumbookX-Evil1>\r\n") == 1);
    CHECK(count(out.data, "\r\nMIME-Version: 1.0\r\n") == 1);
    CHECK(count(out.data, "\r\nDate: Tue, 30 Mar 2027 07:00:00 +0000") == 1);
    if (body)
        *body = '\r';
    CHECK(count(out.data, "Content-Type: text/calendar; method=REQUEST; charset=UTF-8") == 1);
    rb_buf_fini(&out);
}

static void test_refused(void)
{
    rb_imip m = tricky();
    rb_buf out;
    rb_error err;

    rb_buf_init(&out);
    m.to = "teacher@school.example>\r\nRCPT TO:<x@y";
    CHECK(rb_imip_render(&m, &out, &err) == RB_EINVAL);
    m = tricky();
    m.to = "no-at-sign";
    CHECK(rb_imip_render(&m, &out, &err) == RB_EINVAL);
    m = tricky();
    m.method = "PUBLISH";
    CHECK(rb_imip_render(&m, &out, &err) == RB_EINVAL);
    rb_buf_fini(&out);
}

/* Subject and text from a real invitation, as the worker writes them. */
static void test_compose(void)
{
    rb_invitation inv = {.method = RB_ITIP_REQUEST, .uid = "b1@rumbook", .sequence = 0,
                         .dtstamp_ms = 1795530000000LL,
                         .starts_at_ms = 1807344000000LL, /* 2027-04-10 10:00 CEST */
                         .ends_at_ms = 1807351200000LL,
                         .summary = "Vikingetid",
                         .description = "Class 4.A, Skovvangskolen: 21 pupils.",
                         .location = "Moesgaard Museum, Moesgård Allé 15",
                         .organizer_email = "skole@moesgaard.example",
                         .organizer_name = "Moesgaard Museum",
                         .attendee_email = "4a@skovvang.example"};
    rb_calendar *cal;
    rb_imip_text t;
    rb_error err;
    char *ical;

    CHECK(rb_calendar_new(&cal, &err) == 0);
    CHECK(rb_calendar_render(cal, &inv, &ical, &err) == 0);
    CHECK(rb_imip_text_compose(ical, "REQUEST", 0, "b1", NULL, &t, &err) == 0);
    CHECK_STR(t.subject, "Bekræftet: Vikingetid, lørdag 10. april 2027");
    CHECK(strstr(t.text, "Hvornår: lørdag 10. april 2027 kl. 10:00-12:00\n") != NULL);
    CHECK(strstr(t.text, "Hvor:    Moesgaard Museum, Moesgård Allé 15\n") != NULL);
    CHECK(strstr(t.text, "Class 4.A, Skovvangskolen: 21 pupils.") != NULL);
    CHECK_STR(t.organizer_name, "Moesgaard Museum");
    CHECK_STR(t.organizer_email, "skole@moesgaard.example");
    rb_imip_text_fini(&t);
    CHECK(rb_imip_text_compose(ical, "REQUEST", 2, "b1", "da", &t, &err) == 0);
    CHECK(strncmp(t.subject, "Ændret: ", 9) == 0);
    rb_imip_text_fini(&t);
    CHECK(rb_imip_text_compose(ical, "CANCEL", 3, "b1", "da", &t, &err) == 0);
    CHECK(strncmp(t.subject, "Aflyst: ", 8) == 0);
    rb_imip_text_fini(&t);
    CHECK(rb_imip_text_compose(ical, "REQUEST", 0, "b1", "en", &t, &err) == 0);
    CHECK_STR(t.subject, "Confirmed: Vikingetid, Saturday 10 April 2027");
    CHECK(strstr(t.text, "When:    Saturday 10 April 2027, 10:00-12:00\n") != NULL);
    rb_imip_text_fini(&t);
    CHECK(rb_imip_text_compose("not a calendar", "CANCEL", 3, "b1", "da", &t, &err) == RB_EINVAL);
    free(ical);
    rb_calendar_free(cal);
}

int main(int argc, char **argv)
{
    test_structure();
    test_refused();
    test_compose();
    if (argc == 2) {
        rb_imip m = tricky();
        rb_buf out;
        FILE *f = fopen(argv[1], "w");
        render(&m, &out);
        CHECK(f && fwrite(out.data, 1, out.len, f) == out.len);
        if (f)
            fclose(f);
        rb_buf_fini(&out);
    }
    return check_done("test_imip");
}
