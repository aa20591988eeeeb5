/* rumbook-mailer: invitations to the teachers' inboxes. It consumes
 * rumbook.booking.invitations in a consumer group of its own, records one
 * delivery per (event, recipient) with the rendered iMIP message in
 * PostgreSQL (deliveries), and then sends what is due over SMTP, one
 * message per transaction: a temporary failure waits and is tried again,
 * a permanent one is recorded with the server's answer, and each outcome
 * goes out as a DeliveryStatus. Kafka offsets are committed only after the
 * deliveries are recorded, so an invitation is never lost; a message can
 * go out twice only when the server took it and the mailer died before
 * recording that, and then only the messages of its last claim (up to
 * SEND_CLAIM; docs/operations.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "mailer_internal.h"
#include "rumbook/buf.h"
#include "rumbook/config.h"
#include "rumbook/imip.h"
#include "rumbook/kafka_conf.h"
#include "rumbook/kafka_log.h"
#include "rumbook/log.h"
#include "rumbook/pg.h"
#include "rumbook/smtp.h"
#include "rumbook/v1/booking.pb-c.h"

#define TAKE_MAX 200 /* invitations recorded per transaction */
#define SEND_MAX 100 /* messages sent before looking for invitations again */
#define SEND_CLAIM 8 /* messages claimed a transaction: 296 -> see performance.md */
#define RB_STR_(x) #x
#define RB_STR(x) RB_STR_(x)
#define GIVE_UP_S 86400 /* a message not taken for a day is failed */
/* The deliveries' statistics follow the table's growth: planned with those
 * of an emptier table, picking the next due message scanned every pending
 * row (26 ms at 400 pending: 140 messages/s), and autovacuum comes only
 * after a minute. */
#define ANALYZE_EVERY 500

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    if (stopping)
        _exit(130);
    stopping = 1;
}

typedef struct mailer {
    rb_config cfg;
    rb_config_args args;
    PGconn *conn;
    rd_kafka_t *consumer, *producer;
    rb_smtp *smtp;
    rb_calendar *cal;
    rb_feeds *feeds;
    long long sent, failed, retried;
    int recorded; /* deliveries recorded since the table was last analysed */
} mailer;

static int64_t unix_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: rumbook-mailer [options]\n"
        "  --config FILE                read settings from FILE (key = value lines)\n"
        "  --smtp-url URL               smtp://HOST:PORT (STARTTLS when offered) or\n"
        "                               smtps://HOST:PORT (RUMBOOK_SMTP_URL)\n"
        "  --mail-from ADDRESS          the sender (RUMBOOK_MAIL_FROM)\n"
        "  --smtp-user NAME             AUTH user (RUMBOOK_SMTP_USER); the password comes from\n"
        "                               --smtp-password-file FILE or RUMBOOK_SMTP_PASSWORD\n"
        "  --brokers HOSTS --dsn URL --topic-invitations T --topic-delivery-status T\n"
        "  --mailer-group NAME          consumer group (rumbook-mailer)\n"
        "  --feeds-listen HOST:PORT     serve calendar feeds (/feeds/school/ID.ics?token=..);\n"
        "                               off when unset (RUMBOOK_FEEDS_LISTEN)\n"
        "  --log-level LEVEL            error, warning, info or debug\n"
        "  --print-config               print the settings and where each came from\n");
}

static int parse_args(mailer *m, int argc, char **argv)
{
    struct option opts[RB_CONF_COUNT + 4];
    bool print = false;
    rb_error err;
    int n = rb_config_options(opts, RB_PROG_MAILER), c;

    opts[n++] = (struct option){"print-config", no_argument, NULL, 'p'};
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[n] = (struct option){0, 0, 0, 0};
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 1;
        } else if (c == 'p') {
            print = true;
        } else if (!rb_config_take_option(&m->args, c, optarg)) {
            fprintf(stderr, "rumbook-mailer: see --help\n");
            return -1;
        }
    }
    if (optind < argc || rb_config_apply(&m->cfg, &m->args, &err) < 0) {
        fprintf(stderr, "rumbook-mailer: %s\n",
                optind < argc ? "unexpected argument (see --help)" : err.message);
        return -1;
    }
    if (print) {
        rb_config_print(&m->cfg, RB_PROG_MAILER, stdout);
        return 1;
    }
    rb_log_init("rumbook-mailer", (enum rb_log_level)m->cfg.log_level);
    return 0;
}

/* The SMTP password: from the file, else RUMBOOK_SMTP_PASSWORD; never argv. */
static int password(const mailer *m, rb_buf *out, rb_error *err)
{
    const char *env = getenv("RUMBOOK_SMTP_PASSWORD");

    rb_buf_init(out);
    if (*m->cfg.smtp_password_file) {
        if (rb_buf_read_file(out, m->cfg.smtp_password_file) < 0)
            return rb_error_set(err, RB_EIO, "could not read smtp-password-file \"%s\": %s",
                                m->cfg.smtp_password_file, strerror(errno));
        while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
            out->data[--out->len] = '\0';
    } else {
        rb_buf_puts(out, env ? env : "");
    }
    return 0;
}

static rd_kafka_t *kafka_new(const mailer *m, rd_kafka_type_t type, rb_error *err)
{
    rd_kafka_conf_t *conf;
    char errstr[256];
    rd_kafka_t *rk;
    const char *const consumer[][2] = {
        {"group.id", m->cfg.mailer_group}, {"enable.auto.commit", "false"},
        {"auto.offset.reset", "earliest"}, {"partition.assignment.strategy", "range"},
        {"client.id", "rumbook-mailer"},
    };
    size_t i;

    if (rb_kafka_conf_new(&m->cfg, &conf, err) < 0)
        return NULL;
    if (rd_kafka_conf_set(conf, "reconnect.backoff.max.ms", "1000", errstr, sizeof(errstr)))
        goto fail;
    for (i = 0; type == RD_KAFKA_CONSUMER && i < sizeof(consumer) / sizeof(consumer[0]); i++)
        if (rd_kafka_conf_set(conf, consumer[i][0], consumer[i][1], errstr, sizeof(errstr)))
            goto fail;
    rb_kafka_log_to_rumbook(conf);
    if (!(rk = rd_kafka_new(type, conf, errstr, sizeof(errstr))))
        goto fail;
    return rk; /* rd_kafka_new() took conf */
fail:
    rd_kafka_conf_destroy(conf);
    rb_error_set(err, RB_EKAFKA, "kafka: %s", errstr);
    return NULL;
}

static int subscribe(mailer *m, rb_error *err)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_resp_err_t e;

    rd_kafka_topic_partition_list_add(l, m->cfg.topic_invitations, RD_KAFKA_PARTITION_UA);
    rd_kafka_poll_set_consumer(m->consumer);
    e = rd_kafka_subscribe(m->consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
    return e ? rb_error_set(err, RB_EKAFKA, "could not subscribe to topic \"%s\": %s",
                            m->cfg.topic_invitations, rd_kafka_err2str(e))
             : 0;
}

static bool sql(mailer *m, const char *q, int n, const char *const *params, ExecStatusType want,
                PGresult **out)
{
    PGresult *res = PQexecParams(m->conn, q, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) != want) {
        rb_log_error("mailer: %s", PQerrorMessage(m->conn));
        PQclear(res);
        if (PQstatus(m->conn) != CONNECTION_OK)
            PQreset(m->conn);
        return false;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return true;
}

static const char SQL_RECORD[] =
    "INSERT INTO deliveries (event_id, recipient, booking_id, uid, sequence, method, message,"
    " state, last_answer) VALUES ($1::uuid, $2, $3::uuid, $4, $5::int, $6, $7::bytea, $8, $9)"
    " ON CONFLICT (event_id, recipient) DO NOTHING";

/* The iMIP message for one recipient of an invitation; a row that says
 * why when it cannot be made (a recipient that is no address). */
static bool record_one(mailer *m, const Rumbook__V1__Invitation *inv, const char *event_id,
                       const char *to)
{
    const char *method =
        inv->method == RUMBOOK__V1__INVITATION_METHOD__CANCEL ? "CANCEL" : "REQUEST";
    char seq[16], mid[160];
    unsigned char *hex = NULL;
    size_t hexlen;
    const char *params[9];
    rb_imip_text t;
    rb_error err;
    rb_buf msg;
    bool ok;

    if (strncasecmp(to, "mailto:", 7) == 0)
        to += 7;
    snprintf(seq, sizeof(seq), "%u", inv->sequence);
    snprintf(mid, sizeof(mid), "%s.%u.%zu@rumbook", event_id, inv->sequence, strlen(to));
    rb_buf_init(&msg);
    if (rb_imip_text_compose(inv->icalendar, method, (int)inv->sequence, inv->booking_id,
                             inv->language, &t, &err) == 0) {
        rb_imip im = {m->cfg.mail_from, t.organizer_name, t.organizer_email, to,  method,
                      t.subject,        t.text,           inv->icalendar,    mid, unix_ms()};
        if (rb_imip_render(&im, &msg, &err) < 0)
            rb_buf_reset(&msg);
        rb_imip_text_fini(&t);
    }
    rb_buf_puts(&msg, "");
    /* bytea in hex: the message is ASCII, but a row is a row. */
    hex = PQescapeByteaConn(m->conn, (const unsigned char *)msg.data, msg.len, &hexlen);
    params[0] = event_id;
    params[1] = to;
    params[2] = inv->booking_id;
    params[3] = inv->uid;
    params[4] = seq;
    params[5] = method;
    params[6] = hex ? (const char *)hex : "";
    params[7] = msg.len ? "pending" : "failed";
    params[8] = msg.len ? NULL : err.message;
    ok = hex && sql(m, SQL_RECORD, 9, params, PGRES_COMMAND_OK, NULL);
    if (!msg.len)
        rb_log_warning("invitation not mailable event=%s recipient=\"%s\" cause=\"%s\"", event_id,
                       to, err.message);
    PQfreemem(hex);
    rb_buf_fini(&msg);
    return ok;
}

static bool record(mailer *m, const rd_kafka_message_t *km)
{
    Rumbook__V1__Invitation *inv = rumbook__v1__invitation__unpack(NULL, km->len, km->payload);
    rd_kafka_headers_t *h;
    const void *v = NULL;
    char event_id[64] = "";
    size_t i, len;
    bool ok = true;

    if (rd_kafka_message_headers(km, &h) == 0 &&
        rd_kafka_header_get_last(h, "rumbook-event-id", &v, &len) == 0 && v)
        snprintf(event_id, sizeof(event_id), "%.*s", (int)len, (const char *)v);
    if (!inv || !*event_id || !inv->booking_id || !inv->uid || !inv->icalendar) {
        rb_log_warning("not an invitation, skipped topic=%s partition=%d offset=%lld",
                       rd_kafka_topic_name(km->rkt), (int)km->partition, (long long)km->offset);
    } else {
        for (i = 0; i < inv->n_recipients && ok; i++)
            ok = record_one(m, inv, event_id, inv->recipients[i]);
    }
    if (inv)
        rumbook__v1__invitation__free_unpacked(inv, NULL);
    return ok;
}

/* Takes the invitations waiting on the topic (waiting up to wait_ms for the
 * first), records their deliveries in one transaction, then commits the
 * offsets. Returns how many it took. */
static int take(mailer *m, int wait_ms)
{
    rd_kafka_message_t *msgs[TAKE_MAX];
    int n = 0, i;
    bool ok;

    while (n < TAKE_MAX) {
        rd_kafka_message_t *km = rd_kafka_consumer_poll(m->consumer, n ? 0 : wait_ms);
        if (!km)
            break;
        if (km->err) {
            if (km->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                rb_kafka_note_error(m->consumer, km->err, rd_kafka_message_errstr(km));
            rd_kafka_message_destroy(km);
            continue;
        }
        msgs[n++] = km;
    }
    if (n == 0)
        return 0;
    /* Until recorded: nothing taken is ever skipped. On a stop the offsets
     * stay uncommitted and the invitations are consumed again. */
    for (ok = false; !ok && !stopping;) {
        ok = sql(m, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL);
        for (i = 0; i < n && ok; i++)
            ok = record(m, msgs[i]);
        ok = ok && sql(m, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL);
        if (!ok) {
            PQclear(PQexec(m->conn, "ROLLBACK"));
            rb_log_error("invitations not recorded, retrying in 1 s count=%d", n);
            nanosleep(&(struct timespec){1, 0}, NULL);
        }
    }
    if (ok) {
        rd_kafka_commit(m->consumer, NULL, 0); /* the positions of what was taken */
        if ((m->recorded += n) >= ANALYZE_EVERY) {
            m->recorded = 0;
            PQclear(PQexec(m->conn, "ANALYZE deliveries"));
        }
    }
    for (i = 0; i < n; i++)
        rd_kafka_message_destroy(msgs[i]);
    return ok ? n : 0;
}

/* The oldest due message whose booking has no earlier one pending for the
 * same recipient (a CANCEL never overtakes its REQUEST), locked. */
static const char SQL_DUE[] =
    "SELECT event_id::text, recipient, message, attempts, booking_id::text, uid, sequence,"
    " method, extract(epoch FROM now() - created_at)::int FROM deliveries d"
    " WHERE state = 'pending' AND next_attempt_at <= now()"
    " AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.uid = d.uid"
    "  AND e.recipient = d.recipient AND e.sequence < d.sequence AND e.state = 'pending')"
    " ORDER BY created_at LIMIT " RB_STR(SEND_CLAIM) " FOR UPDATE SKIP LOCKED";

static const char SQL_DONE[] =
    "UPDATE deliveries SET state = $3, attempts = attempts + 1, last_answer = $4,"
    " sent_at = CASE WHEN $3 = 'sent' THEN now() END,"
    " next_attempt_at = now() + make_interval(secs => least(3600, 2 ^ attempts))"
    " WHERE event_id = $1::uuid AND recipient = $2";

/* A DeliveryStatus for a message sent or given up on. */
static void publish(mailer *m, PGresult *rows, int r, bool sent, const char *answer)
{
    Rumbook__V1__DeliveryStatus s = RUMBOOK__V1__DELIVERY_STATUS__INIT;
    uint8_t buf[4096];
    size_t len;

    s.event_id = PQgetvalue(rows, r, 0);
    s.recipient = PQgetvalue(rows, r, 1);
    s.booking_id = PQgetvalue(rows, r, 4);
    s.uid = PQgetvalue(rows, r, 5);
    s.has_sequence = s.has_method = s.has_state = s.has_attempts = s.has_at_unix_ms = true;
    s.sequence = (uint32_t)atoi(PQgetvalue(rows, r, 6));
    s.method = strcmp(PQgetvalue(rows, r, 7), "CANCEL") == 0
                   ? RUMBOOK__V1__INVITATION_METHOD__CANCEL
                   : RUMBOOK__V1__INVITATION_METHOD__REQUEST;
    s.state = sent ? RUMBOOK__V1__DELIVERY_STATE__DELIVERY_SENT
                   : RUMBOOK__V1__DELIVERY_STATE__DELIVERY_FAILED;
    s.answer = (char *)answer;
    s.attempts = (uint32_t)atoi(PQgetvalue(rows, r, 3)) + 1;
    s.at_unix_ms = unix_ms();
    if ((len = rumbook__v1__delivery_status__get_packed_size(&s)) > sizeof(buf))
        return;
    rumbook__v1__delivery_status__pack(&s, buf);
    rd_kafka_producev(m->producer, RD_KAFKA_V_TOPIC(m->cfg.topic_delivery_status),
                      RD_KAFKA_V_KEY(s.booking_id, strlen(s.booking_id)),
                      RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_HEADER("content-type", "application/x-protobuf", -1),
                      RD_KAFKA_V_HEADER("rumbook-message-type", "rumbook.v1.DeliveryStatus", -1),
                      RD_KAFKA_V_END);
}

/* Sends row r of the claimed messages and records the outcome (in the
 * open transaction); returns it. */
static rb_smtp_result send_row(mailer *m, PGresult *rows, int r, char *answer, size_t size)
{
    const char *params[4];
    unsigned char *msg;
    rb_smtp_result res;
    size_t len;

    msg = PQunescapeBytea((const unsigned char *)PQgetvalue(rows, r, 2), &len);
    res = msg ? rb_smtp_send(m->smtp, m->cfg.mail_from, PQgetvalue(rows, r, 1), (const char *)msg,
                             len, answer, size)
              : RB_SMTP_TEMPORARY;
    PQfreemem(msg);
    if (!msg)
        snprintf(answer, size, "out of memory");
    if (res == RB_SMTP_TEMPORARY && atoi(PQgetvalue(rows, r, 8)) > GIVE_UP_S)
        res = RB_SMTP_PERMANENT; /* a day of trying: tell the portal */
    params[0] = PQgetvalue(rows, r, 0);
    params[1] = PQgetvalue(rows, r, 1);
    params[2] = res == RB_SMTP_SENT ? "sent" : res == RB_SMTP_PERMANENT ? "failed" : "pending";
    params[3] = answer;
    if (!sql(m, SQL_DONE, 4, params, PGRES_COMMAND_OK, NULL))
        return RB_SMTP_TEMPORARY;
    if (res != RB_SMTP_SENT)
        rb_log_warning("mail %s event=%s recipient=%s attempt=%d answer=\"%s\"",
                       res == RB_SMTP_PERMANENT ? "failed" : "deferred", params[0], params[1],
                       atoi(PQgetvalue(rows, r, 3)) + 1, answer);
    return res;
}

/* Claims up to SEND_CLAIM due messages, sends them one SMTP transaction
 * each, records the outcomes and commits, then publishes them. Returns how
 * many it claimed (0: none due, or an error). A mailer killed inside a
 * claim sends those messages again: at most SEND_CLAIM second copies. */
static int send_due(mailer *m)
{
    rb_smtp_result res[SEND_CLAIM];
    char answers[SEND_CLAIM][512];
    PGresult *rows = NULL;
    int n, r;
    bool ok;

    if (!sql(m, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL))
        return 0;
    if (!sql(m, SQL_DUE, 0, NULL, PGRES_TUPLES_OK, &rows) || PQntuples(rows) == 0) {
        PQclear(rows);
        PQclear(PQexec(m->conn, "ROLLBACK"));
        return 0;
    }
    n = PQntuples(rows);
    for (r = 0; r < n; r++)
        res[r] = send_row(m, rows, r, answers[r], sizeof(answers[r]));
    ok = sql(m, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL);
    if (!ok)
        PQclear(PQexec(m->conn, "ROLLBACK"));
    for (r = 0; r < n && ok; r++) {
        if (res[r] != RB_SMTP_TEMPORARY)
            publish(m, rows, r, res[r] == RB_SMTP_SENT, answers[r]);
        m->sent += res[r] == RB_SMTP_SENT;
        m->failed += res[r] == RB_SMTP_PERMANENT;
        m->retried += res[r] == RB_SMTP_TEMPORARY;
    }
    PQclear(rows);
    return ok ? n : 0;
}

static int start(mailer *m, rb_error *err)
{
    rb_smtp_options so = {m->cfg.smtp_url, m->cfg.smtp_user, NULL, 10, 60};
    rb_buf pw;
    int rc;

    if ((rc = password(m, &pw, err)) < 0)
        return rc;
    so.password = pw.data;
    rc = rb_smtp_new(&so, &m->smtp, err);
    if (pw.data)
        memset(pw.data, 0, pw.len);
    rb_buf_fini(&pw);
    if (rc < 0 || (rc = rb_pg_connect(m->cfg.dsn, &m->conn, err)) < 0)
        return rc;
    /* A delivery is recorded after the server took the message; waiting for
     * that record to reach the disk buys nothing: should the database crash
     * and lose it, the message goes out again, the same case as a mailer
     * killed before recording (docs/operations.md). 115 -> see
     * performance.md. */
    PQclear(PQexec(m->conn, "SET synchronous_commit = off"));
    if (!(m->consumer = kafka_new(m, RD_KAFKA_CONSUMER, err)) ||
        !(m->producer = kafka_new(m, RD_KAFKA_PRODUCER, err)))
        return err->code;
    if (*m->cfg.feeds_listen &&
        ((rc = rb_calendar_new(&m->cal, err)) < 0 ||
         (rc = rb_feeds_start(m->cfg.feeds_listen, m->cfg.dsn, m->cal, &m->feeds, err)) < 0))
        return rc;
    if (m->feeds)
        rb_log_info("calendar feeds listening address=%s", m->cfg.feeds_listen);
    return subscribe(m, err);
}

int main(int argc, char **argv)
{
    mailer m = {0};
    rb_error err = {0};
    int64_t last_report = 0;
    int rc, i = 0, claimed;

    rb_config_init(&m.cfg);
    rb_log_init("rumbook-mailer", RB_LOG_INFO);
    if ((rc = parse_args(&m, argc, argv)) != 0) {
        rb_config_fini(&m.cfg);
        return rc < 0 ? 2 : 0;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if ((rc = start(&m, &err)) < 0) {
        rb_log(RB_LOG_FATAL, "could not start: %s", err.message);
    } else {
        rb_log_info("started smtp=%s from=%s group=%s", m.cfg.smtp_url, m.cfg.mail_from,
                    m.cfg.mailer_group);
        while (!stopping) {
            /* No wait for invitations while messages are due: 100 ms a
             * round held the mailer to 130 messages/s. */
            take(&m, i >= SEND_MAX ? 0 : 100);
            for (i = 0, claimed = 1; i < SEND_MAX && !stopping && claimed; i += claimed) {
                claimed = send_due(&m);
                rd_kafka_poll(m.producer, 0);
            }
            rd_kafka_poll(m.producer, 0);
            if (rb_kafka_fatal()) {
                rb_log(RB_LOG_FATAL, "kafka: %s; retrying will not mend it, stopping",
                       rb_kafka_fatal());
                rc = -1;
                break;
            }
            if (unix_ms() - last_report > 10000) {
                last_report = unix_ms();
                rb_log_info("progress sent=%lld failed=%lld deferred=%lld", m.sent, m.failed,
                            m.retried);
            }
        }
        rb_log_info("stopping sent=%lld failed=%lld deferred=%lld", m.sent, m.failed, m.retried);
    }
    if (m.consumer) {
        rd_kafka_consumer_close(m.consumer);
        rd_kafka_destroy(m.consumer);
    }
    if (m.producer) {
        rd_kafka_flush(m.producer, 5000);
        rd_kafka_destroy(m.producer);
    }
    rb_feeds_stop(m.feeds);
    rb_calendar_free(m.cal);
    rb_smtp_free(m.smtp);
    PQfinish(m.conn);
    rb_config_fini(&m.cfg);
    return rc < 0 ? 1 : 0;
}
