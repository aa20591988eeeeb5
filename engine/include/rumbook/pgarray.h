/* Statement parameters for whole columns: a batch travels as one array
 * parameter per column and is unnested server-side. Arrays are sent in
 * PostgreSQL's binary array format: parsing array literals (array_in) was
 * a fifth of the server's CPU at full load.
 *
 * An array's element type is the one its statement casts the parameter to
 * ("$3::bigint[]"), read from the SQL by rb_pgarray_begin_for, so the two
 * cannot disagree. Storage is owned by the rb_pgarray (rb_pgarray_init /
 * rb_pgarray_fini). An allocation failure sets buf.failed and an element
 * its type cannot hold sets invalid; appends go on, callers check once,
 * when the statement is run (rb__pg_exec_params). */
#ifndef RUMBOOK_PGARRAY_H
#define RUMBOOK_PGARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rumbook/buf.h"

typedef enum rb_pgtype {
    RB_PG_SCALAR, /* not an array: one text parameter (rb_pgarray_scalar) */
    RB_PG_TEXT,
    RB_PG_INT4,
    RB_PG_INT8,
    RB_PG_FLOAT8,
    RB_PG_UUID,
    RB_PG_BYTEA
} rb_pgtype;

typedef struct rb_pgarray {
    rb_buf buf;
    rb_pgtype type;
    int32_t n;
    bool invalid;
} rb_pgarray;

void rb_pgarray_init(rb_pgarray *a);
void rb_pgarray_fini(rb_pgarray *a);

/* Empties a and makes it an array of type. */
void rb_pgarray_begin(rb_pgarray *a, rb_pgtype type);
/* Begins a[0..n-1] as the arrays sql casts $1..$n to; a parameter without
 * an array cast (or of a type not listed above) is left invalid until set
 * with rb_pgarray_scalar. */
void rb_pgarray_begin_for(rb_pgarray *a, int n, const char *sql);

/* Appends an element given in its text form: TEXT as is, UUID in 8-4-4-4-12
 * hex form, INT4/INT8 in decimal, FLOAT8 as strtod reads it. NULL appends
 * SQL NULL (to any type). */
void rb_pgarray_text(rb_pgarray *a, const char *s);
/* INT4 (range checked), INT8 or FLOAT8. */
void rb_pgarray_int(rb_pgarray *a, int64_t v);
void rb_pgarray_float(rb_pgarray *a, double v);
void rb_pgarray_bytea(rb_pgarray *a, const uint8_t *data, size_t len);
void rb_pgarray_null(rb_pgarray *a);

/* Makes a a single text parameter. */
void rb_pgarray_scalar(rb_pgarray *a, const char *s);

#endif
