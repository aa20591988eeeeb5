/* A decided batch as rows: one commands row per command (its decision)
 * and the outbox events the relay publishes: decisions, invitations
 * rendered for the teacher, dead letters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/localtime.h"
#include "rumbook/log.h"
#include "rumbook/pgarray.h"
#include "rumbook/signature.h"
#include "store/store_internal.h"

/* A promoted command already has its row (it was waitlisted). */
const char rb__sql_update_commands[] =
    "UPDATE commands c SET status = u.status, booking_id = u.booking, reasons = u.reasons,"
    " decision = u.decision, decision_event_id = u.event, decided_at = now()"
    " FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::bytea[], $6::uuid[])"
    " AS u(id, status, booking, reasons, decision, event) WHERE c.command_id = u.id";

static const char SQL_INSERT_COMMANDS[] =
    "INSERT INTO commands (command_id, kind, status, booking_id, reasons, decision,"
    " decision_event_id, source_topic, source_partition, source_offset, portal, actor_role,"
    " actor_org, actor_email, actor_name)"
    " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[],"
    " $6::bytea[], $7::uuid[], $8::text[], $9::int[], $10::bigint[], $11::text[], $12::text[],"
    " $13::text[], $14::text[], $15::text[])";

static const char SQL_INSERT_COMMAND_BOOKINGS[] =
    "INSERT INTO command_bookings (command_id, booking_id, status, reasons)"
    " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])";

/* An invalid command's actor may hold bytes the database refuses. */
static const char *text_or_empty(const char *s)
{
    return rb_text_valid(s) ? s : "";
}

/* The school, provider or municipality the actor's role is for. */
static const char *actor_org(const rb_actor *a)
{
    switch (a->role) {
    case RB_ROLE_PROVIDER_STAFF: return text_or_empty(a->provider_id);
    case RB_ROLE_MUNICIPALITY_ADMIN: return text_or_empty(a->municipality);
    default: return text_or_empty(a->school_id);
    }
}

/* The transaction's events, as one batch the relay marks sent at once. */
const char rb__sql_insert_outbox[] =
    "WITH b AS (INSERT INTO outbox_batches DEFAULT VALUES RETURNING id)"
    " INSERT INTO outbox_events (event_id, topic, key, payload, message_type, cause,"
    " source_topic, source_partition, source_offset, portal, signature, batch_id)"
    " SELECT u.*, b.id FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::bytea[], $5::text[],"
    " $6::text[], $7::text[], $8::int[], $9::bigint[], $10::text[], $11::text[])"
    " AS u CROSS JOIN b";

void rb__outbox_begin(rb__outbox *o)
{
    int i;

    o->n = 0;
    for (i = 0; i < OUTBOX_COLUMNS; i++)
        rb_pgarray_init(&o->col[i]);
    rb_pgarray_begin_for(o->col, OUTBOX_COLUMNS, rb__sql_insert_outbox);
}

void rb__outbox_fini(rb__outbox *o)
{
    int i;

    for (i = 0; i < OUTBOX_COLUMNS; i++)
        rb_pgarray_fini(&o->col[i]);
}

/* A header's value as text in buf, or NULL when there is none or it is no
 * text that fits. */
static const char *header_text(char *buf, size_t size, const char *v, size_t len)
{
    if (!v || len >= size || memchr(v, '\0', len))
        return NULL;
    memcpy(buf, v, len);
    buf[len] = '\0';
    return rb_text_valid(buf) ? buf : NULL;
}

void rb__outbox_add(rb__outbox *o, const char *topic, const void *key, size_t key_len,
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
        char portal[PORTAL_NAME_MAX + 1], signature[RB_SIGNATURE_B64_LEN];
        rb_pgarray_text(&o->col[6], dead->m->topic);
        rb_pgarray_int(&o->col[7], dead->m->partition);
        rb_pgarray_int(&o->col[8], dead->m->offset);
        /* kept, so that a replay is signed as the original was */
        rb_pgarray_text(&o->col[9], header_text(portal, sizeof(portal), dead->m->portal,
                                                dead->m->portal_len));
        rb_pgarray_text(&o->col[10], header_text(signature, sizeof(signature),
                                                 dead->m->signature, dead->m->signature_len));
    } else {
        rb_pgarray_text(&o->col[6], NULL);
        rb_pgarray_text(&o->col[7], NULL);
        rb_pgarray_text(&o->col[8], NULL);
        rb_pgarray_text(&o->col[9], NULL);
        rb_pgarray_text(&o->col[10], NULL);
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

static int add_invitation(rb_store *st, const item *it, int64_t now, rb__outbox *o,
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
    ev.language = bk->session->language;
    rc = rb_invitation_encode(&ev, &payload, &len);
    free(ical);
    if (rc < 0)
        return rb_error_set(err, rc, "could not encode invitation");
    rb__outbox_add(o, st->topic_invitations, bk->id, strlen(bk->id), payload, len,
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
    const rb_command *asked = it->entry ? &it->entry->cmd : &it->cmd;

    memset(d, 0, sizeof(*d));
    d->command_id = it->cmd.command_id;
    d->booking_id = bk ? bk->id : NULL;
    d->status = it->status;
    d->reasons = &it->verdict;
    d->decided_at_ms = now;
    d->session_id = bk ? bk->session->s.id : asked->session_id;
    d->class_id = bk ? bk->klass->c.id : asked->class_id;
    d->pupils = bk ? bk->pupils : asked->pupils;
    if (bk) {
        d->starts_at_ms = bk->session->s.starts_at_ms;
        d->ends_at_ms = bk->session->s.ends_at_ms;
    }
    d->waitlist_position = it->position;
    d->choice = it->status == RB_STATUS_CONFIRMED ? it->choice : 0;
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

/* The command's row in commands (the columns of st). */
static void add_command_row(rb_store *st, const item *it, const char *status,
                            const char *booking_id, const rb_buf *codes, const uint8_t *decision,
                            size_t len, const char *event_id)
{
    rb_pgarray_text(&st->col[0], it->cmd.command_id);
    rb_pgarray_text(&st->col[1], rb_command_kind_name(it->cmd.kind));
    rb_pgarray_text(&st->col[2], status);
    rb_pgarray_text(&st->col[3], booking_id);
    rb_pgarray_text(&st->col[4], codes->data);
    rb_pgarray_bytea(&st->col[5], decision, len);
    rb_pgarray_text(&st->col[6], event_id);
    rb_pgarray_text(&st->col[7], it->m->topic);
    rb_pgarray_int(&st->col[8], it->m->partition);
    rb_pgarray_int(&st->col[9], it->m->offset);
    rb_pgarray_text(&st->col[10], it->portal);
    rb_pgarray_text(&st->col[11], rb_role_name(it->cmd.actor.role));
    rb_pgarray_text(&st->col[12], actor_org(&it->cmd.actor));
    rb_pgarray_text(&st->col[13], text_or_empty(it->cmd.actor_email));
    rb_pgarray_text(&st->col[14], text_or_empty(it->cmd.actor_name));
}

/* The decision: an outbox row, and a commands row (columns of st) unless
 * the item is a booking a catalogue command settled (that command has
 * the row). */
static int add_decision(rb_store *st, const item *it, int64_t now, rb__outbox *o,
                        rb_buf *codes)
{
    char event_id[RB_UUID_LEN];
    rb_decision d;
    uint8_t *payload;
    size_t len;

    fill_decision(it, now, &d);
    d.session_moved = it->session_moved;
    if (rb_decision_encode(&d, &payload, &len) < 0)
        return RB_ENOMEM;
    rb__outbox_add(o, st->topic_decisions, it->cmd.command_id, strlen(it->cmd.command_id), payload,
               len, RB_MSG_DECISION, NULL, event_id);
    reason_codes(&it->verdict, codes);
    if (it->promotion) {
        rb_pgarray_text(&st->col[0], it->cmd.command_id);
        rb_pgarray_text(&st->col[1], rb_status_name(it->status));
        rb_pgarray_text(&st->col[2], d.booking_id);
        rb_pgarray_text(&st->col[3], codes->data);
        rb_pgarray_bytea(&st->col[4], payload, len);
        rb_pgarray_text(&st->col[5], event_id);
    } else if (!it->settled) {
        /* The audit wants a refused change kept with the booking it was
         * about, though its decision names none. */
        add_command_row(st, it, rb_status_name(it->status),
                        d.booking_id ? d.booking_id
                        : rb_verdict_has(&it->verdict, RB_REASON_NOT_AUTHORIZED) &&
                                it->cmd.kind != RB_CMD_INVALID
                            ? it->cmd.booking_id
                            : NULL,
                        codes, payload, len, event_id);
    }
    free(payload);
    return 0;
}

/* A catalogue command's: a CatalogDecision and its commands row. */
static int add_catalog_decision(rb_store *st, const item *it, int64_t now, rb__outbox *o,
                                rb_buf *codes)
{
    char event_id[RB_UUID_LEN];
    bool known = it->cmd.kind != RB_CMD_INVALID && it->cmd.entity_kind;
    rb_catalog_decision d = {
        .command_id = it->cmd.command_id, .applied = it->status == RB_STATUS_CONFIRMED,
        .reasons = &it->verdict, .decided_at_ms = now,
        .kind = known ? it->cmd.entity_kind : NULL,
        .entity_id = it->entity_id[0] ? it->entity_id : known ? it->cmd.entity_id : NULL,
        .version = it->version,
        .moved = it->nmoved, .cancelled = it->ncancelled, .waits = it->nwaits,
        .promoted = it->npromoted,
    };
    uint8_t *payload;
    size_t len;

    if (rb_catalog_decision_encode(&d, &payload, &len) < 0)
        return RB_ENOMEM;
    rb__outbox_add(o, st->topic_catalog_decisions, it->cmd.command_id,
                   strlen(it->cmd.command_id), payload, len, RB_MSG_CATALOG_DECISION, NULL,
                   event_id);
    reason_codes(&it->verdict, codes);
    add_command_row(st, it, d.applied ? "applied" : "refused", NULL, codes, payload, len,
                    event_id);
    free(payload);
    return 0;
}

static void count(const item *it, rb_batch_stats *stats)
{
    if (it->silent)
        return;
    if (it->decode_rc == 0 && it->cmd.catalog && !it->duplicate)
        stats->catalog++;
    else if (it->decode_rc < 0)
        stats->dead_letters++;
    else if (it->duplicate)
        stats->duplicates++;
    else if (it->promotion && it->status == RB_STATUS_CONFIRMED)
        stats->promoted++;
    else if (it->status == RB_STATUS_CONFIRMED)
        stats->confirmed++;
    else if (it->status == RB_STATUS_WAITLISTED || it->status == RB_STATUS_PENDING_REVIEW ||
             it->status == RB_STATUS_RECEIVED)
        stats->waitlisted++;
    else if (it->status == RB_STATUS_CANCELLED)
        stats->cancelled++;
    else
        stats->rejected++;
}

static int add_item(rb_store *st, const item *it, int64_t now, rb__outbox *o, rb_buf *codes,
                    size_t *ncommands, rb_error *err)
{
    char event_id[RB_UUID_LEN];
    int rc;

    if (it->decode_rc < 0) {
        rb_log_warning("dead letter topic=%s partition=%d offset=%lld cause=\"%s\"",
                       it->m->topic, (int)it->m->partition, (long long)it->m->offset,
                       it->cause);
        rb__outbox_add(o, st->topic_dlq, it->m->key, it->m->key_len, it->m->payload, it->m->len,
                   RB_MSG_COMMAND, it, event_id);
        return 0;
    }
    if (it->duplicate || it->silent)
        return 0;
    if (it->cmd.catalog) {
        (*ncommands)++;
        rc = add_catalog_decision(st, it, now, o, codes);
        return rc < 0 ? rb_error_set(err, rc, "could not encode decision") : 0;
    }
    if ((rc = add_decision(st, it, now, o, codes)) < 0)
        return rb_error_set(err, rc, "could not encode decision");
    *ncommands += !it->settled;
    /* no address (erased): decided all the same, with nobody to invite */
    return it->invite && *it->booking->teacher_email ? add_invitation(st, it, now, o, err) : 0;
}

int rb__store_write_events(rb_store *st, batch *b, rb_batch_stats *stats, rb_error *err)
{
    rb__outbox o;
    rb_buf codes;
    size_t i, ncommands = 0;
    int rc = 0;

    rb_buf_init(&codes);
    rb__outbox_begin(&o);
    rb__store_begin(st, SQL_INSERT_COMMANDS, 15);
    for (i = 0; i < b->n && rc == 0; i++) {
        if (b->items[i].promotion)
            continue; /* a draw's decision for a wish: its row is there */
        rc = add_item(st, &b->items[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->items[i], stats);
    }
    if (rc == 0 && ncommands)
        rc = rb__store_queue(st, SQL_INSERT_COMMANDS, 15, "insert commands", err);
    /* Promotions: decisions for commands that were waiting. */
    ncommands = 0;
    rb__store_begin(st, rb__sql_update_commands, 6);
    for (i = 0; i < b->npromotions && rc == 0; i++) {
        if (!b->promotions[i].wait->leaves)
            continue;
        rc = add_item(st, &b->promotions[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->promotions[i], stats);
    }
    for (i = 0; i < b->n && rc == 0; i++) {
        if (!b->items[i].promotion)
            continue;
        rc = add_item(st, &b->items[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->items[i], stats);
    }
    /* Wishes that ended: their commands' last decisions. */
    for (i = 0; i < b->nwishes_fetched && rc == 0; i++) {
        if (!b->wishes[i].ends)
            continue;
        rc = add_item(st, &b->wish_ends[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->wish_ends[i], stats);
    }
    if (rc == 0 && ncommands)
        rc = rb__store_queue(st, rb__sql_update_commands, 6, "update promoted commands", err);
    /* Bookings of sessions catalogue commands cancelled or moved: decisions
     * and invitations under the command's id, which has its row. */
    for (i = 0; i < b->nsettled && rc == 0; i++) {
        rc = add_item(st, &b->settled[i], b->now_ms, &o, &codes, &ncommands, err);
        count(&b->settled[i], stats);
    }
    rb__store_begin(st, SQL_INSERT_COMMAND_BOOKINGS, 4);
    for (i = 0; i < b->nsettled && rc == 0; i++) {
        const item *it = &b->settled[i];
        reason_codes(&it->verdict, &codes);
        rb_pgarray_text(&st->col[0], it->cmd.command_id);
        rb_pgarray_text(&st->col[1], it->booking->id);
        rb_pgarray_text(&st->col[2], rb_status_name(it->status));
        rb_pgarray_text(&st->col[3], codes.data);
    }
    if (rc == 0 && b->nsettled)
        rc = rb__store_queue(st, SQL_INSERT_COMMAND_BOOKINGS, 4, "insert settled bookings", err);
    if (rc == 0 && o.n)
        rc = rb__store_queue_columns(st, rb__sql_insert_outbox, o.col, OUTBOX_COLUMNS,
                                     "insert outbox", err);
    rb__outbox_fini(&o);
    rb_buf_fini(&codes);
    return rc;
}
