/* Kafka client configuration shared by every program: brokers, security,
 * logs and the errors that retrying will not mend. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumbook/kafka_conf.h"
#include "rumbook/kafka_log.h"
#include "rumbook/log.h"

static char fatal_reason[512];
static atomic_bool fatal_claimed; /* one client writes the reason */
static atomic_bool fatal_set;     /* then it is readable */

const char *rb_kafka_fatal(void)
{
    return atomic_load(&fatal_set) ? fatal_reason : NULL;
}

/* librdkafka calls this from rd_kafka_poll() and the consumer's poll. A
 * wrong password or an untrusted certificate fails every reconnect the
 * same way: remembered, for the program to stop with. */
void rb_kafka_note_error(const rd_kafka_t *rk, rd_kafka_resp_err_t e, const char *reason)
{
    bool fatal = e == RD_KAFKA_RESP_ERR__AUTHENTICATION || e == RD_KAFKA_RESP_ERR__SSL ||
                 e == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
                 e == RD_KAFKA_RESP_ERR__FATAL;
    if (!fatal) {
        rb_log_warning("kafka: %s client=%s", reason, rd_kafka_name(rk));
        return;
    }
    if (atomic_exchange(&fatal_claimed, true))
        return; /* the first one is the one told */
    snprintf(fatal_reason, sizeof(fatal_reason), "%s: %s", rd_kafka_err2name(e), reason);
    atomic_store(&fatal_set, true);
    rb_log_error("kafka: %s client=%s", fatal_reason, rd_kafka_name(rk));
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
    (void)opaque;
    rb_kafka_note_error(rk, (rd_kafka_resp_err_t)code, reason);
}

/* The password from the file, else the environment; trailing line breaks
 * dropped. */
static int read_password(const rb_config *cfg, char *out, size_t size, rb_error *err)
{
    const char *env = getenv("RUMBOOK_KAFKA_PASSWORD");
    FILE *f;
    size_t n;

    out[0] = '\0';
    if (*cfg->kafka_password_file) {
        if (!(f = fopen(cfg->kafka_password_file, "r")))
            return rb_error_set(err, RB_EIO, "could not open the Kafka password file \"%s\": %s",
                                cfg->kafka_password_file, strerror(errno));
        n = fread(out, 1, size - 1, f);
        fclose(f);
        out[n] = '\0';
    } else if (env) {
        snprintf(out, size, "%s", env);
    }
    out[strcspn(out, "\r\n")] = '\0';
    if (!*out)
        return rb_error_set(err, RB_EINVAL,
                            "kafka-security sasl_ssl needs a password: --kafka-password-file "
                            "(RUMBOOK_KAFKA_PASSWORD_FILE) or RUMBOOK_KAFKA_PASSWORD");
    return 0;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, rb_error *err)
{
    char errstr[256];

    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
        return rb_error_set(err, RB_EINVAL, "kafka setting %s: %s", name, errstr);
    return 0;
}

static int secure(rd_kafka_conf_t *conf, const rb_config *cfg, rb_error *err)
{
    char password[512];
    int rc;

    if (!*cfg->kafka_user)
        return rb_error_set(err, RB_EINVAL, "kafka-security sasl_ssl needs --kafka-user");
    if ((rc = read_password(cfg, password, sizeof(password), err)) < 0)
        return rc;
    if ((rc = set(conf, "security.protocol", "sasl_ssl", err)) == 0 &&
        (rc = set(conf, "sasl.mechanisms", "SCRAM-SHA-512", err)) == 0 &&
        (rc = set(conf, "sasl.username", cfg->kafka_user, err)) == 0 &&
        (rc = set(conf, "sasl.password", password, err)) == 0 && *cfg->kafka_ca)
        rc = set(conf, "ssl.ca.location", cfg->kafka_ca, err);
    memset(password, 0, sizeof(password)); /* librdkafka keeps its own copy */
    return rc;
}

int rb_kafka_conf_new(const rb_config *cfg, rd_kafka_conf_t **out, rb_error *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int rc;

    *out = NULL;
    if ((rc = set(conf, "bootstrap.servers", cfg->brokers, err)) < 0 ||
        (strcmp(cfg->kafka_security, "sasl_ssl") == 0 && (rc = secure(conf, cfg, err)) < 0)) {
        rd_kafka_conf_destroy(conf);
        return rc;
    }
    rd_kafka_conf_set_error_cb(conf, on_error);
    rb_kafka_log_to_rumbook(conf);
    *out = conf;
    return 0;
}
