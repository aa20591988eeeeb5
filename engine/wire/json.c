/* Minimal JSON: escaped output and a flat-object reader. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/json.h"

void rb_json_string(rb_buf *b, const char *s)
{
    rb_buf_putc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': rb_buf_puts(b, "\\\""); break;
        case '\\': rb_buf_puts(b, "\\\\"); break;
        case '\n': rb_buf_puts(b, "\\n"); break;
        case '\r': rb_buf_puts(b, "\\r"); break;
        case '\t': rb_buf_puts(b, "\\t"); break;
        default:
            if (c < 0x20)
                rb_buf_printf(b, "\\u%04x", c);
            else
                rb_buf_putc(b, (char)c);
        }
    }
    rb_buf_putc(b, '"');
}

enum value_type { V_NULL, V_STRING, V_NUMBER, V_BOOL, V_NESTED };

typedef struct member {
    char *key;
    enum value_type type;
    char *str;
    double num;
} member;

struct rb_json_object {
    member *members;
    size_t n, cap;
};

typedef struct parser {
    const char *p;
    const char *start;
    rb_error *err;
} parser;

static int fail(parser *ps, const char *what)
{
    return rb_error_set(ps->err, RB_EINVAL, "invalid JSON at byte %ld: %s",
                        (long)(ps->p - ps->start), what);
}

static void skip_ws(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static void put_utf8(rb_buf *b, unsigned cp)
{
    if (cp < 0x80) {
        rb_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        rb_buf_putc(b, (char)(0xc0 | (cp >> 6)));
        rb_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        rb_buf_putc(b, (char)(0xe0 | (cp >> 12)));
        rb_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        rb_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

static int parse_escape(parser *ps, rb_buf *b)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = strchr(from, *ps->p);
    unsigned cp = 0;
    int i;

    if (*ps->p && hit) {
        rb_buf_putc(b, to[hit - from]);
        ps->p++;
        return 0;
    }
    if (*ps->p != 'u')
        return fail(ps, "bad escape");
    for (i = 1; i <= 4; i++) {
        if (!isxdigit((unsigned char)ps->p[i]))
            return fail(ps, "bad \\u escape");
        cp = cp * 16 + (unsigned)(isdigit((unsigned char)ps->p[i]) ? ps->p[i] - '0'
                                                                   : (tolower(ps->p[i]) - 'a' + 10));
    }
    ps->p += 5;
    put_utf8(b, cp);
    return 0;
}

static int parse_string(parser *ps, char **out)
{
    rb_buf b;

    rb_buf_init(&b);
    rb_buf_puts(&b, "");
    ps->p++; /* opening quote */
    while (*ps->p != '"') {
        if (*ps->p == '\0' || (unsigned char)*ps->p < 0x20) {
            rb_buf_fini(&b);
            return fail(ps, "unterminated string");
        }
        if (*ps->p == '\\') {
            ps->p++;
            if (parse_escape(ps, &b) < 0) {
                rb_buf_fini(&b);
                return RB_EINVAL;
            }
            continue;
        }
        rb_buf_putc(&b, *ps->p++);
    }
    ps->p++;
    if (b.failed) {
        rb_buf_fini(&b);
        return rb_error_set(ps->err, RB_ENOMEM, "out of memory");
    }
    *out = b.data;
    return 0;
}

/* An object or array inside the object, kept as its text: its balance is
 * checked here, the rest by whoever reads it (the catalogue's entities by
 * PostgreSQL). */
static int parse_nested(parser *ps, member *m)
{
    const char *from = ps->p;
    char *skipped;
    int depth = 0;

    do {
        if (*ps->p == '"') {
            if (parse_string(ps, &skipped) < 0)
                return RB_EINVAL;
            free(skipped);
            continue;
        }
        if (*ps->p == '\0')
            return fail(ps, "unterminated object or array");
        if (*ps->p == '{' || *ps->p == '[')
            depth++;
        else if (*ps->p == '}' || *ps->p == ']')
            depth--;
        if (depth > 64)
            return fail(ps, "nested more than 64 deep");
        ps->p++;
    } while (depth > 0);
    if (!(m->str = strndup(from, (size_t)(ps->p - from))))
        return rb_error_set(ps->err, RB_ENOMEM, "out of memory");
    m->type = V_NESTED;
    return 0;
}

static int parse_value(parser *ps, member *m)
{
    char *end;

    if (*ps->p == '"') {
        m->type = V_STRING;
        return parse_string(ps, &m->str);
    }
    if (strncmp(ps->p, "null", 4) == 0) {
        m->type = V_NULL;
        ps->p += 4;
        return 0;
    }
    if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
        m->type = V_BOOL;
        m->num = *ps->p == 't';
        ps->p += *ps->p == 't' ? 4 : 5;
        return 0;
    }
    if (*ps->p == '{' || *ps->p == '[')
        return parse_nested(ps, m);
    m->num = strtod(ps->p, &end);
    if (end == ps->p)
        return fail(ps, "expected a value");
    m->type = V_NUMBER;
    ps->p = end;
    return 0;
}

static int add_member(rb_json_object *obj, parser *ps)
{
    member *m;

    if (obj->n == obj->cap) {
        size_t cap = obj->cap ? obj->cap * 2 : 8;
        member *p = realloc(obj->members, cap * sizeof(*p));
        if (!p)
            return rb_error_set(ps->err, RB_ENOMEM, "out of memory");
        obj->members = p;
        obj->cap = cap;
    }
    m = &obj->members[obj->n];
    memset(m, 0, sizeof(*m));
    if (*ps->p != '"')
        return fail(ps, "expected a key");
    if (parse_string(ps, &m->key) < 0)
        return RB_EINVAL;
    obj->n++;
    skip_ws(ps);
    if (*ps->p++ != ':')
        return fail(ps, "expected ':'");
    skip_ws(ps);
    return parse_value(ps, m);
}

static int parse_members(rb_json_object *obj, parser *ps)
{
    skip_ws(ps);
    if (*ps->p++ != '{')
        return fail(ps, "expected an object");
    skip_ws(ps);
    if (*ps->p == '}') {
        ps->p++;
        return 0;
    }
    for (;;) {
        skip_ws(ps);
        if (add_member(obj, ps) < 0)
            return RB_EINVAL;
        skip_ws(ps);
        if (*ps->p == '}') {
            ps->p++;
            return 0;
        }
        if (*ps->p++ != ',')
            return fail(ps, "expected ',' or '}'");
    }
}

int rb_json_object_parse(const char *text, rb_json_object **out, rb_error *err)
{
    parser ps = {text, text, err};
    rb_json_object *obj = calloc(1, sizeof(*obj));

    *out = NULL;
    if (!obj)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    if (parse_members(obj, &ps) < 0) {
        rb_json_object_free(obj);
        return RB_EINVAL;
    }
    skip_ws(&ps);
    if (*ps.p != '\0') {
        rb_json_object_free(obj);
        return fail(&ps, "trailing characters after the object");
    }
    *out = obj;
    return 0;
}

void rb_json_object_free(rb_json_object *obj)
{
    size_t i;

    if (!obj)
        return;
    for (i = 0; i < obj->n; i++) {
        free(obj->members[i].key);
        free(obj->members[i].str);
    }
    free(obj->members);
    free(obj);
}

static const member *find(const rb_json_object *obj, const char *key)
{
    size_t i;

    for (i = 0; i < obj->n; i++)
        if (strcmp(obj->members[i].key, key) == 0)
            return &obj->members[i];
    return NULL;
}

const char *rb_json_get_string(const rb_json_object *obj, const char *key, int *rc)
{
    const member *m = find(obj, key);

    *rc = 0;
    if (!m || m->type == V_NULL)
        return NULL;
    if (m->type != V_STRING) {
        *rc = RB_EINVAL;
        return NULL;
    }
    return m->str;
}

const char *rb_json_get_nested(const rb_json_object *obj, const char *key, int *rc)
{
    const member *m = find(obj, key);

    *rc = 0;
    if (!m || m->type == V_NULL)
        return NULL;
    if (m->type != V_NESTED) {
        *rc = RB_EINVAL;
        return NULL;
    }
    return m->str;
}

int rb_json_get_bool(const rb_json_object *obj, const char *key, bool *v)
{
    const member *m = find(obj, key);

    if (!m || m->type == V_NULL)
        return RB_ENOTFOUND;
    if (m->type != V_BOOL)
        return RB_EINVAL;
    *v = m->num != 0;
    return 0;
}

int rb_json_get_int(const rb_json_object *obj, const char *key, int64_t *v)
{
    const member *m = find(obj, key);

    if (!m || m->type == V_NULL)
        return RB_ENOTFOUND;
    if (m->type != V_NUMBER || m->num != floor(m->num) || fabs(m->num) > 9e15)
        return RB_EINVAL;
    *v = (int64_t)m->num;
    return 0;
}

const char *rb_json_unknown_key(const rb_json_object *obj, const char *const *known)
{
    size_t i;
    const char *const *k;

    for (i = 0; i < obj->n; i++) {
        for (k = known; *k; k++)
            if (strcmp(*k, obj->members[i].key) == 0)
                break;
        if (!*k)
            return obj->members[i].key;
    }
    return NULL;
}
