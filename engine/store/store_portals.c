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
#include "rumbook/signature.h"
#include "store/store_internal.h"

static const char SQL_PORTALS_ALL[] =
    "SELECT name, public_key, scope_kind, scope_id, revoked_at IS NOT NULL FROM portals"
    " ORDER BY name COLLATE \"C\"";

static const char SQL_PORTALS[] =
    "SELECT name, public_key, scope_kind, scope_id, revoked_at IS NOT NULL FROM portals"
    " WHERE name = ANY($1::text[]) ORDER BY name COLLATE \"C\"";

/* A portals table read, its rows decoded once: names and scope ids point
 * into res, which the set owns. */
typedef struct portal_row {
    const char *name;
    unsigned char key[RB_KEY_LEN];
    bool key_ok;
    bool revoked;
    enum rb_scope kind;
    const char *scope_id;
} portal_row;

struct portals {
    PGresult *res;
    portal_row *rows; /* by name, bytewise */
    int n;
};

static void portals_free(struct portals *p)
{
    if (!p)
        return;
    PQclear(p->res);
    free(p->rows);
    free(p);
}

/* Takes res (rows as SQL_PORTALS_ALL gives them) into a new set. */
static int portals_from(PGresult *res, struct portals **out, rb_error *err)
{
    struct portals *p = calloc(1, sizeof(*p));
    int r;

    *out = NULL;
    if (p)
        p->rows = calloc((size_t)PQntuples(res) + 1, sizeof(*p->rows));
    if (!p || !p->rows) {
        PQclear(res);
        free(p);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    p->res = res;
    p->n = PQntuples(res);
    for (r = 0; r < p->n; r++) {
        portal_row *row = &p->rows[r];
        size_t len = 0;
        unsigned char *key = PQunescapeBytea((const unsigned char *)PQgetvalue(res, r, 1), &len);
        row->name = PQgetvalue(res, r, 0);
        row->key_ok = key && len == RB_KEY_LEN;
        if (row->key_ok)
            memcpy(row->key, key, RB_KEY_LEN);
        PQfreemem(key);
        row->kind = RB_SCOPE_ALL;
        rb_scope_from_name(PQgetvalue(res, r, 2), &row->kind);
        row->scope_id = PQgetvalue(res, r, 3);
        row->revoked = strcmp(PQgetvalue(res, r, 4), "t") == 0;
    }
    *out = p;
    return 0;
}

static bool same_row(const portal_row *a, const portal_row *b)
{
    return a->key_ok == b->key_ok && memcmp(a->key, b->key, RB_KEY_LEN) == 0 &&
           a->revoked == b->revoked && a->kind == b->kind && strcmp(a->scope_id, b->scope_id) == 0;
}

void rb__store_forget_portals(rb_store *st)
{
    portals_free(st->portals);
    st->portals = NULL;
    st->portals_stale = true;
}

static int read_portals(rb_store *st, rb_error *err)
{
    PGresult *res = rb__pg_exec(st->conn, SQL_PORTALS_ALL, 0, NULL, PGRES_TUPLES_OK,
                                "read portals", err);
    struct portals *p;
    int rc;

    if (!res)
        return err->code;
    if ((rc = portals_from(res, &p, err)) < 0)
        return rc;
    portals_free(st->portals);
    st->portals = p;
    st->portals_stale = false;
    return 0;
}

/* The row naming the portal, or NULL. */
static const portal_row *find(const struct portals *p, const char *name)
{
    int lo = 0, hi = p ? p->n : 0;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(p->rows[mid].name, name);
        if (c == 0)
            return &p->rows[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void refuse(item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(item *it, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(it->refusal, sizeof(it->refusal), fmt, ap);
    va_end(ap);
}

/* Judges it against its portal's row (NULL: none): key, scope, state. */
static void judge(item *it, const portal_row *p)
{
    const rb_message *m = it->m;

    it->refusal[0] = '\0';
    if (!p)
        return refuse(it, "portal \"%s\" is not registered", it->portal);
    if (p->revoked)
        return refuse(it, "portal \"%s\" was revoked", it->portal);
    if (!p->key_ok)
        return refuse(it, "portal \"%s\" has no usable key", it->portal);
    if (!m->signature)
        return refuse(it, "the command is not signed (no rumbook-signature header)");
    if (!rb_signature_verify(p->key, m->payload, m->len, m->signature, m->signature_len))
        return refuse(it, "the signature does not verify with portal \"%s\"'s key", it->portal);
    snprintf(it->scope_id, sizeof(it->scope_id), "%s", p->scope_id);
    it->scope.kind = p->kind;
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
    const portal_row *const *rows; /* per item: its portal's row, NULL, or not to judge */
    const portal_row *skip;
    size_t from, to;
} judging;

static void *judge_share(void *arg)
{
    judging *j = arg;
    size_t i;

    for (i = j->from; i < j->to; i++)
        if (j->rows[i] != j->skip)
            judge(&j->b->items[i], j->rows[i]);
    return NULL;
}

/* Verifying is the costly part (Ed25519 in libsodium 1.0.18: 50-75 us a
 * signature on the machines here, more than the rest of a decision); a
 * big batch shares it out over the host's cores, up to 4. */
static void judge_all(batch *b, const portal_row *const *rows, const portal_row *skip)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = cpus > 4 ? 4 : cpus < 1 ? 1 : (size_t)cpus, t, started = 0;
    pthread_t tid[4];
    judging share[4];

    if (b->n < 64 * nthreads)
        nthreads = 1;
    for (t = 0; t < nthreads; t++) {
        share[t] = (judging){b, rows, skip, b->n * t / nthreads, b->n * (t + 1) / nthreads};
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
    static const portal_row skip; /* an item judged without a row: unsigned, a bad name */
    bool reread = false;
    const portal_row **rows = malloc((b->n + 1) * sizeof(*rows));
    size_t i, k;
    int rc = 0;

    if (!rows)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (i = 0; i < b->n && rc == 0; i++) {
        item *it = &b->items[i];
        rows[i] = &skip;
        if (it->decode_rc < 0 || !take_headers(st, it))
            continue;
        if ((st->portals_stale || !st->portals) && (rc = read_portals(st, err)) < 0)
            break;
        rows[i] = find(st->portals, it->portal);
        if (!rows[i] && !reread) { /* registered since we read them? once a batch */
            if ((rc = read_portals(st, err)) < 0)
                break;
            reread = true;
            /* rows found so far point into the old set: find them again */
            for (k = 0; k <= i; k++)
                if (rows[k] != &skip)
                    rows[k] = find(st->portals, b->items[k].portal);
        }
    }
    if (rc == 0)
        judge_all(b, rows, &skip);
    free(rows);
    return rc;
}

int rb__store_confirm_portals(rb_store *st, batch *b, rb_error *err)
{
    struct portals *now;
    PGresult *res;
    size_t i, n = 0;
    bool newly_ok = false;
    int rc;

    rb__store_begin(st, SQL_PORTALS, 1);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0 && b->items[i].portal[0]) {
            rb_pgarray_text(&st->col[0], b->items[i].portal);
            n++;
        }
    if (n == 0)
        return 0;
    if (!(res = rb__store_run(st, SQL_PORTALS, st->col, 1, PGRES_TUPLES_OK,
                              "read the batch's portals", err)))
        return err->code;
    if ((rc = portals_from(res, &now, err)) < 0)
        return rc;
    for (i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        const portal_row *row, *cached;
        bool was_refused;
        if (it->decode_rc < 0 || !it->portal[0])
            continue;
        row = find(now, it->portal);
        cached = find(st->portals, it->portal);
        if (row && cached && same_row(row, cached))
            continue; /* as verified */
        st->portals_stale = true;
        was_refused = it->refusal[0] != '\0';
        judge(it, row);
        newly_ok = newly_ok || (was_refused && !it->refusal[0]);
    }
    portals_free(now); /* judge copied what it keeps */
    /* Its facts were not read: again, with them. */
    return newly_ok ? rb_error_set(err, RB_ERETRY, "a portal was registered during the batch")
                    : 0;
}
