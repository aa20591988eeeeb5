/* rumbook-mailer's parts: mailer.c sends the invitations, mailer_feeds.c
 * serves the calendar feeds. */
#ifndef RUMBOOK_MAILER_INTERNAL_H
#define RUMBOOK_MAILER_INTERNAL_H

#include "rumbook/calendar.h"
#include "rumbook/error.h"
#include "rumbook/http.h"

typedef struct rb_feeds rb_feeds;

/* Serves the feeds on listen (HOST:PORT) with a connection of its own to
 * dsn; cal is borrowed and must outlive the feeds. */
int rb_feeds_start(const char *listen, const char *dsn, const rb_calendar *cal, rb_feeds **out,
                   rb_error *err);
void rb_feeds_stop(rb_feeds *f);

#endif
