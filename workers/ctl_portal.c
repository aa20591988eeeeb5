/* rumbookctl portal keygen|add|list|revoke: the portals that may send
 * commands, each with its Ed25519 public key and the schools it acts for;
 * and the key files rumbookctl submit signs with. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_internal.h"
#include "rumbook/closures.h"
#include "rumbook/pg.h"
#include "rumbook/signature.h"

static const char help[] =
    "usage: rumbookctl portal keygen --out PREFIX\n"
    "       rumbookctl portal add NAME --scope all|municipality:NAME|school:ID --public-key FILE\n"
    "       rumbookctl portal list\n"
    "       rumbookctl portal revoke NAME\n"
    "keygen writes PREFIX.key (the secret: 32 bytes in base64, mode 0600; keep it on the\n"
    "portal's server) and PREFIX.pub (the public key, for add). A portal signs each command\n"
    "with its key (docs/wire-protocol.md); workers refuse a revoked portal's commands from the\n"
    "first batch that starts after the revoke.\n";

static int write_key_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    size_t len = strlen(text);

    if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0) {
        fprintf(stderr, "rumbookctl portal: could not write \"%s\": %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return 0;
}

static int keygen(const char *prefix)
{
    unsigned char pub[RB_KEY_LEN], seed[RB_KEY_LEN];
    char text[RB_KEY_B64_LEN + 1], path[4096];
    rb_error err;
    int rc = 1;

    if (rb_keypair_new(pub, seed, &err) < 0) {
        fprintf(stderr, "rumbookctl portal: %s\n", err.message);
        return 1;
    }
    rb_key_format(seed, text);
    strcat(text, "\n");
    snprintf(path, sizeof(path), "%s.key", prefix);
    if (write_key_file(path, text, 0600) == 0) {
        rb_key_format(pub, text);
        strcat(text, "\n");
        snprintf(path, sizeof(path), "%s.pub", prefix);
        if (write_key_file(path, text, 0644) == 0) {
            printf("secret key %s.key, public key %s.pub: %.44s\n", prefix, prefix, text);
            rc = 0;
        }
    }
    memset(seed, 0, sizeof(seed));
    memset(text, 0, sizeof(text));
    return rc;
}

int ctl_read_key(const char *path, unsigned char key[RB_KEY_LEN], const char *command)
{
    char text[256] = {0};
    FILE *f = fopen(path, "r");
    size_t got;
    rb_error err;

    if (!f) {
        fprintf(stderr, "rumbookctl %s: could not open key file \"%s\": %s\n", command, path,
                strerror(errno));
        return -1;
    }
    got = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[got] = '\0';
    if (rb_crypto_init(&err) < 0 || rb_key_parse(text, key, &err) < 0) {
        fprintf(stderr, "rumbookctl %s: key file \"%s\": %s\n", command, path, err.message);
        memset(text, 0, sizeof(text));
        return -1;
    }
    memset(text, 0, sizeof(text));
    return 0;
}

static int add(PGconn *conn, const char *name, const char *scope, const char *key_path)
{
    static const char sql[] =
        "WITH p AS (INSERT INTO portals (name, scope_kind, scope_id, public_key)"
        " VALUES ($1, $2, $3, decode($4, 'base64')) ON CONFLICT (name) DO NOTHING RETURNING name)"
        " SELECT name, pg_notify('rumbook_facts', 'portals') FROM p";
    unsigned char key[RB_KEY_LEN];
    char b64[RB_KEY_B64_LEN];
    enum rb_scope kind;
    const char *id = "", *params[4];
    rb_error err;
    PGresult *res;
    int found;

    if (rb_scope_parse(scope, &kind, &id, &err) < 0 ||
        (kind != RB_SCOPE_ALL && kind != RB_SCOPE_MUNICIPALITY && kind != RB_SCOPE_SCHOOL)) {
        fprintf(stderr, "rumbookctl portal: --scope must be all, municipality:NAME or school:ID, "
                        "not \"%s\"\n", scope);
        return 2;
    }
    if (ctl_read_key(key_path, key, "portal") < 0)
        return 1;
    params[0] = rb_scope_name(kind);
    params[1] = id;
    if (ctl_sql(conn, "portal",
                "SELECT count(*) FROM schools WHERE ($1 = 'school' AND id = $2)"
                " OR ($1 = 'municipality' AND municipality = $2)",
                2, params, &res) < 0)
        return 1;
    found = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (kind == RB_SCOPE_SCHOOL && !found) {
        fprintf(stderr, "rumbookctl portal: there is no school \"%s\"\n", id);
        return 1;
    }
    if (kind == RB_SCOPE_MUNICIPALITY && !found)
        fprintf(stderr, "rumbookctl portal: note: no school in municipality \"%s\" yet\n", id);
    rb_key_format(key, b64);
    params[0] = name;
    params[1] = rb_scope_name(kind);
    params[2] = id;
    params[3] = b64;
    if (ctl_sql(conn, "portal", sql, 4, params, &res) < 0)
        return 1;
    found = PQntuples(res);
    PQclear(res);
    if (!found) {
        fprintf(stderr, "rumbookctl portal: portal \"%s\" exists (a revoked one keeps its name)\n",
                name);
        return 1;
    }
    printf("added portal=%s scope=%s%s%s\n", name, rb_scope_name(kind), *id ? ":" : "", id);
    return 0;
}

static int list_portals(PGconn *conn)
{
    PGresult *res;
    int r;

    if (ctl_sql(conn, "portal",
                "SELECT name, scope_kind || CASE WHEN scope_id = '' THEN '' ELSE ':' || scope_id"
                " END, encode(public_key, 'base64'), to_char(created_at, 'YYYY-MM-DD HH24:MI'),"
                " coalesce(to_char(revoked_at, 'YYYY-MM-DD HH24:MI'), '-') FROM portals"
                " ORDER BY name",
                0, NULL, &res) < 0)
        return 1;
    for (r = 0; r < PQntuples(res); r++)
        printf("%s scope=%s key=%s created=%s revoked=%s\n", PQgetvalue(res, r, 0),
               PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 3),
               PQgetvalue(res, r, 4));
    PQclear(res);
    return 0;
}

static int revoke_portal(PGconn *conn, const char *name)
{
    const char *params[1] = {name};
    PGresult *res;
    int found;

    if (ctl_sql(conn, "portal",
                "WITH p AS (UPDATE portals SET revoked_at = coalesce(revoked_at, now())"
                " WHERE name = $1 RETURNING name)"
                " SELECT name, pg_notify('rumbook_facts', 'portals') FROM p",
                1, params, &res) < 0)
        return 1;
    found = PQntuples(res);
    PQclear(res);
    if (!found) {
        fprintf(stderr, "rumbookctl portal: no portal \"%s\"\n", name);
        return 1;
    }
    printf("revoked portal=%s\n", name);
    return 0;
}

int ctl_portal(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {{"out", required_argument, NULL, 'o'},
                                        {"scope", required_argument, NULL, 's'},
                                        {"public-key", required_argument, NULL, 'k'},
                                        {0}};
    rb_config_args args = {0};
    const char *out = NULL, *scope = NULL, *key = NULL, *verb;
    PGconn *conn;
    int c, rc, nargs;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        } else if (c == 'o') {
            out = optarg;
        } else if (c == 's') {
            scope = optarg;
        } else if (c == 'k') {
            key = optarg;
        } else {
            fprintf(stderr, "%s", help);
            return 2;
        }
    }
    verb = optind < argc ? argv[optind] : "";
    nargs = argc - optind - 1;
    if (!((strcmp(verb, "keygen") == 0 && nargs == 0 && out) ||
          (strcmp(verb, "add") == 0 && nargs == 1 && scope && key) ||
          (strcmp(verb, "list") == 0 && nargs == 0) ||
          (strcmp(verb, "revoke") == 0 && nargs == 1))) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "portal")))
        return rc;
    if (strcmp(verb, "keygen") == 0)
        return keygen(out);
    if (!(conn = ctl_connect(cfg, "portal")))
        return 1;
    rc = strcmp(verb, "add") == 0    ? add(conn, argv[optind + 1], scope, key)
         : strcmp(verb, "list") == 0 ? list_portals(conn)
                                     : revoke_portal(conn, argv[optind + 1]);
    PQfinish(conn);
    return rc;
}
