/* Catalogue import: the document goes to PostgreSQL whole, where
 * rb_catalog_import() validates and upserts it in one transaction. */
#include <stdio.h>
#include <string.h>

#include "pg_internal.h"
#include "rumbook/pg.h"

int rb_catalog_import(PGconn *conn, const char *json, char *summary, size_t size,
                      rb_error *err)
{
    const char *params[1] = {json};
    PGresult *res;
    size_t used = 0;
    int i;

    summary[0] = '\0';
    res = rb__pg_exec(conn, "SELECT kind, upserted FROM rb_catalog_import($1::jsonb)", 1, params,
                      PGRES_TUPLES_OK, "catalogue import", err);
    if (!res) /* the server's message names the field: "sessions[3].starts_at: ..." */
        return err->code;
    for (i = 0; i < PQntuples(res) && used < size; i++) {
        int n = snprintf(summary + used, size - used, "%s%s=%s", i ? " " : "",
                         PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
        used += n > 0 ? (size_t)n : 0;
    }
    PQclear(res);
    return 0;
}
