/* Just enough JSON for the command line: writing escaped strings, and
 * reading one object (string, number, boolean and null values; a nested
 * object or array is kept as its text, balanced but otherwise unchecked).
 * rb_json_object_parse() returns an object the caller frees with
 * rb_json_object_free(); strings it returns live as long as the object. */
#ifndef RUMBOOK_JSON_H
#define RUMBOOK_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "rumbook/buf.h"
#include "rumbook/error.h"

/* Appends s as a JSON string literal, quotes included. */
void rb_json_string(rb_buf *b, const char *s);

typedef struct rb_json_object rb_json_object;

int rb_json_object_parse(const char *text, rb_json_object **out, rb_error *err) RB_MUSTCHECK;
void rb_json_object_free(rb_json_object *obj);

/* NULL when the key is absent or null; RB_EINVAL in *rc when it is not a string. */
const char *rb_json_get_string(const rb_json_object *obj, const char *key, int *rc);
/* The text of a nested object or array; NULL when absent or null; RB_EINVAL
 * in *rc when it is neither. */
const char *rb_json_get_nested(const rb_json_object *obj, const char *key, int *rc);
/* 0 and *v set; RB_ENOTFOUND when absent; RB_EINVAL when not a whole number. */
int rb_json_get_int(const rb_json_object *obj, const char *key, int64_t *v);
/* 0 and *v set; RB_ENOTFOUND when absent; RB_EINVAL when not true or false. */
int rb_json_get_bool(const rb_json_object *obj, const char *key, bool *v);
/* Name of the first key not in the NULL-terminated list, or NULL. */
const char *rb_json_unknown_key(const rb_json_object *obj, const char *const *known);

#endif
