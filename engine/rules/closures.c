/* Public holidays and closures. */
#include <stdio.h>
#include <string.h>

#include <libical/ical.h>

#include "rumbook/closures.h"
#include "rumbook/decision.h"
#include "rumbook/localtime.h"

/* Gregorian Easter Sunday (the anonymous algorithm, Meeus/Jones/Butcher). */
static int easter(int y)
{
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451, month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;

    return y * 10000 + month * 100 + day;
}

const char *rb_dk_holiday(int date)
{
    static const struct { int offset; const char *name; } moving[] = {
        {-3, "Skærtorsdag"}, {-2, "Langfredag"}, {0, "Påskedag"}, {1, "2. påskedag"},
        {26, "Store bededag"}, {39, "Kristi himmelfartsdag"}, {49, "Pinsedag"},
        {50, "2. pinsedag"},
    };
    static const struct { int mmdd; const char *name; } fixed[] = {
        {101, "Nytårsdag"}, {605, "Grundlovsdag"}, {1224, "Juleaftensdag"},
        {1225, "Juledag"}, {1226, "2. juledag"}, {1231, "Nytårsaftensdag"},
    };
    int y = date / 10000, after_easter;
    size_t i;

    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (date % 10000 == fixed[i].mmdd)
            return fixed[i].name;
    /* Easter falls from 22 March to 25 April: these from 19 March to 14 June
     * (every rule asks, so most dates leave here). */
    if (date % 10000 < 319 || date % 10000 > 614)
        return NULL;
    after_easter = rb_date_days_between(easter(y), date);
    for (i = 0; i < sizeof(moving) / sizeof(moving[0]); i++) {
        if (moving[i].offset == 26 && y >= 2024)
            continue; /* Store bededag was abolished from 2024 */
        if (moving[i].offset == after_easter)
            return moving[i].name;
    }
    return NULL;
}

static const char *const scope_names[] = {"all", "municipality", "school", "provider", "venue"};

const char *rb_scope_name(enum rb_scope scope)
{
    return scope_names[scope];
}

/* The scope named by the len bytes at name; -1 when none is. */
static int scope_named(const char *name, size_t len)
{
    int k;

    for (k = 0; k <= RB_SCOPE_VENUE; k++)
        if (strlen(scope_names[k]) == len && strncmp(name, scope_names[k], len) == 0)
            return k;
    return -1;
}

bool rb_scope_from_name(const char *name, enum rb_scope *scope)
{
    int k = scope_named(name, strlen(name));

    if (k >= 0)
        *scope = (enum rb_scope)k;
    return k >= 0;
}

int rb_scope_parse(const char *s, enum rb_scope *scope, const char **id, rb_error *err)
{
    const char *colon = strchr(s, ':');
    int k = scope_named(s, colon ? (size_t)(colon - s) : strlen(s));

    if (k < 0)
        return rb_error_set(err, RB_EINVAL, "unknown scope \"%s\" (all, municipality:ID, "
                            "school:ID, provider:ID or venue:ID)", s);
    *scope = (enum rb_scope)k;
    *id = colon ? colon + 1 : "";
    if (k == RB_SCOPE_ALL && colon)
        return rb_error_set(err, RB_EINVAL, "scope \"all\" takes no id");
    if (k != RB_SCOPE_ALL && (!colon || !colon[1]))
        return rb_error_set(err, RB_EINVAL, "scope %s needs an id, like %s:ID", scope_names[k],
                            scope_names[k]);
    return 0;
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool concerns(const rb_closure *c, const rb_parties *who)
{
    switch (c->scope) {
    case RB_SCOPE_ALL: return true;
    case RB_SCOPE_MUNICIPALITY:
        return same(c->scope_id, who->school_municipality) ||
               same(c->scope_id, who->provider_municipality);
    case RB_SCOPE_SCHOOL: return same(c->scope_id, who->school_id);
    case RB_SCOPE_PROVIDER: return same(c->scope_id, who->provider_id);
    case RB_SCOPE_VENUE: return same(c->scope_id, who->venue_id);
    }
    return false;
}

const rb_closure *rb_closure_find(const rb_closure *list, size_t n, const rb_parties *who,
                                  int first_day, int last_day, int *day, const char **holiday)
{
    int d;
    size_t i;

    *holiday = NULL;
    for (d = first_day; d <= last_day; d = rb_date_add_days(d, 1)) {
        *day = d;
        if ((*holiday = rb_dk_holiday(d)))
            return NULL;
        for (i = 0; i < n; i++)
            if (list[i].first_day <= d && d <= list[i].last_day && concerns(&list[i], who))
                return &list[i];
    }
    return NULL;
}

static int date_of(struct icaltimetype t)
{
    return t.year * 10000 + t.month * 100 + t.day;
}

/* A day of a calendar anyone books in: libical reads "10135107" as month 51. */
static bool plausible(struct icaltimetype t)
{
    return icaltime_is_null_time(t) ||
           (t.year >= 1900 && t.year <= 2999 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
            t.day <= icaltime_days_in_month(t.month, t.year) && t.hour >= 0 && t.hour < 24 &&
            t.minute >= 0 && t.minute < 60 && t.second >= 0 && t.second <= 60);
}

/* One occurrence: all-day DTEND is exclusive, a timed one closes the days
 * it touches. */
static int emit_range(struct icaltimetype start, int span_days, const char *uid,
                      const char *summary, int (*emit)(void *, const rb_ics_closure *), void *ctx)
{
    rb_ics_closure c = {uid, summary, date_of(start), 0};

    c.last_day = rb_date_add_days(c.first_day, span_days);
    return emit(ctx, &c);
}

/* Days the event covers after its first; -1 when it ends before it starts. */
static int event_span(icalcomponent *ev, struct icaltimetype start)
{
    struct icaltimetype end = icalcomponent_get_dtend(ev);
    int days = 0, last;

    if (icaltime_is_null_time(end))
        return 0;
    if (icaltime_compare(end, start) < 0)
        return -1;
    last = date_of(end);
    if (end.is_date || (end.hour == 0 && end.minute == 0 && end.second == 0))
        last = rb_date_add_days(last, -1);
    while (rb_date_add_days(date_of(start), days) < last && days < 366)
        days++;
    return days;
}

static int read_event(icalcomponent *ev, int until_day,
                      int (*emit)(void *, const rb_ics_closure *), void *ctx, rb_error *err)
{
    struct icaltimetype start = icalcomponent_get_dtstart(ev);
    const char *uid = icalcomponent_get_uid(ev), *summary = icalcomponent_get_summary(ev);
    icalproperty *rrule = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
    int span, rc, steps = 0;

    if (icaltime_is_null_time(start))
        return rb_error_set(err, RB_EINVAL, "event \"%s\" has no DTSTART", uid ? uid : "?");
    if (!uid)
        return rb_error_set(err, RB_EINVAL, "event \"%s\" has no UID", summary ? summary : "?");
    summary = summary ? summary : "closed";
    if (!plausible(start) || !plausible(icalcomponent_get_dtend(ev)))
        return rb_error_set(err, RB_EINVAL, "event \"%s\" has a DTSTART or DTEND that is no "
                            "date between 1900 and 2999", uid);
    if ((span = event_span(ev, start)) < 0)
        return rb_error_set(err, RB_EINVAL, "event \"%s\" ends (DTEND) before it starts (DTSTART)",
                            uid);
    if (!rrule)
        return emit_range(start, span, uid, summary, emit, ctx) ? rb_error_set(err, RB_EIO,
                          "could not store closure \"%s\"", uid) : 0;
    struct icalrecurrencetype r = icalproperty_get_rrule(rrule);
    icalrecur_iterator *it = icalrecur_iterator_new(r, start);
    if (!it)
        return rb_error_set(err, RB_EINVAL, "event \"%s\": RRULE cannot be expanded", uid);
    for (struct icaltimetype t = icalrecur_iterator_next(it);
         !icaltime_is_null_time(t) && date_of(t) <= until_day && steps < 10000;
         t = icalrecur_iterator_next(it), steps++) {
        if ((rc = emit_range(t, span, uid, summary, emit, ctx)) != 0) {
            icalrecur_iterator_free(it);
            return rb_error_set(err, RB_EIO, "could not store closure \"%s\"", uid);
        }
    }
    icalrecur_iterator_free(it);
    return 0;
}

int rb_closures_from_ics(const char *text, int until_day,
                         int (*emit)(void *ctx, const rb_ics_closure *c), void *ctx,
                         rb_error *err)
{
    icalcomponent *root, *ev, *inner;
    int rc = 0, events = 0;

    icalerror_clear_errno();
    root = icalparser_parse_string(text);
    if (!root)
        return rb_error_set(err, RB_EINVAL, "not an iCalendar file");
    inner = icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT ? NULL : root;
    if (!inner) {
        rc = read_event(root, until_day, emit, ctx, err);
        events = 1;
    }
    for (ev = inner ? icalcomponent_get_first_component(inner, ICAL_VEVENT_COMPONENT) : NULL;
         ev && rc == 0; ev = icalcomponent_get_next_component(inner, ICAL_VEVENT_COMPONENT)) {
        rc = read_event(ev, until_day, emit, ctx, err);
        events++;
    }
    icalcomponent_free(root);
    icalerror_clear_errno();
    if (rc == 0 && events == 0)
        return rb_error_set(err, RB_EINVAL, "the file has no VEVENT");
    return rc;
}

void rb_rule_closures(const rb_booking_request *req, rb_verdict *v)
{
    const rb_session *s = req->session;
    const rb_class *c = req->klass;
    const rb_closure *hit;
    const char *holiday;
    rb_parties who = {0};
    int day;

    if (!s || !c)
        return;
    who.school_id = c->school_id;
    who.school_municipality = c->school ? c->school->municipality : NULL;
    who.provider_id = s->provider_id;
    who.provider_municipality = s->provider_municipality;
    who.venue_id = s->venue_id;
    hit = rb_closure_find(req->facts ? req->facts->closures : NULL,
                          req->facts ? req->facts->nclosures : 0, &who,
                          rb_local_date(req->trip.depart_ms),
                          rb_local_date(req->trip.return_ms - 1), &day, &holiday);
    if (holiday)
        rb_verdict_add(v, RB_REASON_CLOSED, "%04d-%02d-%02d is a public holiday (%s)", day / 10000,
                       day / 100 % 100, day % 100, holiday);
    else if (hit && hit->scope == RB_SCOPE_ALL)
        rb_verdict_add(v, RB_REASON_CLOSED, "everything is closed on %04d-%02d-%02d: %s",
                       day / 10000, day / 100 % 100, day % 100, hit->summary);
    else if (hit)
        rb_verdict_add(v, RB_REASON_CLOSED, "%s %s is closed on %04d-%02d-%02d: %s",
                       rb_scope_name(hit->scope), hit->scope_id, day / 10000, day / 100 % 100,
                       day % 100, hit->summary);
}
