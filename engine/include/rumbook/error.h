/* Error codes and the error object filled by functions that talk to
 * PostgreSQL or Kafka. rb_error is a plain value struct owned by the caller. */
#ifndef RUMBOOK_ERROR_H
#define RUMBOOK_ERROR_H

#include <stdbool.h>

#define RB_MUSTCHECK __attribute__((warn_unused_result))

enum {
    RB_OK = 0,
    RB_EINVAL = -1,    /* bad argument or input */
    RB_ENOMEM = -2,
    RB_EIO = -3,       /* file or socket */
    RB_EDB = -4,       /* PostgreSQL */
    RB_EKAFKA = -5,
    RB_ENOTFOUND = -6,
    RB_ERETRY = -7,    /* transient: serialization failure, deadlock, conflict */
    RB_EDECODE = -8,   /* bytes that are not a valid message */
};

/* What went wrong, and what the caller may do about it:
 * - retriable: the same call may succeed later (the database or broker is
 *   away, a serialization failure, a deadlock, a racing writer); the
 *   worker tries the same batch again, backing off;
 * - fatal: this process cannot go on as configured (the schema is older
 *   than the program, the login was refused, the database does not
 *   exist); the worker stops rather than retry or reject every command.
 * Neither: the input was at fault; the caller reports it and goes on. */
typedef struct rb_error {
    int code;
    bool retriable;
    bool fatal;
    char sqlstate[6]; /* PostgreSQL's code when it said no, else "" */
    char message[512];
} rb_error;

/* Human name of an RB_E* code ("database error"). */
const char *rb_strerror(int code);

/* Fills err (if not NULL) and returns code, so callers can `return
 * rb_error_set(...)`. retriable is set for RB_ERETRY; fatal and sqlstate
 * are cleared. */
int rb_error_set(rb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
