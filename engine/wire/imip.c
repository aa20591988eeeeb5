/* iMIP messages (RFC 6047) as SMTP servers and calendar clients take them. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rumbook/imip.h"

#define LINE_MAX_OCTETS 76

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of data[0..len), no line breaks. */
static void base64(rb_buf *out, const unsigned char *d, size_t len)
{
    size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        char q[4] = {b64[v >> 18], b64[v >> 12 & 63], b64[v >> 6 & 63], b64[v & 63]};
        rb_buf_append(out, q, 4);
    }
    if (i < len) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < len ? (unsigned)d[i + 1] << 8 : 0);
        char q[4] = {b64[v >> 18], b64[v >> 12 & 63], i + 1 < len ? b64[v >> 6 & 63] : '=', '='};
        rb_buf_append(out, q, 4);
    }
}

/* A body part in base64, 76 characters a line. */
static void base64_lines(rb_buf *out, const char *s)
{
    size_t len = strlen(s), i;

    for (i = 0; i < len; i += 57) { /* 57 octets make 76 characters */
        base64(out, (const unsigned char *)s + i, len - i < 57 ? len - i : 57);
        rb_buf_puts(out, "\r\n");
    }
}

/* Length of the UTF-8 sequence that starts with c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* A header value's text with line breaks and control characters made
 * spaces: nothing in it can start a header of its own. */
static void clean(char *dst, size_t size, const char *src)
{
    size_t i;

    for (i = 0; src && *src && i + 1 < size; src++)
        dst[i++] = (unsigned char)*src < 0x20 || *src == 0x7f ? ' ' : *src;
    dst[i] = '\0';
}

/* RFC 2047 encoded-words for UTF-8 text, 39 octets (64 characters) each, so
 * that "Subject: " and a word stay within 76 octets; never splitting a
 * character; folded onto continuation lines. */
static void encoded_words(rb_buf *out, const char *text)
{
    char s[1024];
    size_t i = 0, len;

    clean(s, sizeof(s), text);
    len = strlen(s);
    do {
        size_t take = 0;
        while (i + take < len && take + utf8_len((unsigned char)s[i + take]) <= 39)
            take += utf8_len((unsigned char)s[i + take]);
        if (i + take > len)
            take = len - i;
        rb_buf_puts(out, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
        base64(out, (const unsigned char *)s + i, take);
        rb_buf_puts(out, "?=");
        i += take;
    } while (i < len);
}

/* Whether s can stand as an address in a header and an SMTP command. */
static bool address_ok(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;

    if (!at || at == s || !at[1] || strlen(s) > 254)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || strchr("<>\"(),;:\\[]", *s))
            return false;
    return true;
}

/* Quoted-printable (RFC 2045) of UTF-8 text with \n or \r\n line ends;
 * soft breaks keep every line within 76 octets. */
static void quoted_printable(rb_buf *out, const char *s)
{
    int col = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char enc[4];
        int w;
        if (c == '\r')
            continue;
        if (c == '\n') {
            rb_buf_puts(out, "\r\n");
            col = 0;
            continue;
        }
        /* A space or tab before a line end would be lost: encode it there. */
        if ((c >= 33 && c <= 126 && c != '=') ||
            ((c == ' ' || c == '\t') && s[1] && s[1] != '\n' && s[1] != '\r'))
            w = snprintf(enc, sizeof(enc), "%c", c);
        else
            w = snprintf(enc, sizeof(enc), "=%02X", c);
        /* A dot alone at a line's start is SMTP's end of data (libcurl
         * stuffs it too; encoding it keeps the text readable raw). */
        if (col == 0 && c == '.')
            w = snprintf(enc, sizeof(enc), "=2E");
        if (col + w > LINE_MAX_OCTETS - 1) {
            rb_buf_puts(out, "=\r\n");
            col = 0;
        }
        rb_buf_append(out, enc, (size_t)w);
        col += w;
    }
    rb_buf_puts(out, "\r\n");
}

static void date_header(rb_buf *out, int64_t ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    rb_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
}

/* A Message-ID's characters: letters, digits and "._-+@"; the rest go. */
static void message_id(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    for (; src && *src && i + 1 < size; src++)
        if ((*src >= 'a' && *src <= 'z') || (*src >= 'A' && *src <= 'Z') ||
            (*src >= '0' && *src <= '9') || strchr("._-+@", *src))
            dst[i++] = *src;
    dst[i] = '\0';
}

/* The boundary: "=_" never occurs in quoted-printable or base64 text. */
static void boundary_of(char out[64], const char *message_id)
{
    unsigned long h = 5381;

    for (; *message_id; message_id++)
        h = h * 33 + (unsigned char)*message_id;
    snprintf(out, 64, "=_rumbook_%016lx", h);
}

int rb_imip_render(const rb_imip *m, rb_buf *out, rb_error *err)
{
    char boundary[64], id[256];

    if (!address_ok(m->from_address) || !address_ok(m->to) ||
        (m->reply_to && *m->reply_to && !address_ok(m->reply_to)))
        return rb_error_set(err, RB_EINVAL, "not an e-mail address: \"%.100s\"",
                            !address_ok(m->from_address) ? m->from_address
                            : !address_ok(m->to)         ? m->to
                                                         : m->reply_to);
    if (strcmp(m->method, "REQUEST") != 0 && strcmp(m->method, "CANCEL") != 0)
        return rb_error_set(err, RB_EINVAL, "iMIP method \"%.20s\" is neither REQUEST nor CANCEL",
                            m->method);
    message_id(id, sizeof(id), m->message_id);
    boundary_of(boundary, id);
    rb_buf_puts(out, "From: ");
    if (m->from_name && *m->from_name) {
        encoded_words(out, m->from_name);
        rb_buf_puts(out, "\r\n "); /* the address on a line of its own: within 76 octets */
    }
    rb_buf_printf(out, "<%s>\r\nTo: <%s>\r\n", m->from_address, m->to);
    if (m->reply_to && *m->reply_to)
        rb_buf_printf(out, "Reply-To: <%s>\r\n", m->reply_to);
    rb_buf_puts(out, "Subject: ");
    encoded_words(out, m->subject);
    rb_buf_puts(out, "\r\n");
    date_header(out, m->date_ms);
    rb_buf_printf(out,
                  "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
                  "This is an invitation in MIME format.\r\n\r\n--%s\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  id, boundary, boundary);
    quoted_printable(out, m->text);
    rb_buf_printf(out,
                  "\r\n--%s\r\nContent-Type: text/calendar; method=%s; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n",
                  boundary, m->method);
    base64_lines(out, m->icalendar);
    rb_buf_printf(out, "\r\n--%s--\r\n", boundary);
    return out->failed ? rb_error_set(err, RB_ENOMEM, "out of memory") : 0;
}
