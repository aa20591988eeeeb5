/* rumbookctl status: one screen for operations staff, from the workers'
 * heartbeats and the database, ending in a verdict; exit status 0 when all
 * is well, 1 when something is wrong, so a script or a monitoring check can
 * call it. Also the heartbeats as JSON for rumbookctl watch --status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "ctl_internal.h"
#include "rumbook/buf.h"
#include "rumbook/json.h"
#include "rumbook/kafka_log.h"
#include "rumbook/pg.h"
#include "rumbook/v1/booking.pb-c.h"

#define WAIT_MS 10000
#define LOOKBACK_MS 120000 /* heartbeats older than this cannot be live */
#define MAX_WORKERS 256
#define STALE_OUTBOX_S 30

static const char help[] =
    "usage: rumbookctl status [--json]\n"
    "Live workers (a heartbeat newer than three intervals), the commands topic's\n"
    "partitions with their owner and lag, the outbox backlog, dead letters of the last\n"
    "24 hours by cause, waiting lists and bus orders in review, and a verdict: ok, or what\n"
    "is wrong. Exit status 0 when ok, 1 when something is wrong, 2 on bad usage.\n";

static int64_t unix_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void ctl_status_json(const Rumbook__V1__WorkerStatus *s, rb_buf *out)
{
    size_t i;

    rb_buf_puts(out, "{\"type\":\"worker_status\",\"worker_id\":");
    rb_json_string(out, s->worker_id ? s->worker_id : "");
    rb_buf_puts(out, ",\"host\":");
    rb_json_string(out, s->host ? s->host : "");
    rb_buf_printf(out, ",\"pid\":%d,\"version\":", s->pid);
    rb_json_string(out, s->version ? s->version : "");
    rb_buf_puts(out, ",\"group\":");
    rb_json_string(out, s->group ? s->group : "");
    rb_buf_printf(out,
                  ",\"started_at_unix_ms\":%lld,\"sent_at_unix_ms\":%lld,\"interval_ms\":%d,"
                  "\"partitions\":[",
                  (long long)s->started_at_unix_ms, (long long)s->sent_at_unix_ms, s->interval_ms);
    for (i = 0; i < s->n_partitions; i++)
        rb_buf_printf(out, "%s{\"partition\":%d,\"lag\":%lld}", i ? "," : "",
                      s->partitions[i]->partition, (long long)s->partitions[i]->lag);
    rb_buf_printf(out, "],\"batches\":%lld,\"decisions\":%lld,\"relay_active\":%s,\"stopping\":%s",
                  (long long)s->batches, (long long)s->decisions,
                  s->relay_active ? "true" : "false", s->stopping ? "true" : "false");
    if (s->last_error) {
        rb_buf_puts(out, ",\"last_error\":");
        rb_json_string(out, s->last_error);
        rb_buf_printf(out, ",\"last_error_at_unix_ms\":%lld", (long long)s->last_error_at_unix_ms);
    }
    rb_buf_puts(out, "}");
}

#define MAX_PARTITIONS 1024

typedef struct view {
    Rumbook__V1__WorkerStatus *workers[MAX_WORKERS]; /* the latest of each */
    int nworkers;
    int npartitions; /* of the commands topic */
    long long unsent;
    double oldest_unsent_s;
    long long waiting, review;
    PGresult *dead; /* cause, count */
    int64_t now_ms;
    /* Next offsets of each partition for the group: what counts (in
     * PostgreSQL) and what lag tools see (committed to Kafka); -1 none. */
    int64_t stored[MAX_PARTITIONS], committed[MAX_PARTITIONS];
} view;

static bool live(const view *v, const Rumbook__V1__WorkerStatus *s)
{
    return !s->stopping &&
           v->now_ms - s->sent_at_unix_ms <= 3LL * (s->interval_ms ? s->interval_ms : 5000);
}

static void keep_latest(view *v, Rumbook__V1__WorkerStatus *s)
{
    int i;

    for (i = 0; i < v->nworkers; i++)
        if (strcmp(v->workers[i]->worker_id, s->worker_id) == 0) {
            if (v->workers[i]->sent_at_unix_ms <= s->sent_at_unix_ms) {
                rumbook__v1__worker_status__free_unpacked(v->workers[i], NULL);
                v->workers[i] = s;
            } else {
                rumbook__v1__worker_status__free_unpacked(s, NULL);
            }
            return;
        }
    if (v->nworkers < MAX_WORKERS)
        v->workers[v->nworkers++] = s;
    else
        rumbook__v1__worker_status__free_unpacked(s, NULL);
}

static rd_kafka_t *consumer(const rb_config *cfg)
{
    char errstr[256], group[64];
    rd_kafka_conf_t *conf = ctl_kafka_conf(cfg, "status");
    rd_kafka_t *rk;

    if (!conf)
        return NULL;
    snprintf(group, sizeof(group), "rumbookctl-status-%ld-%d", (long)time(NULL), (int)getpid());
    if (rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl status: %s\n", errstr);
        return NULL;
    }
    rb_kafka_log_to_rumbook(conf);
    if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl status: %s\n", errstr);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Partitions of topic; -1 when the broker does not know it. */
static int partition_count(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;

    if (rd_kafka_metadata(rk, 0, t, &md, WAIT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        md->topic_cnt == 1 && !md->topics[0].err)
        n = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    return n;
}

/* The heartbeats of the last LOOKBACK_MS, the latest per worker. */
static int read_heartbeats(rd_kafka_t *rk, const rb_config *cfg, view *v)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    int64_t low = 0, high = 0;
    int rc = 0;

    if (rd_kafka_query_watermark_offsets(rk, cfg->topic_status, 0, &low, &high, WAIT_MS)) {
        fprintf(stderr,
                "rumbookctl status: no topic \"%s\" on the broker (rumbookctl topics "
                "create makes it)\n",
                cfg->topic_status);
        rd_kafka_topic_partition_list_destroy(l);
        return -1;
    }
    rd_kafka_topic_partition_list_add(l, cfg->topic_status, 0)->offset = v->now_ms - LOOKBACK_MS;
    if (rd_kafka_offsets_for_times(rk, l, WAIT_MS) || l->elems[0].offset < 0)
        l->elems[0].offset = high; /* nothing that recent */
    rd_kafka_assign(rk, l);
    while (l->elems[0].offset < high) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, WAIT_MS);
        Rumbook__V1__WorkerStatus *s;
        if (!m) {
            rc = -1;
            break;
        }
        if (!m->err && (s = rumbook__v1__worker_status__unpack(NULL, m->len, m->payload)) &&
            s->worker_id)
            keep_latest(v, s);
        if (!m->err)
            l->elems[0].offset = m->offset + 1;
        rd_kafka_message_destroy(m);
    }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

/* The group's offsets committed to Kafka (lag tools read these). */
static int read_committed(const rb_config *cfg, view *v)
{
    char errstr[256];
    rd_kafka_conf_t *conf = ctl_kafka_conf(cfg, "status");
    rd_kafka_topic_partition_list_t *l;
    rd_kafka_t *rk;
    int p, rc = 0;

    if (!conf)
        return -1;
    /* Asks the group's coordinator without joining the group. */
    if (rd_kafka_conf_set(conf, "group.id", cfg->group, errstr, sizeof(errstr)) ||
        !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl status: %s\n", errstr);
        return -1;
    }
    l = rd_kafka_topic_partition_list_new(v->npartitions);
    for (p = 0; p < v->npartitions; p++)
        rd_kafka_topic_partition_list_add(l, cfg->topic_commands, p);
    if (rd_kafka_committed(rk, l, WAIT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR)
        rc = -1;
    for (p = 0; p < l->cnt; p++)
        v->committed[l->elems[p].partition] = rc == 0 ? l->elems[p].offset : -1;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
    return rc;
}

static int read_stored(PGconn *conn, const rb_config *cfg, view *v)
{
    const char *params[2] = {cfg->group, cfg->topic_commands};
    PGresult *res = PQexecParams(conn,
                                 "SELECT partition, next_offset FROM consumer_offsets"
                                 " WHERE group_id = $1 AND topic = $2",
                                 2, NULL, params, NULL, NULL, 0);
    int p, r;

    for (p = 0; p < v->npartitions; p++)
        v->stored[p] = -1;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "rumbookctl status: %s", PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    for (r = 0; r < PQntuples(res); r++) {
        p = atoi(PQgetvalue(res, r, 0));
        if (p >= 0 && p < v->npartitions)
            v->stored[p] = atoll(PQgetvalue(res, r, 1));
    }
    PQclear(res);
    return 0;
}

static int read_database(PGconn *conn, const rb_config *cfg, view *v)
{
    const char *params[1] = {cfg->topic_dlq};
    PGresult *res = PQexec(
        conn, "SELECT (SELECT count(*) FROM outbox_events e JOIN outbox_batches b"
              "  ON b.id = e.batch_id WHERE b.sent_at IS NULL),"
              " (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8"
              "  FROM outbox_batches WHERE sent_at IS NULL),"
              " (SELECT count(*) FROM waitlist WHERE status = 'waiting' AND kind = 'capacity'),"
              " (SELECT count(*) FROM waitlist WHERE status = 'waiting' AND kind = 'review')");

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "rumbookctl status: %s", PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    v->unsent = atoll(PQgetvalue(res, 0, 0));
    v->oldest_unsent_s = atof(PQgetvalue(res, 0, 1));
    v->waiting = atoll(PQgetvalue(res, 0, 2));
    v->review = atoll(PQgetvalue(res, 0, 3));
    PQclear(res);
    v->dead = PQexecParams(conn,
                           "SELECT coalesce(e.cause, ''), count(*) FROM outbox_events e"
                           " JOIN outbox_batches b ON b.id = e.batch_id WHERE e.topic = $1"
                           " AND b.created_at > now() - interval '24 hours'"
                           " GROUP BY 1 ORDER BY 2 DESC, 1",
                           1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(v->dead) != PGRES_TUPLES_OK) {
        fprintf(stderr, "rumbookctl status: %s", PQerrorMessage(conn));
        return -1;
    }
    return 0;
}

/* Each partition's live owner (its index in v->workers), -1 for none. */
static void owners(const view *v, int *owner, int64_t *lag)
{
    int p, w;
    size_t i;

    for (p = 0; p < v->npartitions; p++) {
        owner[p] = -1;
        lag[p] = -1;
    }
    for (w = 0; w < v->nworkers; w++) {
        const Rumbook__V1__WorkerStatus *s = v->workers[w];
        if (!live(v, s))
            continue;
        for (i = 0; i < s->n_partitions; i++) {
            int32_t p2 = s->partitions[i]->partition;
            if (p2 >= 0 && p2 < v->npartitions) {
                owner[p2] = w;
                lag[p2] = s->partitions[i]->lag;
            }
        }
    }
}

/* What is wrong, one clause each, into out ("" when nothing is). */
static void verdict(const view *v, const int *owner, rb_buf *out)
{
    int p, w, nlive = 0, relays = 0, orphans = 0;

    for (w = 0; w < v->nworkers; w++)
        if (live(v, v->workers[w])) {
            nlive++;
            relays += v->workers[w]->relay_active;
        }
    for (p = 0; p < v->npartitions; p++)
        orphans += owner[p] < 0;
    if (nlive == 0)
        rb_buf_printf(out, "%sno live worker", out->len ? "; " : "");
    else if (relays == 0)
        rb_buf_printf(out, "%sno live worker holds the relay", out->len ? "; " : "");
    if (nlive > 0 && orphans > 0)
        rb_buf_printf(out, "%s%d of %d partitions have no live owner", out->len ? "; " : "",
                      orphans, v->npartitions);
    if (v->oldest_unsent_s > STALE_OUTBOX_S)
        rb_buf_printf(out, "%sthe oldest unpublished event is %.0f s old", out->len ? "; " : "",
                      v->oldest_unsent_s);
}

static void print_screen(const view *v, const int *owner, const int64_t *lag, const char *bad)
{
    int w, p, r;
    size_t i;

    for (w = 0; w < v->nworkers; w++) {
        const Rumbook__V1__WorkerStatus *s = v->workers[w];
        printf("worker    %-20s %s  host=%s pid=%d version=%s partitions=", s->worker_id,
               live(v, s)    ? "live"
               : s->stopping ? "stopped"
                             : "silent",
               s->host ? s->host : "-", s->pid, s->version ? s->version : "-");
        for (i = 0; i < s->n_partitions; i++)
            printf("%s%d", i ? "," : "", s->partitions[i]->partition);
        printf("%s batches=%lld decisions=%lld relay=%s heartbeat=%.1fs ago%s%s\n",
               s->n_partitions ? "" : "-", (long long)s->batches, (long long)s->decisions,
               s->relay_active ? "yes" : "no", (double)(v->now_ms - s->sent_at_unix_ms) / 1e3,
               s->last_error ? " last_error=" : "", s->last_error ? s->last_error : "");
    }
    for (p = 0; p < v->npartitions; p++) {
        printf("partition %-3d owner=%s", p, owner[p] >= 0 ? v->workers[owner[p]]->worker_id : "-");
        if (lag[p] >= 0)
            printf(" lag=%lld", (long long)lag[p]);
        printf(" stored=%lld committed=%lld\n", (long long)v->stored[p],
               (long long)v->committed[p]);
    }
    printf("outbox    unsent=%lld oldest=%.1fs\n", v->unsent, v->oldest_unsent_s);
    for (r = 0; r < PQntuples(v->dead); r++)
        printf("dead letters (24 h) %s  %s\n", PQgetvalue(v->dead, r, 1),
               PQgetvalue(v->dead, r, 0));
    if (PQntuples(v->dead) == 0)
        printf("dead letters (24 h) 0\n");
    printf("waiting   classes=%lld bus_orders_in_review=%lld\n", v->waiting, v->review);
    printf("verdict   %s\n", *bad ? bad : "ok");
}

static void print_json(const view *v, const int *owner, const int64_t *lag, const char *bad)
{
    rb_buf out;
    int w, p, r;

    rb_buf_init(&out);
    rb_buf_puts(&out, "{\"workers\":[");
    for (w = 0; w < v->nworkers; w++) {
        rb_buf_puts(&out, w ? "," : "");
        ctl_status_json(v->workers[w], &out);
        out.len--; /* reopen the object for "live" */
        rb_buf_printf(&out, ",\"live\":%s}", live(v, v->workers[w]) ? "true" : "false");
    }
    rb_buf_puts(&out, "],\"partitions\":[");
    for (p = 0; p < v->npartitions; p++) {
        rb_buf_printf(&out, "%s{\"partition\":%d,\"owner\":", p ? "," : "", p);
        if (owner[p] >= 0)
            rb_json_string(&out, v->workers[owner[p]]->worker_id);
        else
            rb_buf_puts(&out, "null");
        rb_buf_printf(&out, ",\"lag\":%lld,\"stored_offset\":%lld,\"committed_offset\":%lld}",
                      (long long)lag[p], (long long)v->stored[p], (long long)v->committed[p]);
    }
    rb_buf_printf(&out,
                  "],\"outbox\":{\"unsent\":%lld,\"oldest_unsent_s\":%.1f},"
                  "\"dead_letters_24h\":[",
                  v->unsent, v->oldest_unsent_s);
    for (r = 0; r < PQntuples(v->dead); r++) {
        rb_buf_puts(&out, r ? ",{\"cause\":" : "{\"cause\":");
        rb_json_string(&out, PQgetvalue(v->dead, r, 0));
        rb_buf_printf(&out, ",\"count\":%s}", PQgetvalue(v->dead, r, 1));
    }
    rb_buf_printf(&out, "],\"waiting\":%lld,\"bus_orders_in_review\":%lld,\"ok\":%s,\"verdict\":",
                  v->waiting, v->review, *bad ? "false" : "true");
    rb_json_string(&out, *bad ? bad : "ok");
    rb_buf_puts(&out, "}\n");
    fwrite(out.data, 1, out.len, stdout);
    rb_buf_fini(&out);
}

int ctl_status(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {{"json", no_argument, NULL, 'j'}, {0}};
    rb_config_args args = {0};
    view v = {0};
    int owner[MAX_PARTITIONS];
    int64_t lag[MAX_PARTITIONS];
    rd_kafka_t *rk = NULL;
    PGconn *conn = NULL;
    rb_error err;
    rb_buf bad;
    bool json = false;
    int c, rc = 1, w;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        }
        if (c != 'j') {
            fprintf(stderr, "%s", help);
            return 2;
        }
        json = true;
    }
    if (optind < argc) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "status")))
        return rc;
    rc = 1;
    rb_buf_init(&bad);
    v.now_ms = unix_ms();
    if (!(rk = consumer(cfg)) || (v.npartitions = partition_count(rk, cfg->topic_commands)) < 0 ||
        v.npartitions > MAX_PARTITIONS || read_heartbeats(rk, cfg, &v) < 0) {
        fprintf(stderr, "rumbookctl status: could not read the broker at %s\n", cfg->brokers);
        goto done;
    }
    if (rb_pg_connect(cfg->dsn, &conn, &err) < 0) {
        fprintf(stderr, "rumbookctl status: %s\n", err.message);
        goto done;
    }
    if (read_database(conn, cfg, &v) < 0 || read_stored(conn, cfg, &v) < 0)
        goto done;
    if (read_committed(cfg, &v) < 0)
        fprintf(stderr, "rumbookctl status: could not read the group's committed offsets\n");
    owners(&v, owner, lag);
    verdict(&v, owner, &bad);
    rb_buf_puts(&bad, "");
    if (json)
        print_json(&v, owner, lag, bad.data);
    else
        print_screen(&v, owner, lag, bad.data);
    rc = *bad.data ? 1 : 0;
done:
    rb_buf_fini(&bad);
    PQclear(v.dead);
    PQfinish(conn);
    for (w = 0; w < v.nworkers; w++)
        rumbook__v1__worker_status__free_unpacked(v.workers[w], NULL);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    return rc;
}
