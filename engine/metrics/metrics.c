/* The metrics registry and its text exposition. One mutex: updates come a
 * few times per batch, not per command, and a scrape renders a few kB. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rumbook/events.h"
#include "rumbook/metrics.h"
#include "rumbook/reasons.h"

#define MAX_BUCKETS 12

static const struct metric_def {
    const char *name, *type, *help;
    enum rb_metric_label label;
} defs[RB_METRIC_COUNT] = {
#define RB_METRIC_DEF(ID, name, type, label, help) {name, type, help, label},
    RB_METRICS(RB_METRIC_DEF)
#undef RB_METRIC_DEF
};

/* Upper bounds, ascending; +Inf is implied. */
static const double batch_commands[] = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 0};
static const double batch_seconds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 0};
static const double latency[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

static const char *const sqlstate_names[RB_SQLSTATE_COUNT] = {"40001", "40P01",      "23505",
                                                              "23P01", "connection", "other"};
static const char *const wait_kinds[] = {"waiting", "review"};

typedef struct histogram {
    const double *bounds;
    int nbounds;
    unsigned long long counts[MAX_BUCKETS + 1]; /* the last: above every bound */
    double sum;
    unsigned long long count;
} histogram;

struct rb_metrics {
    pthread_mutex_t lock;
    char version[64];
    double *values[RB_METRIC_COUNT];
    bool *present[RB_METRIC_COUNT];
    histogram hist[RB_METRIC_COUNT];
};

static int label_count(enum rb_metric_label l)
{
    switch (l) {
    case RB_LABEL_NONE: return 1;
    case RB_LABEL_STATUS: return RB_STATUS_RECEIVED + 1;
    case RB_LABEL_REASON: return RB_REASON_COUNT;
    case RB_LABEL_SQLSTATE: return RB_SQLSTATE_COUNT;
    case RB_LABEL_PARTITION: return RB_METRICS_MAX_PARTITIONS;
    case RB_LABEL_WAIT_KIND: return 2;
    }
    return 1;
}

enum rb_sqlstate_class rb_sqlstate_class_of(const char *s)
{
    if (!s)
        return RB_SQLSTATE_CONNECTION;
    if (strcmp(s, "40001") == 0)
        return RB_SQLSTATE_SERIALIZATION;
    if (strcmp(s, "40P01") == 0)
        return RB_SQLSTATE_DEADLOCK;
    if (strcmp(s, "23505") == 0)
        return RB_SQLSTATE_UNIQUE;
    if (strcmp(s, "23P01") == 0)
        return RB_SQLSTATE_EXCLUSION;
    if (strncmp(s, "08", 2) == 0 || strncmp(s, "57P0", 4) == 0 || strcmp(s, "53300") == 0)
        return RB_SQLSTATE_CONNECTION;
    return RB_SQLSTATE_OTHER;
}

static void set_buckets(histogram *h, const double *bounds, int n)
{
    h->bounds = bounds;
    h->nbounds = n;
}

int rb_metrics_new(const char *version, rb_metrics **out, rb_error *err)
{
    rb_metrics *m = calloc(1, sizeof(*m));
    int i;

    *out = NULL;
    if (!m)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    pthread_mutex_init(&m->lock, NULL);
    snprintf(m->version, sizeof(m->version), "%s", version);
    for (i = 0; i < RB_METRIC_COUNT; i++) {
        size_t n = (size_t)label_count(defs[i].label);
        m->values[i] = calloc(n, sizeof(double));
        m->present[i] = calloc(n, sizeof(bool));
        if (!m->values[i] || !m->present[i]) {
            rb_metrics_free(m);
            return rb_error_set(err, RB_ENOMEM, "out of memory");
        }
    }
    set_buckets(&m->hist[RB_METRIC_BATCH_COMMANDS], batch_commands, 10);
    set_buckets(&m->hist[RB_METRIC_BATCH_SECONDS], batch_seconds, 11);
    set_buckets(&m->hist[RB_METRIC_LATENCY], latency, 12);
    m->values[RB_METRIC_START_TIME][0] = (double)time(NULL);
    *out = m;
    return 0;
}

void rb_metrics_free(rb_metrics *m)
{
    int i;

    if (!m)
        return;
    for (i = 0; i < RB_METRIC_COUNT; i++) {
        free(m->values[i]);
        free(m->present[i]);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static bool in_range(enum rb_metric id, int label)
{
    return (unsigned)id < RB_METRIC_COUNT && label >= 0 && label < label_count(defs[id].label);
}

void rb_metrics_add(rb_metrics *m, enum rb_metric id, int label, double v)
{
    if (!m || !in_range(id, label))
        return;
    pthread_mutex_lock(&m->lock);
    m->values[id][label] += v;
    m->present[id][label] = true;
    pthread_mutex_unlock(&m->lock);
}

void rb_metrics_set(rb_metrics *m, enum rb_metric id, int label, double v)
{
    if (!m || !in_range(id, label))
        return;
    pthread_mutex_lock(&m->lock);
    m->values[id][label] = v;
    m->present[id][label] = true;
    pthread_mutex_unlock(&m->lock);
}

void rb_metrics_clear(rb_metrics *m, enum rb_metric id)
{
    size_t n;

    if (!m || (unsigned)id >= RB_METRIC_COUNT)
        return;
    n = (size_t)label_count(defs[id].label);
    pthread_mutex_lock(&m->lock);
    memset(m->values[id], 0, n * sizeof(double));
    memset(m->present[id], 0, n * sizeof(bool));
    pthread_mutex_unlock(&m->lock);
}

void rb_metrics_observe(rb_metrics *m, enum rb_metric id, double v)
{
    histogram *h;
    int b;

    if (!m || (unsigned)id >= RB_METRIC_COUNT || !m->hist[id].bounds)
        return;
    h = &m->hist[id];
    pthread_mutex_lock(&m->lock);
    for (b = 0; b < h->nbounds && v > h->bounds[b]; b++)
        ;
    h->counts[b]++;
    h->sum += v;
    h->count++;
    pthread_mutex_unlock(&m->lock);
}

/* The label's value for index i, or NULL when the index names none. */
static const char *label_value(enum rb_metric_label l, int i, char num[16])
{
    switch (l) {
    case RB_LABEL_NONE: return "";
    case RB_LABEL_STATUS: return i ? rb_status_name((enum rb_status)i) : NULL;
    case RB_LABEL_REASON: return rb_reason_name((rb_reason_code)i);
    case RB_LABEL_SQLSTATE: return sqlstate_names[i];
    case RB_LABEL_WAIT_KIND: return wait_kinds[i];
    case RB_LABEL_PARTITION: snprintf(num, 16, "%d", i); return num;
    }
    return NULL;
}

static const char *label_name(enum rb_metric_label l)
{
    static const char *const names[] = {"", "status", "reason", "sqlstate", "partition", "kind"};

    return names[l];
}

static void render_value(rb_buf *out, const char *name, const char *lname, const char *lvalue,
                         double v)
{
    if (*lname)
        rb_buf_printf(out, "%s{%s=\"%s\"} %.17g\n", name, lname, lvalue, v);
    else
        rb_buf_printf(out, "%s %.17g\n", name, v);
}

static void render_histogram(rb_buf *out, const char *name, const histogram *h)
{
    unsigned long long cum = 0;
    int b;

    for (b = 0; b < h->nbounds; b++) {
        cum += h->counts[b];
        rb_buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[b], cum);
    }
    rb_buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.17g\n%s_count %llu\n", name, h->count,
                  name, h->sum, name, h->count);
}

static void render_metric(rb_metrics *m, int id, rb_buf *out)
{
    const struct metric_def *d = &defs[id];
    char num[16];
    int i;

    rb_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name, d->type);
    if (m->hist[id].bounds) {
        render_histogram(out, d->name, &m->hist[id]);
        return;
    }
    for (i = 0; i < label_count(d->label); i++) {
        const char *v = label_value(d->label, i, num);
        /* Partitions appear while assigned; every other series always. */
        if (v && (d->label != RB_LABEL_PARTITION || m->present[id][i]))
            render_value(out, d->name, label_name(d->label), v, m->values[id][i]);
    }
}

void rb_metrics_render(rb_metrics *m, rb_buf *out)
{
    int id;

    pthread_mutex_lock(&m->lock);
    rb_buf_printf(out,
                  "# HELP rumbook_build_info The running build.\n"
                  "# TYPE rumbook_build_info gauge\nrumbook_build_info{version=\"%s\"} 1\n",
                  m->version);
    for (id = 0; id < RB_METRIC_COUNT; id++)
        render_metric(m, id, out);
    pthread_mutex_unlock(&m->lock);
}
