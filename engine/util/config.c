/* Settings: one table, one check per type, four sources (defaults, file,
 * environment, flags). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/buf.h"
#include "rumbook/config.h"
#include "rumbook/log.h"

static const struct setting {
    const char *name;
    const char *env;
    enum rb_config_type type;
    long lo, hi;
    const char *dflt;
    int programs;
} settings[RB_CONF_COUNT] = {
#define RB_CONFIG_ROW(KEY, key, env, type, lo, hi, dflt, programs) \
    {key, env, type, lo, hi, dflt, programs},
    RB_CONFIG_SETTINGS(RB_CONFIG_ROW)
#undef RB_CONFIG_ROW
};

static const char *const log_levels[] = {"fatal", "error", "warning", "info", "debug"};

int rb_config_key(const char *name)
{
    int k;
    size_t i;

    for (k = 0; k < RB_CONF_COUNT; k++) {
        const char *s = settings[k].name;
        for (i = 0; s[i] && (name[i] == s[i] || (name[i] == '_' && s[i] == '-')); i++)
            ;
        if (!s[i] && !name[i])
            return k;
    }
    return -1;
}

const char *rb_config_key_name(int key)
{
    return key >= 0 && key < RB_CONF_COUNT ? settings[key].name : "?";
}

const char *rb_config_env_name(int key)
{
    return key >= 0 && key < RB_CONF_COUNT ? settings[key].env : "?";
}

/* Puts a checked value (text, or n for the other types) into its field. */
static void store(rb_config *c, int key, const char *text, long n)
{
    switch (key) {
    case RB_CONF_BROKERS: c->brokers = text; break;
    case RB_CONF_DSN: c->dsn = text; break;
    case RB_CONF_GROUP: c->group = text; break;
    case RB_CONF_TOPIC_COMMANDS: c->topic_commands = text; break;
    case RB_CONF_TOPIC_DECISIONS: c->topic_decisions = text; break;
    case RB_CONF_TOPIC_INVITATIONS: c->topic_invitations = text; break;
    case RB_CONF_TOPIC_DLQ: c->topic_dlq = text; break;
    case RB_CONF_TOPIC_CATALOG_COMMANDS: c->topic_catalog_commands = text; break;
    case RB_CONF_TOPIC_CATALOG_DECISIONS: c->topic_catalog_decisions = text; break;
    case RB_CONF_TOPIC_STATUS: c->topic_status = text; break;
    case RB_CONF_FEEDS_LISTEN: c->feeds_listen = text; break;
    case RB_CONF_SMTP_PASSWORD_FILE: c->smtp_password_file = text; break;
    case RB_CONF_SMTP_USER: c->smtp_user = text; break;
    case RB_CONF_MAIL_FROM: c->mail_from = text; break;
    case RB_CONF_SMTP_URL: c->smtp_url = text; break;
    case RB_CONF_MAILER_GROUP: c->mailer_group = text; break;
    case RB_CONF_TOPIC_DELIVERY_STATUS: c->topic_delivery_status = text; break;
    case RB_CONF_INSTANCE_ID: c->instance_id = text; break;
    case RB_CONF_METRICS_LISTEN: c->metrics_listen = text; break;
    case RB_CONF_BATCH_SIZE: c->batch_size = (int)n; break;
    case RB_CONF_LINGER_MS: c->linger_ms = (int)n; break;
    case RB_CONF_RELAY: c->relay = n != 0; break;
    case RB_CONF_ALLOW_UNSIGNED: c->allow_unsigned = n != 0; break;
    case RB_CONF_PORTAL: c->portal = text; break;
    case RB_CONF_PORTAL_KEY: c->portal_key = text; break;
    case RB_CONF_ACTOR: c->actor = text; break;
    case RB_CONF_KAFKA_SECURITY: c->kafka_security = text; break;
    case RB_CONF_KAFKA_CA: c->kafka_ca = text; break;
    case RB_CONF_KAFKA_USER: c->kafka_user = text; break;
    case RB_CONF_KAFKA_PASSWORD_FILE: c->kafka_password_file = text; break;
    case RB_CONF_LOG_LEVEL: c->log_level = (int)n; break;
    }
}

/* A URL's password ("scheme://user:secret@host") or a keyword's
 * ("password=secret") replaced by asterisks. */
/* Where a URL's (scheme://user:PASSWORD@host) or a key=value string's
 * (password=PASSWORD) password lies: [*from, *to); false when it has none. */
static bool password_span(const char *v, size_t *from, size_t *to)
{
    const char *scheme = strstr(v, "://"), *at, *colon, *kw = strstr(v, "password=");

    if (scheme && (at = strchr(scheme + 3, '@')) &&
        (colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3)))) {
        *from = (size_t)(colon + 1 - v);
        *to = (size_t)(at - v);
        return true;
    }
    if (kw) {
        *from = (size_t)(kw + 9 - v);
        *to = *from + strcspn(kw + 9, " ");
        return true;
    }
    return false;
}

static bool has_password(const char *v)
{
    size_t from, to;

    return password_span(v, &from, &to);
}

static void mask_password(const char *v, char *out, size_t size)
{
    size_t from, to;

    if (password_span(v, &from, &to))
        snprintf(out, size, "%.*s***%s", (int)from, v, v + to);
    else
        snprintf(out, size, "%s", v);
}

/* The field's value as a config file would give it. */
static void format_value(const rb_config *c, int key, char *out, size_t size)
{
    switch (key) {
    case RB_CONF_BROKERS: snprintf(out, size, "%s", c->brokers); break;
    case RB_CONF_DSN: mask_password(c->dsn, out, size); break;
    case RB_CONF_GROUP: snprintf(out, size, "%s", c->group); break;
    case RB_CONF_TOPIC_COMMANDS: snprintf(out, size, "%s", c->topic_commands); break;
    case RB_CONF_TOPIC_DECISIONS: snprintf(out, size, "%s", c->topic_decisions); break;
    case RB_CONF_TOPIC_INVITATIONS: snprintf(out, size, "%s", c->topic_invitations); break;
    case RB_CONF_TOPIC_DLQ: snprintf(out, size, "%s", c->topic_dlq); break;
    case RB_CONF_TOPIC_CATALOG_COMMANDS:
        snprintf(out, size, "%s", c->topic_catalog_commands);
        break;
    case RB_CONF_TOPIC_CATALOG_DECISIONS:
        snprintf(out, size, "%s", c->topic_catalog_decisions);
        break;
    case RB_CONF_TOPIC_STATUS: snprintf(out, size, "%s", c->topic_status); break;
    case RB_CONF_FEEDS_LISTEN: snprintf(out, size, "%s", c->feeds_listen); break;
    case RB_CONF_SMTP_PASSWORD_FILE: snprintf(out, size, "%s", c->smtp_password_file); break;
    case RB_CONF_SMTP_USER: snprintf(out, size, "%s", c->smtp_user); break;
    case RB_CONF_MAIL_FROM: snprintf(out, size, "%s", c->mail_from); break;
    case RB_CONF_SMTP_URL: mask_password(c->smtp_url, out, size); break;
    case RB_CONF_MAILER_GROUP: snprintf(out, size, "%s", c->mailer_group); break;
    case RB_CONF_TOPIC_DELIVERY_STATUS: snprintf(out, size, "%s", c->topic_delivery_status); break;
    case RB_CONF_INSTANCE_ID: snprintf(out, size, "%s", c->instance_id); break;
    case RB_CONF_METRICS_LISTEN: snprintf(out, size, "%s", c->metrics_listen); break;
    case RB_CONF_BATCH_SIZE: snprintf(out, size, "%d", c->batch_size); break;
    case RB_CONF_LINGER_MS: snprintf(out, size, "%d", c->linger_ms); break;
    case RB_CONF_RELAY: snprintf(out, size, "%s", c->relay ? "on" : "off"); break;
    case RB_CONF_ALLOW_UNSIGNED:
        snprintf(out, size, "%s", c->allow_unsigned ? "on" : "off");
        break;
    case RB_CONF_PORTAL: snprintf(out, size, "%s", c->portal); break;
    case RB_CONF_PORTAL_KEY: snprintf(out, size, "%s", c->portal_key); break;
    case RB_CONF_ACTOR: snprintf(out, size, "%s", c->actor); break;
    case RB_CONF_KAFKA_SECURITY: snprintf(out, size, "%s", c->kafka_security); break;
    case RB_CONF_KAFKA_CA: snprintf(out, size, "%s", c->kafka_ca); break;
    case RB_CONF_KAFKA_USER: snprintf(out, size, "%s", c->kafka_user); break;
    case RB_CONF_KAFKA_PASSWORD_FILE: snprintf(out, size, "%s", c->kafka_password_file); break;
    case RB_CONF_LOG_LEVEL: snprintf(out, size, "%s", log_levels[c->log_level]); break;
    }
}

static bool printable(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return false;
    return true;
}

static bool is_name(const char *v)
{
    return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
           strlen(v);
}

/* "HOST:PORT" or "[V6]:PORT": a host without spaces, a port 1-65535. */
static bool listen_address(const char *v)
{
    const char *colon = strrchr(v, ':');
    char *end;
    long port;

    if (!colon || colon == v || strpbrk(v, " \t") || !printable(v))
        return false;
    if (v[0] == '[' && colon[-1] != ']')
        return false;
    port = strtol(colon + 1, &end, 10);
    return colon[1] && !*end && port >= 1 && port <= 65535;
}

static int parse_bool(const char *v)
{
    static const char *const yes[] = {"on", "true", "yes", "1"}, *const no[] = {"off", "false",
                                                                                "no", "0"};
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0)
            return 1;
        if (strcmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

static int parse_level(const char *v)
{
    int i;

    for (i = RB_LOG_ERROR; i <= RB_LOG_DEBUG; i++)
        if (strcmp(v, log_levels[i]) == 0)
            return i;
    return -1;
}

/* Checks v for setting s; on success *n holds a number's value. */
static int check(const struct setting *s, const char *v, long *n, const char **why)
{
    size_t len = strlen(v);
    char *end;

    switch (s->type) {
    case RB_CONF_T_TEXT:
    case RB_CONF_T_SECRET_URL:
    case RB_CONF_T_NAME:
        if (len < (size_t)s->lo || len > (size_t)s->hi)
            return *why = len ? "too long" : "must not be empty", -1;
        if (!printable(v))
            return *why = "holds control characters", -1;
        if (s->type == RB_CONF_T_NAME && !is_name(v))
            return *why = "may hold only letters, digits, '.', '_' and '-'", -1;
        return 0;
    case RB_CONF_T_LISTEN:
        if (len > (size_t)s->hi)
            return *why = "too long", -1;
        if (len && !listen_address(v))
            return *why = "must be HOST:PORT with a port from 1 to 65535", -1;
        return 0;
    case RB_CONF_T_INT:
        errno = 0;
        *n = strtol(v, &end, 10);
        if (!*v || *end || errno || *n < s->lo || *n > s->hi)
            return *why = "", -1; /* the range is the message */
        return 0;
    case RB_CONF_T_BOOL: return (*n = parse_bool(v)) < 0 ? (*why = "must be on or off", -1) : 0;
    case RB_CONF_T_LEVEL:
        return (*n = parse_level(v)) < 0 ? (*why = "must be error, warning, info or debug", -1) : 0;
    case RB_CONF_T_SECURITY:
        return strcmp(v, "plaintext") && strcmp(v, "sasl_ssl")
                   ? (*why = "must be plaintext or sasl_ssl", -1)
                   : 0;
    }
    return -1;
}

static char *dup_or_fail(const char *s, bool *failed)
{
    char *d = strdup(s);

    *failed |= d == NULL;
    return d;
}

int rb_config_set(rb_config *c, int key, const char *value, const char *origin, rb_error *err)
{
    const struct setting *s;
    const char *why = NULL;
    bool failed = false;
    long n = 0;
    char *copy, *from;

    if (key < 0 || key >= RB_CONF_COUNT)
        return rb_error_set(err, RB_EINVAL, "unknown setting");
    s = &settings[key];
    if (s->type == RB_CONF_T_SECRET_URL && strncmp(origin, "--", 2) == 0 && has_password(value))
        return rb_error_set(err, RB_EINVAL,
                            "invalid %s: a password in a flag shows in the process list; give "
                            "it in the environment or a file (docs/operations.md)", origin);
    if (check(s, value, &n, &why) < 0) {
        if (*why)
            return rb_error_set(err, RB_EINVAL, "invalid %s \"%.200s\": %s", origin, value, why);
        return rb_error_set(err, RB_EINVAL, "invalid %s \"%.200s\": must be %ld-%ld", origin, value,
                            s->lo, s->hi);
    }
    copy = dup_or_fail(value, &failed);
    from = dup_or_fail(origin, &failed);
    if (failed) {
        free(copy);
        free(from);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    free(c->owned[key]);
    free(c->owned_origin[key]);
    c->owned[key] = copy;
    c->owned_origin[key] = from;
    c->origin[key] = from;
    store(c, key, copy, n);
    return 0;
}

void rb_config_init(rb_config *c)
{
    int k;

    memset(c, 0, sizeof(*c));
    for (k = 0; k < RB_CONF_COUNT; k++) {
        long n = 0;
        const char *why;
        if (check(&settings[k], settings[k].dflt, &n, &why) == 0) /* defaults always pass */
            store(c, k, settings[k].dflt, n);
        c->origin[k] = "default";
    }
}

void rb_config_fini(rb_config *c)
{
    int k;

    for (k = 0; k < RB_CONF_COUNT; k++) {
        free(c->owned[k]);
        free(c->owned_origin[k]);
        c->owned[k] = c->owned_origin[k] = NULL;
    }
}

int rb_config_load_env(rb_config *c, rb_error *err)
{
    int k, rc;

    for (k = 0; k < RB_CONF_COUNT; k++) {
        const char *v = getenv(settings[k].env);
        if (v && (rc = rb_config_set(c, k, v, settings[k].env, err)) < 0)
            return rc;
    }
    return 0;
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* One "key = value" line (comments and blank lines already skipped). */
static int file_line(rb_config *c, char *line, const char *path, int lineno, rb_error *err)
{
    char *eq = strchr(line, '='), *key, *value, origin[512];
    size_t len;
    int k;

    if (!eq)
        return rb_error_set(err, RB_EINVAL,
                            "invalid line %d in config file \"%s\": "
                            "expected key = value",
                            lineno, path);
    *eq = '\0';
    key = trim(line);
    value = trim(eq + 1);
    len = strlen(value);
    if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
        value[len - 1] = '\0';
        value++;
    }
    if ((k = rb_config_key(key)) < 0)
        return rb_error_set(err, RB_EINVAL,
                            "unknown setting \"%.100s\" at line %d of config "
                            "file \"%s\"",
                            key, lineno, path);
    snprintf(origin, sizeof(origin), "%s (%s:%d)", settings[k].name, path, lineno);
    return rb_config_set(c, k, value, origin, err);
}

int rb_config_load_file(rb_config *c, const char *path, rb_error *err)
{
    rb_buf text;
    char *line, *next;
    int lineno = 0, rc = 0;

    rb_buf_init(&text);
    if (rb_buf_read_file(&text, path) < 0) {
        rc = rb_error_set(err, RB_EIO, "could not read config file \"%s\": %s", path,
                          strerror(errno));
        rb_buf_fini(&text);
        return rc;
    }
    if (strlen(text.data) != text.len)
        rc = rb_error_set(err, RB_EINVAL, "config file \"%s\" holds a NUL byte", path);
    for (line = text.data; rc == 0 && line && *line; line = next) {
        char *t;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        t = trim(line);
        if (*t && *t != '#')
            rc = file_line(c, t, path, lineno, err);
    }
    rb_buf_fini(&text);
    return rc;
}

int rb_config_apply(rb_config *c, const rb_config_args *a, rb_error *err)
{
    int i, rc;

    if (a->file && (rc = rb_config_load_file(c, a->file, err)) < 0)
        return rc;
    if ((rc = rb_config_load_env(c, err)) < 0)
        return rc;
    for (i = 0; i < a->n; i++)
        if ((rc = rb_config_set(c, a->flags[i].key, a->flags[i].value, a->flags[i].flag, err)) < 0)
            return rc;
    return 0;
}

int rb_config_options(struct option *opts, int program)
{
    int k, n = 0;

    for (k = 0; k < RB_CONF_COUNT; k++) {
        if (!(settings[k].programs & program))
            continue;
        opts[n].name = settings[k].name;
        opts[n].has_arg = required_argument;
        opts[n].flag = NULL;
        opts[n++].val = RB_CONFIG_OPT + k;
    }
    opts[n++] = (struct option){"config", required_argument, NULL, RB_CONFIG_OPT_CONFIG};
    opts[n] = (struct option){0, 0, 0, 0};
    return n;
}

void rb_config_args_add(rb_config_args *a, int key, const char *value, const char *flag)
{
    if (a->n == RB_CONFIG_MAX_FLAGS)
        return; /* more flags than settings: the last ones repeat earlier ones */
    a->flags[a->n].key = key;
    a->flags[a->n].value = value;
    a->flags[a->n++].flag = flag;
}

bool rb_config_take_option(rb_config_args *a, int val, const char *arg)
{
    static char flags[RB_CONF_COUNT][40];
    int k = val - RB_CONFIG_OPT;

    if (val == RB_CONFIG_OPT_CONFIG) {
        a->file = arg;
        return true;
    }
    if (k < 0 || k >= RB_CONF_COUNT)
        return false;
    snprintf(flags[k], sizeof(flags[k]), "--%s", settings[k].name);
    rb_config_args_add(a, k, arg, flags[k]);
    return true;
}

void rb_config_print(const rb_config *c, int program, FILE *out)
{
    char value[4200];
    int k;

    for (k = 0; k < RB_CONF_COUNT; k++) {
        if (!(settings[k].programs & program))
            continue;
        format_value(c, k, value, sizeof(value));
        fprintf(out, "%s = %s  # %s\n", settings[k].name, value, c->origin[k]);
    }
}
