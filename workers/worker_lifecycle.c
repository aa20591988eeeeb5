/* Life under systemd: readiness and the watchdog by sd_notify (libsystemd,
 * Debian's; a no-op without $NOTIFY_SOCKET), and reloading the settings on
 * SIGHUP. */
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "rumbook/log.h"
#include "worker_internal.h"

void worker_notify(const char *state)
{
    sd_notify(0, state);
}

void worker_watchdog(void)
{
    static int64_t every_ms = -1, last;
    uint64_t usec;
    int64_t now;

    if (every_ms < 0) /* asked once: the interval does not change */
        every_ms = sd_watchdog_enabled(0, &usec) > 0 ? (int64_t)(usec / 2000) : 0;
    now = worker_mono_ms();
    if (every_ms > 0 && now - last >= every_ms) {
        last = now;
        sd_notify(0, "WATCHDOG=1");
    }
}

/* The new batch size: the pending arrays grow or shrink with it. Called
 * between batches, with none pending. */
static bool resize_batch(worker *w, int size)
{
    rd_kafka_message_t **pending = realloc(w->pending, (size_t)size * sizeof(*pending));
    rb_message *msgs;

    if (!pending)
        return false;
    w->pending = pending;
    if (!(msgs = realloc(w->msgs, (size_t)size * sizeof(*msgs))))
        return false;
    w->msgs = msgs;
    return true;
}

/* Names the settings that differ but only change on a restart. */
static void restart_needed(const rb_config *old, const rb_config *now)
{
    const char *differs = NULL;

    if (strcmp(old->brokers, now->brokers) != 0)
        differs = "brokers";
    else if (strcmp(old->dsn, now->dsn) != 0)
        differs = "dsn";
    else if (strcmp(old->group, now->group) != 0 || strcmp(old->instance_id, now->instance_id) != 0)
        differs = "group or instance-id";
    else if (strcmp(old->topic_commands, now->topic_commands) != 0 ||
             strcmp(old->topic_decisions, now->topic_decisions) != 0 ||
             strcmp(old->topic_invitations, now->topic_invitations) != 0 ||
             strcmp(old->topic_dlq, now->topic_dlq) != 0 ||
             strcmp(old->topic_catalog_commands, now->topic_catalog_commands) != 0 ||
             strcmp(old->topic_catalog_decisions, now->topic_catalog_decisions) != 0)
        differs = "a topic";
    else if (strcmp(old->metrics_listen, now->metrics_listen) != 0 || old->relay != now->relay)
        differs = "metrics-listen or relay";
    if (differs)
        rb_log_warning("reload: %s changed and takes effect on restart only", differs);
}

void worker_reload(worker *w)
{
    rb_config next;
    rb_error err;

    worker_notify("RELOADING=1");
    rb_config_init(&next);
    if (rb_config_apply(&next, &w->args, &err) < 0) {
        rb_log_error("reload refused, keeping the settings in use: %s", err.message);
        rb_config_fini(&next);
        worker_notify("READY=1");
        return;
    }
    if (next.batch_size != w->cfg.batch_size && !resize_batch(w, next.batch_size)) {
        rb_log_error("reload refused, keeping the settings in use: out of memory");
        rb_config_fini(&next);
        worker_notify("READY=1");
        return;
    }
    restart_needed(&w->cfg, &next);
    /* What changes now; the rest keeps the values the process started with. */
    w->cfg.batch_size = next.batch_size;
    w->cfg.linger_ms = next.linger_ms;
    w->cfg.log_level = next.log_level;
    rb_log_init("rumbook-worker", (enum rb_log_level)next.log_level);
    rb_log_info("reloaded batch_size=%d linger_ms=%d log_level=%d", next.batch_size, next.linger_ms,
                next.log_level);
    rb_config_fini(&next);
    worker_notify("READY=1");
}
