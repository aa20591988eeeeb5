/* librdkafka's log lines through rumbook's log, at the matching level and
 * with the client's name, instead of librdkafka's own "%3|..." lines on
 * stderr. Set on a configuration before rd_kafka_new(). */
#ifndef RUMBOOK_KAFKA_LOG_H
#define RUMBOOK_KAFKA_LOG_H

#include <librdkafka/rdkafka.h>

void rb_kafka_log_to_rumbook(rd_kafka_conf_t *conf);

#endif
