/* How rumbook's Kafka clients connect: the brokers, and plaintext or
 * SASL_SSL with SCRAM-SHA-512 (docs/operations.md, "Encrypted
 * connections"). The password is read from --kafka-password-file or the
 * environment (RUMBOOK_KAFKA_PASSWORD), never a flag, and is not kept.
 *
 * rb_kafka_conf_new() gives a configuration the caller owns (until
 * rd_kafka_new() takes it) with librdkafka's logs in rumbook's log and an
 * error callback that remembers the first error no retry will mend: a
 * refused password, a certificate that does not verify. Programs check
 * rb_kafka_fatal() and stop with it rather than retry for ever. */
#ifndef RUMBOOK_KAFKA_CONF_H
#define RUMBOOK_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "rumbook/config.h"
#include "rumbook/error.h"

int rb_kafka_conf_new(const rb_config *cfg, rd_kafka_conf_t **out, rb_error *err) RB_MUSTCHECK;

/* The first authentication or TLS failure any client of this process
 * reported, or NULL. */
const char *rb_kafka_fatal(void);

/* An error a consumer returned as a message (its errors come that way once
 * its main queue is the consumer's): logged, and remembered when fatal. */
void rb_kafka_note_error(const rd_kafka_t *rk, rd_kafka_resp_err_t e, const char *reason);

#endif
