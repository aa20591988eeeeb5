/* rumbookctl allocation create|list|show|replay: allocation rounds
 * (docs/allocation.md). create sends a catalogue command (staff make
 * rounds through the catalogue); the others read the database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl_internal.h"
#include "rumbook/allocation.h"
#include "rumbook/buf.h"
#include "rumbook/json.h"

static const char help[] =
    "usage: rumbookctl allocation create --id ID --name TEXT --opens ISO8601 --closes ISO8601\n"
    "         --offerings O1,O2,... [--max-wishes N]   (as municipality_admin:MUNICIPALITY)\n"
    "       rumbookctl allocation list\n"
    "       rumbookctl allocation show ROUND       the seed's hash; after the draw the seed,\n"
    "                                               the drawn order and each class's outcome\n"
    "       rumbookctl allocation replay ROUND     recompute the draw from the stored wishes\n"
    "                                               and seed, and compare (exit 1 if it differs)\n";

enum { OPT_ID = 0x100, OPT_NAME, OPT_OPENS, OPT_CLOSES, OPT_OFFERINGS, OPT_MAX };

/* The round as a catalogue command line, sent as catalog submit would. */
static int create(const rb_config *cfg, const char *const *v, const char *max)
{
    rb_buf line;
    char *text, *p;
    FILE *in;
    int rc, i;

    for (i = 0; i < 5; i++)
        if (!v[i]) {
            fputs(help, stderr);
            return 2;
        }
    rb_buf_init(&line);
    rb_buf_puts(&line, "{\"action\":\"upsert\",\"kind\":\"round\",\"entity\":{\"id\":");
    rb_json_string(&line, v[0]);
    rb_buf_puts(&line, ",\"name\":");
    rb_json_string(&line, v[1]);
    rb_buf_puts(&line, ",\"opens_at\":");
    rb_json_string(&line, v[2]);
    rb_buf_puts(&line, ",\"closes_at\":");
    rb_json_string(&line, v[3]);
    rb_buf_puts(&line, ",\"offerings\":[");
    text = strdup(v[4]);
    for (p = strtok(text, ","), i = 0; p; p = strtok(NULL, ","), i++) {
        rb_buf_puts(&line, i ? "," : "");
        rb_json_string(&line, p);
    }
    free(text);
    rb_buf_puts(&line, "]");
    if (max)
        rb_buf_printf(&line, ",\"max_wishes\":%d", atoi(max));
    rb_buf_puts(&line, "}}\n");
    if (line.failed || !(in = fmemopen(line.data, line.len, "r"))) {
        rb_buf_fini(&line);
        fprintf(stderr, "rumbookctl allocation: out of memory\n");
        return 1;
    }
    rc = ctl_catalog_send(cfg, in);
    fclose(in);
    rb_buf_fini(&line);
    return rc;
}

static int list(PGconn *conn)
{
    PGresult *res;
    int r;

    if (ctl_sql(conn, "allocation",
                "SELECT r.id, r.status, to_char(r.opens_at AT TIME ZONE 'Europe/Copenhagen',"
                " 'YYYY-MM-DD HH24:MI'), to_char(r.closes_at AT TIME ZONE 'Europe/Copenhagen',"
                " 'YYYY-MM-DD HH24:MI'), (SELECT count(*) FROM wishes w WHERE w.round_id = r.id"
                " AND w.status IN ('received', 'allocated')), r.seed_sha256, r.name"
                " FROM allocation_rounds r ORDER BY r.closes_at, r.id",
                0, NULL, &res) < 0)
        return 1;
    for (r = 0; r < PQntuples(res); r++)
        printf("%s %s wishes %s..%s wishes=%s seed_sha256=%s \"%s\"\n", PQgetvalue(res, r, 0),
               PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
               PQgetvalue(res, r, 4), PQgetvalue(res, r, 5), PQgetvalue(res, r, 6));
    PQclear(res);
    return 0;
}

static PGresult *round_row(PGconn *conn, const char *id)
{
    const char *p[1] = {id};
    PGresult *res;

    if (ctl_sql(conn, "allocation",
                "SELECT id, status, seed_sha256, CASE WHEN status = 'allocated'"
                " THEN encode(seed, 'hex') END, name FROM allocation_rounds WHERE id = $1",
                1, p, &res) < 0)
        return NULL;
    if (PQntuples(res) == 0) {
        fprintf(stderr, "rumbookctl allocation: there is no round \"%s\"\n", id);
        PQclear(res);
        return NULL;
    }
    return res;
}

static int show(PGconn *conn, const char *id)
{
    const char *p[1] = {id};
    PGresult *round = round_row(conn, id), *res;
    int r;

    if (!round)
        return 1;
    printf("round %s \"%s\": %s\nseed_sha256 %s\n", id, PQgetvalue(round, 0, 4),
           PQgetvalue(round, 0, 1), PQgetvalue(round, 0, 2));
    if (PQgetisnull(round, 0, 3)) {
        printf("seed: revealed with the draw\n");
        PQclear(round);
        return 0;
    }
    printf("seed %s\n", PQgetvalue(round, 0, 3));
    PQclear(round);
    if (ctl_sql(conn, "allocation",
                "SELECT position + 1, pass, class_id, school_id, outcome, coalesce(choice::text,"
                " '-'), coalesce(session_id, '-'), reasons, draw_key FROM allocation_results"
                " WHERE round_id = $1 ORDER BY pass, position",
                1, p, &res) < 0)
        return 1;
    printf("position pass class school outcome choice session reasons key\n");
    for (r = 0; r < PQntuples(res); r++)
        printf("%s %s %s %s %s %s %s %s %s\n", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
               PQgetvalue(res, r, 2), PQgetvalue(res, r, 3), PQgetvalue(res, r, 4),
               PQgetvalue(res, r, 5), PQgetvalue(res, r, 6),
               *PQgetvalue(res, r, 7) ? PQgetvalue(res, r, 7) : "-", PQgetvalue(res, r, 8));
    PQclear(res);
    return 0;
}

/* The order again from the wishes and the seed, against the stored one;
 * and each placement against its wish's list. */
static int replay(PGconn *conn, const char *id)
{
    const char *p[1] = {id};
    PGresult *round = round_row(conn, id), *wishes = NULL, *results = NULL, *bad = NULL;
    unsigned char seed[RB_SEED_LEN];
    char hash[RB_DRAW_KEY_LEN];
    rb_draw_entry *e = NULL;
    size_t n;
    int r, rc = 1, mismatches = 0;

    if (!round)
        return 1;
    if (PQgetisnull(round, 0, 3)) {
        fprintf(stderr, "rumbookctl allocation: round \"%s\" has not been drawn\n", id);
        goto out;
    }
    if (sodium_hex2bin(seed, sizeof(seed), PQgetvalue(round, 0, 3), 2 * RB_SEED_LEN, NULL, &n,
                       NULL) != 0 || n != RB_SEED_LEN) {
        fprintf(stderr, "rumbookctl allocation: round \"%s\": its seed is not 32 bytes\n", id);
        goto out;
    }
    rb_seed_hash(seed, hash);
    if (strcmp(hash, PQgetvalue(round, 0, 2)) != 0) {
        printf("the seed does not hash to the published %s\n", PQgetvalue(round, 0, 2));
        goto out;
    }
    printf("seed hashes to the published seed_sha256: yes\n");
    if (ctl_sql(conn, "allocation",
                "SELECT class_id, school_id FROM wishes WHERE round_id = $1 AND status = 'allocated'",
                1, p, &wishes) < 0 ||
        ctl_sql(conn, "allocation",
                "SELECT position, class_id, draw_key FROM allocation_results WHERE round_id = $1"
                " AND pass = 1 ORDER BY position",
                1, p, &results) < 0)
        goto out;
    n = (size_t)PQntuples(wishes);
    if (!(e = calloc(n + 1, sizeof(*e))))
        goto out;
    for (r = 0; r < PQntuples(wishes); r++) {
        e[r].class_id = PQgetvalue(wishes, r, 0);
        e[r].school_id = PQgetvalue(wishes, r, 1);
    }
    rb_draw_keys(seed, e, n);
    rb_draw_order(e, n);
    if ((size_t)PQntuples(results) != n) {
        printf("%zu wishes, %d results\n", n, PQntuples(results));
        mismatches++;
    }
    for (r = 0; r < PQntuples(results) && (size_t)r < n; r++)
        if (atoi(PQgetvalue(results, r, 0)) != r ||
            strcmp(PQgetvalue(results, r, 1), e[r].class_id) != 0 ||
            strcmp(PQgetvalue(results, r, 2), e[r].key) != 0) {
            if (mismatches++ < 5)
                printf("position %d: the draw gives %s, the round has %s\n", r + 1,
                       e[r].class_id, PQgetvalue(results, r, 1));
        }
    /* Each placement is the choice it says, of a session the wish named,
     * and no class is placed twice on one session. */
    if (ctl_sql(conn, "allocation",
                "SELECT count(*) FROM allocation_results a JOIN wishes w ON w.command_id = a.command_id"
                " WHERE a.round_id = $1 AND a.outcome = 'confirmed'"
                " AND (a.session_id IS DISTINCT FROM w.sessions[a.choice]"
                "  OR NOT EXISTS (SELECT 1 FROM bookings b WHERE b.id = a.booking_id"
                "   AND b.session_id = a.session_id AND b.class_id = a.class_id))",
                1, p, &bad) < 0)
        goto out;
    if (atoi(PQgetvalue(bad, 0, 0)) > 0) {
        printf("%s placements do not match their wishes or bookings\n", PQgetvalue(bad, 0, 0));
        mismatches++;
    }
    printf("%zu classes drawn again from the stored wishes and seed: %s\n", n,
           mismatches ? "DIFFERENT" : "the same order, every placement one of its wish's");
    rc = mismatches ? 1 : 0;
out:
    free(e);
    PQclear(bad);
    PQclear(results);
    PQclear(wishes);
    PQclear(round);
    return rc;
}

int ctl_allocation(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {
        {"id", required_argument, NULL, OPT_ID},
        {"name", required_argument, NULL, OPT_NAME},
        {"opens", required_argument, NULL, OPT_OPENS},
        {"closes", required_argument, NULL, OPT_CLOSES},
        {"offerings", required_argument, NULL, OPT_OFFERINGS},
        {"max-wishes", required_argument, NULL, OPT_MAX},
        {0, 0, 0, 0}};
    rb_config_args args = {0};
    const char *v[5] = {0}, *max = NULL, *verb;
    PGconn *conn;
    int c, rc;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c >= OPT_ID && c <= OPT_OFFERINGS)
            v[c - OPT_ID] = optarg;
        else if (c == OPT_MAX)
            max = optarg;
        else if (c == CTL_HELP) {
            fputs(help, stdout);
            return 0;
        } else {
            fputs(help, stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        fputs(help, stderr);
        return 2;
    }
    verb = argv[optind];
    if ((rc = ctl_settings(cfg, &args, "allocation")))
        return rc;
    if (strcmp(verb, "create") == 0 && optind + 1 == argc)
        return create(cfg, v, max);
    if (!((strcmp(verb, "list") == 0 && optind + 1 == argc) ||
          ((strcmp(verb, "show") == 0 || strcmp(verb, "replay") == 0) && optind + 2 == argc))) {
        fputs(help, stderr);
        return 2;
    }
    if (!(conn = ctl_connect(cfg, "allocation")))
        return 1;
    rc = strcmp(verb, "list") == 0   ? list(conn)
         : strcmp(verb, "show") == 0 ? show(conn, argv[optind + 1])
                                     : replay(conn, argv[optind + 1]);
    PQfinish(conn);
    return rc;
}
