/* Array literal building: elements are always double-quoted, with
 * backslash and quote escaped, which is valid for every element type. */
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
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            rb_buf_putc(b, '\\');
        rb_buf_putc(b, *s);
    }
    rb_buf_putc(b, '"');
}

void rb_pgarray_int(rb_buf *b, int64_t v)
{
    separate(b);
    rb_buf_printf(b, "%lld", (long long)v);
}

void rb_pgarray_bytea(rb_buf *b, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    separate(b);
    /* "\\x..." : the array parser turns \\ into the \ that bytea's hex form needs. */
    rb_buf_puts(b, "\"\\\\x");
    for (i = 0; i < len; i++) {
        rb_buf_putc(b, hex[data[i] >> 4]);
        rb_buf_putc(b, hex[data[i] & 15]);
    }
    rb_buf_putc(b, '"');
}
