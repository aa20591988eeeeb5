/* Reading the facts around a batch's sessions and classes: travel times,
 * the holds of classes, resources and buses over the batch's days, quotas,
 * and the sessions near a rejected one for alternatives (the cached facts
 * are store_cache.c's). Buses and quotas are locked (by id, after the
 * rows store_fetch.c locks) because choosing a bus or counting a quota is
 * a read-then-write that two workers must not interleave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/localtime.h"
#include "rumbook/pgarray.h"
#include "store/store_internal.h"

#define WINDOW "tstzrange(to_timestamp($2::float8 / 1000), to_timestamp($3::float8 / 1000))"
#define HALF_DAY_MS (12 * 3600 * 1000LL)

static const char SQL_TRAVEL[] =
    "SELECT school_id, venue_id, mode, minutes FROM travel_times"
    " WHERE school_id = ANY($1::text[]) AND venue_id = ANY($2::text[])";

/* Per (class, window) pair, a range of the btree bookings_class_trips: a
 * trip lies within a day (bookings_trip_within_a_day), so one that
 * overlaps the window starts at most a day before it (float8 arithmetic:
 * numeric division cost a microsecond a bound). The class number comes
 * as bigint: int4 = int8 is in the btree's operator family and not in the
 * gist one, which the planner otherwise chose while the table's statistics
 * were young (reading all of a class's trips, three times slower a probe).
 * OFFSET 0 keeps it a probe per pair: flattened into a join, the planner
 * scans all bookings while their statistics are those of an empty table.
 * The last column is the trip's (session, class) pair: a trip covers its
 * session, so a class that holds a session it asks for is among these. */
static const char SQL_CLASS_HOLDS[] =
    "SELECT h.* FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(c, f, t)"
    " CROSS JOIN LATERAL (SELECT b.class_id, b.id::text, " SQL_MS("lower(b.away)") ", "
    SQL_MS("upper(b.away)") ", NULL, NULL, b.session_id || chr(31) || b.class_id FROM bookings b"
    " WHERE b.class_no = u.c AND b.status = 'confirmed'"
    " AND lower(b.away) >= to_timestamp(u.f::float8 / 1000) - interval '1 day'"
    " AND lower(b.away) < to_timestamp(u.t::float8 / 1000)"
    " AND upper(b.away) > to_timestamp(u.f::float8 / 1000) OFFSET 0) AS h";

static const char SQL_LOCK_CLASS_DAYS[] =
    "SELECT count(pg_advisory_xact_lock(c, d)) FROM unnest($1::int[], $2::int[]) AS u(c, d)";

static const char SQL_RESOURCE_HOLDS[] =
    "SELECT resource_id, session_id, " SQL_MS("lower(during)") ", " SQL_MS("upper(during)")
    ", lat, lon"
    " FROM resource_holds WHERE resource_id = ANY($1::text[]) AND during && " WINDOW;

static const char SQL_BUS_HOLDS[] =
    "SELECT bus_id, booking_id::text, " SQL_MS("lower(during)") ", " SQL_MS("upper(during)")
    ", NULL, NULL FROM bus_holds WHERE bus_id = ANY($1::text[]) AND during && " WINDOW;

static const char SQL_BUSES[] =
    "SELECT id, name, seats, municipality, depot_lat, depot_lon FROM buses"
    " WHERE municipality = '' OR municipality = ANY($1::text[])"
    " ORDER BY id COLLATE \"C\" FOR UPDATE";

static const char SQL_QUOTAS[] =
    "SELECT id, scope_kind, scope_id, period, offering_id, category, counts, max_count"
    " FROM quotas WHERE (scope_kind = 'class' AND scope_id = ANY($1::text[]))"
    " OR (scope_kind = 'school' AND scope_id = ANY($2::text[]))"
    " ORDER BY id COLLATE \"C\" FOR UPDATE";

static const char SQL_QUOTA_USE[] =
    "SELECT q.id, to_char(rb_period_start(q.period,"
    " (s.starts_at AT TIME ZONE 'Europe/Copenhagen')::date), 'YYYYMMDD')::int, count(*)::int"
    " FROM quotas q JOIN classes c ON (q.scope_kind = 'class' AND c.id = q.scope_id)"
    "  OR (q.scope_kind = 'school' AND c.school_id = q.scope_id)"
    " JOIN bookings bk ON bk.class_no = c.no AND bk.status = 'confirmed'"
    " JOIN sessions s ON s.id = bk.session_id JOIN offerings o ON o.id = s.offering_id"
    " WHERE q.id = ANY($1::text[]) AND (q.offering_id IS NULL OR q.offering_id = o.id)"
    " AND (q.category IS NULL OR q.category = o.category)"
    " AND (q.counts = 'bookings' OR bk.travel_mode = 'bus') GROUP BY 1, 2";

/* The time the batch's sessions span, with room for travel and buses. */
static void window_of(const fact_session *sessions, size_t n, int64_t *from, int64_t *until)
{
    size_t i;

    *from = INT64_MAX;
    *until = INT64_MIN;
    for (i = 0; i < n; i++) {
        if (sessions[i].s.starts_at_ms < *from)
            *from = sessions[i].s.starts_at_ms;
        if (sessions[i].s.ends_at_ms > *until)
            *until = sessions[i].s.ends_at_ms;
    }
    *from -= HALF_DAY_MS;
    *until += HALF_DAY_MS;
}

static void window_params(rb_store *st, int64_t from, int64_t until)
{
    char text[24];

    snprintf(text, sizeof(text), "%lld", (long long)from);
    rb_pgarray_scalar(&st->col[1], text);
    snprintf(text, sizeof(text), "%lld", (long long)until);
    rb_pgarray_scalar(&st->col[2], text);
}

static bool has_owner(const rb_holds *h, const char *key, const char *owner)
{
    size_t n, i;
    const rb_hold *run = rb_holds_of(h, key, &n);

    for (i = 0; i < n; i++)
        if (strcmp(run[i].owner, owner) == 0)
            return true;
    return false;
}

static int cmp_booking_id(const void *key, const void *elem)
{
    return strcmp(key, ((const fact_booking *)elem)->id);
}

/* Whether the batch already knows better than the database about owner. */
static bool changed_in_batch(batch *b, const char *owner)
{
    fact_session *fs = rb__batch_session(b, owner);
    fact_booking *bk;

    if (fs)
        return fs->dirty;
    /* New bookings are not in the database yet; fetched ones are sorted. */
    bk = bsearch(owner, b->bookings, b->nfetched, sizeof(*b->bookings), cmp_booking_id);
    return bk && bk->dirty;
}

/* Reads holds with the parameters in col[0..2] into h; rows the list
 * has, or the batch has changed, are left out. *out (when given) is the
 * result, which the batch owns. */
static int read_holds(rb_store *st, batch *b, const char *sql, const char *what, rb_holds *h,
                      PGresult **out, rb_error *err)
{
    PGresult *res;
    int r;

    if (!(res = rb__store_fetch_run(st, sql, 3, what, err)))
        return err->code;
    if (out)
        *out = res;
    for (r = 0; r < PQntuples(res); r++) {
        rb_hold x = {.key = PQgetvalue(res, r, 0), .owner = PQgetvalue(res, r, 1)};
        if (has_owner(h, x.key, x.owner) || changed_in_batch(b, x.owner))
            continue;
        x.from_ms = strtoll(PQgetvalue(res, r, 2), NULL, 10);
        x.until_ms = strtoll(PQgetvalue(res, r, 3), NULL, 10);
        x.place.has_geo = !PQgetisnull(res, r, 4) && !PQgetisnull(res, r, 5);
        x.place.lat = x.place.has_geo ? strtod(PQgetvalue(res, r, 4), NULL) : 0;
        x.place.lon = x.place.has_geo ? strtod(PQgetvalue(res, r, 5), NULL) : 0;
        rb_holds_add(h, &x);
    }
    return h->failed ? rb_error_set(err, RB_ENOMEM, "out of memory") : 0;
}

static void class_window(rb_store *st, const fact_class *fc, int64_t from, int64_t until)
{
    if (!fc)
        return;
    rb_pgarray_int(&st->col[0], fc->no);
    rb_pgarray_int(&st->col[1], from - HALF_DAY_MS);
    rb_pgarray_int(&st->col[2], until + HALF_DAY_MS);
}

/* A class asking for a session: its trip may be added on that local date
 * (unless the request cannot be granted in this batch: no lock). */
typedef struct class_day {
    const fact_class *fc;
    const fact_session *fs;
    int date;
    bool may_add;
} class_day;

static int cmp_class_day(const void *a, const void *b)
{
    const class_day *x = a, *y = b;

    if (x->fc->no != y->fc->no)
        return x->fc->no < y->fc->no ? -1 : 1;
    return x->date < y->date ? -1 : x->date > y->date;
}

/* Whether a request for pupils (0: unknown) cannot fit fs in this batch:
 * it is full now and no cancel or move away in the batch names one of its
 * bookings, so places only get fewer. Such a request is refused or waits
 * and adds no trip. */
static bool stays_full(const batch *b, const fact_session *fs, int pupils)
{
    size_t i;

    if (fs->s.classes_booked < fs->s.class_capacity &&
        (pupils < 1 || fs->s.pupils_booked + pupils <= fs->s.pupil_capacity))
        return false;
    for (i = 0; i < b->nfetched; i++)
        if (b->bookings[i].session == fs)
            return false;
    return true;
}

static void class_session(batch *b, const char *class_id, const char *session_id, int pupils,
                          bool booking, class_day *days, size_t *ndays)
{
    const fact_session *fs = rb__batch_session(b, session_id);
    const fact_class *fc = rb__batch_class(b, class_id);

    if (!fs || !fc)
        return;
    days[*ndays] = (class_day){.fc = fc, .fs = fs, .date = rb_local_date(fs->s.starts_at_ms),
                               .may_add = !booking || !stays_full(b, fs, pupils)};
    (*ndays)++;
}

/* A class's trip lies within one school day, so two trips that could
 * overlap share their sessions' (class, local date). Locking those pairs,
 * sorted, before the trips are read makes two workers booking one class
 * on one day take turns: the second reads the first's trip and rejects
 * with class_conflict, where both would otherwise insert, and one fail on
 * the exclusion constraint (or deadlock) and redo its whole batch. The
 * constraint stays the last word. Taken after the sessions and waiting
 * entries, before buses and quotas (the store's lock order). Requests
 * that cannot be granted in the batch (stays_full) take none: over half
 * the pairs in the benchmark, and a wait for the other worker's commit
 * (20 ms) over a trip that is never added. A wrong guess here costs a
 * retry, never a double booking: the constraint still decides. */
static int lock_class_days(rb_store *st, class_day *days, size_t n, rb_error *err)
{
    size_t i, locks = 0;

    qsort(days, n, sizeof(*days), cmp_class_day);
    rb__store_begin(st, SQL_LOCK_CLASS_DAYS, 2);
    for (i = 0; i < n; i++) {
        size_t j = i;
        bool may_add = false;
        for (; j < n && cmp_class_day(&days[j], &days[i]) == 0; j++)
            may_add = may_add || days[j].may_add;
        if (may_add) {
            rb_pgarray_int(&st->col[0], days[i].fc->no);
            rb_pgarray_int(&st->col[1], days[i].date);
            locks++;
        }
        i = j - 1;
    }
    if (!locks)
        return 0;
    return rb__store_fetch_run(st, SQL_LOCK_CLASS_DAYS, 2, "lock class days", err) ? 0
                                                                                      : err->code;
}

/* The (session, class) pairs with a confirmed booking that the batch asks
 * about, from the trips around the sessions the classes ask for. */
static int held_pairs(batch *b, const PGresult *trips, rb_error *err)
{
    int r, n = trips ? PQntuples(trips) : 0;

    if (rb__strset_init(&b->held, (size_t)n + 4 * (b->n + b->npromotions + b->nfetched)) < 0)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < n; r++)
        rb__strset_add(&b->held, PQgetvalue(trips, r, 6));
    return 0;
}

/* The trips of the classes around the sessions they ask for, and so the
 * sessions they hold among those. */
static int class_holds(rb_store *st, batch *b, rb_error *err)
{
    class_day *days = calloc(b->n + b->npromotions + b->nfetched + 1, sizeof(*days));
    PGresult *trips = NULL;
    size_t i, ndays = 0;
    int rc = 0;

    if (!days)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (i = 0; i < b->n; i++) {
        const item *it = &b->items[i];
        fact_booking *bk = it->cmd.booking_id ? rb__batch_booking(b, it->cmd.booking_id) : NULL;
        if (it->decode_rc < 0)
            continue;
        if (it->cmd.kind == RB_CMD_BOOK)
            class_session(b, it->cmd.class_id, it->cmd.session_id, it->cmd.pupils, true, days,
                          &ndays);
        else if (it->cmd.kind == RB_CMD_RESCHEDULE && bk && bk->klass)
            class_session(b, bk->klass->c.id, it->cmd.session_id, 0, false, days, &ndays);
        else if (it->cmd.kind == RB_CMD_CHANGE && bk && bk->klass && bk->session)
            class_session(b, bk->klass->c.id, bk->session->s.id, 0, false, days, &ndays);
    }
    for (i = 0; i < b->npromotions; i++)
        class_session(b, b->promotions[i].cmd.class_id, b->promotions[i].cmd.session_id, 0,
                      false, days, &ndays);
    for (i = 0; i < b->nfetched; i++) { /* bookings of a session moved in the batch */
        const fact_booking *bk = &b->bookings[i];
        if (bk->session && bk->session->settle_by && bk->klass && !bk->cancelled)
            class_session(b, bk->klass->c.id, bk->session->s.id, 0, false, days, &ndays);
    }
    if (ndays > 0 && (rc = lock_class_days(st, days, ndays, err)) == 0) {
        rb__store_begin(st, SQL_CLASS_HOLDS, 3);
        for (i = 0; i < ndays; i++)
            class_window(st, days[i].fc, days[i].fs->s.starts_at_ms, days[i].fs->s.ends_at_ms);
        rc = read_holds(st, b, SQL_CLASS_HOLDS, "read class trips", &b->class_holds, &trips, err);
    }
    free(days);
    return rc < 0 ? rc : held_pairs(b, trips, err);
}

/* The trips of rejected classes around each of their shortlisted
 * candidates: a probe per candidate reads what could conflict and no
 * more, however many trips the class has between them (one probe over
 * their whole span read a hundred times the rows with a million
 * bookings), and only candidates that pass every other rule are probed. */
static int candidate_class_holds(rb_store *st, batch *b, rb_error *err)
{
    size_t i;
    int k;

    rb__store_begin(st, SQL_CLASS_HOLDS, 3);
    for (i = 0; i < rb__batch_nasking(b); i++) {
        const item *it = rb__batch_asking(b, i);
        const fact_class *fc;
        if (!rb__batch_wants_alternatives(it) || it->nshortlist == 0)
            continue;
        fc = rb__batch_class(b, it->booking ? it->booking->klass->c.id : it->cmd.class_id);
        for (k = 0; k < it->nshortlist; k++)
            class_window(st, fc, it->shortlist[k]->s.starts_at_ms, it->shortlist[k]->s.ends_at_ms);
    }
    return read_holds(st, b, SQL_CLASS_HOLDS, "read class trips", &b->class_holds, NULL, err);
}

static int resource_holds(rb_store *st, batch *b, const rb_resource *res, size_t n, int64_t from,
                          int64_t until, rb_error *err)
{
    size_t i;

    if (n == 0)
        return 0;
    rb__store_begin(st, SQL_RESOURCE_HOLDS, 1);
    for (i = 0; i < n; i++)
        rb_pgarray_text(&st->col[0], res[i].id);
    window_params(st, from, until);
    return read_holds(st, b, SQL_RESOURCE_HOLDS, "read resource holds", &b->resource_holds, NULL,
                      err);
}

static int bus_holds(rb_store *st, batch *b, int64_t from, int64_t until, rb_error *err)
{
    size_t i;

    if (b->nbuses == 0)
        return 0;
    rb__store_begin(st, SQL_BUS_HOLDS, 1);
    for (i = 0; i < b->nbuses; i++)
        rb_pgarray_text(&st->col[0], b->buses[i].id);
    window_params(st, from, until);
    return read_holds(st, b, SQL_BUS_HOLDS, "read bus holds", &b->bus_holds, NULL, err);
}

static int cmp_travel(const void *a, const void *b)
{
    const travel_entry *x = a, *y = b;
    int c = strcmp(x->school_id, y->school_id);

    if (!c)
        c = strcmp(x->venue_id, y->venue_id);
    return c ? c : (int)x->mode - (int)y->mode;
}

static int travel(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i;
    int r;

    rb__store_begin(st, SQL_TRAVEL, 2);
    for (i = 0; i < b->nclasses; i++)
        rb_pgarray_text(&st->col[0], b->classes[i].c.school_id);
    for (i = 0; i < b->nsessions; i++)
        if (b->sessions[i].s.venue_id)
            rb_pgarray_text(&st->col[1], b->sessions[i].s.venue_id);
    if (!st->has_travel_times)
        res = NULL;
    else if (!(res = rb__store_fetch_run(st, SQL_TRAVEL, 2, "read travel times", err)))
        return err->code;
    b->ntravel = res ? (size_t)PQntuples(res) : 0;
    b->travel = calloc(b->ntravel + 1, sizeof(*b->travel));
    if (!b->travel)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; res && r < PQntuples(res); r++) {
        travel_entry *t = &b->travel[r];
        t->school_id = PQgetvalue(res, r, 0);
        t->venue_id = PQgetvalue(res, r, 1);
        t->mode = RB_MODE_PUBLIC_TRANSPORT;
        rb_mode_parse(PQgetvalue(res, r, 2), &t->mode);
        t->minutes = atoi(PQgetvalue(res, r, 3));
    }
    qsort(b->travel, b->ntravel, sizeof(*b->travel), cmp_travel);
    return 0;
}

static bool wants_bus(const batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0 &&
            (b->items[i].cmd.kind == RB_CMD_BOOK ||
             (b->items[i].cmd.kind == RB_CMD_CHANGE && b->items[i].cmd.has_mode)) &&
            b->items[i].cmd.mode == RB_MODE_BUS)
            return true;
    for (i = 0; i < b->nfetched; i++)
        if (b->bookings[i].mode == RB_MODE_BUS)
            return true;
    for (i = 0; i < b->npromotions; i++)
        if (b->promotions[i].cmd.mode == RB_MODE_BUS)
            return true;
    return false;
}

static int buses(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i;
    int r;

    if (!wants_bus(b))
        return 0;
    rb__store_begin(st, SQL_BUSES, 1);
    for (i = 0; i < b->nclasses; i++)
        rb_pgarray_text(&st->col[0], b->classes[i].school.municipality);
    if (!(res = rb__store_fetch_run(st, SQL_BUSES, 1, "lock buses", err)))
        return err->code;
    b->nbuses = (size_t)PQntuples(res);
    b->buses = calloc(b->nbuses + 1, sizeof(*b->buses));
    if (!b->buses)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        rb_bus *bus = &b->buses[r];
        bus->id = PQgetvalue(res, r, 0);
        bus->name = PQgetvalue(res, r, 1);
        bus->seats = atoi(PQgetvalue(res, r, 2));
        bus->municipality = PQgetvalue(res, r, 3);
        bus->depot.has_geo = !PQgetisnull(res, r, 4) && !PQgetisnull(res, r, 5);
        bus->depot.lat = strtod(PQgetvalue(res, r, 4), NULL);
        bus->depot.lon = strtod(PQgetvalue(res, r, 5), NULL);
    }
    return 0;
}

static int quota_uses(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i;
    int r;

    rb__store_begin(st, SQL_QUOTA_USE, 1);
    for (i = 0; i < b->nquotas; i++)
        rb_pgarray_text(&st->col[0], b->quotas[i].id);
    if (!(res = rb__store_fetch_run(st, SQL_QUOTA_USE, 1, "count quota use", err)))
        return err->code;
    /* Room for a new period per quota and command. */
    b->uses_cap = (size_t)PQntuples(res) + b->nquotas * (b->n + b->npromotions + b->nfetched) + 1;
    b->uses = calloc(b->uses_cap, sizeof(*b->uses));
    if (!b->uses)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        rb_quota_use *u = &b->uses[b->nuses++];
        u->quota_id = PQgetvalue(res, r, 0);
        u->period_start = atoi(PQgetvalue(res, r, 1));
        u->used = atoi(PQgetvalue(res, r, 2));
    }
    return 0;
}

static int quotas(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i;
    int r;

    if (!st->has_quotas)
        return 0;
    rb__store_begin(st, SQL_QUOTAS, 2);
    for (i = 0; i < b->nclasses; i++) {
        rb_pgarray_text(&st->col[0], b->classes[i].c.id);
        rb_pgarray_text(&st->col[1], b->classes[i].c.school_id);
    }
    if (!(res = rb__store_fetch_run(st, SQL_QUOTAS, 2, "lock quotas", err)))
        return err->code;
    b->nquotas = (size_t)PQntuples(res);
    b->quotas = calloc(b->nquotas + 1, sizeof(*b->quotas));
    if (!b->quotas)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        rb_quota *q = &b->quotas[r];
        q->id = PQgetvalue(res, r, 0);
        q->per_class = strcmp(PQgetvalue(res, r, 1), "class") == 0;
        q->scope_id = PQgetvalue(res, r, 2);
        q->period = RB_PERIOD_SCHOOL_YEAR;
        rb_period_parse(PQgetvalue(res, r, 3), &q->period);
        q->offering_id = PQgetisnull(res, r, 4) ? NULL : PQgetvalue(res, r, 4);
        q->category = PQgetisnull(res, r, 5) ? NULL : PQgetvalue(res, r, 5);
        q->bus_trips = strcmp(PQgetvalue(res, r, 6), "bus_trips") == 0;
        q->max = atoi(PQgetvalue(res, r, 7));
    }
    return b->nquotas ? quota_uses(st, b, err) : 0;
}

static void link_facts(batch *b)
{
    rb_facts *f = &b->facts;

    f->settings = b->settings;
    f->closures = b->closures;
    f->nclosures = b->nclosures;
    f->class_holds = &b->class_holds;
    f->resource_holds = &b->resource_holds;
    f->bus_holds = &b->bus_holds;
    f->buses = b->buses;
    f->nbuses = b->nbuses;
    f->quotas = b->quotas;
    f->nquotas = b->nquotas;
    f->quota_uses = b->uses;
    f->nquota_uses = b->nuses;
}

int rb__store_fetch_facts(rb_store *st, batch *b, rb_error *err)
{
    int64_t from, until;
    int rc;

    b->closures = st->closures;
    b->nclosures = st->nclosures;
    link_facts(b);
    if (b->nsessions == 0)
        return held_pairs(b, NULL, err);
    window_of(b->sessions, b->nsessions, &from, &until);
    if ((rc = travel(st, b, err)) < 0 ||
        (rc = class_holds(st, b, err)) < 0 ||
        (rc = resource_holds(st, b, b->resources, b->nresources, from, until, err)) < 0 ||
        (rc = buses(st, b, err)) < 0 || (rc = bus_holds(st, b, from, until, err)) < 0 ||
        (rc = quotas(st, b, err)) < 0)
        return rc;
    link_facts(b);
    return 0;
}

/* By offering, then id: each rejection looks at its offering's run. */
static int cmp_candidate(const void *a, const void *b)
{
    const fact_session *x = a, *y = b;
    int c = strcmp(x->s.offering_id, y->s.offering_id);

    return c ? c : strcmp(x->s.id, y->s.id);
}

/* Drops repeated candidates (two rejections near the same session). */
static void unique_candidates(batch *b)
{
    size_t i, j = 0;

    qsort(b->candidates, b->ncandidates, sizeof(*b->candidates), cmp_candidate);
    for (i = 0; i < b->ncandidates; i++)
        if (j == 0 || strcmp(b->candidates[j - 1].s.id, b->candidates[i].s.id) != 0)
            b->candidates[j++] = b->candidates[i];
    b->ncandidates = j;
}

int rb__store_fetch_candidates(rb_store *st, batch *b, rb_error *err)
{
    char sql[4096];
    PGresult *res;
    int64_t from, until;
    size_t i;
    int r, rc, per_side = b->settings->max_alternatives + 2;

    if (b->settings->max_alternatives <= 0)
        return 0;
    /* The nearest sessions on each side, read whole from the index walk
     * (no second lookup by id). */
    if ((size_t)snprintf(sql, sizeof(sql),
             "SELECT c.* FROM unnest($1::text[], $2::bigint[]) a(o, t) CROSS JOIN LATERAL ("
             " (SELECT %s FROM sessions s WHERE s.offering_id = a.o"
             "  AND s.starts_at >= to_timestamp(a.t::float8 / 1000) AND s.starts_at > now()"
             "  AND s.cancelled_at IS NULL"
             "  ORDER BY s.starts_at LIMIT %d) UNION ALL"
             " (SELECT %s FROM sessions s WHERE s.offering_id = a.o"
             "  AND s.starts_at < to_timestamp(a.t::float8 / 1000) AND s.starts_at > now()"
             "  AND s.cancelled_at IS NULL"
             "  ORDER BY s.starts_at DESC LIMIT %d)) c",
             rb__sql_candidate_columns, per_side, rb__sql_candidate_columns,
             per_side) >= sizeof(sql))
        return rb_error_set(err, RB_ENOMEM, "read alternatives: query longer than its buffer");
    rb__store_begin(st, sql, 2);
    for (i = 0; i < rb__batch_nasking(b); i++) {
        const item *it = rb__batch_asking(b, i);
        fact_session *asked;
        if (!rb__batch_wants_alternatives(it) ||
            !(asked = rb__batch_session(b, it->cmd.session_id)) || asked->anchored)
            continue;
        asked->anchored = true; /* one look around a session, however many asked for it */
        rb_pgarray_text(&st->col[0], asked->s.offering_id);
        rb_pgarray_int(&st->col[1], asked->s.starts_at_ms);
    }
    if (!(res = rb__store_fetch_run(st, sql, 2, "read alternatives", err)))
        return err->code;
    b->ncandidates = (size_t)PQntuples(res);
    b->candidates = calloc(b->ncandidates + 1, sizeof(*b->candidates));
    if (!b->candidates)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++)
        if (rb__session_row(st, &b->candidates[r], res, r, err) < 0)
            return err->code;
    unique_candidates(b);
    if (b->ncandidates == 0)
        return 0;
    window_of(b->candidates, b->ncandidates, &from, &until);
    if ((rc = rb__store_fetch_resources(st, b->candidates, b->ncandidates, false,
                                        &b->candidate_resources, &b->ncandidate_resources,
                                        err)) < 0 ||
        (rc = resource_holds(st, b, b->candidate_resources, b->ncandidate_resources, from,
                             until, err)) < 0 ||
        (rc = bus_holds(st, b, from, until, err)) < 0)
        return rc;
    link_facts(b);
    rb__batch_shortlist(b);
    if ((rc = candidate_class_holds(st, b, err)) < 0)
        return rc;
    link_facts(b);
    return 0;
}
