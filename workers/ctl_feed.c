/* rumbookctl feed token create|list|revoke: the tokens of the calendar
 * feeds rumbook-mailer serves. A token is 32 random bytes in base64url,
 * printed once; the database keeps only its SHA-256. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ctl_internal.h"
#include "rumbook/pg.h"

static const char help[] =
    "usage: rumbookctl feed token create --school ID | --provider ID [--label TEXT]\n"
    "       rumbookctl feed token list [--school ID | --provider ID]\n"
    "       rumbookctl feed token revoke TOKEN_ID\n"
    "create prints the token and the feed's path once; only its SHA-256 is stored.\n"
    "Subscribe to http://HOST:PORT/feeds/school/ID.ics?token=TOKEN (rumbook-mailer\n"
    "--feeds-listen). revoke takes the id list shows; the URL stops working at once.\n";

/* 32 random bytes as 43 characters of base64url. */
static int new_token(char out[48])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[33] = {0};
    int i, o = 0;

    if (getrandom(raw, 32, 0) != 32)
        return -1;
    for (i = 0; i < 33; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    out[43] = '\0';
    return 0;
}

static int create(PGconn *conn, const char *kind, const char *id, const char *label)
{
    static const char sql[] =
        "INSERT INTO feed_tokens (scope_kind, scope_id, token_hash, label)"
        " SELECT $1, $2, sha256(convert_to($3, 'UTF8')), $4 WHERE EXISTS"
        " (SELECT 1 FROM schools WHERE $1 = 'school' AND id = $2"
        "  UNION ALL SELECT 1 FROM providers WHERE $1 = 'provider' AND id = $2) RETURNING id";
    char token[48];
    const char *params[4] = {kind, id, token, label ? label : ""};
    PGresult *res;

    if (new_token(token) < 0) {
        fprintf(stderr, "rumbookctl feed: no random bytes\n");
        return 1;
    }
    if (ctl_sql(conn, "feed", sql, 4, params, &res) < 0)
        return 1;
    if (PQntuples(res) == 0) {
        fprintf(stderr, "rumbookctl feed: there is no %s \"%s\"\n", kind, id);
        PQclear(res);
        return 1;
    }
    printf("{\"token_id\":%s,\"token\":\"%s\",\"path\":\"/feeds/%s/%s.ics?token=%s\"}\n",
           PQgetvalue(res, 0, 0), token, kind, id, token);
    PQclear(res);
    return 0;
}

static int list(PGconn *conn, const char *kind, const char *id)
{
    static const char sql[] =
        "SELECT id, scope_kind, scope_id, label, to_char(created_at, 'YYYY-MM-DD HH24:MI'),"
        " coalesce(to_char(revoked_at, 'YYYY-MM-DD HH24:MI'), '-') FROM feed_tokens"
        " WHERE ($1 = '' OR scope_kind = $1) AND ($2 = '' OR scope_id = $2) ORDER BY id";
    const char *params[2] = {kind ? kind : "", id ? id : ""};
    PGresult *res;
    int r;

    if (ctl_sql(conn, "feed", sql, 2, params, &res) < 0)
        return 1;
    for (r = 0; r < PQntuples(res); r++)
        printf("%s %s:%s label=\"%s\" created=%s revoked=%s\n", PQgetvalue(res, r, 0),
               PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
               PQgetvalue(res, r, 4), PQgetvalue(res, r, 5));
    PQclear(res);
    return 0;
}

static int revoke(PGconn *conn, const char *token_id)
{
    const char *params[1] = {token_id};
    PGresult *res;
    char *end;

    strtol(token_id, &end, 10);
    if (!*token_id || *end) {
        fprintf(stderr, "rumbookctl feed: \"%s\" is not a token id (see feed token list)\n",
                token_id);
        return 2;
    }
    if (ctl_sql(conn, "feed",
                "UPDATE feed_tokens SET revoked_at = coalesce(revoked_at, now())"
                " WHERE id = $1::bigint RETURNING id",
                1, params, &res) < 0)
        return 1;
    if (PQntuples(res) == 0) {
        fprintf(stderr, "rumbookctl feed: no token %s\n", token_id);
        PQclear(res);
        return 1;
    }
    printf("revoked token_id=%s\n", token_id);
    PQclear(res);
    return 0;
}

int ctl_feed(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {{"school", required_argument, NULL, 's'},
                                        {"provider", required_argument, NULL, 'p'},
                                        {"label", required_argument, NULL, 'l'},
                                        {0}};
    rb_config_args args = {0};
    const char *kind = NULL, *id = NULL, *label = NULL, *verb;
    PGconn *conn;
    int c, rc;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        } else if ((c == 's' || c == 'p') && !kind) {
            kind = c == 's' ? "school" : "provider";
            id = optarg;
        } else if (c == 'l') {
            label = optarg;
        } else {
            fprintf(stderr, "%s", help);
            return 2;
        }
    }
    if (argc - optind < 2 || strcmp(argv[optind], "token") != 0) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    verb = argv[optind + 1];
    if ((strcmp(verb, "create") == 0 && (!kind || argc - optind != 2)) ||
        (strcmp(verb, "list") == 0 && argc - optind != 2) ||
        (strcmp(verb, "revoke") == 0 && argc - optind != 3) ||
        (strcmp(verb, "create") && strcmp(verb, "list") && strcmp(verb, "revoke"))) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "feed")))
        return rc;
    if (!(conn = ctl_connect(cfg, "feed")))
        return 1;
    rc = strcmp(verb, "create") == 0 ? create(conn, kind, id, label)
         : strcmp(verb, "list") == 0 ? list(conn, kind, id)
                                     : revoke(conn, argv[optind + 2]);
    PQfinish(conn);
    return rc;
}
