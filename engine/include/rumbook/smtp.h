/* Sending one message to one recipient over SMTP with libcurl (Debian's
 * 7.88): smtp:// with STARTTLS when the server offers it (required with
 * tls_required), smtps:// for implicit TLS, AUTH when a user is given. One
 * handle, and so one connection, is reused for many messages.
 *
 * rb_smtp_new() copies what it is given; rb_smtp_free() frees (NULL is
 * fine). Not for use from two threads at once. */
#ifndef RUMBOOK_SMTP_H
#define RUMBOOK_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "rumbook/error.h"

typedef struct rb_smtp rb_smtp;

typedef struct rb_smtp_options {
    const char *url;      /* smtp://HOST:PORT or smtps://HOST:PORT */
    const char *user;     /* NULL or "": no AUTH */
    const char *password;
    long connect_timeout_s;
    long timeout_s;       /* the whole exchange of one message */
} rb_smtp_options;

int rb_smtp_new(const rb_smtp_options *o, rb_smtp **out, rb_error *err) RB_MUSTCHECK;
void rb_smtp_free(rb_smtp *s);

/* What happened to one message. */
typedef enum rb_smtp_result {
    RB_SMTP_SENT,      /* the server took it (250 after DATA) */
    RB_SMTP_TEMPORARY, /* 4xx, no connection, a timeout: try again later */
    RB_SMTP_PERMANENT, /* 5xx: the server refused it for good */
} rb_smtp_result;

/* Sends message (CRLF lines; libcurl dot-stuffs) from from to to. answer
 * receives the server's last reply line ("451 4.3.0 try later") or the
 * transport's error. */
rb_smtp_result rb_smtp_send(rb_smtp *s, const char *from, const char *to, const char *message,
                            size_t len, char *answer, size_t size);

#endif
