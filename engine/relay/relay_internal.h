/* The relay's order check, for its unit test. */
#ifndef RUMBOOK_RELAY_INTERNAL_H
#define RUMBOOK_RELAY_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>

/* Whether events (rows of id, ..., batch id in column 10, as text) come
 * batch by batch in the order of batches (column 0) and each batch's by
 * id; the relay reads again with an ORDER BY when they do not. */
bool rb__relay_in_order(const PGresult *batches, const PGresult *events);

#endif
