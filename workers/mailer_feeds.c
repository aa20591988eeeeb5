/* The calendar feeds rumbook-mailer serves with --feeds-listen:
 *   GET /feeds/school/ID.ics?token=T    every current booking of the school's classes
 *   GET /feeds/provider/ID.ics?token=T  every current booking of the provider's sessions
 * as METHOD:PUBLISH with the bookings' own UIDs; cancelled ones stay 30 days
 * as STATUS:CANCELLED. An unknown school or provider and a missing, wrong
 * or revoked token all get the same 404. Tokens are kept as SHA-256 and
 * compared in constant time. Runs on the HTTP server's one thread, with a
 * database connection of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailer_internal.h"
#include "rumbook/calendar.h"
#include "rumbook/localtime.h"
#include "rumbook/log.h"
#include "rumbook/pg.h"

#define FEED_EVENT_COLUMNS                                                                        \
    "SELECT b.id::text, b.sequence, b.status, round(date_part('epoch', s.starts_at) * 1000),"     \
    " round(date_part('epoch', s.ends_at) * 1000), o.title, c.name, sc.name, b.pupils,"           \
    " coalesce(v.name, ''), coalesce(v.address, ''), round(date_part('epoch', lower(b.away)) *"   \
    " 1000), round(date_part('epoch', upper(b.away)) * 1000), p.name, p.email,"                   \
    " extract(epoch FROM b.updated_at)::bigint, b.travel_mode, o.venue_id IS NULL,"               \
    " coalesce((SELECT string_agg(r.kind || ' ' || r.name, ', ' ORDER BY r.kind, r.name)"         \
    "  FROM session_resources sr JOIN resources r ON r.id = sr.resource_id"                       \
    "  WHERE sr.session_id = s.id), '')"                                                          \
    " FROM bookings b JOIN classes c ON c.id = b.class_id JOIN schools sc ON sc.id = c.school_id" \
    " JOIN sessions s ON s.id = b.session_id JOIN offerings o ON o.id = s.offering_id"            \
    " JOIN providers p ON p.id = o.provider_id LEFT JOIN venues v ON v.id = o.venue_id"           \
    " WHERE (b.status = 'confirmed' OR b.updated_at > now() - interval '30 days') AND "

static const char SQL_SCHOOL[] = FEED_EVENT_COLUMNS "c.school_id = $1 ORDER BY s.starts_at, b.id";
static const char SQL_PROVIDER[] =
    FEED_EVENT_COLUMNS "o.provider_id = $1 ORDER BY s.starts_at, b.id";

/* The scope's live token hashes and the presented token's, in hex. */
static const char SQL_TOKENS[] =
    "SELECT encode(t.token_hash, 'hex'), encode(sha256(convert_to($3, 'UTF8')), 'hex')"
    " FROM feed_tokens t WHERE t.scope_kind = $1 AND t.scope_id = $2 AND t.revoked_at IS NULL";

struct rb_feeds {
    pthread_mutex_t lock;
    PGconn *conn;
    const rb_calendar *cal;
    rb_http *http;
};

/* Equal strings of equal length, in time that depends on the length only. */
static bool same(const char *a, const char *b)
{
    size_t n = strlen(a), i;
    unsigned char d = n != strlen(b);

    for (i = 0; i < n && b[i]; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static bool token_ok(PGconn *conn, const char *kind, const char *id, const char *token)
{
    const char *params[3] = {kind, id, token};
    PGresult *res = PQexecParams(conn, SQL_TOKENS, 3, NULL, params, NULL, NULL, 0);
    bool ok = false;
    int r;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rb_log_warning("feed: %s", PQerrorMessage(conn));
        if (PQstatus(conn) != CONNECTION_OK)
            PQreset(conn);
    }
    for (r = 0; PQresultStatus(res) == PGRES_TUPLES_OK && r < PQntuples(res); r++)
        ok |= same(PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
    PQclear(res);
    return ok;
}

/* "/feeds/school/ID.ics" into kind and id; false for any other path. */
static bool parse_path(const char *path, const char **kind, char *id, size_t size)
{
    const char *rest, *dot;

    if (strncmp(path, "/feeds/school/", 14) == 0)
        *kind = "school", rest = path + 14;
    else if (strncmp(path, "/feeds/provider/", 16) == 0)
        *kind = "provider", rest = path + 16;
    else
        return false;
    dot = strrchr(rest, '.');
    if (!dot || strcmp(dot, ".ics") != 0 || dot == rest || (size_t)(dot - rest) >= size ||
        memchr(rest, '/', (size_t)(dot - rest)))
        return false;
    snprintf(id, size, "%.*s", (int)(dot - rest), rest);
    return true;
}

/* One booking as a feed event: the school sees its class's trip, the
 * provider who comes, how many, and the rooms and guides it holds. */
static void add_event(rb_buf *out, PGresult *res, int r, bool school)
{
    char uid[80], summary[512], description[1024], leave[8], back[8];
    rb_invitation ev = {0};

    snprintf(uid, sizeof(uid), "%s@rumbook", PQgetvalue(res, r, 0));
    /* Copenhagen wall clock, whatever the process's own zone */
    rb_local_format_hm(atoll(PQgetvalue(res, r, 11)), leave);
    rb_local_format_hm(atoll(PQgetvalue(res, r, 12)), back);
    if (school) {
        snprintf(summary, sizeof(summary), "%s (%s)", PQgetvalue(res, r, 5), PQgetvalue(res, r, 6));
        if (*PQgetvalue(res, r, 17) == 't')
            snprintf(description, sizeof(description),
                     "Klasse %s, %s elever. Forløbet holdes på "
                     "skolen.",
                     PQgetvalue(res, r, 6), PQgetvalue(res, r, 8));
        else
            snprintf(description, sizeof(description),
                     "Klasse %s, %s elever. Afgang fra skolen "
                     "%s (%s), tilbage %s.",
                     PQgetvalue(res, r, 6), PQgetvalue(res, r, 8), leave, PQgetvalue(res, r, 16),
                     back);
    } else {
        snprintf(summary, sizeof(summary), "%s: %s, %s", PQgetvalue(res, r, 5),
                 PQgetvalue(res, r, 6), PQgetvalue(res, r, 7));
        snprintf(description, sizeof(description), "%s, klasse %s: %s elever.%s%s",
                 PQgetvalue(res, r, 7), PQgetvalue(res, r, 6), PQgetvalue(res, r, 8),
                 *PQgetvalue(res, r, 18) ? " Ressourcer: " : "", PQgetvalue(res, r, 18));
    }
    ev.method = strcmp(PQgetvalue(res, r, 2), "confirmed") == 0 ? RB_ITIP_REQUEST : RB_ITIP_CANCEL;
    ev.uid = uid;
    ev.sequence = atoi(PQgetvalue(res, r, 1));
    ev.dtstamp_ms = atoll(PQgetvalue(res, r, 15)) * 1000;
    ev.starts_at_ms = atoll(PQgetvalue(res, r, 3));
    ev.ends_at_ms = atoll(PQgetvalue(res, r, 4));
    ev.summary = summary;
    ev.description = description;
    ev.location = *PQgetvalue(res, r, 9) ? PQgetvalue(res, r, 9) : PQgetvalue(res, r, 7);
    ev.organizer_name = PQgetvalue(res, r, 13);
    ev.organizer_email = PQgetvalue(res, r, 14);
    rb_calendar_feed_event(out, &ev);
}

/* A strong validator of the body: FNV-1a over it. */
static void etag_of(const rb_buf *b, char *out, size_t size)
{
    unsigned long long h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < b->len; i++)
        h = (h ^ (unsigned char)b->data[i]) * 1099511628211ULL;
    snprintf(out, size, "\"%016llx\"", h);
}

static void http_date(long long secs, char *out, size_t size)
{
    time_t t = (time_t)secs;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void serve(void *ctx, const rb_http_request *req, rb_http_reply *rep)
{
    rb_feeds *f = ctx;
    const char *kind, *params[1];
    char id[256], name[300];
    long long newest = 0;
    PGresult *res;
    int r;

    if (!parse_path(req->path, &kind, id, sizeof(id)) || !req->token)
        return; /* 404, the same as for a wrong token */
    pthread_mutex_lock(&f->lock);
    if (!token_ok(f->conn, kind, id, req->token)) {
        pthread_mutex_unlock(&f->lock);
        return;
    }
    params[0] = id;
    res = PQexecParams(f->conn, strcmp(kind, "school") == 0 ? SQL_SCHOOL : SQL_PROVIDER, 1, NULL,
                       params, NULL, NULL, 0);
    pthread_mutex_unlock(&f->lock);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rb_log_warning("feed: %s", PQresultErrorMessage(res));
        PQclear(res);
        rep->status = 503;
        rb_buf_puts(&rep->body, "try again later\n");
        return;
    }
    snprintf(name, sizeof(name), "rumbook %s %s", kind, id);
    rb_calendar_feed_begin(f->cal, &rep->body, name);
    for (r = 0; r < PQntuples(res); r++) {
        add_event(&rep->body, res, r, strcmp(kind, "school") == 0);
        if (atoll(PQgetvalue(res, r, 15)) > newest)
            newest = atoll(PQgetvalue(res, r, 15));
    }
    rb_calendar_feed_end(&rep->body);
    PQclear(res);
    etag_of(&rep->body, rep->etag, sizeof(rep->etag));
    if (newest)
        http_date(newest, rep->last_modified, sizeof(rep->last_modified));
    rep->content_type = "text/calendar; charset=utf-8";
    rep->status = 200;
    if (req->if_none_match && strcmp(req->if_none_match, rep->etag) == 0) {
        rep->status = 304;
        rb_buf_reset(&rep->body);
    }
}

int rb_feeds_start(const char *listen, const char *dsn, const rb_calendar *cal, rb_feeds **out,
                   rb_error *err)
{
    rb_feeds *f = calloc(1, sizeof(*f));
    rb_http_probes probes = {0};
    int rc;

    *out = NULL;
    if (!f)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    pthread_mutex_init(&f->lock, NULL);
    f->cal = cal;
    probes.handle = serve;
    probes.ctx = f;
    if ((rc = rb_pg_connect(dsn, &f->conn, err)) < 0 ||
        (rc = rb_http_start(listen, &probes, &f->http, err)) < 0) {
        rb_feeds_stop(f);
        return rc;
    }
    *out = f;
    return 0;
}

void rb_feeds_stop(rb_feeds *f)
{
    if (!f)
        return;
    rb_http_stop(f->http);
    PQfinish(f->conn);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
