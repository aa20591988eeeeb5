/* Growable NUL-terminated buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/buf.h"

void rb_buf_init(rb_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void rb_buf_fini(rb_buf *b)
{
    free(b->data);
    rb_buf_init(b);
}

void rb_buf_reset(rb_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

static bool reserve(rb_buf *b, size_t extra)
{
    size_t want = b->len + extra + 1;
    char *p;

    if (b->failed)
        return false;
    if (want <= b->cap)
        return true;
    if (want < b->cap * 2)
        want = b->cap * 2;
    if (want < 64)
        want = 64;
    p = realloc(b->data, want);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = want;
    return true;
}

void rb_buf_append(rb_buf *b, const void *data, size_t len)
{
    if (!reserve(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void rb_buf_puts(rb_buf *b, const char *s)
{
    rb_buf_append(b, s, strlen(s));
}

void rb_buf_putc(rb_buf *b, char c)
{
    rb_buf_append(b, &c, 1);
}

void rb_buf_printf(rb_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int rb_buf_read_file(rb_buf *b, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc;

    if (!f)
        return -1;
    rb_buf_append(b, "", 0); /* an empty file still gives "" */
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rb_buf_append(b, chunk, n);
    rc = ferror(f) || b->failed ? -1 : 0;
    if (f != stdin)
        fclose(f);
    return rc;
}
