/* Defaults, environment and flag matching. */
#include <stdlib.h>
#include <string.h>

#include "rumbook/config.h"

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);

    return v && *v ? v : dflt;
}

void rb_config_init(rb_config *c)
{
    c->brokers = env_or("RUMBOOK_BROKERS", "127.0.0.1:19092");
    c->dsn = env_or("RUMBOOK_DSN", "postgresql://postgres@127.0.0.1:55432/rumbook");
    c->group = env_or("RUMBOOK_GROUP", "rumbook-workers");
    c->topic_commands = env_or("RUMBOOK_TOPIC_COMMANDS", "rumbook.booking.commands");
    c->topic_decisions = env_or("RUMBOOK_TOPIC_DECISIONS", "rumbook.booking.decisions");
    c->topic_invitations = env_or("RUMBOOK_TOPIC_INVITATIONS", "rumbook.booking.invitations");
    c->topic_dlq = env_or("RUMBOOK_TOPIC_DLQ", "rumbook.booking.dlq");
    c->batch_size = atoi(env_or("RUMBOOK_BATCH_SIZE", "500"));
    c->linger_ms = atoi(env_or("RUMBOOK_LINGER_MS", "20"));
}

const char *rb_flag(int argc, char **argv, int *i, const char *name)
{
    const char *arg = argv[*i];
    size_t len = strlen(name);

    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, len) != 0)
        return NULL;
    if (arg[2 + len] == '=')
        return arg + 3 + len;
    if (arg[2 + len] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}
