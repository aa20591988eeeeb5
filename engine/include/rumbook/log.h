/* Log lines to stderr: "2026-11-24T14:00:00.123Z worker error: message key=value". */
#ifndef RUMBOOK_LOG_H
#define RUMBOOK_LOG_H

enum rb_log_level {
    RB_LOG_FATAL = 0,
    RB_LOG_ERROR,
    RB_LOG_WARNING,
    RB_LOG_INFO,
    RB_LOG_DEBUG,
};

/* Set once at start-up, before threads start. */
void rb_log_init(const char *program, enum rb_log_level min_level);

void rb_log(enum rb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rb_log_error(...) rb_log(RB_LOG_ERROR, __VA_ARGS__)
#define rb_log_warning(...) rb_log(RB_LOG_WARNING, __VA_ARGS__)
#define rb_log_info(...) rb_log(RB_LOG_INFO, __VA_ARGS__)
#define rb_log_debug(...) rb_log(RB_LOG_DEBUG, __VA_ARGS__)

#endif
