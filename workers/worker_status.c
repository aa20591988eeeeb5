/* Heartbeats: a WorkerStatus on the status topic every few seconds, when
 * the assignment changes, and once more on a clean stop, so that
 * `rumbookctl status` sees the live workers, their partitions and lag. A
 * heartbeat that cannot be sent is dropped: the next one says the same. */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "rumbook/kafka_conf.h"
#include "rumbook/kafka_log.h"
#include "rumbook/log.h"
#include "rumbook/v1/booking.pb-c.h"
#include "worker_internal.h"

#define STATUS_INTERVAL_MS 5000

static int64_t unix_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int worker_status_start(worker *w, rb_error *err)
{
    const char *const settings[][2] = {
        {"linger.ms", "0"},
        {"message.timeout.ms", "5000"},
        {"reconnect.backoff.max.ms", "1000"},
        {"client.id", "rumbook-worker-status"},
    };
    rd_kafka_conf_t *conf;
    char errstr[256];
    size_t i;
    int rc;

    w->started_at_ms = unix_ms();
    if ((rc = rb_kafka_conf_new(&w->cfg, &conf, err)) < 0)
        return rc;
    for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof(errstr))) {
            rd_kafka_conf_destroy(conf);
            return rb_error_set(err, RB_EKAFKA, "status producer config: %s", errstr);
        }
    rb_kafka_log_to_rumbook(conf);
    if (!(w->status_producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        return rb_error_set(err, RB_EKAFKA, "status producer: %s", errstr);
    }
    w->assignment_changed = true; /* the first heartbeat goes at once */
    return 0;
}

static void send_status(worker *w, bool last)
{
    Rumbook__V1__WorkerStatus s = RUMBOOK__V1__WORKER_STATUS__INIT;
    Rumbook__V1__PartitionStatus ps[RB_METRICS_MAX_PARTITIONS], *pp[RB_METRICS_MAX_PARTITIONS];
    int32_t parts[RB_METRICS_MAX_PARTITIONS];
    int64_t lags[RB_METRICS_MAX_PARTITIONS];
    char host[256] = "", id[300];
    rb_relay_stats rs = {0};
    const rb_batch_stats *t = &w->totals;
    uint8_t buf[16384];
    size_t len;
    int i, n = last ? 0 : worker_partition_lags(w, w->cfg.topic_commands, parts, lags,
                                                RB_METRICS_MAX_PARTITIONS);

    gethostname(host, sizeof(host) - 1);
    snprintf(id, sizeof(id), "%s:%d", host, (int)getpid());
    for (i = 0; i < n; i++) {
        rumbook__v1__partition_status__init(&ps[i]);
        ps[i].has_partition = ps[i].has_lag = true;
        ps[i].partition = parts[i];
        ps[i].lag = lags[i];
        pp[i] = &ps[i];
    }
    if (w->relay)
        rb_relay_get_stats(w->relay, &rs);
    s.worker_id = *w->cfg.instance_id ? (char *)w->cfg.instance_id : id;
    s.host = host;
    s.has_pid = s.has_started_at_unix_ms = s.has_sent_at_unix_ms = s.has_interval_ms = true;
    s.pid = (int32_t)getpid();
    s.version = (char *)RUMBOOK_VERSION;
    s.group = (char *)w->cfg.group;
    s.started_at_unix_ms = w->started_at_ms;
    s.sent_at_unix_ms = unix_ms();
    s.interval_ms = STATUS_INTERVAL_MS;
    s.n_partitions = (size_t)n;
    s.partitions = pp;
    s.has_batches = s.has_decisions = s.has_relay_active = s.has_stopping = true;
    s.batches = w->batches;
    s.decisions = (int64_t)t->confirmed + t->waitlisted + t->promoted + t->rejected + t->cancelled;
    s.relay_active = rs.active && !last;
    s.stopping = last;
    if (*w->last_error) {
        s.last_error = w->last_error;
        s.has_last_error_at_unix_ms = true;
        s.last_error_at_unix_ms = w->last_error_at_ms;
    }
    if ((len = rumbook__v1__worker_status__get_packed_size(&s)) > sizeof(buf))
        return;
    rumbook__v1__worker_status__pack(&s, buf);
    if (rd_kafka_producev(w->status_producer, RD_KAFKA_V_TOPIC(w->cfg.topic_status),
                          RD_KAFKA_V_KEY(s.worker_id, strlen(s.worker_id)),
                          RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_HEADER("content-type", "application/x-protobuf", -1),
                          RD_KAFKA_V_HEADER("rumbook-message-type", "rumbook.v1.WorkerStatus", -1),
                          RD_KAFKA_V_END))
        rb_log_debug("heartbeat not queued topic=%s", w->cfg.topic_status);
}

void worker_status_tick(worker *w)
{
    int64_t now = worker_mono_ms();

    if (!w->status_producer)
        return;
    rd_kafka_poll(w->status_producer, 0);
    if (!w->assignment_changed && now - w->status_sent_ms < STATUS_INTERVAL_MS)
        return;
    w->assignment_changed = false;
    w->status_sent_ms = now;
    send_status(w, false);
}

void worker_status_stop(worker *w)
{
    if (!w->status_producer)
        return;
    send_status(w, true);
    rd_kafka_flush(w->status_producer, 2000);
    rd_kafka_destroy(w->status_producer);
    w->status_producer = NULL;
}
