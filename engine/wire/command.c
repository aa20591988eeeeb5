/* Decoding and validating BookingCommand messages. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rumbook/uuid.h"
#include "wire/command_internal.h"

#define MAX_NOTE_LEN 4000
#define MAX_PUPILS 1000

const char *rb__or_empty(const char *s)
{
    return s ? s : "";
}

const char *rb_command_kind_name(enum rb_command_kind kind)
{
    switch (kind) {
    case RB_CMD_BOOK: return "book";
    case RB_CMD_CANCEL: return "cancel";
    case RB_CMD_RESCHEDULE: return "reschedule";
    case RB_CMD_CHANGE: return "change";
    case RB_CMD_WITHDRAW: return "withdraw";
    case RB_CMD_APPROVE: return "approve";
    case RB_CMD_REFUSE: return "refuse";
    case RB_CMD_WISH: return "wish";
    case RB_CMD_UPSERT: return "upsert";
    case RB_CMD_RETIRE: return "retire";
    case RB_CMD_CANCEL_SESSION: return "cancel_session";
    case RB_CMD_MOVE_SESSION: return "move_session";
    case RB_CMD_INVALID: break;
    }
    return "invalid";
}

static int utf8_tail(const unsigned char *p, int n)
{
    int i;

    for (i = 1; i <= n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n + 1;
}

bool rb_text_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int step;

    while (*p) {
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            return false;
        if (*p < 0x80)
            step = 1;
        else if (*p >= 0xc2 && *p <= 0xdf)
            step = utf8_tail(p, 1);
        else if (*p >= 0xe0 && *p <= 0xef)
            step = utf8_tail(p, 2);
        else if (*p >= 0xf0 && *p <= 0xf4)
            step = utf8_tail(p, 3);
        else
            step = 0;
        if (step == 0)
            return false;
        p += step;
    }
    return true;
}

void rb__check_id(rb_verdict *v, const char *field, const char *id)
{
    if (!id || !*id)
        rb_verdict_add(v, RB_REASON_MISSING_FIELD, "%s is required", field);
    else if (strlen(id) > MAX_ID_LEN || !rb_text_valid(id))
        rb_verdict_add(v, RB_REASON_INVALID_FIELD, "%s is not a valid identifier", field);
}

void rb__lowercase(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void check_uuid(rb_verdict *v, const char *field, const char *id)
{
    if (!id || !*id)
        rb_verdict_add(v, RB_REASON_MISSING_FIELD, "%s is required", field);
    else if (!rb_uuid_valid(id))
        rb_verdict_add(v, RB_REASON_INVALID_FIELD, "%s is not a UUID", field);
}

/* mode from the wire; false (with a problem) when it is unknown */
static bool take_mode(rb_command *cmd, Rumbook__V1__TravelMode m, const char *field)
{
    switch (m) {
    case RUMBOOK__V1__TRAVEL_MODE__WALK: cmd->mode = RB_MODE_WALK; return true;
    case RUMBOOK__V1__TRAVEL_MODE__BIKE: cmd->mode = RB_MODE_BIKE; return true;
    case RUMBOOK__V1__TRAVEL_MODE__BUS: cmd->mode = RB_MODE_BUS; return true;
    case RUMBOOK__V1__TRAVEL_MODE__PUBLIC_TRANSPORT:
    case RUMBOOK__V1__TRAVEL_MODE__TRAVEL_MODE_UNSPECIFIED:
        cmd->mode = RB_MODE_PUBLIC_TRANSPORT;
        return true;
    default:
        cmd->mode = RB_MODE_PUBLIC_TRANSPORT;
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD, "%s %d is unknown", field, (int)m);
        return false;
    }
}

static void check_pupils(rb_command *cmd, uint32_t pupils, const char *field)
{
    if (pupils < 1 || pupils > MAX_PUPILS)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD, "%s must be 1-%d, not %u", field,
                       MAX_PUPILS, pupils);
}

static void check_note(rb_command *cmd, const char *field)
{
    if (!rb_text_valid(cmd->note))
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD, "%s is not valid UTF-8 text",
                       field);
    else if (strlen(cmd->note) > MAX_NOTE_LEN)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD, "%s is longer than %d bytes",
                       field, MAX_NOTE_LEN);
}

static void take_change(rb_command *cmd, Rumbook__V1__ChangeRequest *c)
{
    cmd->kind = RB_CMD_CHANGE;
    rb__lowercase(c->booking_id);
    cmd->booking_id = c->booking_id;
    check_uuid(&cmd->problems, "change.booking_id", cmd->booking_id);
    cmd->has_pupils = c->has_pupils;
    cmd->pupils = c->has_pupils && c->pupils <= MAX_PUPILS ? (int)c->pupils : 0;
    if (c->has_pupils)
        check_pupils(cmd, c->pupils, "change.pupils");
    cmd->has_mode = c->has_travel_mode &&
                    take_mode(cmd, c->travel_mode, "change.travel_mode");
    cmd->has_note = c->note != NULL;
    cmd->note = rb__or_empty(c->note);
    check_note(cmd, "change.note");
    if (!c->has_pupils && !c->has_travel_mode && !c->note)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD,
                       "change needs pupils, travel_mode or note");
}

static void take_book(rb_command *cmd, const Rumbook__V1__BookRequest *b)
{
    cmd->kind = RB_CMD_BOOK;
    cmd->session_id = b->session_id;
    cmd->class_id = b->class_id;
    cmd->note = rb__or_empty(b->note);
    cmd->pupils = b->has_pupils && b->pupils <= MAX_PUPILS ? (int)b->pupils : 0;
    cmd->wait_if_full = b->has_wait_if_full && b->wait_if_full;
    take_mode(cmd, b->has_travel_mode ? b->travel_mode
                                      : RUMBOOK__V1__TRAVEL_MODE__TRAVEL_MODE_UNSPECIFIED,
              "book.travel_mode");
    rb__check_id(&cmd->problems, "book.session_id", b->session_id);
    rb__check_id(&cmd->problems, "book.class_id", b->class_id);
    if (!b->has_pupils)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD, "book.pupils is required");
    else
        check_pupils(cmd, b->pupils, "book.pupils");
    check_note(cmd, "book.note");
}

static void take_review(rb_command *cmd, enum rb_command_kind kind,
                        Rumbook__V1__ReviewRequest *r, const char *what)
{
    char field[32];

    cmd->kind = kind;
    rb__lowercase(r->command_id);
    cmd->waiting_id = r->command_id;
    cmd->message = rb__or_empty(r->message);
    snprintf(field, sizeof(field), "%s.command_id", what);
    check_uuid(&cmd->problems, field, cmd->waiting_id);
    if (!rb_text_valid(cmd->message) || strlen(cmd->message) > 200)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "%s.message must be UTF-8 text of at most 200 bytes", what);
}

#define MAX_WISHES 10 /* the rounds' max_wishes is 1-10 */

static void take_wish(rb_command *cmd, const Rumbook__V1__WishRequest *w)
{
    size_t i, j;

    cmd->kind = RB_CMD_WISH;
    cmd->round_id = w->round_id;
    cmd->class_id = w->class_id;
    cmd->wish_sessions = (const char *const *)w->session_ids;
    cmd->nwish_sessions = (int)(w->n_session_ids <= MAX_WISHES ? w->n_session_ids : 0);
    cmd->note = rb__or_empty(w->note);
    cmd->pupils = w->has_pupils && w->pupils <= MAX_PUPILS ? (int)w->pupils : 0;
    cmd->wait_if_full = w->has_wait_if_full && w->wait_if_full;
    cmd->wants = w->has_wants ? (int)(w->wants <= MAX_WISHES ? w->wants : 0) : 1;
    take_mode(cmd, w->has_travel_mode ? w->travel_mode
                                      : RUMBOOK__V1__TRAVEL_MODE__TRAVEL_MODE_UNSPECIFIED,
              "wish.travel_mode");
    rb__check_id(&cmd->problems, "wish.round_id", w->round_id);
    rb__check_id(&cmd->problems, "wish.class_id", w->class_id);
    if (w->n_session_ids == 0)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD, "wish.session_ids is required");
    else if (w->n_session_ids > MAX_WISHES)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "wish.session_ids names %zu sessions, at most %d", w->n_session_ids,
                       MAX_WISHES);
    for (i = 0; i < (size_t)cmd->nwish_sessions; i++) {
        rb__check_id(&cmd->problems, "wish.session_ids", w->session_ids[i]);
        for (j = 0; j < i; j++)
            if (w->session_ids[j] && w->session_ids[i] &&
                strcmp(w->session_ids[i], w->session_ids[j]) == 0) {
                rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                               "wish.session_ids names a session twice");
                break;
            }
    }
    if (!w->has_pupils)
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_FIELD, "wish.pupils is required");
    else
        check_pupils(cmd, w->pupils, "wish.pupils");
    if (cmd->wants < 1 || (cmd->nwish_sessions && cmd->wants > cmd->nwish_sessions))
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "wish.wants must be 1 up to the number of sessions wished for");
    check_note(cmd, "wish.note");
}

static void take_action(rb_command *cmd, const Rumbook__V1__BookingCommand *m)
{
    switch (m->action_case) {
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_BOOK:
        take_book(cmd, m->book);
        break;
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_CANCEL:
        cmd->kind = RB_CMD_CANCEL;
        rb__lowercase(m->cancel->booking_id);
        cmd->booking_id = m->cancel->booking_id;
        check_uuid(&cmd->problems, "cancel.booking_id", cmd->booking_id);
        break;
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_RESCHEDULE:
        cmd->kind = RB_CMD_RESCHEDULE;
        rb__lowercase(m->reschedule->booking_id);
        cmd->booking_id = m->reschedule->booking_id;
        cmd->session_id = m->reschedule->session_id;
        check_uuid(&cmd->problems, "reschedule.booking_id", cmd->booking_id);
        rb__check_id(&cmd->problems, "reschedule.session_id", cmd->session_id);
        break;
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_CHANGE:
        take_change(cmd, m->change);
        break;
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_WITHDRAW:
        cmd->kind = RB_CMD_WITHDRAW;
        rb__lowercase(m->withdraw->command_id);
        cmd->waiting_id = m->withdraw->command_id;
        check_uuid(&cmd->problems, "withdraw.command_id", cmd->waiting_id);
        break;
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_APPROVE:
        take_review(cmd, RB_CMD_APPROVE, m->approve, "approve");
        break;
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_REFUSE:
        take_review(cmd, RB_CMD_REFUSE, m->refuse, "refuse");
        break;
    case RUMBOOK__V1__BOOKING_COMMAND__ACTION_WISH:
        take_wish(cmd, m->wish);
        break;
    default:
        rb_verdict_add(&cmd->problems, RB_REASON_MISSING_ACTION,
                       "the command has none of book, cancel, reschedule, change, withdraw, "
                       "approve, refuse, wish");
    }
}

static void take_role(rb_command *cmd, const Rumbook__V1__Actor *a)
{
    switch (a && a->has_role ? a->role : RUMBOOK__V1__ACTOR_ROLE__ACTOR_ROLE_UNSPECIFIED) {
    case RUMBOOK__V1__ACTOR_ROLE__TEACHER: cmd->actor.role = RB_ROLE_TEACHER; break;
    case RUMBOOK__V1__ACTOR_ROLE__SCHOOL_ADMIN: cmd->actor.role = RB_ROLE_SCHOOL_ADMIN; break;
    case RUMBOOK__V1__ACTOR_ROLE__PROVIDER_STAFF: cmd->actor.role = RB_ROLE_PROVIDER_STAFF; break;
    case RUMBOOK__V1__ACTOR_ROLE__MUNICIPALITY_ADMIN:
        cmd->actor.role = RB_ROLE_MUNICIPALITY_ADMIN;
        break;
    case RUMBOOK__V1__ACTOR_ROLE__ACTOR_ROLE_UNSPECIFIED: break; /* not_authorized later */
    default:
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD, "actor.role %d is unknown",
                       (int)a->role);
    }
}

void rb__take_actor(rb_command *cmd, const Rumbook__V1__Actor *a)
{
    cmd->actor_email = a ? rb__or_empty(a->email) : "";
    cmd->actor_name = a ? rb__or_empty(a->name) : "";
    cmd->actor.school_id = a ? rb__or_empty(a->school_id) : "";
    cmd->actor.provider_id = a ? rb__or_empty(a->provider_id) : "";
    cmd->actor.municipality = a ? rb__or_empty(a->municipality) : "";
    take_role(cmd, a);
    if (!rb_text_valid(cmd->actor_email) || !rb_text_valid(cmd->actor_name) ||
        !rb_text_valid(cmd->actor.school_id) || !rb_text_valid(cmd->actor.provider_id) ||
        !rb_text_valid(cmd->actor.municipality))
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "actor holds text that is not UTF-8");
    else if (strlen(cmd->actor.school_id) > MAX_ID_LEN ||
             strlen(cmd->actor.provider_id) > MAX_ID_LEN ||
             strlen(cmd->actor.municipality) > MAX_ID_LEN)
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "an actor id is longer than %d bytes", MAX_ID_LEN);
    else if (*cmd->actor_email && !strchr(cmd->actor_email, '@'))
        rb_verdict_add(&cmd->problems, RB_REASON_INVALID_FIELD,
                       "actor.email is not an e-mail address");
}

int rb__take_envelope(rb_command *cmd, char *command_id, protobuf_c_boolean has_issued,
                      int64_t issued_ms, const Rumbook__V1__Actor *actor, rb_error *err)
{
    if (!command_id || !rb_uuid_valid(command_id)) {
        rb_command_fini(cmd);
        return rb_error_set(err, RB_EDECODE, "command_id is missing or not a UUID");
    }
    rb__lowercase(command_id);
    cmd->command_id = command_id;
    cmd->issued_at_ms = has_issued ? issued_ms : 0;
    cmd->note = "";
    cmd->message = "";
    rb_verdict_init(&cmd->problems);
    rb__take_actor(cmd, actor);
    return 0;
}

int rb_command_decode(rb_command *cmd, const void *payload, size_t len, rb_error *err)
{
    Rumbook__V1__BookingCommand *m;

    memset(cmd, 0, sizeof(*cmd));
    m = rumbook__v1__booking_command__unpack(NULL, len, payload);
    if (!m)
        return rb_error_set(err, RB_EDECODE, "payload is not a rumbook.v1.BookingCommand");
    cmd->msg = m;
    if (rb__take_envelope(cmd, m->command_id, m->has_issued_at_unix_ms, m->issued_at_unix_ms,
                          m->actor, err) < 0)
        return err->code;
    take_action(cmd, m);
    if (!rb_verdict_ok(&cmd->problems))
        cmd->kind = RB_CMD_INVALID;
    return 0;
}

void rb_command_fini(rb_command *cmd)
{
    if (cmd->msg && cmd->catalog)
        rumbook__v1__catalog_command__free_unpacked(cmd->msg, NULL);
    else if (cmd->msg)
        rumbook__v1__booking_command__free_unpacked(cmd->msg, NULL);
    memset(cmd, 0, sizeof(*cmd));
}
