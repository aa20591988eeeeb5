/* rumbookctl watch: decisions, invitations and dead letters as JSON lines. */
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "ctl_internal.h"
#include "rumbook/buf.h"
#include "rumbook/events.h"
#include "rumbook/json.h"
#include "rumbook/localtime.h"
#include "rumbook/v1/booking.pb-c.h"

static const char help[] =
    "usage: rumbookctl watch [--from-beginning] [--summary] [--status] [--count N]\n"
    "         [--timeout-ms MS]\n"
    "Prints every decision, invitation and dead letter as one JSON line, with the\n"
    "event id header. Without --from-beginning it starts at the end of each topic.\n"
    "--summary prints one readable line per event instead of JSON. --status prints the\n"
    "workers' heartbeats (rumbook.worker.status) instead.\n"
    "Stops after N events (--count), after MS without any (--timeout-ms), or on Ctrl-C.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static const char *header(const rd_kafka_message_t *m, const char *name, char *buf, size_t size)
{
    rd_kafka_headers_t *h;
    const void *v;
    size_t len;

    buf[0] = '\0';
    if (rd_kafka_message_headers(m, &h) || rd_kafka_header_get_last(h, name, &v, &len))
        return NULL;
    snprintf(buf, size, "%.*s", (int)len, (const char *)v);
    return buf;
}

static void print_dead_letter(const rd_kafka_message_t *m, rb_buf *out)
{
    static const char *const names[] = {"rumbook-dlq-cause", "rumbook-dlq-topic",
                                        "rumbook-dlq-partition", "rumbook-dlq-offset"};
    static const char *const keys[] = {"cause", "source_topic", "source_partition",
                                       "source_offset"};
    char v[512];
    int i;

    rb_buf_puts(out, "{\"type\":\"dead_letter\"");
    for (i = 0; i < 4; i++)
        if (header(m, names[i], v, sizeof(v))) {
            rb_buf_printf(out, ",\"%s\":", keys[i]);
            rb_json_string(out, v);
        }
    rb_buf_printf(out, ",\"payload_bytes\":%zu}", m->len);
}

static void print_message(const rb_config *cfg, const rd_kafka_message_t *m, rb_buf *out)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    char id[64];
    int rc = 0;

    rb_buf_reset(out);
    if (strcmp(topic, cfg->topic_decisions) == 0)
        rc = rb_decision_to_json(m->payload, m->len, out);
    else if (strcmp(topic, cfg->topic_invitations) == 0)
        rc = rb_invitation_to_json(m->payload, m->len, out);
    else if (strcmp(topic, cfg->topic_catalog_decisions) == 0)
        rc = rb_catalog_decision_to_json(m->payload, m->len, out);
    else
        print_dead_letter(m, out);
    if (rc < 0) {
        fprintf(stderr, "rumbookctl watch: undecodable message topic=%s partition=%d offset=%lld\n",
                topic, (int)m->partition, (long long)m->offset);
        return;
    }
    /* Append the envelope: close the object ourselves. */
    out->len--;
    rb_buf_puts(out, ",\"event_id\":");
    rb_json_string(out, header(m, "rumbook-event-id", id, sizeof(id)) ? id : "");
    rb_buf_printf(out, ",\"topic\":\"%s\",\"partition\":%d,\"offset\":%lld}", topic,
                  (int)m->partition, (long long)m->offset);
    puts(out->data);
    fflush(stdout);
}

/* One line for a person: what was decided, and where the invitation went. */
static void print_summary(const rb_config *cfg, const rd_kafka_message_t *m)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    char cause[512];

    if (strcmp(topic, cfg->topic_decisions) == 0) {
        Rumbook__V1__BookingDecision *d =
            rumbook__v1__booking_decision__unpack(NULL, m->len, m->payload);
        size_t i;
        if (!d)
            return;
        printf("decision   %-10s class=%s session=%s", rb_status_name((enum rb_status)d->status),
               d->class_id ? d->class_id : "-", d->session_id ? d->session_id : "-");
        if (d->has_waitlist_position)
            printf("  position %u on the waiting list", d->waitlist_position);
        if (d->has_departs_at_unix_ms && d->status == RUMBOOK__V1__DECISION_STATUS__CONFIRMED) {
            char leave[8], back[8];
            rb_local_format_hm(d->departs_at_unix_ms, leave);
            rb_local_format_hm(d->returns_at_unix_ms, back);
            if (d->travel_mode)
                printf("  leaves %s back %s by %s", leave, back, d->travel_mode);
            else
                printf("  at the school %s-%s", leave, back);
        }
        for (i = 0; i < d->n_bus_ids; i++)
            printf("%s%s", i ? "+" : " bus=", d->bus_ids[i]);
        for (i = 0; i < d->n_reasons; i++)
            printf("%s%s", i ? "; " : "  reasons: ", d->reasons[i]->message);
        for (i = 0; i < d->n_alternatives; i++)
            printf("%s%s", i ? ", " : "  alternatives: ", d->alternatives[i]->session_id);
        printf("\n");
        rumbook__v1__booking_decision__free_unpacked(d, NULL);
    } else if (strcmp(topic, cfg->topic_invitations) == 0) {
        Rumbook__V1__Invitation *inv = rumbook__v1__invitation__unpack(NULL, m->len, m->payload);
        if (!inv)
            return;
        printf("invitation %-10s to=%s uid=%s sequence=%u (%zu bytes of iCalendar)\n",
               inv->method == RUMBOOK__V1__INVITATION_METHOD__CANCEL ? "CANCEL" : "REQUEST",
               inv->n_recipients ? inv->recipients[0] : "-", inv->uid, inv->sequence,
               inv->icalendar ? strlen(inv->icalendar) : 0);
        rumbook__v1__invitation__free_unpacked(inv, NULL);
    } else if (strcmp(topic, cfg->topic_catalog_decisions) == 0) {
        Rumbook__V1__CatalogDecision *d =
            rumbook__v1__catalog_decision__unpack(NULL, m->len, m->payload);
        size_t i;
        if (!d)
            return;
        printf("catalogue  %-10s %s=%s", d->status == RUMBOOK__V1__CATALOG_STATUS__APPLIED
                                             ? "APPLIED" : "REFUSED",
               d->kind ? d->kind : "-", d->entity_id ? d->entity_id : "-");
        if (d->has_version)
            printf(" version=%u", d->version);
        if (d->has_bookings_moved || d->has_bookings_cancelled)
            printf("  bookings moved %u, cancelled %u", d->bookings_moved, d->bookings_cancelled);
        for (i = 0; i < d->n_reasons; i++)
            printf("%s%s", i ? "; " : "  reasons: ", d->reasons[i]->message);
        printf("\n");
        rumbook__v1__catalog_decision__free_unpacked(d, NULL);
    } else {
        printf("dead letter cause=\"%s\"\n",
               header(m, "rumbook-dlq-cause", cause, sizeof(cause)) ? cause : "?");
    }
    fflush(stdout);
}

/* A heartbeat from the status topic as one JSON line. */
static void print_status(const rd_kafka_message_t *m, rb_buf *out)
{
    Rumbook__V1__WorkerStatus *s = rumbook__v1__worker_status__unpack(NULL, m->len, m->payload);

    if (!s)
        return;
    rb_buf_reset(out);
    ctl_status_json(s, out);
    rb_buf_puts(out, "\n");
    fwrite(out->data, 1, out->len, stdout);
    fflush(stdout);
    rumbook__v1__worker_status__free_unpacked(s, NULL);
}

static rd_kafka_t *consumer_new(const rb_config *cfg, bool from_beginning, bool status)
{
    const char *topics[4] = {cfg->topic_decisions, cfg->topic_invitations, cfg->topic_dlq,
                             cfg->topic_catalog_decisions};
    int ntopics = status ? 1 : 4;
    char errstr[256], group[64];
    rd_kafka_conf_t *conf = ctl_kafka_conf(cfg, "watch");
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_t *rk;
    int i;

    if (!conf)
        return NULL;
    /* A private group: watching never disturbs anyone's offsets. */
    snprintf(group, sizeof(group), "rumbookctl-watch-%ld-%d", (long)time(NULL), rand());
    if (rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "auto.offset.reset", from_beginning ? "earliest" : "latest",
                          errstr, sizeof(errstr)) ||
        !(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl watch: %s\n", errstr);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    if (status)
        topics[0] = cfg->topic_status;
    list = rd_kafka_topic_partition_list_new(ntopics);
    for (i = 0; i < ntopics; i++)
        rd_kafka_topic_partition_list_add(list, topics[i], RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(rk, list))
        fprintf(stderr, "rumbookctl watch: could not subscribe to the topics\n");
    rd_kafka_topic_partition_list_destroy(list);
    return rk;
}

/* A whole number from 0 (up to a day of milliseconds) into *out. */
static bool whole_number(const char *s, long *out)
{
    char *end;
    long n = strtol(s, &end, 10);

    if (!*s || *end || n < 0 || n > 86400000)
        return false;
    *out = n;
    return true;
}

int ctl_watch(rb_config *cfg, int argc, char **argv)
{
    bool from_beginning = false, summary = false, status = false;
    long count = -1, timeout_ms = -1, seen = 0, idle = 0;
    rd_kafka_t *rk;
    rb_buf out;
    static const struct option own[] = {{"from-beginning", no_argument, NULL, 'b'},
                                        {"status", no_argument, NULL, 'S'},
                                        {"summary", no_argument, NULL, 's'},
                                        {"count", required_argument, NULL, 'c'},
                                        {"timeout-ms", required_argument, NULL, 't'},
                                        {0}};
    rb_config_args args = {0};
    int c;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        } else if (c == 'b') {
            from_beginning = true;
        } else if (c == 's') {
            summary = true;
        } else if (c == 'S') {
            status = true;
        } else if ((c != 'c' && c != 't') ||
                   !whole_number(optarg, c == 'c' ? &count : &timeout_ms)) {
            fprintf(stderr, c == 'c' || c == 't' ? "rumbookctl watch: --count and --timeout-ms "
                                                   "take a whole number from 0\n"
                                                 : "%s",
                    help);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((c = ctl_settings(cfg, &args, "watch")))
        return c;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    if (!(rk = consumer_new(cfg, from_beginning, status)))
        return 1;
    rb_buf_init(&out);
    while (!stop && (count < 0 || seen < count) && (timeout_ms < 0 || idle < timeout_ms)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            idle += 100;
            continue;
        }
        if (!m->err) {
            if (status)
                print_status(m, &out);
            else if (summary)
                print_summary(cfg, m);
            else
                print_message(cfg, m, &out);
            seen++;
            idle = 0;
        }
        rd_kafka_message_destroy(m);
    }
    rb_buf_fini(&out);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}
