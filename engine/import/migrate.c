/* Schema migrations: numbered SQL files, applied once each, in order. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/buf.h"
#include "rumbook/log.h"
#include "rumbook/import.h"
#include "rumbook/pg.h"

/* Any constant will do; it only has to be the same for every migrator. */
#define MIGRATION_LOCK "7351902"

const char *rb_migrations_dir(void)
{
    const char *dir = getenv("RUMBOOK_MIGRATIONS");

    return dir && *dir ? dir : RB_MIGRATIONS_DIR;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Lists NNN_*.sql files in dir, sorted; *names is freed by free_names(). */
static int list_files(const char *dir, char ***names, size_t *n, rb_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;

    *names = NULL;
    *n = 0;
    if (!d)
        return rb_error_set(err, RB_EIO, "could not open migrations directory \"%s\": %s", dir,
                            strerror(errno));
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 8 || strspn(e->d_name, "0123456789") != 3 || e->d_name[3] != '_' ||
            strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        if (*n == cap) {
            char **grown = realloc(*names, (cap ? cap * 2 : 16) * sizeof(char *));
            if (!grown)
                break;
            *names = grown;
            cap = cap ? cap * 2 : 16;
        }
        if (!((*names)[*n] = strdup(e->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (e) { /* stopped early: out of memory */
        free_names(*names, *n);
        *names = NULL;
        *n = 0;
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    qsort(*names, *n, sizeof(char *), by_name);
    return 0;
}


static bool is_applied(PGconn *conn, int version, rb_error *err, int *rc)
{
    char v[16];
    const char *params[1] = {v};
    PGresult *res;
    bool found;

    snprintf(v, sizeof(v), "%d", version);
    res = rb__pg_exec(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params,
                      PGRES_TUPLES_OK, "read schema_migrations", err);
    *rc = res ? 0 : RB_EDB;
    found = res && PQntuples(res) > 0;
    PQclear(res);
    return found;
}

typedef struct migration {
    const char *name;
    const char *sql;
} migration;

/* A file's statements (simple protocol: a file holds many) and its record. */
static int run_file(PGconn *conn, void *arg, rb_error *err)
{
    const migration *mg = arg;
    char v[16];
    const char *params[2] = {v, mg->name};
    PGresult *res = PQexec(conn, mg->sql);

    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        rb__pg_fail(conn, res, mg->name, err);
        PQclear(res);
        return RB_EDB;
    }
    PQclear(res);
    snprintf(v, sizeof(v), "%d", atoi(mg->name));
    return rb__pg_command(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2,
                          params, "record migration", err);
}

/* Runs one file and records it, in one transaction. */
static int apply_file(PGconn *conn, const char *dir, const char *name, rb_error *err)
{
    char path[4096];
    rb_buf sql;
    migration mg;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    rb_buf_init(&sql);
    if (rb_buf_read_file(&sql, path) < 0) {
        rc = rb_error_set(err, RB_EIO, "could not read migration file \"%s\": %s", path,
                          strerror(errno));
        rb_buf_fini(&sql);
        return rc;
    }
    mg.name = name;
    mg.sql = sql.data;
    rc = rb__pg_transaction(conn, run_file, &mg, err);
    rb_buf_fini(&sql);
    if (rc == 0)
        rb_log_info("migration applied file=%s", name);
    return rc;
}

static int apply_pending(PGconn *conn, const char *dir, int *applied, rb_error *err)
{
    char **names;
    size_t n, i;
    int rc = list_files(dir, &names, &n, err);

    for (i = 0; rc == 0 && i < n; i++) {
        if (is_applied(conn, atoi(names[i]), err, &rc) || rc < 0)
            continue;
        if ((rc = apply_file(conn, dir, names[i], err)) == 0)
            (*applied)++;
    }
    if (rc == 0 && n == 0)
        rc = rb_error_set(err, RB_ENOTFOUND, "no migrations found in directory \"%s\"", dir);
    free_names(names, n);
    return rc;
}

int rb_migrate(PGconn *conn, const char *dir, int *applied, rb_error *err)
{
    PGresult *lock;
    int rc;

    *applied = 0;
    lock = rb__pg_exec(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")", 0, NULL,
                       PGRES_TUPLES_OK, "take migration lock", err);
    if (!lock)
        return RB_EDB;
    PQclear(lock);
    rc = rb__pg_command(conn,
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        " version int PRIMARY KEY, name text NOT NULL,"
                        " applied_at timestamptz NOT NULL DEFAULT now())",
                        0, NULL, "create schema_migrations", err);
    if (rc == 0)
        rc = apply_pending(conn, dir, applied, err);
    PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")"));
    return rc;
}
