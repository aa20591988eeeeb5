/* The facts a worker caches between batches, because they change by
 * import only: settings and travel modes, closures, and the offerings
 * (with providers and venues) and classes (with schools). An import's
 * NOTIFY rumbook_facts marks them stale; settings and closures are also
 * read again every few seconds, for hand edits. Bookings' facts are never
 * cached: they are read under lock in each batch (store_fetch.c,
 * store_facts.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/localtime.h"
#include "store/store_internal.h"

#define SETTINGS_TTL_MS 5000

static const char SQL_SETTINGS[] =
    "SELECT 's', key, value::float8, 0, 0 FROM settings"
    " UNION ALL SELECT 'm', mode, road_factor, speed_kmh, overhead_min FROM travel_modes"
    " UNION ALL SELECT 't', 'travel_times', count(*), 0, 0 FROM (SELECT 1 FROM travel_times LIMIT 1) t"
    " UNION ALL SELECT 't', 'quotas', count(*), 0, 0 FROM (SELECT 1 FROM quotas LIMIT 1) q";

static const char SQL_CLOSURES[] =
    "SELECT scope_kind, scope_id, to_char(first_day, 'YYYYMMDD')::int,"
    " to_char(last_day, 'YYYYMMDD')::int, summary FROM closures"
    " WHERE last_day >= (now() AT TIME ZONE 'Europe/Copenhagen')::date - 1";

/* Read by id (byte order, as strcmp compares) for rb__store_offering(). */
static const char SQL_OFFERINGS[] =
    "SELECT o.id, o.grade_min, o.grade_max, o.title, p.name, p.email, coalesce(v.name, ''),"
    " coalesce(v.address, ''), v.lat, v.lon, o.target_group, o.duration_min,"
    " coalesce(" SQL_MS("o.sales_open") ", 0), coalesce(" SQL_MS("o.sales_close") ", 0),"
    " o.notice_days,"
    " o.setup_min, o.cleanup_min, o.category, o.schedule_start, o.schedule_rrule,"
    " o.schedule_rdates, o.schedule_exdates, o.provider_id, p.municipality, o.venue_id,"
    " o.language, CASE WHEN o.audience_municipalities IS NOT NULL"
    "  OR o.audience_schools IS NOT NULL THEN E'\\x1f' || concat_ws(E'\\x1f',"
    "  (SELECT string_agg('m:' || x, E'\\x1f') FROM unnest(o.audience_municipalities) x),"
    "  (SELECT string_agg('s:' || x, E'\\x1f') FROM unnest(o.audience_schools) x)) || E'\\x1f'"
    " END, r.id, " SQL_MS("r.closes_at")
    " FROM offerings o JOIN providers p ON p.id = o.provider_id"
    " LEFT JOIN LATERAL (SELECT r.id, r.closes_at FROM allocation_offerings ao"
    "  JOIN allocation_rounds r ON r.id = ao.round_id AND r.status = 'open'"
    "  WHERE ao.offering_id = o.id ORDER BY r.closes_at LIMIT 1) r ON true"
    " LEFT JOIN venues v ON v.id = o.venue_id ORDER BY o.id COLLATE \"C\"";

static void drop_closures(rb_store *st)
{
    PQclear(st->closures_res);
    free(st->closures);
    st->closures_res = NULL;
    st->closures = NULL;
    st->nclosures = 0;
}

/* The offerings (with their providers and venues) and the classes (with
 * their schools) change by import only, which notifies: they are read
 * again after a notification, a reconnect or a session of an offering they
 * lack, not on the settings' timer. A session row then carries only what
 * bookings change, and a batch reads only the classes imported since. */
/* Allocation rounds, by id (byte order). */
static const char SQL_ROUNDS[] =
    "SELECT id, " SQL_MS("opens_at") ", " SQL_MS("closes_at") ", max_wishes,"
    " status = 'allocated' FROM allocation_rounds ORDER BY id COLLATE \"C\"";

static int read_rounds(rb_store *st, rb_error *err)
{
    PGresult *res = rb__pg_exec(st->conn, SQL_ROUNDS, 0, NULL, PGRES_TUPLES_OK, "read rounds",
                                err);
    fact_round *list;
    int r;

    if (!res)
        return err->code;
    if (!(list = calloc((size_t)PQntuples(res) + 1, sizeof(*list)))) {
        PQclear(res);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    for (r = 0; r < PQntuples(res); r++) {
        list[r].id = PQgetvalue(res, r, 0);
        list[r].opens_ms = strtoll(PQgetvalue(res, r, 1), NULL, 10);
        list[r].closes_ms = strtoll(PQgetvalue(res, r, 2), NULL, 10);
        list[r].max_wishes = atoi(PQgetvalue(res, r, 3));
        list[r].allocated = *PQgetvalue(res, r, 4) == 't';
    }
    PQclear(st->rounds_res);
    free(st->rounds);
    st->rounds_res = res;
    st->rounds = list;
    st->nrounds = (size_t)PQntuples(res);
    return 0;
}

int rb__store_read_catalogue(rb_store *st, rb_error *err)
{
    PGresult *offerings, *classes;
    int rc;

    if ((rc = read_rounds(st, err)) < 0)
        return rc;
    if (!(offerings = rb__pg_exec(st->conn, SQL_OFFERINGS, 0, NULL, PGRES_TUPLES_OK,
                                  "read offerings", err)))
        return err->code;
    if (!(classes = rb__pg_exec(st->conn, rb__sql_classes_all, 0, NULL, PGRES_TUPLES_OK,
                                "read classes", err))) {
        PQclear(offerings);
        return err->code;
    }
    PQclear(st->offerings_res);
    PQclear(st->classes_res);
    st->offerings_res = offerings;
    st->classes_res = classes;
    st->catalogue_stale = false;
    return 0;
}

/* Closed days are few and change by import only: every batch shares them. */
static int read_closures(rb_store *st, int64_t now_ms, rb_error *err)
{
    PGresult *res = rb__pg_exec(st->conn, SQL_CLOSURES, 0, NULL, PGRES_TUPLES_OK,
                                "read closures", err);
    rb_closure *list;
    int r;

    if (!res)
        return err->code;
    if (!(list = calloc((size_t)PQntuples(res) + 1, sizeof(*list)))) {
        PQclear(res);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    for (r = 0; r < PQntuples(res); r++) {
        list[r].scope = RB_SCOPE_ALL;
        rb_scope_from_name(PQgetvalue(res, r, 0), &list[r].scope);
        list[r].scope_id = PQgetvalue(res, r, 1);
        list[r].first_day = atoi(PQgetvalue(res, r, 2));
        list[r].last_day = atoi(PQgetvalue(res, r, 3));
        list[r].summary = PQgetvalue(res, r, 4);
    }
    drop_closures(st);
    st->closures_res = res;
    st->closures = list;
    st->nclosures = (size_t)PQntuples(res);
    st->settings_at_ms = now_ms;
    return st->catalogue_stale ? rb__store_read_catalogue(st, err) : 0;
}

void rb__store_forget_facts(rb_store *st)
{
    drop_closures(st);
    PQclear(st->offerings_res);
    PQclear(st->classes_res);
    PQclear(st->rounds_res);
    free(st->rounds);
    st->offerings_res = NULL;
    st->classes_res = NULL;
    st->rounds_res = NULL;
    st->rounds = NULL;
    st->nrounds = 0;
    st->catalogue_stale = true;
    st->settings_at_ms = 0;
    st->promote_pending = true; /* what changed while we were not listening */
}

/* The row whose first column is key, in a result ordered by it. */
static int row_of(const PGresult *res, const char *key)
{
    int lo = 0, hi = res ? PQntuples(res) : 0;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(key, PQgetvalue(res, mid, 0));
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

int rb__store_offering(const rb_store *st, const char *offering_id)
{
    return row_of(st->offerings_res, offering_id);
}

int rb__store_class(const rb_store *st, const char *class_id)
{
    return row_of(st->classes_res, class_id);
}

/* Imported after the cache was read, and the notification not yet seen. */
int rb__store_offerings_stale(rb_store *st, const char *offering_id, rb_error *err)
{
    st->settings_at_ms = 0;
    st->catalogue_stale = true;
    return rb_error_set(err, RB_ERETRY, "offering %s is newer than the cached catalogue",
                        offering_id);
}

void rb__store_poll_facts(rb_store *st)
{
    PGnotify *n;

    PQconsumeInput(st->conn);
    while ((n = PQnotifies(st->conn))) {
        st->settings_at_ms = 0;
        st->catalogue_stale = true;
        st->portals_stale = true;
        st->promote_pending = true;
        PQfreemem(n);
    }
}

int rb__store_settings(rb_store *st, int64_t now_ms, rb_error *err)
{
    PGresult *res;
    rb_settings s;
    int r;

    rb__store_poll_facts(st);
    if (st->settings_at_ms && now_ms - st->settings_at_ms < SETTINGS_TTL_MS)
        return 0;
    res = rb__pg_exec(st->conn, SQL_SETTINGS, 0, NULL, PGRES_TUPLES_OK, "read settings", err);
    if (!res)
        return err->code;
    rb_settings_defaults(&s);
    for (r = 0; r < PQntuples(res); r++) {
        const char *key = PQgetvalue(res, r, 1);
        double v = strtod(PQgetvalue(res, r, 2), NULL);
        enum rb_mode m;
        if (*PQgetvalue(res, r, 0) == 'm' && rb_mode_parse(key, &m)) {
            s.modes[m].road_factor = v;
            s.modes[m].speed_kmh = strtod(PQgetvalue(res, r, 3), NULL);
            s.modes[m].overhead_min = atoi(PQgetvalue(res, r, 4));
        } else if (*PQgetvalue(res, r, 0) == 't') {
            if (strcmp(key, "travel_times") == 0)
                st->has_travel_times = v > 0;
            else
                st->has_quotas = v > 0;
        } else {
            rb_settings_set(&s, key, v); /* the table's CHECK admits only known keys */
        }
    }
    PQclear(res);
    st->settings = s;
    return read_closures(st, now_ms, err);
}
