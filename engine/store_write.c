/* The write half of a batch transaction: every statement takes whole
 * columns as array parameters and unnests them, so a batch of any size
 * costs the same handful of round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"
#include "rumbook/localtime.h"
#include "rumbook/log.h"
#include "rumbook/pgarray.h"
#include "store_internal.h"

#define RANGE(f, t)                                                                   \
    "tstzrange(to_timestamp(" f "::float8 / 1000), to_timestamp(" t "::float8 / 1000))"

static const char SQL_UPDATE_BOOKINGS[] =
    "UPDATE bookings b SET status = u.status, session_id = u.session_id, sequence = u.sequence,"
    " away = " RANGE("u.f", "u.t") ", updated_at = now()"
    " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[])"
    " AS u(id, status, session_id, sequence, f, t) WHERE b.id = u.id";

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

/* A promoted command already has its row (it was waitlisted). */
static const char SQL_UPDATE_COMMANDS[] =
    "UPDATE commands c SET status = u.status, booking_id = u.booking, reasons = u.reasons,"
    " decision = u.decision, decision_event_id = u.event, decided_at = now()"
    " FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::bytea[], $6::uuid[])"
    " AS u(id, status, booking, reasons, decision, event) WHERE c.command_id = u.id";

static const char SQL_UPDATE_SESSIONS[] =
    "UPDATE sessions s SET pupils_booked = u.p, classes_booked = u.c"
    " FROM unnest($1::text[], $2::int[], $3::int[]) AS u(id, p, c) WHERE s.id = u.id";

static const char SQL_INSERT_COMMANDS[] =
    "INSERT INTO commands (command_id, kind, status, booking_id, reasons, decision,"
    " decision_event_id, source_topic, source_partition, source_offset)"
    " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[],"
    " $6::bytea[], $7::uuid[], $8::text[], $9::int[], $10::bigint[])";

/* The transaction's events, as one batch the relay marks sent at once. */
static const char SQL_INSERT_OUTBOX[] =
    "WITH b AS (INSERT INTO outbox_batches DEFAULT VALUES RETURNING id)"
    " INSERT INTO outbox_events (event_id, topic, key, payload, message_type, cause,"
    " source_topic, source_partition, source_offset, batch_id)"
    " SELECT u.*, b.id FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::bytea[], $5::text[],"
    " $6::text[], $7::text[], $8::int[], $9::bigint[]) AS u CROSS JOIN b";

static const char SQL_OFFSETS[] =
    "INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)"
    " SELECT $4, t, p, o FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(t, p, o)"
    " ON CONFLICT (group_id, topic, partition) DO UPDATE"
    " SET next_offset = GREATEST(consumer_offsets.next_offset, EXCLUDED.next_offset),"
    " updated_at = now()";

/* Queues sql with the column arrays as its parameters. */
static int run_columns(rb_store *st, const char *sql, rb_pgarray *cols, int ncols,
                       const char *what, rb_error *err)
{
    return rb__pgpipe_send(&st->pipe, sql, cols, ncols, PGRES_COMMAND_OK, what, err);
}

static int run(rb_store *st, const char *sql, int ncols, const char *what, rb_error *err)
{
    return run_columns(st, sql, st->col, ncols, what, err);
}

/* Existing bookings changed by the batch; before the inserts, so that a
 * cancel frees its (session, class) slot for a new booking in the batch. */
static int write_changed_bookings(rb_store *st, batch *b, rb_error *err)
{
    size_t i, n = 0;

    rb__store_begin(st, SQL_UPDATE_BOOKINGS, 6);
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
        n++;
    }
    return n ? run(st, SQL_UPDATE_BOOKINGS, 6, "update bookings", err) : 0;
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
    return run(st, SQL_INSERT_BOOKINGS, 13, "insert bookings", err);
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
    return inserting ? run(st, SQL_INSERT_BUS_HOLDS, 4, "hold buses", err)
                     : run(st, SQL_DELETE_BUS_HOLDS, 1, "release buses", err);
}

static void coordinate(rb_pgarray *col, const rb_place *p, double v)
{
    if (p->has_geo)
        rb_pgarray_float(col, v);
    else
        rb_pgarray_null(col);
}

/* A session holds its resources while it has a class. */
static int write_resource_holds(rb_store *st, batch *b, rb_error *err)
{
    size_t i, j, freed = 0, taken = 0;
    int rc;

    rb__store_begin(st, SQL_DELETE_RESOURCE_HOLDS, 1);
    for (i = 0; i < b->nsessions; i++)
        if (b->sessions[i].classes_before > 0 && b->sessions[i].s.classes_booked == 0 &&
            b->sessions[i].s.nresources) {
            rb_pgarray_text(&st->col[0], b->sessions[i].s.id);
            freed++;
        }
    if (freed && (rc = run(st, SQL_DELETE_RESOURCE_HOLDS, 1, "release resources", err)) < 0)
        return rc;
    rb__store_begin(st, SQL_INSERT_RESOURCE_HOLDS, 6);
    for (i = 0; i < b->nsessions; i++) {
        fact_session *fs = &b->sessions[i];
        int64_t from, until;
        if (fs->classes_before > 0 || fs->s.classes_booked == 0)
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
    return taken ? run(st, SQL_INSERT_RESOURCE_HOLDS, 6, "hold resources", err) : 0;
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
    if (n && (rc = run(st, SQL_INSERT_WAITS, 10, "insert waiting entries", err)) < 0)
        return rc;
    n = 0;
    rb__store_begin(st, SQL_RESOLVE_WAITS, 3);
    for (i = 0; i < b->npromotions; i++) {
        const item *it = &b->promotions[i];
        if (!it->wait->leaves)
            continue;
        rb_pgarray_text(&st->col[0], it->wait->id);
        rb_pgarray_text(&st->col[1], it->wait->refused ? "rejected" : "promoted");
        rb_pgarray_text(&st->col[2], it->booking ? it->booking->id : NULL);
        n++;
    }
    return n ? run(st, SQL_RESOLVE_WAITS, 3, "resolve waiting entries", err) : 0;
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
    return n ? run(st, SQL_UPDATE_SESSIONS, 3, "update sessions", err) : 0;
}

/* Outbox rows go to columns 0-8 of a second set of buffers. */
typedef struct outbox_rows {
    rb_pgarray col[9];
    size_t n;
} outbox_rows;

static void outbox_begin(outbox_rows *o)
{
    int i;

    o->n = 0;
    for (i = 0; i < 9; i++)
        rb_pgarray_init(&o->col[i]);
    rb_pgarray_begin_for(o->col, 9, SQL_INSERT_OUTBOX);
}

static void outbox_fini(outbox_rows *o)
{
    int i;

    for (i = 0; i < 9; i++)
        rb_pgarray_fini(&o->col[i]);
}

static void outbox_add(outbox_rows *o, const char *topic, const void *key, size_t key_len,
                       const void *payload, size_t len, const char *type, const item *dead,
                       char event_id[RB_UUID_LEN])
{
    if (rb_uuid_new(event_id) < 0)
        o->col[0].buf.failed = true;
    rb_pgarray_text(&o->col[0], event_id);
    rb_pgarray_text(&o->col[1], topic);
    if (key)
        rb_pgarray_bytea(&o->col[2], key, key_len);
    else
        rb_pgarray_text(&o->col[2], NULL);
    rb_pgarray_bytea(&o->col[3], payload, len);
    rb_pgarray_text(&o->col[4], type);
    rb_pgarray_text(&o->col[5], dead ? dead->cause : NULL);
    if (dead) {
        rb_pgarray_text(&o->col[6], dead->m->topic);
        rb_pgarray_int(&o->col[7], dead->m->partition);
        rb_pgarray_int(&o->col[8], dead->m->offset);
    } else {
        rb_pgarray_text(&o->col[6], NULL);
        rb_pgarray_text(&o->col[7], NULL);
        rb_pgarray_text(&o->col[8], NULL);
    }
    o->n++;
}

/* What the teacher needs on the day: when to leave, and the bus. */
static void describe_trip(const fact_booking *bk, rb_buf *out)
{
    const rb_trip *t = &bk->trip;
    char leave[8], back[8], pickup[8];
    int i;

    if (!bk->session->s.venue_id) {
        rb_buf_puts(out, "\n\nThe session is held at the school.");
        return;
    }
    if (!t->known || !t->depart_ms)
        return;
    rb_local_format_hm(t->depart_ms, leave);
    rb_local_format_hm(t->return_ms, back);
    rb_buf_printf(out, "\n\nDeparture from school: %s (%s, %d min%s). Back at school: %s.",
                  leave, rb_mode_name(bk->mode), t->minutes, t->estimated ? ", estimated" : "",
                  back);
    if (bk->nbuses == 0)
        return;
    rb_buf_printf(out, "\nBus pickup at %s: %s, ", bk->klass->school.name, leave);
    for (i = 0; i < bk->nbuses; i++)
        rb_buf_printf(out, "%s%s", i ? " and " : "", bk->bus_names[i]);
    rb_local_format_hm(bk->bus_from[0], pickup);
    rb_buf_printf(out, " (leaves the depot %s).", pickup);
}

static void describe(const fact_booking *bk, rb_buf *out)
{
    rb_buf_printf(out, "Class %s, %s: %d pupils.", bk->klass->name, bk->klass->school.name,
                  bk->pupils);
    describe_trip(bk, out);
    if (bk->note && *bk->note)
        rb_buf_printf(out, "\n\nNote from the teacher:\n%s", bk->note);
    rb_buf_printf(out, "\n\nBooking %s", bk->id);
}

static int render_invitation(rb_store *st, const item *it, int64_t now, char **ical,
                             rb_error *err)
{
    const fact_booking *bk = it->booking;
    const fact_session *fs = bk->session;
    char uid[RB_UUID_LEN + 16];
    rb_buf location, description;
    rb_invitation inv = {0};
    int rc;

    rb_buf_init(&location);
    rb_buf_init(&description);
    snprintf(uid, sizeof(uid), "%s@rumbook", bk->id);
    rb_buf_puts(&location, *fs->venue_name ? fs->venue_name : bk->klass->school.name);
    if (*fs->venue_address)
        rb_buf_printf(&location, ", %s", fs->venue_address);
    describe(bk, &description);
    inv.method = it->method;
    inv.uid = uid;
    inv.sequence = bk->sequence;
    inv.dtstamp_ms = now;
    inv.starts_at_ms = fs->s.starts_at_ms;
    inv.ends_at_ms = fs->s.ends_at_ms;
    inv.summary = fs->title;
    inv.description = description.data;
    inv.location = location.data;
    inv.has_geo = fs->s.venue.has_geo;
    inv.lat = fs->s.venue.lat;
    inv.lon = fs->s.venue.lon;
    inv.organizer_email = fs->provider_email;
    inv.organizer_name = fs->provider_name;
    inv.attendee_email = bk->teacher_email;
    inv.attendee_name = strcmp(it->cmd.actor_email, bk->teacher_email) == 0 ? it->cmd.actor_name
                                                                             : NULL;
    rc = rb_calendar_render(st->cal, &inv, ical, err);
    rb_buf_fini(&location);
    rb_buf_fini(&description);
    return rc;
}

static int add_invitation(rb_store *st, const item *it, int64_t now, outbox_rows *o,
                          rb_error *err)
{
    const fact_booking *bk = it->booking;
    char uid[RB_UUID_LEN + 16], event_id[RB_UUID_LEN], *ical;
    rb_invitation_event ev = {0};
    uint8_t *payload;
    size_t len;
    int rc;

    if ((rc = render_invitation(st, it, now, &ical, err)) < 0)
        return rc;
    snprintf(uid, sizeof(uid), "%s@rumbook", bk->id);
    ev.booking_id = bk->id;
    ev.command_id = it->cmd.command_id;
    ev.method = it->method;
    ev.recipient = bk->teacher_email;
    ev.organizer = bk->session->provider_email;
    ev.uid = uid;
    ev.sequence = bk->sequence;
    ev.icalendar = ical;
    rc = rb_invitation_encode(&ev, &payload, &len);
    free(ical);
    if (rc < 0)
        return rb_error_set(err, rc, "cannot encode invitation");
    outbox_add(o, st->topic_invitations, bk->id, strlen(bk->id), payload, len,
               RB_MSG_INVITATION, NULL, event_id);
    free(payload);
    return 0;
}

static void reason_codes(const rb_verdict *v, rb_buf *out)
{
    int i;

    rb_buf_reset(out);
    rb_buf_puts(out, "");
    for (i = 0; i < v->nreasons; i++)
        rb_buf_printf(out, "%s%s", i ? " " : "", v->reasons[i].code);
}

static void fill_decision(const item *it, int64_t now, rb_decision *d)
{
    const fact_booking *bk = it->booking;

    memset(d, 0, sizeof(*d));
    d->command_id = it->cmd.command_id;
    d->booking_id = bk ? bk->id : NULL;
    d->status = it->status;
    d->reasons = &it->verdict;
    d->decided_at_ms = now;
    d->session_id = bk ? bk->session->s.id : it->cmd.session_id;
    d->class_id = bk ? bk->klass->c.id : it->cmd.class_id;
    d->pupils = bk ? bk->pupils : it->cmd.pupils;
    if (bk) {
        d->starts_at_ms = bk->session->s.starts_at_ms;
        d->ends_at_ms = bk->session->s.ends_at_ms;
    }
    d->waitlist_position = it->position;
    d->alternatives = it->alternatives;
    d->nalternatives = it->nalternatives;
    if (bk && it->status == RB_STATUS_CONFIRMED && bk->trip.known) {
        d->travel_mode = bk->session->s.venue_id ? rb_mode_name(bk->mode) : NULL;
        d->departs_at_ms = bk->trip.depart_ms;
        d->returns_at_ms = bk->trip.return_ms;
        d->bus_ids = bk->bus_ids;
        d->nbus_ids = bk->nbuses;
    } else if (it->trip.known && it->trip.depart_ms && it->status == RB_STATUS_WAITLISTED) {
        d->departs_at_ms = it->trip.depart_ms;
        d->returns_at_ms = it->trip.return_ms;
    }
}

/* The decision: a commands row (columns of st) and an outbox row. */
static int add_decision(rb_store *st, const item *it, int64_t now, outbox_rows *o,
                        rb_buf *codes)
{
    char event_id[RB_UUID_LEN];
    rb_decision d;
    uint8_t *payload;
    size_t len;

    fill_decision(it, now, &d);
    if (rb_decision_encode(&d, &payload, &len) < 0)
        return RB_ENOMEM;
    outbox_add(o, st->topic_decisions, it->cmd.command_id, strlen(it->cmd.command_id), payload,
               len, RB_MSG_DECISION, NULL, event_id);
    reason_codes(&it->verdict, codes);
    if (it->promotion) {
        rb_pgarray_text(&st->col[0], it->cmd.command_id);
        rb_pgarray_text(&st->col[1], rb_status_name(it->status));
        rb_pgarray_text(&st->col[2], d.booking_id);
        rb_pgarray_text(&st->col[3], codes->data);
        rb_pgarray_bytea(&st->col[4], payload, len);
        rb_pgarray_text(&st->col[5], event_id);
        free(payload);
        return 0;
    }
    rb_pgarray_text(&st->col[0], it->cmd.command_id);
    rb_pgarray_text(&st->col[1], rb_command_kind_name(it->cmd.kind));
    rb_pgarray_text(&st->col[2], rb_status_name(it->status));
    rb_pgarray_text(&st->col[3], d.booking_id);
    rb_pgarray_text(&st->col[4], codes->data);
    rb_pgarray_bytea(&st->col[5], payload, len);
    rb_pgarray_text(&st->col[6], event_id);
    rb_pgarray_text(&st->col[7], it->m->topic);
    rb_pgarray_int(&st->col[8], it->m->partition);
    rb_pgarray_int(&st->col[9], it->m->offset);
    free(payload);
    return 0;
}

static void count(const item *it, rb_batch_stats *stats)
{
    if (it->decode_rc < 0)
        stats->dead_letters++;
    else if (it->duplicate)
        stats->duplicates++;
    else if (it->promotion && it->status == RB_STATUS_CONFIRMED)
        stats->promoted++;
    else if (it->status == RB_STATUS_CONFIRMED)
        stats->confirmed++;
    else if (it->status == RB_STATUS_WAITLISTED || it->status == RB_STATUS_PENDING_REVIEW)
        stats->waitlisted++;
    else if (it->status == RB_STATUS_CANCELLED)
        stats->cancelled++;
    else
        stats->rejected++;
}

static int add_item(rb_store *st, const item *it, int64_t now, outbox_rows *o, rb_buf *codes,
                    size_t *ncommands, rb_error *err)
{
    char event_id[RB_UUID_LEN];
    int rc;

    if (it->decode_rc < 0) {
        rb_log_warning("dead letter topic=%s partition=%d offset=%lld cause=\"%s\"",
                       it->m->topic, (int)it->m->partition, (long long)it->m->offset,
                       it->cause);
        outbox_add(o, st->topic_dlq, it->m->key, it->m->key_len, it->m->payload, it->m->len,
                   RB_MSG_COMMAND, it, event_id);
        return 0;
    }
    if (it->duplicate)
        return 0;
    if ((rc = add_decision(st, it, now, o, codes)) < 0)
        return rb_error_set(err, rc, "cannot encode decision");
    (*ncommands)++;
    return it->invite ? add_invitation(st, it, now, o, err) : 0;
}

static int write_events(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    outbox_rows o;
    rb_buf codes;
    size_t i, ncommands = 0;
    int rc = 0;

    rb_buf_init(&codes);
    outbox_begin(&o);
    rb__store_begin(st, SQL_INSERT_COMMANDS, 10);
    for (i = 0; i < b->n && rc == 0; i++) {
        rc = add_item(st, &b->items[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->items[i], stats);
    }
    if (rc == 0 && ncommands)
        rc = run(st, SQL_INSERT_COMMANDS, 10, "insert commands", err);
    /* Promotions: decisions for commands that were waiting. */
    ncommands = 0;
    rb__store_begin(st, SQL_UPDATE_COMMANDS, 6);
    for (i = 0; i < b->npromotions && rc == 0; i++) {
        if (!b->promotions[i].wait->leaves)
            continue;
        rc = add_item(st, &b->promotions[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->promotions[i], stats);
    }
    if (rc == 0 && ncommands)
        rc = run(st, SQL_UPDATE_COMMANDS, 6, "update promoted commands", err);
    if (rc == 0 && o.n)
        rc = run_columns(st, SQL_INSERT_OUTBOX, o.col, 9, "insert outbox", err);
    outbox_fini(&o);
    rb_buf_fini(&codes);
    return rc;
}

/* The next offset of every partition the batch came from. */
static int write_offsets(rb_store *st, batch *b, rb_error *err)
{
    size_t i, j;

    rb__store_begin(st, SQL_OFFSETS, 3);
    for (i = 0; i < b->n; i++) {
        const rb_message *m = b->items[i].m;
        int64_t next = m->offset + 1;
        bool last = true;
        for (j = i + 1; j < b->n && last; j++)
            if (b->items[j].m->partition == m->partition &&
                strcmp(b->items[j].m->topic, m->topic) == 0)
                last = b->items[j].m->offset < m->offset;
        if (!last)
            continue;
        rb_pgarray_text(&st->col[0], m->topic);
        rb_pgarray_int(&st->col[1], m->partition);
        rb_pgarray_int(&st->col[2], next);
    }
    rb_pgarray_scalar(&st->col[3], st->group);
    return run_columns(st, SQL_OFFSETS, st->col, 4, "store offsets", err);
}

/* Wakes the relay when the transaction commits. */
static int notify_relay(rb_store *st, rb_error *err)
{
    return rb__pgpipe_send(&st->pipe, "NOTIFY rumbook_outbox", NULL, 0, PGRES_COMMAND_OK,
                           "notify relay", err);
}

/* Runs queue's statements, then commit when it is given, in one pipeline;
 * the first error wins. */
static int pipelined(rb_store *st, int (*queue)(rb_store *, void *, rb_error *), void *arg,
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
        (rc = write_events(st, b, w->stats, err)) < 0 || (rc = write_offsets(st, b, err)) < 0)
        return rc;
    return notify_relay(st, err);
}

int rb__store_write_commit(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    write_args w = {b, stats};

    return pipelined(st, send_writes, &w, true, err);
}

static const char SQL_EXPIRING[] =
    "SELECT id::text, command_id::text, session_id, class_id, pupils, kind FROM waitlist"
    " WHERE status = 'waiting' AND expires_at <= now() ORDER BY waitlist.id LIMIT 500"
    " FOR UPDATE SKIP LOCKED";

static const char SQL_EXPIRE[] =
    "UPDATE waitlist SET status = 'expired', resolved_at = now() WHERE id = ANY($1::bigint[])";

/* The final decision of an entry whose session's notice period began. */
static int expiry_decision(rb_store *st, PGresult *res, int r, int64_t now, outbox_rows *o)
{
    char event_id[RB_UUID_LEN];
    rb_verdict v;
    rb_decision d = {0};
    uint8_t *payload;
    size_t len;

    rb_verdict_init(&v);
    if (strcmp(PQgetvalue(res, r, 5), "review") == 0)
        rb_verdict_add(&v, "waitlist_expired", "the bus order was not reviewed before session "
                       "\"%s\" closed for booking", PQgetvalue(res, r, 2));
    else
        rb_verdict_add(&v, "waitlist_expired", "no place came free before session \"%s\" "
                       "closed for booking", PQgetvalue(res, r, 2));
    d.command_id = PQgetvalue(res, r, 1);
    d.status = RB_STATUS_REJECTED;
    d.reasons = &v;
    d.decided_at_ms = now;
    d.session_id = PQgetvalue(res, r, 2);
    d.class_id = PQgetvalue(res, r, 3);
    d.pupils = atoi(PQgetvalue(res, r, 4));
    if (rb_decision_encode(&d, &payload, &len) < 0)
        return RB_ENOMEM;
    outbox_add(o, st->topic_decisions, d.command_id, strlen(d.command_id), payload, len,
               RB_MSG_DECISION, NULL, event_id);
    rb_pgarray_text(&st->col[0], d.command_id);
    rb_pgarray_text(&st->col[1], "rejected");
    rb_pgarray_text(&st->col[2], NULL);
    rb_pgarray_text(&st->col[3], "waitlist_expired");
    rb_pgarray_bytea(&st->col[4], payload, len);
    rb_pgarray_text(&st->col[5], event_id);
    rb_pgarray_text(&st->col[6], PQgetvalue(res, r, 0));
    free(payload);
    return 0;
}

static int send_expiry(rb_store *st, void *arg, rb_error *err)
{
    outbox_rows *o = arg;
    int rc;

    if ((rc = rb__pgpipe_send(&st->pipe, SQL_EXPIRE, &st->col[6], 1, PGRES_COMMAND_OK,
                              "expire waiting entries", err)) < 0 ||
        (rc = run(st, SQL_UPDATE_COMMANDS, 6, "decide expired entries", err)) < 0 ||
        (rc = run_columns(st, SQL_INSERT_OUTBOX, o->col, 9, "insert outbox", err)) < 0)
        return rc;
    return notify_relay(st, err);
}

static int expire(rb_store *st, int64_t now, int *expired, rb_error *err)
{
    outbox_rows o;
    PGresult *due;
    int r, rc = 0;

    if (!(due = rb__store_run(st, SQL_EXPIRING, NULL, 0, PGRES_TUPLES_OK, "read expiring waits",
                              err)))
        return err->code;
    outbox_begin(&o);
    rb__store_begin(st, SQL_UPDATE_COMMANDS, 6);
    rb_pgarray_begin_for(&st->col[6], 1, SQL_EXPIRE); /* its ids */
    for (r = 0; r < PQntuples(due) && rc == 0; r++)
        rc = expiry_decision(st, due, r, now, &o);
    if (rc == 0 && o.n)
        rc = pipelined(st, send_expiry, &o, false, err);
    *expired = rc == 0 ? (int)o.n : 0;
    outbox_fini(&o);
    PQclear(due);
    return rc;
}

int rb_store_expire_waitlist(rb_store *st, int *expired, rb_error *err)
{
    int rc;

    *expired = 0;
    if ((rc = rb__pg_command(st->conn, "BEGIN", 0, NULL, "begin", err)) < 0)
        return rc;
    rc = expire(st, rb__store_now_ms(), expired, err);
    if (rc < 0) {
        PQclear(PQexec(st->conn, "ROLLBACK"));
        return rc;
    }
    return rb__pg_command(st->conn, "COMMIT", 0, NULL, "commit", err);
}
