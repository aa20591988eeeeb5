/* Statements prepared once per connection and then run by name: parsing,
 * analysing and planning a batch's statements afresh was about a tenth of
 * the server's time. Names are never reused, so a statement whose
 * preparation failed or was skipped (an aborted pipeline) is prepared
 * again under a new one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "util/strset_internal.h"

void rb__pgstmts_forget(rb_pgstmts *s)
{
    int i;

    for (i = 0; i < s->n; i++)
        free(s->known[i].sql);
    s->n = 0;
}

static void name_of(unsigned id, char name[16])
{
    snprintf(name, 16, "rb%u", id);
}

/* The entry for sql, or -1. */
static int find(const rb_pgstmts *s, const char *sql, uint64_t h)
{
    int i;

    for (i = 0; i < s->n; i++)
        if (s->known[i].hash == h && strcmp(s->known[i].sql, sql) == 0)
            return i;
    return -1;
}

static int add(rb_pgstmts *s, const char *sql, uint64_t h)
{
    char *copy;

    if (s->n == RB_PGSTMTS_MAX || !(copy = strdup(sql)))
        return -1;
    s->known[s->n].hash = h;
    s->known[s->n].sql = copy;
    s->known[s->n].ready = false;
    return s->n++;
}

int rb__pgstmts_lookup(rb_pgstmts *s, const char *sql, char name[16], bool *fresh)
{
    uint64_t h = rb__str_hash(sql);
    int i = find(s, sql, h);

    if (i < 0 && (i = add(s, sql, h)) < 0)
        return -1;
    *fresh = !s->known[i].ready;
    if (*fresh) { /* taken as prepared from here on; rb__pgstmts_failed says otherwise */
        s->known[i].id = ++s->last_id;
        s->known[i].ready = true;
    }
    name_of(s->known[i].id, name);
    return i;
}

void rb__pgstmts_failed(rb_pgstmts *s, int i)
{
    s->known[i].ready = false;
}

PGresult *rb__pg_exec_prepared(PGconn *conn, rb_pgstmts *s, const char *sql,
                               const rb_pgarray *params, int n, ExecStatusType want,
                               const char *what, rb_error *err)
{
    const char *values[RB_PG_MAX_PARAMS];
    int lengths[RB_PG_MAX_PARAMS], formats[RB_PG_MAX_PARAMS], i;
    char name[16];
    bool fresh;
    PGresult *res;

    if (rb__pg_bind(params, n, values, lengths, formats, what, err) < 0)
        return NULL;
    if (n == 0 || (i = rb__pgstmts_lookup(s, sql, name, &fresh)) < 0) /* unnamed */
        return rb__pg_checked(conn, PQexecParams(conn, sql, n, NULL, values, lengths, formats, 0),
                              want, what, err);
    if (fresh) {
        if (!(res = rb__pg_checked(conn, PQprepare(conn, name, sql, n, NULL), PGRES_COMMAND_OK,
                                   what, err))) {
            rb__pgstmts_failed(s, i);
            return NULL;
        }
        PQclear(res);
    }
    return rb__pg_checked(conn, PQexecPrepared(conn, name, n, values, lengths, formats, 0), want,
                          what, err);
}
