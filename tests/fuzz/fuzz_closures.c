/* libFuzzer target: any bytes as an .ics file of closures (rumbookctl
 * calendar import). Either an error, or closed day ranges that are real
 * dates with the first day at or before the last; nothing may crash, leak
 * or loop. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/closures.h"
#include "rumbook/localtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool real_date(int d)
{
    int y = d / 10000, m = d / 100 % 100, day = d % 100;

    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

static int check(void *ctx, const rb_ics_closure *c)
{
    int *n = ctx;

    if (!c->uid || !c->summary || c->first_day > c->last_day || !real_date(c->first_day) ||
        !real_date(c->last_day))
        abort();
    return ++*n > 100000; /* stop a runaway expansion: the importer's cap is per event */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    rb_error err;
    int n = 0;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    (void)rb_closures_from_ics(text, 20301231, check, &n, &err);
    free(text);
    return 0;
}
