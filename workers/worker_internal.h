/* rumbook-worker's parts: worker.c runs the consumer loop and the batches,
 * worker_observe.c keeps the metrics and answers the health probes. */
#ifndef RUMBOOK_WORKER_INTERNAL_H
#define RUMBOOK_WORKER_INTERNAL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "rumbook/config.h"
#include "rumbook/http.h"
#include "rumbook/metrics.h"
#include "rumbook/relay.h"
#include "rumbook/store.h"

extern volatile sig_atomic_t stopping;
extern volatile sig_atomic_t reloading; /* SIGHUP: read the settings again */

typedef struct worker {
    rb_config cfg;
    rb_config_args args; /* the flags and --config, kept for reloads */
    bool relay_running;
    rd_kafka_t *consumer;
    rb_store *store;
    rb_relay *relay;
    rd_kafka_message_t **pending;
    rb_message *msgs; /* the pending messages as the store takes them */
    size_t npending;
    bool failed;      /* stopped by an error no retry can mend */
    bool bad_setting; /* could not start as configured: exit 2 */
    rb_batch_stats totals;
    long long batches;
    /* Observability (worker_observe.c); the atomics are read by the HTTP
     * server's thread. */
    rb_metrics *metrics;
    rb_http *http;
    atomic_llong heartbeat_ms; /* the main loop's last turn, monotonic */
    atomic_bool pg_ok;         /* the last use of the database worked */
    atomic_bool subscribed;    /* in the group, assigned or waiting for partitions */
    atomic_int assigned;       /* partitions held */
    bool kafka_up;             /* a broker connection up, from the statistics */
    /* Heartbeats (worker_status.c). */
    rd_kafka_t *status_producer;
    int64_t started_at_ms;     /* Unix time */
    int64_t status_sent_ms;    /* monotonic */
    bool assignment_changed;
    char last_error[256];
    int64_t last_error_at_ms;
} worker;

/* Monotonic milliseconds. */
int64_t worker_mono_ms(void);

/* Creates the metrics and starts the HTTP endpoints when --metrics-listen
 * is set (before the store exists: the probes do not touch it). */
int worker_observe_start(worker *w, rb_error *err);
void worker_observe_stop(worker *w);
/* The main loop turned (for /healthz). */
void worker_heartbeat(worker *w);
/* Every two seconds: backlog, relay, partitions and their lag. */
void worker_observe(worker *w, int64_t *last);
/* A batch of n commands committed in ms. */
void worker_observe_batch(worker *w, size_t n, int64_t ms);
/* The assigned partitions of topic (at most max) and each one's lag: the end of
 * the partition as the last fetch saw it, minus the next offset this
 * worker reads; -1 when not known yet. Returns how many. */
int worker_partition_lags(worker *w, const char *topic, int32_t *partitions, int64_t *lags,
                          int max);
/* librdkafka's statistics: whether a broker connection is up. */
void worker_on_stats(worker *w, const char *json);

/* Heartbeats on the status topic (worker_status.c): every few seconds, when
 * the assignment changes (w->assignment_changed), and a last one on stop. */
int worker_status_start(worker *w, rb_error *err);
void worker_status_tick(worker *w);
void worker_status_stop(worker *w);

/* Tells systemd (Type=notify) a state: "READY=1", "STOPPING=1", ...; a
 * no-op when not run by systemd. */
void worker_notify(const char *state);
/* Pets systemd's watchdog when it asks for one (WatchdogSec). */
void worker_watchdog(void);
/* SIGHUP: reads the config file and the environment again and applies what
 * can change while running (log level, linger, batch size); a bad file
 * keeps the old settings and says why in the log. */
void worker_reload(worker *w);

#endif
