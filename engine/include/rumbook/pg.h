/* PostgreSQL connections with rumbook's session settings. The caller owns
 * the PGconn (PQfinish()). */
#ifndef RUMBOOK_PG_H
#define RUMBOOK_PG_H

#include <libpq-fe.h>

#include "rumbook/error.h"

/* Connects to dsn and applies the session settings (UTC, planner costs). */
int rb_pg_connect(const char *dsn, PGconn **out, rb_error *err) RB_MUSTCHECK;

#endif
