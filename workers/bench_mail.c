/* Invitations mailed per second: N invitations on a topic of their own, one
 * rumbook-mailer against the SMTP server given, timed from the first
 * delivery recorded as sent until the last (the start, joining the consumer
 * group, is left out). The server is part of
 * what is measured: against a local test server this is the mailer's own
 * pace and the database's, not a provider's. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "bench_internal.h"
#include "rumbook/calendar.h"
#include "rumbook/events.h"
#include "rumbook/pg.h"
#include "rumbook/uuid.h"

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The six topics, named for this run, in the environment of what we start. */
static void topic_env(unsigned tag)
{
    static const char *const vars[] = {"COMMANDS", "DECISIONS", "INVITATIONS",
                                       "DLQ",      "STATUS",    "DELIVERY_STATUS"};
    char name[64], value[96];
    int i;

    for (i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "RUMBOOK_TOPIC_%s", vars[i]);
        snprintf(value, sizeof(value), "bench.%08x.mail.%d", tag, i);
        setenv(name, value, 1);
    }
}

static int produce(const char *brokers, long n)
{
    rb_invitation inv = {.method = RB_ITIP_REQUEST,
                         .uid = "bench@rumbook",
                         .sequence = 0,
                         .dtstamp_ms = 1795530000000LL,
                         .starts_at_ms = 1807344000000LL,
                         .ends_at_ms = 1807351200000LL,
                         .summary = "Livet i skovbunden",
                         .description = "Class 4.A, Skovvangskolen: 21 pupils.",
                         .location = "Naturskolen, Skovvej 1, 8000 Aarhus",
                         .organizer_email = "booking@naturskolen.example",
                         .organizer_name = "Naturskolen",
                         .attendee_email = "x@bench.example"};
    char errstr[256], *ical = NULL;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *p;
    rb_calendar *cal;
    rb_error err;
    long i;

    if (rb_calendar_new(&cal, &err) < 0 || rb_calendar_render(cal, &inv, &ical, &err) < 0)
        return -1;
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "linger.ms", "10", errstr, sizeof(errstr));
    if (!(p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr))))
        return -1;
    for (i = 0; i < n; i++) {
        char booking[RB_UUID_LEN], event[RB_UUID_LEN], uid[64], to[64];
        rb_invitation_event ev = {
            booking, booking, RB_ITIP_REQUEST, to, "booking@naturskolen.example", uid, 0,
            ical,    "da"};
        uint8_t *payload;
        size_t len;
        if (rb_uuid_new(booking) < 0 || rb_uuid_new(event) < 0)
            break;
        snprintf(uid, sizeof(uid), "%s@rumbook", booking);
        snprintf(to, sizeof(to), "teacher%ld@bench.example", i);
        if (rb_invitation_encode(&ev, &payload, &len) < 0)
            break;
        while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(getenv("RUMBOOK_TOPIC_INVITATIONS")),
                                 RD_KAFKA_V_KEY(booking, strlen(booking)),
                                 RD_KAFKA_V_VALUE(payload, len),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                                 RD_KAFKA_V_HEADER("rumbook-event-id", event, -1),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 10);
    }
    rd_kafka_flush(p, 30000);
    rd_kafka_destroy(p);
    free(ical);
    rb_calendar_free(cal);
    return i == n ? 0 : -1;
}

int bench_mail(const char *server, const char *brokers, const char *bindir, const char *smtp_url,
               long n, double *per_second)
{
    char dsn[512], exe[4200], cmd[4400], group[64];
    unsigned tag = (unsigned)time(NULL) ^ (unsigned)getpid();
    double started, first = 0, seconds = 0;
    long sent = 0;
    PGconn *conn = NULL;
    rb_error err;
    pid_t mailer;
    int rc = -1;

    topic_env(tag);
    snprintf(dsn, sizeof(dsn), "%s/rumbook_bench_mail", server);
    snprintf(cmd, sizeof(cmd), "%s/rumbookctl topics create --partitions 6 --brokers %s >/dev/null",
             bindir, brokers);
    if (bench_sql_on(server, "postgres",
                     "DROP DATABASE IF EXISTS rumbook_bench_mail WITH (FORCE)") ||
        bench_sql_on(server, "postgres",
                     "CREATE DATABASE rumbook_bench_mail TEMPLATE rumbook_bench_template") ||
        system(cmd) != 0 || produce(brokers, n) < 0 || rb_pg_connect(dsn, &conn, &err) < 0)
        goto done;
    snprintf(exe, sizeof(exe), "%s/rumbook-mailer", bindir);
    snprintf(group, sizeof(group), "bench.%08x.mailer", tag);
    started = mono_s();
    if ((mailer = fork()) == 0) {
        if (!freopen("/tmp/rumbook-bench-mailer.log", "w", stderr))
            _exit(127);
        execl(exe, exe, "--dsn", dsn, "--brokers", brokers, "--smtp-url", smtp_url, "--mail-from",
              "bench@rumbook.example", "--mailer-group", group, "--log-level", "warning",
              (char *)NULL);
        _exit(127);
    }
    while (sent < n && mono_s() - started < 600) {
        PGresult *res = PQexec(conn, "SELECT count(*) FROM deliveries WHERE state = 'sent'");
        sent = PQresultStatus(res) == PGRES_TUPLES_OK ? atol(PQgetvalue(res, 0, 0)) : sent;
        PQclear(res);
        if (sent > 0 && first == 0)
            first = mono_s(); /* the mailer has joined its group and recorded the first */
        seconds = mono_s() - first;
        usleep(50000);
    }
    kill(mailer, SIGTERM);
    waitpid(mailer, NULL, 0);
    *per_second = seconds > 0 ? (double)sent / seconds : 0;
    rc = sent == n ? 0 : -1;
    if (rc < 0)
        fprintf(stderr,
                "rumbook-bench: %ld of %ld invitations sent (see "
                "/tmp/rumbook-bench-mailer.log)\n",
                sent, n);
done:
    PQfinish(conn);
    snprintf(cmd, sizeof(cmd), "%s/rumbookctl topics delete --brokers %s >/dev/null", bindir,
             brokers);
    if (system(cmd) != 0)
        fprintf(stderr, "rumbook-bench: could not delete topics bench.%08x.mail.*\n", tag);
    bench_sql_on(server, "postgres", "DROP DATABASE IF EXISTS rumbook_bench_mail WITH (FORCE)");
    return rc;
}
