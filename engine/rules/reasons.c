/* Names and properties of the reason codes (rumbook/reasons.h). */
#include "rumbook/reasons.h"

static const struct {
    const char *name;
    bool alternatives;
} reasons[RB_REASON_COUNT] = {
#define RB_REASON_ROW(name, code, alternatives) {#code, alternatives},
    RB_REASONS(RB_REASON_ROW)
#undef RB_REASON_ROW
};

const char *rb_reason_name(rb_reason_code code)
{
    return (unsigned)code < RB_REASON_COUNT ? reasons[code].name : "internal_error";
}

bool rb_reason_wants_alternatives(rb_reason_code code)
{
    return (unsigned)code < RB_REASON_COUNT && reasons[code].alternatives;
}
