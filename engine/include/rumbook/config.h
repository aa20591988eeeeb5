/* Settings shared by the worker and the command-line tool. A plain value
 * struct: rb_config_init() fills defaults, then the environment
 * (RUMBOOK_BROKERS, RUMBOOK_DSN, RUMBOOK_GROUP, RUMBOOK_TOPIC_COMMANDS,
 * RUMBOOK_TOPIC_DECISIONS, RUMBOOK_TOPIC_INVITATIONS, RUMBOOK_TOPIC_DLQ),
 * and programs override fields from their flags. Strings are borrowed
 * from the environment, argv or literals. */
#ifndef RUMBOOK_CONFIG_H
#define RUMBOOK_CONFIG_H

typedef struct rb_config {
    const char *brokers;
    const char *dsn;
    const char *group;
    const char *topic_commands;
    const char *topic_decisions;
    const char *topic_invitations;
    const char *topic_dlq;
    int batch_size;  /* commands per transaction */
    int linger_ms;   /* longest wait to fill a batch */
} rb_config;

void rb_config_init(rb_config *c);

/* Matches "--name=value" or "--name value" at argv[*i]; advances *i past
 * the value. Returns the value or NULL when argv[*i] is not that flag. */
const char *rb_flag(int argc, char **argv, int *i, const char *name);

#endif
