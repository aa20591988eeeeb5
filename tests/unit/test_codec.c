/* Small building blocks: array literals, JSON, string sets, UUIDs. */
#include <stdlib.h>

#include "check.h"
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

int main(void)
{
    test_pgarray();
    test_json();
    test_strset();
    test_uuid();
    return check_done("test_codec");
}
