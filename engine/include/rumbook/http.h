/* A worker's HTTP endpoints for operators, served by libmicrohttpd from a
 * thread of its own:
 *   GET /metrics  the metrics in Prometheus' text format
 *   GET /healthz  200 "ok" while the main loop turns, else 503 and why
 *   GET /readyz   200 "ready" when the worker can decide, else 503 and why
 * The probe functions run on the server's thread and must only read what
 * is safe to read from there. rb_http_start() binds before it returns, so
 * a bad address or a port in use is an error at start-up;
 * rb_http_stop() stops the thread and frees the server (NULL is fine). */
#ifndef RUMBOOK_HTTP_H
#define RUMBOOK_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "rumbook/error.h"
#include "rumbook/metrics.h"

typedef struct rb_http rb_http;

/* A GET for a path the server does not answer itself. */
typedef struct rb_http_request {
    const char *path;
    const char *token;         /* the ?token= argument, or NULL */
    const char *if_none_match; /* the header, or NULL */
} rb_http_request;

typedef struct rb_http_reply {
    unsigned status;           /* 200, 304, 404, ... */
    const char *content_type;
    rb_buf body;               /* initialised by the server, freed after sending */
    char etag[80];             /* sent when not empty */
    char last_modified[64];    /* sent when not empty */
} rb_http_reply;

typedef struct rb_http_probes {
    rb_metrics *metrics; /* borrowed; NULL: no /metrics */
    /* true when well; otherwise why (a line); NULL: always */
    bool (*healthy)(void *ctx, char *why, size_t size);
    bool (*ready)(void *ctx, char *why, size_t size);
    /* Any other GET; NULL: 404. Runs on the server's thread. */
    void (*handle)(void *ctx, const rb_http_request *req, rb_http_reply *reply);
    void *ctx;
} rb_http_probes;

/* listen is "HOST:PORT" ("127.0.0.1:9464", "[::1]:9464", "localhost:9464"). */
int rb_http_start(const char *listen, const rb_http_probes *probes, rb_http **out,
                  rb_error *err) RB_MUSTCHECK;
void rb_http_stop(rb_http *h);

#endif
