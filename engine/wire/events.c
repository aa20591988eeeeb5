/* Encoding and decoding of the emitted events. */
#include <stdlib.h>

#include "rumbook/events.h"
#include "rumbook/json.h"
#include "rumbook/v1/booking.pb-c.h"

const char *rb_status_name(enum rb_status status)
{
    switch (status) {
    case RB_STATUS_CONFIRMED: return "confirmed";
    case RB_STATUS_WAITLISTED: return "waitlisted";
    case RB_STATUS_REJECTED: return "rejected";
    case RB_STATUS_CANCELLED: return "cancelled";
    case RB_STATUS_PENDING_REVIEW: return "pending_review";
    case RB_STATUS_RECEIVED: return "received";
    }
    return "unspecified";
}

static int pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    *out = malloc(*len ? *len : 1);
    if (!*out)
        return RB_ENOMEM;
    protobuf_c_message_pack(m, *out);
    return 0;
}

static void set_time(protobuf_c_boolean *has, int64_t *field, int64_t ms)
{
    *has = ms != 0;
    *field = ms;
}

/* The verdict's reasons as messages borrowing its strings; how many. */
static size_t reasons_of(const rb_verdict *v, Rumbook__V1__Reason *reasons,
                         Rumbook__V1__Reason **rp)
{
    int i, n = v ? v->nreasons : 0;

    for (i = 0; i < n; i++) {
        rumbook__v1__reason__init(&reasons[i]);
        reasons[i].code = (char *)v->reasons[i].code;
        reasons[i].message = (char *)v->reasons[i].message;
        rp[i] = &reasons[i];
    }
    return (size_t)n;
}

int rb_decision_encode(const rb_decision *d, uint8_t **out, size_t *len)
{
    Rumbook__V1__BookingDecision m = RUMBOOK__V1__BOOKING_DECISION__INIT;
    Rumbook__V1__Reason reasons[RB_MAX_REASONS], *rp[RB_MAX_REASONS];
    Rumbook__V1__Alternative alts[RB_MAX_ALTERNATIVES], *ap[RB_MAX_ALTERNATIVES];
    int i;

    m.command_id = (char *)d->command_id;
    m.booking_id = (char *)d->booking_id;
    m.has_status = 1;
    m.status = (Rumbook__V1__DecisionStatus)d->status;
    m.n_reasons = reasons_of(d->reasons, reasons, rp);
    m.reasons = rp;
    set_time(&m.has_decided_at_unix_ms, &m.decided_at_unix_ms, d->decided_at_ms);
    m.session_id = (char *)d->session_id;
    m.class_id = (char *)d->class_id;
    m.has_pupils = d->pupils > 0;
    m.pupils = (uint32_t)d->pupils;
    set_time(&m.has_starts_at_unix_ms, &m.starts_at_unix_ms, d->starts_at_ms);
    set_time(&m.has_ends_at_unix_ms, &m.ends_at_unix_ms, d->ends_at_ms);
    m.has_waitlist_position = d->waitlist_position > 0;
    m.waitlist_position = (uint32_t)d->waitlist_position;
    for (i = 0; i < d->nalternatives && i < RB_MAX_ALTERNATIVES; i++) {
        rumbook__v1__alternative__init(&alts[i]);
        alts[i].session_id = (char *)d->alternatives[i]->id;
        set_time(&alts[i].has_starts_at_unix_ms, &alts[i].starts_at_unix_ms,
                 d->alternatives[i]->starts_at_ms);
        set_time(&alts[i].has_ends_at_unix_ms, &alts[i].ends_at_unix_ms,
                 d->alternatives[i]->ends_at_ms);
        ap[i] = &alts[i];
    }
    m.n_alternatives = (size_t)i;
    m.alternatives = ap;
    m.travel_mode = (char *)d->travel_mode;
    set_time(&m.has_departs_at_unix_ms, &m.departs_at_unix_ms, d->departs_at_ms);
    set_time(&m.has_returns_at_unix_ms, &m.returns_at_unix_ms, d->returns_at_ms);
    m.n_bus_ids = (size_t)d->nbus_ids;
    m.bus_ids = (char **)d->bus_ids;
    m.has_session_moved = d->session_moved;
    m.session_moved = d->session_moved;
    m.has_choice = d->choice > 0;
    m.choice = (uint32_t)(d->choice > 0 ? d->choice : 0);
    return pack(&m.base, out, len);
}

static void set_count(protobuf_c_boolean *has, uint32_t *field, int n)
{
    *has = n > 0;
    *field = n > 0 ? (uint32_t)n : 0;
}

int rb_catalog_decision_encode(const rb_catalog_decision *d, uint8_t **out, size_t *len)
{
    Rumbook__V1__CatalogDecision m = RUMBOOK__V1__CATALOG_DECISION__INIT;
    Rumbook__V1__Reason reasons[RB_MAX_REASONS], *rp[RB_MAX_REASONS];

    m.command_id = (char *)d->command_id;
    m.has_status = 1;
    m.status = d->applied ? RUMBOOK__V1__CATALOG_STATUS__APPLIED
                          : RUMBOOK__V1__CATALOG_STATUS__REFUSED;
    m.n_reasons = reasons_of(d->reasons, reasons, rp);
    m.reasons = rp;
    set_time(&m.has_decided_at_unix_ms, &m.decided_at_unix_ms, d->decided_at_ms);
    m.kind = (char *)d->kind;
    m.entity_id = (char *)d->entity_id;
    set_count(&m.has_version, &m.version, d->version);
    set_count(&m.has_bookings_moved, &m.bookings_moved, d->moved);
    set_count(&m.has_bookings_cancelled, &m.bookings_cancelled, d->cancelled);
    set_count(&m.has_waiting_settled, &m.waiting_settled, d->waits);
    set_count(&m.has_promoted, &m.promoted, d->promoted);
    return pack(&m.base, out, len);
}

int rb_invitation_encode(const rb_invitation_event *e, uint8_t **out, size_t *len)
{
    Rumbook__V1__Invitation m = RUMBOOK__V1__INVITATION__INIT;
    char *recipients[1] = {(char *)e->recipient};

    m.booking_id = (char *)e->booking_id;
    m.command_id = (char *)e->command_id;
    m.has_method = 1;
    m.method = e->method == RB_ITIP_CANCEL ? RUMBOOK__V1__INVITATION_METHOD__CANCEL
                                           : RUMBOOK__V1__INVITATION_METHOD__REQUEST;
    m.n_recipients = 1;
    m.recipients = recipients;
    m.organizer = (char *)e->organizer;
    m.uid = (char *)e->uid;
    m.has_sequence = 1;
    m.sequence = (uint32_t)e->sequence;
    m.icalendar = (char *)e->icalendar;
    m.language = (char *)e->language;
    return pack(&m.base, out, len);
}

static void field_str(rb_buf *b, const char *key, const char *v)
{
    if (!v)
        return;
    rb_buf_printf(b, ",\"%s\":", key);
    rb_json_string(b, v);
}

static void field_int(rb_buf *b, const char *key, protobuf_c_boolean has, int64_t v)
{
    if (has)
        rb_buf_printf(b, ",\"%s\":%lld", key, (long long)v);
}

static void reasons_json(rb_buf *out, Rumbook__V1__Reason **reasons, size_t n)
{
    size_t i;

    rb_buf_puts(out, ",\"reasons\":[");
    for (i = 0; i < n; i++) {
        rb_buf_puts(out, i ? ",{\"code\":" : "{\"code\":");
        rb_json_string(out, reasons[i]->code ? reasons[i]->code : "");
        rb_buf_puts(out, ",\"message\":");
        rb_json_string(out, reasons[i]->message ? reasons[i]->message : "");
        rb_buf_putc(out, '}');
    }
    rb_buf_putc(out, ']');
}

int rb_decision_to_json(const void *payload, size_t len, rb_buf *out)
{
    Rumbook__V1__BookingDecision *m =
        rumbook__v1__booking_decision__unpack(NULL, len, payload);
    size_t i;

    if (!m)
        return RB_EDECODE;
    rb_buf_puts(out, "{\"type\":\"decision\"");
    field_str(out, "command_id", m->command_id);
    field_str(out, "booking_id", m->booking_id);
    field_str(out, "status", rb_status_name((enum rb_status)m->status));
    field_str(out, "session_id", m->session_id);
    field_str(out, "class_id", m->class_id);
    field_int(out, "pupils", m->has_pupils, m->pupils);
    field_int(out, "decided_at_unix_ms", m->has_decided_at_unix_ms, m->decided_at_unix_ms);
    field_int(out, "starts_at_unix_ms", m->has_starts_at_unix_ms, m->starts_at_unix_ms);
    field_int(out, "ends_at_unix_ms", m->has_ends_at_unix_ms, m->ends_at_unix_ms);
    field_int(out, "waitlist_position", m->has_waitlist_position, m->waitlist_position);
    field_str(out, "travel_mode", m->travel_mode);
    field_int(out, "departs_at_unix_ms", m->has_departs_at_unix_ms, m->departs_at_unix_ms);
    field_int(out, "returns_at_unix_ms", m->has_returns_at_unix_ms, m->returns_at_unix_ms);
    if (m->has_session_moved && m->session_moved)
        rb_buf_puts(out, ",\"session_moved\":true");
    field_int(out, "choice", m->has_choice, m->choice);
    rb_buf_puts(out, ",\"bus_ids\":[");
    for (i = 0; i < m->n_bus_ids; i++) {
        rb_buf_puts(out, i ? "," : "");
        rb_json_string(out, m->bus_ids[i]);
    }
    rb_buf_puts(out, "],\"alternatives\":[");
    for (i = 0; i < m->n_alternatives; i++) {
        rb_buf_puts(out, i ? ",{\"session_id\":" : "{\"session_id\":");
        rb_json_string(out, m->alternatives[i]->session_id ? m->alternatives[i]->session_id : "");
        field_int(out, "starts_at_unix_ms", m->alternatives[i]->has_starts_at_unix_ms,
                  m->alternatives[i]->starts_at_unix_ms);
        rb_buf_putc(out, '}');
    }
    rb_buf_puts(out, "]");
    reasons_json(out, m->reasons, m->n_reasons);
    rb_buf_puts(out, "}");
    rumbook__v1__booking_decision__free_unpacked(m, NULL);
    return 0;
}

int rb_catalog_decision_to_json(const void *payload, size_t len, rb_buf *out)
{
    Rumbook__V1__CatalogDecision *m = rumbook__v1__catalog_decision__unpack(NULL, len, payload);

    if (!m)
        return RB_EDECODE;
    rb_buf_puts(out, "{\"type\":\"catalog_decision\"");
    field_str(out, "command_id", m->command_id);
    field_str(out, "status", m->status == RUMBOOK__V1__CATALOG_STATUS__APPLIED ? "applied"
                                                                               : "refused");
    field_str(out, "kind", m->kind);
    field_str(out, "entity_id", m->entity_id);
    field_int(out, "version", m->has_version, m->version);
    field_int(out, "decided_at_unix_ms", m->has_decided_at_unix_ms, m->decided_at_unix_ms);
    field_int(out, "bookings_moved", m->has_bookings_moved, m->bookings_moved);
    field_int(out, "bookings_cancelled", m->has_bookings_cancelled, m->bookings_cancelled);
    field_int(out, "waiting_settled", m->has_waiting_settled, m->waiting_settled);
    field_int(out, "promoted", m->has_promoted, m->promoted);
    reasons_json(out, m->reasons, m->n_reasons);
    rb_buf_putc(out, '}');
    rumbook__v1__catalog_decision__free_unpacked(m, NULL);
    return 0;
}

int rb_invitation_to_json(const void *payload, size_t len, rb_buf *out)
{
    Rumbook__V1__Invitation *m = rumbook__v1__invitation__unpack(NULL, len, payload);
    size_t i;

    if (!m)
        return RB_EDECODE;
    rb_buf_puts(out, "{\"type\":\"invitation\"");
    field_str(out, "booking_id", m->booking_id);
    field_str(out, "command_id", m->command_id);
    field_str(out, "method", m->method == RUMBOOK__V1__INVITATION_METHOD__CANCEL ? "CANCEL"
                                                                                  : "REQUEST");
    field_str(out, "uid", m->uid);
    field_int(out, "sequence", m->has_sequence, m->sequence);
    field_str(out, "organizer", m->organizer);
    rb_buf_puts(out, ",\"recipients\":[");
    for (i = 0; i < m->n_recipients; i++) {
        if (i)
            rb_buf_putc(out, ',');
        rb_json_string(out, m->recipients[i]);
    }
    rb_buf_putc(out, ']');
    field_str(out, "icalendar", m->icalendar);
    rb_buf_putc(out, '}');
    rumbook__v1__invitation__free_unpacked(m, NULL);
    return 0;
}
