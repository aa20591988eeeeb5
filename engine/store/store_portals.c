/* Who sent each command: the rumbook-portal header names a registered
 * portal, and rumbook-signature must be that portal's Ed25519 signature
 * of the payload. Signatures are verified before the batch's transaction
 * (about 60 us each, which would otherwise lengthen every lock it holds)
 * against the cached portals table; inside the transaction the batch's
 * portal rows are read again, so that a revoke or a new key committed
 * before the batch began is in force even if its notification has not
 * arrived yet. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumbook/pgarray.h"
#include "store/store_internal.h"

static const char SQL_PORTALS_ALL[] =
    "SELECT name, public_key, scope_kind, scope_id, revoked_at IS NOT NULL FROM portals"
    " ORDER BY name COLLATE \"C\"";

static const char SQL_PORTALS[] =
    "SELECT name, public_key, scope_kind, scope_id, revoked_at IS NOT NULL FROM portals"
    " WHERE name = ANY($1::text[]) ORDER BY name COLLATE \"C\"";

void rb__store_forget_portals(rb_store *st)
{
    PQclear(st->portals_res);
    st->portals_res = NULL;
    st->portals_stale = true;
}

static int read_portals(rb_store *st, rb_error *err)
{
    PGresult *res = rb__pg_exec(st->conn, SQL_PORTALS_ALL, 0, NULL, PGRES_TUPLES_OK,
                                "read portals", err);

    if (!res)
        return err->code;
    PQclear(st->portals_res);
    st->portals_res = res;
    st->portals_stale = false;
    return 0;
}

/* The row of res naming the portal (len bytes, not NUL-terminated), or -1. */
static int find(PGresult *res, const char *name, size_t len)
{
    int lo = 0, hi = res ? PQntuples(res) : 0;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        const char *row = PQgetvalue(res, mid, 0);
        int c = strncmp(row, name, len);
        if (c == 0 && row[len])
            c = 1;
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void refuse(item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(item *it, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(it->refusal, sizeof(it->refusal), fmt, ap);
    va_end(ap);
}

/* Judges it against row r of res: the portal's key, scope and state. */
static void judge(item *it, PGresult *res, int r)
{
    const rb_message *m = it->m;
    size_t len = 0;
    unsigned char *key;

    it->refusal[0] = '\0';
    if (r < 0)
        return refuse(it, "portal \"%s\" is not registered", it->portal);
    if (strcmp(PQgetvalue(res, r, 4), "t") == 0)
        return refuse(it, "portal \"%s\" was revoked", it->portal);
    key = PQunescapeBytea((const unsigned char *)PQgetvalue(res, r, 1), &len);
    if (!key || len != RB_KEY_LEN) {
        PQfreemem(key);
        return refuse(it, "portal \"%s\" has no usable key", it->portal);
    }
    memcpy(it->key, key, RB_KEY_LEN);
    PQfreemem(key);
    if (!m->signature)
        return refuse(it, "the command is not signed (no rumbook-signature header)");
    if (!rb_signature_verify(it->key, m->payload, m->len, m->signature, m->signature_len))
        return refuse(it, "the signature does not verify with portal \"%s\"'s key", it->portal);
    snprintf(it->scope_id, sizeof(it->scope_id), "%s", PQgetvalue(res, r, 3));
    rb_scope_from_name(PQgetvalue(res, r, 2), &it->scope.kind);
    it->scope.id = it->scope_id;
}

static bool name_ok(const rb_message *m)
{
    size_t i;

    if (m->portal_len == 0 || m->portal_len > PORTAL_NAME_MAX)
        return false;
    for (i = 0; i < m->portal_len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
                    m->portal[i]) || !m->portal[i])
            return false;
    return true;
}

/* The header part of judging; false when it is decided without a row. */
static bool take_headers(rb_store *st, item *it)
{
    const rb_message *m = it->m;

    it->portal[0] = it->refusal[0] = '\0';
    it->scope = (rb_portal_scope){RB_SCOPE_ALL, ""};
    if (!m->portal) {
        if (!st->allow_unsigned)
            refuse(it, "the command is not signed (no rumbook-portal header)");
        return false;
    }
    if (!name_ok(m)) {
        refuse(it, "the rumbook-portal header is not a portal name");
        return false;
    }
    memcpy(it->portal, m->portal, m->portal_len);
    it->portal[m->portal_len] = '\0';
    return true;
}

/* A share of a batch's signatures, checked on a thread of its own. */
typedef struct judging {
    batch *b;
    PGresult *portals;
    const int *rows; /* per item: its portal's row, or -2 when not to be judged */
    size_t from, to;
} judging;

static void *judge_share(void *arg)
{
    judging *j = arg;
    size_t i;

    for (i = j->from; i < j->to; i++)
        if (j->rows[i] != -2)
            judge(&j->b->items[i], j->portals, j->rows[i]);
    return NULL;
}

/* Verifying is the costly part (Ed25519 in libsodium 1.0.18: 50-75 us a
 * signature on the machines here, more than the rest of a decision); a
 * big batch shares it out over the host's cores, up to 4. */
static void judge_all(batch *b, PGresult *portals, const int *rows)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = cpus > 4 ? 4 : cpus < 1 ? 1 : (size_t)cpus, t, started = 0;
    pthread_t tid[4];
    judging share[4];

    if (b->n < 64 * nthreads)
        nthreads = 1;
    for (t = 0; t < nthreads; t++) {
        share[t] = (judging){b, portals, rows, b->n * t / nthreads, b->n * (t + 1) / nthreads};
        if (t > 0 && pthread_create(&tid[t], NULL, judge_share, &share[t]) == 0)
            started |= (size_t)1 << t;
        else if (t > 0)
            judge_share(&share[t]); /* no thread: here, then */
    }
    judge_share(&share[0]);
    for (t = 1; t < nthreads; t++)
        if (started & ((size_t)1 << t))
            pthread_join(tid[t], NULL);
}

int rb__store_authenticate(rb_store *st, batch *b, rb_error *err)
{
    bool reread = false;
    int *rows = malloc((b->n + 1) * sizeof(*rows));
    size_t i;
    int rc = 0;

    if (!rows)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (i = 0; i < b->n && rc == 0; i++) {
        item *it = &b->items[i];
        rows[i] = -2;
        if (it->decode_rc < 0 || !take_headers(st, it))
            continue;
        if ((st->portals_stale || !st->portals_res) && (rc = read_portals(st, err)) < 0)
            break;
        rows[i] = find(st->portals_res, it->portal, strlen(it->portal));
        if (rows[i] < 0 && !reread) { /* registered since we read them? once a batch */
            if ((rc = read_portals(st, err)) < 0)
                break;
            reread = true;
            /* rows found so far point into the old result: find them again */
            for (size_t k = 0; k <= i; k++)
                if (rows[k] != -2)
                    rows[k] = find(st->portals_res, b->items[k].portal,
                                   strlen(b->items[k].portal));
        }
    }
    if (rc == 0)
        judge_all(b, st->portals_res, rows);
    free(rows);
    return rc;
}

int rb__store_confirm_portals(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i, n = 0;
    bool newly_ok = false;

    rb__store_begin(st, SQL_PORTALS, 1);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0 && b->items[i].portal[0]) {
            rb_pgarray_text(&st->col[0], b->items[i].portal);
            n++;
        }
    if (n == 0)
        return 0;
    if (!(res = rb__store_fetch_run(st, SQL_PORTALS, 1, "read the batch's portals", err)))
        return err->code;
    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        int r, cached;
        bool was_refused;
        if (it->decode_rc < 0 || !it->portal[0])
            continue;
        r = find(res, it->portal, strlen(it->portal));
        cached = find(st->portals_res, it->portal, strlen(it->portal));
        if (r >= 0 && cached >= 0 &&
            strcmp(PQgetvalue(res, r, 1), PQgetvalue(st->portals_res, cached, 1)) == 0 &&
            strcmp(PQgetvalue(res, r, 2), PQgetvalue(st->portals_res, cached, 2)) == 0 &&
            strcmp(PQgetvalue(res, r, 3), PQgetvalue(st->portals_res, cached, 3)) == 0 &&
            strcmp(PQgetvalue(res, r, 4), PQgetvalue(st->portals_res, cached, 4)) == 0)
            continue; /* as verified */
        st->portals_stale = true;
        was_refused = it->refusal[0] != '\0';
        judge(it, res, r);
        newly_ok = newly_ok || (was_refused && !it->refusal[0]);
    }
    /* Its facts were not read: again, with them. */
    return newly_ok ? rb_error_set(err, RB_ERETRY, "a portal was registered during the batch")
                    : 0;
}
