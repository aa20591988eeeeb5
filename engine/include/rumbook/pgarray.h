/* PostgreSQL array literals ("{...}") built in an rb_buf, so that a whole
 * batch travels as one parameter per column and is unnested server-side. */
#ifndef RUMBOOK_PGARRAY_H
#define RUMBOOK_PGARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "rumbook/buf.h"

void rb_pgarray_begin(rb_buf *b);
void rb_pgarray_end(rb_buf *b);
/* Appends a quoted text element; NULL appends SQL NULL. */
void rb_pgarray_text(rb_buf *b, const char *s);
void rb_pgarray_int(rb_buf *b, int64_t v);
/* Appends a bytea element in hex form. */
void rb_pgarray_bytea(rb_buf *b, const uint8_t *data, size_t len);

#endif
