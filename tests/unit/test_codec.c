/* Small building blocks: array literals, JSON, string sets, UUIDs. */
#include <stdlib.h>

#include "check.h"
#include "rumbook/events.h"
#include "rumbook/json.h"
#include "rumbook/pgarray.h"
#include "rumbook/uuid.h"
#include "../../engine/strset_internal.h"

static void test_pgarray(void)
{
    rb_buf b;
    static const uint8_t bytes[] = {0x00, 0xab};

    rb_buf_init(&b);
    rb_pgarray_begin(&b);
    rb_pgarray_text(&b, "a\"b\\c");
    rb_pgarray_text(&b, NULL);
    rb_pgarray_int(&b, -42);
    rb_pgarray_bytea(&b, bytes, 2);
    rb_pgarray_end(&b);
    CHECK_STR(b.data, "{\"a\\\"b\\\\c\",NULL,-42,\"\\\\x00ab\"}");
    rb_pgarray_begin(&b);
    rb_pgarray_end(&b);
    CHECK_STR(b.data, "{}");
    {
        /* Longer than the encoder's chunk, and text ending in an escape. */
        uint8_t big[700];
        char want[2 + 4 + 2 * sizeof(big) + 2 + 1 + 16] = "{\"\\\\x";
        size_t i, n = strlen(want);
        for (i = 0; i < sizeof(big); i++) {
            big[i] = (uint8_t)(i * 7);
            n += (size_t)sprintf(want + n, "%02x", big[i]);
        }
        strcpy(want + n, "\",\"x\\\\\"}");
        rb_pgarray_begin(&b);
        rb_pgarray_bytea(&b, big, sizeof(big));
        rb_pgarray_text(&b, "x\\");
        rb_pgarray_end(&b);
        CHECK(strcmp(b.data, want) == 0);
    }
    rb_buf_fini(&b);
}

static void test_json(void)
{
    rb_json_object *o;
    rb_error err;
    int64_t n;
    int rc;
    rb_buf b;
    static const char *const known[] = {"action", "pupils", NULL};

    CHECK(rb_json_object_parse("{\"action\":\"book\", \"pupils\": 25, \"note\":\"\\u00e5\\n\"}",
                               &o, &err) == 0);
    CHECK_STR(rb_json_get_string(o, "action", &rc), "book");
    CHECK(rb_json_get_int(o, "pupils", &n) == 0 && n == 25);
    CHECK_STR(rb_json_get_string(o, "note", &rc), "\xc3\xa5\n");
    CHECK(rb_json_get_string(o, "pupils", &rc) == NULL && rc == RB_EINVAL);
    CHECK_STR(rb_json_unknown_key(o, known), "note");
    rb_json_object_free(o);
    CHECK(rb_json_object_parse("{\"wait\":true,\"no\":false,\"n\":1}", &o, &err) == 0);
    {
        bool yes = false, no = true;
        CHECK(rb_json_get_bool(o, "wait", &yes) == 0 && yes);
        CHECK(rb_json_get_bool(o, "no", &no) == 0 && !no);
        CHECK(rb_json_get_bool(o, "n", &yes) == RB_EINVAL);
        CHECK(rb_json_get_bool(o, "absent", &yes) == RB_ENOTFOUND);
    }
    rb_json_object_free(o);
    CHECK(rb_json_object_parse("{\"a\":[1]}", &o, &err) == RB_EINVAL);
    CHECK(strstr(err.message, "nested") != NULL);
    CHECK(rb_json_object_parse("{\"a\":1} x", &o, &err) == RB_EINVAL);
    CHECK(rb_json_object_parse("{\"a\":\"unterminated", &o, &err) == RB_EINVAL);
    rb_buf_init(&b);
    rb_json_string(&b, "q\"\n\x01");
    CHECK_STR(b.data, "\"q\\\"\\n\\u0001\"");
    rb_buf_fini(&b);
}

static void test_strset(void)
{
    rb__strset s;
    char keys[100][8];
    int i;

    CHECK(rb__strset_init(&s, 100) == 0);
    for (i = 0; i < 100; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        CHECK(rb__strset_add(&s, keys[i]));
    }
    CHECK(!rb__strset_add(&s, "k7"));
    CHECK(rb__strset_has(&s, "k99"));
    rb__strset_remove(&s, "k99");
    CHECK(!rb__strset_has(&s, "k99"));
    CHECK(rb__strset_add(&s, keys[99]));
    CHECK(s.n == 100);
    rb__strset_fini(&s);
}

static void test_uuid(void)
{
    char a[RB_UUID_LEN], b[RB_UUID_LEN];

    CHECK(rb_uuid_new(a) == 0 && rb_uuid_new(b) == 0);
    CHECK(rb_uuid_valid(a));
    CHECK(strcmp(a, b) != 0);
    CHECK(a[14] == '4');
    CHECK(!rb_uuid_valid("6756086c-2638-443b-97fb-93f9dc194dc"));
    CHECK(!rb_uuid_valid("6756086c+2638-443b-97fb-93f9dc194dc6"));
}

/* The decision a portal reads, with the scheduling fields, through the
 * encoder and back out as JSON. */
static void test_decision_fields(void)
{
    rb_session s1 = {.id = "s-0406", .starts_at_ms = 1806994800000LL,
                     .ends_at_ms = 1807002000000LL};
    const rb_session *alts[1] = {&s1};
    const char *buses[2] = {"ulf-bus-1", "ulf-bus-2"};
    rb_verdict v;
    rb_decision d = {.command_id = "c-1", .status = RB_STATUS_WAITLISTED, .reasons = &v,
                     .decided_at_ms = 1, .session_id = "s-0330", .class_id = "4a", .pupils = 25,
                     .waitlist_position = 2, .alternatives = alts, .nalternatives = 1,
                     .travel_mode = "bus", .departs_at_ms = 10, .returns_at_ms = 20,
                     .bus_ids = buses, .nbus_ids = 2};
    uint8_t *bytes;
    size_t len;
    rb_buf b;

    rb_verdict_init(&v);
    rb_verdict_add(&v, "no_class_places", "all %d class places are taken", 2);
    CHECK(rb_decision_encode(&d, &bytes, &len) == 0);
    rb_buf_init(&b);
    CHECK(rb_decision_to_json(bytes, len, &b) == 0);
    CHECK(strstr(b.data, "\"status\":\"waitlisted\"") != NULL);
    CHECK(strstr(b.data, "\"waitlist_position\":2") != NULL);
    CHECK(strstr(b.data, "\"travel_mode\":\"bus\"") != NULL);
    CHECK(strstr(b.data, "\"bus_ids\":[\"ulf-bus-1\",\"ulf-bus-2\"]") != NULL);
    CHECK(strstr(b.data, "\"alternatives\":[{\"session_id\":\"s-0406\","
                         "\"starts_at_unix_ms\":1806994800000}]") != NULL);
    CHECK(strstr(b.data, "\"code\":\"no_class_places\"") != NULL);
    CHECK_STR(rb_status_name(RB_STATUS_PENDING_REVIEW), "pending_review");
    rb_buf_fini(&b);
    free(bytes);
}

int main(void)
{
    test_pgarray();
    test_json();
    test_strset();
    test_uuid();
    test_decision_fields();
    return check_done("test_codec");
}
