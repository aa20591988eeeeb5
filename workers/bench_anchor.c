/* The anchor: the simplest set-based booking in SQL, on the same server in
 * the same run, so that rumbook's figure can be quoted as a share of what
 * the machine does anyway. Each transaction books 100 requests at once: a
 * conditional counter update (places left), a booking row and an outbox
 * row per request; two connections, as rumbook's two workers. No rules,
 * no Kafka, no decisions read back: an upper bound for any engine that
 * keeps its bookings in PostgreSQL. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_internal.h"
#include "rumbook/pg.h"

#define ANCHOR_SESSIONS 40000
#define ANCHOR_BATCH 100
#define ANCHOR_CONNECTIONS 2

static const char SQL_SCHEMA[] =
    "DROP TABLE IF EXISTS anchor_outbox, anchor_bookings, anchor_sessions;"
    "CREATE TABLE anchor_sessions (id int PRIMARY KEY, booked int NOT NULL DEFAULT 0,"
    " capacity int NOT NULL CHECK (booked BETWEEN 0 AND capacity));"
    "CREATE TABLE anchor_bookings (id bigserial PRIMARY KEY, session_id int NOT NULL,"
    " pupils int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE anchor_outbox (id bigserial PRIMARY KEY, payload bytea NOT NULL,"
    " sent_at timestamptz);"
    "INSERT INTO anchor_sessions (id, capacity) SELECT g, 60 FROM generate_series(1, 40000) g;"
    "ANALYZE anchor_sessions";

/* One transaction of ANCHOR_BATCH requests: the sessions that still have
 * the places take them, and each booking made writes an outbox row. */
static const char SQL_BOOK[] =
    "WITH req AS (SELECT * FROM unnest($1::int[], $2::int[]) AS r(s, n)),"
    " took AS (UPDATE anchor_sessions a SET booked = a.booked + req.n FROM req"
    "  WHERE a.id = req.s AND a.booked + req.n <= a.capacity RETURNING a.id, req.n),"
    " made AS (INSERT INTO anchor_bookings (session_id, pupils) SELECT id, n FROM took"
    "  RETURNING id)"
    " INSERT INTO anchor_outbox (payload) SELECT convert_to(id::text, 'UTF8') FROM made";

typedef struct anchor_thread {
    const char *dsn;
    long transactions;
    unsigned seed;
    int failed;
} anchor_thread;

/* "{1,2,3}": distinct sessions (an UPDATE changes a row once). */
static void array_of(char *out, size_t size, unsigned *seed, bool sessions)
{
    size_t used = 0;
    int i;

    out[used++] = '{';
    for (i = 0; i < ANCHOR_BATCH; i++)
        used += (size_t)snprintf(
            out + used, size - used, "%s%d", i ? "," : "",
            sessions ? (int)(rand_r(seed) % (ANCHOR_SESSIONS / ANCHOR_BATCH)) * ANCHOR_BATCH + i + 1
                     : 1 + (int)(rand_r(seed) % 3));
    snprintf(out + used, size - used, "}");
}

static void *run_connection(void *arg)
{
    anchor_thread *t = arg;
    char sessions[ANCHOR_BATCH * 8], pupils[ANCHOR_BATCH * 3];
    const char *params[2] = {sessions, pupils};
    PGconn *conn;
    rb_error err;
    long k;

    if (rb_pg_connect(t->dsn, &conn, &err) < 0) {
        fprintf(stderr, "rumbook-bench: anchor: %s\n", err.message);
        t->failed = 1;
        return NULL;
    }
    for (k = 0; k < t->transactions && !t->failed; k++) {
        PGresult *res;
        array_of(sessions, sizeof(sessions), &t->seed, true);
        array_of(pupils, sizeof(pupils), &t->seed, false);
        res = PQexecParams(conn, SQL_BOOK, 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "rumbook-bench: anchor: %s", PQerrorMessage(conn));
            t->failed = 1;
        }
        PQclear(res);
    }
    PQfinish(conn);
    return NULL;
}

int bench_anchor(const char *server, long requests, double *per_second)
{
    char dsn[512];
    anchor_thread t[ANCHOR_CONNECTIONS];
    pthread_t tid[ANCHOR_CONNECTIONS];
    struct timespec a, b;
    int i, failed = 0;

    snprintf(dsn, sizeof(dsn), "%s/rumbook_bench_anchor", server);
    if (bench_sql_on(server, "postgres",
                     "DROP DATABASE IF EXISTS rumbook_bench_anchor WITH (FORCE)") < 0 ||
        bench_sql_on(server, "postgres", "CREATE DATABASE rumbook_bench_anchor") < 0 ||
        bench_sql_on(server, "rumbook_bench_anchor", SQL_SCHEMA) < 0 ||
        bench_sql_on(server, "postgres", "CHECKPOINT") < 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < ANCHOR_CONNECTIONS; i++) {
        t[i] =
            (anchor_thread){dsn, requests / ANCHOR_BATCH / ANCHOR_CONNECTIONS, 7u + (unsigned)i, 0};
        pthread_create(&tid[i], NULL, run_connection, &t[i]);
    }
    for (i = 0; i < ANCHOR_CONNECTIONS; i++) {
        pthread_join(tid[i], NULL);
        failed |= t[i].failed;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    *per_second = (double)(t[0].transactions * ANCHOR_CONNECTIONS * ANCHOR_BATCH) /
                  ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
    bench_sql_on(server, "postgres", "DROP DATABASE IF EXISTS rumbook_bench_anchor WITH (FORCE)");
    return failed ? -1 : 0;
}
