/* rumbookctl dlq: the dead-letter topic for operators. Letters are read
 * from the topic itself (so one produced there by hand is seen too) and
 * named P:OFFSET; replays are recorded in PostgreSQL (dlq_replays). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "ctl_internal.h"
#include "rumbook/buf.h"
#include "rumbook/command.h"
#include "rumbook/json.h"
#include "rumbook/kafka_log.h"
#include "rumbook/pg.h"

#define WAIT_MS 10000

static const char help[] =
    "usage: rumbookctl dlq list [--json]\n"
    "       rumbookctl dlq show P:OFFSET\n"
    "       rumbookctl dlq replay P:OFFSET... [--force] [--by NAME]\n"
    "Reads the dead-letter topic. list: one line per letter (time, cause, where it came\n"
    "from, size, replays). show: its headers, and the command when it decodes. replay:\n"
    "publishes the original bytes again on the commands topic and records who did it;\n"
    "a letter already replayed needs --force. --by defaults to the login name.\n";

typedef struct letter_id {
    int32_t partition;
    int64_t offset;
} letter_id;

static bool parse_id(const char *s, letter_id *id)
{
    char *end;
    long p = strtol(s, &end, 10);

    if (end == s || *end != ':' || p < 0 || p > 100000)
        return false;
    id->partition = (int32_t)p;
    s = end + 1;
    id->offset = strtoll(s, &end, 10);
    return end != s && !*end && id->offset >= 0;
}

static rd_kafka_t *client_new(const rb_config *cfg, rd_kafka_type_t type)
{
    char errstr[256], group[64];
    rd_kafka_conf_t *conf = ctl_kafka_conf(cfg, "dlq");
    rd_kafka_t *rk;

    if (!conf)
        return NULL;
    snprintf(group, sizeof(group), "rumbookctl-dlq-%ld-%d", (long)time(NULL), (int)getpid());
    if ((type == RD_KAFKA_CONSUMER &&
         (rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr)) ||
          rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr)))) ||
        (type == RD_KAFKA_PRODUCER &&
         rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl dlq: %s\n", errstr);
        return NULL;
    }
    rb_kafka_log_to_rumbook(conf);
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, ctl_on_delivery);
    if (!(rk = rd_kafka_new(type, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl dlq: %s\n", errstr);
        return NULL;
    }
    if (type == RD_KAFKA_CONSUMER)
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* The dead-letter topic's partitions with their offsets to read [from, to). */
static int partitions(rd_kafka_t *rk, const char *topic, rd_kafka_topic_partition_list_t **out,
                      int64_t **ends)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    int i, n;

    if (rd_kafka_metadata(rk, 0, t, &md, WAIT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topic_cnt != 1 || md->topics[0].err) {
        fprintf(stderr, "rumbookctl dlq: no topic \"%s\" on the broker\n", topic);
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(t);
        return -1;
    }
    n = md->topics[0].partition_cnt;
    *out = rd_kafka_topic_partition_list_new(n);
    *ends = calloc((size_t)n + 1, sizeof(**ends));
    for (i = 0; i < n && *ends; i++) {
        int64_t low = 0, high = 0;
        int32_t p = md->topics[0].partitions[i].id;
        rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high, WAIT_MS);
        rd_kafka_topic_partition_list_add(*out, topic, p)->offset = low;
        (*ends)[i] = high;
    }
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    return *ends ? n : -1;
}

static const char *header(const rd_kafka_message_t *m, const char *name, char *buf, size_t size)
{
    rd_kafka_headers_t *h;
    const void *v;
    size_t len;

    buf[0] = '\0';
    if (rd_kafka_message_headers(m, &h) || rd_kafka_header_get_last(h, name, &v, &len) || !v)
        return buf;
    snprintf(buf, size, "%.*s", (int)len, (const char *)v);
    return buf;
}

/* How often the letter was replayed (-1: the database could not say). */
static long replays(PGconn *conn, const char *topic, letter_id id)
{
    char p[16], o[24];
    const char *params[3] = {topic, p, o};
    PGresult *res;
    long n;

    snprintf(p, sizeof(p), "%d", (int)id.partition);
    snprintf(o, sizeof(o), "%lld", (long long)id.offset);
    res = PQexecParams(conn,
                       "SELECT count(*) FROM dlq_replays WHERE dlq_topic = $1"
                       " AND dlq_partition = $2::int AND dlq_offset = $3::bigint",
                       3, NULL, params, NULL, NULL, 0);
    n = PQresultStatus(res) == PGRES_TUPLES_OK ? atol(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return n;
}

static void print_letter(const rb_config *cfg, PGconn *conn, const rd_kafka_message_t *m, bool json,
                         rb_buf *line)
{
    char cause[512], topic[256], part[16], off[24], when[32];
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    time_t secs = (time_t)(ts / 1000);
    struct tm tm;
    letter_id id = {m->partition, m->offset};

    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    header(m, "rumbook-dlq-cause", cause, sizeof(cause));
    header(m, "rumbook-dlq-topic", topic, sizeof(topic));
    header(m, "rumbook-dlq-partition", part, sizeof(part));
    header(m, "rumbook-dlq-offset", off, sizeof(off));
    if (!json) {
        printf("%d:%lld %s from=%s/%s/%s size=%zu replays=%ld cause=\"%s\"\n", (int)m->partition,
               (long long)m->offset, when, *topic ? topic : "-", *part ? part : "-",
               *off ? off : "-", m->len, replays(conn, cfg->topic_dlq, id),
               *cause ? cause : "(none: produced by hand?)");
        return;
    }
    rb_buf_reset(line);
    rb_buf_printf(line, "{\"id\":\"%d:%lld\",\"time\":\"%s\",\"cause\":", (int)m->partition,
                  (long long)m->offset, when);
    rb_json_string(line, cause);
    rb_buf_puts(line, ",\"source_topic\":");
    rb_json_string(line, topic);
    rb_buf_printf(line,
                  ",\"source_partition\":%s,\"source_offset\":%s,\"size\":%zu,"
                  "\"replays\":%ld}\n",
                  *part ? part : "null", *off ? off : "null", m->len,
                  replays(conn, cfg->topic_dlq, id));
    fwrite(line->data, 1, line->len, stdout);
}

/* Reads every letter; calls each on them in order of partition, offset. */
static int read_all(const rb_config *cfg, void (*each)(const rd_kafka_message_t *, void *),
                    void *ctx)
{
    rd_kafka_t *rk = client_new(cfg, RD_KAFKA_CONSUMER);
    rd_kafka_topic_partition_list_t *parts = NULL;
    int64_t *ends = NULL;
    int i, n, left = 0, rc = 0;

    if (!rk || (n = partitions(rk, cfg->topic_dlq, &parts, &ends)) < 0) {
        rc = 1;
        goto done;
    }
    for (i = 0; i < n; i++)
        left += parts->elems[i].offset < ends[i];
    rd_kafka_assign(rk, parts);
    while (left > 0) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, WAIT_MS);
        if (!m) {
            fprintf(stderr, "rumbookctl dlq: the broker sent nothing for %d s\n", WAIT_MS / 1000);
            rc = 1;
            break;
        }
        if (!m->err) {
            each(m, ctx);
            for (i = 0; i < n; i++)
                if (parts->elems[i].partition == m->partition && m->offset + 1 == ends[i])
                    left--;
        }
        rd_kafka_message_destroy(m);
    }
done:
    free(ends);
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    return rc;
}

typedef struct list_ctx {
    const rb_config *cfg;
    PGconn *conn;
    bool json;
    rb_buf line;
} list_ctx;

static void list_one(const rd_kafka_message_t *m, void *arg)
{
    list_ctx *l = arg;

    print_letter(l->cfg, l->conn, m, l->json, &l->line);
}

static int dlq_list(const rb_config *cfg, PGconn *conn, bool json)
{
    list_ctx l = {cfg, conn, json, {0}};
    int rc;

    rb_buf_init(&l.line);
    rc = read_all(cfg, list_one, &l);
    rb_buf_fini(&l.line);
    return rc;
}

/* The letter at id, or NULL (said on stderr). The caller destroys it. */
static rd_kafka_message_t *fetch(rd_kafka_t *rk, const rb_config *cfg, letter_id id)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_message_t *m = NULL;
    int64_t low = 0, high = 0;

    if (rd_kafka_query_watermark_offsets(rk, cfg->topic_dlq, id.partition, &low, &high, WAIT_MS) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        id.offset < low || id.offset >= high) {
        fprintf(stderr, "rumbookctl dlq: no letter %d:%lld on topic \"%s\"\n", (int)id.partition,
                (long long)id.offset, cfg->topic_dlq);
        rd_kafka_topic_partition_list_destroy(l);
        return NULL;
    }
    rd_kafka_topic_partition_list_add(l, cfg->topic_dlq, id.partition)->offset = id.offset;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    while ((m = rd_kafka_consumer_poll(rk, WAIT_MS)) && (m->err || m->offset != id.offset))
        rd_kafka_message_destroy(m);
    rd_kafka_assign(rk, NULL);
    if (!m)
        fprintf(stderr, "rumbookctl dlq: letter %d:%lld did not arrive\n", (int)id.partition,
                (long long)id.offset);
    return m;
}

static void print_command(const rd_kafka_message_t *m, rb_buf *out)
{
    static const char *const kinds[] = {"invalid", "book", "cancel", "reschedule"};
    rb_command cmd;
    rb_error err;
    int i;

    if (rb_command_decode(&cmd, m->payload, m->len, &err) < 0) {
        rb_buf_puts(out, ",\"command\":null,\"decode_error\":");
        rb_json_string(out, err.message);
        return;
    }
    rb_buf_puts(out, ",\"command\":{\"command_id\":");
    rb_json_string(out, cmd.command_id);
    rb_buf_printf(out, ",\"kind\":\"%s\"", (unsigned)cmd.kind < 4 ? kinds[cmd.kind] : "?");
    rb_buf_puts(out, ",\"session_id\":");
    rb_json_string(out, cmd.session_id ? cmd.session_id : "");
    rb_buf_puts(out, ",\"class_id\":");
    rb_json_string(out, cmd.class_id ? cmd.class_id : "");
    rb_buf_puts(out, ",\"booking_id\":");
    rb_json_string(out, cmd.booking_id ? cmd.booking_id : "");
    rb_buf_printf(out, ",\"pupils\":%d,\"problems\":[", cmd.pupils);
    for (i = 0; i < cmd.problems.nreasons; i++) {
        rb_buf_puts(out, i ? "," : "");
        rb_json_string(out, cmd.problems.reasons[i].message);
    }
    rb_buf_puts(out, "]}");
    rb_command_fini(&cmd);
}

static int dlq_show(const rb_config *cfg, letter_id id)
{
    rd_kafka_t *rk = client_new(cfg, RD_KAFKA_CONSUMER);
    rd_kafka_message_t *m = rk ? fetch(rk, cfg, id) : NULL;
    rd_kafka_headers_t *h;
    const char *name;
    const void *v;
    size_t len, i;
    char key[512];
    rb_buf out;

    if (!m) {
        if (rk)
            rd_kafka_destroy(rk);
        return 1;
    }
    rb_buf_init(&out);
    rb_buf_printf(&out, "{\"id\":\"%d:%lld\",\"size\":%zu,\"key\":", (int)m->partition,
                  (long long)m->offset, m->len);
    snprintf(key, sizeof(key), "%.*s", m->key ? (int)m->key_len : 0,
             m->key ? (const char *)m->key : "");
    rb_json_string(&out, key);
    rb_buf_puts(&out, ",\"headers\":{");
    for (i = 0; rd_kafka_message_headers(m, &h) == 0 &&
                rd_kafka_header_get_all(h, i, &name, &v, &len) == 0;
         i++) {
        char value[1024];
        snprintf(value, sizeof(value), "%.*s", v ? (int)len : 0, v ? (const char *)v : "");
        rb_buf_puts(&out, i ? "," : "");
        rb_json_string(&out, name);
        rb_buf_puts(&out, ":");
        rb_json_string(&out, value);
    }
    rb_buf_puts(&out, "}");
    print_command(m, &out);
    rb_buf_puts(&out, "}\n");
    fwrite(out.data, 1, out.len, stdout);
    rb_buf_fini(&out);
    rd_kafka_message_destroy(m);
    rd_kafka_destroy(rk);
    return 0;
}

/* The commands topic a letter came from: the catalogue's, or (anything
 * else) the booking commands'. */
static const char *origin(const rb_config *cfg, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *in = NULL;
    const void *v;
    size_t len;

    if (rd_kafka_message_headers(m, &in) == 0 &&
        rd_kafka_header_get_last(in, "rumbook-dlq-topic", &v, &len) == 0 && v &&
        len == strlen(cfg->topic_catalog_commands) &&
        memcmp(v, cfg->topic_catalog_commands, len) == 0)
        return cfg->topic_catalog_commands;
    return cfg->topic_commands;
}

/* The letter's bytes and key again on the commands topic it came from; 0
 * once the broker has them. */
static int republish(rd_kafka_t *producer, const rb_config *cfg, const rd_kafka_message_t *m,
                     letter_id id, ctl_delivery *d)
{
    static const char *const sender[] = {"rumbook-portal", "rumbook-signature"};
    rd_kafka_headers_t *in = NULL, *out = rd_kafka_headers_new(4);
    char from[300];
    const void *v;
    size_t len;
    int i;

    snprintf(from, sizeof(from), "%s:%d:%lld", cfg->topic_dlq, (int)id.partition,
             (long long)id.offset);
    rd_kafka_header_add(out, "content-type", -1, "application/x-protobuf", -1);
    rd_kafka_header_add(out, "rumbook-replay-of", -1, from, -1);
    /* The portal's signature covers the payload, which a replay keeps. */
    for (i = 0; i < 2; i++)
        if (rd_kafka_message_headers(m, &in) == 0 &&
            rd_kafka_header_get_last(in, sender[i], &v, &len) == 0 && v)
            rd_kafka_header_add(out, sender[i], -1, v, (ssize_t)len);
    if (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(origin(cfg, m)),
                          RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                          RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_HEADERS(out), RD_KAFKA_V_END)) {
        rd_kafka_headers_destroy(out);
        return -1;
    }
    rd_kafka_flush(producer, WAIT_MS);
    return d->done && !d->err ? 0 : -1;
}

/* One replay, in a transaction that holds the letter's lock: two operators
 * replaying the same letter take turns, and the second sees the first. */
static int replay_one(PGconn *conn, rd_kafka_t *consumer, rd_kafka_t *producer,
                      const rb_config *cfg, letter_id id, bool force, const char *by)
{
    char p[16], o[24], tp[16], to[24];
    const char *lock[3] = {cfg->topic_dlq, p, o};
    const char *rec[8] = {cfg->topic_dlq, p, o, by, force ? "t" : "f", NULL, tp, to};
    rd_kafka_message_t *m;
    PGresult *seen = NULL;
    ctl_delivery d = {0};
    int rc = 1;

    snprintf(p, sizeof(p), "%d", (int)id.partition);
    snprintf(o, sizeof(o), "%lld", (long long)id.offset);
    if (!(m = fetch(consumer, cfg, id)))
        return 1;
    rec[5] = origin(cfg, m);
    if (ctl_sql(conn, "dlq", "BEGIN", 0, NULL, NULL) < 0)
        goto done;
    if (ctl_sql(conn, "dlq", "SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2 || ':' || $3))",
                3, lock, NULL) < 0 ||
        ctl_sql(conn, "dlq",
                "SELECT to_char(max(replayed_at), 'YYYY-MM-DD HH24:MI:SS TZ'), count(*),"
                " (array_agg(replayed_by ORDER BY id DESC))[1] FROM dlq_replays"
                " WHERE dlq_topic = $1 AND dlq_partition = $2::int AND dlq_offset = $3::bigint",
                3, lock, &seen) < 0)
        goto rollback;
    if (atol(PQgetvalue(seen, 0, 1)) > 0 && !force) {
        fprintf(stderr,
                "rumbookctl dlq: letter %s:%s was replayed %s times, last at %s by %s;"
                " --force replays it again\n",
                p, o, PQgetvalue(seen, 0, 1), PQgetvalue(seen, 0, 0), PQgetvalue(seen, 0, 2));
        goto rollback;
    }
    if (republish(producer, cfg, m, id, &d) < 0) {
        fprintf(stderr, "rumbookctl dlq: letter %s:%s could not be published: %s\n", p, o,
                rd_kafka_err2str(d.done ? d.err : RD_KAFKA_RESP_ERR__TIMED_OUT));
        goto rollback;
    }
    snprintf(tp, sizeof(tp), "%d", (int)d.partition);
    snprintf(to, sizeof(to), "%lld", (long long)d.offset);
    if (ctl_sql(conn, "dlq",
                "INSERT INTO dlq_replays (dlq_topic, dlq_partition, dlq_offset, replayed_by,"
                " forced, to_topic, to_partition, to_offset) VALUES ($1, $2::int, $3::bigint,"
                " $4, $5::boolean, $6, $7::int, $8::bigint)",
                8, rec, NULL) < 0 ||
        ctl_sql(conn, "dlq", "COMMIT", 0, NULL, NULL) < 0)
        goto rollback; /* published, not recorded: said on stderr */
    printf("{\"id\":\"%s:%s\",\"replayed_to\":{\"topic\":\"%s\",\"partition\":%s,\"offset\":%s},"
           "\"by\":\"%s\",\"forced\":%s}\n",
           p, o, rec[5], tp, to, by, force ? "true" : "false");
    rc = 0;
    goto done;
rollback:
    PQclear(PQexec(conn, "ROLLBACK"));
done:
    PQclear(seen);
    rd_kafka_message_destroy(m);
    return rc;
}

static int dlq_replay(const rb_config *cfg, PGconn *conn, char **ids, int n, bool force,
                      const char *by)
{
    rd_kafka_t *consumer = client_new(cfg, RD_KAFKA_CONSUMER);
    rd_kafka_t *producer = NULL;
    letter_id id;
    int i, failed = 0;

    if (consumer)
        producer = client_new(cfg, RD_KAFKA_PRODUCER);
    if (!consumer || !producer) {
        failed = 1;
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (!parse_id(ids[i], &id)) {
            fprintf(stderr, "rumbookctl dlq: \"%s\" is not a letter id (P:OFFSET)\n", ids[i]);
            failed++;
            continue;
        }
        failed += replay_one(conn, consumer, producer, cfg, id, force, by);
    }
done:
    if (producer)
        rd_kafka_destroy(producer);
    if (consumer) {
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
    }
    return failed ? 1 : 0;
}

int ctl_dlq(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {{"json", no_argument, NULL, 'j'},
                                        {"force", no_argument, NULL, 'f'},
                                        {"by", required_argument, NULL, 'b'},
                                        {0}};
    rb_config_args args = {0};
    const char *by = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
    bool json = false, force = false;
    PGconn *conn = NULL;
    int c, rc;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        } else if (c == 'j') {
            json = true;
        } else if (c == 'f') {
            force = true;
        } else if (c == 'b' && *optarg) {
            by = optarg;
        } else {
            fprintf(stderr, "%s", help);
            return 2;
        }
    }
    if (optind >= argc || (strcmp(argv[optind], "list") == 0 && argc - optind != 1) ||
        (strcmp(argv[optind], "show") == 0 && argc - optind != 2) ||
        (strcmp(argv[optind], "replay") == 0 && argc - optind < 2)) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "dlq")))
        return rc;
    if (strcmp(argv[optind], "show") == 0) {
        letter_id id;
        if (!parse_id(argv[optind + 1], &id)) {
            fprintf(stderr, "rumbookctl dlq: \"%s\" is not a letter id (P:OFFSET)\n",
                    argv[optind + 1]);
            return 2;
        }
        return dlq_show(cfg, id);
    }
    if (strcmp(argv[optind], "list") != 0 && strcmp(argv[optind], "replay") != 0) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if (!(conn = ctl_connect(cfg, "dlq")))
        return 1;
    if (strcmp(argv[optind], "list") == 0)
        rc = dlq_list(cfg, conn, json);
    else
        rc = dlq_replay(cfg, conn, argv + optind + 1, argc - optind - 1, force,
                        by && *by ? by : "unknown");
    PQfinish(conn);
    return rc;
}
