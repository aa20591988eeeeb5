/* One-dimensional arrays in PostgreSQL's binary format (array_send):
 * a header (dimensions, null flag, element type oid, length, lower bound)
 * then each element as a 32-bit length (-1: NULL) and its bytes, every
 * integer in network order. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/pgarray.h"

/* Offsets in the 20-byte header of what is known only later. */
#define FLAGS_AT 4
#define COUNT_AT 12

/* pg_type oids, fixed since PostgreSQL 8. */
static const uint32_t type_oid[] = {
    [RB_PG_SCALAR] = 0, [RB_PG_TEXT] = 25,    [RB_PG_INT4] = 23,  [RB_PG_INT8] = 20,
    [RB_PG_FLOAT8] = 701, [RB_PG_UUID] = 2950, [RB_PG_BYTEA] = 17,
};

static const struct {
    const char *name;
    rb_pgtype type;
} cast_names[] = {
    {"text", RB_PG_TEXT},     {"int", RB_PG_INT4},    {"integer", RB_PG_INT4},
    {"int4", RB_PG_INT4},     {"bigint", RB_PG_INT8}, {"int8", RB_PG_INT8},
    {"float8", RB_PG_FLOAT8}, {"uuid", RB_PG_UUID},   {"bytea", RB_PG_BYTEA},
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void append32(rb_pgarray *a, uint32_t v)
{
    uint8_t p[4];

    put32(p, v);
    rb_buf_append(&a->buf, p, 4);
}

static void append64(rb_pgarray *a, uint64_t v)
{
    append32(a, (uint32_t)(v >> 32));
    append32(a, (uint32_t)v);
}

void rb_pgarray_init(rb_pgarray *a)
{
    memset(a, 0, sizeof(*a));
    rb_buf_init(&a->buf);
}

void rb_pgarray_fini(rb_pgarray *a)
{
    rb_buf_fini(&a->buf);
}

void rb_pgarray_begin(rb_pgarray *a, rb_pgtype type)
{
    rb_buf_reset(&a->buf);
    a->type = type;
    a->n = 0;
    a->invalid = type == RB_PG_SCALAR;
    append32(a, 1);               /* dimensions */
    append32(a, 0);               /* has nulls */
    append32(a, type_oid[type]);  /* element type */
    append32(a, 0);               /* length, kept by counted() */
    append32(a, 1);               /* lower bound */
}

static rb_pgtype cast_type(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(cast_names) / sizeof(cast_names[0]); i++)
        if (strlen(cast_names[i].name) == len && memcmp(cast_names[i].name, name, len) == 0)
            return cast_names[i].type;
    return RB_PG_SCALAR;
}

void rb_pgarray_begin_for(rb_pgarray *a, int n, const char *sql)
{
    const char *p = sql;
    int i;

    for (i = 0; i < n; i++)
        rb_pgarray_begin(&a[i], RB_PG_SCALAR);
    while ((p = strchr(p, '$'))) {
        char *end;
        long k = strtol(p + 1, &end, 10);
        const char *name = end + 2;
        size_t len = 0;

        p++;
        if (end == p || strncmp(end, "::", 2) != 0 || k < 1 || k > n)
            continue;
        while (isalnum((unsigned char)name[len]))
            len++;
        if (strncmp(name + len, "[]", 2) == 0)
            rb_pgarray_begin(&a[k - 1], cast_type(name, len));
    }
}

/* One element more; the header's count follows, so the array can be sent
 * after any append. */
static void counted(rb_pgarray *a)
{
    a->n++;
    if (!a->buf.failed)
        put32((uint8_t *)a->buf.data + COUNT_AT, (uint32_t)a->n);
}

static bool element_of(rb_pgarray *a, rb_pgtype type)
{
    if (a->type == type)
        return true;
    a->invalid = true;
    return false;
}

void rb_pgarray_null(rb_pgarray *a)
{
    if (a->type == RB_PG_SCALAR) {
        a->invalid = true;
        return;
    }
    append32(a, UINT32_MAX);
    if (!a->buf.failed)
        put32((uint8_t *)a->buf.data + FLAGS_AT, 1);
    counted(a);
}

void rb_pgarray_bytea(rb_pgarray *a, const uint8_t *data, size_t len)
{
    if (!element_of(a, RB_PG_BYTEA))
        return;
    if (len > INT32_MAX) {
        a->invalid = true;
        return;
    }
    append32(a, (uint32_t)len);
    rb_buf_append(&a->buf, data, len);
    counted(a);
}

void rb_pgarray_int(rb_pgarray *a, int64_t v)
{
    if (a->type == RB_PG_INT4 && v >= INT32_MIN && v <= INT32_MAX) {
        append32(a, 4);
        append32(a, (uint32_t)(int32_t)v);
    } else if (a->type == RB_PG_INT8) {
        append32(a, 8);
        append64(a, (uint64_t)v);
    } else if (a->type == RB_PG_FLOAT8) {
        rb_pgarray_float(a, (double)v);
        return;
    } else {
        a->invalid = true;
        return;
    }
    counted(a);
}

void rb_pgarray_float(rb_pgarray *a, double v)
{
    uint64_t bits;

    if (!element_of(a, RB_PG_FLOAT8))
        return;
    memcpy(&bits, &v, sizeof(bits));
    append32(a, 8);
    append64(a, bits);
    counted(a);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* 8-4-4-4-12 hex digits; what rb_uuid_valid accepts. */
static void uuid_element(rb_pgarray *a, const char *s)
{
    uint8_t bytes[16];
    int i, hi, lo;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (*s++ != '-') {
                a->invalid = true;
                return;
            }
        }
        if ((hi = hex_digit(s[0])) < 0 || (lo = hex_digit(s[1])) < 0) {
            a->invalid = true;
            return;
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    if (*s) {
        a->invalid = true;
        return;
    }
    append32(a, 16);
    rb_buf_append(&a->buf, bytes, 16);
    counted(a);
}

static void number_element(rb_pgarray *a, const char *s)
{
    char *end;
    double f = 0;
    long long i = 0;

    errno = 0;
    if (a->type == RB_PG_FLOAT8)
        f = strtod(s, &end);
    else
        i = strtoll(s, &end, 10);
    if (end == s || *end || errno)
        a->invalid = true;
    else if (a->type == RB_PG_FLOAT8)
        rb_pgarray_float(a, f);
    else
        rb_pgarray_int(a, i);
}

void rb_pgarray_text(rb_pgarray *a, const char *s)
{
    size_t len;

    if (!s) {
        rb_pgarray_null(a);
        return;
    }
    switch (a->type) {
    case RB_PG_TEXT:
        len = strlen(s);
        append32(a, (uint32_t)len);
        rb_buf_append(&a->buf, s, len);
        counted(a);
        return;
    case RB_PG_UUID:
        uuid_element(a, s);
        return;
    case RB_PG_INT4:
    case RB_PG_INT8:
    case RB_PG_FLOAT8:
        number_element(a, s);
        return;
    default:
        a->invalid = true;
        return;
    }
}

void rb_pgarray_scalar(rb_pgarray *a, const char *s)
{
    rb_buf_reset(&a->buf);
    rb_buf_puts(&a->buf, s);
    a->type = RB_PG_SCALAR;
    a->n = 0;
    a->invalid = false;
}
