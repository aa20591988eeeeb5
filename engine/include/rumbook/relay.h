/* The outbox relay: publishes committed outbox rows to Kafka in id order
 * with the idempotent producer, then marks them sent. One relay is active
 * at a time (a PostgreSQL advisory lock elects it); the others wait and
 * take over if its connection drops. A row is sent at least once; every
 * event carries its event id header so consumers drop repeats.
 * rb_relay_new() opens its own connection and producer (cfg: dsn, brokers
 * and Kafka security; borrowed for the call); rb_relay_free()
 * flushes and closes them. rb_relay_run() is meant for its own thread. */
#ifndef RUMBOOK_RELAY_H
#define RUMBOOK_RELAY_H

#include <signal.h>

#include <stdbool.h>

#include "rumbook/config.h"
#include "rumbook/error.h"

typedef struct rb_relay rb_relay;

typedef struct rb_relay_stats {
    long long sent;
    long long failed;
    bool active; /* holds the relay lock: this process publishes */
} rb_relay_stats;

int rb_relay_new(const rb_config *cfg, rb_relay **out, rb_error *err)
    RB_MUSTCHECK;
void rb_relay_free(rb_relay *r);

/* Publishes until *stop is set; returns 0, or an error at start-up. */
int rb_relay_run(rb_relay *r, volatile sig_atomic_t *stop, rb_error *err);

void rb_relay_get_stats(rb_relay *r, rb_relay_stats *out);

#endif
