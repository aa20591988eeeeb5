/* rumbookctl: the operator's and portal developer's tool. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "ctl_internal.h"
#include "rumbook/kafka_conf.h"
#include "rumbook/log.h"
#include "rumbook/pg.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: rumbookctl COMMAND [options]\n"
                 "\n"
                 "commands:\n"
                 "  migrate                  apply database migrations\n"
                 "  catalog import FILE      import a catalogue (JSON; docs/catalog.md)\n"
                 "  catalog submit --json F  send catalogue commands (JSON lines) to the workers\n"
                 "  calendar import          import closed days from an .ics file for a scope\n"
                 "  travel import FILE       import travel times (CSV)\n"
                 "  allocation create|list|show|replay   allocation rounds and their draws\n"
                 "  topics create            create the rumbook topics on the broker\n"
                 "  submit book|cancel|reschedule|change|withdraw|approve|refuse|wish [flags]\n"
                 "  submit --json FILE|-     submit commands given as JSON lines\n"
                 "  watch                    print decisions and invitations as JSON lines\n"
                 "  dlq list|show|replay     inspect and replay the dead-letter topic\n"
                 "  status                   workers, partitions, backlog and a verdict\n"
                 "  feed token create|list|revoke   tokens of the calendar feeds\n"
                 "  portal keygen|add|list|revoke   the portals that may send commands\n"
                 "  audit --booking ID       who did what to a booking, through which portal\n"
                 "  privacy erase|sweep      erase one person's data now, or what is past retention\n"
                 "\n"
                 "common options: --brokers HOSTS, --dsn URL, --group NAME, --topic-commands T,\n"
                 "  --topic-decisions T, --topic-invitations T, --topic-dlq T, --log-level LEVEL,\n"
                 "  --config FILE (also RUMBOOK_BROKERS, RUMBOOK_DSN, RUMBOOK_TOPIC_*, ...)\n"
                 "Run 'rumbookctl COMMAND --help' for a command's options.\n");
}

int ctl_getopt(int argc, char **argv, const struct option *own, rb_config_args *args)
{
    static struct option opts[CTL_MAX_OWN + RB_CONF_COUNT + 3];
    int n = 0, c;

    while (own && own[n].name && n < CTL_MAX_OWN) {
        opts[n] = own[n];
        n++;
    }
    opts[n++] = (struct option){"help", no_argument, NULL, CTL_HELP};
    rb_config_options(opts + n, RB_PROG_CTL);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (!rb_config_take_option(args, c, optarg))
            return c;
    return -1;
}

void ctl_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    ctl_delivery *d = m->_private;

    (void)rk;
    (void)opaque;
    d->done = true;
    d->err = m->err;
    d->partition = m->partition;
    d->offset = m->offset;
}

PGconn *ctl_connect(const rb_config *cfg, const char *command)
{
    PGconn *conn;
    rb_error err;

    if (rb_pg_connect(cfg->dsn, &conn, &err) < 0) {
        fprintf(stderr, "rumbookctl %s: %s\n", command, err.message);
        return NULL;
    }
    return conn;
}

rd_kafka_conf_t *ctl_kafka_conf(const rb_config *cfg, const char *command)
{
    rd_kafka_conf_t *conf;
    rb_error err;

    if (rb_kafka_conf_new(cfg, &conf, &err) < 0) {
        fprintf(stderr, "rumbookctl %s: %s\n", command, err.message);
        return NULL;
    }
    return conf;
}

int ctl_sql(PGconn *conn, const char *command, const char *sql, int n, const char *const *params,
            PGresult **out)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "rumbookctl %s: %s", command, PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return 0;
}

int ctl_settings(rb_config *cfg, const rb_config_args *args, const char *command)
{
    rb_error err;

    if (rb_config_apply(cfg, args, &err) < 0) {
        fprintf(stderr, "rumbookctl %s: %s\n", command, err.message);
        return 2;
    }
    rb_log_init("rumbookctl", (enum rb_log_level)cfg->log_level);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(rb_config *, int, char **);
    } commands[] = {{"submit", ctl_submit},   {"watch", ctl_watch},   {"migrate", ctl_migrate},
                    {"catalog", ctl_catalog}, {"allocation", ctl_allocation}, {"topics", ctl_topics}, {"calendar", ctl_calendar},
                    {"travel", ctl_travel},   {"dlq", ctl_dlq},       {"status", ctl_status},
                    {"feed", ctl_feed},       {"portal", ctl_portal},
                    {"audit", ctl_audit},     {"privacy", ctl_privacy}};
    rb_config cfg;
    rb_error err;
    size_t i;
    int rc;

    rb_config_init(&cfg);
    if (rb_config_set(&cfg, RB_CONF_LOG_LEVEL, "warning", "default", &err) < 0)
        return 1;
    rb_log_init("rumbookctl", RB_LOG_WARNING);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            rc = commands[i].run(&cfg, argc - 1, argv + 1);
            rb_config_fini(&cfg);
            return rc;
        }
    fprintf(stderr, "rumbookctl: unknown command \"%s\" (see rumbookctl --help)\n", argv[1]);
    return 2;
}
