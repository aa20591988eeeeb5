#!/usr/bin/env bash
# The scheduling rules through Kafka and PostgreSQL: all or nothing (the
# bus is free but the room is not: nothing is held), alternatives, a
# waiting list promoted after a cancel, closures from an .ics file and a
# public holiday, the travel-time table in the decision and invitation,
# an off-schedule session, and a reschedule that keeps the UID and moves
# the bus.
. "$(dirname "$0")/lib.sh"

session() { # id offering local-date start end pupils classes [resources]
  printf '{"id":"%s","offering":"%s","starts_at":"%sT%s:00+02:00","ends_at":"%sT%s:00+02:00","pupil_capacity":%d,"class_capacity":%d%s},' \
    "$1" "$2" "$3" "$4" "$3" "$5" "$6" "$7" "${8:+,\"resources\":[$8]}"
}
{
  echo '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example","municipality":"Aarhus"}],'
  echo '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.05,"lon":10.25}],'
  echo '"resources":[{"id":"room-1","provider":"p1","kind":"room","name":"Skovstuen"}],'
  echo '"offerings":['
  echo '{"id":"o1","provider":"p1","venue":"v1","title":"Skovbunden","duration_min":120,"cleanup_min":30,'
  echo ' "schedule":{"start":"2027-03-02T09:00","rrule":"FREQ=WEEKLY;BYDAY=TU;UNTIL=20270629"}},'
  echo '{"id":"o2","provider":"p1","venue":"v1","title":"Vandløb","duration_min":120},'
  echo '{"id":"o3","provider":"p1","venue":"v1","title":"Fugle","duration_min":120}],'
  echo '"sessions":['
  session o1-0330 o1 2027-03-30 09:00 11:00 60 2 '"room-1"'
  session o1-0406 o1 2027-04-06 09:00 11:00 60 2 '"room-1"'
  session o1-0413 o1 2027-04-13 09:00 11:00 60 2
  session o1-0420 o1 2027-04-20 09:00 11:00 60 2
  session o2-0330 o2 2027-03-30 10:00 12:00 60 2 '"room-1"'
  session o3-0217 o3 2027-02-17 09:00 11:00 60 2 | sed 's/+02:00/+01:00/g'
  session o3-0325 o3 2027-03-25 09:00 11:00 60 2 | sed 's/+02:00/+01:00/g'
  session w1 o3 2027-04-21 09:00 11:00 60 1 | sed 's/,$//'
  echo '],"schools":[{"id":"s1","name":"Skovvangskolen","municipality":"Aarhus","lat":56.17,"lon":10.19,"day_start":"07:30"},'
  echo '{"id":"s2","name":"Nyskolen","municipality":"Aarhus","day_start":"07:30"}],'
  echo "\"classes\":[$(classes_json 12 4),"
  echo '{"id":"n4","school":"s2","name":"4.N","grade":4,"size":22,"teacher_email":"n4@nyskolen.example"}],'
  echo '"buses":[{"id":"bus-1","name":"ULF-bus 1","seats":47,"municipality":"Aarhus","depot_lat":56.16,"depot_lon":10.2}]}'
} >"$work/catalog.json"
setup_catalog "$work/catalog.json"
# The import refuses a session off its offering's schedule; one added by
# hand (or left behind by a schedule changed in the database) is refused
# at booking.
sql "INSERT INTO sessions (id, offering_id, starts_at, ends_at, pupil_capacity, class_capacity)
     VALUES ('o1-0331', 'o1', '2027-03-31 09:00+02', '2027-03-31 11:00+02', 60, 2)"
start_worker a

# All or nothing: o2 takes the room 10:00-12:00; o1 the same morning needs it
# 09:00-11:30 and asks for the bus, which is free. Nothing may be held.
c1=$(submit_one book --session o2-0330 --class c1 --pupils 25)
decided "$c1" confirmed
c2=$(submit_one book --session o1-0330 --class c2 --pupils 25 --travel bus)
decided "$c2" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$c2'")" = resource_busy ] ||
  fail "expected only resource_busy: $(sql "SELECT reasons FROM commands WHERE command_id = '$c2'")"
[ "$(sql "SELECT count(*) FROM bus_holds")" = 0 ] || fail "a bus was held for a rejected booking"
[ "$(sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'o1-0330'")" = 0/0 ] ||
  fail "places were taken for a rejected booking"
[ "$(sql "SELECT string_agg(session_id, ' ') FROM resource_holds")" = o2-0330 ] ||
  fail "room holds wrong: $(sql "SELECT string_agg(session_id, ' ') FROM resource_holds")"

# Off the schedule (a Wednesday), and a waiting list.
c3=$(submit_one book --session o1-0331 --class c3 --pupils 25)
decided "$c3" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$c3'")" = not_an_occurrence ] ||
  fail "off-schedule session: $(sql "SELECT reasons FROM commands WHERE command_id = '$c3'")"
w4=$(submit_one book --session w1 --class c4 --pupils 25)
decided "$w4" confirmed
# Entries 9 and 10: the list is served in number order, not text order.
sql "SELECT setval('waitlist_id_seq', 8)" >/dev/null
w5=$(submit_one book --session w1 --class c5 --pupils 20 --wait)
w6=$(submit_one book --session w1 --class c6 --pupils 20 --wait)
decided "$w5" waitlisted
decided "$w6" waitlisted
[ "$(sql "SELECT string_agg(class_id, ' ' ORDER BY id) FROM waitlist WHERE status = 'waiting'")" = "c5 c6" ] ||
  fail "waiting list wrong"
b4=$(sql "SELECT id FROM bookings WHERE command_id = '$w4'")
submit_one cancel --booking "$b4" >/dev/null
decided "$w5" confirmed
[ "$(sql "SELECT class_id FROM bookings WHERE session_id = 'w1' AND status = 'confirmed'")" = c5 ] ||
  fail "the first class on the list was not promoted"
[ "$(sql "SELECT status FROM waitlist WHERE command_id = '$w6'")" = waiting ] || fail "c6 left the list"
[ "$(sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'w1'")" = 20/1 ] ||
  fail "w1 counters after promotion"
# The provider raises w1 to two classes: c6 gets the place without any command.
sed 's/\("id":"w1"[^}]*"class_capacity":\)1/\12/' "$work/catalog.json" >"$work/raised.json"
grep -q '"id":"w1"[^}]*"class_capacity":2' "$work/raised.json" || fail "could not raise w1 in the catalogue"
"$ctl" catalog import "$work/raised.json" >/dev/null || fail "re-import"
decided "$w6" confirmed
[ "$(sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'w1'")" = 40/2 ] ||
  fail "w1 counters after the capacity was raised"
# An offering and a class imported while the worker runs (it caches both)
# are bookable at once; a class that does not exist is still refused.
cat >"$work/new.json" <<'JSON'
{"offerings":[{"id":"o9","provider":"p1","venue":"v1","title":"Insekter","duration_min":90}],
 "sessions":[{"id":"n1","offering":"o9","starts_at":"2027-05-04T09:00:00+02:00","ends_at":"2027-05-04T10:30:00+02:00","pupil_capacity":30,"class_capacity":1}],
 "classes":[{"id":"new-5a","school":"s1","name":"5.A","grade":5,"size":20,"teacher_email":"5a@skovvang.example"}]}
JSON
"$ctl" catalog import "$work/new.json" >/dev/null || fail "import a new offering and class"
n1=$(submit_one book --session n1 --class new-5a --pupils 20)
decided "$n1" confirmed
n2=$(submit_one book --session n1 --class no-such-class --pupils 20)
decided "$n2" rejected
sql "SELECT reasons FROM commands WHERE command_id = '$n2'" | grep -qw unknown_class ||
  fail "a class that does not exist: $(sql "SELECT reasons FROM commands WHERE command_id = '$n2'")"

# Closures: the municipality's winter holiday from an .ics file; a public holiday.
cat >"$work/aarhus.ics" <<'ICS'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Aarhus Kommune//Skoleferier//DA
BEGIN:VEVENT
UID:vinterferie-2027@aarhus.example
DTSTAMP:20260801T000000Z
DTSTART;VALUE=DATE:20270215
DTEND;VALUE=DATE:20270220
SUMMARY:Vinterferie
END:VEVENT
END:VCALENDAR
ICS
"$ctl" calendar import --scope municipality:Aarhus "$work/aarhus.ics" | grep -q 'closures=1' ||
  fail "calendar import"
"$ctl" calendar import --scope municipality:Aarhus "$work/aarhus.ics" >/dev/null
[ "$(sql "SELECT count(*) FROM closures")" = 1 ] || fail "re-import duplicated closures"
c7=$(submit_one book --session o3-0217 --class c7 --pupils 25)
c8=$(submit_one book --session o3-0325 --class c8 --pupils 25)
decided "$c7" rejected
decided "$c8" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$c7'")" = closed ] ||
  fail "winter holiday: $(sql "SELECT reasons FROM commands WHERE command_id = '$c7'")"
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$c8'")" = closed ] || fail "Skærtorsdag open"

# The travel table: 50 minutes by public transport, so the class leaves 08:10.
printf 'school_id,venue_id,mode,minutes\ns1,v1,public_transport,50\n' >"$work/travel.csv"
"$ctl" travel import "$work/travel.csv" | grep -q 'travel_times=1' || fail "travel import"
printf 's1,v1,rocket,5\n' >"$work/bad.csv"
"$ctl" travel import "$work/bad.csv" 2>"$work/bad.err" && fail "a bad travel file was accepted"
grep -q 'line 1: mode "rocket"' "$work/bad.err" || fail "bad travel file: unclear error"
printf 'school_id,venue_id,mode,minutes\ns1,v1,bus,20\n# a comment\nnowhere,v1,bus,20\n' >"$work/bad.csv"
"$ctl" travel import "$work/bad.csv" 2>"$work/bad.err" && fail "a travel line naming no school was accepted"
grep -q 'line 4: school "nowhere" is not in the catalogue' "$work/bad.err" ||
  fail "unknown school: unclear error: $(cat "$work/bad.err")"
printf 's1,v1,bus,20\ns1,atlantis,walk,5\n' >"$work/bad.csv"
"$ctl" travel import "$work/bad.csv" 2>"$work/bad.err" && fail "a travel line naming no venue was accepted"
grep -q 'line 2: venue "atlantis" is not in the catalogue' "$work/bad.err" ||
  fail "unknown venue: unclear error: $(cat "$work/bad.err")"
[ "$(sql "SELECT count(*) FROM travel_times WHERE mode = 'bus'")" = 0 ] || fail "a refused file stored lines"
c9=$(submit_one book --session o1-0406 --class c9 --pupils 25)
decided "$c9" confirmed
[ "$(sql "SELECT to_char(lower(away) AT TIME ZONE 'Europe/Copenhagen', 'HH24:MI') FROM bookings WHERE command_id = '$c9'")" = 08:10 ] ||
  fail "the trip does not use the travel table"

# A bus order from a school without coordinates waits for review; when the
# school's coordinates are added, it is decided (confirmed) under its own id.
printf 's2,v1,bus,35\n' >"$work/travel2.csv"
"$ctl" travel import "$work/travel2.csv" >/dev/null || fail "travel import s2"
r1=$(submit_one book --session o1-0406 --class n4 --pupils 22 --travel bus --actor teacher:s2)
decided "$r1" pending_review
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$r1'")" = bus_needs_review ] ||
  fail "review: $(sql "SELECT reasons FROM commands WHERE command_id = '$r1'")"
[ "$(sql "SELECT kind || ' ' || status FROM waitlist WHERE command_id = '$r1'")" = "review waiting" ] ||
  fail "the bus order is not waiting for review"
echo '{"schools":[{"id":"s2","name":"Nyskolen","municipality":"Aarhus","day_start":"07:30","lat":56.2,"lon":10.1}]}' \
  >"$work/s2.json"
"$ctl" catalog import "$work/s2.json" >/dev/null || fail "adding s2's coordinates"
decided "$r1" confirmed
[ "$(sql "SELECT count(*) FROM bus_holds h JOIN bookings b ON b.id = h.booking_id WHERE b.command_id = '$r1'")" = 1 ] ||
  fail "the reviewed order holds no bus"

# A bus trip, then a reschedule: same UID, SEQUENCE 1, the bus moves along.
c10=$(submit_one book --session o1-0413 --class c10 --pupils 25 --travel bus)
decided "$c10" confirmed
b10=$(sql "SELECT id FROM bookings WHERE command_id = '$c10'")
[ "$(sql "SELECT bus_id FROM bus_holds WHERE booking_id = '$b10'")" = bus-1 ] || fail "no bus held"
submit_one reschedule --booking "$b10" --session o1-0420 >/dev/null
wait_until 60 "SELECT session_id || ' ' || sequence FROM bookings WHERE id = '$b10'" "o1-0420 1"
[ "$(sql "SELECT to_char(lower(during) AT TIME ZONE 'Europe/Copenhagen', 'MM-DD') FROM bus_holds WHERE booking_id = '$b10'")" = 04-20 ] ||
  fail "the bus did not move with the booking"

wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
events=$(sql "SELECT count(*) FROM outbox")
watch_all "$work/events" "$events"
grep "\"command_id\":\"$c2\"" "$work/events" | grep -q '"alternatives":\[{"session_id":"o1-0406"' ||
  fail "the rejection does not offer o1-0406: $(grep "\"command_id\":\"$c2\"" "$work/events")"
grep "\"command_id\":\"$w6\"" "$work/events" | grep -q '"waitlist_position":2' ||
  fail "the second waiting class is not told position 2"
grep "\"command_id\":\"$w5\".*\"status\":\"confirmed\"" "$work/events" | grep -q '"booking_id"' ||
  fail "no confirmed decision for the promoted class"
$py "$here/events.py" invitations "$work/events" >"$work/ical" || fail "python3-icalendar refused an invitation"
b5=$(sql "SELECT booking_id FROM commands WHERE command_id = '$w5'")
grep -q "^REQUEST $b5@rumbook 0 " "$work/ical" || fail "no invitation for the promoted class"
grep "^REQUEST $(sql "SELECT id FROM bookings WHERE command_id = '$c9'")@" "$work/ical" |
  grep -q 'Departure from school: 08:10' || fail "the invitation does not state the departure"
grep "^REQUEST $b10@rumbook 0 " "$work/ical" | grep -q 'Bus pickup' || fail "no bus pickup in the invitation"
moved=$(grep "^REQUEST $b10@rumbook 1 " "$work/ical") || fail "no REQUEST with SEQUENCE 1 after the reschedule"
[ "$(echo "$moved" | cut -d' ' -f4)" = "2027-04-20T09:00:00+02:00" ] || fail "rescheduled DTSTART wrong"
echo "PASS $test_name"
