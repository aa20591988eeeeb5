/* rumbookctl audit --booking ID: who did what to a booking, when and
 * through which portal, from the commands kept with their decisions
 * (refused attempts included). */
#include <stdio.h>
#include <string.h>

#include "ctl_internal.h"
#include "rumbook/buf.h"
#include "rumbook/json.h"
#include "rumbook/pg.h"
#include "rumbook/uuid.h"

static const char help[] =
    "usage: rumbookctl audit --booking UUID [--json]\n"
    "Prints the booking, then every command about it in the order decided: when, what,\n"
    "the decision and its reasons, the portal (\"unsigned\" when a worker took it without\n"
    "one), the actor's role, the school, provider or municipality the role is for, and\n"
    "the person (until their data is erased).\n";

static const char SQL_BOOKING[] =
    "SELECT b.status, b.session_id, b.class_id, c.school_id, b.pupils, b.sequence,"
    " to_char(b.created_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD HH24:MI:SS')"
    " FROM bookings b JOIN classes c ON c.id = b.class_id WHERE b.id = $1::uuid";

/* With the catalogue commands that cancelled or moved it, and what they
 * did to it. */
#define AUDIT_COLUMNS                                                                        \
    "to_char(c.decided_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD HH24:MI:SS'), c.kind,"
static const char SQL_COMMANDS[] =
    "SELECT " AUDIT_COLUMNS " c.status, c.reasons, c.portal, c.actor_role, c.actor_org,"
    " c.actor_email, c.actor_name, c.command_id::text, c.decided_at"
    " FROM commands c WHERE c.booking_id = $1::uuid"
    " UNION ALL SELECT " AUDIT_COLUMNS " cb.status, cb.reasons, c.portal, c.actor_role,"
    " c.actor_org, c.actor_email, c.actor_name, c.command_id::text, c.decided_at"
    " FROM command_bookings cb JOIN commands c ON c.command_id = cb.command_id"
    " WHERE cb.booking_id = $1::uuid ORDER BY 11, 10";

static void json_field(rb_buf *b, const char *name, const char *value, bool first)
{
    rb_buf_printf(b, "%s\"%s\":", first ? "" : ",", name);
    rb_json_string(b, value);
}

static void print_json(PGresult *bk, PGresult *cmds, const char *id)
{
    static const char *const names[] = {"decided_at", "kind", "status", "reasons", "portal",
                                        "role", "for", "email", "name", "command_id"};
    rb_buf b;
    int r, k;

    rb_buf_init(&b);
    rb_buf_puts(&b, "{");
    json_field(&b, "booking_id", id, true);
    rb_buf_puts(&b, ",\"status\":");
    rb_json_string(&b, PQgetvalue(bk, 0, 0));
    json_field(&b, "session", PQgetvalue(bk, 0, 1), false);
    json_field(&b, "class", PQgetvalue(bk, 0, 2), false);
    json_field(&b, "school", PQgetvalue(bk, 0, 3), false);
    rb_buf_printf(&b, ",\"pupils\":%s,\"sequence\":%s,\"commands\":[", PQgetvalue(bk, 0, 4),
                  PQgetvalue(bk, 0, 5));
    for (r = 0; r < PQntuples(cmds); r++) {
        rb_buf_puts(&b, r ? ",{" : "{");
        for (k = 0; k < 10; k++)
            json_field(&b, names[k], PQgetvalue(cmds, r, k), k == 0);
        rb_buf_puts(&b, "}");
    }
    rb_buf_puts(&b, "]}");
    puts(b.data ? b.data : "");
    rb_buf_fini(&b);
}

static void print_text(PGresult *bk, PGresult *cmds, const char *id)
{
    int r;

    printf("booking %s: %s, class %s of school %s, session %s, %s pupils, sequence %s, "
           "booked %s\n",
           id, PQgetvalue(bk, 0, 0), PQgetvalue(bk, 0, 2), PQgetvalue(bk, 0, 3),
           PQgetvalue(bk, 0, 1), PQgetvalue(bk, 0, 4), PQgetvalue(bk, 0, 5),
           PQgetvalue(bk, 0, 6));
    for (r = 0; r < PQntuples(cmds); r++) {
        const char *portal = PQgetvalue(cmds, r, 4), *role = PQgetvalue(cmds, r, 5);
        printf("%s  %-10s %-9s portal=%s actor=%s%s%s email=%s name=\"%s\" command=%s%s%s\n",
               PQgetvalue(cmds, r, 0), PQgetvalue(cmds, r, 1), PQgetvalue(cmds, r, 2),
               *portal ? portal : "unsigned", *role ? role : "none",
               *PQgetvalue(cmds, r, 6) ? ":" : "", PQgetvalue(cmds, r, 6),
               *PQgetvalue(cmds, r, 7) ? PQgetvalue(cmds, r, 7) : "-", PQgetvalue(cmds, r, 8),
               PQgetvalue(cmds, r, 9), *PQgetvalue(cmds, r, 3) ? " reasons=" : "",
               PQgetvalue(cmds, r, 3));
    }
}

int ctl_audit(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {{"booking", required_argument, NULL, 'b'},
                                        {"json", no_argument, NULL, 'j'},
                                        {0}};
    rb_config_args args = {0};
    const char *booking = NULL;
    PGresult *bk = NULL, *cmds = NULL;
    PGconn *conn;
    bool json = false;
    int c, rc;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        } else if (c == 'b') {
            booking = optarg;
        } else if (c == 'j') {
            json = true;
        } else {
            fprintf(stderr, "%s", help);
            return 2;
        }
    }
    if (!booking || optind < argc) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if (!rb_uuid_valid(booking)) {
        fprintf(stderr, "rumbookctl audit: \"%s\" is not a booking id (a UUID)\n", booking);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "audit")))
        return rc;
    if (!(conn = ctl_connect(cfg, "audit")))
        return 1;
    rc = 1;
    if (ctl_sql(conn, "audit", SQL_BOOKING, 1, &booking, &bk) == 0 &&
        ctl_sql(conn, "audit", SQL_COMMANDS, 1, &booking, &cmds) == 0) {
        if (PQntuples(bk) == 0) {
            fprintf(stderr, "rumbookctl audit: there is no booking %s\n", booking);
        } else {
            if (json)
                print_json(bk, cmds, booking);
            else
                print_text(bk, cmds, booking);
            rc = 0;
        }
    }
    PQclear(bk);
    PQclear(cmds);
    PQfinish(conn);
    return rc;
}
