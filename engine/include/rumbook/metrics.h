/* The worker's metrics, rendered in Prometheus' text exposition format
 * (version 0.0.4). One fixed list (RB_METRICS): names follow Prometheus'
 * conventions (rumbook_ prefix, base units, _total for counters), and every
 * label takes values from a bounded set (a status, a reason code, a SQLSTATE
 * class, a partition number below RB_METRICS_MAX_PARTITIONS), never an id.
 *
 * rb_metrics_new() returns an object the caller frees with
 * rb_metrics_free(); every function is safe from any thread. */
#ifndef RUMBOOK_METRICS_H
#define RUMBOOK_METRICS_H

#include "rumbook/buf.h"
#include "rumbook/error.h"

#define RB_METRICS_MAX_PARTITIONS 256

/* The label a metric is split by. */
enum rb_metric_label {
    RB_LABEL_NONE,
    RB_LABEL_STATUS,    /* confirmed, waitlisted, rejected, cancelled, pending_review */
    RB_LABEL_REASON,    /* a reason code (rumbook/reasons.h) */
    RB_LABEL_SQLSTATE,  /* 40001, 40P01, 23505, 23P01, connection, other */
    RB_LABEL_PARTITION, /* 0..RB_METRICS_MAX_PARTITIONS-1 */
    RB_LABEL_WAIT_KIND, /* waiting, review */
};

/* X(ID, name, type, label, help) */
#define RB_METRICS(X)                                                                         \
    X(DECISIONS, "rumbook_decisions_total", "counter", RB_LABEL_STATUS,                       \
      "Decisions committed, by status (a waitlisted command's final decision counts again).") \
    X(REASONS, "rumbook_decision_reasons_total", "counter", RB_LABEL_REASON,                  \
      "Reasons given in committed decisions, by code.")                                       \
    X(DEAD_LETTERS, "rumbook_dead_letters_total", "counter", RB_LABEL_NONE,                   \
      "Messages put on the dead-letter topic.")                                               \
    X(DUPLICATES, "rumbook_duplicate_commands_total", "counter", RB_LABEL_NONE,               \
      "Commands consumed again after they were decided, and skipped.")                        \
    X(RETRIES, "rumbook_batch_retries_total", "counter", RB_LABEL_SQLSTATE,                   \
      "Batch attempts rolled back and run again, by the SQLSTATE that caused it.")            \
    X(BATCH_COMMANDS, "rumbook_batch_commands", "histogram", RB_LABEL_NONE,                   \
      "Commands in each committed batch.")                                                    \
    X(BATCH_SECONDS, "rumbook_batch_duration_seconds", "histogram", RB_LABEL_NONE,            \
      "Time from a batch's first attempt to its commit.")                                     \
    X(LATENCY, "rumbook_decision_latency_seconds", "histogram", RB_LABEL_NONE,                \
      "Time from a command's issued_at to the commit of its decision.")                       \
    X(LAG, "rumbook_consumer_lag_messages", "gauge", RB_LABEL_PARTITION,                      \
      "Messages between the committed offset and the end of each assigned partition.")        \
    X(PARTITIONS, "rumbook_assigned_partitions", "gauge", RB_LABEL_NONE,                      \
      "Partitions of the commands topic assigned to this worker.")                            \
    X(CATALOG_LAG, "rumbook_catalog_lag_messages", "gauge", RB_LABEL_PARTITION,               \
      "Catalogue commands between the committed offset and the end of each assigned"         \
      " partition of the catalogue topic.")                                                   \
    X(OUTBOX_UNSENT, "rumbook_outbox_unsent_events", "gauge", RB_LABEL_NONE,                  \
      "Events committed and not yet published.")                                              \
    X(OUTBOX_AGE, "rumbook_outbox_oldest_unsent_age_seconds", "gauge", RB_LABEL_NONE,         \
      "Age of the oldest event not yet published; 0 when none waits.")                        \
    X(RELAY_ACTIVE, "rumbook_relay_active", "gauge", RB_LABEL_NONE,                           \
      "1 when this process holds the relay and publishes the outbox.")                        \
    X(PUBLISHED, "rumbook_events_published_total", "counter", RB_LABEL_NONE,                  \
      "Outbox events the broker acknowledged.")                                               \
    X(PUBLISH_FAILURES, "rumbook_events_publish_failures_total", "counter", RB_LABEL_NONE,    \
      "Outbox events the broker did not take (they are sent again).")                         \
    X(WAITING, "rumbook_waiting_entries", "gauge", RB_LABEL_WAIT_KIND,                        \
      "Classes waiting for a place, and bus orders waiting for review.")                      \
    X(PG_UP, "rumbook_postgres_up", "gauge", RB_LABEL_NONE,                                   \
      "1 when the worker's PostgreSQL connection is up.")                                     \
    X(KAFKA_UP, "rumbook_kafka_up", "gauge", RB_LABEL_NONE,                                   \
      "1 when the consumer has a broker connection up.")                                      \
    X(READY, "rumbook_ready", "gauge", RB_LABEL_NONE,                                         \
      "1 when /readyz would answer 200: PostgreSQL reachable, in the consumer group.")        \
    X(START_TIME, "rumbook_start_time_seconds", "gauge", RB_LABEL_NONE,                       \
      "When the process started, in Unix seconds.")

enum rb_metric {
#define RB_METRIC_ENUM(ID, name, type, label, help) RB_METRIC_##ID,
    RB_METRICS(RB_METRIC_ENUM)
#undef RB_METRIC_ENUM
        RB_METRIC_COUNT
};

/* SQLSTATE classes for RB_METRIC_RETRIES. */
enum rb_sqlstate_class {
    RB_SQLSTATE_SERIALIZATION, /* 40001 */
    RB_SQLSTATE_DEADLOCK,      /* 40P01 */
    RB_SQLSTATE_UNIQUE,        /* 23505 */
    RB_SQLSTATE_EXCLUSION,     /* 23P01 */
    RB_SQLSTATE_CONNECTION,    /* class 08, 57P01-57P05, 53300, or no SQLSTATE */
    RB_SQLSTATE_OTHER,
    RB_SQLSTATE_COUNT
};
enum rb_sqlstate_class rb_sqlstate_class_of(const char *sqlstate);

typedef struct rb_metrics rb_metrics;

int rb_metrics_new(const char *version, rb_metrics **out, rb_error *err) RB_MUSTCHECK;
void rb_metrics_free(rb_metrics *m);

/* Counters and gauges: label is the label's value index (0 without one). */
void rb_metrics_add(rb_metrics *m, enum rb_metric id, int label, double v);
void rb_metrics_set(rb_metrics *m, enum rb_metric id, int label, double v);
/* Forgets every value of a labelled gauge (partitions taken away). */
void rb_metrics_clear(rb_metrics *m, enum rb_metric id);
/* Histograms. */
void rb_metrics_observe(rb_metrics *m, enum rb_metric id, double v);

/* Appends the exposition text to out. */
void rb_metrics_render(rb_metrics *m, rb_buf *out);

#endif
