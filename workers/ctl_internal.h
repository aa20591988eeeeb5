/* rumbookctl's subcommands; each returns the process exit code. */
#ifndef RUMBOOK_CTL_INTERNAL_H
#define RUMBOOK_CTL_INTERNAL_H

#include <getopt.h>
#include <stdio.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>

#include "rumbook/config.h"
#include "rumbook/signature.h"

int ctl_submit(rb_config *cfg, int argc, char **argv);
int ctl_watch(rb_config *cfg, int argc, char **argv);
int ctl_migrate(rb_config *cfg, int argc, char **argv);
int ctl_catalog(rb_config *cfg, int argc, char **argv);
int ctl_catalog_submit(rb_config *cfg, int argc, char **argv);
int ctl_allocation(rb_config *cfg, int argc, char **argv);
/* Sends the catalogue commands of in (JSON lines) and prints each; the
 * exit code. */
int ctl_catalog_send(const rb_config *cfg, FILE *in);
int ctl_topics(rb_config *cfg, int argc, char **argv);
int ctl_calendar(rb_config *cfg, int argc, char **argv);
int ctl_travel(rb_config *cfg, int argc, char **argv);
int ctl_dlq(rb_config *cfg, int argc, char **argv);
int ctl_status(rb_config *cfg, int argc, char **argv);
int ctl_feed(rb_config *cfg, int argc, char **argv);
int ctl_portal(rb_config *cfg, int argc, char **argv);
int ctl_audit(rb_config *cfg, int argc, char **argv);
int ctl_privacy(rb_config *cfg, int argc, char **argv);

/* Reads a key file (one base64 line: rumbookctl portal keygen's); on
 * failure says why as "rumbookctl COMMAND: ..." and returns -1. */
int ctl_read_key(const char *path, unsigned char key[32], const char *command);

/* A worker's heartbeat as one JSON object (ctl_status.c). */
struct Rumbook__V1__WorkerStatus;
struct rb_buf;
void ctl_status_json(const struct Rumbook__V1__WorkerStatus *s, struct rb_buf *out);

/* getopt_long over a subcommand's argv (argv[0] is its name): own's
 * options (at most CTL_MAX_OWN), --help (CTL_HELP) and the common settings,
 * which go into args. Returns the next option that is not a setting, '?'
 * after getopt printed what was wrong, or -1 at the end; the operands are
 * then argv[optind..argc). */
#define CTL_MAX_OWN 24
#define CTL_HELP 'h'
int ctl_getopt(int argc, char **argv, const struct option *own, rb_config_args *args);
/* Runs sql; on an error says so as "rumbookctl COMMAND: ..." and returns
 * -1. *out (when not NULL) receives the result, the caller's to PQclear. */
int ctl_sql(PGconn *conn, const char *command, const char *sql, int n, const char *const *params,
            PGresult **out);

/* A produced message's delivery report: pass one as the message's opaque
 * and set ctl_on_delivery as the producer's callback (submit, dlq replay). */
typedef struct ctl_delivery {
    bool done;
    rd_kafka_resp_err_t err;
    int32_t partition;
    int64_t offset;
} ctl_delivery;
void ctl_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);

/* "ROLE:ID" (role names as rb_role_parse reads them) into actor, whose
 * strings then point into text; false when it is not one. */
struct Rumbook__V1__Actor;
bool ctl_actor(const char *text, struct Rumbook__V1__Actor *actor);
/* The portal's key from --portal-key when --portal is given (*sign then
 * true); -1 after saying why. */
int ctl_load_signer(const rb_config *cfg, rb_signer *signer, bool *sign, const char *command);
/* An idempotent producer reporting deliveries to ctl_on_delivery; NULL
 * after saying why. */
rd_kafka_t *ctl_producer_new(const rb_config *cfg, const char *command);
/* A command for a commands topic, with the wire's headers and, with a
 * signer, the portal's signature. */
typedef struct ctl_message {
    const char *topic, *key, *type;
    uint8_t *payload; /* malloc()ed; ctl_produce takes it unless it returns 1 */
    size_t len;
    const rb_signer *signer;
    const char *portal;
} ctl_message;
/* 0 when queued, 1 when the queue is full (poll, then try again), -1 after
 * saying why. */
int ctl_produce(rd_kafka_t *rk, const ctl_message *m, ctl_delivery *d, const char *command);
/* Waits up to 30 s for the delivery reports; 1 after saying why when the
 * broker refused us for good. */
int ctl_flush(rd_kafka_t *rk, const char *command);
/* Reading commands given as JSON lines: the next non-blank line's object
 * (the caller's to free) and 1, 0 at the end, -1 after saying why. Free
 * l->text when done. */
typedef struct ctl_lines {
    char *text;
    size_t cap;
    long lineno;
} ctl_lines;
struct rb_json_object;
int ctl_json_line(FILE *in, ctl_lines *l, struct rb_json_object **obj, const char *command);
/* One line of JSON for a delivered command. */
void ctl_print_sent(const char *command_id, const char *action, const char *topic,
                    const ctl_delivery *d);
/* A connection to cfg's database; NULL after saying why as
 * "rumbookctl COMMAND: ...". The caller PQfinish()es it. */
PGconn *ctl_connect(const rb_config *cfg, const char *command);

/* A Kafka configuration for cfg's brokers and security (rb_kafka_conf_new);
 * NULL after saying why as "rumbookctl COMMAND: ...". */
rd_kafka_conf_t *ctl_kafka_conf(const rb_config *cfg, const char *command);

/* Applies args to cfg after the config file and the environment; on a bad
 * setting prints why and returns 2. */
int ctl_settings(rb_config *cfg, const rb_config_args *args, const char *command);

#endif
