/* The write half of a batch transaction: every statement takes whole
 * columns as array parameters and unnests them, so a batch of any size
 * costs the same handful of round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/log.h"
#include "rumbook/pgarray.h"
#include "store_internal.h"

static const char SQL_UPDATE_BOOKINGS[] =
    "UPDATE bookings b SET status = u.status, session_id = u.session_id, sequence = u.sequence,"
    " updated_at = now()"
    " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS u(id, status, session_id, sequence)"
    " WHERE b.id = u.id";

static const char SQL_INSERT_BOOKINGS[] =
    "INSERT INTO bookings (id, command_id, session_id, class_id, pupils, status, sequence, note,"
    " teacher_email)"
    " SELECT u.id, u.cid, u.sid, u.klass, u.pupils, u.status, u.seq, u.note, u.mail"
    " FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[],"
    " $7::int[], $8::text[], $9::text[]) AS u(id, cid, sid, klass, pupils, status, seq, note, mail)";

static const char SQL_UPDATE_SESSIONS[] =
    "UPDATE sessions s SET pupils_booked = u.p, classes_booked = u.c"
    " FROM unnest($1::text[], $2::int[], $3::int[]) AS u(id, p, c) WHERE s.id = u.id";

static const char SQL_INSERT_COMMANDS[] =
    "INSERT INTO commands (command_id, kind, status, booking_id, reasons, decision,"
    " decision_event_id, source_topic, source_partition, source_offset)"
    " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[],"
    " $6::bytea[], $7::uuid[], $8::text[], $9::int[], $10::bigint[])";

static const char SQL_INSERT_OUTBOX[] =
    "INSERT INTO outbox (event_id, topic, key, payload, message_type, cause, source_topic,"
    " source_partition, source_offset)"
    " SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::bytea[], $5::text[],"
    " $6::text[], $7::text[], $8::int[], $9::bigint[])";

static const char SQL_OFFSETS[] =
    "INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)"
    " SELECT $4, t, p, o FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(t, p, o)"
    " ON CONFLICT (group_id, topic, partition) DO UPDATE"
    " SET next_offset = GREATEST(consumer_offsets.next_offset, EXCLUDED.next_offset),"
    " updated_at = now()";

static void begin_columns(rb_store *st, int n)
{
    int i;

    for (i = 0; i < n; i++)
        rb_pgarray_begin(&st->col[i]);
}

/* Closes the column arrays and runs sql with them as parameters. */
static int run_columns(rb_store *st, const char *sql, rb_buf *cols, int ncols,
                       const char *what, rb_error *err)
{
    PGresult *res;
    int i;

    for (i = 0; i < ncols; i++)
        rb_pgarray_end(&cols[i]);
    res = rb__store_run(st, sql, cols, ncols, PGRES_COMMAND_OK, what, err);
    if (!res)
        return err->code;
    PQclear(res);
    return 0;
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

    begin_columns(st, 4);
    for (i = 0; i < b->nfetched; i++) {
        fact_booking *bk = &b->bookings[i];
        if (!bk->dirty)
            continue;
        rb_pgarray_text(&st->col[0], bk->id);
        rb_pgarray_text(&st->col[1], bk->cancelled ? "cancelled" : "confirmed");
        rb_pgarray_text(&st->col[2], bk->session->s.id);
        rb_pgarray_int(&st->col[3], bk->sequence);
        n++;
    }
    return n ? run(st, SQL_UPDATE_BOOKINGS, 4, "update bookings", err) : 0;
}

static int write_new_bookings(rb_store *st, batch *b, rb_error *err)
{
    size_t i;

    if (b->nbookings == b->nfetched)
        return 0;
    begin_columns(st, 9);
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
    }
    return run(st, SQL_INSERT_BOOKINGS, 9, "insert bookings", err);
}

static int write_sessions(rb_store *st, batch *b, rb_error *err)
{
    size_t i, n = 0;

    begin_columns(st, 3);
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
    rb_buf col[9];
    size_t n;
} outbox_rows;

static void outbox_add(outbox_rows *o, const char *topic, const void *key, size_t key_len,
                       const void *payload, size_t len, const char *type, const item *dead,
                       char event_id[RB_UUID_LEN])
{
    if (rb_uuid_new(event_id) < 0)
        o->col[0].failed = true;
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

static void describe(const fact_booking *bk, rb_buf *out)
{
    rb_buf_printf(out, "Class %s, %s: %d pupils.", bk->klass->name, bk->klass->school_name,
                  bk->pupils);
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
    rb_buf_puts(&location, *fs->venue_name ? fs->venue_name : bk->klass->school_name);
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
    inv.has_geo = fs->has_geo;
    inv.lat = fs->lat;
    inv.lon = fs->lon;
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
    else if (it->status == RB_STATUS_CONFIRMED)
        stats->confirmed++;
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
    outbox_rows o = {0};
    rb_buf codes;
    size_t i, ncommands = 0;
    int rc = 0;

    rb_buf_init(&codes);
    for (i = 0; i < 9; i++)
        rb_pgarray_begin(&o.col[i]);
    begin_columns(st, 10);
    for (i = 0; i < b->n && rc == 0; i++) {
        rc = add_item(st, &b->items[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->items[i], stats);
    }
    if (rc == 0 && ncommands)
        rc = run(st, SQL_INSERT_COMMANDS, 10, "insert commands", err);
    if (rc == 0 && o.n)
        rc = run_columns(st, SQL_INSERT_OUTBOX, o.col, 9, "insert outbox", err);
    for (i = 0; i < 9; i++)
        rb_buf_fini(&o.col[i]);
    rb_buf_fini(&codes);
    return rc;
}

/* The next offset of every partition the batch came from. */
static int write_offsets(rb_store *st, batch *b, rb_error *err)
{
    PGresult *res;
    size_t i, j;

    begin_columns(st, 3);
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
    rb_pgarray_end(&st->col[0]);
    rb_pgarray_end(&st->col[1]);
    rb_pgarray_end(&st->col[2]);
    rb_buf_reset(&st->col[3]); /* the group: a plain text parameter */
    rb_buf_puts(&st->col[3], st->group);
    res = rb__store_run(st, SQL_OFFSETS, st->col, 4, PGRES_COMMAND_OK, "store offsets", err);
    if (!res)
        return err->code;
    PQclear(res);
    return 0;
}

int rb__store_write(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    PGresult *res;
    int rc;

    if ((rc = write_changed_bookings(st, b, err)) < 0 || (rc = write_new_bookings(st, b, err)) < 0 ||
        (rc = write_sessions(st, b, err)) < 0 || (rc = write_events(st, b, stats, err)) < 0 ||
        (rc = write_offsets(st, b, err)) < 0)
        return rc;
    /* Wakes the relay when the transaction commits. */
    res = rb__store_run(st, "SELECT pg_notify('rumbook_outbox', '')", NULL, 0, PGRES_TUPLES_OK,
                        "notify relay", err);
    if (!res)
        return err->code;
    PQclear(res);
    return 0;
}
