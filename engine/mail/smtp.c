/* SMTP through libcurl: one recipient per transaction, so that each
 * recipient's outcome is known (libcurl reports one result a transfer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "rumbook/smtp.h"

struct rb_smtp {
    CURL *curl;
    char *url, *user, *password;
    long connect_timeout_s, timeout_s;
    char last_reply[256]; /* the server's last line, from the debug callback */
    char last_refusal[256]; /* its last 4xx or 5xx line */
};

typedef struct upload {
    const char *data;
    size_t len, off;
} upload;

static size_t read_body(char *buf, size_t size, size_t nmemb, void *arg)
{
    upload *u = arg;
    size_t n = size * nmemb;

    if (n > u->len - u->off)
        n = u->len - u->off;
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

/* Keeps the server's last reply line: its words are what an operator and a
 * portal want to see for a refusal. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
    rb_smtp *s = arg;
    size_t n = size;

    (void)c;
    if (type != CURLINFO_HEADER_IN || size < 3)
        return 0;
    while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
        n--;
    snprintf(s->last_reply, sizeof(s->last_reply), "%.*s", (int)n, data);
    if (data[0] == '4' || data[0] == '5') /* a later RSET's 250 must not hide it */
        snprintf(s->last_refusal, sizeof(s->last_refusal), "%.*s", (int)n, data);
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

int rb_smtp_new(const rb_smtp_options *o, rb_smtp **out, rb_error *err)
{
    rb_smtp *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (!s || !(s->curl = curl_easy_init())) {
        free(s);
        return rb_error_set(err, RB_ENOMEM, "could not start libcurl");
    }
    s->url = strdup(o->url);
    s->user = dup_or_null(o->user);
    s->password = dup_or_null(o->password);
    s->connect_timeout_s = o->connect_timeout_s > 0 ? o->connect_timeout_s : 10;
    s->timeout_s = o->timeout_s > 0 ? o->timeout_s : 60;
    if (!s->url) {
        rb_smtp_free(s);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    *out = s;
    return 0;
}

void rb_smtp_free(rb_smtp *s)
{
    if (!s)
        return;
    curl_easy_cleanup(s->curl);
    free(s->url);
    free(s->user);
    if (s->password)
        memset(s->password, 0, strlen(s->password));
    free(s->password);
    free(s);
}

static void set_options(rb_smtp *s, const char *from, struct curl_slist *rcpt, upload *u)
{
    CURL *c = s->curl;

    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(c, CURLOPT_READDATA, u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
    /* STARTTLS when offered (smtp://); smtps:// is TLS from the start. */
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s->connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L); /* for on_debug; nothing is printed */
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, s);
    if (s->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->password ? s->password : "");
    }
}

rb_smtp_result rb_smtp_send(rb_smtp *s, const char *from, const char *to, const char *message,
                            size_t len, char *answer, size_t size)
{
    char addr_from[300], addr_to[300];
    struct curl_slist *rcpt;
    upload u = {message, len, 0};
    CURLcode rc;
    long code = 0;

    snprintf(addr_from, sizeof(addr_from), "<%s>", from);
    snprintf(addr_to, sizeof(addr_to), "<%s>", to);
    if (!(rcpt = curl_slist_append(NULL, addr_to))) {
        snprintf(answer, size, "out of memory");
        return RB_SMTP_TEMPORARY;
    }
    s->last_reply[0] = s->last_refusal[0] = '\0';
    set_options(s, addr_from, rcpt, &u);
    rc = curl_easy_perform(s->curl);
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) {
        snprintf(answer, size, "%s", s->last_reply);
        return RB_SMTP_SENT;
    }
    if (code >= 400 && *s->last_refusal)
        snprintf(answer, size, "%s", s->last_refusal);
    else
        snprintf(answer, size, "%s", curl_easy_strerror(rc));
    return code >= 500 && code < 600 ? RB_SMTP_PERMANENT : RB_SMTP_TEMPORARY;
}
