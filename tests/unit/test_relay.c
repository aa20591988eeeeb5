/* The relay's check that outbox events arrived batch by batch in order
 * (it reads them again sorted when not): results built with libpq. */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "check.h"
#include "relay/relay_internal.h"

/* A result of ncols text columns; rows given as "a|b|..." strings. */
static PGresult *result(int ncols, const char *const *rows, int nrows)
{
    static const char *const names[11] = {"c0", "c1", "c2", "c3", "c4", "c5",
                                          "c6", "c7", "c8", "c9", "c10"};
    PGresAttDesc attrs[11];
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    char cell[64];
    int r, c;

    memset(attrs, 0, sizeof(attrs));
    for (c = 0; c < ncols; c++) {
        attrs[c].name = (char *)names[c];
        attrs[c].typid = 25; /* text */
        attrs[c].typlen = -1;
        attrs[c].atttypmod = -1;
    }
    PQsetResultAttrs(res, ncols, attrs);
    for (r = 0; r < nrows; r++) {
        const char *p = rows[r];
        for (c = 0; c < ncols; c++) {
            size_t n = strcspn(p, "|");
            snprintf(cell, sizeof(cell), "%.*s", (int)n, p);
            PQsetvalue(res, r, c, cell, (int)strlen(cell));
            p += n + (p[n] == '|');
        }
    }
    return res;
}

/* Events as the relay reads them: id, then nine columns it does not
 * check here, then the batch id. */
static bool in_order(const char *const *batch_ids, int nbatches, const char *const *events,
                     int nevents)
{
    char rows[16][64];
    const char *row_ptrs[16];
    PGresult *b = result(1, batch_ids, nbatches), *e;
    bool ok;
    int i;

    for (i = 0; i < nevents; i++) {
        char id[16], batch[16];
        sscanf(events[i], "%15[^/]/%15s", id, batch);
        snprintf(rows[i], sizeof(rows[i]), "%s|x|t|k|p|m|c|s|0|0|%s", id, batch);
        row_ptrs[i] = rows[i];
    }
    e = result(11, row_ptrs, nevents);
    ok = rb__relay_in_order(b, e);
    PQclear(b);
    PQclear(e);
    return ok;
}

int main(void)
{
    static const char *const batches[] = {"9", "10", "12"};

    /* Batch 9, then 10 (ids 97, 100 numerically), then 12. */
    CHECK(in_order(batches, 3, (const char *const[]){"97/9", "98/9", "99/10", "100/10", "101/12"},
                   5));
    CHECK(in_order(batches, 3, (const char *const[]){"99/10", "101/12"}, 2)); /* 9 has none */
    CHECK(in_order(batches, 3, NULL, 0));
    /* A batch before the one asked first, ids out of order, a batch split. */
    CHECK(!in_order(batches, 3, (const char *const[]){"99/10", "97/9"}, 2));
    CHECK(!in_order(batches, 3, (const char *const[]){"98/9", "97/9"}, 2));
    CHECK(!in_order(batches, 3, (const char *const[]){"97/9", "99/10", "98/9"}, 3));
    CHECK(!in_order(batches, 3, (const char *const[]){"97/11"}, 1)); /* not asked for */
    return check_done("relay");
}
