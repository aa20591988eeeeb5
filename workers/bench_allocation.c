/* rumbook-bench-allocation: allocates a generated round (by default
 * 10,000 classes in 200 schools, 20,000 ranked wishes over 2,000
 * sessions, every rule on) and prints the time the draw took, the share of
 * classes that got their first, second, ... choice or nothing, the spread
 * between schools, and what first come, first served by arrival order
 * gives on the same wishes (docs/allocation.md, docs/performance.md).
 *
 * Each order runs on its own copy of one template database, so both start
 * from the same state: the draw twice with one seed (which must agree),
 * then with --draws other seeds. Wishes are made with a fixed generator:
 * the same flags give the same wishes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "bench_internal.h"
#include "rumbook/buf.h"
#include "rumbook/calendar.h"
#include "rumbook/import.h"
#include "rumbook/log.h"
#include "rumbook/pg.h"
#include "rumbook/store.h"

typedef struct options {
    const char *server;
    int schools, classes, offerings, sessions, wishes, draws;
} options;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void) /* xorshift64*: fixed, so runs compare */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static double uniform(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sessions on school days 09:00-11:00 from March 2027, a few a day per
 * offering; three class places each. Every offering at one of 20 venues
 * near the schools, so travel decides little and capacity much. */
static char *catalogue(const options *o)
{
    rb_buf b;
    int i, per = o->sessions / o->offerings;

    rb_buf_init(&b);
    rb_buf_puts(&b, "{\"providers\":[{\"id\":\"p\",\"name\":\"Museerne\",\"email\":\"b@p.example\","
                    "\"municipality\":\"Aarhus\"}],\"venues\":[");
    for (i = 0; i < 20; i++)
        rb_buf_printf(&b, "%s{\"id\":\"v%d\",\"provider\":\"p\",\"name\":\"Sted %d\",\"lat\":%.4f,"
                          "\"lon\":%.4f}", i ? "," : "", i, i, 56.10 + 0.005 * i, 10.15 + 0.004 * i);
    rb_buf_puts(&b, "],\"offerings\":[");
    for (i = 0; i < o->offerings; i++)
        rb_buf_printf(&b, "%s{\"id\":\"o%d\",\"provider\":\"p\",\"venue\":\"v%d\",\"title\":\"Forløb %d\","
                          "\"duration_min\":120}", i ? "," : "", i, i % 20, i);
    rb_buf_puts(&b, "],\"sessions\":[");
    for (i = 0; i < o->offerings * per; i++) {
        int off = i / per, k = i % per, day = 1 + (k * 7 + off) % 60; /* March-April */
        int month = day > 31 ? 4 : 3, dom = day > 31 ? day - 31 : day;
        rb_buf_printf(&b, "%s{\"id\":\"s%d\",\"offering\":\"o%d\",\"starts_at\":\"2027-%02d-%02dT09:00:00Z\","
                          "\"ends_at\":\"2027-%02d-%02dT11:00:00Z\",\"pupil_capacity\":100,"
                          "\"class_capacity\":3}", i ? "," : "", i, off, month, dom, month, dom);
    }
    rb_buf_puts(&b, "],\"schools\":[");
    for (i = 0; i < o->schools; i++)
        rb_buf_printf(&b, "%s{\"id\":\"sch%d\",\"name\":\"Skole %d\",\"municipality\":\"Aarhus\","
                          "\"lat\":%.4f,\"lon\":%.4f,\"day_start\":\"07:30\",\"day_end\":\"15:00\"}",
                      i ? "," : "", i, i, 56.12 + 0.0005 * (i % 50), 10.17 + 0.0005 * (i / 50));
    rb_buf_puts(&b, "],\"classes\":[");
    for (i = 0; i < o->classes; i++)
        rb_buf_printf(&b, "%s{\"id\":\"c%d\",\"school\":\"sch%d\",\"name\":\"%d\",\"grade\":%d,"
                          "\"size\":24,\"teacher_email\":\"c%d@example.org\"}",
                      i ? "," : "", i, i % o->schools, i, 1 + i % 9, i);
    rb_buf_puts(&b, "],\"rounds\":[{\"id\":\"bench\",\"name\":\"Benchmark\","
                    "\"opens_at\":\"2026-01-01T08:00:00Z\",\"closes_at\":\"2026-01-15T16:00:00Z\","
                    "\"offerings\":[");
    for (i = 0; i < o->offerings; i++)
        rb_buf_printf(&b, "%s\"o%d\"", i ? "," : "", i);
    rb_buf_puts(&b, "],\"max_wishes\":5}]}");
    if (b.failed) {
        rb_buf_fini(&b);
        return NULL;
    }
    return b.data;
}

/* The wishes, as COPY text: each class lists 1-3 sessions (2 on average),
 * popular offerings wished for far more than others (the square of a
 * uniform number picks the offering). Arrival is what first come, first
 * served rewards: each school's teachers are as quick as the school (a
 * school's wishes arrive within an hour of its own moment, the moments
 * spread over the first day of the window). */
static int copy_wishes(PGconn *conn, const options *o)
{
    PGresult *res = PQexec(conn, "COPY wishes (command_id, round_id, class_id, school_id,"
                                 " sessions, pupils, travel_mode, received_at) FROM STDIN");
    rb_buf line;
    int i, k, n, total = 0, per = o->sessions / o->offerings;

    if (PQresultStatus(res) != PGRES_COPY_IN) {
        fprintf(stderr, "rumbook-bench-allocation: copy: %s", PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    rb_buf_init(&line);
    for (i = 0; i < o->classes; i++) {
        int picked[3], left = o->classes - i - 1, remaining = o->wishes - total;
        int lo = remaining - 3 * left > 1 ? remaining - 3 * left : 1;
        int hi = remaining - left < 3 ? remaining - left : 3;
        n = lo + (int)(next() % (uint64_t)(hi - lo + 1));
        rb_buf_reset(&line);
        rb_buf_printf(&line, "%08x-0000-4000-8000-%012x\tbench\tc%d\tsch%d\t{", i, i, i,
                      i % o->schools);
        for (k = 0; k < n; k++) {
            int off, s, j, again;
            do {
                double u = uniform();
                off = (int)(u * u * o->offerings);
                s = off * per + (int)(next() % (uint64_t)per);
                for (again = 0, j = 0; j < k; j++)
                    again |= picked[j] == s;
            } while (again);
            picked[k] = s;
            rb_buf_printf(&line, "%ss%d", k ? "," : "", s);
        }
        {
            int m = 480 + (i % o->schools) * 60 * 23 / o->schools + (int)(next() % 60);
            rb_buf_printf(&line, "}\t20\tpublic_transport\t2026-01-%02d %02d:%02d:00+00\n",
                          1 + m / 1440, m % 1440 / 60, m % 60);
        }
        total += n;
        if (PQputCopyData(conn, line.data, (int)line.len) != 1)
            break;
    }
    rb_buf_fini(&line);
    if (PQputCopyEnd(conn, NULL) != 1 || PQresultStatus(res = PQgetResult(conn)) != PGRES_COMMAND_OK) {
        fprintf(stderr, "rumbook-bench-allocation: copy: %s", PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return total;
}

static int prepare_template(const options *o, int *wishes)
{
    char url[512], summary[512], *json;
    PGconn *conn;
    PGresult *res;
    rb_error err;
    int applied, rc;

    if (bench_sql_on(o->server, "postgres", "DROP DATABASE IF EXISTS rumbook_alloc_template WITH (FORCE)") < 0 ||
        bench_sql_on(o->server, "postgres", "CREATE DATABASE rumbook_alloc_template") < 0)
        return -1;
    snprintf(url, sizeof(url), "%s/rumbook_alloc_template", o->server);
    if (rb_pg_connect(url, &conn, &err) < 0 || rb_migrate(conn, rb_migrations_dir(), &applied, &err) < 0) {
        fprintf(stderr, "rumbook-bench-allocation: %s\n", err.message);
        return -1;
    }
    if (!(json = catalogue(o))) {
        PQfinish(conn);
        return -1;
    }
    rc = rb_catalog_import(conn, json, summary, sizeof(summary), NULL, &err);
    free(json);
    if (rc < 0) {
        fprintf(stderr, "rumbook-bench-allocation: catalogue: %s\n", err.message);
        PQfinish(conn);
        return -1;
    }
    /* the wishes and their commands, RECEIVED as a worker would have left them */
    if ((*wishes = copy_wishes(conn, o)) < 0) {
        PQfinish(conn);
        return -1;
    }
    res = PQexec(conn, "INSERT INTO commands (command_id, kind, status, decision,"
                       " decision_event_id, source_topic, source_partition, source_offset)"
                       " SELECT command_id, 'wish', 'received', '\\x', gen_random_uuid(), 'bench', 0, 0"
                       " FROM wishes; ANALYZE");
    rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "rumbook-bench-allocation: %s", PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
    return rc;
}

/* The spread between schools: the share of each school's classes that got
 * a place, lowest, median and highest. */
static void school_spread(PGconn *conn, double out[3])
{
    PGresult *res = PQexec(conn,
        "SELECT min(s), percentile_cont(0.5) WITHIN GROUP (ORDER BY s), max(s) FROM"
        " (SELECT school_id, avg((outcome = 'confirmed')::int)::float8 s FROM allocation_results"
        "  WHERE pass = 1 GROUP BY 1) x");

    out[0] = out[1] = out[2] = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        for (int i = 0; i < 3; i++)
            out[i] = strtod(PQgetvalue(res, 0, i), NULL);
    PQclear(res);
}

/* What the draw gave, as one digest: the same wishes and seed must give
 * the same one. */
static void digest(PGconn *conn, char out[33])
{
    PGresult *res = PQexec(conn,
        "SELECT md5(string_agg(concat_ws(' ', pass, position, class_id, outcome, session_id),"
        " ',' ORDER BY pass, position)) FROM allocation_results");

    snprintf(out, 33, "%s", PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
}

/* Draws the round on a new copy of the template (reseed: with a seed of
 * its own) and prints the figures; placed gets the placements, the first
 * choices and the unplaced. */
static int run(const options *o, rb_draw_kind kind, const char *db, bool reseed,
               const rb_calendar *cal, int wishes, double *seconds, int placed[3],
               char result[33])
{
    char sql[256], url[512];
    rb_store_options so = {0};
    rb_allocation_stats s;
    rb_store *st;
    rb_error err;
    PGconn *conn;
    double spread[3];
    bool drawn;
    int64_t t0;
    int rc, k;

    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    if (bench_sql_on(o->server, "postgres", sql) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE rumbook_alloc_template", db);
    if (bench_sql_on(o->server, "postgres", sql) < 0)
        return -1;
    if (reseed && bench_sql_on(o->server, db,
                          "UPDATE allocation_rounds SET seed = x, seed_sha256 = encode(sha256(x), 'hex')"
                          " FROM (SELECT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())"
                          " AS x) s") < 0)
        return -1;
    snprintf(url, sizeof(url), "%s/%s", o->server, db);
    so.dsn = url;
    so.group = "bench";
    so.topic_decisions = "bench.decisions";
    so.topic_invitations = "bench.invitations";
    so.topic_dlq = "bench.dlq";
    if (rb_store_new(&so, cal, &st, &err) < 0) {
        fprintf(stderr, "rumbook-bench-allocation: %s\n", err.message);
        return -1;
    }
    t0 = now_us();
    rc = rb_store_allocate(st, "bench", kind, true, &drawn, &s, &err);
    *seconds = (double)(now_us() - t0) / 1e6;
    rb_store_free(st);
    if (rc < 0) {
        fprintf(stderr, "rumbook-bench-allocation: %s\n", err.message);
        return -1;
    }
    conn = PQconnectdb(url);
    school_spread(conn, spread);
    digest(conn, result);
    PQfinish(conn);
    printf("rumbook-bench-allocation order=%s classes=%d wishes=%d seconds=%.2f placed=%d"
           " waitlisted=%d", kind == RB_DRAW_SEED ? "draw" : "arrival", s.wishes, wishes, *seconds,
           s.placements, s.waitlisted);
    for (k = 1; k <= 3; k++)
        printf(" choice%d=%.1f%%", k, 100.0 * s.placed[k] / (s.wishes ? s.wishes : 1));
    printf(" none=%.1f%% school_placed_share_min/median/max=%.2f/%.2f/%.2f\n",
           100.0 * s.placed[0] / (s.wishes ? s.wishes : 1), spread[0], spread[1], spread[2]);
    placed[0] = s.placements;
    placed[1] = s.placed[1];
    placed[2] = s.placed[0];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    bench_sql_on(o->server, "postgres", sql);
    return 0;
}

static int flag(int argc, char **argv, int *i, const char *name, int *out)
{
    if (strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
        return 0;
    *out = atoi(argv[++*i]);
    return 1;
}

int main(int argc, char **argv)
{
    options o = {"postgresql://postgres@127.0.0.1:15432", 200, 10000, 100, 2000, 20000, 5};
    rb_calendar *cal;
    rb_error err;
    double draw_s, fcfs_s, again_s;
    char draw_digest[33], fcfs_digest[33], again_digest[33];
    int i, wishes, draw[3], fcfs[3], again[3], lo, hi;
    long sum;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
            o.server = argv[++i];
        else if (!flag(argc, argv, &i, "--schools", &o.schools) &&
                 !flag(argc, argv, &i, "--classes", &o.classes) &&
                 !flag(argc, argv, &i, "--offerings", &o.offerings) &&
                 !flag(argc, argv, &i, "--sessions", &o.sessions) &&
                 !flag(argc, argv, &i, "--wishes", &o.wishes) &&
                 !flag(argc, argv, &i, "--draws", &o.draws)) {
            fprintf(stderr, "usage: rumbook-bench-allocation [--pg SERVER_URL] [--schools N]"
                            " [--classes N] [--offerings N] [--sessions N] [--wishes N]"
                            " [--draws N]\n");
            return 2;
        }
    }
    if (o.draws < 1 || o.schools < 1 || o.classes < o.schools || o.offerings < 1 || o.sessions < o.offerings ||
        o.wishes < o.classes || o.wishes > 3 * o.classes) {
        fprintf(stderr, "rumbook-bench-allocation: needs classes >= schools, sessions >="
                        " offerings, classes <= wishes <= 3 x classes\n");
        return 2;
    }
    rb_log_init("rumbook-bench-allocation", RB_LOG_WARNING);
    if (rb_calendar_new(&cal, &err) < 0) {
        fprintf(stderr, "rumbook-bench-allocation: %s\n", err.message);
        return 1;
    }
    if (prepare_template(&o, &wishes) < 0 ||
        run(&o, RB_DRAW_ARRIVAL, "rumbook_alloc_fcfs", false, cal, wishes, &fcfs_s, fcfs,
            fcfs_digest) < 0 ||
        run(&o, RB_DRAW_SEED, "rumbook_alloc_draw", false, cal, wishes, &draw_s, draw,
            draw_digest) < 0 ||
        run(&o, RB_DRAW_SEED, "rumbook_alloc_again", false, cal, wishes, &again_s, again,
            again_digest) < 0) {
        rb_calendar_free(cal);
        return 1;
    }
    printf("rumbook-bench-allocation draw/arrival: placed=%d/%d first_choice=%d/%d"
           " none=%d/%d seconds=%.2f/%.2f\n",
           draw[0], fcfs[0], draw[1], fcfs[1], draw[2], fcfs[2], draw_s, fcfs_s);
    /* the same seed and wishes, drawn again on another copy */
    printf("rumbook-bench-allocation drawn twice: %s (%s)\n",
           strcmp(draw_digest, again_digest) == 0 && *draw_digest ? "the same" : "DIFFERENT",
           draw_digest);
    if (strcmp(draw_digest, again_digest) != 0 || !*draw_digest) {
        rb_calendar_free(cal);
        return 1;
    }
    /* other seeds: how many a draw places, against first come first served */
    lo = hi = sum = draw[0];
    for (i = 1; i < o.draws; i++) {
        if (run(&o, RB_DRAW_SEED, "rumbook_alloc_seed", true, cal, wishes, &again_s, again,
                again_digest) < 0) {
            rb_calendar_free(cal);
            return 1;
        }
        sum += again[0];
        lo = again[0] < lo ? again[0] : lo;
        hi = again[0] > hi ? again[0] : hi;
    }
    printf("rumbook-bench-allocation placed over %d seeds: mean=%.1f min=%d max=%d;"
           " arrival=%d; mean/arrival=%.4f\n",
           o.draws, (double)sum / o.draws, lo, hi, fcfs[0], (double)sum / o.draws / fcfs[0]);
    rb_calendar_free(cal);
    bench_sql_on(o.server, "postgres", "DROP DATABASE IF EXISTS rumbook_alloc_template WITH (FORCE)");
    return 0;
}
