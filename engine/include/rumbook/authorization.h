/* Who may act for whom: the portal's scope and the actor's role, checked
 * against the class a command is about. Pure; every pointer borrowed.
 *
 * A portal acts only for schools in its scope (all, one municipality, one
 * school). Inside it, a teacher or school admin acts for their own school's
 * classes, provider staff cancel or move bookings of their provider's
 * sessions, a municipality admin acts for the municipality's schools.
 * Messages name only what the actor sent or is: never another school. */
#ifndef RUMBOOK_AUTHORIZATION_H
#define RUMBOOK_AUTHORIZATION_H

#include <stdbool.h>

#include "rumbook/closures.h"
#include "rumbook/decision.h"

enum rb_role {
    RB_ROLE_NONE = 0,
    RB_ROLE_TEACHER,
    RB_ROLE_SCHOOL_ADMIN,
    RB_ROLE_PROVIDER_STAFF,
    RB_ROLE_MUNICIPALITY_ADMIN,
};

typedef struct rb_actor {
    enum rb_role role;
    const char *school_id;    /* teacher, school admin */
    const char *provider_id;  /* provider staff */
    const char *municipality; /* municipality admin */
} rb_actor;

/* A portal's scope: RB_SCOPE_ALL, RB_SCOPE_MUNICIPALITY or RB_SCOPE_SCHOOL
 * (closures.h names and parses them). */
typedef struct rb_portal_scope {
    enum rb_scope kind;
    const char *id; /* the municipality or school; "" for all */
} rb_portal_scope;

enum rb_act {
    RB_ACT_BOOK,   /* a new booking or waiting place for the class */
    RB_ACT_CHANGE, /* cancel or move the class's booking of session */
    RB_ACT_AMEND,  /* the class's own requests: change a booking, withdraw a waiting place */
    RB_ACT_REVIEW, /* settle the class's bus order in review: the municipality's staff */
};

/* Adds not_authorized to v unless portal (named portal_name) and actor may
 * do act for klass (and, for a change, its booking of session). klass must
 * carry its school. what names the object for the message: the class id
 * for a booking, the booking id for a change. */
void rb_authorize(const char *portal_name, const rb_portal_scope *portal, const rb_actor *actor,
                  enum rb_act act, const rb_class *klass, const rb_session *session,
                  const char *what, rb_verdict *v);

const char *rb_role_name(enum rb_role role);
/* "teacher" -> RB_ROLE_TEACHER; false when unknown. */
bool rb_role_parse(const char *name, enum rb_role *out);

#endif
