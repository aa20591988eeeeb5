/* Deciding a whole batch in memory: state carried from one command to the
 * next (places, held classes, bookings made earlier in the batch). */
#include <stdlib.h>

#include "check.h"
#include "batch/batch_internal.h"
#include "rumbook/localtime.h"
#include "rumbook/v1/booking.pb-c.h"

#define NOW 1800000000000LL
#define DAY 86400000LL
#define MAX_ITEMS 8

static fact_session sessions[2];
static fact_class classes[2];
static rb_message messages[MAX_ITEMS];
static item items[MAX_ITEMS];
static char ids[MAX_ITEMS][40];
static rb_settings settings;
/* Who sends the next command() */
static struct {
    Rumbook__V1__ActorRole role;
    const char *school, *provider, *municipality;
} who = {RUMBOOK__V1__ACTOR_ROLE__SCHOOL_ADMIN, "sc", NULL, NULL};

static void facts(batch *b, size_t n)
{
    static const char *const sid[] = {"s1", "s2"}, *const cid[] = {"c1", "c2"};
    int i;

    memset(b, 0, sizeof(*b));
    for (i = 0; i < 2; i++) {
        sessions[i] = (fact_session){.s = {.id = sid[i], .offering_id = "o1",
                                           .starts_at_ms = NOW + (i + 1) * DAY,
                                           .ends_at_ms = NOW + (i + 1) * DAY + 7200000,
                                           .pupil_capacity = 50, .class_capacity = 2,
                                           .provider_id = "museum",
                                           .grade_min = 0, .grade_max = 10}};
        classes[i] = (fact_class){.c = {.id = cid[i], .school_id = "sc", .grade = 4, .size = 25,
                                        .target_group = "grundskole"},
                                  .school = {.id = "sc", .name = "Skolen",
                                             .municipality = "Aarhus"},
                                  .name = "4.A", .teacher_email = "t@example.org"};
    }
    b->sessions = malloc(sizeof(sessions));
    memcpy(b->sessions, sessions, sizeof(sessions));
    b->nsessions = 2;
    b->classes = malloc(sizeof(classes));
    memcpy(b->classes, classes, sizeof(classes));
    b->nclasses = 2;
    for (i = 0; i < 2; i++)
        b->classes[i].c.school = &b->classes[i].school;
    rb_settings_defaults(&settings);
    b->settings = &settings;
    b->facts.settings = &settings;
    b->facts.class_holds = &b->class_holds;
    b->facts.resource_holds = &b->resource_holds;
    b->facts.bus_holds = &b->bus_holds;
    b->bookings_cap = 2 * n;
    b->bookings = calloc(2 * n + 1, sizeof(fact_booking));
    b->waits_cap = n;
    b->waits = calloc(n + 1, sizeof(fact_wait));
    b->items = items;
    b->n = n;
    b->now_ms = NOW;
    b->held_cap = 4096;
    b->held_keys = malloc(b->held_cap);
    if (rb__strset_init(&b->done, n) < 0 || rb__strset_init(&b->held, 4 * n) < 0)
        abort();
}

/* Encodes and decodes a command, as the store does. */
static void command(size_t i, const char *kind, const char *a, const char *c, int pupils)
{
    Rumbook__V1__BookingCommand m = RUMBOOK__V1__BOOKING_COMMAND__INIT;
    Rumbook__V1__BookRequest book = RUMBOOK__V1__BOOK_REQUEST__INIT;
    Rumbook__V1__CancelRequest cancel = RUMBOOK__V1__CANCEL_REQUEST__INIT;
    Rumbook__V1__RescheduleRequest move = RUMBOOK__V1__RESCHEDULE_REQUEST__INIT;
    Rumbook__V1__WithdrawRequest withdraw = RUMBOOK__V1__WITHDRAW_REQUEST__INIT;
    Rumbook__V1__ChangeRequest change = RUMBOOK__V1__CHANGE_REQUEST__INIT;
    Rumbook__V1__Actor actor = RUMBOOK__V1__ACTOR__INIT;
    uint8_t buf[256];
    size_t len;
    rb_error err;

    snprintf(ids[i], sizeof(ids[i]), "00000000-0000-4000-8000-%012zx", i % 100);
    m.command_id = ids[i];
    actor.has_role = 1;
    actor.role = who.role;
    actor.school_id = (char *)who.school;
    actor.provider_id = (char *)who.provider;
    actor.municipality = (char *)who.municipality;
    m.actor = &actor;
    if (strcmp(kind, "book") == 0) {
        book.session_id = (char *)a;
        book.class_id = (char *)c;
        book.has_pupils = 1;
        book.pupils = (uint32_t)pupils;
        m.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_BOOK;
        m.book = &book;
    } else if (strcmp(kind, "cancel") == 0) {
        cancel.booking_id = (char *)a;
        m.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_CANCEL;
        m.cancel = &cancel;
    } else if (strcmp(kind, "change") == 0) {
        change.booking_id = (char *)a;
        change.has_pupils = 1;
        change.pupils = (uint32_t)pupils;
        m.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_CHANGE;
        m.change = &change;
    } else if (strcmp(kind, "withdraw") == 0) {
        withdraw.command_id = (char *)a;
        m.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_WITHDRAW;
        m.withdraw = &withdraw;
    } else {
        move.booking_id = (char *)a;
        move.session_id = (char *)c;
        m.action_case = RUMBOOK__V1__BOOKING_COMMAND__ACTION_RESCHEDULE;
        m.reschedule = &move;
    }
    len = rumbook__v1__booking_command__pack(&m, buf);
    memset(&items[i], 0, sizeof(items[i]));
    messages[i] = (rb_message){.topic = "t", .partition = 0, .offset = (int64_t)i,
                               .payload = buf, .len = len};
    items[i].m = &messages[i];
    items[i].decode_rc = rb_command_decode(&items[i].cmd, buf, len, &err);
}

static void finish(batch *b)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        rb_command_fini(&items[i].cmd);
    rb__batch_reset(b);
}

static void test_capacity_runs_out_within_a_batch(void)
{
    batch b;

    facts(&b, 3);
    command(0, "book", "s1", "c1", 25);
    command(1, "book", "s1", "c2", 25);
    command(2, "book", "s1", "c1", 1); /* c1 already holds s1 and no places are left */
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_CONFIRMED);
    CHECK(items[1].status == RB_STATUS_CONFIRMED);
    CHECK(items[2].status == RB_STATUS_REJECTED);
    CHECK(rb_verdict_has(&items[2].verdict, RB_REASON_CLASS_ALREADY_BOOKED));
    CHECK(rb_verdict_has(&items[2].verdict, RB_REASON_NO_CLASS_PLACES));
    CHECK(b.sessions[0].s.pupils_booked == 50 && b.sessions[0].dirty);
    CHECK(b.nbookings == 2);
    finish(&b);
}

static void test_cancel_then_rebook_in_the_same_batch(void)
{
    batch b;
    char booking[RB_UUID_LEN];

    facts(&b, 2);
    command(0, "book", "s1", "c1", 25);
    command(1, "book", "s1", "c2", 25);
    rb__batch_decide(&b);
    snprintf(booking, sizeof(booking), "%s", items[0].booking->id);
    finish(&b);

    /* A second batch sees the first one's bookings as fetched facts. */
    facts(&b, 3);
    b.sessions[0].s.pupils_booked = 50;
    b.sessions[0].s.classes_booked = 2;
    snprintf(b.bookings[0].id, RB_UUID_LEN, "%s", booking);
    b.bookings[0].session = &b.sessions[0];
    b.bookings[0].klass = &b.classes[0];
    b.bookings[0].pupils = 25;
    b.nfetched = b.nbookings = 1;
    rb__strset_add(&b.held, "s1\x1f" "c1");
    command(0, "book", "s1", "c1", 25);   /* rejected: held and full */
    command(1, "cancel", booking, NULL, 0);
    command(2, "book", "s1", "c1", 20);   /* fits after the cancel */
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_REJECTED);
    CHECK(items[1].status == RB_STATUS_CANCELLED && items[1].method == RB_ITIP_CANCEL);
    CHECK(b.bookings[0].cancelled && b.bookings[0].sequence == 1 && b.bookings[0].dirty);
    CHECK(items[2].status == RB_STATUS_CONFIRMED);
    CHECK(b.sessions[0].s.pupils_booked == 45 && b.sessions[0].s.classes_booked == 2);
    finish(&b);
}

/* Decides items[first] alone, carrying the batch's state. */
static void decide_one(batch *b, size_t first)
{
    b->items = &items[first];
    b->n = 1;
    rb__batch_decide(b);
    b->items = items;
}

static void test_reschedule_moves_places(void)
{
    batch b;
    char booking[RB_UUID_LEN];

    facts(&b, 3);
    command(0, "book", "s1", "c1", 25);
    decide_one(&b, 0);
    CHECK(items[0].status == RB_STATUS_CONFIRMED);
    snprintf(booking, sizeof(booking), "%s", items[0].booking->id);
    command(1, "reschedule", booking, "s2", 0);
    decide_one(&b, 1);
    CHECK(items[1].status == RB_STATUS_CONFIRMED && items[1].method == RB_ITIP_REQUEST);
    CHECK(items[1].booking == items[0].booking);
    CHECK(items[1].booking->session == &b.sessions[1] && items[1].booking->sequence == 1);
    CHECK(b.sessions[0].s.pupils_booked == 0 && b.sessions[0].s.classes_booked == 0);
    CHECK(b.sessions[1].s.pupils_booked == 25 && b.sessions[1].s.classes_booked == 1);
    command(2, "reschedule", booking, "s9", 0);
    decide_one(&b, 2);
    CHECK(items[2].status == RB_STATUS_REJECTED);
    CHECK(rb_verdict_has(&items[2].verdict, RB_REASON_UNKNOWN_SESSION));
    CHECK(items[2].booking->session == &b.sessions[1]); /* the old booking stays */
    b.n = 3;
    finish(&b);
}

static void test_duplicates_and_dead_letters(void)
{
    batch b;

    facts(&b, 3);
    command(0, "book", "s1", "c1", 25);
    command(1, "book", "s1", "c1", 25);
    snprintf(ids[1], sizeof(ids[1]), "%s", ids[0]); /* same command id */
    items[1].cmd.command_id = ids[0];
    command(2, "book", "s1", "c2", 25);
    items[2].decode_rc = RB_EDECODE;
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_CONFIRMED);
    CHECK(items[1].duplicate);
    CHECK(!items[2].duplicate && items[2].booking == NULL);
    CHECK(b.sessions[0].s.pupils_booked == 25);
    finish(&b);
}

static void test_waitlist_then_promotion_after_cancel(void)
{
    batch b;
    item promotion = {0};
    char booking[RB_UUID_LEN];

    facts(&b, 2);
    b.sessions[0].s.class_capacity = 1;
    command(0, "book", "s1", "c1", 25);
    command(1, "book", "s1", "c2", 20);
    items[1].cmd.wait_if_full = true;
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_CONFIRMED);
    CHECK(items[1].status == RB_STATUS_WAITLISTED && items[1].position == 1);
    CHECK(items[1].wait && items[1].wait->is_new && b.nwaits == 1);
    snprintf(booking, sizeof(booking), "%s", items[0].booking->id);
    finish(&b);

    /* Next batch: the booking and the waiting entry are fetched; a cancel frees the place. */
    facts(&b, 1);
    b.sessions[0].s.class_capacity = 1;
    b.sessions[0].s.pupils_booked = 25;
    b.sessions[0].s.classes_booked = 1;
    b.sessions[0].classes_before = 1;
    snprintf(b.bookings[0].id, RB_UUID_LEN, "%s", booking);
    b.bookings[0].session = &b.sessions[0];
    b.bookings[0].klass = &b.classes[0];
    b.bookings[0].pupils = 25;
    b.nfetched = b.nbookings = 1;
    b.waits[0] = (fact_wait){.id = "7", .session = &b.sessions[0], .class_id = "c2",
                             .klass = &b.classes[1]};
    b.nwaits = b.nwaits_fetched = 1;
    promotion.promotion = true;
    promotion.wait = &b.waits[0];
    promotion.cmd.kind = RB_CMD_BOOK;
    promotion.cmd.command_id = "00000000-0000-4000-8000-0000000000aa";
    promotion.cmd.session_id = "s1";
    promotion.cmd.class_id = "c2";
    promotion.cmd.pupils = 20;
    promotion.cmd.note = "";
    b.promotions = &promotion;
    b.npromotions = 1;
    command(0, "cancel", booking, NULL, 0);
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_CANCELLED);
    CHECK(promotion.status == RB_STATUS_CONFIRMED && promotion.invite && promotion.booking);
    CHECK(b.waits[0].leaves);
    CHECK(b.sessions[0].s.pupils_booked == 20 && b.sessions[0].s.classes_booked == 1);
    b.promotions = NULL;
    finish(&b);
}

static void test_rejection_with_reasons_and_alternatives(void)
{
    batch b;
    fact_session candidates[3];
    rb_local holiday = {2027, 3, 25, 9, 0};

    facts(&b, 1);
    /* s1 on Skærtorsdag and nearly full; s2 free; s3 another offering. */
    b.sessions[0].s.starts_at_ms = rb_local_to_ms(&holiday);
    b.sessions[0].s.ends_at_ms = b.sessions[0].s.starts_at_ms + 7200000;
    b.sessions[0].s.pupils_booked = 40;
    /* As the store reads them: by offering, then id. */
    candidates[0] = b.sessions[0];
    candidates[1] = b.sessions[1];
    candidates[2] = b.sessions[1];
    candidates[2].s.id = "s3";
    candidates[2].s.offering_id = "o2";
    b.candidates = malloc(sizeof(candidates));
    memcpy(b.candidates, candidates, sizeof(candidates));
    b.ncandidates = 3;
    command(0, "book", "s1", "c1", 25);
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_REJECTED);
    CHECK(rb_verdict_has(&items[0].verdict, RB_REASON_CLOSED));
    CHECK(rb_verdict_has(&items[0].verdict, RB_REASON_NO_PUPIL_PLACES));
    CHECK(rb__batch_wants_alternatives(&items[0]));
    rb__batch_shortlist(&b);
    CHECK(items[0].nshortlist == 1 && strcmp(items[0].shortlist[0]->s.id, "s2") == 0);
    rb__batch_alternatives(&b);
    CHECK(items[0].nalternatives == 1 && strcmp(items[0].alternatives[0]->id, "s2") == 0);
    /* A trip of the class read after the shortlist (around s2) rules s2 out. */
    {
        rb_hold trip = {.key = "c1", .owner = "b-elsewhere",
                        .from_ms = b.sessions[1].s.starts_at_ms - 3600000,
                        .until_ms = b.sessions[1].s.ends_at_ms};
        rb_holds_add(&b.class_holds, &trip);
        items[0].nalternatives = 0;
        rb__batch_alternatives(&b);
        CHECK(items[0].nalternatives == 0);
    }
    finish(&b);
}

/* Sets the actor of the commands that follow. */
static void act_as(Rumbook__V1__ActorRole role, const char *school, const char *provider,
                   const char *municipality)
{
    who.role = role;
    who.school = school;
    who.provider = provider;
    who.municipality = municipality;
}

static void expect_refused(const item *it)
{
    CHECK(it->status == RB_STATUS_REJECTED && it->booking == NULL && !it->invite);
    CHECK(it->verdict.nreasons == 1 && rb_verdict_has(&it->verdict, RB_REASON_NOT_AUTHORIZED));
    CHECK(!strstr(it->verdict.reasons[0].message, "\"sc\"")); /* names no other school */
}

static void test_who_may_act(void)
{
    batch b;
    char booking[RB_UUID_LEN];

    facts(&b, 8);
    act_as(RUMBOOK__V1__ACTOR_ROLE__TEACHER, "sc", NULL, NULL);
    command(0, "book", "s1", "c1", 25);
    decide_one(&b, 0);
    CHECK(items[0].status == RB_STATUS_CONFIRMED);
    snprintf(booking, sizeof(booking), "%s", items[0].booking->id);

    act_as(RUMBOOK__V1__ACTOR_ROLE__TEACHER, "other", NULL, NULL);
    command(1, "book", "s1", "c2", 25);
    command(2, "cancel", booking, NULL, 0);
    command(3, "reschedule", booking, "s2", 0);
    act_as(RUMBOOK__V1__ACTOR_ROLE__PROVIDER_STAFF, NULL, "museum", NULL);
    command(4, "book", "s1", "c2", 25); /* staff do not book */
    act_as(RUMBOOK__V1__ACTOR_ROLE__ACTOR_ROLE_UNSPECIFIED, "sc", NULL, NULL);
    command(5, "book", "s1", "c2", 25);
    act_as(RUMBOOK__V1__ACTOR_ROLE__MUNICIPALITY_ADMIN, NULL, NULL, "Thisted");
    command(6, "book", "s1", "c2", 25);
    for (size_t i = 1; i <= 6; i++) {
        decide_one(&b, i);
        expect_refused(&items[i]);
    }
    CHECK(!b.bookings[0].cancelled && b.bookings[0].session == &b.sessions[0]);
    CHECK(b.sessions[0].s.classes_booked == 1 && b.sessions[1].s.classes_booked == 0);

    /* A portal scoped to Thisted may not act for an Aarhus school, whoever acts. */
    act_as(RUMBOOK__V1__ACTOR_ROLE__MUNICIPALITY_ADMIN, NULL, NULL, "Aarhus");
    command(7, "book", "s1", "c2", 25);
    snprintf(items[7].portal, sizeof(items[7].portal), "thisted-portal");
    items[7].scope = (rb_portal_scope){RB_SCOPE_MUNICIPALITY, "Thisted"};
    decide_one(&b, 7);
    expect_refused(&items[7]);
    CHECK(strstr(items[7].verdict.reasons[0].message, "thisted-portal") != NULL);
    b.n = 8;
    finish(&b);

    /* The same admin through a portal of their municipality; then the provider's
     * staff move the booking and cancel it. */
    facts(&b, 3);
    command(0, "book", "s1", "c2", 25);
    items[0].scope = (rb_portal_scope){RB_SCOPE_MUNICIPALITY, "Aarhus"};
    decide_one(&b, 0);
    CHECK(items[0].status == RB_STATUS_CONFIRMED);
    snprintf(booking, sizeof(booking), "%s", items[0].booking->id);
    act_as(RUMBOOK__V1__ACTOR_ROLE__PROVIDER_STAFF, NULL, "museum", NULL);
    command(1, "reschedule", booking, "s2", 0);
    decide_one(&b, 1);
    CHECK(items[1].status == RB_STATUS_CONFIRMED);
    command(2, "cancel", booking, NULL, 0);
    decide_one(&b, 2);
    CHECK(items[2].status == RB_STATUS_CANCELLED);
    b.n = 3;
    finish(&b);
    act_as(RUMBOOK__V1__ACTOR_ROLE__SCHOOL_ADMIN, "sc", NULL, NULL);
}

/* Two classes wait for a full session; the first withdraws and a cancel
 * frees a place: the second is confirmed, the first gets "withdrawn". */
static void test_withdraw_waiting_place(void)
{
    batch b;
    item waiting[2] = {{0}};
    static const char *const waiting_ids[] = {"00000000-0000-4000-8000-0000000000a1",
                                      "00000000-0000-4000-8000-0000000000a2"};
    int k;

    facts(&b, 3);
    b.sessions[0].s.class_capacity = 1;
    b.sessions[0].s.pupils_booked = 25;
    b.sessions[0].s.classes_booked = 1;
    b.sessions[0].classes_before = 1;
    snprintf(b.bookings[0].id, RB_UUID_LEN, "00000000-0000-4000-8000-00000000000b");
    b.bookings[0].session = &b.sessions[0];
    b.bookings[0].klass = &b.classes[0];
    b.bookings[0].pupils = 25;
    b.nfetched = b.nbookings = 1;
    for (k = 0; k < 2; k++) {
        b.waits[k] = (fact_wait){.id = k ? "8" : "7", .session = &b.sessions[0],
                                 .class_id = "c2", .klass = &b.classes[1]};
        waiting[k].promotion = true;
        waiting[k].wait = &b.waits[k];
        waiting[k].cmd = (rb_command){.kind = RB_CMD_BOOK, .command_id = waiting_ids[k],
                                      .session_id = "s1", .class_id = "c2", .pupils = 20,
                                      .note = ""};
    }
    b.nwaits = b.nwaits_fetched = 2;
    b.promotions = waiting;
    b.npromotions = 2;
    command(0, "withdraw", waiting_ids[0], NULL, 0);
    command(1, "withdraw", waiting_ids[0], NULL, 0); /* already gone */
    command(2, "cancel", "00000000-0000-4000-8000-00000000000b", NULL, 0);
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_CANCELLED && items[0].entry == &waiting[0]);
    CHECK(items[1].status == RB_STATUS_REJECTED &&
          rb_verdict_has(&items[1].verdict, RB_REASON_NOT_WAITING));
    CHECK(items[2].status == RB_STATUS_CANCELLED);
    CHECK(waiting[0].status == RB_STATUS_REJECTED && b.waits[0].withdrawn &&
          rb_verdict_has(&waiting[0].verdict, RB_REASON_WITHDRAWN) && !waiting[0].booking);
    CHECK(waiting[1].status == RB_STATUS_CONFIRMED && waiting[1].booking);
    CHECK(b.sessions[0].s.classes_booked == 1 && b.sessions[0].s.pupils_booked == 20);
    b.promotions = NULL;
    finish(&b);
}

/* A change holds the booking's own places: more than are left is refused
 * and everything stays as it was; fewer frees them for the next command. */
static void test_change_in_place(void)
{
    batch b;
    char booking[RB_UUID_LEN];

    facts(&b, 5);
    command(0, "book", "s1", "c1", 20);
    command(1, "book", "s1", "c2", 25);
    decide_one(&b, 0);
    decide_one(&b, 1);
    snprintf(booking, sizeof(booking), "%s", items[0].booking->id);
    CHECK(b.sessions[0].s.pupils_booked == 45);
    command(2, "change", booking, NULL, 25); /* 5 more, 5 left: fits exactly */
    decide_one(&b, 2);
    CHECK(items[2].status == RB_STATUS_CONFIRMED && items[2].invite);
    CHECK(items[0].booking->pupils == 25 && items[0].booking->sequence == 1);
    CHECK(b.sessions[0].s.pupils_booked == 50 && b.sessions[0].s.classes_booked == 2);
    command(3, "change", booking, NULL, 26); /* more than the class's 25: refused */
    decide_one(&b, 3);
    CHECK(items[3].status == RB_STATUS_REJECTED && !items[3].invite);
    CHECK(items[0].booking->pupils == 25 && items[0].booking->sequence == 1);
    CHECK(b.sessions[0].s.pupils_booked == 50 && b.sessions[0].s.classes_booked == 2);
    command(4, "change", booking, NULL, 10);
    decide_one(&b, 4);
    CHECK(items[4].status == RB_STATUS_CONFIRMED && items[0].booking->pupils == 10);
    CHECK(b.sessions[0].s.pupils_booked == 35 && b.sessions[0].s.classes_booked == 2);
    b.n = 5;
    finish(&b);
}

/* A command whose portal or signature was refused is rejected before
 * anything it asks is looked at. */
static void test_refused_sender(void)
{
    batch b;

    facts(&b, 1);
    command(0, "book", "s1", "c1", 25);
    snprintf(items[0].refusal, sizeof(items[0].refusal), "portal \"x\" was revoked");
    rb__batch_decide(&b);
    CHECK(items[0].status == RB_STATUS_REJECTED && items[0].verdict.nreasons == 1);
    CHECK(rb_verdict_has(&items[0].verdict, RB_REASON_NOT_AUTHORIZED));
    CHECK(strcmp(items[0].verdict.reasons[0].message, "portal \"x\" was revoked") == 0);
    CHECK(b.sessions[0].s.pupils_booked == 0 && b.nbookings == 0);
    finish(&b);
}

int main(void)
{
    test_capacity_runs_out_within_a_batch();
    test_cancel_then_rebook_in_the_same_batch();
    test_reschedule_moves_places();
    test_duplicates_and_dead_letters();
    test_waitlist_then_promotion_after_cancel();
    test_rejection_with_reasons_and_alternatives();
    test_who_may_act();
    test_refused_sender();
    test_withdraw_waiting_place();
    test_change_in_place();
    return check_done("test_batch");
}
