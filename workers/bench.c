/* rumbook-bench: end-to-end throughput and latency of the booking pipeline.
 *
 * Against a running PostgreSQL server and Kafka broker it creates a fresh
 * database, loads a generated catalogue, starts worker processes, produces
 * booking commands (book / cancel / reschedule, with a share aimed at a few
 * hot sessions), reads the decisions topic, and prints decisions per
 * second and command-to-decision latency. It runs once with batching and
 * once with one command per transaction, then checks that every command
 * has exactly one decision and no session is over capacity. */
#include <arpa/inet.h>
#include <libgen.h>
#include <netinet/in.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <getopt.h>

#include <librdkafka/rdkafka.h>

#include "rumbook/buf.h"
#include "rumbook/closures.h"
#include "rumbook/config.h"
#include "rumbook/events.h"
#include "rumbook/localtime.h"
#include "rumbook/log.h"
#include "rumbook/import.h"
#include "rumbook/pg.h"
#include "rumbook/signature.h"
#include "rumbook/v1/booking.pb-c.h"
#include "bench_internal.h"

typedef struct options {
    const char *server;   /* PostgreSQL URL without database */
    const char *brokers;
    int providers, offerings, sessions, schools, classes;
    int days;             /* school days the sessions are spread over */
    long commands, unbatched_commands;
    long existing;        /* bookings already in the database before the rounds */
    double rate;          /* commands/s offered; 0: as fast as possible */
    double hot_share;     /* share of book commands aimed at hot sessions */
    int hot_sessions;
    int mix_cancel, mix_reschedule; /* percent */
    int workers, batch_size, linger_ms;
    double warmup_s;      /* latencies of commands produced earlier are not counted */
    const char *json_path;
    int metrics_round;    /* 1: a batched round with /metrics served and scraped */
    long mail_invitations; /* mailed through rumbook-mailer; 0 skips it */
    const char *smtp_url;
    long anchor_requests; /* for the plain-SQL anchor; 0 skips it */
    int unsigned_round;   /* 1: a batched round unsigned, workers --allow-unsigned */
} options;

/* The benchmark's portal, registered in the template with scope all:
 * every command of a signed round is signed with its key. */
#define BENCH_PORTAL "rumbook-bench"
static rb_signer portal_signer;

typedef struct round_result {
    const char *mode;
    int batch_size;
    long commands, decided, measured;
    double seconds, per_second;
    double p50, p95, p99, max;
    double decide_p50, decide_p99; /* to the worker's commit, before the relay */
    long confirmed, rejected, cancelled, not_authorized;
    long rss_start_kb, rss_end_kb; /* workers' resident memory, summed */
    double worker_cpu_us;          /* the workers' CPU time per decision */
    bool verified;
} round_result;

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(void)
{
    printf("usage: rumbook-bench [options]\n"
           "  --pg URL               PostgreSQL server (default postgresql://postgres@127.0.0.1:15432)\n"
           "  --brokers HOSTS        Kafka (default RUMBOOK_BROKERS or 127.0.0.1:19092)\n"
           "  --providers N --offerings N --sessions N --schools N --classes N\n"
           "                         catalogue size (200, 2000, 40000, 500, 10000)\n"
           "  --days N               school days the sessions spread over (190)\n"
           "  --commands N           commands in the batched round (200000)\n"
           "  --unbatched-commands N commands in the one-per-transaction round (10000; 0 skips it)\n"
           "  --existing N           bookings (and decisions) in the database beforehand (0)\n"
           "  --rate R               commands/s offered (0: as fast as possible)\n"
           "  --hot-share F          share of bookings aimed at hot sessions (0.2)\n"
           "  --hot-sessions N       number of hot sessions (20)\n"
           "  --mix C,R              percent cancels and reschedules (5,5)\n"
           "  --workers N            worker processes (2)\n"
           "  --unsigned-round 0|1   also a batched round unsigned, to compare (1)\n"
           "  --batch-size N --linger-ms N   batched round settings (500, 20)\n"
           "  --warmup-s S           leave commands of the first S seconds out of latency (3)\n"
           "  --metrics-round 0|1    a second batched round with /metrics served and scraped\n"
           "                         every second, and the ratio of the two (1)\n"
           "  --anchor-requests N    plain set-based SQL bookings on the same server, the\n"
           "                         figure rumbook's is a share of (200000; 0 skips it)\n"
           "  --mail-invitations N   mail N invitations through rumbook-mailer to --smtp-url\n"
           "                         (a local test server) and print messages/s (0: skip)\n"
           "  --json FILE            also write the figures as JSON\n");
}

/* A numeric flag's value into its field, or -1 with the reason on stderr. */
typedef struct bench_flag {
    const char *name;
    char type; /* 'i' int, 'l' long, 'd' double, 's' text */
    void *field;
    double lo, hi;
} bench_flag;

static int take_flag(const bench_flag *f, const char *v)
{
    char *end;
    double n = f->type == 'd' ? strtod(v, &end) : (double)strtol(v, &end, 10);

    if (f->type == 's') {
        *(const char **)f->field = v;
        return 0;
    }
    if (!*v || *end || n < f->lo || n > f->hi) {
        fprintf(stderr, "rumbook-bench: invalid --%s \"%s\": must be %g-%g\n", f->name, v, f->lo,
                f->hi);
        return -1;
    }
    if (f->type == 'i')
        *(int *)f->field = (int)n;
    else if (f->type == 'l')
        *(long *)f->field = (long)n;
    else
        *(double *)f->field = n;
    return 0;
}

static int parse(options *o, int argc, char **argv)
{
    const bench_flag flags[] = {
        {"providers", 'i', &o->providers, 1, 1e6},
        {"offerings", 'i', &o->offerings, 1, 1e7},
        {"sessions", 'i', &o->sessions, 1, 1e8},
        {"schools", 'i', &o->schools, 1, 1e6},
        {"classes", 'i', &o->classes, 1, 1e7},
        {"days", 'i', &o->days, 1, 2000},
        {"commands", 'l', &o->commands, 1, 1e9},
        {"unbatched-commands", 'l', &o->unbatched_commands, 0, 1e9},
        {"existing", 'l', &o->existing, 0, 1e9},
        {"hot-sessions", 'i', &o->hot_sessions, 1, 1e8},
        {"workers", 'i', &o->workers, 1, 64},
        {"batch-size", 'i', &o->batch_size, 1, 100000},
        {"linger-ms", 'i', &o->linger_ms, 0, 60000},
        {"warmup-s", 'd', &o->warmup_s, 0, 3600},
        {"rate", 'd', &o->rate, 0, 1e7},
        {"hot-share", 'd', &o->hot_share, 0, 1},
        {"pg", 's', &o->server, 0, 0},
        {"brokers", 's', &o->brokers, 0, 0},
        {"json", 's', &o->json_path, 0, 0},
        {"metrics-round", 'i', &o->metrics_round, 0, 1},
        {"anchor-requests", 'l', &o->anchor_requests, 0, 1e9},
        {"mail-invitations", 'l', &o->mail_invitations, 0, 1e7},
        {"smtp-url", 's', &o->smtp_url, 0, 0},
        {"unsigned-round", 'i', &o->unsigned_round, 0, 1},
    };
    enum { NFLAGS = sizeof(flags) / sizeof(flags[0]), OPT_MIX = NFLAGS, OPT_HELP };
    struct option opts[NFLAGS + 3];
    int i, c;

    for (i = 0; i < NFLAGS; i++)
        opts[i] = (struct option){flags[i].name, required_argument, NULL, i};
    opts[i++] = (struct option){"mix", required_argument, NULL, OPT_MIX};
    opts[i++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    opts[i] = (struct option){0, 0, 0, 0};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            usage();
            return 1;
        } else if (c == OPT_MIX) {
            if (sscanf(optarg, "%d,%d", &o->mix_cancel, &o->mix_reschedule) != 2 ||
                o->mix_cancel < 0 || o->mix_reschedule < 0 ||
                o->mix_cancel + o->mix_reschedule > 100) {
                fprintf(stderr, "rumbook-bench: --mix wants C,R percentages\n");
                return -1;
            }
        } else if (c < 0 || c >= NFLAGS || take_flag(&flags[c], optarg) < 0) {
            return -1; /* getopt said what was wrong */
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rumbook-bench: unexpected argument \"%s\" (see --help)\n", argv[optind]);
        return -1;
    }
    if (o->providers < 1 || o->offerings < o->providers || o->sessions < o->offerings ||
        o->schools < 1 || o->classes < o->schools || o->days < 1 || o->days > 2000 || o->commands < 1 || o->workers < 1 ||
        o->batch_size < 1 || o->hot_sessions < 1 || o->hot_sessions > o->sessions) {
        fprintf(stderr, "rumbook-bench: sizes out of range (see --help)\n");
        return -1;
    }
    return 0;
}

/* The first n school days from Monday 4 January 2027: weekdays that are
 * not Danish public holidays. */
static int *school_days_from(int date, int n)
{
    int *days = calloc((size_t)n, sizeof(*days));
    int i = 0;

    for (; days && i < n; date = rb_date_add_days(date, 1))
        if (rb_date_weekday(date) % 6 != 0 && !rb_dk_holiday(date))
            days[i++] = date;
    return days;
}

static void local_of_day(int yyyymmdd, rb_local *l)
{
    l->year = yyyymmdd / 10000;
    l->month = yyyymmdd / 100 % 100;
    l->day = yyyymmdd % 100;
}

static void iso_utc(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

/* The generated catalogue: offering k % offerings owns session k. */
static char *catalogue(const options *o)
{
    int *school_days = school_days_from(20270104, o->days);
    rb_buf b;
    int k;

    if (!school_days)
        return NULL;
    rb_buf_init(&b);
    rb_buf_puts(&b, "{\"providers\":[");
    for (k = 0; k < o->providers; k++)
        rb_buf_printf(&b, "%s{\"id\":\"p%d\",\"name\":\"Provider %d\",\"email\":\"booking@p%d.example\"}",
                      k ? "," : "", k, k, k);
    rb_buf_puts(&b, "],\"venues\":[");
    for (k = 0; k < o->providers; k++)
        rb_buf_printf(&b, "%s{\"id\":\"v%d\",\"provider\":\"p%d\",\"name\":\"Venue %d\","
                      "\"lat\":56.%04d,\"lon\":10.%04d}", k ? "," : "", k, k, k, k % 9999, k % 9999);
    rb_buf_puts(&b, "],\"offerings\":[");
    for (k = 0; k < o->offerings; k++)
        rb_buf_printf(&b, "%s{\"id\":\"o%d\",\"provider\":\"p%d\",\"venue\":\"v%d\",\"title\":"
                      "\"Offering %d\",\"grade_min\":0,\"grade_max\":10,\"duration_min\":120}",
                      k ? "," : "", k, k % o->providers, k % o->providers, k);
    rb_buf_puts(&b, "],\"sessions\":[");
    for (k = 0; k < o->sessions; k++) {
        /* An offering's sessions spread over the school days, offerings
         * staggered, so that every day has sessions, as on a portal
         * publishing a school year. */
        int per_offering = (o->sessions + o->offerings - 1) / o->offerings;
        int nth = k / o->offerings, offering = k % o->offerings;
        int day = (nth * o->days / per_offering + offering * 7) % o->days;
        rb_local start = {.hour = 9 + k % 4};
        char t0[32], t1[32];
        local_of_day(school_days[day], &start);
        iso_utc(rb_local_to_ms(&start), t0);
        iso_utc(rb_local_to_ms(&start) + 7200 * 1000LL, t1);
        rb_buf_printf(&b, "%s{\"id\":\"s%d\",\"offering\":\"o%d\",\"starts_at\":\"%s\",\"ends_at\":"
                      "\"%s\",\"pupil_capacity\":60,\"class_capacity\":3}",
                      k ? "," : "", k, offering, t0, t1);
    }
    rb_buf_puts(&b, "],\"schools\":[");
    for (k = 0; k < o->schools; k++)
        /* Schools within about ten kilometres of the venues, as in one municipality. */
        rb_buf_printf(&b, "%s{\"id\":\"sc%d\",\"name\":\"School %d\",\"lat\":56.%04d,"
                      "\"lon\":10.%04d,\"day_start\":\"07:00\",\"day_end\":\"17:00\"}",
                      k ? "," : "", k, k, (k * 7) % 1000, (k * 13) % 1000);
    rb_buf_puts(&b, "],\"classes\":[");
    for (k = 0; k < o->classes; k++)
        rb_buf_printf(&b, "%s{\"id\":\"c%d\",\"school\":\"sc%d\",\"name\":\"%d.A\",\"grade\":%d,"
                      "\"size\":%d,\"teacher_email\":\"t%d@sc%d.example\"}", k ? "," : "", k,
                      k % o->schools, k % 10, k % 10, 20 + k % 9, k, k % o->schools);
    rb_buf_puts(&b, "]}");
    free(school_days);
    if (b.failed) {
        rb_buf_fini(&b);
        return NULL;
    }
    return b.data;
}

/* Bookings made before the benchmark, on archive sessions of their own
 * (1,000 classes each), so the tables and indexes have their size. */
static const char SQL_EXISTING[] =
    "INSERT INTO offerings (id, provider_id, venue_id, title, target_group, duration_min)"
    " VALUES ('archive', 'p0', 'v0', 'Archive', 'grundskole', 120);"
    "INSERT INTO sessions (id, offering_id, starts_at, ends_at, pupil_capacity, class_capacity)"
    " SELECT 'x' || g, 'archive', '2027-06-01Z'::timestamptz + g * interval '1 hour',"
    " '2027-06-01Z'::timestamptz + g * interval '1 hour' + interval '2 hours', 1000000, 1000"
    " FROM generate_series(0, (%ld - 1) / 1000) g;"
    "INSERT INTO bookings (id, command_id, session_id, class_id, class_no, pupils, status,"
    " teacher_email, away)"
    " SELECT gen_random_uuid(), gen_random_uuid(), 'x' || (g / 1000), c.id, c.no, 20,"
    " 'confirmed', 'archive@example.org', tstzrange('2027-06-01Z'::timestamptz"
    " + (g / 1000) * interval '1 hour', '2027-06-01Z'::timestamptz + (g / 1000)"
    " * interval '1 hour' + interval '2 hours') FROM generate_series(0, %ld - 1) g"
    " JOIN classes c ON c.id = 'c' || (g %% %d);"
    "INSERT INTO commands (command_id, kind, status, booking_id, decision, decision_event_id,"
    " source_topic, source_partition, source_offset)"
    " SELECT command_id, 'book', 'confirmed', id, '\\x', gen_random_uuid(), 'archive', 0, 0"
    " FROM bookings;"
    "UPDATE sessions s SET pupils_booked = b.p, classes_booked = b.c FROM"
    " (SELECT session_id, sum(pupils) p, count(*) c FROM bookings GROUP BY 1) b"
    " WHERE s.id = b.session_id";

/* Builds the template database once: migrated, catalogue loaded. */
static int prepare_template(const options *o)
{
    char url[512], summary[512], *json;
    PGconn *conn;
    rb_error err;
    int applied, rc;
    int64_t t0 = now_us();

    if (bench_sql_on(o->server, "postgres", "DROP DATABASE IF EXISTS rumbook_bench_template WITH (FORCE)") < 0 ||
        bench_sql_on(o->server, "postgres", "CREATE DATABASE rumbook_bench_template") < 0)
        return -1;
    snprintf(url, sizeof(url), "%s/rumbook_bench_template", o->server);
    if (rb_pg_connect(url, &conn, &err) < 0 || rb_migrate(conn, rb_migrations_dir(), &applied, &err) < 0) {
        fprintf(stderr, "rumbook-bench: %s\n", err.message);
        return -1;
    }
    if (!(json = catalogue(o))) {
        PQfinish(conn);
        fprintf(stderr, "rumbook-bench: out of memory building the catalogue\n");
        return -1;
    }
    rc = rb_catalog_import(conn, json, summary, sizeof(summary), NULL, &err);
    free(json);
    PQfinish(conn);
    if (rc < 0) {
        fprintf(stderr, "rumbook-bench: catalogue: %s\n", err.message);
        return -1;
    }
    if (o->existing > 0) {
        char *sql = malloc(sizeof(SQL_EXISTING) + 64);
        if (!sql)
            return -1;
        snprintf(sql, sizeof(SQL_EXISTING) + 64, SQL_EXISTING, o->existing, o->existing, o->classes);
        rc = bench_sql_on(o->server, "rumbook_bench_template", sql);
        free(sql);
        if (rc < 0)
            return -1;
    }
    {
        unsigned char pub[RB_KEY_LEN];
        char b64[RB_KEY_B64_LEN], sql[256];
        rb_signer_public_key(&portal_signer, pub);
        rb_key_format(pub, b64);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO portals (name, scope_kind, public_key)"
                 " VALUES ('" BENCH_PORTAL "', 'all', decode('%s', 'base64'))", b64);
        if (bench_sql_on(o->server, "rumbook_bench_template", sql) < 0)
            return -1;
    }
    /* As autovacuum would have done on a server that has run a while. */
    if (bench_sql_on(o->server, "rumbook_bench_template", "VACUUM ANALYZE") < 0)
        return -1;
    printf("catalogue %s existing_bookings=%ld seconds=%.1f\n", summary, o->existing,
           (double)(now_us() - t0) / 1e6);
    return 0;
}

#define BENCH_PARTITIONS 6

static char bindir[PATH_MAX]; /* where rumbook-worker and rumbookctl live */

typedef struct round {
    const options *o;
    long n;
    int batch_size;
    unsigned tag;
    char topics[8][96];
    char dsn[512];
    pid_t workers[64];
    int64_t *produced_at;  /* per command index, us */
    double *latency_ms;    /* per command index; < 0 until decided */
    double *decide_ms;     /* produce to the worker's decided_at, per index */
    char (*held)[40];      /* confirmed booking ids, for cancels and reschedules */
    int *held_session;
    int *held_class;
    bool sign;             /* sign the commands; else the workers take them unsigned */
    long nheld;
    int64_t started_us;
    bool metrics;          /* workers serve /metrics, scraped every second */
    int metrics_port;      /* worker i listens on metrics_port + i */
    volatile bool scraping;
    long scrapes;
    round_result r;
} round;

/* "create --partitions N" or "delete" the round's eight topics. */
static int topics(round *rd, const char *action)
{
    char cmd[PATH_MAX + 1024];

    snprintf(cmd, sizeof(cmd),
             "RUMBOOK_TOPIC_COMMANDS=%s RUMBOOK_TOPIC_DECISIONS=%s RUMBOOK_TOPIC_INVITATIONS=%s "
             "RUMBOOK_TOPIC_DLQ=%s RUMBOOK_TOPIC_STATUS=%s RUMBOOK_TOPIC_DELIVERY_STATUS=%s "
             "RUMBOOK_TOPIC_CATALOG_COMMANDS=%s RUMBOOK_TOPIC_CATALOG_DECISIONS=%s "
             "%s/rumbookctl topics %s --brokers %s >/dev/null",
             rd->topics[0], rd->topics[1], rd->topics[2], rd->topics[3], rd->topics[4],
             rd->topics[5], rd->topics[6], rd->topics[7], bindir, action,
             rd->o->brokers);
    return system(cmd) == 0 ? 0 : -1;
}

static pid_t spawn_worker(round *rd, int i)
{
    char batch[16], linger[16], log[PATH_MAX + 64], exe[PATH_MAX + 32];
    pid_t pid = fork();

    if (pid != 0)
        return pid;
    snprintf(batch, sizeof(batch), "%d", rd->batch_size);
    snprintf(linger, sizeof(linger), "%d", rd->batch_size > 1 ? rd->o->linger_ms : 0);
    snprintf(exe, sizeof(exe), "%s/rumbook-worker", bindir);
    snprintf(log, sizeof(log), "/tmp/rumbook-bench-worker-%d.log", i);
    if (!freopen(log, "w", stderr))
        _exit(127);
    setenv("RUMBOOK_TOPIC_COMMANDS", rd->topics[0], 1);
    setenv("RUMBOOK_TOPIC_DECISIONS", rd->topics[1], 1);
    setenv("RUMBOOK_TOPIC_INVITATIONS", rd->topics[2], 1);
    setenv("RUMBOOK_TOPIC_DLQ", rd->topics[3], 1);
    setenv("RUMBOOK_TOPIC_STATUS", rd->topics[4], 1);
    setenv("RUMBOOK_TOPIC_CATALOG_COMMANDS", rd->topics[6], 1);
    setenv("RUMBOOK_TOPIC_CATALOG_DECISIONS", rd->topics[7], 1);
    setenv("RUMBOOK_ALLOW_UNSIGNED", rd->sign ? "off" : "on", 1);
    if (rd->metrics) {
        char listen[64];
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", rd->metrics_port + i);
        execl(exe, exe, "--dsn", rd->dsn, "--brokers", rd->o->brokers, "--group", rd->topics[0],
              "--batch-size", batch, "--linger-ms", linger, "--log-level", "warning",
              "--metrics-listen", listen, (char *)NULL);
    } else {
        execl(exe, exe, "--dsn", rd->dsn, "--brokers", rd->o->brokers, "--group", rd->topics[0],
              "--batch-size", batch, "--linger-ms", linger, "--log-level", "warning",
              (char *)NULL);
    }
    _exit(127);
}

static void stop_workers(round *rd)
{
    int i;

    for (i = 0; i < rd->o->workers; i++)
        kill(rd->workers[i], SIGTERM);
    for (i = 0; i < rd->o->workers; i++)
        waitpid(rd->workers[i], NULL, 0);
}

static rd_kafka_t *kafka_client(const options *o, rd_kafka_type_t type, const char *group)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;

    rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers, errstr, sizeof(errstr));
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof(errstr));
    } else {
        rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr));
    }
    if (!(rk = rd_kafka_new(type, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbook-bench: %s\n", errstr);
    }
    return rk;
}

/* Command ids carry the round tag and the command's index. */
static void command_id(const round *rd, long i, char out[40])
{
    snprintf(out, 40, "%08x-0000-4000-8000-%012lx", rd->tag, (unsigned long)i);
}

static long command_index(const round *rd, const char *id)
{
    unsigned tag;
    unsigned long i;

    if (!id || sscanf(id, "%8x-0000-4000-8000-%12lx", &tag, &i) != 2 || tag != rd->tag ||
        (long)i >= rd->n)
        return -1;
    return (long)i;
}

static int pick_session(const options *o)
{
    if ((double)rand() / RAND_MAX < o->hot_share)
        return rand() % o->hot_sessions;
    return rand() % o->sessions;
}

static int other_session(const options *o, int k)
{
    return k + o->offerings < o->sessions ? k + o->offerings : k % o->offerings;
}

static void produce_one(round *rd, rd_kafka_t *p, long i)
{
    Rumbook__V1__BookingCommand cmd = RUMBOOK__V1__BOOKING_COMMAND__INIT;
    Rumbook__V1__BookRequest book = RUMBOOK__V1__BOOK_REQUEST__INIT;
    Rumbook__V1__CancelRequest cancel = RUMBOOK__V1__CANCEL_REQUEST__INIT;
    Rumbook__V1__RescheduleRequest move = RUMBOOK__V1__RESCHEDULE_REQUEST__INIT;
    Rumbook__V1__Actor actor = RUMBOOK__V1__ACTOR__INIT;
    const options *o = rd->o;
    char id[40], session[24], klass[24], key[24], booking[40], school[24];
    char signature[RB_SIGNATURE_B64_LEN];
    int roll = rand() % 100, k, c;
    uint8_t buf[512];
    size_t len;

    command_id(rd, i, id);
    cmd.command_id = id;
    /* the teacher of the class's school: bookings and their changes */
    actor.has_role = 1;
    actor.role = RUMBOOK__V1__ACTOR_ROLE__TEACHER;
    actor.school_id = school;
    cmd.actor = &actor;
    if (rd->nheld > 0 && roll < o->mix_cancel + o->mix_reschedule) {
        long h = rand() % rd->nheld;
        k = rd->held_session[h];
        c = rd->held_class[h];
        /* A copy: the slot is refilled with the last held booking below. */
        memcpy(booking, rd->held[h], sizeof(booking));
        if (roll < o->mix_cancel) {
            cancel.booking_id = booking;
            cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_CANCEL;
            cmd.cancel = &cancel;
        } else {
            snprintf(session, sizeof(session), "s%d", other_session(o, k));
            move.booking_id = booking;
            move.session_id = session;
            cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_RESCHEDULE;
            cmd.reschedule = &move;
        }
        rd->held_session[h] = rd->held_session[rd->nheld - 1];
        rd->held_class[h] = rd->held_class[rd->nheld - 1];
        memcpy(rd->held[h], rd->held[rd->nheld - 1], 40);
        rd->nheld--;
    } else {
        k = pick_session(o);
        c = rand() % o->classes;
        snprintf(session, sizeof(session), "s%d", k);
        snprintf(klass, sizeof(klass), "c%d", c);
        book.session_id = session;
        book.class_id = klass;
        book.has_pupils = 1;
        book.pupils = (uint32_t)(20 + c % 9);
        cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_BOOK;
        cmd.book = &book;
    }
    snprintf(key, sizeof(key), "o%d", k % o->offerings);
    snprintf(school, sizeof(school), "sc%d", c % o->schools);
    len = rumbook__v1__booking_command__pack(&cmd, buf);
    rd->produced_at[i] = now_us();
    if (rd->sign) {
        rb_sign(&portal_signer, buf, len, signature);
        while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(rd->topics[0]),
                                 RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(buf, len),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADER("rumbook-portal", BENCH_PORTAL, -1),
                                 RD_KAFKA_V_HEADER("rumbook-signature", signature, -1),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 10);
        return;
    }
    while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(rd->topics[0]), RD_KAFKA_V_KEY(key, strlen(key)),
                             RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(p, 10);
}

static void take_decision(round *rd, const rd_kafka_message_t *m, int64_t t)
{
    Rumbook__V1__BookingDecision *d = rumbook__v1__booking_decision__unpack(NULL, m->len, m->payload);
    long i = d ? command_index(rd, d->command_id) : -1;

    if (i >= 0 && rd->latency_ms[i] < 0) {
        rd->latency_ms[i] = (double)(t - rd->produced_at[i]) / 1000.0;
        rd->decide_ms[i] = (double)d->decided_at_unix_ms - (double)rd->produced_at[i] / 1000.0;
        rd->r.decided++;
        if (d->status == RUMBOOK__V1__DECISION_STATUS__CONFIRMED) {
            rd->r.confirmed++;
            if (d->booking_id && d->session_id && d->class_id && rd->nheld < rd->n) {
                snprintf(rd->held[rd->nheld], 40, "%s", d->booking_id);
                rd->held_class[rd->nheld] = atoi(d->class_id + 1);
                rd->held_session[rd->nheld++] = atoi(d->session_id + 1);
            }
        } else if (d->status == RUMBOOK__V1__DECISION_STATUS__CANCELLED) {
            rd->r.cancelled++;
        } else {
            rd->r.rejected++;
            for (size_t k = 0; k < d->n_reasons; k++)
                rd->r.not_authorized += d->reasons[k]->code &&
                                        strcmp(d->reasons[k]->code, "not_authorized") == 0;
        }
    }
    if (d)
        rumbook__v1__booking_decision__free_unpacked(d, NULL);
}

static rd_kafka_t *decisions_consumer(round *rd)
{
    rd_kafka_t *c = kafka_client(rd->o, RD_KAFKA_CONSUMER, rd->topics[1]);
    rd_kafka_topic_partition_list_t *l;

    if (!c)
        return NULL;
    rd_kafka_poll_set_consumer(c);
    /* Assigned, not subscribed: no group join delays the first decision. */
    l = rd_kafka_topic_partition_list_new(BENCH_PARTITIONS);
    for (int i = 0; i < BENCH_PARTITIONS; i++)
        rd_kafka_topic_partition_list_add(l, rd->topics[1], i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(c, l);
    rd_kafka_topic_partition_list_destroy(l);
    return c;
}

static long workers_rss_kb(const round *rd)
{
    char path[64], line[256];
    long total = 0, kb;
    int i;

    for (i = 0; i < rd->o->workers; i++) {
        FILE *f;
        snprintf(path, sizeof(path), "/proc/%d/status", (int)rd->workers[i]);
        if (!(f = fopen(path, "r")))
            continue;
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
                total += kb;
        fclose(f);
    }
    return total;
}

/* The workers' user and system time so far, in clock ticks. */
static long workers_cpu_ticks(const round *rd)
{
    char path[64], line[1024];
    long total = 0;
    int i;

    for (i = 0; i < rd->o->workers; i++) {
        FILE *f;
        char *p;
        long utime, stime;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)rd->workers[i]);
        if (!(f = fopen(path, "r")))
            continue;
        /* after "(comm)": state and 10 fields, then utime and stime */
        if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime,
                   &stime) == 2)
            total += utime + stime;
        fclose(f);
    }
    return total;
}

/* Waits until every worker has joined the group and holds partitions, so
 * start-up is not counted as latency. */
static int wait_for_workers(round *rd, rd_kafka_t *p)
{
    int64_t deadline = now_us() + 60 * 1000000LL;

    while (now_us() < deadline) {
        const struct rd_kafka_group_list *groups = NULL;
        bool stable = false;
        if (rd_kafka_list_groups(p, rd->topics[0], &groups, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            groups->group_cnt == 1)
            stable = strcmp(groups->groups[0].state, "Stable") == 0 &&
                     groups->groups[0].member_cnt == rd->o->workers;
        if (groups)
            rd_kafka_group_list_destroy(groups);
        if (stable)
            return 0;
        usleep(200000);
    }
    fprintf(stderr, "rumbook-bench: workers did not join group %s within 60 s\n", rd->topics[0]);
    return -1;
}

/* Produces at the offered rate and reads decisions until all arrived. */
static int drive(round *rd, rd_kafka_t *p, rd_kafka_t *c)
{
    int64_t start = now_us(), last_progress = start, last_report = start, t;

    rd->started_us = start;
    long next = 0;

    while (rd->r.decided < rd->n) {
        t = now_us();
        while (next < rd->n && (rd->o->rate <= 0 || next < (t - start) * rd->o->rate / 1e6) &&
               (next - rd->r.decided) < 50000)
            produce_one(rd, p, next++);
        rd_kafka_poll(p, 0);
        for (int k = 0; k < 1000; k++) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(c, k ? 0 : 1);
            long before = rd->r.decided;
            if (!m)
                break;
            if (!m->err)
                take_decision(rd, m, now_us());
            rd_kafka_message_destroy(m);
            if (rd->r.decided > before)
                last_progress = now_us();
        }
        if (now_us() - last_report >= 60 * 1000000LL) {
            last_report = now_us();
            printf("progress t=%.0fs produced=%ld decided=%ld workers_rss_kb=%ld\n",
                   (double)(last_report - start) / 1e6, next, rd->r.decided, workers_rss_kb(rd));
            fflush(stdout);
        }
        if (now_us() - last_progress > 120 * 1000000LL) {
            fprintf(stderr, "rumbook-bench: no decision for 120 s (%ld of %ld decided)\n",
                    rd->r.decided, rd->n);
            return -1;
        }
    }
    rd->r.seconds = (double)(now_us() - start) / 1e6;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Latency percentiles over the commands produced after the warm-up
 * (start-up of fetchers and producers is not steady state); all of them
 * when the run is shorter than that. */
static void percentiles(round *rd)
{
    int64_t from = rd->started_us + (int64_t)(rd->o->warmup_s * 1e6);
    long i, m = 0;

    for (i = 0; i < rd->n; i++)
        if (rd->produced_at[i] >= from) {
            rd->latency_ms[m] = rd->latency_ms[i];
            rd->decide_ms[m++] = rd->decide_ms[i];
        }
    if (m < 100)
        m = rd->n; /* too short to leave anything out */
    rd->r.measured = m;
    qsort(rd->latency_ms, (size_t)m, sizeof(double), cmp_double);
    rd->r.p50 = rd->latency_ms[(long)(m * 0.50)];
    rd->r.p95 = rd->latency_ms[(long)(m * 0.95)];
    rd->r.p99 = rd->latency_ms[(long)(m * 0.99)];
    rd->r.max = rd->latency_ms[m - 1];
    qsort(rd->decide_ms, (size_t)m, sizeof(double), cmp_double);
    rd->r.decide_p50 = rd->decide_ms[(long)(m * 0.50)];
    rd->r.decide_p99 = rd->decide_ms[(long)(m * 0.99)];
    rd->r.per_second = (double)rd->n / rd->r.seconds;
}

/* Every command decided once in the database; no session over capacity
 * or out of step with its bookings. */
static bool verify(round *rd)
{
    PGconn *conn;
    PGresult *res;
    rb_error err;
    bool ok;

    if (rb_pg_connect(rd->dsn, &conn, &err) < 0)
        return false;
    res = PQexec(conn,
                 "SELECT (SELECT count(*) FROM commands WHERE source_topic LIKE 'bench.%'),"
                 " (SELECT count(*) FROM sessions s WHERE s.pupils_booked > s.pupil_capacity"
                 "  OR s.classes_booked > s.class_capacity"
                 "  OR (s.pupils_booked, s.classes_booked) <> (SELECT coalesce(sum(pupils), 0),"
                 "   count(*) FROM bookings b WHERE b.session_id = s.id AND b.status = 'confirmed')),"
                 " (SELECT count(*) FROM commands WHERE reasons LIKE '%not_authorized%')");
    ok = PQresultStatus(res) == PGRES_TUPLES_OK && atol(PQgetvalue(res, 0, 0)) == rd->n &&
         atol(PQgetvalue(res, 0, 1)) == 0 && atol(PQgetvalue(res, 0, 2)) == 0;
    if (!ok)
        fprintf(stderr, "rumbook-bench: VERIFY FAILED commands=%s (expected %ld) bad_sessions=%s "
                "not_authorized=%s (expected 0: every command is its class's teacher's)\n",
                PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "?", rd->n,
                PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 1) : "?",
                PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 2) : "?");
    PQclear(res);
    PQfinish(conn);
    return ok;
}

static void print_result(const round_result *r, const options *o)
{
    printf("rumbook-bench mode=%s batch_size=%d workers=%d commands=%ld decided=%ld seconds=%.2f "
           "decisions_per_s=%.0f latency_over=%ld p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f "
           "decided_p50_ms=%.1f decided_p99_ms=%.1f confirmed=%ld "
           "rejected=%ld cancelled=%ld not_authorized=%ld workers_rss_kb=%ld->%ld "
           "worker_cpu_us_per_decision=%.0f verified=%s\n",
           r->mode, r->batch_size, o->workers, r->commands, r->decided, r->seconds, r->per_second,
           r->measured, r->p50, r->p95, r->p99, r->max, r->decide_p50, r->decide_p99, r->confirmed, r->rejected, r->cancelled,
           r->not_authorized, r->rss_start_kb, r->rss_end_kb, r->worker_cpu_us,
           r->verified ? "yes" : "NO");
    fflush(stdout);
}

/* GET /metrics from one worker, as Prometheus would; 0 when it answered. */
static int scrape_one(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    char buf[65536];
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok = -1;
    ssize_t n;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        write(fd, "GET /metrics HTTP/1.0\r\n\r\n", 26) == 26) {
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            ok = 0;
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

static void *scraper(void *arg)
{
    round *rd = arg;
    int i;

    while (rd->scraping) {
        for (i = 0; i < rd->o->workers && i < 64; i++)
            rd->scrapes += scrape_one(rd->metrics_port + i) == 0;
        sleep(1);
    }
    return NULL;
}

static int run_round(const options *o, const char *mode, long n, int batch_size, bool metrics,
                     bool sign, round_result *out)
{
    round rd = {.o = o, .n = n, .batch_size = batch_size, .metrics = metrics, .sign = sign,
                .metrics_port = 27000 + (int)(now_us() % 1000) * 8};
    pthread_t scrape_tid;
    rd_kafka_t *p = NULL, *c = NULL;
    char sql[256], create[64];
    int i, rc = -1;

    rd.tag = (unsigned)now_us() ^ (unsigned)getpid();
    for (i = 0; i < 8; i++)
        snprintf(rd.topics[i], sizeof(rd.topics[i]), "bench.%08x.%s", rd.tag,
                 (const char *[]){"commands", "decisions", "invitations", "dlq", "status",
                                  "delivery", "catalog", "catalog-decisions"}[i]);
    snprintf(rd.dsn, sizeof(rd.dsn), "%s/rumbook_bench", o->server);
    snprintf(sql, sizeof(sql), "CREATE DATABASE rumbook_bench TEMPLATE rumbook_bench_template");
    rd.produced_at = calloc((size_t)n, sizeof(int64_t));
    rd.latency_ms = malloc((size_t)n * sizeof(double));
    rd.decide_ms = calloc((size_t)n, sizeof(double));
    rd.held = calloc((size_t)n, sizeof(*rd.held));
    rd.held_session = calloc((size_t)n, sizeof(int));
    rd.held_class = calloc((size_t)n, sizeof(int));
    if (!rd.produced_at || !rd.latency_ms || !rd.decide_ms || !rd.held || !rd.held_session ||
        !rd.held_class)
        goto out;
    for (long k = 0; k < n; k++)
        rd.latency_ms[k] = -1;
    snprintf(create, sizeof(create), "create --partitions %d", BENCH_PARTITIONS);
    if (bench_sql_on(o->server, "postgres", "DROP DATABASE IF EXISTS rumbook_bench WITH (FORCE)") < 0 ||
        bench_sql_on(o->server, "postgres", sql) < 0)
        goto out;
    if (topics(&rd, create) < 0)
        goto drop_topics; /* some may have been created */
    /* Copying the template (and loading earlier bookings) dirtied
     * gigabytes; written out now, not during the measured round. */
    if (bench_sql_on(o->server, "postgres", "CHECKPOINT") < 0)
        fprintf(stderr, "rumbook-bench: no CHECKPOINT (needs a superuser); figures may vary\n");
    for (i = 0; i < o->workers && i < 64; i++)
        rd.workers[i] = spawn_worker(&rd, i);
    if (!(p = kafka_client(o, RD_KAFKA_PRODUCER, NULL)) || !(c = decisions_consumer(&rd)))
        goto stop;
    if ((rc = wait_for_workers(&rd, p)) == 0) {
        rd.r.rss_start_kb = workers_rss_kb(&rd);
        long cpu0 = workers_cpu_ticks(&rd);
        rd.scraping = metrics && pthread_create(&scrape_tid, NULL, scraper, &rd) == 0;
        rc = drive(&rd, p, c);
        rd.r.worker_cpu_us = (double)(workers_cpu_ticks(&rd) - cpu0) * 1e6 /
                             (double)sysconf(_SC_CLK_TCK) / (double)(rd.n ? rd.n : 1);
        if (rd.scraping) {
            rd.scraping = false;
            pthread_join(scrape_tid, NULL);
            if (rd.scrapes == 0) {
                fprintf(stderr, "rumbook-bench: no worker answered on /metrics\n");
                rc = -1;
            }
        }
        rd.r.rss_end_kb = workers_rss_kb(&rd);
    }
stop:
    stop_workers(&rd);
    if (rc == 0) {
        percentiles(&rd);
        rd.r.verified = verify(&rd);
        rc = rd.r.verified ? 0 : -1;
    }
    rd.r.mode = mode;
    rd.r.batch_size = batch_size;
    rd.r.commands = n;
    *out = rd.r;
    print_result(out, o);
    if (c) {
        rd_kafka_consumer_close(c);
        rd_kafka_destroy(c);
    }
    if (p)
        rd_kafka_destroy(p);
drop_topics:
    /* A round's messages are gigabytes: the broker would keep them for a week. */
    if (topics(&rd, "delete") < 0)
        fprintf(stderr, "rumbook-bench: could not delete topics bench.%08x.*\n", rd.tag);
out:
    free(rd.produced_at);
    free(rd.latency_ms);
    free(rd.decide_ms);
    free(rd.held);
    free(rd.held_session);
    free(rd.held_class);
    return rc;
}

static int portal_key(void)
{
    unsigned char pub[RB_KEY_LEN], seed[RB_KEY_LEN];
    rb_error err;

    if (rb_keypair_new(pub, seed, &err) < 0) {
        fprintf(stderr, "rumbook-bench: %s\n", err.message);
        return -1;
    }
    rb_signer_init(&portal_signer, seed);
    return 0;
}

/* What verifying a signature costs a worker: timed here on this machine
 * for the payload size the rounds send, as a share of the workers' CPU
 * time per decision in the signed round. */
static void print_verify_cost(const round_result *signed_round)
{
    unsigned char msg[120] = {1}, pub[RB_KEY_LEN];
    char sig[RB_SIGNATURE_B64_LEN];
    int64_t t0;
    int i, n = 2000, ok = 0;
    double us;

    rb_signer_public_key(&portal_signer, pub);
    rb_sign(&portal_signer, msg, sizeof(msg), sig);
    t0 = now_us();
    for (i = 0; i < n; i++)
        ok += rb_signature_verify(pub, msg, sizeof(msg), sig, strlen(sig));
    us = (double)(now_us() - t0) / n;
    printf("rumbook-bench verify_us=%.1f worker_cpu_us_per_decision=%.0f verify_share=%.3f "
           "(of the workers' CPU in the signed round)%s\n",
           us, signed_round->worker_cpu_us,
           signed_round->worker_cpu_us > 0 ? us / signed_round->worker_cpu_us : 0,
           ok == n ? "" : " VERIFY BROKEN");
}

static void write_json(const options *o, const round_result *r, int nrounds)
{
    FILE *f = fopen(o->json_path, "w");
    int i;

    if (!f) {
        fprintf(stderr, "rumbook-bench: could not open file \"%s\": %s\n", o->json_path, strerror(errno));
        return;
    }
    fprintf(f, "{\"workers\":%d,\"sessions\":%d,\"classes\":%d,\"existing\":%ld,\"rate\":%.0f,"
            "\"hot_share\":%.2f,\"rounds\":[", o->workers, o->sessions, o->classes, o->existing,
            o->rate, o->hot_share);
    for (i = 0; i < nrounds; i++)
        fprintf(f, "%s{\"mode\":\"%s\",\"batch_size\":%d,\"commands\":%ld,\"seconds\":%.3f,"
                "\"decisions_per_s\":%.1f,\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
                "\"max_ms\":%.2f,\"decided_p50_ms\":%.2f,\"decided_p99_ms\":%.2f,"
                "\"rss_start_kb\":%ld,\"rss_end_kb\":%ld,\"confirmed\":%ld,\"rejected\":%ld,\"cancelled\":%ld,"
                "\"verified\":%s}", i ? "," : "", r[i].mode, r[i].batch_size, r[i].commands,
                r[i].seconds, r[i].per_second, r[i].p50, r[i].p95, r[i].p99, r[i].max,
                r[i].decide_p50, r[i].decide_p99, r[i].rss_start_kb, r[i].rss_end_kb, r[i].confirmed, r[i].rejected, r[i].cancelled, r[i].verified ? "true" : "false");
    fprintf(f, "]}\n");
    fclose(f);
}

int main(int argc, char **argv)
{
    options o = {.server = "postgresql://postgres@127.0.0.1:15432", .providers = 200,
                 .offerings = 2000, .sessions = 40000, .schools = 500, .classes = 10000,
                 .commands = 200000, .unbatched_commands = 10000, .hot_share = 0.2,
                 .hot_sessions = 20, .days = 190, .mix_cancel = 5, .mix_reschedule = 5, .workers = 2,
                 .batch_size = 500, .linger_ms = 20, .warmup_s = 3, .metrics_round = 1,
                 .anchor_requests = 200000, .smtp_url = "smtp://127.0.0.1:2525",
                 .unsigned_round = 1};
    round_result r[4];
    double anchor = 0;
    rb_error err;
    char exe[PATH_MAX];
    ssize_t len;
    int rc, nrounds = 0;
    rb_config cfg;

    rb_config_init(&cfg);
    if (rb_config_load_env(&cfg, &err) < 0) {
        fprintf(stderr, "rumbook-bench: %s\n", err.message);
        return 2;
    }
    o.brokers = cfg.brokers;
    rc = parse(&o, argc, argv);
    if (rc != 0) {
        rb_config_fini(&cfg);
        return rc < 0 ? 2 : 0;
    }
    rb_log_init("rumbook-bench", RB_LOG_WARNING);
    if (!rb_localtime_init()) {
        fprintf(stderr, "rumbook-bench: no Europe/Copenhagen zone data (install tzdata)\n");
        return 1;
    }
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[len > 0 ? len : 0] = '\0';
    snprintf(bindir, sizeof(bindir), "%s", dirname(exe));
    srand((unsigned)time(NULL));
    if (portal_key() < 0 || prepare_template(&o) < 0)
        return 1;
    rc = run_round(&o, "batched", o.commands, o.batch_size, false, true, &r[nrounds++]);
    if (rc == 0)
        print_verify_cost(&r[0]);
    if (rc == 0 && o.unsigned_round) {
        rc = run_round(&o, "batched-unsigned", o.commands, o.batch_size, false, false,
                       &r[nrounds++]);
        if (rc == 0)
            printf("rumbook-bench signed/unsigned=%.3f (decisions/s with every command's "
                   "signature verified, as a share of the same round unsigned)\n",
                   r[0].per_second / r[nrounds - 1].per_second);
    }
    if (rc == 0 && o.metrics_round) {
        rc = run_round(&o, "batched-metrics", o.commands, o.batch_size, true, true,
                       &r[nrounds++]);
        if (rc == 0)
            printf("rumbook-bench metrics_on/off=%.3f (scraped every second)\n",
                   r[nrounds - 1].per_second / r[0].per_second);
    }
    if (rc == 0 && o.unbatched_commands > 0)
        rc = run_round(&o, "unbatched", o.unbatched_commands, 1, false, true, &r[nrounds++]);
    if (rc == 0 && o.unbatched_commands > 0)
        printf("rumbook-bench batched/unbatched=%.1fx\n",
               r[0].per_second / r[nrounds - 1].per_second);
    if (rc == 0 && o.anchor_requests > 0) {
        if ((rc = bench_anchor(o.server, o.anchor_requests, &anchor)) == 0)
            printf("rumbook-bench mode=anchor requests=%ld per_second=%.0f\n"
                   "rumbook-bench batched/anchor=%.3f (rumbook's decisions with every rule, as a "
                   "share of plain set-based bookings on this server)\n",
                   o.anchor_requests, anchor, r[0].per_second / anchor);
    }
    if (rc == 0 && o.mail_invitations > 0) {
        double mailed = 0;
        if ((rc = bench_mail(o.server, o.brokers, bindir, o.smtp_url, o.mail_invitations,
                             &mailed)) == 0)
            printf("rumbook-bench mode=mail invitations=%ld per_second=%.0f smtp=%s\n",
                   o.mail_invitations, mailed, o.smtp_url);
    }
    if (o.json_path)
        write_json(&o, r, nrounds);
    rb_config_fini(&cfg);
    return rc == 0 ? 0 : 1;
}
