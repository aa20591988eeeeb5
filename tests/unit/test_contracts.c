/* The contracts the docs state, checked against the code's one list of
 * each: every reason code in RB_REASONS appears in docs/integration.md's
 * table of codes and nothing else does; every setting in RB_SETTINGS
 * appears in docs/scheduling.md's table with its default, and nothing
 * else does; every program setting in RB_CONFIG_SETTINGS is in
 * docs/operations.md's table with its environment variable, and every
 * metric in RB_METRICS in its table of metrics. Usage:
 * test_contracts DOCS_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rumbook/config.h"
#include "rumbook/decision.h"
#include "rumbook/metrics.h"
#include "rumbook/reasons.h"

#define MAX_ROWS 128

typedef struct doc_row {
    char name[64];
    char value[32]; /* the second column, trimmed */
    int line;
    bool matched;
} doc_row;

/* The backquoted names in the first column of the table whose header line
 * starts with header, one row each (a cell may name several). */
static int read_table(const char *path, const char *header, doc_row *rows, int max)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int n = 0, lineno = 0, in_table = 0;

    if (!f) {
        fprintf(stderr, "could not open \"%s\"\n", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f) && n < max) {
        char *cell_end, *p, *value;
        lineno++;
        if (!in_table) {
            in_table = strncmp(line, header, strlen(header)) == 0;
            continue;
        }
        if (line[0] != '|')
            break;
        if (strncmp(line, "|---", 4) == 0)
            continue;
        if (!(cell_end = strchr(line + 1, '|')))
            continue;
        value = cell_end + 1;
        value += strspn(value, " `");
        for (p = line + 1; p < cell_end && n < max; p++) {
            char *close;
            if (*p != '`' || !(close = memchr(p + 1, '`', (size_t)(cell_end - p - 1))))
                continue;
            snprintf(rows[n].name, sizeof(rows[n].name), "%.*s", (int)(close - p - 1), p + 1);
            snprintf(rows[n].value, sizeof(rows[n].value), "%.*s", (int)strcspn(value, " `|"),
                     value);
            rows[n].line = lineno;
            rows[n++].matched = false;
            p = close;
        }
    }
    fclose(f);
    return n;
}

static doc_row *find(doc_row *rows, int n, const char *name)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

/* The row documenting name, marked as matched; NULL (a failed check, said
 * on stderr) when the table lacks it. */
static doc_row *documented(doc_row *rows, int n, const char *name, const char *path,
                           const char *what)
{
    doc_row *r = find(rows, n, name);

    CHECK(r != NULL);
    if (!r)
        fprintf(stderr, "  %s \"%s\" is not documented in %s\n", what, name, path);
    else
        r->matched = true;
    return r;
}

/* Checks a documented row's second column. */
static void documented_as(const doc_row *r, const char *path, const char *name, bool ok,
                          const char *want)
{
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s:%d: %s: the code says %s, the table \"%s\"\n", path, r->line, name,
                want, r->value);
}

static void unmatched(const char *path, doc_row *rows, int n, const char *what)
{
    int i;

    for (i = 0; i < n; i++) {
        CHECK(rows[i].matched);
        if (!rows[i].matched)
            fprintf(stderr, "  %s:%d: %s \"%s\" is not in the code's list\n", path, rows[i].line,
                    what, rows[i].name);
    }
}

static void test_reason_codes(const char *docs)
{
    char path[1024];
    doc_row rows[MAX_ROWS];
    int n, code;

    snprintf(path, sizeof(path), "%s/integration.md", docs);
    n = read_table(path, "| code | when |", rows, MAX_ROWS);
    CHECK(n > 0);
    for (code = 0; code < RB_REASON_COUNT; code++)
        documented(rows, n, rb_reason_name(code), path, "reason code");
    unmatched(path, rows, n, "reason code");
}

static void test_settings(const char *docs)
{
    char path[1024];
    doc_row rows[MAX_ROWS], *r;
    int n;

    snprintf(path, sizeof(path), "%s/scheduling.md", docs);
    n = read_table(path, "| setting | default |", rows, MAX_ROWS);
    CHECK(n > 0);
#define RB_SETTING_DOCUMENTED(key, dflt, assign)          \
    if ((r = documented(rows, n, #key, path, "setting"))) \
        documented_as(r, path, #key, strtod(r->value, NULL) == (dflt), #dflt);
    RB_SETTINGS(RB_SETTING_DOCUMENTED)
#undef RB_SETTING_DOCUMENTED
    unmatched(path, rows, n, "setting");
}

static void test_program_settings(const char *docs)
{
    char path[1024], flag[64];
    doc_row rows[MAX_ROWS];
    int n, k;

    snprintf(path, sizeof(path), "%s/operations.md", docs);
    n = read_table(path, "| flag | variable |", rows, MAX_ROWS);
    CHECK(n > 0);
    for (k = 0; k < RB_CONF_COUNT; k++) {
        doc_row *r;
        snprintf(flag, sizeof(flag), "--%s", rb_config_key_name(k));
        if ((r = documented(rows, n, flag, path, "setting")))
            documented_as(r, path, flag, strcmp(r->value, rb_config_env_name(k)) == 0,
                          rb_config_env_name(k));
    }
    for (k = 0; k < n; k++) /* --no-relay is a spelling of --relay off */
        rows[k].matched |= strcmp(rows[k].name, "--no-relay") == 0;
    unmatched(path, rows, n, "setting");
}

static void test_metrics(const char *docs)
{
    static const char *const names[] = {
#define RB_METRIC_NAME(ID, name, type, label, help) name,
        RB_METRICS(RB_METRIC_NAME)
#undef RB_METRIC_NAME
        "rumbook_build_info"};
    char path[1024];
    doc_row rows[MAX_ROWS];
    size_t i;
    int n;

    snprintf(path, sizeof(path), "%s/operations.md", docs);
    n = read_table(path, "| metric | type |", rows, MAX_ROWS);
    CHECK(n > 0);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        documented(rows, n, names[i], path, "metric");
    unmatched(path, rows, n, "metric");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_contracts DOCS_DIR\n");
        return 2;
    }
    test_reason_codes(argv[1]);
    test_settings(argv[1]);
    test_program_settings(argv[1]);
    test_metrics(argv[1]);
    return check_done("test_contracts");
}
