/* Small building blocks: array literals, JSON, string sets, UUIDs. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rumbook/events.h"
#include "rumbook/json.h"
#include "rumbook/pgarray.h"
#include "rumbook/uuid.h"
#include "util/strset_internal.h"

/* Big-endian 32-bit integer at p. */
static uint32_t be32(const char *p)
{
    const uint8_t *u = (const uint8_t *)p;

    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static void test_pgarray(void)
{
    rb_pgarray a[4];
    static const uint8_t bytes[] = {0x00, 0xab};
    static const char sql[] = "SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[])"
                              " WHERE $4 = 'x' AND $10::int[] IS NULL";
    int i;

    for (i = 0; i < 4; i++)
        rb_pgarray_init(&a[i]);
    rb_pgarray_begin_for(a, 4, sql);
    CHECK(a[0].type == RB_PG_TEXT && a[1].type == RB_PG_INT8 && a[2].type == RB_PG_UUID);
    CHECK(a[3].type == RB_PG_SCALAR && a[3].invalid); /* until set */
    rb_pgarray_scalar(&a[3], "x");
    CHECK(!a[3].invalid && strcmp(a[3].buf.data, "x") == 0);

    /* Header: one dimension, no nulls, text (oid 25), 2 elements from 1. */
    rb_pgarray_text(&a[0], "a\"b");
    rb_pgarray_text(&a[0], "");
    CHECK(a[0].buf.len == 20 + 4 + 3 + 4 && !a[0].invalid);
    CHECK(be32(a[0].buf.data) == 1 && be32(a[0].buf.data + 4) == 0);
    CHECK(be32(a[0].buf.data + 8) == 25 && be32(a[0].buf.data + 12) == 2);
    CHECK(be32(a[0].buf.data + 16) == 1 && be32(a[0].buf.data + 20) == 3);
    CHECK(memcmp(a[0].buf.data + 24, "a\"b", 3) == 0 && be32(a[0].buf.data + 27) == 0);

    /* bigint from a number and from text; NULL sets the flag. */
    rb_pgarray_int(&a[1], -2);
    rb_pgarray_text(&a[1], "4294967296");
    rb_pgarray_null(&a[1]);
    CHECK(!a[1].invalid && be32(a[1].buf.data + 4) == 1 && be32(a[1].buf.data + 12) == 3);
    CHECK(be32(a[1].buf.data + 20) == 8 && be32(a[1].buf.data + 24) == UINT32_MAX &&
          be32(a[1].buf.data + 28) == UINT32_MAX - 1);
    CHECK(be32(a[1].buf.data + 36) == 1 && be32(a[1].buf.data + 40) == 0);
    CHECK(be32(a[1].buf.data + 44) == UINT32_MAX && a[1].buf.len == 48);

    rb_pgarray_text(&a[2], "0123abcd-ef01-4234-8567-89ABCDEF0123");
    CHECK(!a[2].invalid && be32(a[2].buf.data + 8) == 2950 && be32(a[2].buf.data + 20) == 16);
    CHECK((uint8_t)a[2].buf.data[24] == 0x01 && (uint8_t)a[2].buf.data[39] == 0x23);

    /* Values their type cannot hold make the array invalid, never wrong. */
    rb_pgarray_text(&a[2], "0123abcd-ef01-4234-8567-89abcdef012");
    CHECK(a[2].invalid);
    rb_pgarray_begin(&a[0], RB_PG_INT4);
    rb_pgarray_int(&a[0], 2147483647);
    CHECK(!a[0].invalid);
    rb_pgarray_int(&a[0], 2147483648);
    CHECK(a[0].invalid);
    rb_pgarray_begin(&a[0], RB_PG_INT4);
    rb_pgarray_text(&a[0], "12x");
    CHECK(a[0].invalid);
    rb_pgarray_begin(&a[0], RB_PG_TEXT);
    rb_pgarray_int(&a[0], 1);
    CHECK(a[0].invalid);

    rb_pgarray_begin(&a[0], RB_PG_BYTEA);
    rb_pgarray_bytea(&a[0], bytes, 2);
    CHECK(!a[0].invalid && be32(a[0].buf.data + 8) == 17 && be32(a[0].buf.data + 20) == 2);
    CHECK((uint8_t)a[0].buf.data[25] == 0xab && a[0].buf.len == 26);

    rb_pgarray_begin(&a[0], RB_PG_FLOAT8);
    rb_pgarray_float(&a[0], 1.0);
    CHECK(be32(a[0].buf.data + 24) == 0x3ff00000 && be32(a[0].buf.data + 28) == 0);
    for (i = 0; i < 4; i++)
        rb_pgarray_fini(&a[i]);
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
    /* nested values are kept as their text, braces in strings skipped */
    CHECK(rb_json_object_parse("{\"a\":[1,{\"b\":\"}]\"}],\"c\":{\"d\":{}}, \"e\":2}", &o, &err) == 0);
    CHECK_STR(rb_json_get_nested(o, "a", &rc), "[1,{\"b\":\"}]\"}]");
    CHECK_STR(rb_json_get_nested(o, "c", &rc), "{\"d\":{}}");
    CHECK(rb_json_get_nested(o, "e", &rc) == NULL && rc == RB_EINVAL);
    CHECK(rb_json_get_string(o, "a", &rc) == NULL && rc == RB_EINVAL);
    rb_json_object_free(o);
    CHECK(rb_json_object_parse("{\"a\":[1,{\"b\":2}}", &o, &err) == RB_EINVAL);
    CHECK(rb_json_object_parse("{\"a\":[[[", &o, &err) == RB_EINVAL);
    CHECK(strstr(err.message, "unterminated") != NULL);
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
    {
        /* Across refills of the random pool: all distinct, all version 4. */
        static char many[1000][RB_UUID_LEN];
        int i, j, bad = 0;
        for (i = 0; i < 1000; i++)
            bad += rb_uuid_new(many[i]) != 0 || !rb_uuid_valid(many[i]) || many[i][14] != '4';
        for (i = 0; i < 1000; i++)
            for (j = i + 1; j < 1000; j++)
                bad += strcmp(many[i], many[j]) == 0;
        CHECK(bad == 0);
    }
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
    rb_verdict_add(&v, RB_REASON_NO_CLASS_PLACES, "all %d class places are taken", 2);
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
