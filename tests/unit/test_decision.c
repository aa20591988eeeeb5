/* The booking rules, one situation at a time. */
#include "check.h"
#include "rumbook/decision.h"

#define NOW 1800000000000LL
#define HOUR 3600000LL

static rb_session session(void)
{
    rb_session s = {.id = "s1", .offering_id = "o1", .starts_at_ms = NOW + 24 * HOUR,
                    .ends_at_ms = NOW + 26 * HOUR, .pupil_capacity = 100, .class_capacity = 10,
                    .grade_min = 3, .grade_max = 6};
    return s;
}

static const rb_class klass = {.id = "c1", .school_id = "sc1", .grade = 4, .size = 25};

static void decide(const rb_session *s, const rb_class *c, int pupils, bool held, rb_verdict *v)
{
    rb_booking_request req = {.session_id = "s1", .class_id = "c1", .session = s, .klass = c,
                              .pupils = pupils, .class_holds_session = held, .now_ms = NOW};
    rb_decide(&req, rb_booking_rules, rb_booking_rules_count, v);
}

static void test_confirms_when_everything_fits(void)
{
    rb_session s = session();
    rb_verdict v;

    decide(&s, &klass, 25, false, &v);
    CHECK(rb_verdict_ok(&v));
}

static void test_last_places(void)
{
    rb_session s = session();
    rb_verdict v;
    int confirmed = 0, i;

    for (i = 0; i < 12; i++) {
        decide(&s, &klass, 25, false, &v);
        if (rb_verdict_ok(&v)) {
            rb_session_take(&s, 25);
            confirmed++;
        }
    }
    CHECK(confirmed == 4);
    CHECK(s.pupils_booked == 100);
    CHECK(rb_verdict_has(&v, RB_REASON_NO_PUPIL_PLACES));
    CHECK(!rb_verdict_has(&v, RB_REASON_NO_CLASS_PLACES));
}

static void test_class_places_run_out_before_pupils(void)
{
    rb_session s = session();
    rb_verdict v;

    s.classes_booked = 10;
    s.pupils_booked = 20;
    decide(&s, &klass, 5, false, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_NO_CLASS_PLACES));
    CHECK(!rb_verdict_has(&v, RB_REASON_NO_PUPIL_PLACES));
}

static void test_every_reason_is_listed(void)
{
    rb_session s = session();
    rb_class young = klass;
    rb_verdict v;

    young.grade = 1;
    s.starts_at_ms = NOW - HOUR;
    s.pupils_booked = 90;
    decide(&s, &young, 30, true, &v);
    CHECK(v.nreasons == 5);
    CHECK(rb_verdict_has(&v, RB_REASON_SESSION_STARTED));
    CHECK(rb_verdict_has(&v, RB_REASON_PUPILS_EXCEED_CLASS));
    CHECK(rb_verdict_has(&v, RB_REASON_GRADE_NOT_ELIGIBLE));
    CHECK(rb_verdict_has(&v, RB_REASON_CLASS_ALREADY_BOOKED));
    CHECK(rb_verdict_has(&v, RB_REASON_NO_PUPIL_PLACES));
}

static void test_unknown_session_and_class(void)
{
    rb_verdict v;

    decide(NULL, NULL, 10, false, &v);
    CHECK(v.nreasons == 2);
    CHECK_STR(v.reasons[0].code, "unknown_session");
    CHECK_STR(v.reasons[1].code, "unknown_class");
    CHECK(strstr(v.reasons[0].message, "\"s1\"") != NULL);
}

static void test_release_frees_places(void)
{
    rb_session s = session();
    rb_verdict v;

    s.pupils_booked = 100;
    s.classes_booked = 4;
    decide(&s, &klass, 25, false, &v);
    CHECK(!rb_verdict_ok(&v));
    rb_session_release(&s, 25);
    decide(&s, &klass, 25, false, &v);
    CHECK(rb_verdict_ok(&v));
}

static void test_cancel(void)
{
    rb_session s = session();
    rb_booking_state b = {.exists = true, .session = &s, .now_ms = NOW};
    rb_verdict v;

    rb_decide_cancel(&b, &v);
    CHECK(rb_verdict_ok(&v));
    b.cancelled = true;
    rb_decide_cancel(&b, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_ALREADY_CANCELLED));
    b.exists = false;
    rb_decide_cancel(&b, &v);
    CHECK(rb_verdict_has(&v, RB_REASON_UNKNOWN_BOOKING));
}

static void test_reasons_are_bounded(void)
{
    rb_verdict v;
    int i;

    rb_verdict_init(&v);
    for (i = 0; i < RB_MAX_REASONS + 5; i++)
        rb_verdict_add(&v, (rb_reason_code)i, "reason %d", i);
    CHECK(v.nreasons == RB_MAX_REASONS);
}

/* A code is listed once; a second fact for it joins the first's message. */
static void test_code_listed_once(void)
{
    rb_verdict v;

    rb_verdict_init(&v);
    rb_verdict_add(&v, RB_REASON_OUTSIDE_SCHOOL_DAY, "the class would leave at %s", "07:40");
    rb_verdict_add(&v, RB_REASON_CLOSED, "closed");
    rb_verdict_add(&v, RB_REASON_OUTSIDE_SCHOOL_DAY, "the class would be back at %s", "14:20");
    CHECK(v.nreasons == 2);
    CHECK_STR(v.reasons[0].code, "outside_school_day");
    CHECK_STR(v.reasons[0].message,
              "the class would leave at 07:40; the class would be back at 14:20");
    CHECK(rb_verdict_has(&v, RB_REASON_CLOSED));
}

int main(void)
{
    test_confirms_when_everything_fits();
    test_last_places();
    test_class_places_run_out_before_pupils();
    test_every_reason_is_listed();
    test_code_listed_once();
    test_unknown_session_and_class();
    test_release_frees_places();
    test_cancel();
    test_reasons_are_bounded();
    return check_done("test_decision");
}
