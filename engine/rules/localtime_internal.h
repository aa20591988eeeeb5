/* libical's view of a local time, for the modules that expand recurrences. */
#ifndef RUMBOOK_LOCALTIME_INTERNAL_H
#define RUMBOOK_LOCALTIME_INTERNAL_H

#include <libical/ical.h>

#include "rumbook/localtime.h"

/* l as a floating (zone-less) libical time. */
struct icaltimetype rb__local_floating(const rb_local *l);

#endif
