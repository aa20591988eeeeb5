/* Settings of rumbook's programs, checked in one place. Every setting has a
 * key (its flag --KEY and its key in a config file), an environment
 * variable, a type with its range, and a default. rb_config_set() checks a
 * value from any source the same way and remembers where it came from, so
 * that a bad one is reported as
 *     invalid RUMBOOK_BATCH_SIZE "0": must be 1-100000
 * Sources apply in this order, later ones winning: defaults, the config
 * file (--config FILE: "key = value" lines, # comments), the environment,
 * flags (rb_config_apply()).
 *
 * rb_config is a plain struct the caller owns: rb_config_init() fills the
 * defaults, rb_config_fini() frees the copies of values it was given. */
#ifndef RUMBOOK_CONFIG_H
#define RUMBOOK_CONFIG_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "rumbook/error.h"

/* Which programs take a setting. */
#define RB_PROG_WORKER 1
#define RB_PROG_CTL 2 /* rumbookctl and rumbook-bench */
#define RB_PROG_MAILER 4
#define RB_PROG_W RB_PROG_WORKER
#define RB_PROG_WC (RB_PROG_WORKER | RB_PROG_CTL)
#define RB_PROG_WCM (RB_PROG_WORKER | RB_PROG_CTL | RB_PROG_MAILER)
#define RB_PROG_CM (RB_PROG_CTL | RB_PROG_MAILER)
#define RB_PROG_M RB_PROG_MAILER

/* X(KEY, "key", environment, type, lo, hi, default, programs) */
#define RB_CONFIG_SETTINGS(X)                                                                      \
    X(BROKERS, "brokers", "RUMBOOK_BROKERS", RB_CONF_T_TEXT, 1, 4096, "127.0.0.1:19092",           \
      RB_PROG_WCM)                                                                                 \
    X(DSN, "dsn", "RUMBOOK_DSN", RB_CONF_T_SECRET_URL, 1, 4096,                                    \
      "postgresql://postgres@127.0.0.1:15432/rumbook", RB_PROG_WCM)                                \
    X(GROUP, "group", "RUMBOOK_GROUP", RB_CONF_T_NAME, 1, 249, "rumbook-workers", RB_PROG_WC)      \
    X(TOPIC_COMMANDS, "topic-commands", "RUMBOOK_TOPIC_COMMANDS", RB_CONF_T_NAME, 1, 249,          \
      "rumbook.booking.commands", RB_PROG_WC)                                                      \
    X(TOPIC_DECISIONS, "topic-decisions", "RUMBOOK_TOPIC_DECISIONS", RB_CONF_T_NAME, 1, 249,       \
      "rumbook.booking.decisions", RB_PROG_WC)                                                     \
    X(TOPIC_INVITATIONS, "topic-invitations", "RUMBOOK_TOPIC_INVITATIONS", RB_CONF_T_NAME, 1, 249, \
      "rumbook.booking.invitations", RB_PROG_WCM)                                                  \
    X(TOPIC_DLQ, "topic-dlq", "RUMBOOK_TOPIC_DLQ", RB_CONF_T_NAME, 1, 249, "rumbook.booking.dlq",  \
      RB_PROG_WC)                                                                                  \
    X(TOPIC_CATALOG_COMMANDS, "topic-catalog-commands", "RUMBOOK_TOPIC_CATALOG_COMMANDS",           \
      RB_CONF_T_NAME, 1, 249, "rumbook.catalog.commands", RB_PROG_WC)                              \
    X(TOPIC_CATALOG_DECISIONS, "topic-catalog-decisions", "RUMBOOK_TOPIC_CATALOG_DECISIONS",        \
      RB_CONF_T_NAME, 1, 249, "rumbook.catalog.decisions", RB_PROG_WC)                             \
    X(TOPIC_STATUS, "topic-status", "RUMBOOK_TOPIC_STATUS", RB_CONF_T_NAME, 1, 249,                \
      "rumbook.worker.status", RB_PROG_WC)                                                         \
    X(TOPIC_DELIVERY_STATUS, "topic-delivery-status", "RUMBOOK_TOPIC_DELIVERY_STATUS",             \
      RB_CONF_T_NAME, 1, 249, "rumbook.delivery.status", RB_PROG_CM)                               \
    X(INSTANCE_ID, "instance-id", "RUMBOOK_INSTANCE_ID", RB_CONF_T_NAME, 0, 249, "", RB_PROG_W)    \
    X(METRICS_LISTEN, "metrics-listen", "RUMBOOK_METRICS_LISTEN", RB_CONF_T_LISTEN, 0, 300, "",    \
      RB_PROG_W)                                                                                   \
    X(BATCH_SIZE, "batch-size", "RUMBOOK_BATCH_SIZE", RB_CONF_T_INT, 1, 100000, "500", RB_PROG_W)  \
    X(LINGER_MS, "linger-ms", "RUMBOOK_LINGER_MS", RB_CONF_T_INT, 0, 60000, "20", RB_PROG_W)       \
    X(RELAY, "relay", "RUMBOOK_RELAY", RB_CONF_T_BOOL, 0, 1, "on", RB_PROG_W)                      \
    X(ALLOW_UNSIGNED, "allow-unsigned", "RUMBOOK_ALLOW_UNSIGNED", RB_CONF_T_BOOL, 0, 1, "off",     \
      RB_PROG_W)                                                                                   \
    X(PORTAL, "portal", "RUMBOOK_PORTAL", RB_CONF_T_NAME, 0, 100, "", RB_PROG_CTL)                 \
    X(PORTAL_KEY, "portal-key", "RUMBOOK_PORTAL_KEY", RB_CONF_T_TEXT, 0, 4096, "", RB_PROG_CTL)    \
    X(ACTOR, "actor", "RUMBOOK_ACTOR", RB_CONF_T_TEXT, 0, 300, "", RB_PROG_CTL)                    \
    X(MAILER_GROUP, "mailer-group", "RUMBOOK_MAILER_GROUP", RB_CONF_T_NAME, 1, 249,                \
      "rumbook-mailer", RB_PROG_M)                                                                 \
    X(SMTP_URL, "smtp-url", "RUMBOOK_SMTP_URL", RB_CONF_T_SECRET_URL, 1, 1024,                     \
      "smtp://127.0.0.1:2525", RB_PROG_M)                                                          \
    X(MAIL_FROM, "mail-from", "RUMBOOK_MAIL_FROM", RB_CONF_T_TEXT, 3, 254, "rumbook@localhost",    \
      RB_PROG_M)                                                                                   \
    X(SMTP_USER, "smtp-user", "RUMBOOK_SMTP_USER", RB_CONF_T_TEXT, 0, 256, "", RB_PROG_M)          \
    X(SMTP_PASSWORD_FILE, "smtp-password-file", "RUMBOOK_SMTP_PASSWORD_FILE", RB_CONF_T_TEXT, 0,   \
      4096, "", RB_PROG_M)                                                                         \
    X(FEEDS_LISTEN, "feeds-listen", "RUMBOOK_FEEDS_LISTEN", RB_CONF_T_LISTEN, 0, 300, "",          \
      RB_PROG_M)                                                                                   \
    X(KAFKA_SECURITY, "kafka-security", "RUMBOOK_KAFKA_SECURITY", RB_CONF_T_SECURITY, 0, 0,        \
      "plaintext", RB_PROG_WCM)                                                                    \
    X(KAFKA_CA, "kafka-ca", "RUMBOOK_KAFKA_CA", RB_CONF_T_TEXT, 0, 4096, "", RB_PROG_WCM)          \
    X(KAFKA_USER, "kafka-user", "RUMBOOK_KAFKA_USER", RB_CONF_T_TEXT, 0, 256, "", RB_PROG_WCM)     \
    X(KAFKA_PASSWORD_FILE, "kafka-password-file", "RUMBOOK_KAFKA_PASSWORD_FILE", RB_CONF_T_TEXT, 0, \
      4096, "", RB_PROG_WCM)                                                                       \
    X(LOG_LEVEL, "log-level", "RUMBOOK_LOG_LEVEL", RB_CONF_T_LEVEL, 0, 4, "info", RB_PROG_WCM)

enum rb_config_type {
    RB_CONF_T_TEXT,       /* any printable text of lo-hi bytes */
    RB_CONF_T_SECRET_URL, /* text whose password --print-config masks */
    RB_CONF_T_NAME,       /* a Kafka topic or group name: letters, digits, '.', '_', '-' */
    RB_CONF_T_INT,        /* a whole number lo-hi */
    RB_CONF_T_LISTEN,     /* HOST:PORT ([V6]:PORT), port 1-65535; "" for off */
    RB_CONF_T_BOOL,       /* on/off, true/false, yes/no, 1/0 */
    RB_CONF_T_LEVEL,      /* error, warning, info, debug */
    RB_CONF_T_SECURITY,   /* plaintext, sasl_ssl */
};

enum rb_config_key {
#define RB_CONFIG_ENUM(KEY, key, env, type, lo, hi, dflt, programs) RB_CONF_##KEY,
    RB_CONFIG_SETTINGS(RB_CONFIG_ENUM)
#undef RB_CONFIG_ENUM
        RB_CONF_COUNT
};

typedef struct rb_config {
    const char *brokers;
    const char *dsn;
    const char *group;
    const char *topic_commands;
    const char *topic_decisions;
    const char *topic_invitations;
    const char *topic_dlq;
    const char *topic_catalog_commands;
    const char *topic_catalog_decisions;
    const char *topic_status;
    const char *topic_delivery_status;
    const char *mailer_group;
    const char *smtp_url;
    const char *mail_from;
    const char *smtp_user;
    const char *smtp_password_file;
    const char *feeds_listen;
    const char *instance_id;    /* static group membership; "" for none */
    const char *metrics_listen; /* HOST:PORT of /metrics, /healthz, /readyz; "" for off */
    int batch_size;             /* commands per transaction */
    int linger_ms;              /* longest wait to fill a batch */
    bool relay;                 /* publish the outbox from this process */
    bool allow_unsigned;        /* take commands without a portal's signature */
    const char *portal;         /* rumbookctl submit signs as this portal */
    const char *portal_key;     /* with the secret key in this file */
    const char *actor;          /* and acts as ROLE:ID */
    const char *kafka_security; /* "plaintext" or "sasl_ssl" */
    const char *kafka_ca;       /* the CA file brokers' certificates are checked against */
    const char *kafka_user;     /* SCRAM-SHA-512 user */
    const char *kafka_password_file;
    int log_level;              /* enum rb_log_level */
    /* where each value came from ("default", "RUMBOOK_DSN", "--dsn",
     * "dsn (worker.conf:3)"), and the copies this struct owns */
    const char *origin[RB_CONF_COUNT];
    char *owned[RB_CONF_COUNT];
    char *owned_origin[RB_CONF_COUNT];
} rb_config;

/* Flags collected from argv, applied after the file and the environment. */
#define RB_CONFIG_MAX_FLAGS 64
typedef struct rb_config_args {
    const char *file; /* --config */
    int n;
    struct {
        int key;
        const char *value;
        const char *flag; /* as given: "--batch-size", "--no-relay" */
    } flags[RB_CONFIG_MAX_FLAGS];
} rb_config_args;

/* getopt_long's val for a setting's flag is RB_CONFIG_OPT + its key. */
#define RB_CONFIG_OPT 0x1000
#define RB_CONFIG_OPT_CONFIG (RB_CONFIG_OPT + RB_CONF_COUNT)

void rb_config_init(rb_config *c);
void rb_config_fini(rb_config *c);

/* The key of "batch-size" (or "batch_size"), or -1. */
int rb_config_key(const char *name);
const char *rb_config_key_name(int key);
/* The key's environment variable ("RUMBOOK_BATCH_SIZE"). */
const char *rb_config_env_name(int key);

/* Checks value against key's type and range and stores a copy. */
int rb_config_set(rb_config *c, int key, const char *value, const char *origin,
                  rb_error *err) RB_MUSTCHECK;
/* Each setting whose environment variable is set. */
int rb_config_load_env(rb_config *c, rb_error *err) RB_MUSTCHECK;
/* A config file: "key = value" lines; an unknown key is an error. */
int rb_config_load_file(rb_config *c, const char *path, rb_error *err) RB_MUSTCHECK;
/* The file, the environment, then the flags. */
int rb_config_apply(rb_config *c, const rb_config_args *a, rb_error *err) RB_MUSTCHECK;

/* Fills opts with the long options of the settings program (RB_PROG_*)
 * takes and --config, then a zero entry; returns how many it wrote. opts
 * has room for RB_CONF_COUNT + 2. */
int rb_config_options(struct option *opts, int program);
/* Records getopt_long's option val with its argument in a; false when val
 * is not a setting's or --config. */
bool rb_config_take_option(rb_config_args *a, int val, const char *arg);
/* The key's flag added as if given as --key value (for --no-relay). */
void rb_config_args_add(rb_config_args *a, int key, const char *value, const char *flag);

/* Every setting program takes, with its value and origin, passwords masked. */
void rb_config_print(const rb_config *c, int program, FILE *out);

#endif
