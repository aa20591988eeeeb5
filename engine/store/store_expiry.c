/* Waiting-list expiry: an entry whose session's notice period has begun
 * gets its final decision (waitlist_expired), in a transaction of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "store/store_internal.h"

typedef struct expiry {
    rb_store *st;
    int64_t now_ms;
    int expired;
} expiry;

static const char SQL_EXPIRING[] =
    "SELECT id::text, command_id::text, session_id, class_id, pupils, kind FROM waitlist"
    " WHERE status = 'waiting' AND expires_at <= now() ORDER BY waitlist.id LIMIT 500"
    " FOR UPDATE SKIP LOCKED";

static const char SQL_EXPIRE[] =
    "UPDATE waitlist SET status = 'expired', resolved_at = now() WHERE id = ANY($1::bigint[])";

/* The final decision of an entry whose session's notice period began. */
static int expiry_decision(rb_store *st, PGresult *res, int r, int64_t now, rb__outbox *o)
{
    char event_id[RB_UUID_LEN];
    rb_verdict v;
    rb_decision d = {0};
    uint8_t *payload;
    size_t len;

    rb_verdict_init(&v);
    if (strcmp(PQgetvalue(res, r, 5), "review") == 0)
        rb_verdict_add(&v, RB_REASON_WAITLIST_EXPIRED,
                       "the bus order was not reviewed before session "
                       "\"%s\" closed for booking",
                       PQgetvalue(res, r, 2));
    else
        rb_verdict_add(&v, RB_REASON_WAITLIST_EXPIRED,
                       "no place came free before session \"%s\" "
                       "closed for booking",
                       PQgetvalue(res, r, 2));
    d.command_id = PQgetvalue(res, r, 1);
    d.status = RB_STATUS_REJECTED;
    d.reasons = &v;
    d.decided_at_ms = now;
    d.session_id = PQgetvalue(res, r, 2);
    d.class_id = PQgetvalue(res, r, 3);
    d.pupils = atoi(PQgetvalue(res, r, 4));
    if (rb_decision_encode(&d, &payload, &len) < 0)
        return RB_ENOMEM;
    rb__outbox_add(o, st->topic_decisions, d.command_id, strlen(d.command_id), payload, len,
               RB_MSG_DECISION, NULL, event_id);
    rb_pgarray_text(&st->col[0], d.command_id);
    rb_pgarray_text(&st->col[1], "rejected");
    rb_pgarray_text(&st->col[2], NULL);
    rb_pgarray_text(&st->col[3], "waitlist_expired");
    rb_pgarray_bytea(&st->col[4], payload, len);
    rb_pgarray_text(&st->col[5], event_id);
    rb_pgarray_text(&st->col[6], PQgetvalue(res, r, 0));
    free(payload);
    return 0;
}

static int send_expiry(rb_store *st, void *arg, rb_error *err)
{
    rb__outbox *o = arg;
    int rc;

    if ((rc = rb__pgpipe_send(&st->pipe, SQL_EXPIRE, &st->col[6], 1, PGRES_COMMAND_OK,
                              "expire waiting entries", err)) < 0 ||
        (rc = rb__store_queue(st, rb__sql_update_commands, 6, "decide expired entries", err)) < 0 ||
        (rc = rb__store_queue_columns(st, rb__sql_insert_outbox, o->col, OUTBOX_COLUMNS, "insert outbox",
                                      err)) < 0)
        return rc;
    return rb__store_notify_relay(st, err);
}

static int expire(PGconn *conn, void *arg, rb_error *err)
{
    expiry *e = arg;
    rb_store *st = e->st;
    rb__outbox o;
    PGresult *due;
    int r, rc = 0;

    (void)conn; /* st->conn: the store's statements are prepared there */
    if (!(due = rb__store_run(st, SQL_EXPIRING, NULL, 0, PGRES_TUPLES_OK, "read expiring waits",
                              err)))
        return err->code;
    rb__outbox_begin(&o);
    rb__store_begin(st, rb__sql_update_commands, 6);
    rb_pgarray_begin_for(&st->col[6], 1, SQL_EXPIRE); /* its ids */
    for (r = 0; r < PQntuples(due) && rc == 0; r++)
        rc = expiry_decision(st, due, r, e->now_ms, &o);
    if (rc == 0 && o.n)
        rc = rb__store_pipelined(st, send_expiry, &o, false, err);
    e->expired = rc == 0 ? (int)o.n : 0;
    rb__outbox_fini(&o);
    PQclear(due);
    return rc;
}

int rb_store_expire_waitlist(rb_store *st, int *expired, rb_error *err)
{
    expiry e = {st, rb__store_now_ms(), 0};
    int rc = rb__pg_transaction(st->conn, expire, &e, err);

    *expired = rc == 0 ? e.expired : 0;
    return rc;
}

#define SWEEP_ROWS 5000
#define SWEEP_CALLS 20 /* at most 100,000 rows a table each time: the rest next time */

int rb_store_privacy_sweep(rb_store *st, long *erased, rb_error *err)
{
    char days[16];
    const char *params[1] = {days};
    int calls, r;
    long n = SWEEP_ROWS;

    *erased = 0;
    if (rb__store_settings(st, rb__store_now_ms(), err) < 0)
        return err->code;
    snprintf(days, sizeof(days), "%d", st->settings.retention_days);
    for (calls = 0; calls < SWEEP_CALLS && n >= SWEEP_ROWS; calls++) {
        PGresult *res = rb__pg_exec(st->conn,
                                    "SELECT what, n FROM rb_privacy_sweep($1::int, "
                                    RB_STR(SWEEP_ROWS) ")",
                                    1, params, PGRES_TUPLES_OK, "privacy sweep", err);
        if (!res)
            return err->code;
        for (r = 0, n = 0; r < PQntuples(res); r++) {
            long k = atol(PQgetvalue(res, r, 1));
            n = k > n ? k : n;
            *erased += k;
        }
        PQclear(res);
    }
    return 0;
}
