/* What rumbookctl's producing subcommands share (submit, catalog submit):
 * the actor flag, the portal's key, an idempotent producer, and signed
 * messages with the wire's headers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_internal.h"
#include "rumbook/authorization.h"
#include "rumbook/buf.h"
#include "rumbook/events.h"
#include "rumbook/json.h"
#include "rumbook/kafka_conf.h"
#include "rumbook/kafka_log.h"
#include "rumbook/v1/booking.pb-c.h"

bool ctl_actor(const char *text, Rumbook__V1__Actor *actor)
{
    const char *colon = text ? strchr(text, ':') : NULL;
    char name[32];
    enum rb_role role;

    if (!colon || !colon[1] || (size_t)(colon - text) >= sizeof(name))
        return false;
    snprintf(name, sizeof(name), "%.*s", (int)(colon - text), text);
    if (!rb_role_parse(name, &role))
        return false;
    actor->has_role = 1;
    switch (role) {
    case RB_ROLE_PROVIDER_STAFF:
        actor->role = RUMBOOK__V1__ACTOR_ROLE__PROVIDER_STAFF;
        actor->provider_id = (char *)colon + 1;
        break;
    case RB_ROLE_MUNICIPALITY_ADMIN:
        actor->role = RUMBOOK__V1__ACTOR_ROLE__MUNICIPALITY_ADMIN;
        actor->municipality = (char *)colon + 1;
        break;
    case RB_ROLE_SCHOOL_ADMIN:
        actor->role = RUMBOOK__V1__ACTOR_ROLE__SCHOOL_ADMIN;
        actor->school_id = (char *)colon + 1;
        break;
    default:
        actor->role = RUMBOOK__V1__ACTOR_ROLE__TEACHER;
        actor->school_id = (char *)colon + 1;
    }
    return true;
}

int ctl_load_signer(const rb_config *cfg, rb_signer *signer, bool *sign, const char *command)
{
    unsigned char seed[RB_KEY_LEN];

    *sign = *cfg->portal != '\0';
    if (!*sign && !*cfg->portal_key)
        return 0;
    if (!*sign || !*cfg->portal_key) {
        fprintf(stderr, "rumbookctl %s: --portal and --portal-key go together\n", command);
        return -1;
    }
    if (ctl_read_key(cfg->portal_key, seed, command) < 0)
        return -1;
    rb_signer_init(signer, seed);
    memset(seed, 0, sizeof(seed));
    return 0;
}

rd_kafka_t *ctl_producer_new(const rb_config *cfg, const char *command)
{
    char errstr[256];
    rd_kafka_conf_t *conf = ctl_kafka_conf(cfg, command);
    rd_kafka_t *rk;

    if (!conf)
        return NULL;
    if (rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "linger.ms", "2", errstr, sizeof(errstr)) ||
        rd_kafka_conf_set(conf, "reconnect.backoff.max.ms", "1000", errstr, sizeof(errstr))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl %s: %s\n", command, errstr);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, ctl_on_delivery);
    rb_kafka_log_to_rumbook(conf);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rumbookctl %s: %s\n", command, errstr);
    }
    return rk;
}

int ctl_produce(rd_kafka_t *rk, const ctl_message *m, ctl_delivery *d, const char *command)
{
    rd_kafka_resp_err_t e;
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(5);
    char signature[RB_SIGNATURE_B64_LEN];

    rd_kafka_header_add(hdrs, "content-type", -1, "application/x-protobuf", -1);
    rd_kafka_header_add(hdrs, "rumbook-message-type", -1, m->type, -1);
    rd_kafka_header_add(hdrs, "rumbook-schema-version", -1, RB_SCHEMA_VERSION, -1);
    if (m->signer) {
        rb_sign(m->signer, m->payload, m->len, signature);
        rd_kafka_header_add(hdrs, "rumbook-portal", -1, m->portal, -1);
        rd_kafka_header_add(hdrs, "rumbook-signature", -1, signature, -1);
    }
    e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(m->topic), RD_KAFKA_V_KEY(m->key, strlen(m->key)),
                          RD_KAFKA_V_VALUE(m->payload, m->len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_OPAQUE(d),
                          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (!e)
        return 0; /* the payload is librdkafka's now */
    rd_kafka_headers_destroy(hdrs); /* ours again when producev fails */
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return 1;
    free(m->payload);
    fprintf(stderr, "rumbookctl %s: %s\n", command, rd_kafka_err2str(e));
    return -1;
}

int ctl_flush(rd_kafka_t *rk, const char *command)
{
    int i;

    /* 30 s for the reports, unless the broker refused us for good */
    for (i = 0; i < 300 && rd_kafka_outq_len(rk) > 0 && !rb_kafka_fatal(); i++)
        rd_kafka_poll(rk, 100);
    if (rb_kafka_fatal()) {
        fprintf(stderr, "rumbookctl %s: kafka: %s\n", command, rb_kafka_fatal());
        return 1;
    }
    return 0;
}

void ctl_print_sent(const char *command_id, const char *action, const char *topic,
                    const ctl_delivery *d)
{
    rb_buf out;

    rb_buf_init(&out);
    rb_buf_puts(&out, "{\"command_id\":");
    rb_json_string(&out, command_id);
    rb_buf_puts(&out, ",\"action\":");
    rb_json_string(&out, action);
    rb_buf_puts(&out, ",\"topic\":");
    rb_json_string(&out, topic);
    rb_buf_printf(&out, ",\"partition\":%d,\"offset\":%lld}", (int)d->partition,
                  (long long)d->offset);
    puts(out.data ? out.data : "");
    rb_buf_fini(&out);
}

int ctl_json_line(FILE *in, ctl_lines *l, rb_json_object **obj, const char *command)
{
    ssize_t got;
    rb_error err;

    while ((got = getline(&l->text, &l->cap, in)) > 0) {
        l->lineno++;
        if (strspn(l->text, " \t\r\n") == (size_t)got)
            continue;
        if (rb_json_object_parse(l->text, obj, &err) == 0)
            return 1;
        fprintf(stderr, "rumbookctl %s: line %ld: %s\n", command, l->lineno, err.message);
        return -1;
    }
    return 0;
}
