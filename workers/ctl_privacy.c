/* rumbookctl privacy erase|sweep: one person's data erased now (the right
 * to erasure), or what the retention no longer allows, without waiting
 * for the workers' sweep. Both print each table with the rows touched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_internal.h"
#include "rumbook/pg.h"

static const char help[] =
    "usage: rumbookctl privacy erase --email ADDRESS\n"
    "       rumbookctl privacy sweep\n"
    "erase removes the address (compared without case) from bookings, classes, waiting\n"
    "lists, commands and the mailer's deliveries, with the names and notes that came with\n"
    "it, and deletes the events that carry it; in one transaction. sweep erases what is\n"
    "older than the setting retention_days after its session (the workers do so every\n"
    "10 minutes). Kafka's own copies go with the topics' retention (docs/operations.md).\n";

static int print_counts(PGresult *res, const char *verb)
{
    long total = 0;
    int r;

    for (r = 0; r < PQntuples(res); r++) {
        printf("%s %s=%s\n", verb, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
        total += atol(PQgetvalue(res, r, 1));
    }
    printf("%s total=%ld\n", verb, total);
    return 0;
}

static int erase(PGconn *conn, const char *address)
{
    PGresult *res;
    const char *params[1] = {address};
    int rc;

    if (ctl_sql(conn, "privacy", "SELECT what, n FROM rb_privacy_erase($1)", 1, params, &res) < 0)
        return 1;
    rc = print_counts(res, "erased");
    PQclear(res);
    return rc;
}

static int sweep(PGconn *conn)
{
    PGresult *res;
    long round, rows;
    int r;

    /* in rounds, as the workers do, until a round erases nothing */
    for (round = 0; round < 1000; round++) {
        if (ctl_sql(conn, "privacy",
                    "SELECT what, n FROM rb_privacy_sweep((SELECT value::int FROM settings"
                    " WHERE key = 'retention_days'), 5000)",
                    0, NULL, &res) < 0)
            return 1;
        for (r = 0, rows = 0; r < PQntuples(res); r++)
            rows += atol(PQgetvalue(res, r, 1));
        if (rows == 0 || round == 999) {
            if (round == 0)
                print_counts(res, "swept");
            PQclear(res);
            break;
        }
        print_counts(res, "swept");
        PQclear(res);
    }
    return 0;
}

int ctl_privacy(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {{"email", required_argument, NULL, 'e'}, {0}};
    rb_config_args args = {0};
    const char *email = NULL, *verb;
    PGconn *conn;
    int c, rc;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        } else if (c == 'e') {
            email = optarg;
        } else {
            fprintf(stderr, "%s", help);
            return 2;
        }
    }
    verb = optind < argc ? argv[optind] : "";
    if (argc - optind != 1 || !((strcmp(verb, "erase") == 0 && email) ||
                                (strcmp(verb, "sweep") == 0 && !email))) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "privacy")))
        return rc;
    if (!(conn = ctl_connect(cfg, "privacy")))
        return 1;
    rc = strcmp(verb, "erase") == 0 ? erase(conn, email) : sweep(conn);
    PQfinish(conn);
    return rc;
}
