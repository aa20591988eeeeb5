/* libFuzzer target: the flat JSON reader behind `rumbookctl submit --json`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const known[] = {"action", NULL};
    char *text = malloc(size + 1);
    rb_json_object *o;
    rb_error err;
    int64_t n;
    int rc;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (rb_json_object_parse(text, &o, &err) == 0) {
        (void)rb_json_get_string(o, "action", &rc);
        (void)rb_json_get_int(o, "pupils", &n);
        (void)rb_json_unknown_key(o, known);
        rb_json_object_free(o);
    }
    free(text);
    return 0;
}
