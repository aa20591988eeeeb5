/* rumbookctl submit: one command from flags, or many as JSON lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <librdkafka/rdkafka.h>

#include "ctl_internal.h"
#include "rumbook/authorization.h"
#include "rumbook/kafka_conf.h"
#include "rumbook/kafka_log.h"
#include "rumbook/buf.h"
#include "rumbook/events.h"
#include "rumbook/json.h"
#include "rumbook/signature.h"
#include "rumbook/uuid.h"
#include "rumbook/travel.h"
#include "rumbook/v1/booking.pb-c.h"

static const char help[] =
    "usage: rumbookctl submit book --session ID --class ID --pupils N [--note TEXT]\n"
    "         [--travel walk|bike|public_transport|bus] [--wait]\n"
    "       rumbookctl submit cancel --booking UUID [--reason TEXT]\n"
    "       rumbookctl submit reschedule --booking UUID --session ID\n"
    "       rumbookctl submit change --booking UUID [--pupils N] [--travel MODE] [--note TEXT]\n"
    "       rumbookctl submit withdraw --waiting UUID   (the WAITLISTED command's id)\n"
    "       rumbookctl submit approve|refuse --waiting UUID [--reason TEXT]\n"
    "         (a bus order in review: the PENDING_REVIEW command's id; staff only)\n"
    "       rumbookctl submit wish --round ID --class ID --sessions S1,S2,... --pupils N\n"
    "         [--wants N] [--travel MODE] [--wait] [--note TEXT]   (an allocation round's;\n"
    "         withdraw it with withdraw --waiting, naming the wish's command id)\n"
    "       rumbookctl submit --json FILE|-   (one JSON object per line)\n"
    "options for all: --actor ROLE:ID (RUMBOOK_ACTOR: teacher:SCHOOL, school_admin:SCHOOL,\n"
    "  provider_staff:PROVIDER or municipality_admin:MUNICIPALITY), --email ADDR, --name NAME,\n"
    "  --portal NAME --portal-key FILE (RUMBOOK_PORTAL, RUMBOOK_PORTAL_KEY: sign as that\n"
    "  portal), --command-id UUID (default: a new one), --offering ID (the key), --key KEY,\n"
    "  --brokers HOSTS\n"
    "JSON fields: action (book|cancel|reschedule|change|withdraw|approve|refuse|wish), session,\n"
    "  class, pupils, note, travel, wait (true: waitlist when full), booking, reason, waiting,\n"
    "  round, sessions (\"S1,S2\"), wants, offering, key, command_id, actor, email, name\n"
    "Prints each command back as JSON with its command_id, partition and offset.\n";

/* A command as the user gave it; strings borrowed. */
typedef struct spec {
    const char *action, *session, *klass, *note, *booking, *reason, *offering, *key;
    const char *command_id, *email, *name, *actor, *travel, *waiting, *round, *sessions;
    long long pupils, wants;
    bool wait;
} spec;

static char *cstr(const char *s)
{
    return (char *)s;
}

static Rumbook__V1__TravelMode travel_mode(const char *name)
{
    enum rb_mode m;

    if (!name || !rb_mode_parse(name, &m))
        return RUMBOOK__V1__TRAVEL_MODE__TRAVEL_MODE_UNSPECIFIED;
    switch (m) {
    case RB_MODE_WALK: return RUMBOOK__V1__TRAVEL_MODE__WALK;
    case RB_MODE_BIKE: return RUMBOOK__V1__TRAVEL_MODE__BIKE;
    case RB_MODE_BUS: return RUMBOOK__V1__TRAVEL_MODE__BUS;
    default: return RUMBOOK__V1__TRAVEL_MODE__PUBLIC_TRANSPORT;
    }
}

/* Packs spec into a BookingCommand; returns a malloc()ed buffer. */
static uint8_t *pack_command(const spec *s, const char *command_id, size_t *len)
{
    Rumbook__V1__BookingCommand cmd = RUMBOOK__V1__BOOKING_COMMAND__INIT;
    Rumbook__V1__Actor actor = RUMBOOK__V1__ACTOR__INIT;
    Rumbook__V1__BookRequest book = RUMBOOK__V1__BOOK_REQUEST__INIT;
    Rumbook__V1__CancelRequest cancel = RUMBOOK__V1__CANCEL_REQUEST__INIT;
    Rumbook__V1__RescheduleRequest move = RUMBOOK__V1__RESCHEDULE_REQUEST__INIT;
    Rumbook__V1__WithdrawRequest withdraw = RUMBOOK__V1__WITHDRAW_REQUEST__INIT;
    Rumbook__V1__ChangeRequest change = RUMBOOK__V1__CHANGE_REQUEST__INIT;
    Rumbook__V1__ReviewRequest review = RUMBOOK__V1__REVIEW_REQUEST__INIT;
    Rumbook__V1__WishRequest wish = RUMBOOK__V1__WISH_REQUEST__INIT;
    char list[2048], *ids[10], *p;
    size_t nids = 0;
    struct timeval tv;
    uint8_t *out;

    gettimeofday(&tv, NULL);
    cmd.command_id = cstr(command_id);
    cmd.has_issued_at_unix_ms = 1;
    cmd.issued_at_unix_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    actor.email = cstr(s->email);
    actor.name = cstr(s->name);
    ctl_actor(s->actor, &actor);
    cmd.actor = &actor;
    if (strcmp(s->action, "book") == 0) {
        book.session_id = cstr(s->session);
        book.class_id = cstr(s->klass);
        book.has_pupils = s->pupils >= 0;
        book.pupils = (uint32_t)(s->pupils >= 0 ? s->pupils : 0);
        book.note = cstr(s->note);
        book.offering_id = cstr(s->offering);
        book.has_wait_if_full = s->wait;
        book.wait_if_full = s->wait;
        book.has_travel_mode = s->travel != NULL;
        book.travel_mode = travel_mode(s->travel);
        cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_BOOK;
        cmd.book = &book;
    } else if (strcmp(s->action, "cancel") == 0) {
        cancel.booking_id = cstr(s->booking);
        cancel.reason = cstr(s->reason);
        cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_CANCEL;
        cmd.cancel = &cancel;
    } else if (strcmp(s->action, "change") == 0) {
        change.booking_id = cstr(s->booking);
        change.has_pupils = s->pupils >= 0;
        change.pupils = (uint32_t)(s->pupils >= 0 ? s->pupils : 0);
        change.has_travel_mode = s->travel != NULL;
        change.travel_mode = travel_mode(s->travel);
        change.note = cstr(s->note);
        cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_CHANGE;
        cmd.change = &change;
    } else if (strcmp(s->action, "wish") == 0) {
        snprintf(list, sizeof(list), "%s", s->sessions ? s->sessions : "");
        for (p = strtok(list, ","); p && nids < 10; p = strtok(NULL, ","))
            ids[nids++] = p;
        wish.round_id = cstr(s->round);
        wish.class_id = cstr(s->klass);
        wish.n_session_ids = nids;
        wish.session_ids = ids;
        wish.has_pupils = s->pupils >= 0;
        wish.pupils = (uint32_t)(s->pupils >= 0 ? s->pupils : 0);
        wish.has_wants = s->wants > 0;
        wish.wants = (uint32_t)(s->wants > 0 ? s->wants : 0);
        wish.has_wait_if_full = s->wait;
        wish.wait_if_full = s->wait;
        wish.has_travel_mode = s->travel != NULL;
        wish.travel_mode = travel_mode(s->travel);
        wish.note = cstr(s->note);
        cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_WISH;
        cmd.wish = &wish;
    } else if (strcmp(s->action, "withdraw") == 0) {
        withdraw.command_id = cstr(s->waiting);
        cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_WITHDRAW;
        cmd.withdraw = &withdraw;
    } else if (strcmp(s->action, "approve") == 0 || strcmp(s->action, "refuse") == 0) {
        review.command_id = cstr(s->waiting);
        review.message = cstr(s->reason);
        if (strcmp(s->action, "approve") == 0) {
            cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_APPROVE;
            cmd.approve = &review;
        } else {
            cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_REFUSE;
            cmd.refuse = &review;
        }
    } else {
        move.booking_id = cstr(s->booking);
        move.session_id = cstr(s->session);
        cmd.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_RESCHEDULE;
        cmd.reschedule = &move;
    }
    *len = rumbook__v1__booking_command__get_packed_size(&cmd);
    out = malloc(*len + 1);
    if (out)
        rumbook__v1__booking_command__pack(&cmd, out);
    return out;
}

/* A --travel rumbook has no mode for (car is the table's, not a class's). */
static bool bad_travel(const spec *s)
{
    return s->travel &&
           (travel_mode(s->travel) == RUMBOOK__V1__TRAVEL_MODE__TRAVEL_MODE_UNSPECIFIED ||
            strcmp(s->travel, "car") == 0);
}

/* Names the first required field that is missing, or NULL. */
static const char *missing(const spec *s)
{
    Rumbook__V1__Actor actor = RUMBOOK__V1__ACTOR__INIT;

    if (!ctl_actor(s->actor, &actor))
        return "a valid --actor ROLE:ID (teacher, school_admin, provider_staff or "
               "municipality_admin, then the school, provider or municipality)";
    if (!s->action)
        return "the action (book, cancel, reschedule, change, withdraw, approve, refuse or wish)";
    if (strcmp(s->action, "book") == 0) {
        if (!s->session)
            return "--session";
        if (!s->klass)
            return "--class";
        if (s->pupils < 0)
            return "--pupils";
        if (bad_travel(s))
            return "a known --travel (walk, bike, public_transport or bus)";
        return NULL;
    }
    if (strcmp(s->action, "withdraw") == 0 || strcmp(s->action, "approve") == 0 ||
        strcmp(s->action, "refuse") == 0)
        return s->waiting ? NULL : "--waiting";
    if (strcmp(s->action, "wish") == 0) {
        if (!s->round)
            return "--round";
        if (!s->klass)
            return "--class";
        if (!s->sessions)
            return "--sessions";
        if (s->pupils < 0)
            return "--pupils";
        return bad_travel(s) ? "a known --travel (walk, bike, public_transport or bus)" : NULL;
    }
    if (strcmp(s->action, "change") == 0) {
        if (!s->booking)
            return "--booking";
        if (s->pupils < 0 && !s->travel && !s->note)
            return "what to change: --pupils, --travel or --note";
        if (bad_travel(s))
            return "a known --travel (walk, bike, public_transport or bus)";
        return NULL;
    }
    if (strcmp(s->action, "cancel") != 0 && strcmp(s->action, "reschedule") != 0)
        return "a known action (book, cancel, reschedule, change, withdraw, approve, refuse or "
               "wish)";
    if (!s->booking)
        return "--booking";
    if (strcmp(s->action, "reschedule") == 0 && !s->session)
        return "--session";
    return NULL;
}

static const char *default_key(const spec *s)
{
    if (s->key)
        return s->key;
    if (s->offering)
        return s->offering;
    if (s->round)
        return s->round;
    return s->session ? s->session : s->booking ? s->booking : s->waiting;
}

/* Returns 0 when queued, 1 when the queue is full, -1 on error. */
static int produce(rd_kafka_t *rk, const rb_config *cfg, const rb_signer *signer, const spec *s,
                   ctl_delivery *d, char command_id[RB_UUID_LEN])
{
    const char *why = missing(s);
    ctl_message m = {cfg->topic_commands, default_key(s), RB_MSG_COMMAND, NULL, 0, signer,
                     cfg->portal};
    int rc;

    if (why) {
        fprintf(stderr, "rumbookctl submit: missing %s\n", why);
        return -1;
    }
    if (s->command_id)
        snprintf(command_id, RB_UUID_LEN, "%s", s->command_id);
    else if (rb_uuid_new(command_id) < 0)
        return -1;
    if (!(m.payload = pack_command(s, command_id, &m.len)))
        return -1;
    if ((rc = ctl_produce(rk, &m, d, "submit")) == 1)
        free(m.payload);
    return rc;
}

/* Waits for every delivery report and prints the results in order. */
static int finish(rd_kafka_t *rk, const rb_config *cfg, spec *specs, ctl_delivery *ds,
                  char (*ids)[RB_UUID_LEN], size_t n)
{
    size_t i;
    int failed = 0;

    if (ctl_flush(rk, "submit"))
        return 1;
    for (i = 0; i < n; i++) {
        if (!ds[i].done || ds[i].err) {
            fprintf(stderr, "rumbookctl submit: command %s not delivered: %s\n", ids[i],
                    ds[i].done ? rd_kafka_err2str(ds[i].err) : "timed out");
            failed = 1;
            continue;
        }
        ctl_print_sent(ids[i], specs[i].action, cfg->topic_commands, &ds[i]);
    }
    return failed;
}

enum { OPT_PUPILS = 0x100, OPT_WANTS, OPT_WAIT, OPT_JSON, OPT_FIELD /* + index in field_names */ };

static const char *const field_names[] = {"session", "class", "note", "booking", "reason",
                                          "offering", "key", "command-id", "email", "name",
                                          "travel", "waiting", "round", "sessions"};
#define NFIELDS (sizeof(field_names) / sizeof(field_names[0]))

/* Takes getopt_long's option c into s; -1 when it is not a submit option
 * or its value is bad (said on stderr). */
static int spec_option(spec *s, int c, const char *arg)
{
    const char **fields[] = {&s->session, &s->klass, &s->note, &s->booking, &s->reason,
                             &s->offering, &s->key, &s->command_id, &s->email, &s->name,
                             &s->travel, &s->waiting, &s->round, &s->sessions};
    char *end;

    if (c == OPT_WAIT) {
        s->wait = true;
    } else if (c == OPT_WANTS) {
        s->wants = strtoll(arg, &end, 10);
        if (*arg == '\0' || *end || s->wants < 1 || s->wants > 10) {
            fprintf(stderr, "rumbookctl submit: --wants must be 1-10, not \"%s\"\n", arg);
            return -1;
        }
    } else if (c == OPT_PUPILS) {
        s->pupils = strtoll(arg, &end, 10);
        if (*arg == '\0' || *end || s->pupils < 0 || s->pupils > 100000) {
            fprintf(stderr, "rumbookctl submit: --pupils must be a whole number, not \"%s\"\n",
                    arg);
            return -1;
        }
    } else if (c >= OPT_FIELD && c < OPT_FIELD + (int)NFIELDS) {
        *fields[c - OPT_FIELD] = arg;
    } else {
        return -1;
    }
    return 0;
}

static int spec_from_json(const rb_json_object *o, spec *s, long line)
{
    static const char *const known[] = {"action", "session", "class", "pupils", "note",
                                        "booking", "reason", "offering", "key", "command_id",
                                        "email", "name", "actor", "travel", "wait", "waiting",
                                        "round", "sessions", "wants", NULL};
    const char **fields[] = {&s->action, &s->session, &s->klass, NULL, &s->note, &s->booking,
                             &s->reason, &s->offering, &s->key, &s->command_id, &s->email,
                             &s->name, &s->actor, &s->travel, NULL, &s->waiting, &s->round,
                             &s->sessions, NULL};
    const char *bad = rb_json_unknown_key(o, known);
    const char *dflt_actor = s->actor;
    int64_t pupils;
    int rc, k;

    if (bad) {
        fprintf(stderr, "rumbookctl submit: line %ld: unknown field \"%s\"\n", line, bad);
        return -1;
    }
    for (k = 0; known[k]; k++) {
        if (!fields[k])
            continue;
        *fields[k] = rb_json_get_string(o, known[k], &rc);
        if (rc < 0) {
            fprintf(stderr, "rumbookctl submit: line %ld: %s must be a string\n", line, known[k]);
            return -1;
        }
    }
    rc = rb_json_get_int(o, "pupils", &pupils);
    if (rc == RB_EINVAL || (rc == 0 && (pupils < 0 || pupils > 100000))) {
        fprintf(stderr, "rumbookctl submit: line %ld: pupils must be a whole number\n", line);
        return -1;
    }
    s->pupils = rc == 0 ? pupils : -1;
    rc = rb_json_get_int(o, "wants", &pupils);
    if (rc == RB_EINVAL || (rc == 0 && (pupils < 1 || pupils > 10))) {
        fprintf(stderr, "rumbookctl submit: line %ld: wants must be 1-10\n", line);
        return -1;
    }
    s->wants = rc == 0 ? pupils : 0;
    if (!s->actor)
        s->actor = dflt_actor;
    if (rb_json_get_bool(o, "wait", &s->wait) == RB_EINVAL) {
        fprintf(stderr, "rumbookctl submit: line %ld: wait must be true or false\n", line);
        return -1;
    }
    return 0;
}

/* Reads JSON lines; returns the number of specs, or -1 - the number read
 * (their objects to free) when a line is bad. */
static long read_json_lines(FILE *in, const char *actor, spec **specs, rb_json_object ***objs)
{
    ctl_lines l = {0};
    rb_json_object *o;
    long n = 0, room = 0;
    int rc;

    while ((rc = ctl_json_line(in, &l, &o, "submit")) > 0) {
        if (n == room) {
            room = room ? room * 2 : 256;
            *specs = realloc(*specs, (size_t)room * sizeof(**specs));
            *objs = realloc(*objs, (size_t)room * sizeof(**objs));
        }
        memset(&(*specs)[n], 0, sizeof(spec));
        (*specs)[n].actor = *actor ? actor : NULL;
        (*objs)[n++] = o;
        if (spec_from_json(o, &(*specs)[n - 1], l.lineno) < 0) {
            rc = -1;
            break;
        }
    }
    free(l.text);
    return rc < 0 ? -1 - n : n;
}

static int submit_all(const rb_config *cfg, spec *specs, size_t n)
{
    rb_signer signer;
    bool sign;
    rd_kafka_t *rk;
    ctl_delivery *ds = calloc(n + 1, sizeof(*ds));
    char (*ids)[RB_UUID_LEN] = calloc(n + 1, sizeof(*ids));
    size_t i;
    int rc;

    if (ctl_load_signer(cfg, &signer, &sign, "submit") < 0) {
        free(ds);
        free(ids);
        return 2;
    }
    rk = ctl_producer_new(cfg, "submit");
    rc = rk && ds && ids ? 0 : 1;
    for (i = 0; rc == 0 && i < n; i++) {
        int r;
        while ((r = produce(rk, cfg, sign ? &signer : NULL, &specs[i], &ds[i], ids[i])) == 1)
            rd_kafka_poll(rk, 100);
        rc = r < 0 ? 1 : 0;
        rd_kafka_poll(rk, 0);
    }
    if (rc == 0)
        rc = finish(rk, cfg, specs, ds, ids, n);
    if (rk)
        rd_kafka_destroy(rk);
    if (sign)
        rb_signer_fini(&signer);
    free(ds);
    free(ids);
    return rc;
}

static int submit_json(rb_config *cfg, const char *path)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    spec *specs = NULL;
    rb_json_object **objs = NULL;
    long n, i, nobjs;
    int rc;

    if (!in) {
        fprintf(stderr, "rumbookctl submit: could not open file \"%s\": %s\n", path, strerror(errno));
        return 1;
    }
    n = read_json_lines(in, cfg->actor, &specs, &objs);
    if (in != stdin)
        fclose(in);
    nobjs = n < 0 ? -1 - n : n;
    rc = n < 0 ? 2 : submit_all(cfg, specs, (size_t)n);
    for (i = 0; i < nobjs; i++)
        rb_json_object_free(objs[i]);
    free(objs);
    free(specs);
    return rc;
}

int ctl_submit(rb_config *cfg, int argc, char **argv)
{
    struct option own[NFIELDS + 5];
    rb_config_args args = {0};
    spec s = {.pupils = -1};
    const char *json = NULL;
    size_t k;
    int c, rc;

    for (k = 0; k < NFIELDS; k++)
        own[k] = (struct option){field_names[k], required_argument, NULL, OPT_FIELD + (int)k};
    own[k++] = (struct option){"pupils", required_argument, NULL, OPT_PUPILS};
    own[k++] = (struct option){"wants", required_argument, NULL, OPT_WANTS};
    own[k++] = (struct option){"wait", no_argument, NULL, OPT_WAIT};
    own[k++] = (struct option){"json", required_argument, NULL, OPT_JSON};
    own[k] = (struct option){0, 0, 0, 0};
    while ((c = ctl_getopt(argc, argv, own, &args)) != -1) {
        if (c == CTL_HELP) {
            printf("%s", help);
            return 0;
        }
        if (c == OPT_JSON)
            json = optarg;
        else if (spec_option(&s, c, optarg) < 0)
            return 2;
    }
    if (optind < argc)
        s.action = argv[optind++];
    if (optind < argc || (!json && !s.action)) {
        fprintf(stderr, "%s", help);
        return 2;
    }
    if ((rc = ctl_settings(cfg, &args, "submit")))
        return rc;
    if (json)
        return submit_json(cfg, json);
    if (!s.actor && *cfg->actor)
        s.actor = cfg->actor;
    if (missing(&s)) {
        fprintf(stderr, "rumbookctl submit: missing %s\n%s", missing(&s), help);
        return 2;
    }
    return submit_all(cfg, &s, 1);
}
