/* rumbookctl migrate, catalog import, calendar import, travel import, topics create. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "ctl_internal.h"
#include "rumbook/buf.h"
#include "rumbook/import.h"
#include "rumbook/pg.h"

/* commands, decisions, invitations, dead letters, delivery status, worker
 * status (last). */
#define NTOPICS 8

/* Parses a subcommand that takes only the common settings and nargs
 * operands (argv[optind..]); 0 to go on, 1 after --help, 2 on a usage error. */
static int common_only(rb_config *cfg, int argc, char **argv, int nargs, const char *help)
{
    rb_config_args args = {0};
    int c = ctl_getopt(argc, argv, NULL, &args);

    if (c == CTL_HELP) {
        printf("%s", help);
        return 1;
    }
    if (c != -1 || argc - optind != nargs) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    return ctl_settings(cfg, &args, argv[0]);
}

int ctl_migrate(rb_config *cfg, int argc, char **argv)
{
    PGconn *conn;
    rb_error err;
    int applied, rc = common_only(cfg, argc, argv, 0,
                                  "usage: rumbookctl migrate [--dsn URL]\n"
                                  "Applies migrations/NNN_*.sql not yet applied "
                                  "(RUMBOOK_MIGRATIONS overrides the folder).\n");

    if (rc)
        return rc == 1 ? 0 : rc;
    if (!(conn = ctl_connect(cfg, "migrate")))
        return 1;
    rc = rb_migrate(conn, rb_migrations_dir(), &applied, &err);
    PQfinish(conn);
    if (rc < 0) {
        fprintf(stderr, "rumbookctl migrate: %s\n", err.message);
        return 1;
    }
    printf("migrations applied=%d\n", applied);
    return 0;
}

/* Reads file and connects; on failure prints why (prefix) and returns 1. */
static int open_import(rb_config *cfg, const char *prefix, const char *file, rb_buf *text,
                       PGconn **conn)
{
    rb_error err;

    rb_buf_init(text);
    if (rb_buf_read_file(text, file) < 0) {
        fprintf(stderr, "%s: could not read file \"%s\": %s\n", prefix, file, strerror(errno));
        rb_buf_fini(text);
        return 1;
    }
    if (rb_pg_connect(cfg->dsn, conn, &err) < 0) {
        fprintf(stderr, "%s: %s\n", prefix, err.message);
        rb_buf_fini(text);
        return 1;
    }
    return 0;
}

/* "X import FILE [common flags]": 0 to go on, else the exit code (-1: help shown). */
/* "import FILE" and the common settings; the file's name, or NULL with
 * *rc the exit code (0 after --help). */
static const char *import_args(rb_config *cfg, int argc, char **argv, const char *help, int *rc)
{
    if ((*rc = common_only(cfg, argc, argv, 2, help)))
        return *rc = *rc == 1 ? 0 : *rc, NULL;
    if (strcmp(argv[optind], "import") != 0) {
        fprintf(stderr, "%s", help);
        return *rc = 2, NULL;
    }
    return argv[optind + 1];
}

int ctl_catalog(rb_config *cfg, int argc, char **argv)
{
    static const char help[] = "usage: rumbookctl catalog import FILE [--dsn URL]\n"
                               "       rumbookctl catalog submit --json FILE|-\n"
                               "Validates and upserts a catalogue in one transaction; a bad "
                               "file changes nothing.\n"
                               "submit sends catalogue commands to the workers (--help).\n";
    char summary[512];
    rb_buf json, warnings;
    PGconn *conn;
    rb_error err;
    int rc;
    const char *file, *line, *end;

    if (argc > 1 && strcmp(argv[1], "submit") == 0)
        return ctl_catalog_submit(cfg, argc - 1, argv + 1);
    if (!(file = import_args(cfg, argc, argv, help, &rc)))
        return rc;
    if (open_import(cfg, "rumbookctl catalog import", file, &json, &conn))
        return 1;
    rb_buf_init(&warnings);
    rc = rb_catalog_import(conn, json.data, summary, sizeof(summary), &warnings, &err);
    PQfinish(conn);
    rb_buf_fini(&json);
    if (rc < 0) {
        fprintf(stderr, "rumbookctl catalog import: %s: %s\n", file, err.message);
        rb_buf_fini(&warnings);
        return 1;
    }
    printf("imported %s\n", summary);
    for (line = warnings.data; line && *line; line = end + 1) {
        end = strchr(line, '\n');
        fprintf(stderr, "rumbookctl catalog import: warning: %.*s\n", (int)(end - line), line);
    }
    rb_buf_fini(&warnings);
    return 0;
}

/* Prints each topic's outcome; `harmless` (the topic already exists, or
 * is already gone) is not a failure. Returns 1 when something failed. */
static int report_topics(const char *action, rd_kafka_event_t *ev,
                         const rd_kafka_topic_result_t **res, size_t n,
                         rd_kafka_resp_err_t harmless, const char *harmless_note,
                         const char *done_note)
{
    int failed = 0;
    size_t i;

    if (!res) {
        fprintf(stderr, "rumbookctl topics %s: %s\n", action,
                ev ? rd_kafka_event_error_string(ev) : "no answer from the broker");
        return 1;
    }
    for (i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        const char *name = rd_kafka_topic_result_name(res[i]);
        if (e == harmless)
            printf("topic %s %s\n", name, harmless_note);
        else if (e)
            failed = fprintf(stderr, "topic %s: %s\n", name, rd_kafka_topic_result_error_string(res[i]));
        else
            printf("topic %s %s\n", name, done_note);
    }
    return failed ? 1 : 0;
}

static int create_topics(rd_kafka_t *rk, const char *const *names, int partitions)
{
    rd_kafka_NewTopic_t *topics[NTOPICS];
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev;
    const rd_kafka_topic_result_t **res;
    size_t i, n = 0;
    char errstr[256], created[64];
    int rc;

    for (i = 0; i < NTOPICS; i++)
        topics[i] = rd_kafka_NewTopic_new(names[i], i == NTOPICS - 1 ? 1 : partitions, 1, errstr,
                                          sizeof(errstr));
    /* Heartbeats matter for minutes: a day of them is plenty. */
    rd_kafka_NewTopic_set_config(topics[NTOPICS - 1], "retention.ms", "86400000");
    rd_kafka_CreateTopics(rk, topics, NTOPICS, NULL, q);
    ev = rd_kafka_queue_poll(q, 30000);
    res = ev ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n)
             : NULL;
    snprintf(created, sizeof(created), "created partitions=%d", partitions);
    rc = report_topics("create", ev, res, n, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "exists",
                       created);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy_array(topics, NTOPICS);
    rd_kafka_queue_destroy(q);
    return rc;
}

static int delete_topics(rd_kafka_t *rk, const char *const *names)
{
    rd_kafka_DeleteTopic_t *topics[NTOPICS];
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev;
    const rd_kafka_topic_result_t **res;
    size_t i, n = 0;
    int rc;

    for (i = 0; i < NTOPICS; i++)
        topics[i] = rd_kafka_DeleteTopic_new(names[i]);
    rd_kafka_DeleteTopics(rk, topics, NTOPICS, NULL, q);
    ev = rd_kafka_queue_poll(q, 30000);
    res = ev ? rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n)
             : NULL;
    rc = report_topics("delete", ev, res, n, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                       "does not exist", "deleted");
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_DeleteTopic_destroy_array(topics, NTOPICS);
    rd_kafka_queue_destroy(q);
    return rc;
}

int ctl_topics(rb_config *cfg, int argc, char **argv)
{
    static const char help[] =
        "usage: rumbookctl topics create [--partitions N] [--brokers HOSTS]\n"
        "       rumbookctl topics delete [--brokers HOSTS]\n"
        "Creates (or deletes, with every message in them) the booking and catalogue commands\n"
        "(N partitions, default 6), their decisions, the invitations, dead-letter and delivery\n"
        "status topics, and the workers' status topic (one partition, a day's retention).\n";
    const char *names[NTOPICS];
    char errstr[256];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    long partitions = 6;
    int c, rc;
    bool creating;
    const char *verb;

    static const struct option own[] = {{"partitions", required_argument, NULL, 'p'}, {0}};
    rb_config_args args = {0};
    char *end;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        }
        partitions = c == 'p' ? strtol(optarg, &end, 10) : -1;
        if (c != 'p' || *end || partitions < 1 || partitions > 1000) {
            fprintf(stderr, c == 'p' ? "rumbookctl topics: --partitions must be 1-1000\n" : "%s",
                    help);
            return 2;
        }
    }
    if (argc - optind != 1 ||
        (strcmp(argv[optind], "create") != 0 && strcmp(argv[optind], "delete") != 0)) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "topics")))
        return rc;
    verb = argv[optind];
    creating = strcmp(verb, "create") == 0;
    names[0] = cfg->topic_commands;
    names[1] = cfg->topic_decisions;
    names[2] = cfg->topic_invitations;
    names[3] = cfg->topic_dlq;
    names[4] = cfg->topic_delivery_status;
    names[5] = cfg->topic_catalog_commands;
    names[6] = cfg->topic_catalog_decisions;
    names[7] = cfg->topic_status;
    if (!(conf = ctl_kafka_conf(cfg, "topics")))
        return 1;
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl topics %s: %s\n", verb, errstr);
        return 1;
    }
    rc = creating ? create_topics(rk, names, (int)partitions) : delete_topics(rk, names);
    rd_kafka_destroy(rk);
    return rc;
}

static bool parse_date(const char *s, int *yyyymmdd)
{
    int y, m, d, n = 0;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] || m < 1 || m > 12 || d < 1 ||
        d > 31)
        return false;
    *yyyymmdd = y * 10000 + m * 100 + d;
    return true;
}

int ctl_calendar(rb_config *cfg, int argc, char **argv)
{
    static const char help[] =
        "usage: rumbookctl calendar import --scope KIND[:ID] FILE.ics [--until YYYY-MM-DD]\n"
        "Stores the file's events as closed days for a scope: all, municipality:NAME,\n"
        "school:ID, provider:ID or venue:ID. Recurring events are expanded until --until\n"
        "(default: five years from now). Re-importing a file replaces its events.\n"
        "Danish public holidays need no import.\n";
    static const struct option own[] = {{"scope", required_argument, NULL, 's'},
                                        {"until", required_argument, NULL, 'u'}, {0}};
    rb_config_args args = {0};
    const char *scope = NULL, *file;
    int c, i, imported, until = 0;
    time_t now = time(NULL);
    struct tm tm;
    rb_buf ics;
    PGconn *conn;
    rb_error err;

    gmtime_r(&now, &tm);
    until = (tm.tm_year + 1900 + 5) * 10000 + 1231;
    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        } else if (c == 's') {
            scope = optarg;
        } else if (c != 'u' || !parse_date(optarg, &until)) {
            fprintf(stderr, c == 'u' ? "rumbookctl calendar import: --until must be YYYY-MM-DD\n"
                                     : "%s", help);
            return 2;
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "import") != 0 || !scope) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((i = ctl_settings(cfg, &args, "calendar")))
        return i;
    file = argv[optind + 1];
    if (open_import(cfg, "rumbookctl calendar import", file, &ics, &conn))
        return 1;
    i = rb_calendar_import(conn, scope, ics.data, until, &imported, &err);
    PQfinish(conn);
    rb_buf_fini(&ics);
    if (i < 0) {
        fprintf(stderr, "rumbookctl calendar import: %s: %s\n", file, err.message);
        return 1;
    }
    printf("imported closures=%d scope=%s\n", imported, scope);
    return 0;
}

int ctl_travel(rb_config *cfg, int argc, char **argv)
{
    static const char help[] =
        "usage: rumbookctl travel import FILE.csv\n"
        "Upserts travel times: lines school_id,venue_id,mode,minutes (mode: walk, bike,\n"
        "public_transport, bus), after an optional header line. All or nothing.\n";
    int rc, imported;
    rb_buf csv;
    PGconn *conn;
    rb_error err;
    const char *file = import_args(cfg, argc, argv, help, &rc);

    if (!file)
        return rc;
    if (open_import(cfg, "rumbookctl travel import", file, &csv, &conn))
        return 1;
    rc = rb_travel_import(conn, csv.data, &imported, &err);
    PQfinish(conn);
    rb_buf_fini(&csv);
    if (rc < 0) {
        fprintf(stderr, "rumbookctl travel import: %s: %s\n", file, err.message);
        return 1;
    }
    printf("imported travel_times=%d\n", imported);
    return 0;
}
