/* rumbookctl migrate, catalog import, calendar import, travel import, topics create. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "ctl_internal.h"
#include "rumbook/buf.h"
#include "rumbook/import.h"
#include "rumbook/pg.h"

static int only_common_flags(rb_config *cfg, int argc, char **argv, int first, const char *help)
{
    int i;

    for (i = first; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("%s", help);
            return 1;
        }
        if (!ctl_common_flag(cfg, argc, argv, &i)) {
            fprintf(stderr, "rumbookctl: unknown argument \"%s\"\n%s", argv[i], help);
            return -1;
        }
    }
    return 0;
}

int ctl_migrate(rb_config *cfg, int argc, char **argv)
{
    PGconn *conn;
    rb_error err;
    int applied, rc = only_common_flags(cfg, argc, argv, 1,
                                        "usage: rumbookctl migrate [--dsn URL]\n"
                                        "Applies migrations/NNN_*.sql not yet applied "
                                        "(RUMBOOK_MIGRATIONS overrides the folder).\n");

    if (rc)
        return rc < 0 ? 2 : 0;
    if (rb_pg_connect(cfg->dsn, &conn, &err) < 0) {
        fprintf(stderr, "rumbookctl migrate: %s\n", err.message);
        return 1;
    }
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
        fprintf(stderr, "%s: cannot read %s\n", prefix, file);
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
static int import_args(rb_config *cfg, int argc, char **argv, const char *help)
{
    int rc;

    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        printf("%s", help);
        return -1;
    }
    if (argc < 3 || strcmp(argv[1], "import") != 0) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = only_common_flags(cfg, argc, argv, 3, help)))
        return rc < 0 ? 2 : -1;
    return 0;
}

int ctl_catalog(rb_config *cfg, int argc, char **argv)
{
    static const char help[] = "usage: rumbookctl catalog import FILE [--dsn URL]\n"
                               "Validates and upserts a catalogue in one transaction; a bad "
                               "file changes nothing.\n";
    char summary[512];
    rb_buf json;
    PGconn *conn;
    rb_error err;
    int rc;

    if ((rc = import_args(cfg, argc, argv, help)))
        return rc < 0 ? 0 : rc;
    if (open_import(cfg, "rumbookctl catalog import", argv[2], &json, &conn))
        return 1;
    rc = rb_catalog_import(conn, json.data, summary, sizeof(summary), &err);
    PQfinish(conn);
    rb_buf_fini(&json);
    if (rc < 0) {
        fprintf(stderr, "rumbookctl catalog import: %s: %s\n", argv[2], err.message);
        return 1;
    }
    printf("imported %s\n", summary);
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
    rd_kafka_NewTopic_t *topics[4];
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev;
    const rd_kafka_topic_result_t **res;
    size_t i, n = 0;
    char errstr[256], created[64];
    int rc;

    for (i = 0; i < 4; i++)
        topics[i] = rd_kafka_NewTopic_new(names[i], partitions, 1, errstr, sizeof(errstr));
    rd_kafka_CreateTopics(rk, topics, 4, NULL, q);
    ev = rd_kafka_queue_poll(q, 30000);
    res = ev ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n)
             : NULL;
    snprintf(created, sizeof(created), "created partitions=%d", partitions);
    rc = report_topics("create", ev, res, n, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "exists",
                       created);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy_array(topics, 4);
    rd_kafka_queue_destroy(q);
    return rc;
}

static int delete_topics(rd_kafka_t *rk, const char *const *names)
{
    rd_kafka_DeleteTopic_t *topics[4];
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev;
    const rd_kafka_topic_result_t **res;
    size_t i, n = 0;
    int rc;

    for (i = 0; i < 4; i++)
        topics[i] = rd_kafka_DeleteTopic_new(names[i]);
    rd_kafka_DeleteTopics(rk, topics, 4, NULL, q);
    ev = rd_kafka_queue_poll(q, 30000);
    res = ev ? rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n)
             : NULL;
    rc = report_topics("delete", ev, res, n, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                       "does not exist", "deleted");
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_DeleteTopic_destroy_array(topics, 4);
    rd_kafka_queue_destroy(q);
    return rc;
}

int ctl_topics(rb_config *cfg, int argc, char **argv)
{
    static const char help[] =
        "usage: rumbookctl topics create [--partitions N] [--brokers HOSTS]\n"
        "       rumbookctl topics delete [--brokers HOSTS]\n"
        "Creates (or deletes, with every message in them) the commands (N partitions, default\n"
        "6), decisions, invitations and dead-letter topics.\n";
    const char *names[4];
    char errstr[256];
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    int i, partitions = 6, rc;
    bool creating;
    const char *v;

    if (argc < 2 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "delete") != 0)) {
        fprintf(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr, "%s", help);
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    creating = strcmp(argv[1], "create") == 0;
    for (i = 2; i < argc; i++) {
        if (creating && (v = rb_flag(argc, argv, &i, "partitions"))) {
            partitions = atoi(v);
            if (partitions < 1 || partitions > 1000) {
                fprintf(stderr, "rumbookctl topics create: --partitions must be 1-1000\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("%s", help);
            return 0;
        } else if (!ctl_common_flag(cfg, argc, argv, &i)) {
            fprintf(stderr, "rumbookctl: unknown argument \"%s\"\n%s", argv[i], help);
            return 2;
        }
    }
    names[0] = cfg->topic_commands;
    names[1] = cfg->topic_decisions;
    names[2] = cfg->topic_invitations;
    names[3] = cfg->topic_dlq;
    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->brokers, errstr, sizeof(errstr)) ||
        !(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl topics %s: %s\n", argv[1], errstr);
        return 1;
    }
    rc = creating ? create_topics(rk, names, partitions) : delete_topics(rk, names);
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
    const char *scope = NULL, *file = NULL, *v;
    int i, imported, until = 0;
    time_t now = time(NULL);
    struct tm tm;
    rb_buf ics;
    PGconn *conn;
    rb_error err;

    if (argc < 2 || strcmp(argv[1], "import") != 0) {
        fprintf(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr, "%s", help);
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    gmtime_r(&now, &tm);
    until = (tm.tm_year + 1900 + 5) * 10000 + 1231;
    for (i = 2; i < argc; i++) {
        if ((v = rb_flag(argc, argv, &i, "scope"))) {
            scope = v;
        } else if ((v = rb_flag(argc, argv, &i, "until"))) {
            if (!parse_date(v, &until)) {
                fprintf(stderr, "rumbookctl calendar import: --until must be YYYY-MM-DD\n");
                return 2;
            }
        } else if (argv[i][0] != '-' && !file) {
            file = argv[i];
        } else if (!ctl_common_flag(cfg, argc, argv, &i)) {
            fprintf(stderr, "rumbookctl: unknown argument \"%s\"\n%s", argv[i], help);
            return 2;
        }
    }
    if (!scope || !file) {
        fprintf(stderr, "%s", help);
        return 2;
    }
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

    if ((rc = import_args(cfg, argc, argv, help)))
        return rc < 0 ? 0 : rc;
    if (open_import(cfg, "rumbookctl travel import", argv[2], &csv, &conn))
        return 1;
    rc = rb_travel_import(conn, csv.data, &imported, &err);
    PQfinish(conn);
    rb_buf_fini(&csv);
    if (rc < 0) {
        fprintf(stderr, "rumbookctl travel import: %s: %s\n", argv[2], err.message);
        return 1;
    }
    printf("imported travel_times=%d\n", imported);
    return 0;
}
