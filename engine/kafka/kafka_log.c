/* librdkafka's logs as rumbook log lines. */
#include "rumbook/kafka_log.h"
#include "rumbook/log.h"

/* Syslog levels: 0-3 errors, 4 warnings, 5-6 information, 7 debugging.
 * librdkafka calls this from its own threads; rb_log is thread-safe. */
static void log_line(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    enum rb_log_level l = level <= 3   ? RB_LOG_ERROR
                          : level == 4 ? RB_LOG_WARNING
                          : level <= 6 ? RB_LOG_INFO
                                       : RB_LOG_DEBUG;

    rb_log(l, "kafka: %s client=%s facility=%s", buf, rd_kafka_name(rk), fac);
}

void rb_kafka_log_to_rumbook(rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_log_cb(conf, log_line);
}
