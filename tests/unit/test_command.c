/* Decoding and validating commands off the wire. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rumbook/command.h"
#include "rumbook/v1/booking.pb-c.h"

#define ID "6756086c-2638-443b-97fb-93f9dc194dc6"

static uint8_t *pack(Rumbook__V1__BookingCommand *m, size_t *len)
{
    uint8_t *out;

    *len = rumbook__v1__booking_command__get_packed_size(m);
    out = malloc(*len + 1);
    rumbook__v1__booking_command__pack(m, out);
    return out;
}

/* Packs m and decodes it into cmd, as a worker would. */
static int decode_msg(Rumbook__V1__BookingCommand *m, rb_command *cmd)
{
    rb_error err;
    size_t len;
    uint8_t *buf = pack(m, &len);
    int rc = rb_command_decode(cmd, buf, len, &err);

    free(buf);
    return rc;
}

/* A book command for class c1 in m and b (pupils < 0: none given). */
static void init_book(Rumbook__V1__BookingCommand *m, Rumbook__V1__BookRequest *b,
                      const char *id, const char *session, int pupils, const char *note)
{
    rumbook__v1__booking_command__init(m);
    rumbook__v1__book_request__init(b);
    m->command_id = (char *)id;
    b->session_id = (char *)session;
    b->class_id = "c1";
    b->has_pupils = pupils >= 0;
    b->pupils = (uint32_t)(pupils >= 0 ? pupils : 0);
    b->note = (char *)note;
    m->action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_BOOK;
    m->book = b;
}

static int decode_book(const char *id, const char *session, int pupils, const char *note,
                       rb_command *cmd)
{
    Rumbook__V1__BookingCommand m;
    Rumbook__V1__BookRequest b;

    init_book(&m, &b, id, session, pupils, note);
    return decode_msg(&m, cmd);
}

static void test_valid_book(void)
{
    rb_command cmd;

    CHECK(decode_book(ID, "s1", 20, "Hej\nmed dig", &cmd) == 0);
    CHECK(cmd.kind == RB_CMD_BOOK);
    CHECK_STR(cmd.command_id, ID);
    CHECK_STR(cmd.session_id, "s1");
    CHECK(cmd.pupils == 20);
    rb_command_fini(&cmd);
}

static void test_travel_mode_and_waiting(void)
{
    Rumbook__V1__BookingCommand m;
    Rumbook__V1__BookRequest b;
    rb_command cmd;

    init_book(&m, &b, ID, "s1", 20, NULL);
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.mode == RB_MODE_PUBLIC_TRANSPORT && !cmd.wait_if_full);
    rb_command_fini(&cmd);
    b.has_travel_mode = 1;
    b.travel_mode = RUMBOOK__V1__TRAVEL_MODE__BUS;
    b.has_wait_if_full = 1;
    b.wait_if_full = 1;
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.mode == RB_MODE_BUS && cmd.wait_if_full);
    rb_command_fini(&cmd);
    b.travel_mode = (Rumbook__V1__TravelMode)42; /* from a newer portal */
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_INVALID_FIELD));
    rb_command_fini(&cmd);
}

static void test_invalid_book_keeps_its_id(void)
{
    rb_command cmd;

    CHECK(decode_book(ID, "", -1, "bad \x01 byte", &cmd) == 0);
    CHECK(cmd.kind == RB_CMD_INVALID);
    CHECK_STR(cmd.command_id, ID);
    CHECK(cmd.problems.nreasons == 2); /* each code once, its facts joined */
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_MISSING_FIELD));
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_INVALID_FIELD));
    CHECK(strstr(cmd.problems.reasons[0].message, "book.session_id is required; ") != NULL);
    rb_command_fini(&cmd);
}

static void test_unreadable_id_is_a_dead_letter(void)
{
    rb_command cmd;

    CHECK(decode_book("not-a-uuid", "s1", 20, NULL, &cmd) == RB_EDECODE);
    CHECK(decode_book(NULL, "s1", 20, NULL, &cmd) == RB_EDECODE);
}

static void test_garbage(void)
{
    static const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0x01, 0x02};
    rb_command cmd;
    rb_error err;

    CHECK(rb_command_decode(&cmd, junk, sizeof(junk), &err) == RB_EDECODE);
    CHECK(strstr(err.message, "BookingCommand") != NULL);
    CHECK(rb_command_decode(&cmd, "", 0, &err) == RB_EDECODE);
}

static void test_no_action(void)
{
    Rumbook__V1__BookingCommand m = RUMBOOK__V1__BOOKING_COMMAND__INIT;
    rb_command cmd;

    m.command_id = ID;
    CHECK(decode_msg(&m, &cmd) == 0);
    CHECK(cmd.kind == RB_CMD_INVALID);
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_MISSING_ACTION));
    rb_command_fini(&cmd);
}

static void test_cancel_needs_uuid(void)
{
    Rumbook__V1__BookingCommand m = RUMBOOK__V1__BOOKING_COMMAND__INIT;
    Rumbook__V1__CancelRequest c = RUMBOOK__V1__CANCEL_REQUEST__INIT;
    rb_command cmd;

    m.command_id = ID;
    c.booking_id = "42";
    m.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_CANCEL;
    m.cancel = &c;
    CHECK(decode_msg(&m, &cmd) == 0);
    CHECK(cmd.kind == RB_CMD_INVALID);
    CHECK(strstr(cmd.problems.reasons[0].message, "cancel.booking_id") != NULL);
    rb_command_fini(&cmd);
}

static void test_ids_are_lowercased(void)
{
    rb_command cmd;

    CHECK(decode_book("6756086C-2638-443B-97FB-93F9DC194DC6", "s1", 20, NULL, &cmd) == 0);
    CHECK_STR(cmd.command_id, ID);
    rb_command_fini(&cmd);
}

static void test_text_validation(void)
{
    CHECK(rb_text_valid("Åbent hus på skolen\n"));
    CHECK(!rb_text_valid("\xc3"));
    CHECK(!rb_text_valid("a\x1b[31m"));
    CHECK(!rb_text_valid("\xed\xa0"));
}

/* Packs a CatalogCommand and decodes it. */
static int decode_catalog(Rumbook__V1__CatalogCommand *m, rb_command *cmd)
{
    rb_error err;
    size_t len = rumbook__v1__catalog_command__get_packed_size(m);
    uint8_t *buf = malloc(len + 1);
    int rc;

    rumbook__v1__catalog_command__pack(m, buf);
    rc = rb_catalog_command_decode(cmd, buf, len, &err);
    free(buf);
    return rc;
}

static void test_catalog_commands(void)
{
    Rumbook__V1__CatalogCommand m = RUMBOOK__V1__CATALOG_COMMAND__INIT;
    Rumbook__V1__UpsertEntity up = RUMBOOK__V1__UPSERT_ENTITY__INIT;
    Rumbook__V1__RetireEntity rt = RUMBOOK__V1__RETIRE_ENTITY__INIT;
    Rumbook__V1__MoveSession mv = RUMBOOK__V1__MOVE_SESSION__INIT;
    Rumbook__V1__CancelSession cs = RUMBOOK__V1__CANCEL_SESSION__INIT;
    char long_message[300];
    rb_command cmd;

    m.command_id = "6756086C-2638-443B-97FB-93F9DC194DC6";
    m.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_UPSERT;
    m.upsert = &up;
    up.kind = "session";
    up.json = "{\"id\":\"s1\"}";
    up.has_version = 1;
    up.version = 3;
    CHECK(decode_catalog(&m, &cmd) == 0);
    CHECK(cmd.catalog && cmd.kind == RB_CMD_UPSERT && cmd.version == 3);
    CHECK_STR(cmd.command_id, ID);
    CHECK_STR(cmd.entity_kind, "session");
    CHECK_STR(rb_command_kind_name(cmd.kind), "upsert");
    rb_command_fini(&cmd);
    up.json = NULL; /* no entity */
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_MISSING_FIELD));
    rb_command_fini(&cmd);

    m.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_RETIRE;
    m.retire = &rt;
    rt.kind = "venue";
    rt.id = "v1";
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID); /* no version */
    rb_command_fini(&cmd);
    rt.has_version = 1;
    rt.version = 2;
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_RETIRE);
    CHECK_STR(cmd.entity_id, "v1");
    rb_command_fini(&cmd);

    m.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_MOVE_SESSION;
    m.move_session = &mv;
    mv.session_id = "s1";
    mv.has_starts_at_unix_ms = 1;
    mv.starts_at_unix_ms = 1806822000; /* seconds, not ms: 1970, which the database refuses */
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_MOVE_SESSION);
    rb_command_fini(&cmd);
    mv.starts_at_unix_ms = 1806822000000LL * 10; /* the year 2500 */
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    rb_command_fini(&cmd);
    mv.starts_at_unix_ms = 1806822000000LL;
    mv.has_ends_at_unix_ms = 1;
    mv.ends_at_unix_ms = mv.starts_at_unix_ms; /* no length */
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    rb_command_fini(&cmd);
    mv.ends_at_unix_ms = mv.starts_at_unix_ms + 7200000;
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_MOVE_SESSION);
    CHECK(cmd.ends_at_ms - cmd.starts_at_ms == 7200000);
    CHECK_STR(cmd.entity_kind, "session");
    rb_command_fini(&cmd);

    m.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION_CANCEL_SESSION;
    m.cancel_session = &cs;
    cs.session_id = "s1";
    memset(long_message, 'x', sizeof(long_message) - 1);
    long_message[sizeof(long_message) - 1] = '\0';
    cs.message = long_message;
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    rb_command_fini(&cmd);
    cs.message = "Guiden er syg";
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_CANCEL_SESSION);
    CHECK_STR(cmd.message, "Guiden er syg");
    rb_command_fini(&cmd);

    m.action_case = RUMBOOK__V1__CATALOG_COMMAND__ACTION__NOT_SET;
    CHECK(decode_catalog(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_MISSING_ACTION));
    rb_command_fini(&cmd);
    m.command_id = "not-a-uuid";
    CHECK(decode_catalog(&m, &cmd) == RB_EDECODE);
}

static void test_wish(void)
{
    Rumbook__V1__BookingCommand m;
    Rumbook__V1__WishRequest w = RUMBOOK__V1__WISH_REQUEST__INIT;
    char *sessions[11] = {"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"};
    char *twice[2] = {"s1", "s1"};
    rb_command cmd;

    rumbook__v1__booking_command__init(&m);
    m.command_id = ID;
    m.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_WISH;
    m.wish = &w;
    w.round_id = "spring";
    w.class_id = "c1";
    w.n_session_ids = 2;
    w.session_ids = sessions;
    w.has_pupils = 1;
    w.pupils = 20;
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.kind == RB_CMD_WISH);
    CHECK(cmd.nwish_sessions == 2 && cmd.wants == 1 && !cmd.wait_if_full);
    CHECK_STR(cmd.wish_sessions[1], "s2");
    CHECK_STR(rb_command_kind_name(cmd.kind), "wish");
    rb_command_fini(&cmd);
    w.has_wants = 1;
    w.wants = 3; /* more than it lists */
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    rb_command_fini(&cmd);
    w.wants = 2;
    w.n_session_ids = 11; /* more than any round takes */
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    rb_command_fini(&cmd);
    w.n_session_ids = 2;
    w.session_ids = twice;
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_INVALID_FIELD));
    rb_command_fini(&cmd);
    w.session_ids = sessions;
    w.n_session_ids = 0;
    CHECK(decode_msg(&m, &cmd) == 0 && cmd.kind == RB_CMD_INVALID);
    CHECK(rb_verdict_has(&cmd.problems, RB_REASON_MISSING_FIELD));
    rb_command_fini(&cmd);
}

int main(void)
{
    test_valid_book();
    test_travel_mode_and_waiting();
    test_invalid_book_keeps_its_id();
    test_unreadable_id_is_a_dead_letter();
    test_garbage();
    test_no_action();
    test_cancel_needs_uuid();
    test_ids_are_lowercased();
    test_text_validation();
    test_catalog_commands();
    test_wish();
    return check_done("test_command");
}
