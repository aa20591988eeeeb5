/* rumbook-worker: consumes booking commands, decides them in batches
 * against PostgreSQL, and (unless --no-relay) publishes the outbox.
 *
 * Offsets live in PostgreSQL, written in the batch's transaction; on
 * assignment the consumer starts from them. Offsets are also committed to
 * Kafka after each batch, only so that operators' lag tools see progress. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "rumbook/calendar.h"
#include "rumbook/kafka_conf.h"
#include "rumbook/kafka_log.h"
#include "rumbook/log.h"
#include "worker_internal.h"

volatile sig_atomic_t stopping;
volatile sig_atomic_t reloading;

static void on_hangup(int sig)
{
    (void)sig;
    reloading = 1;
}

static void on_signal(int sig)
{
    (void)sig;
    if (stopping)
        _exit(130); /* a second signal: leave at once */
    stopping = 1;
}


static void usage(FILE *out)
{
    fprintf(out,
            "usage: rumbook-worker [options]\n"
            "  --config FILE          read settings from FILE (key = value lines)\n"
            "  --brokers HOSTS        Kafka bootstrap servers (RUMBOOK_BROKERS)\n"
            "  --dsn URL              PostgreSQL connection (RUMBOOK_DSN)\n"
            "  --group NAME           consumer group (RUMBOOK_GROUP, rumbook-workers)\n"
            "  --batch-size N         commands per transaction, 1-100000 (RUMBOOK_BATCH_SIZE, 500)\n"
            "  --linger-ms N          longest wait to fill a batch, 0-60000 (RUMBOOK_LINGER_MS, 20)\n"
            "  --topic-commands T     (RUMBOOK_TOPIC_COMMANDS, rumbook.booking.commands)\n"
            "  --topic-decisions T    (RUMBOOK_TOPIC_DECISIONS, rumbook.booking.decisions)\n"
            "  --topic-invitations T  (RUMBOOK_TOPIC_INVITATIONS, rumbook.booking.invitations)\n"
            "  --topic-dlq T          (RUMBOOK_TOPIC_DLQ, rumbook.booking.dlq)\n"
            "  --topic-catalog-commands T   (RUMBOOK_TOPIC_CATALOG_COMMANDS,\n"
            "                         rumbook.catalog.commands)\n"
            "  --topic-catalog-decisions T  (RUMBOOK_TOPIC_CATALOG_DECISIONS,\n"
            "                         rumbook.catalog.decisions)\n"
            "  --relay on|off         publish the outbox from this process (RUMBOOK_RELAY, on)\n"
            "  --no-relay             the same as --relay off\n"
            "  --allow-unsigned       take commands no portal signed, as from a portal of\n"
            "                         scope all: closed test setups only (RUMBOOK_ALLOW_UNSIGNED)\n"
            "  --log-level LEVEL      error, warning, info or debug (RUMBOOK_LOG_LEVEL, info)\n"
            "  --print-config         print the settings with where each came from, and exit\n"
            "Flags win over the environment, which wins over the file. docs/operations.md\n"
            "lists every setting.\n");
}

enum { OPT_HELP = 'h', OPT_NO_RELAY = 0x100, OPT_PRINT_CONFIG };

/* Settings from flags, --config and the environment into w->cfg. Returns
 * 0 to run, 1 when done (help, --print-config), -1 on a bad setting. */
static int parse_args(worker *w, int argc, char **argv)
{
    struct option opts[RB_CONF_COUNT + 5];
    rb_config_args *args = &w->args;
    bool print = false;
    rb_error err;
    int n = rb_config_options(opts, RB_PROG_WORKER), c;

    for (c = 0; c < n; c++) /* a switch: --allow-unsigned alone means on */
        if (opts[c].val == RB_CONFIG_OPT + RB_CONF_ALLOW_UNSIGNED)
            opts[c].has_arg = optional_argument;
    opts[n++] = (struct option){"no-relay", no_argument, NULL, OPT_NO_RELAY};
    opts[n++] = (struct option){"print-config", no_argument, NULL, OPT_PRINT_CONFIG};
    opts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    opts[n] = (struct option){0, 0, 0, 0};
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            usage(stdout);
            return 1;
        } else if (c == OPT_NO_RELAY) {
            rb_config_args_add(args, RB_CONF_RELAY, "off", "--no-relay");
        } else if (c == OPT_PRINT_CONFIG) {
            print = true;
        } else if (!rb_config_take_option(args, c, optarg ? optarg : "on")) {
            fprintf(stderr, "rumbook-worker: see --help\n"); /* getopt said what was wrong */
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rumbook-worker: unexpected argument \"%s\" (see --help)\n", argv[optind]);
        return -1;
    }
    if (rb_config_apply(&w->cfg, args, &err) < 0) {
        fprintf(stderr, "rumbook-worker: %s\n", err.message);
        return -1;
    }
    if (print) {
        rb_config_print(&w->cfg, RB_PROG_WORKER, stdout);
        return 1;
    }
    rb_log_init("rumbook-worker", (enum rb_log_level)w->cfg.log_level);
    return 0;
}

int64_t worker_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void release_pending(worker *w)
{
    size_t i;

    for (i = 0; i < w->npending; i++)
        rd_kafka_message_destroy(w->pending[i]);
    w->npending = 0;
}

/* Sleeps ms, or less when a signal asks us to stop; true when stopping.
 * The loop is still turning meanwhile, as far as /healthz is concerned. */
static bool nap(worker *w, int ms)
{
    struct timespec step = {0, 50 * 1000000L};

    for (; ms > 0 && !stopping; ms -= 50) {
        worker_heartbeat(w);
        nanosleep(&step, NULL);
    }
    return stopping;
}

/* For lag tools only (PostgreSQL holds the offsets that count): the next
 * offset of every partition the batch read. */
static void commit_to_kafka(worker *w)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)w->npending);
    size_t i;

    for (i = 0; i < w->npending; i++) {
        const rd_kafka_message_t *m = w->pending[i];
        rd_kafka_topic_partition_t *p =
            rd_kafka_topic_partition_list_find(l, rd_kafka_topic_name(m->rkt), m->partition);
        if (!p)
            p = rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition);
        if (p->offset < m->offset + 1)
            p->offset = m->offset + 1;
    }
    rd_kafka_commit(w->consumer, l, 1);
    rd_kafka_topic_partition_list_destroy(l);
}

/* The portal and its signature, from the message's last headers of those
 * names. */
static void take_headers(const rd_kafka_message_t *m, rb_message *out)
{
    rd_kafka_headers_t *hdrs = NULL;
    const void *v;
    size_t len;

    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    if (rd_kafka_header_get_last(hdrs, "rumbook-portal", &v, &len) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        v) {
        out->portal = v;
        out->portal_len = len;
    }
    if (rd_kafka_header_get_last(hdrs, "rumbook-signature", &v, &len) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        v) {
        out->signature = v;
        out->signature_len = len;
    }
}

/* Decides and commits the pending batch. While the database is away the
 * same batch is tried again, backing off to 1 s, until it commits or a
 * signal stops us (then nothing of it is committed: the partition's next
 * owner consumes it again). An error that is not retriable stops the
 * worker (w->failed): it is one no batch can get past, such as a schema
 * older than the workers. */
static void flush_batch(worker *w)
{
    int64_t started = worker_mono_ms();
    rb_error err;
    size_t i;
    int delay = 100, rc;

    if (w->npending == 0 || w->failed)
        return;
    for (i = 0; i < w->npending; i++) {
        const rd_kafka_message_t *m = w->pending[i];
        w->msgs[i] = (rb_message){.topic = rd_kafka_topic_name(m->rkt), .partition = m->partition,
                                  .offset = m->offset, .key = m->key, .key_len = m->key_len,
                                  .payload = m->payload, .len = m->len};
        take_headers(m, &w->msgs[i]);
    }
    while ((rc = rb_store_process(w->store, w->msgs, w->npending, &w->totals, &err)) < 0) {
        if (!err.retriable || err.fatal) {
            rb_log(RB_LOG_FATAL, "batch not committed, stopping: %s: %s size=%zu",
                   rb_strerror(err.code), err.message, w->npending);
            w->failed = true;
            stopping = 1;
            break;
        }
        rb_log_error("batch not committed, retrying in %d ms size=%zu cause=\"%s\"", delay,
                     w->npending, err.message);
        snprintf(w->last_error, sizeof(w->last_error), "%.250s", err.message);
        w->last_error_at_ms = (int64_t)time(NULL) * 1000;
        atomic_store(&w->pg_ok, rb_store_connected(w->store));
        if (nap(w, delay)) {
            rb_log_info("stopping while retrying: batch left uncommitted size=%zu", w->npending);
            break;
        }
        delay = delay < 500 ? delay * 2 : 1000; /* back within a second of the database */
    }
    if (rc == 0) {
        w->batches++;
        atomic_store(&w->pg_ok, true);
        worker_observe_batch(w, w->npending, worker_mono_ms() - started);
        commit_to_kafka(w);
    }
    release_pending(w);
}

/* Every assigned partition starts where the last committed batch left it
 * (PostgreSQL's offsets, per topic). */
static void assign_from_db(worker *w, rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts)
{
    int32_t *ids = calloc((size_t)parts->cnt + 1, sizeof(*ids));
    int64_t *next = calloc((size_t)parts->cnt + 1, sizeof(*next));
    const char *topics[2] = {w->cfg.topic_commands, w->cfg.topic_catalog_commands};
    rb_error err;
    int i, t, n;

    for (t = 0; t < 2; t++) {
        for (i = 0, n = 0; i < parts->cnt; i++)
            if (strcmp(parts->elems[i].topic, topics[t]) == 0)
                ids[n++] = parts->elems[i].partition;
        if (n == 0)
            continue;
        while (rb_store_offsets(w->store, topics[t], ids, next, (size_t)n, &err) < 0) {
            rb_log_error("could not read stored offsets, retrying cause=\"%s\"", err.message);
            if (nap(w, 1000)) { /* stopping: take nothing, start nowhere */
                free(ids);
                free(next);
                return;
            }
        }
        for (i = 0, n = 0; i < parts->cnt; i++) {
            if (strcmp(parts->elems[i].topic, topics[t]) != 0)
                continue;
            parts->elems[i].offset = next[n] >= 0 ? next[n] : RD_KAFKA_OFFSET_BEGINNING;
            rb_log_info("assigned topic=%s partition=%d offset=%lld", parts->elems[i].topic,
                        (int)parts->elems[i].partition, (long long)next[n]);
            n++;
        }
    }
    rd_kafka_assign(rk, parts);
    atomic_store(&w->assigned, parts->cnt);
    w->assignment_changed = true;
    free(ids);
    free(next);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    worker *w = opaque;

    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        assign_from_db(w, rk, parts);
        return;
    }
    /* Finish what we hold before the partitions go to another worker. */
    flush_batch(w);
    rb_log_info("partitions revoked count=%d", parts->cnt);
    rd_kafka_assign(rk, NULL);
    atomic_store(&w->assigned, 0);
    w->assignment_changed = true;
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk;
    (void)len;
    worker_on_stats(opaque, json);
    return 0; /* we do not keep json: librdkafka frees it */
}

static int consumer_new(worker *w, rb_error *err)
{
    char errstr[512];
    rd_kafka_conf_t *conf;
    rd_kafka_topic_partition_list_t *topics;
    const char *const settings[][2] = {
        {"group.id", w->cfg.group},
        {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"}, {"partition.assignment.strategy", "range"},
        {"client.id", "rumbook-worker"}, {"enable.partition.eof", "false"},
        /* A crashed worker's partitions move on after 6 s (the broker's
         * least by default) rather than 45; with --instance-id a worker
         * restarted within that time takes them back without a rebalance. */
        {"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "1000"},
        /* Back within a second of a broker's return, not up to ten. */
        {"reconnect.backoff.max.ms", "1000"},
        /* For rumbook_kafka_up (worker_on_stats). */
        {"statistics.interval.ms", "5000"},
    };
    size_t i;
    int rc;

    if ((rc = rb_kafka_conf_new(&w->cfg, &conf, err)) < 0)
        return rc;
    for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof(errstr))) {
            rd_kafka_conf_destroy(conf);
            return rb_error_set(err, RB_EKAFKA, "consumer config: %s", errstr);
        }
    if (*w->cfg.instance_id &&
        rd_kafka_conf_set(conf, "group.instance.id", w->cfg.instance_id, errstr, sizeof(errstr))) {
        rd_kafka_conf_destroy(conf);
        return rb_error_set(err, RB_EKAFKA, "consumer config: %s", errstr);
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_stats_cb(conf, on_stats);
    rb_kafka_log_to_rumbook(conf);
    rd_kafka_conf_set_opaque(conf, w);
    if (!(w->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        return rb_error_set(err, RB_EKAFKA, "consumer: %s", errstr);
    }
    conf = NULL; /* owned by the consumer now */
    rd_kafka_poll_set_consumer(w->consumer);
    topics = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(topics, w->cfg.topic_commands, RD_KAFKA_PARTITION_UA);
    rd_kafka_topic_partition_list_add(topics, w->cfg.topic_catalog_commands, RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(w->consumer, topics)) {
        rd_kafka_topic_partition_list_destroy(topics);
        return rb_error_set(err, RB_EKAFKA, "could not subscribe to topics \"%s\" and \"%s\"",
                            w->cfg.topic_commands, w->cfg.topic_catalog_commands);
    }
    rd_kafka_topic_partition_list_destroy(topics);
    atomic_store(&w->subscribed, true);
    return 0;
}

static void take_message(worker *w, rd_kafka_message_t *m)
{
    if (m->err) {
        rb_kafka_note_error(w->consumer, m->err, rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return;
    }
    w->pending[w->npending++] = m;
}

static void report(worker *w, int64_t *last)
{
    int64_t now = worker_mono_ms();
    const rb_batch_stats *t = &w->totals;
    rb_relay_stats rs = {0};

    if (now - *last < 10000)
        return;
    *last = now;
    if (w->relay)
        rb_relay_get_stats(w->relay, &rs);
    rb_log_info("progress batches=%lld confirmed=%d waitlisted=%d promoted=%d rejected=%d "
                "cancelled=%d duplicates=%d dead_letters=%d retries=%d published=%lld "
                "publish_failures=%lld", w->batches, t->confirmed, t->waitlisted, t->promoted,
                t->rejected, t->cancelled, t->duplicates, t->dead_letters, t->retries, rs.sent,
                rs.failed);
}

/* Every few seconds, waiting-list entries whose notice period began get
 * their final decision, so no place is offered after that; classes
 * waiting for a session whose capacity was raised are confirmed; and
 * allocation rounds whose wish window closed are drawn. */
static void expire_waits(worker *w, int64_t *last)
{
    int64_t now = worker_mono_ms();
    rb_error err;
    int n;

    if (now - *last < 5000)
        return;
    *last = now;
    if (rb_store_expire_waitlist(w->store, &n, &err) < 0)
        rb_log_warning("waiting list expiry failed: %s", err.message);
    else if (n)
        rb_log_info("waiting list expired=%d", n);
    if (rb_store_promote_waiting(w->store, &n, &err) < 0)
        rb_log_warning("waiting list promotion failed: %s", err.message);
    else if (n)
        rb_log_info("waiting list promoted=%d (places came free without a command)", n);
    if (rb_store_allocate_due(w->store, &n, &err) < 0)
        rb_log_warning("allocation draw failed, tried again in 5 s: %s", err.message);
}

/* Every 10 minutes (the first 10 s after start), personal data past its
 * retention is erased. */
static void sweep_privacy(worker *w, int64_t *last)
{
    int64_t now = worker_mono_ms();
    rb_error err;
    long n;

    if (*last == 0)
        *last = now - 590000;
    if (now - *last < 600000)
        return;
    *last = now;
    if (rb_store_privacy_sweep(w->store, &n, &err) < 0)
        rb_log_warning("privacy sweep failed: %s", err.message);
    else if (n)
        rb_log_info("privacy sweep erased rows=%ld (past the retention)", n);
}

/* Fills a batch up to batch_size or until linger_ms after its first message. */
static void consume_loop(worker *w)
{
    int64_t first = 0, last_report = worker_mono_ms(), last_expiry = 0, last_observe = 0;
    int64_t last_sweep = 0;

    while (!stopping) {
        int wait = w->npending ? (int)(first + w->cfg.linger_ms - worker_mono_ms()) : 200;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(w->consumer, wait > 0 ? wait : 0);
        if (m) {
            if (w->npending == 0)
                first = worker_mono_ms();
            take_message(w, m);
        }
        if (w->npending && (w->npending >= (size_t)w->cfg.batch_size ||
                            worker_mono_ms() - first >= w->cfg.linger_ms))
            flush_batch(w);
        report(w, &last_report);
        if (reloading && !w->npending) {
            reloading = 0;
            worker_reload(w);
        }
        worker_heartbeat(w);
        worker_observe(w, &last_observe);
        worker_status_tick(w);
        if (rb_kafka_fatal()) {
            rb_log(RB_LOG_FATAL, "kafka: %s; retrying will not mend it, stopping",
                   rb_kafka_fatal());
            w->failed = true;
            stopping = 1;
            break;
        }
        if (!w->npending) {
            expire_waits(w, &last_expiry);
            sweep_privacy(w, &last_sweep);
        }
    }
    flush_batch(w);
}

static void *relay_thread(void *arg)
{
    rb_relay *relay = arg;
    rb_error err;

    if (rb_relay_run(relay, &stopping, &err) < 0)
        rb_log_error("relay stopped: %s", err.message);
    return NULL;
}

static int start(worker *w, rb_calendar **cal, rb_relay **relay, pthread_t *tid, rb_error *err)
{
    rb_store_options so = {w->cfg.dsn, w->cfg.group, w->cfg.topic_decisions,
                           w->cfg.topic_invitations, w->cfg.topic_dlq,
                           w->cfg.topic_catalog_commands, w->cfg.topic_catalog_decisions,
                           w->cfg.allow_unsigned};
    int rc;

    /* The listener first: a bad metrics address is a bad setting (exit 2),
     * found before anything else is tried. */
    if ((rc = worker_observe_start(w, err)) < 0) {
        w->bad_setting = true;
        return rc;
    }
    if ((rc = rb_calendar_new(cal, err)) < 0 || (rc = rb_store_new(&so, *cal, &w->store, err)) < 0)
        return rc;
    rb_store_set_metrics(w->store, w->metrics);
    if ((rc = worker_status_start(w, err)) < 0)
        return rc;
    if (w->cfg.relay) {
        if ((rc = rb_relay_new(&w->cfg, relay, err)) < 0)
            return rc;
        w->relay = *relay;
        if (pthread_create(tid, NULL, relay_thread, *relay) != 0)
            return rb_error_set(err, RB_ENOMEM, "could not start the relay thread");
        w->relay_running = true;
    }
    w->pending = calloc((size_t)w->cfg.batch_size, sizeof(*w->pending));
    w->msgs = calloc((size_t)w->cfg.batch_size, sizeof(*w->msgs));
    if (!w->pending || !w->msgs)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    atomic_store(&w->pg_ok, true);
    return consumer_new(w, err);
}

int main(int argc, char **argv)
{
    worker w = {0};
    rb_calendar *cal = NULL;
    rb_relay *relay = NULL;
    pthread_t tid;
    rb_error err = {0};
    int rc;

    rb_config_init(&w.cfg);
    rb_log_init("rumbook-worker", RB_LOG_INFO);
    if ((rc = parse_args(&w, argc, argv)) != 0) {
        rb_config_fini(&w.cfg);
        return rc < 0 ? 2 : 0;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_hangup);
    rc = start(&w, &cal, &relay, &tid, &err);
    if (rc == 0) {
        rb_log_info("started group=%s topic=%s batch_size=%d linger_ms=%d relay=%s",
                    w.cfg.group, w.cfg.topic_commands, w.cfg.batch_size, w.cfg.linger_ms,
                    relay ? "on" : "off");
        if (w.cfg.allow_unsigned)
            rb_log_warning("UNSIGNED COMMANDS ARE TAKEN (--allow-unsigned): whoever can write to "
                           "%s may book, cancel and move for every school. For a closed test "
                           "setup only", w.cfg.topic_commands);
        worker_notify(w.cfg.allow_unsigned ? "READY=1\nSTATUS=deciding, UNSIGNED COMMANDS TAKEN"
                                           : "READY=1\nSTATUS=deciding");
        consume_loop(&w);
        worker_notify("STOPPING=1");
        rb_log_info("stopping: batch committed, closing consumer");
    } else {
        rb_log(RB_LOG_FATAL, "could not start: %s", err.message);
        stopping = 1;
    }
    if (w.consumer) {
        rd_kafka_consumer_close(w.consumer);
        rd_kafka_destroy(w.consumer);
        w.consumer = NULL;
    }
    worker_status_stop(&w);
    if (w.relay_running)
        pthread_join(tid, NULL);
    worker_observe_stop(&w);
    rb_relay_free(relay);
    rb_store_free(w.store);
    rb_calendar_free(cal);
    free(w.pending);
    free(w.msgs);
    rb_config_fini(&w.cfg);
    return w.bad_setting ? 2 : rc == 0 && !w.failed ? 0 : 1;
}
