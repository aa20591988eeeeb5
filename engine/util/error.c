/* Error codes and messages. */
#include <stdarg.h>
#include <stdio.h>

#include "rumbook/error.h"

const char *rb_strerror(int code)
{
    switch (code) {
    case RB_OK: return "success";
    case RB_EINVAL: return "invalid argument";
    case RB_ENOMEM: return "out of memory";
    case RB_EIO: return "input/output error";
    case RB_EDB: return "database error";
    case RB_EKAFKA: return "kafka error";
    case RB_ENOTFOUND: return "not found";
    case RB_ERETRY: return "transient failure, retry";
    case RB_EDECODE: return "undecodable message";
    }
    return "unknown error";
}

int rb_error_set(rb_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    err->retriable = code == RB_ERETRY;
    err->fatal = false;
    err->sqlstate[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}
