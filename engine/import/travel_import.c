/* The travel-time table from CSV: "school_id,venue_id,mode,minutes" with a
 * header line. Every line is checked before anything is stored, its
 * school and venue against the catalogue too; an error names the line.
 * One transaction, so all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/buf.h"
#include "rumbook/import.h"
#include "rumbook/pg.h"
#include "rumbook/pgarray.h"
#include "rumbook/travel.h"

/* The first line naming a school or venue the catalogue lacks; the same
 * columns as SQL_UPSERT, and each row's line number. */
static const char SQL_UNKNOWN[] =
    "SELECT u.line, u.s, EXISTS (SELECT 1 FROM schools WHERE id = u.s), u.v"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[])"
    " AS u(s, v, m, mi, line)"
    " WHERE NOT EXISTS (SELECT 1 FROM schools WHERE id = u.s)"
    " OR NOT EXISTS (SELECT 1 FROM venues WHERE id = u.v) ORDER BY u.line LIMIT 1";

static const char SQL_UPSERT[] =
    "INSERT INTO travel_times (school_id, venue_id, mode, minutes)"
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])"
    " ON CONFLICT (school_id, venue_id, mode) DO UPDATE SET minutes = EXCLUDED.minutes";

/* Splits line in place into 4 comma-separated fields. */
static int fields(char *line, char *out[4])
{
    int n = 0;
    char *p = line;

    while (n < 4) {
        out[n++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p++ = '\0';
    }
    return p ? -1 : n;
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

static int parse_line(char *line, int lineno, rb_pgarray cols[5], rb_error *err)
{
    char *f[4], *endp;
    enum rb_mode mode;
    long minutes;
    int i;

    if (fields(line, f) != 4)
        return rb_error_set(err, RB_EINVAL, "line %d: expected school_id,venue_id,mode,minutes",
                            lineno);
    for (i = 0; i < 4; i++)
        f[i] = trim(f[i]);
    if (!*f[0] || !*f[1])
        return rb_error_set(err, RB_EINVAL, "line %d: school_id and venue_id are required",
                            lineno);
    if (!rb_mode_parse(f[2], &mode) || mode == RB_MODE_CAR)
        return rb_error_set(err, RB_EINVAL, "line %d: mode \"%s\" is not walk, bike, "
                            "public_transport or bus", lineno, f[2]);
    minutes = strtol(f[3], &endp, 10);
    if (!*f[3] || *endp || minutes < 0 || minutes > 600)
        return rb_error_set(err, RB_EINVAL, "line %d: minutes \"%s\" is not 0-600", lineno,
                            f[3]);
    rb_pgarray_text(&cols[0], f[0]);
    rb_pgarray_text(&cols[1], f[1]);
    rb_pgarray_text(&cols[2], f[2]);
    rb_pgarray_int(&cols[3], minutes);
    rb_pgarray_int(&cols[4], lineno);
    return 0;
}

/* Refuses the first line naming a school or venue the catalogue lacks. */
static int check_known(PGconn *conn, const rb_pgarray cols[5], rb_error *err)
{
    PGresult *res = rb__pg_exec_params(conn, SQL_UNKNOWN, cols, 5, 0, PGRES_TUPLES_OK,
                                       "check travel times", err);
    int rc = 0;

    if (!res)
        return err->code;
    if (PQntuples(res) > 0 && *PQgetvalue(res, 0, 2) == 'f')
        rc = rb_error_set(err, RB_EINVAL, "line %s: school \"%s\" is not in the catalogue",
                          PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    else if (PQntuples(res) > 0)
        rc = rb_error_set(err, RB_EINVAL, "line %s: venue \"%s\" is not in the catalogue",
                          PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 3));
    PQclear(res);
    return rc;
}

/* The check, the upsert and the workers' notification, in one transaction. */
static int store(PGconn *conn, void *arg, rb_error *err)
{
    rb_pgarray *cols = arg;
    int rc;

    if ((rc = check_known(conn, cols, err)) < 0 ||
        (rc = rb__pg_command_params(conn, SQL_UPSERT, cols, 4, "store travel times", err)) < 0)
        return rc;
    return rb__pg_command(conn, "NOTIFY rumbook_facts", 0, NULL, "notify workers", err);
}

int rb_travel_import(PGconn *conn, char *csv, int *imported, rb_error *err)
{
    rb_pgarray cols[5];
    char *line, *next;
    int i, lineno = 0, rc = 0;

    *imported = 0;
    for (i = 0; i < 5; i++)
        rb_pgarray_init(&cols[i]);
    rb_pgarray_begin_for(cols, 5, SQL_UNKNOWN);
    for (line = csv; line && *line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (lineno == 1 && strncmp(trim(line), "school_id", 9) == 0)
            continue; /* the header */
        if (!*trim(line) || *trim(line) == '#')
            continue;
        if ((rc = parse_line(line, lineno, cols, err)) == 0)
            (*imported)++;
    }
    if (rc == 0 && *imported)
        rc = rb__pg_transaction(conn, store, cols, err);
    for (i = 0; i < 5; i++)
        rb_pgarray_fini(&cols[i]);
    if (rc < 0)
        *imported = 0;
    return rc;
}
