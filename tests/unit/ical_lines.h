/* What every line of an invitation must be, for test_calendar and the
 * fuzz target: at most 75 octets, CRLF-terminated, folded with one space
 * and never inside a UTF-8 sequence, no control character but tab. */
#ifndef RUMBOOK_TEST_ICAL_LINES_H
#define RUMBOOK_TEST_ICAL_LINES_H

#include <stdbool.h>
#include <string.h>

static inline bool ical_lines_ok(const char *t)
{
    const char *p = t, *eol;

    while (*p) {
        size_t i, n;
        if (!(eol = strstr(p, "\r\n")))
            return false;
        n = (size_t)(eol - p);
        if (n > 75 || (p != t && *p == ' ' && ((unsigned char)p[1] & 0xc0) == 0x80))
            return false;
        for (i = 0; i < n; i++)
            if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
                return false;
        p = eol + 2;
    }
    return true;
}

#endif
