/* Outbox relay: PostgreSQL rows to Kafka, in order, at least once. */
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "pg/pg_internal.h"
#include "relay/relay_internal.h"
#include "rumbook/kafka_conf.h"
#include "rumbook/kafka_log.h"
#include "rumbook/events.h"
#include "rumbook/log.h"
#include "rumbook/pg.h"
#include "rumbook/pgarray.h"
#include "rumbook/relay.h"

#define RELAY_LOCK "7351903"
#define RELAY_BATCHES "8"
/* Every message is delivered or failed within MESSAGE_TIMEOUT_MS, so a
 * flush that waits longer leaves none behind that could still report into
 * a send's bookkeeping after it was freed. */
#define MESSAGE_TIMEOUT_MS "10000"
#define FLUSH_TIMEOUT_MS 12000

/* The oldest unsent batches (a worker transaction's events each). ORDER BY
 * outbox_batches.id: the bare name would sort the text output column,
 * "10" before "9". */
static const char SQL_UNSENT[] =
    "SELECT id::text FROM outbox_batches WHERE sent_at IS NULL"
    " ORDER BY outbox_batches.id LIMIT " RELAY_BATCHES;

/* Their events, a probe per batch, each batch's in the order it wrote
 * them (the primary key is batch_id, id). There is no ORDER BY
 * over the whole: sorting the wide rows was half the read, and the nested
 * loop returns them in the batches' order; rb__relay_in_order() checks, and
 * the sorted query is the fallback. */
#define EVENTS_OF_BATCHES                                                                  \
    "SELECT e.id::text, e.event_id::text, e.topic, e.key, e.payload, e.message_type, e.cause,"  \
    " e.source_topic, e.source_partition::text, e.source_offset::text, e.batch_id::text,"       \
    " e.portal, e.signature"                                                                   \
    " FROM unnest($1::bigint[]) AS u(b)"                                                       \
    " CROSS JOIN LATERAL (SELECT * FROM outbox_events WHERE batch_id = u.b"                    \
    " ORDER BY outbox_events.id OFFSET 0) e"
static const char SQL_EVENTS[] = EVENTS_OF_BATCHES;
/* Should the planner ever loop otherwise (e.batch_id, e.id: numbers, not
 * the text output columns). */
static const char SQL_EVENTS_SORTED[] = EVENTS_OF_BATCHES " ORDER BY e.batch_id, e.id";

static const char SQL_MARK_SENT[] =
    "UPDATE outbox_batches SET sent_at = now() WHERE id = ANY($1::bigint[])";

struct rb_relay {
    PGconn *conn;
    rd_kafka_t *producer;
    bool leader;
    atomic_bool active; /* leader, as other threads may read it */
    atomic_llong sent;
    atomic_llong failed;
    rb_pgarray ids;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        *(bool *)m->_private = true;
        return;
    }
    rb_log_error("relay delivery failed topic=%s error=\"%s\"", rd_kafka_topic_name(m->rkt),
                 rd_kafka_err2str(m->err));
}

static int producer_new(const rb_config *cfg, rd_kafka_t **out, rb_error *err)
{
    char errstr[512];
    rd_kafka_conf_t *conf;
    int rc;

    if ((rc = rb_kafka_conf_new(cfg, &conf, err)) < 0)
        return rc;
    if (rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "compression.type", "lz4", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "client.id", "rumbook-relay", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "message.timeout.ms", MESSAGE_TIMEOUT_MS, errstr,
                          sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "reconnect.backoff.max.ms", "1000", errstr, sizeof(errstr))) {
        rd_kafka_conf_destroy(conf);
        return rb_error_set(err, RB_EKAFKA, "relay producer config: %s", errstr);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rb_kafka_log_to_rumbook(conf);
    /* rd_kafka_new() takes ownership of conf on success. */
    *out = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!*out) {
        rd_kafka_conf_destroy(conf);
        return rb_error_set(err, RB_EKAFKA, "relay producer: %s", errstr);
    }
    return 0;
}

int rb_relay_new(const rb_config *cfg, rb_relay **out, rb_error *err)
{
    rb_relay *r = calloc(1, sizeof(*r));
    PGresult *res;
    int rc;

    *out = NULL;
    if (!r)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    rb_pgarray_init(&r->ids);
    if ((rc = rb_pg_connect(cfg->dsn, &r->conn, err)) < 0 ||
        (rc = producer_new(cfg, &r->producer, err)) < 0) {
        rb_relay_free(r);
        return rc;
    }
    res = PQexec(r->conn, "LISTEN rumbook_outbox");
    PQclear(res);
    *out = r;
    return 0;
}

void rb_relay_free(rb_relay *r)
{
    if (!r)
        return;
    if (r->producer) {
        rd_kafka_flush(r->producer, FLUSH_TIMEOUT_MS);
        rd_kafka_destroy(r->producer);
    }
    PQfinish(r->conn);
    rb_pgarray_fini(&r->ids);
    free(r);
}

static const char *cell(PGresult *res, int row, int col, size_t *len)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    if (len)
        *len = (size_t)PQgetlength(res, row, col);
    return PQgetvalue(res, row, col);
}

static rd_kafka_headers_t *headers_for(PGresult *res, int row)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(8);
    static const char *const dlq_names[] = {"rumbook-dlq-cause", "rumbook-dlq-topic",
                                            "rumbook-dlq-partition", "rumbook-dlq-offset"};
    static const char *const sender_names[] = {"rumbook-portal", "rumbook-signature"};
    int i;

    rd_kafka_header_add(h, "rumbook-event-id", -1, cell(res, row, 1, NULL), -1);
    rd_kafka_header_add(h, "content-type", -1, "application/x-protobuf", -1);
    rd_kafka_header_add(h, "rumbook-message-type", -1, cell(res, row, 5, NULL), -1);
    rd_kafka_header_add(h, "rumbook-schema-version", -1, RB_SCHEMA_VERSION, -1);
    for (i = 0; i < 4; i++)
        if (!PQgetisnull(res, row, 6 + i))
            rd_kafka_header_add(h, dlq_names[i], -1, cell(res, row, 6 + i, NULL), -1);
    for (i = 0; i < 2; i++)
        if (!PQgetisnull(res, row, 11 + i))
            rd_kafka_header_add(h, sender_names[i], -1, cell(res, row, 11 + i, NULL), -1);
    return h;
}

static int produce_row(rb_relay *r, PGresult *res, int row, bool *ok)
{
    size_t klen = 0, plen = 0;
    const char *key = cell(res, row, 3, &klen), *payload = cell(res, row, 4, &plen);
    rd_kafka_headers_t *h = headers_for(res, row);
    rd_kafka_resp_err_t e;

    for (;;) {
        e = rd_kafka_producev(r->producer, RD_KAFKA_V_TOPIC(cell(res, row, 2, NULL)),
                              RD_KAFKA_V_KEY(key, klen), RD_KAFKA_V_VALUE((void *)payload, plen),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                              RD_KAFKA_V_OPAQUE(ok), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        rd_kafka_poll(r->producer, 100);
    }
    if (e) {
        rd_kafka_headers_destroy(h); /* owned by librdkafka only on success */
        rb_log_error("relay produce failed topic=%s error=\"%s\"", cell(res, row, 2, NULL),
                     rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

/* Marks the batches all of whose events were delivered (events come
 * grouped by batch, in the batches' order); returns how many. A batch
 * with an event the broker refused is sent again whole, the delivered
 * events with the same event ids. */
static int mark_sent(rb_relay *r, PGresult *batches, PGresult *events, const bool *ok,
                     rb_error *err)
{
    int b, row = 0, n = PQntuples(events), marked = 0;

    rb_pgarray_begin_for(&r->ids, 1, SQL_MARK_SENT);
    for (b = 0; b < PQntuples(batches); b++) {
        const char *id = PQgetvalue(batches, b, 0);
        bool all = true;
        for (; row < n && strcmp(PQgetvalue(events, row, 10), id) == 0; row++)
            all = all && ok[row];
        if (all) {
            rb_pgarray_text(&r->ids, id);
            marked++;
        }
    }
    if (marked && rb__pg_command_params(r->conn, SQL_MARK_SENT, &r->ids, 1, "mark outbox sent",
                                        err) < 0)
        return err->code;
    return marked;
}

/* The events of the batches by sql; NULL (err set) on failure. */
static PGresult *read_events(rb_relay *r, PGresult *batches, const char *sql, rb_error *err)
{
    int b;

    rb_pgarray_begin_for(&r->ids, 1, sql);
    for (b = 0; b < PQntuples(batches); b++)
        rb_pgarray_text(&r->ids, PQgetvalue(batches, b, 0));
    /* Binary results: payloads arrive as they were written. */
    return rb__pg_exec_params(r->conn, sql, &r->ids, 1, 1, PGRES_TUPLES_OK, "read outbox", err);
}

bool rb__relay_in_order(const PGresult *batches, const PGresult *events)
{
    int b = 0, row, nb = PQntuples(batches);
    long long last = 0;

    for (row = 0; row < PQntuples(events); row++) {
        const char *batch = PQgetvalue(events, row, 10);
        long long id = strtoll(PQgetvalue(events, row, 0), NULL, 10);
        if (row > 0 && strcmp(batch, PQgetvalue(events, row - 1, 10)) == 0) {
            if (id <= last)
                return false;
        } else {
            while (b < nb && strcmp(PQgetvalue(batches, b, 0), batch) != 0)
                b++;
            if (b++ == nb)
                return false;
        }
        last = id;
    }
    return true;
}

/* Waits until every message produced has been delivered or has failed:
 * the delivery reports point into the caller's array. What is left after
 * the flush (nothing should be, given the message timeout) is purged and
 * the purge reported. False if something is still outstanding after that:
 * the caller must then not free what the reports point to. */
static bool settle(rd_kafka_t *producer)
{
    int i;

    if (rd_kafka_flush(producer, FLUSH_TIMEOUT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR)
        return true;
    rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (i = 0; i < 50 && rd_kafka_outq_len(producer) > 0; i++)
        rd_kafka_poll(producer, 100);
    return rd_kafka_outq_len(producer) == 0;
}

/* Sends the oldest unsent batches; returns how many (0: none pending). */
static int send_pending(rb_relay *r, rb_error *err)
{
    PGresult *batches = PQexec(r->conn, SQL_UNSENT), *res;
    int i, n, sent = 0, rc;
    bool *ok, *keep = NULL;

    if (PQresultStatus(batches) != PGRES_TUPLES_OK || PQntuples(batches) == 0) {
        rc = PQresultStatus(batches) == PGRES_TUPLES_OK
                 ? 0
                 : rb__pg_fail(r->conn, batches, "read outbox batches", err);
        PQclear(batches);
        return rc;
    }
    if ((res = read_events(r, batches, SQL_EVENTS, err)) && !rb__relay_in_order(batches, res)) {
        PQclear(res);
        res = read_events(r, batches, SQL_EVENTS_SORTED, err);
    }
    if (!res) {
        PQclear(batches);
        return err->code;
    }
    n = PQntuples(res);
    ok = calloc((size_t)n + 1, sizeof(bool));
    for (i = 0; ok && i < n; i++)
        if (produce_row(r, res, i, &ok[i]) < 0)
            break;
    if (ok && !settle(r->producer)) {
        rb_log_error("relay: %d messages neither delivered nor failed after %d ms",
                     rd_kafka_outq_len(r->producer), FLUSH_TIMEOUT_MS);
        keep = ok; /* their reports may still come: never freed */
        ok = NULL;
    }
    for (i = 0; ok && i < n; i++)
        sent += ok[i];
    if (keep)
        rc = rb_error_set(err, RB_EKAFKA, "outbox rows not settled; sent again later");
    else
        rc = ok ? mark_sent(r, batches, res, ok, err)
                : rb_error_set(err, RB_ENOMEM, "out of memory");
    if (rc >= 0) {
        atomic_fetch_add(&r->sent, sent);
        atomic_fetch_add(&r->failed, n - sent);
    }
    if (rc >= 0 && sent < n)
        rc = rb_error_set(err, RB_EKAFKA, "%d of %d outbox rows were not delivered", n - sent, n);
    else if (rc >= 0)
        rc = PQntuples(batches);
    free(ok);
    PQclear(res);
    PQclear(batches);
    return rc;
}

static bool try_lead(rb_relay *r)
{
    PGresult *res;

    if (r->leader)
        return true;
    res = PQexec(r->conn, "SELECT pg_try_advisory_lock(" RELAY_LOCK ")");
    r->leader = PQresultStatus(res) == PGRES_TUPLES_OK && PQgetvalue(res, 0, 0)[0] == 't';
    atomic_store(&r->active, r->leader);
    PQclear(res);
    if (r->leader)
        rb_log_info("relay is the active publisher");
    return r->leader;
}

/* Waits for a NOTIFY from a committing worker, at most timeout_ms. */
static void wait_for_work(rb_relay *r, int timeout_ms)
{
    struct pollfd pfd = {.fd = PQsocket(r->conn), .events = POLLIN};
    PGnotify *n;

    if (pfd.fd >= 0 && poll(&pfd, 1, timeout_ms) > 0)
        PQconsumeInput(r->conn);
    while ((n = PQnotifies(r->conn)))
        PQfreemem(n);
}

static void reconnect(rb_relay *r)
{
    r->leader = false;
    atomic_store(&r->active, false);
    PQreset(r->conn);
    if (PQstatus(r->conn) == CONNECTION_OK && rb__pg_session_setup(r->conn, NULL) == 0)
        PQclear(PQexec(r->conn, "LISTEN rumbook_outbox"));
}

int rb_relay_run(rb_relay *r, volatile sig_atomic_t *stop, rb_error *err)
{
    int n;

    while (!*stop) {
        rd_kafka_poll(r->producer, 0);
        if (PQstatus(r->conn) != CONNECTION_OK) {
            wait_for_work(r, 1000);
            reconnect(r);
            continue;
        }
        if (!try_lead(r)) {
            wait_for_work(r, 1000);
            continue;
        }
        n = send_pending(r, err);
        if (n < 0) {
            rb_log_error("relay: %s", err->message);
            wait_for_work(r, 1000);
        } else if (n == 0) {
            wait_for_work(r, 250);
        }
    }
    return 0;
}

void rb_relay_get_stats(rb_relay *r, rb_relay_stats *out)
{
    out->sent = atomic_load(&r->sent);
    out->failed = atomic_load(&r->failed);
    out->active = atomic_load(&r->active);
}
