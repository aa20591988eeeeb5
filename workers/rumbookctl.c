/* rumbookctl: the operator's and portal developer's tool. */
#include <stdio.h>
#include <string.h>

#include "ctl_internal.h"
#include "rumbook/log.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rumbookctl COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  migrate                  apply database migrations\n"
            "  catalog import FILE      import a catalogue (JSON; docs/catalog.md)\n"
            "  calendar import          import closed days from an .ics file for a scope\n"
            "  travel import FILE       import travel times (CSV)\n"
            "  topics create            create the rumbook topics on the broker\n"
            "  submit book|cancel|reschedule [flags]\n"
            "  submit --json FILE|-     submit commands given as JSON lines\n"
            "  watch                    print decisions and invitations as JSON lines\n"
            "\n"
            "common options: --brokers HOSTS, --dsn URL, --topic-commands T,\n"
            "  --topic-decisions T, --topic-invitations T, --topic-dlq T\n"
            "  (also RUMBOOK_BROKERS, RUMBOOK_DSN, RUMBOOK_TOPIC_*)\n"
            "Run 'rumbookctl COMMAND --help' for a command's options.\n");
}

bool ctl_common_flag(rb_config *cfg, int argc, char **argv, int *i)
{
    const char *v;

    if ((v = rb_flag(argc, argv, i, "brokers")))
        cfg->brokers = v;
    else if ((v = rb_flag(argc, argv, i, "dsn")))
        cfg->dsn = v;
    else if ((v = rb_flag(argc, argv, i, "topic-commands")))
        cfg->topic_commands = v;
    else if ((v = rb_flag(argc, argv, i, "topic-decisions")))
        cfg->topic_decisions = v;
    else if ((v = rb_flag(argc, argv, i, "topic-invitations")))
        cfg->topic_invitations = v;
    else if ((v = rb_flag(argc, argv, i, "topic-dlq")))
        cfg->topic_dlq = v;
    else
        return false;
    return true;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(rb_config *, int, char **);
    } commands[] = {{"submit", ctl_submit}, {"watch", ctl_watch}, {"migrate", ctl_migrate},
                    {"catalog", ctl_catalog}, {"topics", ctl_topics},
                    {"calendar", ctl_calendar}, {"travel", ctl_travel}};
    rb_config cfg;
    size_t i;

    rb_config_init(&cfg);
    rb_log_init("rumbookctl", RB_LOG_WARNING);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(&cfg, argc - 1, argv + 1);
    fprintf(stderr, "rumbookctl: unknown command \"%s\" (see rumbookctl --help)\n", argv[1]);
    return 2;
}
