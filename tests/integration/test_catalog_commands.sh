#!/usr/bin/env bash
# Catalogue commands over Kafka, decided by the workers in one transaction
# with what they change:
#  - a provider cancels a session with 3 confirmed classes (one by bus) and
#    2 waiting: 3 CANCELLED with session_cancelled and alternatives, 3 CANCEL
#    invitations (python3-icalendar parses them; same UIDs, higher
#    SEQUENCE), the waiting entries settled, bus and room free, counters 0;
#  - a session moved 90 minutes later: the class whose school day still
#    fits moves (REQUEST, SEQUENCE 1), the other is cancelled with
#    outside_school_day and alternatives;
#  - two editors update one offering from the same version: one applied,
#    one stale_version;
#  - capacity raised: the first waiting class confirmed in the same
#    transaction; lowered below what is booked: capacity_below_booked;
#  - bad input: a wrong type, an unknown entity, a schedule libical
#    refuses, a session off its offering's schedule: refused with the field
#    named, nothing applied; the worker goes on.
. "$(dirname "$0")/lib.sh"

# Two schools: s1 near the venue (ends its day at 14:00), s2 far out with a
# short day (back by 12:30), which a later session no longer fits.
cat >"$work/catalog.json" <<'EOF'
{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example","municipality":"Aarhus"}],
 "venues":[{"id":"v1","provider":"p1","name":"Naturskolen","address":"Skovvej 1, 8000 Aarhus","lat":56.15,"lon":10.2}],
 "resources":[{"id":"room1","provider":"p1","kind":"room","name":"Skovstuen"}],
 "offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Livet i skovbunden","grade_min":0,"grade_max":10,"duration_min":120,
               "schedule":{"start":"2027-03-02T09:00","rrule":"FREQ=WEEKLY;BYDAY=TU;UNTIL=20270427"}}],
 "sessions":[
  {"id":"s-0302","offering":"o1","starts_at":"2027-03-02T09:00:00+01:00","ends_at":"2027-03-02T11:00:00+01:00","pupil_capacity":100,"class_capacity":3,"resources":["room1"]},
  {"id":"s-0309","offering":"o1","starts_at":"2027-03-09T09:00:00+01:00","ends_at":"2027-03-09T11:00:00+01:00","pupil_capacity":100,"class_capacity":3,"resources":["room1"]},
  {"id":"s-0316","offering":"o1","starts_at":"2027-03-16T09:00:00+01:00","ends_at":"2027-03-16T11:00:00+01:00","pupil_capacity":100,"class_capacity":3},
  {"id":"s-0323","offering":"o1","starts_at":"2027-03-23T09:00:00+01:00","ends_at":"2027-03-23T11:00:00+01:00","pupil_capacity":100,"class_capacity":2},
  {"id":"s-0330","offering":"o1","starts_at":"2027-03-30T09:00:00+02:00","ends_at":"2027-03-30T11:00:00+02:00","pupil_capacity":100,"class_capacity":1}],
 "schools":[{"id":"s1","name":"Skovvangskolen","municipality":"Aarhus","lat":56.17,"lon":10.19},
            {"id":"s2","name":"Fjernskolen","municipality":"Aarhus","lat":56.20,"lon":10.25,"day_start":"08:00","day_end":"12:30"}],
 "classes":[
  {"id":"c1","school":"s1","name":"5.A","grade":6,"size":25,"teacher_email":"c1@skovvang.example"},
  {"id":"c2","school":"s1","name":"5.B","grade":6,"size":25,"teacher_email":"c2@skovvang.example"},
  {"id":"c3","school":"s2","name":"6.A","grade":6,"size":25,"teacher_email":"c3@fjern.example"},
  {"id":"c4","school":"s1","name":"6.B","grade":6,"size":25,"teacher_email":"c4@skovvang.example"},
  {"id":"c5","school":"s1","name":"6.C","grade":6,"size":25,"teacher_email":"c5@skovvang.example"},
  {"id":"c6","school":"s1","name":"7.A","grade":7,"size":25,"teacher_email":"c6@skovvang.example"}],
 "buses":[{"id":"bus1","name":"Kommunebussen","seats":60,"municipality":"Aarhus","depot_lat":56.16,"depot_lon":10.21}],
 "settings":{"bus_min_km":1}}
EOF
setup_catalog "$work/catalog.json" 3
export RUMBOOK_ACTOR=municipality_admin:Aarhus
start_worker a
wait_assigned a
staff=provider_staff:p1
booking_of() { sql "SELECT booking_id FROM commands WHERE command_id = '$1'"; }
reasons_of() { sql "SELECT reasons FROM commands WHERE command_id = '$1'"; }

# --- cancel: 3 confirmed (c2 by bus), 2 waiting ---------------------------
k1=$(submit_one book --session s-0302 --class c1 --pupils 20)
k2=$(submit_one book --session s-0302 --class c2 --pupils 20 --travel bus)
k3=$(submit_one book --session s-0302 --class c3 --pupils 20)
for c in $k1 $k2 $k3; do decided "$c" confirmed; done
w4=$(submit_one book --session s-0302 --class c4 --pupils 20 --wait)
w5=$(submit_one book --session s-0302 --class c5 --pupils 20 --wait)
decided "$w4" waitlisted
decided "$w5" waitlisted
[ "$(sql "SELECT count(*) FROM bus_holds")" = 1 ] || fail "the bus trip holds no bus"
[ "$(sql "SELECT count(*) FROM resource_holds WHERE session_id = 's-0302'")" = 1 ] || fail "no room held"

# Another provider's staff may not; a teacher may not.
x1=$(submit_catalog '{"action":"cancel_session","session":"s-0302","actor":"provider_staff:p9"}')
x2=$(submit_catalog '{"action":"cancel_session","session":"s-0302","actor":"teacher:s1"}')
decided "$x1" refused
decided "$x2" refused
[ "$(reasons_of "$x1") $(reasons_of "$x2")" = "not_authorized not_authorized" ] || fail "others cancelled"

cx=$(submit_catalog '{"action":"cancel_session","session":"s-0302","message":"Guiden er syg","actor":"'$staff'"}')
decided "$cx" applied
decided "$w4" rejected
decided "$w5" rejected
[ "$(reasons_of "$w4") $(reasons_of "$w5")" = "session_cancelled session_cancelled" ] ||
  fail "waiting entries: $(reasons_of "$w4") $(reasons_of "$w5")"
[ "$(sql "SELECT string_agg(status, ' ') FROM bookings WHERE session_id = 's-0302'")" = \
  "cancelled cancelled cancelled" ] || fail "bookings: $(sql "SELECT status FROM bookings")"
[ "$(sql "SELECT pupils_booked || '/' || classes_booked || ' ' || (cancelled_at IS NOT NULL) FROM sessions WHERE id = 's-0302'")" = "0/0 true" ] ||
  fail "session after cancel: $(sql "SELECT * FROM sessions WHERE id = 's-0302'")"
[ "$(sql "SELECT count(*) FROM bus_holds") $(sql "SELECT count(*) FROM resource_holds")" = "0 0" ] ||
  fail "bus or room still held"
[ "$(sql "SELECT count(*) FROM waitlist WHERE status = 'waiting'")" = 0 ] || fail "entries still waiting"
# A booking for the cancelled session is refused.
k6=$(submit_one book --session s-0302 --class c6 --pupils 10)
decided "$k6" rejected
[ "$(reasons_of "$k6")" = session_cancelled ] || fail "booked a cancelled session: $(reasons_of "$k6")"

# --- move: 90 minutes later; c3's school day (back by 12:30) no longer fits
m1=$(submit_one book --session s-0309 --class c1 --pupils 20)
m3=$(submit_one book --session s-0309 --class c3 --pupils 20)
decided "$m1" confirmed
decided "$m3" confirmed
bm1=$(booking_of "$m1")
bm3=$(booking_of "$m3")
m4=$(submit_one book --session s-0309 --class c4 --pupils 20)
decided "$m4" confirmed
m5=$(submit_one book --session s-0309 --class c5 --pupils 20 --wait)
decided "$m5" waitlisted
m6=$(submit_one book --session s-0309 --class c6 --pupils 20 --wait)
decided "$m6" waitlisted
mv=$(submit_catalog '{"action":"move_session","session":"s-0309","starts_at":"2027-03-09T10:30:00+01:00","message":"Vejret","actor":"'$staff'"}')
decided "$mv" applied
[ "$(sql "SELECT status || ' ' || sequence FROM bookings WHERE id = '$bm1'")" = "confirmed 1" ] ||
  fail "c1 did not move: $(sql "SELECT status, sequence FROM bookings WHERE id = '$bm1'")"
[ "$(sql "SELECT status || ' ' || sequence FROM bookings WHERE id = '$bm3'")" = "cancelled 1" ] ||
  fail "c3 was not cancelled: $(sql "SELECT status, sequence FROM bookings WHERE id = '$bm3'")"
# c4 moves too; c5, waiting, gets the place c3 left, in the same transaction.
decided "$m5" confirmed
[ "$(sql "SELECT decided_at FROM commands WHERE command_id = '$m5'")" = \
  "$(sql "SELECT decided_at FROM commands WHERE command_id = '$mv'")" ] || fail "not promoted with the move"
[ "$(sql "SELECT to_char(starts_at AT TIME ZONE 'Europe/Copenhagen', 'HH24:MI') || ' ' || pupils_booked || '/' || classes_booked FROM sessions WHERE id = 's-0309'")" = "10:30 60/3" ] ||
  fail "the moved session: $(sql "SELECT starts_at, pupils_booked, classes_booked FROM sessions WHERE id = 's-0309'")"
# c6 waits on, until the new time's notice (the offering has none: its start).
[ "$(sql "SELECT to_char(expires_at AT TIME ZONE 'Europe/Copenhagen', 'HH24:MI') FROM waitlist WHERE command_id = '$m6' AND status = 'waiting'")" = 10:30 ] ||
  fail "the waiting entry after the move: $(sql "SELECT status, expires_at FROM waitlist WHERE command_id = '$m6'")"
# Its room is held at the new time, and only then.
[ "$(sql "SELECT string_agg(to_char(lower(during) AT TIME ZONE 'Europe/Copenhagen', 'HH24:MI'), ' ') FROM resource_holds WHERE session_id = 's-0309'")" = "10:30" ] ||
  fail "the room after the move: $(sql "SELECT during FROM resource_holds WHERE session_id = 's-0309'")"

# The audit of the cancelled booking names the move that cancelled it.
"$ctl" audit --booking "$bm3" --json >"$work/audit.json" || fail "audit"
"$py" - "$work/audit.json" <<'PY' || fail "audit: $(cat "$work/audit.json")"
import json, sys
a = json.load(open(sys.argv[1]))
got = [(c["kind"], c["status"], c["reasons"], c["role"]) for c in a["commands"]]
assert got == [("book", "confirmed", "", "municipality_admin"),
               ("move_session", "cancelled", "outside_school_day", "provider_staff")], got
PY

# --- two editors, one version ---------------------------------------------
v=$(sql "SELECT version FROM offerings WHERE id = 'o1'")
offering='{"id":"o1","provider":"p1","venue":"v1","title":"%s","grade_min":0,"grade_max":10,"duration_min":120,"schedule":{"start":"2027-03-02T09:00","rrule":"FREQ=WEEKLY;BYDAY=TU;UNTIL=20270427"}}'
e1=$(submit_catalog "{\"action\":\"upsert\",\"kind\":\"offering\",\"version\":$v,\"entity\":$(printf "$offering" "Skovbunden A"),\"actor\":\"$staff\"}")
e2=$(submit_catalog "{\"action\":\"upsert\",\"kind\":\"offering\",\"version\":$v,\"entity\":$(printf "$offering" "Skovbunden B"),\"actor\":\"$staff\"}")
wait_until 60 "SELECT count(*) FROM commands WHERE command_id IN ('$e1', '$e2')" 2
[ "$(sql "SELECT string_agg(status || ':' || reasons, ' ' ORDER BY status) FROM commands WHERE command_id IN ('$e1', '$e2')")" = \
  "applied: refused:stale_version" ] || fail "editors: $(sql "SELECT status, reasons FROM commands WHERE command_id IN ('$e1', '$e2')")"
[ "$(sql "SELECT version FROM offerings WHERE id = 'o1'")" = $((v + 1)) ] || fail "the version did not move on"

# --- capacity: raised promotes, lowered below booked is refused -----------
q1=$(submit_one book --session s-0330 --class c4 --pupils 20)
decided "$q1" confirmed
q2=$(submit_one book --session s-0330 --class c5 --pupils 20 --wait)
decided "$q2" waitlisted
session='{"id":"s-0330","offering":"o1","starts_at":"2027-03-30T09:00:00+02:00","ends_at":"2027-03-30T11:00:00+02:00","pupil_capacity":100,"class_capacity":%d}'
sv=$(sql "SELECT version FROM sessions WHERE id = 's-0330'")
up=$(submit_catalog "{\"action\":\"upsert\",\"kind\":\"session\",\"version\":$sv,\"entity\":$(printf "$session" 2),\"actor\":\"$staff\"}")
decided "$up" applied
decided "$q2" confirmed
[ "$(sql "SELECT decided_at FROM commands WHERE command_id = '$up'")" = \
  "$(sql "SELECT decided_at FROM commands WHERE command_id = '$q2'")" ] || fail "not promoted in the same transaction"
down=$(submit_catalog "{\"action\":\"upsert\",\"kind\":\"session\",\"version\":$((sv + 1)),\"entity\":$(printf "$session" 1),\"actor\":\"$staff\"}")
decided "$down" refused
[ "$(reasons_of "$down")" = capacity_below_booked ] || fail "lowered below booked: $(reasons_of "$down")"
[ "$(sql "SELECT class_capacity || ' ' || classes_booked FROM sessions WHERE id = 's-0330'")" = "2 2" ] ||
  fail "capacity after the refusal"

# --- a closed day, by command, and lifted again -----------------------------
cl=$(submit_catalog '{"action":"upsert","kind":"closure","entity":{"id":"trivsel-2027","scope":"municipality:Aarhus","first_day":"2027-03-16","last_day":"2027-03-16","summary":"Trivselsdag"}}')
decided "$cl" applied
j1=$(submit_one book --session s-0316 --class c6 --pupils 10)
decided "$j1" rejected
[ "$(reasons_of "$j1")" = closed ] || fail "booked a closed day: $(reasons_of "$j1")"
rc1=$(submit_catalog '{"action":"retire","kind":"closure","id":"municipality:Aarhus/trivsel-2027","version":1}')
decided "$rc1" applied
j2=$(submit_one book --session s-0316 --class c6 --pupils 10)
decided "$j2" confirmed

# --- bad input --------------------------------------------------------------
b1=$(submit_catalog '{"action":"upsert","kind":"session","entity":{"id":"s-new","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":"many","class_capacity":2}}')
b2=$(submit_catalog '{"action":"upsert","kind":"spaceship","entity":{"id":"x"}}')
b3=$(submit_catalog '{"action":"upsert","kind":"offering","entity":{"id":"o2","provider":"p1","venue":"v1","title":"Broken","duration_min":60,"schedule":{"start":"2027-03-02T09:00","rrule":"FREQ=SOMETIMES"}}}')
b4=$(submit_catalog '{"action":"upsert","kind":"session","entity":{"id":"s-wed","offering":"o1","starts_at":"2027-04-07T09:00:00+02:00","ends_at":"2027-04-07T11:00:00+02:00","pupil_capacity":50,"class_capacity":2}}')
b5=$(submit_catalog '{"action":"retire","kind":"venue","id":"v1","version":1}')
b6=$(submit_catalog '{"action":"upsert","kind":"class","version":7,"entity":{"id":"c-none","school":"s1","name":"X","grade":1,"size":20,"teacher_email":"x@s1.example"}}')
for c in $b1 $b2 $b3 $b4 $b5 $b6; do decided "$c" refused; done
msg() { sql "SELECT convert_from(decision, 'UTF8') FROM commands WHERE command_id = '$1'" 2>/dev/null || true; }
[ "$(reasons_of "$b1")" = invalid_field ] || fail "wrong type: $(reasons_of "$b1")"
[ "$(reasons_of "$b2")" = invalid_field ] || fail "unknown kind: $(reasons_of "$b2")"
[ "$(reasons_of "$b3")" = invalid_field ] || fail "bad schedule: $(reasons_of "$b3")"
[ "$(reasons_of "$b4")" = not_an_occurrence ] || fail "off the schedule: $(reasons_of "$b4")"
[ "$(reasons_of "$b5")" = in_use ] || fail "retire a venue in use: $(reasons_of "$b5")"
[ "$(reasons_of "$b6")" = unknown_entity ] || fail "update of nothing: $(reasons_of "$b6")"
[ "$(sql "SELECT count(*) FROM sessions WHERE id IN ('s-new', 's-wed')") $(sql "SELECT count(*) FROM offerings WHERE id = 'o2'") $(sql "SELECT count(*) FROM classes WHERE id = 'c-none'")" = "0 0 0" ] ||
  fail "a refused command left something behind"
# One that is fine, after them: the worker went on.
ok=$(submit_catalog '{"action":"upsert","kind":"session","entity":{"id":"s-0406","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":50,"class_capacity":2}}')
decided "$ok" applied
[ "$(sql "SELECT version FROM sessions WHERE id = 's-0406'")" = 1 ] || fail "a new session's version"
# The same command again (a portal's retry after a timeout): decided once.
again=$(submit_catalog '{"command_id":"'$ok'","action":"upsert","kind":"session","entity":{"id":"s-0406","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":60,"class_capacity":2}}')
[ "$again" = "$ok" ] || fail "resent with another id"
after=$(submit_catalog '{"action":"upsert","kind":"session","version":1,"entity":{"id":"s-0406","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":55,"class_capacity":2}}')
decided "$after" applied # the resend did not make version 2
[ "$(sql "SELECT pupil_capacity || ' ' || version FROM sessions WHERE id = 's-0406'")" = "55 2" ] ||
  fail "after a resend: $(sql "SELECT pupil_capacity, version FROM sessions WHERE id = 's-0406'")"

# The file import checks sessions the same way: one off the schedule is
# refused with its id; the last Tuesday of UNTIL=20270427 (a date) is an
# occurrence, as calendar programs read it.
session_file() {
  printf '{"sessions":[{"id":"%s","offering":"o1","starts_at":"%s","ends_at":"%s","pupil_capacity":10,"class_capacity":1}]}' "$@"
}
session_file s-wed2 2027-04-07T09:00:00+02:00 2027-04-07T11:00:00+02:00 >"$work/bad.json"
"$ctl" catalog import "$work/bad.json" 2>"$work/err" && fail "imported a session off the schedule"
grep -q 's-wed2.*does not take place 2027-04-07 09:00' "$work/err" || fail "import error: $(cat "$work/err")"
session_file s-0427 2027-04-27T09:00:00+02:00 2027-04-27T11:00:00+02:00 >"$work/last.json"
"$ctl" catalog import "$work/last.json" >/dev/null || fail "the UNTIL day's session was refused"
[ "$(sql "SELECT count(*) FROM sessions WHERE id IN ('s-wed2', 's-0427')")" = 1 ] || fail "import: sessions"

# --- what the portals and the teachers saw -----------------------------------
published
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events" || true
$py "$here/events.py" invitations "$work/events" >"$work/ical" || fail "python3-icalendar refused an invitation"
"$py" - "$work/events" "$cx" "$mv" "$bm1" "$bm3" "$b1" "$up" <<'PY' || fail "the events"
import json, sys
from icalendar import Calendar
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cx, mv, bm1, bm3, bad, up = sys.argv[2:8]
def decisions(cid):
    return [e for e in ev if e.get("type") == "decision" and e["command_id"] == cid]
def invitations(bid):
    return [e for e in ev if e.get("type") == "invitation" and e["booking_id"] == bid]
# cancel: three CANCELLED with the provider's words and alternatives, each
# booking's CANCEL with its UID and a higher SEQUENCE
d = decisions(cx)
assert len(d) == 3 and all(x["status"] == "cancelled" for x in d), d
assert all(x["reasons"][0]["code"] == "session_cancelled" and "Guiden er syg" in x["reasons"][0]["message"] for x in d), d
assert all(1 <= len(x["alternatives"]) <= 3 and all(a["session_id"] != "s-0302" for a in x["alternatives"]) for x in d), d
for x in d:
    inv = invitations(x["booking_id"])
    assert [(i["method"], i["sequence"]) for i in inv] == [("REQUEST", 0), ("CANCEL", 1)], inv
    assert len({i["uid"] for i in inv}) == 1, inv
    cal = Calendar.from_ical(inv[1]["icalendar"])
    assert str(cal["METHOD"]) == "CANCEL", cal
    vev = [c for c in cal.walk("VEVENT")][0]
    assert str(vev["UID"]) == inv[0]["uid"] and int(vev["SEQUENCE"]) == 1, vev
    assert str(vev["STATUS"]) == "CANCELLED", vev
# move: c1 moved (REQUEST, SEQUENCE 1, at 10:30), c3 cancelled with outside_school_day
d = {x["booking_id"]: x for x in decisions(mv)}
assert d[bm1]["status"] == "confirmed" and d[bm1].get("session_moved") is True, d[bm1]
assert d[bm3]["status"] == "cancelled" and [r["code"] for r in d[bm3]["reasons"]] == ["outside_school_day"], d[bm3]
assert len(d[bm3]["alternatives"]) >= 1, d[bm3]
inv = invitations(bm1)
assert [(i["method"], i["sequence"]) for i in inv] == [("REQUEST", 0), ("REQUEST", 1)], inv
vev = [c for c in Calendar.from_ical(inv[1]["icalendar"]).walk("VEVENT")][0]
assert vev["DTSTART"].dt.strftime("%H:%M") in ("10:30", "09:30"), vev["DTSTART"]
assert [(i["method"], i["sequence"]) for i in invitations(bm3)] == [("REQUEST", 0), ("CANCEL", 1)]
# the catalogue's own decisions, keyed by command id
c = [e for e in ev if e.get("type") == "catalog_decision"]
byid = {x["command_id"]: x for x in c}
assert byid[cx]["status"] == "applied" and byid[cx]["bookings_cancelled"] == 3 and byid[cx]["waiting_settled"] == 2, byid[cx]
assert byid[mv]["bookings_moved"] == 2 and byid[mv]["bookings_cancelled"] == 1 and byid[mv]["promoted"] == 1, byid[mv]
assert byid[up]["status"] == "applied" and byid[up]["promoted"] == 1 and byid[up]["version"] >= 2, byid[up]
assert byid[bad]["status"] == "refused" and byid[bad]["reasons"][0]["message"].startswith("entity.pupil_capacity"), byid[bad]
PY
echo "PASS $test_name"
