/* Reading what a batch's commands name, locking what they may change.
 *
 * Lock order is fixed (bookings by id, sessions by id, their resources
 * by id, waiting entries by id; then, in store_facts.c, buses and quotas
 * by id) so that workers racing for the same rows queue up instead of
 * deadlocking. */
#include <stdlib.h>
#include <string.h>

#include "rumbook/pgarray.h"
#include "store/store_internal.h"

static const char SQL_BOOKINGS[] =
    "SELECT id::text, command_id::text, session_id, class_id, pupils, status, sequence, note,"
    " teacher_email, travel_mode, " SQL_MS("lower(away)") ", " SQL_MS("upper(away)")
    " FROM bookings WHERE id = ANY($1::uuid[]) ORDER BY bookings.id FOR UPDATE";

/* With the confirmed bookings of the sessions catalogue commands cancelled
 * or moved in the batch ($2). */
static const char SQL_BOOKINGS_SETTLING[] =
    "SELECT id::text, command_id::text, session_id, class_id, pupils, status, sequence, note,"
    " teacher_email, travel_mode, " SQL_MS("lower(away)") ", " SQL_MS("upper(away)")
    " FROM bookings WHERE id = ANY($1::uuid[])"
    " OR (session_id = ANY($2::text[]) AND status = 'confirmed')"
    " ORDER BY bookings.id FOR UPDATE";

/* The columns rb__session_row() reads; the offering's, provider's and
 * venue's come from the store's cache. The candidates for alternatives
 * stop before the two flags, which say whether to read the session's
 * resources and waiting list: nothing reads those for a candidate, and
 * the flags' subqueries were a quarter of that query's cost. EXISTS, not
 * count(*): a sixth of the subqueries' cost. */
#define CANDIDATE_COLUMNS                                                               \
    "s.id, s.offering_id, " SQL_MS("s.starts_at") ", " SQL_MS("s.ends_at") ", s.pupil_capacity," \
    " s.class_capacity, s.pupils_booked, s.classes_booked, s.cancelled_at IS NOT NULL, s.moved"
#define SESSION_COLUMNS                                                                 \
    CANDIDATE_COLUMNS ","                                                                 \
    " EXISTS (SELECT 1 FROM session_resources r WHERE r.session_id = s.id),"              \
    " EXISTS (SELECT 1 FROM waitlist w WHERE w.session_id = s.id AND w.status = 'waiting')"

const char rb__sql_candidate_columns[] = CANDIDATE_COLUMNS;

static const char SQL_SESSIONS[] =
    "SELECT " SESSION_COLUMNS " FROM sessions s"
    " WHERE s.id = ANY($1::text[]) ORDER BY s.id COLLATE \"C\" FOR UPDATE";

/* The sessions of the waiting entries withdraw, approve and refuse commands
 * name: locked with the others, and their waiting lists read under that
 * lock. */
static const char SQL_NAMED_ENTRY_SESSIONS[] =
    "SELECT DISTINCT session_id FROM waitlist WHERE command_id = ANY($1::uuid[])"
    " AND status = 'waiting'";

/* Resources of sessions; $2 says whether to lock them. */
static const char SQL_RESOURCES_LOCK[] =
    "SELECT sr.session_id, r.id, r.kind, r.name FROM session_resources sr"
    " JOIN resources r ON r.id = sr.resource_id WHERE sr.session_id = ANY($1::text[])"
    " ORDER BY r.id COLLATE \"C\" FOR UPDATE OF r";
static const char SQL_RESOURCES_READ[] =
    "SELECT sr.session_id, r.id, r.kind, r.name FROM session_resources sr"
    " JOIN resources r ON r.id = sr.resource_id WHERE sr.session_id = ANY($1::text[])";

/* First come, first served: ORDER BY waitlist.id, as the bare name would
 * sort the text output column ("10" before "9"). */
static const char SQL_WAITS[] =
    "SELECT id::text, command_id::text, session_id, class_id, pupils, travel_mode, note,"
    " actor_email, actor_name, kind FROM waitlist WHERE status = 'waiting'"
    " AND session_id = ANY($1::text[]) ORDER BY waitlist.id FOR UPDATE";

/* The classes, with their school and school day; the store caches them
 * all (rb__sql_classes_all) and reads here only those it does not know. */
#define CLASS_COLUMNS                                                                        \
    "SELECT c.id, c.school_id, c.grade, c.size, c.name, sc.name, c.teacher_email,"            \
    " c.target_group, sc.municipality, sc.lat, sc.lon,"                                       \
    " extract(epoch FROM coalesce(h.earliest_departure, sc.day_start))::int / 60,"            \
    " extract(epoch FROM coalesce(h.latest_return, sc.day_end))::int / 60, c.no"              \
    " FROM classes c JOIN schools sc ON sc.id = c.school_id"                                  \
    " LEFT JOIN LATERAL (SELECT earliest_departure, latest_return FROM school_hours h"         \
    "  WHERE h.school_id = c.school_id AND c.grade BETWEEN h.grade_min AND h.grade_max"        \
    "  ORDER BY h.grade_min LIMIT 1) h ON true"

static const char SQL_CLASSES[] = CLASS_COLUMNS " WHERE c.id = ANY($1::text[])";
const char rb__sql_classes_all[] = CLASS_COLUMNS " ORDER BY c.id COLLATE \"C\"";

const char rb__sql_decided[] =
    "SELECT command_id::text FROM commands WHERE command_id = ANY($1::uuid[])";

PGresult *rb__store_fetch_run(rb_store *st, const char *sql, int ncols, const char *what,
                              rb_error *err)
{
    PGresult *res;

    if (st->nresults == STORE_MAX_RESULTS) {
        rb_error_set(err, RB_ENOMEM, "%s: too many result sets in one batch", what);
        return NULL;
    }
    res = rb__store_run(st, sql, st->col, ncols, PGRES_TUPLES_OK, what, err);
    if (res)
        st->results[st->nresults++] = res;
    return res;
}

void rb__store_drop_results(rb_store *st)
{
    int i;

    for (i = 0; i < st->nresults; i++)
        PQclear(st->results[i]);
    st->nresults = 0;
}

static const char *or_null(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

static void place_of(rb_place *p, const PGresult *res, int r, int lat_col)
{
    p->has_geo = !PQgetisnull(res, r, lat_col) && !PQgetisnull(res, r, lat_col + 1);
    p->lat = p->has_geo ? strtod(PQgetvalue(res, r, lat_col), NULL) : 0;
    p->lon = p->has_geo ? strtod(PQgetvalue(res, r, lat_col + 1), NULL) : 0;
}

static enum rb_mode mode_of(const char *name)
{
    enum rb_mode m = RB_MODE_PUBLIC_TRANSPORT;

    rb_mode_parse(name, &m);
    return m;
}

static int fetch_bookings(rb_store *st, batch *b, rb_error *err)
{
    const char *sql = b->nsettling ? SQL_BOOKINGS_SETTLING : SQL_BOOKINGS;
    PGresult *res;
    size_t i;
    int r;

    rb__store_begin(st, sql, b->nsettling ? 2 : 1);
    for (i = 0; i < b->n; i++)
        if (rb__item_names_facts(&b->items[i]) && b->items[i].cmd.booking_id)
            rb_pgarray_text(&st->col[0], b->items[i].cmd.booking_id);
    for (i = 0; i < b->nsettling; i++)
        rb_pgarray_text(&st->col[1], b->catalog_sessions[i]);
    if (!(res = rb__store_fetch_run(st, sql, b->nsettling ? 2 : 1, "lock bookings", err)))
        return err->code;
    b->nfetched = (size_t)PQntuples(res);
    if (b->nfetched > b->bookings_cap) { /* the bookings of cancelled or moved sessions */
        fact_booking *grown = realloc(b->bookings, (b->nfetched + 1) * sizeof(*b->bookings));
        if (!grown)
            return rb_error_set(err, RB_ENOMEM, "out of memory");
        memset(grown, 0, (b->nfetched + 1) * sizeof(*grown));
        b->bookings = grown;
        b->bookings_cap = b->nfetched;
    }
    if (b->nsettling && !(b->settled = calloc(b->nfetched + 1, sizeof(*b->settled))))
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        fact_booking *bk = &b->bookings[r];
        strncpy(bk->id, PQgetvalue(res, r, 0), RB_UUID_LEN - 1);
        bk->command_id = PQgetvalue(res, r, 1);
        bk->pupils = atoi(PQgetvalue(res, r, 4));
        bk->cancelled = strcmp(PQgetvalue(res, r, 5), "cancelled") == 0;
        bk->sequence = atoi(PQgetvalue(res, r, 6));
        bk->note = PQgetvalue(res, r, 7);
        bk->teacher_email = PQgetvalue(res, r, 8);
        bk->mode = mode_of(PQgetvalue(res, r, 9));
        bk->trip.known = true;
        bk->trip.mode = bk->mode;
        bk->trip.depart_ms = strtoll(PQgetvalue(res, r, 10), NULL, 10);
        bk->trip.return_ms = strtoll(PQgetvalue(res, r, 11), NULL, 10);
    }
    b->nbookings = b->nfetched;
    return 0;
}

int rb__session_row(rb_store *st, fact_session *fs, PGresult *res, int r, rb_error *err)
{
    rb_session *s = &fs->s;
    const PGresult *o = st->offerings_res;
    int k;

    s->id = PQgetvalue(res, r, 0);
    s->offering_id = PQgetvalue(res, r, 1);
    s->starts_at_ms = strtoll(PQgetvalue(res, r, 2), NULL, 10);
    s->ends_at_ms = strtoll(PQgetvalue(res, r, 3), NULL, 10);
    s->pupil_capacity = atoi(PQgetvalue(res, r, 4));
    s->class_capacity = atoi(PQgetvalue(res, r, 5));
    s->pupils_booked = atoi(PQgetvalue(res, r, 6));
    s->classes_booked = atoi(PQgetvalue(res, r, 7));
    s->cancelled = *PQgetvalue(res, r, 8) == 't';
    s->moved = *PQgetvalue(res, r, 9) == 't';
    fs->has_resources = PQnfields(res) > 10 && *PQgetvalue(res, r, 10) == 't';
    fs->has_waiting = PQnfields(res) > 11 && *PQgetvalue(res, r, 11) == 't';
    fs->classes_before = s->classes_booked;
    if ((k = rb__store_offering(st, s->offering_id)) < 0)
        return rb__store_offerings_stale(st, s->offering_id, err);
    s->grade_min = atoi(PQgetvalue(o, k, 1));
    s->grade_max = atoi(PQgetvalue(o, k, 2));
    fs->title = PQgetvalue(o, k, 3);
    fs->provider_name = PQgetvalue(o, k, 4);
    fs->provider_email = PQgetvalue(o, k, 5);
    fs->venue_name = PQgetvalue(o, k, 6);
    fs->venue_address = PQgetvalue(o, k, 7);
    place_of(&s->venue, o, k, 8);
    s->target_group = PQgetvalue(o, k, 10);
    s->duration_min = atoi(PQgetvalue(o, k, 11));
    s->sales_open_ms = strtoll(PQgetvalue(o, k, 12), NULL, 10);
    s->sales_close_ms = strtoll(PQgetvalue(o, k, 13), NULL, 10);
    s->notice_days = atoi(PQgetvalue(o, k, 14));
    s->setup_min = atoi(PQgetvalue(o, k, 15));
    s->cleanup_min = atoi(PQgetvalue(o, k, 16));
    s->category = or_null(o, k, 17);
    s->schedule.start = or_null(o, k, 18);
    s->schedule.rrule = or_null(o, k, 19);
    s->schedule.rdates = or_null(o, k, 20);
    s->schedule.exdates = or_null(o, k, 21);
    s->provider_id = PQgetvalue(o, k, 22);
    s->provider_municipality = or_null(o, k, 23);
    s->venue_id = or_null(o, k, 24);
    fs->language = PQgetvalue(o, k, 25);
    s->audience = or_null(o, k, 26);
    /* in an open round, and after its window: the draw's to book */
    s->round_id = !PQgetisnull(o, k, 27) &&
                          s->starts_at_ms > strtoll(PQgetvalue(o, k, 28), NULL, 10)
                      ? PQgetvalue(o, k, 27)
                      : NULL;
    return 0;
}

/* Sessions named by commands and by the bookings they touch. */
static int fetch_sessions(rb_store *st, batch *b, rb_error *err)
{
    PGresult *bres = st->results[0], *res, *waiting = NULL; /* the bookings */
    size_t i, nentries = 0;
    int r;

    for (i = 0; i < b->n; i++)
        nentries += rb__item_names_facts(&b->items[i]) && b->items[i].cmd.waiting_id;
    if (nentries) { /* withdraw, approve, refuse: rare, and a query of their own */
        rb__store_begin(st, SQL_NAMED_ENTRY_SESSIONS, 1);
        for (i = 0; i < b->n; i++)
            if (rb__item_names_facts(&b->items[i]) && b->items[i].cmd.waiting_id)
                rb_pgarray_text(&st->col[0], b->items[i].cmd.waiting_id);
        if (!(waiting = rb__store_fetch_run(st, SQL_NAMED_ENTRY_SESSIONS, 1,
                                            "find the entries named", err)))
            return err->code;
    }
    rb__store_begin(st, SQL_SESSIONS, 1);
    for (r = 0; waiting && r < PQntuples(waiting); r++)
        rb_pgarray_text(&st->col[0], PQgetvalue(waiting, r, 0));
    for (i = 0; i < b->n; i++) {
        const rb_command *c = &b->items[i].cmd;
        int k;
        if (!rb__item_names_facts(&b->items[i]))
            continue;
        if (c->session_id)
            rb_pgarray_text(&st->col[0], c->session_id);
        for (k = 0; c->kind == RB_CMD_WISH && k < c->nwish_sessions; k++)
            rb_pgarray_text(&st->col[0], c->wish_sessions[k]);
    }
    for (r = 0; r < PQntuples(bres); r++)
        rb_pgarray_text(&st->col[0], PQgetvalue(bres, r, 2));
    for (i = 0; i < b->nextra_sessions; i++)
        rb_pgarray_text(&st->col[0], b->extra_sessions[i]);
    if (!(res = rb__store_fetch_run(st, SQL_SESSIONS, 1, "lock sessions", err)))
        return err->code;
    b->nsessions = (size_t)PQntuples(res);
    b->sessions = calloc(b->nsessions + 1, sizeof(*b->sessions));
    if (!b->sessions)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++)
        if (rb__session_row(st, &b->sessions[r], res, r, err) < 0)
            return err->code;
    for (r = 0; r < PQntuples(bres); r++)
        b->bookings[r].session = rb__batch_session(b, PQgetvalue(bres, r, 2));
    return 0;
}

typedef struct session_resource {
    const char *session_id;
    rb_resource r;
} session_resource;

static int by_session(const void *a, const void *b)
{
    return strcmp(((const session_resource *)a)->session_id,
                  ((const session_resource *)b)->session_id);
}

int rb__store_fetch_resources(rb_store *st, fact_session *sessions, size_t n, bool lock,
                              rb_resource **out, size_t *nout, rb_error *err)
{
    const char *sql = lock ? SQL_RESOURCES_LOCK : SQL_RESOURCES_READ;
    session_resource *rows;
    PGresult *res;
    size_t i, k = 0, asking = 0;
    int r;

    rb__store_begin(st, sql, 1);
    for (i = 0; i < n; i++)
        if (sessions[i].has_resources && ++asking)
            rb_pgarray_text(&st->col[0], sessions[i].s.id);
    if (!asking) { /* most sessions need no room or guide: skip the round trip */
        *nout = 0;
        *out = calloc(1, sizeof(**out));
        return *out ? 0 : rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    res = rb__store_fetch_run(st, sql, 1, lock ? "lock resources" : "read resources", err);
    if (!res)
        return err->code;
    *nout = (size_t)PQntuples(res);
    *out = calloc(*nout + 1, sizeof(**out));
    rows = calloc(*nout + 1, sizeof(*rows));
    if (!*out || !rows) {
        free(rows);
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    }
    for (r = 0; r < PQntuples(res); r++) {
        rows[r].session_id = PQgetvalue(res, r, 0);
        rows[r].r.id = PQgetvalue(res, r, 1);
        rows[r].r.kind = PQgetvalue(res, r, 2);
        rows[r].r.name = PQgetvalue(res, r, 3);
    }
    qsort(rows, *nout, sizeof(*rows), by_session);
    for (i = 0; i < *nout; i++)
        (*out)[i] = rows[i].r;
    for (i = 0; i < n; i++) {
        fact_session *fs = &sessions[i];
        size_t first;
        for (k = 0; k < *nout && strcmp(rows[k].session_id, fs->s.id) != 0; k++)
            ;
        first = k;
        while (k < *nout && strcmp(rows[k].session_id, fs->s.id) == 0)
            k++;
        fs->s.resources = &(*out)[first];
        fs->s.nresources = k - first;
    }
    free(rows);
    return 0;
}

static int fetch_waits(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res = NULL;
    size_t i, asking = 0;
    int r;

    rb__store_begin(st, SQL_WAITS, 1);
    for (i = 0; i < b->nsessions; i++)
        if (b->sessions[i].has_waiting && ++asking)
            rb_pgarray_text(&st->col[0], b->sessions[i].s.id);
    if (asking && !(res = rb__store_fetch_run(st, SQL_WAITS, 1, "lock waiting lists", err)))
        return err->code;
    b->nwaits = b->nwaits_fetched = res ? (size_t)PQntuples(res) : 0;
    b->waits_cap = b->nwaits + b->n;
    b->npromotions = b->nwaits;
    b->waits = calloc(b->waits_cap + 1, sizeof(*b->waits));
    b->promotions = calloc(b->npromotions + 1, sizeof(*b->promotions));
    if (!b->waits || !b->promotions)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; res && r < PQntuples(res); r++) {
        fact_wait *w = &b->waits[r];
        item *it = &b->promotions[r];
        w->id = PQgetvalue(res, r, 0);
        w->session = rb__batch_session(b, PQgetvalue(res, r, 2));
        w->class_id = PQgetvalue(res, r, 3);
        w->review = strcmp(PQgetvalue(res, r, 9), "review") == 0;
        it->promotion = true;
        it->wait = w;
        it->cmd.kind = RB_CMD_BOOK;
        it->cmd.command_id = PQgetvalue(res, r, 1);
        it->cmd.session_id = PQgetvalue(res, r, 2);
        it->cmd.class_id = w->class_id;
        it->cmd.pupils = atoi(PQgetvalue(res, r, 4));
        it->cmd.mode = mode_of(PQgetvalue(res, r, 5));
        it->cmd.note = PQgetvalue(res, r, 6);
        it->cmd.actor_email = PQgetvalue(res, r, 7);
        it->cmd.actor_name = PQgetvalue(res, r, 8);
    }
    return 0;
}

/* The live wishes of the classes the batch's wishes are for, and those its
 * withdraws name: locked, so that two batches do not both replace one. */
static const char SQL_WISHES[] =
    "SELECT command_id::text, round_id, class_id FROM wishes WHERE status = 'received'"
    " AND (class_id = ANY($1::text[]) OR command_id = ANY($2::uuid[]))"
    " ORDER BY command_id FOR UPDATE";

/* The rounds the batch's wishes and withdraws are about, shared-locked
 * before their wishes: a round's draw (which locks it for update) either
 * waits for this batch, and then reads its wishes, or went first, and
 * then this batch sees the round allocated. */
static const char SQL_LOCK_ROUNDS[] =
    "SELECT id, status = 'allocated' FROM allocation_rounds WHERE id = ANY($1::text[])"
    " OR id IN (SELECT round_id FROM wishes WHERE command_id = ANY($2::uuid[]))"
    " ORDER BY id FOR SHARE";

/* The store's rounds as this transaction sees them: a copy of the cached
 * ones with the locked rows' state. */
static int lock_rounds(rb_store *st, batch *b, rb_error *err)
{
    fact_round *own;
    PGresult *res;
    size_t i;
    int r;

    if (!(res = rb__store_fetch_run(st, SQL_LOCK_ROUNDS, 2, "lock rounds", err)))
        return err->code;
    if (!(own = calloc(st->nrounds + 1, sizeof(*own))))
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    memcpy(own, st->rounds, st->nrounds * sizeof(*own));
    b->rounds_own = own;
    for (r = 0; r < PQntuples(res); r++) {
        for (i = 0; i < st->nrounds && strcmp(own[i].id, PQgetvalue(res, r, 0)) != 0; i++)
            ;
        if (i == st->nrounds) { /* created since the cache was read */
            st->catalogue_stale = true;
            st->settings_at_ms = 0;
            return rb_error_set(err, RB_ERETRY, "round %s is newer than the cached catalogue",
                                PQgetvalue(res, r, 0));
        }
        own[i].allocated = *PQgetvalue(res, r, 1) == 't';
    }
    return 0;
}

/* Wishes and withdraws (which may name a wish) look at live wishes. */
static bool asks_about_wishes(const item *it)
{
    return rb__item_names_facts(it) &&
           (it->cmd.kind == RB_CMD_WISH || it->cmd.kind == RB_CMD_WITHDRAW);
}

/* sql's $1: each wish's round (rounds) or class; $2: what each withdraw
 * names. */
static void wish_params(rb_store *st, const batch *b, const char *sql, bool rounds)
{
    size_t i;

    rb__store_begin(st, sql, 2);
    for (i = 0; i < b->n; i++) {
        const rb_command *c = &b->items[i].cmd;
        if (!asks_about_wishes(&b->items[i]))
            continue;
        if (c->kind == RB_CMD_WISH)
            rb_pgarray_text(&st->col[0], rounds ? c->round_id : c->class_id);
        else
            rb_pgarray_text(&st->col[1], c->waiting_id);
    }
}

/* The batch's rounds (locked) and live wishes; nothing for a batch with
 * no wish or withdraw, as most are. */
static int fetch_wishes(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i, asking = 0;
    int r, rc;

    for (i = 0; i < b->n; i++)
        asking += asks_about_wishes(&b->items[i]);
    if (!asking)
        return 0;
    wish_params(st, b, SQL_LOCK_ROUNDS, true);
    if ((rc = lock_rounds(st, b, err)) < 0)
        return rc;
    wish_params(st, b, SQL_WISHES, false);
    if (!(res = rb__store_fetch_run(st, SQL_WISHES, 2, "lock wishes", err)))
        return err->code;
    b->nwishes = b->nwishes_fetched = (size_t)PQntuples(res);
    b->wishes = calloc(b->nwishes + b->n + 1, sizeof(*b->wishes));
    b->wish_ends = calloc(b->nwishes + 1, sizeof(*b->wish_ends));
    if (!b->wishes || !b->wish_ends)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(res); r++) {
        fact_wish *w = &b->wishes[r];
        item *last = &b->wish_ends[r];
        w->command_id = PQgetvalue(res, r, 0);
        w->round_id = PQgetvalue(res, r, 1);
        w->class_id = PQgetvalue(res, r, 2);
        w->owner = last;
        last->promotion = true; /* its commands row is there: updated */
        last->cmd.kind = RB_CMD_WISH;
        last->cmd.command_id = w->command_id;
        last->cmd.class_id = w->class_id;
        last->cmd.note = "";
        last->cmd.actor_email = "";
        last->cmd.actor_name = "";
    }
    return 0;
}

static void class_row(fact_class *fc, const PGresult *res, int r)
{
    fc->c.id = PQgetvalue(res, r, 0);
    fc->c.school_id = PQgetvalue(res, r, 1);
    fc->c.grade = atoi(PQgetvalue(res, r, 2));
    fc->c.size = atoi(PQgetvalue(res, r, 3));
    fc->name = PQgetvalue(res, r, 4);
    fc->school.id = fc->c.school_id;
    fc->school.name = PQgetvalue(res, r, 5);
    fc->teacher_email = PQgetvalue(res, r, 6);
    fc->c.target_group = PQgetvalue(res, r, 7);
    fc->school.municipality = PQgetvalue(res, r, 8);
    place_of(&fc->school.place, res, r, 9);
    fc->c.earliest_departure_min = atoi(PQgetvalue(res, r, 11));
    fc->c.latest_return_min = atoi(PQgetvalue(res, r, 12));
    fc->c.school = &fc->school;
    fc->no = atoi(PQgetvalue(res, r, 13));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_fact_class(const void *a, const void *b)
{
    return strcmp(((const fact_class *)a)->c.id, ((const fact_class *)b)->c.id);
}

/* The classes the commands, bookings and waiting entries name: from the
 * store's cache, and from the database those it does not know (imported
 * since, or no class at all, which the rules then reject). */
static int fetch_classes(rb_store *st, batch *b, rb_error *err)
{
    PGresult *bres = st->results[0], *res = NULL; /* the bookings */
    size_t i, n = 0, nmissing = 0;
    const char **ids =
        calloc(b->n + (size_t)PQntuples(bres) + b->nwaits + b->nwishes + 1, sizeof(*ids));
    int r, k;

    if (!ids)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (i = 0; i < b->n; i++)
        if (rb__item_names_facts(&b->items[i]) && b->items[i].cmd.class_id)
            ids[n++] = b->items[i].cmd.class_id;
    for (r = 0; r < PQntuples(bres); r++)
        ids[n++] = PQgetvalue(bres, r, 3);
    for (i = 0; i < b->nwaits; i++)
        ids[n++] = b->waits[i].class_id;
    for (i = 0; i < b->nwishes; i++)
        ids[n++] = b->wishes[i].class_id;
    qsort(ids, n, sizeof(*ids), cmp_str);
    b->classes = calloc(n + 1, sizeof(*b->classes));
    rb__store_begin(st, SQL_CLASSES, 1);
    for (i = 0; b->classes && i < n; i++) {
        if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0)
            continue;
        if ((k = rb__store_class(st, ids[i])) >= 0) {
            class_row(&b->classes[b->nclasses++], st->classes_res, k);
        } else {
            rb_pgarray_text(&st->col[0], ids[i]);
            nmissing++;
        }
    }
    free(ids);
    if (!b->classes)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    if (nmissing && !(res = rb__store_fetch_run(st, SQL_CLASSES, 1, "read classes", err)))
        return err->code;
    for (r = 0; res && r < PQntuples(res); r++)
        class_row(&b->classes[b->nclasses++], res, r);
    qsort(b->classes, b->nclasses, sizeof(*b->classes), cmp_fact_class);
    for (r = 0; r < PQntuples(bres); r++)
        b->bookings[r].klass = rb__batch_class(b, PQgetvalue(bres, r, 3));
    for (i = 0; i < b->nwaits; i++)
        b->waits[i].klass = rb__batch_class(b, b->waits[i].class_id);
    return 0;
}

static int fetch_done(rb_store *st, batch *b, rb_error *err)
{
    PGresult *done;
    size_t i, longest_session = 0, longest_class = 0;
    int r;

    rb__store_begin(st, rb__sql_decided, 1);
    for (i = 0; i < b->n; i++)
        if (b->items[i].decode_rc == 0 && !b->items[i].drawn)
            rb_pgarray_text(&st->col[0], b->items[i].cmd.command_id);
    if (!(done = rb__store_fetch_run(st, rb__sql_decided, 1, "read decided commands", err)))
        return err->code;
    if (rb__strset_init(&b->done, (size_t)PQntuples(done) + b->n) < 0)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    for (r = 0; r < PQntuples(done); r++)
        rb__strset_add(&b->done, PQgetvalue(done, r, 0));
    for (i = 0; i < b->nsessions; i++)
        if (strlen(b->sessions[i].s.id) > longest_session)
            longest_session = strlen(b->sessions[i].s.id);
    for (i = 0; i < b->nclasses; i++)
        if (strlen(b->classes[i].c.id) > longest_class)
            longest_class = strlen(b->classes[i].c.id);
    /* A command holds or releases at most two pairs (reschedule), and so
     * does a booking a catalogue command moves. */
    b->held_cap =
        (longest_session + longest_class + 2) * 2 * (b->n + b->npromotions + b->nfetched) + 1;
    b->held_keys = malloc(b->held_cap);
    return b->held_keys ? 0 : rb_error_set(err, RB_ENOMEM, "out of memory");
}

int rb__store_fetch(rb_store *st, batch *b, rb_error *err)
{
    int rc;

    fact_booking *grown;

    /* Fetched bookings (at most one per command) come first; nothing
     * points into the array until deciding, so it can grow once the
     * waiting entries, each a possible new booking, are known. */
    b->bookings_cap = b->n;
    b->bookings = calloc(b->bookings_cap + 1, sizeof(*b->bookings));
    if (!b->bookings)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    if ((rc = fetch_bookings(st, b, err)) < 0 || (rc = fetch_sessions(st, b, err)) < 0 ||
        (rc = rb__store_fetch_resources(st, b->sessions, b->nsessions, true, &b->resources,
                                        &b->nresources, err)) < 0 ||
        (rc = fetch_waits(st, b, err)) < 0 || (rc = fetch_wishes(st, b, err)) < 0)
        return rc;
    rb__batch_mark_settling(b);
    b->rounds = b->rounds_own ? b->rounds_own : st->rounds;
    b->nrounds = st->nrounds;
    b->bookings_cap = b->nfetched + b->n + b->npromotions;
    grown = realloc(b->bookings, (b->bookings_cap + 1) * sizeof(*b->bookings));
    if (!grown)
        return rb_error_set(err, RB_ENOMEM, "out of memory");
    b->bookings = grown;
    if ((rc = fetch_classes(st, b, err)) < 0)
        return rc;
    return fetch_done(st, b, err);
}
