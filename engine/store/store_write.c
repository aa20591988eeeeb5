/* The write half of a batch transaction: bookings, holds, session
 * counters, waiting entries and offsets, then (store_events.c) decisions
 * and outbox events, and COMMIT, in one pipeline. Every statement takes
 * whole columns as array parameters and unnests them, so a batch of any
 * size costs the same handful of round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_internal.h"
#include "rumbook/localtime.h"
#include "rumbook/log.h"
#include "rumbook/pgarray.h"
#include "store/store_internal.h"

#define RANGE(f, t)                                                                   \
    "tstzrange(to_timestamp(" f "::float8 / 1000), to_timestamp(" t "::float8 / 1000))"

static const char SQL_UPDATE_BOOKINGS[] =
    "UPDATE bookings b SET status = u.status, session_id = u.session_id, sequence = u.sequence,"
    " away = " RANGE("u.f", "u.t") ", pupils = u.pupils, travel_mode = u.mode, note = u.note,"
    " updated_at = now()"
    " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[],"
    " $7::int[], $8::text[], $9::text[])"
    " AS u(id, status, session_id, sequence, f, t, pupils, mode, note) WHERE b.id = u.id";

static const char SQL_INSERT_BOOKINGS[] =
    "INSERT INTO bookings (id, command_id, session_id, class_id, pupils, status, sequence, note,"
    " teacher_email, travel_mode, away, class_no)"
    " SELECT u.id, u.cid, u.sid, u.klass, u.pupils, u.status, u.seq, u.note, u.mail, u.mode,"
    " " RANGE("u.f", "u.t") ", u.no"
    " FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[],"
    " $7::int[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::int[])"
    " AS u(id, cid, sid, klass, pupils, status, seq, note, mail, mode, f, t, no)";

static const char SQL_DELETE_BUS_HOLDS[] =
    "DELETE FROM bus_holds WHERE booking_id = ANY($1::uuid[])";

static const char SQL_INSERT_BUS_HOLDS[] =
    "INSERT INTO bus_holds (bus_id, booking_id, during)"
    " SELECT u.bus, u.booking, " RANGE("u.f", "u.t")
    " FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::bigint[]) AS u(bus, booking, f, t)";

static const char SQL_DELETE_RESOURCE_HOLDS[] =
    "DELETE FROM resource_holds WHERE session_id = ANY($1::text[])";

static const char SQL_INSERT_RESOURCE_HOLDS[] =
    "INSERT INTO resource_holds (resource_id, session_id, during, lat, lon)"
    " SELECT u.r, u.s, " RANGE("u.f", "u.t") ", u.lat, u.lon"
    " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::float8[],"
    " $6::float8[]) AS u(r, s, f, t, lat, lon)";

static const char SQL_INSERT_WAITS[] =
    "INSERT INTO waitlist (command_id, session_id, class_id, pupils, travel_mode, note,"
    " actor_email, actor_name, expires_at, kind)"
    " SELECT u.c, u.s, u.k, u.p, u.m, u.n, u.ae, u.an, to_timestamp(u.x::float8 / 1000), u.kind"
    " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[],"
    " $7::text[], $8::text[], $9::bigint[], $10::text[])"
    " AS u(c, s, k, p, m, n, ae, an, x, kind)";

/* Entries decided in the batch: promoted (with their booking) or rejected. */
static const char SQL_RESOLVE_WAITS[] =
    "UPDATE waitlist w SET status = u.status, booking_id = u.b, resolved_at = now()"
    " FROM unnest($1::bigint[], $2::text[], $3::uuid[]) AS u(id, status, b) WHERE w.id = u.id";

/* A wish's sessions travel as one text joined by unit separators: the
 * arrays of array parameters would have to be of one length. */
static const char SQL_INSERT_WISHES[] =
    "INSERT INTO wishes (command_id, round_id, class_id, school_id, sessions, pupils,"
    " travel_mode, wants, wait, note, actor_email, actor_name)"
    " SELECT u.c, u.r, u.k, u.s, string_to_array(u.x, chr(31)), u.p, u.m, u.w, u.f::boolean, u.n,"
    " u.ae, u.an FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::int[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[])"
    " AS u(c, r, k, s, x, p, m, w, f, n, ae, an)";

static const char SQL_END_WISHES[] =
    "UPDATE wishes w SET status = u.s FROM unnest($1::uuid[], $2::text[]) AS u(c, s)"
    " WHERE w.command_id = u.c";

static const char SQL_UPDATE_SESSIONS[] =
    "UPDATE sessions s SET pupils_booked = u.p, classes_booked = u.c"
    " FROM unnest($1::text[], $2::int[], $3::int[]) AS u(id, p, c) WHERE s.id = u.id";

static const char SQL_OFFSETS[] =
    "INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)"
    " SELECT $4, t, p, o FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(t, p, o)"
    " ON CONFLICT (group_id, topic, partition) DO UPDATE"
    " SET next_offset = GREATEST(consumer_offsets.next_offset, EXCLUDED.next_offset),"
    " updated_at = now()";

int rb__store_queue_columns(rb_store *st, const char *sql, rb_pgarray *cols, int ncols,
                            const char *what, rb_error *err)
{
    return rb__pgpipe_send(&st->pipe, sql, cols, ncols, PGRES_COMMAND_OK, what, err);
}

int rb__store_queue(rb_store *st, const char *sql, int ncols, const char *what, rb_error *err)
{
    return rb__store_queue_columns(st, sql, st->col, ncols, what, err);
}

/* Existing bookings changed by the batch; before the inserts, so that a
 * cancel frees its (session, class) slot for a new booking in the batch. */
static int write_changed_bookings(rb_store *st, batch *b, rb_error *err)
{
    size_t i, n = 0;

    rb__store_begin(st, SQL_UPDATE_BOOKINGS, 9);
    for (i = 0; i < b->nfetched; i++) {
        fact_booking *bk = &b->bookings[i];
        if (!bk->dirty)
            continue;
        rb_pgarray_text(&st->col[0], bk->id);
        rb_pgarray_text(&st->col[1], bk->cancelled ? "cancelled" : "confirmed");
        rb_pgarray_text(&st->col[2], bk->session->s.id);
        rb_pgarray_int(&st->col[3], bk->sequence);
        rb_pgarray_int(&st->col[4], bk->trip.depart_ms);
        rb_pgarray_int(&st->col[5], bk->trip.return_ms);
        rb_pgarray_int(&st->col[6], bk->pupils);
        rb_pgarray_text(&st->col[7], rb_mode_name(bk->mode));
        rb_pgarray_text(&st->col[8], bk->note ? bk->note : "");
        n++;
    }
    return n ? rb__store_queue(st, SQL_UPDATE_BOOKINGS, 9, "update bookings", err) : 0;
}

static int write_new_bookings(rb_store *st, batch *b, rb_error *err)
{
    size_t i;

    if (b->nbookings == b->nfetched)
        return 0;
    rb__store_begin(st, SQL_INSERT_BOOKINGS, 13);
    for (i = b->nfetched; i < b->nbookings; i++) {
        fact_booking *bk = &b->bookings[i];
        rb_pgarray_text(&st->col[0], bk->id);
        rb_pgarray_text(&st->col[1], bk->command_id);
        rb_pgarray_text(&st->col[2], bk->session->s.id);
        rb_pgarray_text(&st->col[3], bk->klass->c.id);
        rb_pgarray_int(&st->col[4], bk->pupils);
        rb_pgarray_text(&st->col[5], bk->cancelled ? "cancelled" : "confirmed");
        rb_pgarray_int(&st->col[6], bk->sequence);
        rb_pgarray_text(&st->col[7], bk->note);
        rb_pgarray_text(&st->col[8], bk->teacher_email);
        rb_pgarray_text(&st->col[9], bk->mode == RB_MODE_CAR ? "public_transport"
                                                             : rb_mode_name(bk->mode));
        rb_pgarray_int(&st->col[10], bk->trip.depart_ms);
        rb_pgarray_int(&st->col[11], bk->trip.return_ms);
        rb_pgarray_int(&st->col[12], bk->klass->no);
    }
    return rb__store_queue(st, SQL_INSERT_BOOKINGS, 13, "insert bookings", err);
}

/* Buses of bookings changed in the batch: old holds go, new ones come
 * (after the bookings they reference exist). */
static int write_bus_holds(rb_store *st, batch *b, bool inserting, rb_error *err)
{
    size_t i, n = 0;
    int k;

    if (inserting)
        rb__store_begin(st, SQL_INSERT_BUS_HOLDS, 4);
    else
        rb__store_begin(st, SQL_DELETE_BUS_HOLDS, 1);
    for (i = 0; i < b->nbookings; i++) {
        fact_booking *bk = &b->bookings[i];
        if (!bk->buses_changed)
            continue;
        if (!inserting && !bk->is_new) {
            rb_pgarray_text(&st->col[0], bk->id);
            n++;
        }
        for (k = 0; inserting && k < bk->nbuses; k++, n++) {
            rb_pgarray_text(&st->col[0], bk->bus_ids[k]);
            rb_pgarray_text(&st->col[1], bk->id);
            rb_pgarray_int(&st->col[2], bk->bus_from[k]);
            rb_pgarray_int(&st->col[3], bk->bus_until[k]);
        }
    }
    if (!n)
        return 0;
    return inserting ? rb__store_queue(st, SQL_INSERT_BUS_HOLDS, 4, "hold buses", err)
                     : rb__store_queue(st, SQL_DELETE_BUS_HOLDS, 1, "release buses", err);
}

static void coordinate(rb_pgarray *col, const rb_place *p, double v)
{
    if (p->has_geo)
        rb_pgarray_float(col, v);
    else
        rb_pgarray_null(col);
}

/* Whether a session a catalogue command moved still holds its resources:
 * its holds are taken again at the new time. */
static bool moved_holding(const fact_session *fs)
{
    return fs->settle_by && fs->settle_by->cmd.kind == RB_CMD_MOVE_SESSION &&
           fs->classes_before > 0;
}

/* A session holds its resources while it has a class. */
static int write_resource_holds(rb_store *st, batch *b, rb_error *err)
{
    size_t i, j, freed = 0, taken = 0;
    int rc;

    rb__store_begin(st, SQL_DELETE_RESOURCE_HOLDS, 1);
    for (i = 0; i < b->nsessions; i++)
        if (b->sessions[i].classes_before > 0 &&
            (b->sessions[i].s.classes_booked == 0 || moved_holding(&b->sessions[i])) &&
            b->sessions[i].s.nresources) {
            rb_pgarray_text(&st->col[0], b->sessions[i].s.id);
            freed++;
        }
    if (freed && (rc = rb__store_queue(st, SQL_DELETE_RESOURCE_HOLDS, 1, "release resources", err)) < 0)
        return rc;
    rb__store_begin(st, SQL_INSERT_RESOURCE_HOLDS, 6);
    for (i = 0; i < b->nsessions; i++) {
        fact_session *fs = &b->sessions[i];
        int64_t from, until;
        if ((fs->classes_before > 0 && !moved_holding(fs)) || fs->s.classes_booked == 0)
            continue;
        rb_session_hold_window(&fs->s, &from, &until);
        for (j = 0; j < fs->s.nresources; j++, taken++) {
            rb_pgarray_text(&st->col[0], fs->s.resources[j].id);
            rb_pgarray_text(&st->col[1], fs->s.id);
            rb_pgarray_int(&st->col[2], from);
            rb_pgarray_int(&st->col[3], until);
            coordinate(&st->col[4], &fs->place, fs->place.lat);
            coordinate(&st->col[5], &fs->place, fs->place.lon);
        }
    }
    return taken ? rb__store_queue(st, SQL_INSERT_RESOURCE_HOLDS, 6, "hold resources", err) : 0;
}

static int write_waits(rb_store *st, batch *b, rb_error *err)
{
    size_t i, n = 0;
    int rc;

    rb__store_begin(st, SQL_INSERT_WAITS, 10);
    for (i = 0; i < b->n; i++) {
        const item *it = &b->items[i];
        if (!it->wait || it->duplicate || it->decode_rc < 0)
            continue;
        rb_pgarray_text(&st->col[0], it->cmd.command_id);
        rb_pgarray_text(&st->col[1], it->wait->session->s.id);
        rb_pgarray_text(&st->col[2], it->wait->class_id);
        rb_pgarray_int(&st->col[3], it->cmd.pupils);
        rb_pgarray_text(&st->col[4], rb_mode_name(it->cmd.mode));
        rb_pgarray_text(&st->col[5], it->cmd.note);
        rb_pgarray_text(&st->col[6], it->cmd.actor_email);
        rb_pgarray_text(&st->col[7], it->cmd.actor_name ? it->cmd.actor_name : "");
        rb_pgarray_int(&st->col[8], it->wait->expires_ms);
        rb_pgarray_text(&st->col[9], it->wait->review ? "review" : "capacity");
        n++;
    }
    if (n && (rc = rb__store_queue(st, SQL_INSERT_WAITS, 10, "insert waiting entries", err)) < 0)
        return rc;
    n = 0;
    rb__store_begin(st, SQL_RESOLVE_WAITS, 3);
    for (i = 0; i < b->npromotions; i++) {
        const item *it = &b->promotions[i];
        if (!it->wait->leaves)
            continue;
        rb_pgarray_text(&st->col[0], it->wait->id);
        rb_pgarray_text(&st->col[1], it->wait->withdrawn ? "withdrawn"
                                     : it->booking       ? "promoted"
                                                         : "rejected");
        rb_pgarray_text(&st->col[2], it->booking ? it->booking->id : NULL);
        n++;
    }
    return n ? rb__store_queue(st, SQL_RESOLVE_WAITS, 3, "resolve waiting entries", err) : 0;
}

/* Wishes that ended (replaced, withdrawn) first: the new one for a class
 * takes the round's one live place. */
static int write_wishes(rb_store *st, batch *b, rb_error *err)
{
    rb_buf joined;
    size_t i, n = 0;
    int k, rc;

    rb__store_begin(st, SQL_END_WISHES, 2);
    for (i = 0; i < b->nwishes_fetched; i++)
        if (b->wishes[i].ends) {
            rb_pgarray_text(&st->col[0], b->wishes[i].command_id);
            rb_pgarray_text(&st->col[1], b->wishes[i].withdrawn ? "withdrawn" : "replaced");
            n++;
        }
    if (n && (rc = rb__store_queue(st, SQL_END_WISHES, 2, "end wishes", err)) < 0)
        return rc;
    n = 0;
    rb_buf_init(&joined);
    rb__store_begin(st, SQL_INSERT_WISHES, 12);
    for (i = b->nwishes_fetched; i < b->nwishes; i++) {
        const fact_wish *w = &b->wishes[i];
        const rb_command *c = &w->owner->cmd;
        const fact_class *fc = rb__batch_class(b, w->class_id);
        if (w->ends || !fc)
            continue; /* replaced in the same batch: its decision says so */
        rb_buf_reset(&joined);
        rb_buf_puts(&joined, "");
        for (k = 0; k < c->nwish_sessions; k++)
            rb_buf_printf(&joined, "%s%s", k ? "\x1f" : "", c->wish_sessions[k]);
        rb_pgarray_text(&st->col[0], w->command_id);
        rb_pgarray_text(&st->col[1], w->round_id);
        rb_pgarray_text(&st->col[2], w->class_id);
        rb_pgarray_text(&st->col[3], fc->c.school_id);
        rb_pgarray_text(&st->col[4], joined.data);
        rb_pgarray_int(&st->col[5], c->pupils);
        rb_pgarray_text(&st->col[6], rb_mode_name(c->mode));
        rb_pgarray_int(&st->col[7], c->wants);
        rb_pgarray_text(&st->col[8], c->wait_if_full ? "t" : "f");
        rb_pgarray_text(&st->col[9], c->note);
        rb_pgarray_text(&st->col[10], c->actor_email);
        rb_pgarray_text(&st->col[11], c->actor_name ? c->actor_name : "");
        n++;
    }
    rb_buf_fini(&joined);
    return n ? rb__store_queue(st, SQL_INSERT_WISHES, 12, "insert wishes", err) : 0;
}

static int write_sessions(rb_store *st, batch *b, rb_error *err)
{
    size_t i, n = 0;

    rb__store_begin(st, SQL_UPDATE_SESSIONS, 3);
    for (i = 0; i < b->nsessions; i++) {
        if (!b->sessions[i].dirty)
            continue;
        rb_pgarray_text(&st->col[0], b->sessions[i].s.id);
        rb_pgarray_int(&st->col[1], b->sessions[i].s.pupils_booked);
        rb_pgarray_int(&st->col[2], b->sessions[i].s.classes_booked);
        n++;
    }
    return n ? rb__store_queue(st, SQL_UPDATE_SESSIONS, 3, "update sessions", err) : 0;
}

/* The next offset of every partition the batch came from. */
static int write_offsets(rb_store *st, batch *b, rb_error *err)
{
    size_t i, j, n = 0;

    rb__store_begin(st, SQL_OFFSETS, 3);
    for (i = 0; i < b->n; i++) {
        const rb_message *m = b->items[i].m;
        bool last = true;
        if (!m)
            continue; /* a draw's: no message behind it */
        for (j = i + 1; j < b->n && last; j++)
            if (b->items[j].m && b->items[j].m->partition == m->partition &&
                strcmp(b->items[j].m->topic, m->topic) == 0)
                last = b->items[j].m->offset < m->offset;
        if (!last)
            continue;
        rb_pgarray_text(&st->col[0], m->topic);
        rb_pgarray_int(&st->col[1], m->partition);
        rb_pgarray_int(&st->col[2], m->offset + 1);
        n++;
    }
    if (!n)
        return 0;
    rb_pgarray_scalar(&st->col[3], st->group);
    return rb__store_queue_columns(st, SQL_OFFSETS, st->col, 4, "store offsets", err);
}

int rb__store_notify_relay(rb_store *st, rb_error *err)
{
    return rb__pgpipe_send(&st->pipe, "NOTIFY rumbook_outbox", NULL, 0, PGRES_COMMAND_OK,
                           "notify relay", err);
}

int rb__store_pipelined(rb_store *st, int (*queue)(rb_store *, void *, rb_error *), void *arg,
                     bool commit, rb_error *err)
{
    rb_error later;
    int rc, end;

    if ((rc = rb__pgpipe_begin(&st->pipe, st->conn, &st->stmts, err)) < 0)
        return rc;
    rc = queue(st, arg, err);
    if (rc == 0 && commit)
        rc = rb__pgpipe_send(&st->pipe, "COMMIT", NULL, 0, PGRES_COMMAND_OK, "commit", err);
    end = rb__pgpipe_end(&st->pipe, rc < 0 ? &later : err);
    return rc < 0 ? rc : end;
}

typedef struct write_args {
    batch *b;
    rb_batch_stats *stats;
} write_args;

static int send_writes(rb_store *st, void *arg, rb_error *err)
{
    write_args *w = arg;
    batch *b = w->b;
    int rc;

    if ((rc = write_bus_holds(st, b, false, err)) < 0 ||
        (rc = write_changed_bookings(st, b, err)) < 0 || (rc = write_new_bookings(st, b, err)) < 0 ||
        (rc = write_bus_holds(st, b, true, err)) < 0 || (rc = write_resource_holds(st, b, err)) < 0 ||
        (rc = write_sessions(st, b, err)) < 0 || (rc = write_waits(st, b, err)) < 0 ||
        (rc = write_wishes(st, b, err)) < 0 ||
        (rc = rb__store_write_events(st, b, w->stats, err)) < 0 || (rc = write_offsets(st, b, err)) < 0)
        return rc;
    return rb__store_notify_relay(st, err);
}

int rb__store_write_commit(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    write_args w = {b, stats};

    return rb__store_pipelined(st, send_writes, &w, true, err);
}

int rb__store_write(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    write_args w = {b, stats};

    return rb__store_pipelined(st, send_writes, &w, false, err);
}
