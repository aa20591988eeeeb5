/* The operators' HTTP endpoints on libmicrohttpd (Debian's 0.9.75): a
 * small, well-kept server with its own polling thread, rather than one
 * written here. We bind the socket ourselves so that "address in use" and
 * "no such address" come back with errno's words. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "rumbook/buf.h"
#include "rumbook/http.h"

struct rb_http {
    struct MHD_Daemon *daemon;
    rb_http_probes probes;
    int fd;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc;

    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* /healthz and /readyz: 200 with ok_text, or 503 with the probe's reason. */
static enum MHD_Result probe(struct MHD_Connection *c, bool (*fn)(void *, char *, size_t),
                             void *ctx, const char *ok_text)
{
    char why[256] = "", line[300];
    bool ok = fn ? fn(ctx, why, sizeof(why)) : true;
    int n = snprintf(line, sizeof(line), "%s\n", ok ? ok_text : why);

    return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                 line, (size_t)n);
}

/* Paths the program answers (calendar feeds); 404 when it answers none. */
static enum MHD_Result other(rb_http *h, struct MHD_Connection *c, const char *url)
{
    rb_http_request req = {url, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"),
                           MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match")};
    rb_http_reply rep = {.status = MHD_HTTP_NOT_FOUND, .content_type = "text/plain"};
    struct MHD_Response *r;
    enum MHD_Result rc;

    rb_buf_init(&rep.body);
    if (h->probes.handle)
        h->probes.handle(h->probes.ctx, &req, &rep);
    if (rep.status == MHD_HTTP_NOT_FOUND && rep.body.len == 0)
        rb_buf_puts(&rep.body, "not found\n");
    if (rep.body.failed) {
        rb_buf_fini(&rep.body);
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "out of memory\n", 14);
    }
    r = MHD_create_response_from_buffer(rep.body.len, rep.body.data ? rep.body.data : (void *)"",
                                        MHD_RESPMEM_MUST_COPY);
    rb_buf_fini(&rep.body);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rep.content_type);
    if (*rep.etag)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, rep.etag);
    if (*rep.last_modified)
        MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, rep.last_modified);
    rc = MHD_queue_response(c, rep.status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    rb_http *h = cls;
    enum MHD_Result rc;
    rb_buf out;

    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
    if (strcmp(url, "/healthz") == 0)
        return probe(c, h->probes.healthy, h->probes.ctx, "ok");
    if (strcmp(url, "/readyz") == 0)
        return probe(c, h->probes.ready, h->probes.ctx, "ready");
    if (strcmp(url, "/metrics") != 0 || !h->probes.metrics)
        return other(h, c, url);
    rb_buf_init(&out);
    rb_metrics_render(h->probes.metrics, &out);
    rc = out.failed ? reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "out of memory\n", 14)
                    : reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                            out.data ? out.data : "", out.len);
    rb_buf_fini(&out);
    return rc;
}

/* Splits "HOST:PORT" ("[v6]:PORT") into host and port. */
static int split_listen(const char *listen, char *host, size_t size, const char **port,
                        rb_error *err)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t len;

    if (!colon || !colon[1])
        return rb_error_set(err, RB_EINVAL, "invalid listen address \"%s\": expected HOST:PORT",
                            listen);
    len = (size_t)(colon - listen);
    if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
        h++;
        len -= 2;
    }
    if (len == 0 || len >= size)
        return rb_error_set(err, RB_EINVAL, "invalid listen address \"%s\": expected HOST:PORT",
                            listen);
    memcpy(host, h, len);
    host[len] = '\0';
    *port = colon + 1;
    return 0;
}

/* A listening socket on listen; -1 with err filled. */
static int bind_listen(const char *addr, rb_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    char host[256];
    const char *port = NULL;
    int fd = -1, one = 1, gai;

    if (split_listen(addr, host, sizeof(host), &port, err) < 0)
        return -1;
    if ((gai = getaddrinfo(host, port, &hints, &ai)) != 0) {
        rb_error_set(err, RB_EINVAL, "could not resolve listen address \"%s\": %s", addr,
                     gai_strerror(gai));
        return -1;
    }
    if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
        rb_error_set(err, RB_EIO, "could not listen on \"%s\": %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

int rb_http_start(const char *listen, const rb_http_probes *probes, rb_http **out, rb_error *err)
{
    rb_http *h = calloc(1, sizeof(*h));

    *out = NULL;
    if (!h)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    h->probes = *probes;
    if ((h->fd = bind_listen(listen, err)) < 0) {
        free(h);
        return err->code;
    }
    h->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, h,
                         MHD_OPTION_LISTEN_SOCKET, h->fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!h->daemon) {
        close(h->fd);
        free(h);
        return rb_error_set(err, RB_EIO, "could not start the HTTP server on \"%s\"", listen);
    }
    *out = h;
    return 0;
}

void rb_http_stop(rb_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->daemon);
    close(h->fd);
    free(h);
}
