/* What rumbookctl loads into the database: migrations, the catalogue,
 * closures from calendars, travel times. Each runs in one transaction on
 * a connection the caller owns (rb_pg_connect()); on error nothing is kept. */
#ifndef RUMBOOK_IMPORT_H
#define RUMBOOK_IMPORT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "rumbook/buf.h"
#include "rumbook/error.h"

/* Applies every numbered NNN_name.sql in dir not yet recorded in
 * schema_migrations, each in its own transaction, under an advisory lock.
 * *applied counts the files applied now (0: already up to date). */
int rb_migrate(PGconn *conn, const char *dir, int *applied, rb_error *err) RB_MUSTCHECK;

/* Directory of the migrations: $RUMBOOK_MIGRATIONS or the source tree's. */
const char *rb_migrations_dir(void);

/* Imports a catalogue document (docs/catalog.md) in one transaction; on
 * error nothing is kept and err names the bad field by its JSON path, or
 * the session no class could book. summary receives "providers=10
 * venues=12 ..." (size bytes); warnings (when not NULL) gets a line for
 * each session on a public holiday. */
int rb_catalog_import(PGconn *conn, const char *json, char *summary, size_t size,
                      rb_buf *warnings, rb_error *err) RB_MUSTCHECK;

/* Stores the closed days of an iCalendar file for a scope ("all",
 * "school:ID", "municipality:NAME", "provider:ID", "venue:ID"), expanding
 * recurring events up to until_day (yyyymmdd). Re-importing a file
 * replaces its events (by UID) for that scope. */
int rb_calendar_import(PGconn *conn, const char *scope, const char *ics, int until_day,
                       int *imported, rb_error *err) RB_MUSTCHECK;

/* Upserts the travel-time table from CSV text (school_id,venue_id,mode,
 * minutes; a header line is allowed). csv is modified while parsing. */
int rb_travel_import(PGconn *conn, char *csv, int *imported, rb_error *err) RB_MUSTCHECK;

#endif
