/* A growable byte buffer, always NUL-terminated. Storage is owned by the
 * caller's rb_buf (rb_buf_init/rb_buf_fini); an allocation failure sets
 * `failed` and later appends are ignored, so callers check once at the end. */
#ifndef RUMBOOK_BUF_H
#define RUMBOOK_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rb_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} rb_buf;

void rb_buf_init(rb_buf *b);
void rb_buf_fini(rb_buf *b);
void rb_buf_reset(rb_buf *b);
void rb_buf_append(rb_buf *b, const void *data, size_t len);
void rb_buf_puts(rb_buf *b, const char *s);
void rb_buf_putc(rb_buf *b, char c);
void rb_buf_printf(rb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a whole file ("-": standard input). Returns 0, or -1 when it
 * cannot be opened or read, or memory runs out. */
int rb_buf_read_file(rb_buf *b, const char *path);

#endif
