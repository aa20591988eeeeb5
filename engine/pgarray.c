/* Array literal building: elements are always double-quoted, with
 * backslash and quote escaped, which is valid for every element type. */
#include <stdio.h>
#include <string.h>

#include "rumbook/pgarray.h"

void rb_pgarray_begin(rb_buf *b)
{
    rb_buf_reset(b);
    rb_buf_putc(b, '{');
}

void rb_pgarray_end(rb_buf *b)
{
    rb_buf_putc(b, '}');
}

static void separate(rb_buf *b)
{
    if (b->len > 1)
        rb_buf_putc(b, ',');
}

void rb_pgarray_text(rb_buf *b, const char *s)
{
    separate(b);
    if (!s) {
        rb_buf_puts(b, "NULL");
        return;
    }
    rb_buf_putc(b, '"');
    while (*s) { /* runs without a quote or backslash are copied whole */
        size_t run = strcspn(s, "\"\\");
        rb_buf_append(b, s, run);
        s += run;
        if (*s) {
            rb_buf_putc(b, '\\');
            rb_buf_putc(b, *s++);
        }
    }
    rb_buf_putc(b, '"');
}

void rb_pgarray_int(rb_buf *b, int64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%lld", (long long)v);

    separate(b);
    rb_buf_append(b, digits, (size_t)n);
}

void rb_pgarray_bytea(rb_buf *b, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    separate(b);
    /* "\\x..." : the array parser turns \\ into the \ that bytea's hex form needs. */
    rb_buf_puts(b, "\"\\\\x");
    while (len > 0) { /* a chunk at a time: payloads are kilobytes */
        char chunk[512];
        size_t n = len < sizeof(chunk) / 2 ? len : sizeof(chunk) / 2;
        for (i = 0; i < n; i++) {
            chunk[2 * i] = hex[data[i] >> 4];
            chunk[2 * i + 1] = hex[data[i] & 15];
        }
        rb_buf_append(b, chunk, 2 * n);
        data += n;
        len -= n;
    }
    rb_buf_putc(b, '"');
}
