/* The worker's metrics and health probes: what the store and the relay
 * counted, the backlog in PostgreSQL, the partitions and their lag, and the
 * answers of /healthz and /readyz. */
#include <stdio.h>
#include <string.h>

#include "rumbook/log.h"
#include "worker_internal.h"

#define OBSERVE_MS 2000
/* /healthz fails when the main loop has not turned for this long: a batch
 * or a poll that hangs, not one that is slow (retries turn the loop). */
#define STALL_MS 30000

void worker_heartbeat(worker *w)
{
    atomic_store(&w->heartbeat_ms, worker_mono_ms());
    worker_watchdog();
}

static bool healthy(void *ctx, char *why, size_t size)
{
    worker *w = ctx;
    long long idle = worker_mono_ms() - atomic_load(&w->heartbeat_ms);

    if (idle < STALL_MS)
        return true;
    snprintf(why, size, "the main loop has not turned for %lld s", idle / 1000);
    return false;
}

static bool ready(void *ctx, char *why, size_t size)
{
    worker *w = ctx;

    if (stopping) {
        snprintf(why, size, "stopping");
        return false;
    }
    if (!atomic_load(&w->pg_ok)) {
        snprintf(why, size, "postgresql unreachable");
        return false;
    }
    if (!atomic_load(&w->subscribed)) {
        snprintf(why, size, "not subscribed to the commands topic");
        return false;
    }
    return true; /* partitions assigned, or waiting for them */
}

int worker_observe_start(worker *w, rb_error *err)
{
    rb_http_probes probes;
    int rc;

    worker_heartbeat(w);
    if (!*w->cfg.metrics_listen)
        return 0; /* nobody would read them: nothing is counted (w->metrics NULL) */
    if ((rc = rb_metrics_new(RUMBOOK_VERSION, &w->metrics, err)) < 0)
        return rc;
    probes = (rb_http_probes){w->metrics, healthy, ready, NULL, w};
    if ((rc = rb_http_start(w->cfg.metrics_listen, &probes, &w->http, err)) < 0)
        return rc;
    rb_log_info("metrics and probes listening address=%s", w->cfg.metrics_listen);
    return 0;
}

void worker_observe_stop(worker *w)
{
    rb_http_stop(w->http);
    w->http = NULL;
    if (w->store)
        rb_store_set_metrics(w->store, NULL);
    rb_metrics_free(w->metrics);
    w->metrics = NULL;
}

void worker_observe_batch(worker *w, size_t n, int64_t ms)
{
    rb_metrics_observe(w->metrics, RB_METRIC_BATCH_COMMANDS, (double)n);
    rb_metrics_observe(w->metrics, RB_METRIC_BATCH_SECONDS, (double)ms / 1e3);
}

/* Broker states are upper case in librdkafka's statistics (STATISTICS.md):
 * "UP" is a connection in use; nothing else in the document is spelled so. */
void worker_on_stats(worker *w, const char *json)
{
    w->kafka_up = strstr(json, "\"state\":\"UP\"") != NULL;
}

int worker_partition_lags(worker *w, const char *topic, int32_t *partitions, int64_t *lags,
                          int max)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    int i, n = 0;

    if (rd_kafka_assignment(w->consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    rd_kafka_position(w->consumer, parts);
    for (i = 0; i < parts->cnt && n < max; i++) {
        rd_kafka_topic_partition_t *p = &parts->elems[i];
        int64_t low, high;
        if (strcmp(p->topic, topic) != 0)
            continue; /* the other commands topic's partitions have the same numbers */
        partitions[n] = p->partition;
        lags[n] = -1;
        if (rd_kafka_get_watermark_offsets(w->consumer, p->topic, p->partition, &low, &high) ==
                RD_KAFKA_RESP_ERR_NO_ERROR &&
            high >= 0)
            lags[n] = p->offset >= 0 && high >= p->offset ? high - p->offset : 0;
        n++;
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return n;
}

static void observe_partitions(worker *w)
{
    int32_t parts[RB_METRICS_MAX_PARTITIONS];
    int64_t lags[RB_METRICS_MAX_PARTITIONS];
    int i, n = worker_partition_lags(w, w->cfg.topic_commands, parts, lags,
                                     RB_METRICS_MAX_PARTITIONS);

    rb_metrics_clear(w->metrics, RB_METRIC_LAG);
    for (i = 0; i < n; i++)
        if (lags[i] >= 0)
            rb_metrics_set(w->metrics, RB_METRIC_LAG, parts[i], (double)lags[i]);
    rb_metrics_set(w->metrics, RB_METRIC_PARTITIONS, 0, n);
    n = worker_partition_lags(w, w->cfg.topic_catalog_commands, parts, lags,
                              RB_METRICS_MAX_PARTITIONS);
    rb_metrics_clear(w->metrics, RB_METRIC_CATALOG_LAG);
    for (i = 0; i < n; i++)
        if (lags[i] >= 0)
            rb_metrics_set(w->metrics, RB_METRIC_CATALOG_LAG, parts[i], (double)lags[i]);
}

void worker_observe(worker *w, int64_t *last)
{
    int64_t now = worker_mono_ms();
    rb_store_backlog b;
    rb_relay_stats rs = {0};
    rb_error err;
    char why[128];

    if (now - *last < OBSERVE_MS)
        return;
    *last = now;
    if (rb_store_backlog_read(w->store, &b, &err) == 0) {
        rb_metrics_set(w->metrics, RB_METRIC_OUTBOX_UNSENT, 0, (double)b.unsent_events);
        rb_metrics_set(w->metrics, RB_METRIC_OUTBOX_AGE, 0, b.oldest_unsent_s);
        rb_metrics_set(w->metrics, RB_METRIC_WAITING, 0, (double)b.waiting);
        rb_metrics_set(w->metrics, RB_METRIC_WAITING, 1, (double)b.in_review);
    }
    atomic_store(&w->pg_ok, rb_store_connected(w->store));
    rb_metrics_set(w->metrics, RB_METRIC_PG_UP, 0, atomic_load(&w->pg_ok));
    rb_metrics_set(w->metrics, RB_METRIC_KAFKA_UP, 0, w->kafka_up);
    if (w->relay)
        rb_relay_get_stats(w->relay, &rs);
    rb_metrics_set(w->metrics, RB_METRIC_PUBLISHED, 0, (double)rs.sent);
    rb_metrics_set(w->metrics, RB_METRIC_PUBLISH_FAILURES, 0, (double)rs.failed);
    rb_metrics_set(w->metrics, RB_METRIC_RELAY_ACTIVE, 0, rs.active);
    rb_metrics_set(w->metrics, RB_METRIC_READY, 0, ready(w, why, sizeof(why)));
    observe_partitions(w);
}
