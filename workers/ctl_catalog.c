/* rumbookctl catalog submit: catalogue commands from JSON lines onto
 * rumbook.catalog.commands (docs/catalog.md, "Catalogue commands"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ctl_internal.h"
#include "rumbook/events.h"
#include "rumbook/json.h"
#include "rumbook/uuid.h"
#include "rumbook/v1/booking.pb-c.h"

static const char help[] =
    "usage: rumbookctl catalog submit --json FILE|-   (one JSON object per line)\n"
    "  {\"action\":\"upsert\",\"kind\":KIND,\"entity\":{...},\"version\":N}\n"
    "  {\"action\":\"retire\",\"kind\":KIND,\"id\":ID,\"version\":N}\n"
    "  {\"action\":\"cancel_session\",\"session\":ID,\"message\":TEXT}\n"
    "  {\"action\":\"move_session\",\"session\":ID,\"starts_at\":ISO8601[,\"ends_at\":ISO8601]}\n"
    "KIND: provider, venue, resource, offering, session, school, class, bus, quota; the\n"
    "entity as in the catalogue file (docs/catalog.md); version: as read (0 or none: new).\n"
    "Every line may also have command_id, key, actor (ROLE:ID), email and name.\n"
    "options: --actor ROLE:ID (RUMBOOK_ACTOR), --portal NAME --portal-key FILE, --brokers HOSTS\n"
    "Prints each command back as JSON with its command_id, partition and offset.\n";

/* One line's command, packed; strings borrowed from its JSON object. */
typedef struct line {
    rb_json_object *obj;
    rb_json_object *entity;  /* upsert: parsed for its id, the message's key */
    const char *action, *key;
    char command_id[RB_UUID_LEN];
    uint8_t *payload;
    size_t len;
} line;

/* "2027-03-02T10:30:00+01:00" (or Z) as Unix milliseconds; -1 if not. */
static int64_t instant_ms(const char *s)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, n = 0;
    char sign;

    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) < 6 || !n)
        return -1;
    s += n;
    if (strcmp(s, "Z") == 0)
        sign = '+';
    else if (sscanf(s, "%c%2d:%2d%n", &sign, &oh, &om, &n) != 3 || s[n] ||
             (sign != '+' && sign != '-'))
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return ((int64_t)timegm(&tm) - (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60)) * 1000;
}

static int bad(long lineno, const char *what)
{
    fprintf(stderr, "rumbookctl catalog submit: line %ld: %s\n", lineno, what);
    return -1;
}

/* Reads an optional string field; -1 when it is not a string. */
static int text(const rb_json_object *o, const char *key, const char **out, long lineno)
{
    int rc;

    *out = rb_json_get_string(o, key, &rc);
    if (rc < 0) {
        char why[80];
        snprintf(why, sizeof(why), "%s must be a string", key);
        return bad(lineno, why);
    }
    return 0;
}

static int version_of(const rb_json_object *o, uint32_t *v, protobuf_c_boolean *has, long lineno)
{
    int64_t n;
    int rc = rb_json_get_int(o, "version", &n);

    if (rc == RB_ENOTFOUND)
        return 0;
    if (rc < 0 || n < 0 || n > 0x7fffffff)
        return bad(lineno, "version must be a whole number from 0");
    *v = (uint32_t)n;
    *has = 1;
    return 0;
}

/* Packs l's JSON into a CatalogCommand. */
static int pack(line *l, const char *dflt_actor, long lineno)
{
    static const char *const known[] = {"action", "kind", "entity", "id", "version", "session",
                                        "message", "starts_at", "ends_at", "command_id", "key",
                                        "actor", "email", "name", NULL};
    Rumbook__V1__CatalogCommand cmd = RUMBOOK__V1__CATALOG_COMMAND__INIT;
    Rumbook__V1__Actor actor = RUMBOOK__V1__ACTOR__INIT;
    Rumbook__V1__UpsertEntity upsert = RUMBOOK__V1__UPSERT_ENTITY__INIT;
    Rumbook__V1__RetireEntity retire = RUMBOOK__V1__RETIRE_ENTITY__INIT;
    Rumbook__V1__CancelSession cancel = RUMBOOK__V1__CANCEL_SESSION__INIT;
    Rumbook__V1__MoveSession move = RUMBOOK__V1__MOVE_SESSION__INIT;
    const char *kind, *id, *session, *message, *from, *until, *command_id, *who, *entity_id;
    const char *email, *name;
    const char *unknown = rb_json_unknown_key(l->obj, known);
    struct timeval tv;
    rb_error err;
    int rc;

    if (unknown) {
        char why[300];
        snprintf(why, sizeof(why), "unknown field \"%.200s\"", unknown);
        return bad(lineno, why);
    }
    if (text(l->obj, "action", &l->action, lineno) || text(l->obj, "kind", &kind, lineno) ||
        text(l->obj, "id", &id, lineno) || text(l->obj, "session", &session, lineno) ||
        text(l->obj, "message", &message, lineno) || text(l->obj, "starts_at", &from, lineno) ||
        text(l->obj, "ends_at", &until, lineno) ||
        text(l->obj, "command_id", &command_id, lineno) || text(l->obj, "key", &l->key, lineno) ||
        text(l->obj, "actor", &who, lineno) || text(l->obj, "email", &email, lineno) ||
        text(l->obj, "name", &name, lineno))
        return -1;
    actor.email = (char *)email;
    actor.name = (char *)name;
    if (!l->action)
        return bad(lineno, "action is required (upsert, retire, cancel_session, move_session)");
    if (who ? !ctl_actor(who, &actor) : dflt_actor && *dflt_actor && !ctl_actor(dflt_actor, &actor))
        return bad(lineno, "actor must be ROLE:ID");
    cmd.actor = &actor;
    if (strcmp(l->action, "upsert") == 0) {
        const char *json = rb_json_get_nested(l->obj, "entity", &rc);
        if (!json || rc < 0 || *json != '{')
            return bad(lineno, "upsert needs entity, an object");
        if (rb_json_object_parse(json, &l->entity, &err) < 0)
            return bad(lineno, err.message);
        entity_id = rb_json_get_string(l->entity, "id", &rc);
        if (!kind || !entity_id)
            return bad(lineno, "upsert needs kind and an entity with its id");
        upsert.kind = (char *)kind;
        upsert.json = (char *)json;
        if (version_of(l->obj, &upsert.version, &upsert.has_version, lineno))
            return -1;
        cmd.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_UPSERT;
        cmd.upsert = &upsert;
    } else if (strcmp(l->action, "retire") == 0) {
        if (!kind || !id)
            return bad(lineno, "retire needs kind, id and version");
        entity_id = id;
        retire.kind = (char *)kind;
        retire.id = (char *)id;
        if (version_of(l->obj, &retire.version, &retire.has_version, lineno))
            return -1;
        cmd.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_RETIRE;
        cmd.retire = &retire;
    } else if (strcmp(l->action, "cancel_session") == 0) {
        if (!session)
            return bad(lineno, "cancel_session needs session");
        entity_id = session;
        cancel.session_id = (char *)session;
        cancel.message = (char *)message;
        if (version_of(l->obj, &cancel.version, &cancel.has_version, lineno))
            return -1;
        cmd.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_CANCEL_SESSION;
        cmd.cancel_session = &cancel;
    } else if (strcmp(l->action, "move_session") == 0) {
        if (!session || !from)
            return bad(lineno, "move_session needs session and starts_at");
        entity_id = session;
        move.session_id = (char *)session;
        move.message = (char *)message;
        move.has_starts_at_unix_ms = 1;
        if ((move.starts_at_unix_ms = instant_ms(from)) < 0 ||
            (until && (move.ends_at_unix_ms = instant_ms(until)) < 0))
            return bad(lineno, "starts_at and ends_at must be ISO 8601 times with an offset, "
                               "like 2027-03-02T10:30:00+01:00");
        move.has_ends_at_unix_ms = until != NULL;
        if (version_of(l->obj, &move.version, &move.has_version, lineno))
            return -1;
        cmd.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_MOVE_SESSION;
        cmd.move_session = &move;
    } else {
        return bad(lineno, "action must be upsert, retire, cancel_session or move_session");
    }
    if (!l->key)
        l->key = entity_id; /* one entity's commands stay in order on one partition */
    if (command_id)
        snprintf(l->command_id, sizeof(l->command_id), "%s", command_id);
    else if (rb_uuid_new(l->command_id) < 0)
        return bad(lineno, "could not make a command id");
    gettimeofday(&tv, NULL);
    cmd.command_id = l->command_id;
    cmd.has_issued_at_unix_ms = 1;
    cmd.issued_at_unix_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    l->len = protobuf_c_message_get_packed_size(&cmd.base);
    if (!(l->payload = malloc(l->len ? l->len : 1)))
        return bad(lineno, "out of memory");
    protobuf_c_message_pack(&cmd.base, l->payload);
    return 0;
}

/* Reads and packs every line; the number of lines, or -1 - that (said
 * why) at the first bad one. */
static long read_lines(FILE *in, const char *actor, line **out)
{
    ctl_lines l = {0};
    rb_json_object *o;
    long n = 0, room = 0;
    int rc;

    *out = NULL;
    while ((rc = ctl_json_line(in, &l, &o, "catalog submit")) > 0) {
        if (n == room) {
            line *grown = realloc(*out, (size_t)(room = room ? room * 2 : 64) * sizeof(**out));
            if (!grown) {
                rb_json_object_free(o);
                rc = -1;
                break;
            }
            *out = grown;
        }
        memset(&(*out)[n], 0, sizeof(line));
        (*out)[n++].obj = o;
        if (pack(&(*out)[n - 1], actor, l.lineno) < 0) {
            rc = -1;
            break;
        }
    }
    free(l.text);
    return rc < 0 ? -1 - n : n;
}

static void lines_free(line *lines, long n)
{
    long i;

    for (i = 0; i < n; i++) {
        rb_json_object_free(lines[i].obj);
        rb_json_object_free(lines[i].entity);
        free(lines[i].payload);
    }
    free(lines);
}

static int send_all(const rb_config *cfg, line *lines, size_t n)
{
    rb_signer signer;
    bool sign;
    rd_kafka_t *rk;
    ctl_delivery *ds = calloc(n + 1, sizeof(*ds));
    size_t i;
    int rc = 0, r;

    if (!ds || ctl_load_signer(cfg, &signer, &sign, "catalog submit") < 0) {
        free(ds);
        return 2;
    }
    if (!(rk = ctl_producer_new(cfg, "catalog submit")))
        rc = 1;
    for (i = 0; rc == 0 && i < n; i++) {
        ctl_message m = {cfg->topic_catalog_commands, lines[i].key, RB_MSG_CATALOG_COMMAND,
                         lines[i].payload, lines[i].len, sign ? &signer : NULL, cfg->portal};
        while ((r = ctl_produce(rk, &m, &ds[i], "catalog submit")) == 1)
            rd_kafka_poll(rk, 100);
        lines[i].payload = NULL; /* librdkafka's, or freed */
        rc = r < 0;
        rd_kafka_poll(rk, 0);
    }
    if (rc == 0)
        rc = ctl_flush(rk, "catalog submit");
    for (i = 0; rc == 0 && i < n; i++) {
        if (!ds[i].done || ds[i].err) {
            fprintf(stderr, "rumbookctl catalog submit: command %s not delivered: %s\n",
                    lines[i].command_id, ds[i].done ? rd_kafka_err2str(ds[i].err) : "timed out");
            rc = 1;
            continue;
        }
        ctl_print_sent(lines[i].command_id, lines[i].action, cfg->topic_catalog_commands, &ds[i]);
    }
    if (rk)
        rd_kafka_destroy(rk);
    if (sign)
        rb_signer_fini(&signer);
    free(ds);
    return rc;
}

int ctl_catalog_send(const rb_config *cfg, FILE *in)
{
    line *lines;
    long n = read_lines(in, cfg->actor, &lines);
    int rc = n < 0 ? 2 : send_all(cfg, lines, (size_t)n);

    lines_free(lines, n < 0 ? -1 - n : n);
    return rc;
}

int ctl_catalog_submit(rb_config *cfg, int argc, char **argv)
{
    static const struct option own[] = {{"json", required_argument, NULL, 'j'}, {0}};
    rb_config_args args = {0};
    const char *path = NULL;
    FILE *in;
    int c, rc;

    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == 'j') {
            path = optarg;
        } else if (c == CTL_HELP) {
            fputs(help, stdout);
            return 0;
        } else {
            fputs(help, stderr);
            return 2;
        }
    }
    if (!path || optind != argc) {
        fputs(help, stderr);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "catalog submit")))
        return rc;
    if (!(in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r"))) {
        fprintf(stderr, "rumbookctl catalog submit: could not open file \"%s\": %s\n", path,
                strerror(errno));
        return 1;
    }
    rc = ctl_catalog_send(cfg, in);
    if (in != stdin)
        fclose(in);
    return rc;
}
