/* Portal scopes and actor roles against the class a command is about. */
#include <string.h>

#include "rumbook/authorization.h"

static const char *const role_names[] = {"", "teacher", "school_admin", "provider_staff",
                                         "municipality_admin"};

const char *rb_role_name(enum rb_role role)
{
    return (unsigned)role < sizeof(role_names) / sizeof(*role_names) ? role_names[role] : "";
}

bool rb_role_parse(const char *name, enum rb_role *out)
{
    int i;

    for (i = RB_ROLE_TEACHER; i <= RB_ROLE_MUNICIPALITY_ADMIN; i++)
        if (strcmp(name, role_names[i]) == 0) {
            *out = (enum rb_role)i;
            return true;
        }
    return false;
}

static bool same(const char *a, const char *b)
{
    return a && b && *a && strcmp(a, b) == 0;
}

static const char *municipality_of(const rb_class *c)
{
    return c->school ? c->school->municipality : NULL;
}

static bool in_scope(const rb_portal_scope *scope, const rb_class *c)
{
    switch (scope->kind) {
    case RB_SCOPE_ALL: return true;
    case RB_SCOPE_MUNICIPALITY: return same(scope->id, municipality_of(c));
    case RB_SCOPE_SCHOOL: return same(scope->id, c->school_id);
    default: break; /* no portal has another */
    }
    return false;
}

/* Why the actor may not, or NULL when they may. */
static const char *refusal(const rb_actor *a, enum rb_act act, const rb_class *c,
                           const rb_session *s)
{
    if (act == RB_ACT_REVIEW && a->role != RB_ROLE_MUNICIPALITY_ADMIN)
        return "only the municipality's staff settle bus orders";
    switch (a->role) {
    case RB_ROLE_TEACHER:
    case RB_ROLE_SCHOOL_ADMIN:
        return same(a->school_id, c->school_id) ? NULL : "acts for another school";
    case RB_ROLE_PROVIDER_STAFF:
        if (act == RB_ACT_BOOK)
            return "provider staff do not book for classes";
        if (act == RB_ACT_AMEND)
            return "provider staff do not change a class's requests";
        return s && same(a->provider_id, s->provider_id) ? NULL
                                                         : "acts for another provider";
    case RB_ROLE_MUNICIPALITY_ADMIN:
        return same(a->municipality, municipality_of(c)) ? NULL
                                                         : "acts for another municipality";
    case RB_ROLE_NONE: break;
    }
    return "has no role";
}

void rb_authorize(const char *portal_name, const rb_portal_scope *portal, const rb_actor *actor,
                  enum rb_act act, const rb_class *klass, const rb_session *session,
                  const char *what, rb_verdict *v)
{
    const char *why;

    if (!klass)
        return; /* unknown_class or unknown_booking says it */
    if (!in_scope(portal, klass)) {
        rb_verdict_add(v, RB_REASON_NOT_AUTHORIZED, "portal \"%s\" may not act for \"%s\"",
                       portal_name, what);
        return;
    }
    if ((why = refusal(actor, act, klass, session)))
        rb_verdict_add(v, RB_REASON_NOT_AUTHORIZED, "the actor (%s) may not act for \"%s\": %s",
                       *rb_role_name(actor->role) ? rb_role_name(actor->role) : "no role", what,
                       why);
}
