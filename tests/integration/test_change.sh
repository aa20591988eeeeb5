#!/usr/bin/env bash
# A teacher changes a booking in place: more pupils than the places left is
# rejected and the booking keeps what it had; fewer frees places at once,
# and a waiting class that now fits is confirmed in the same transaction.
# A change of the note or the travel mode sends the teacher a REQUEST with
# a higher SEQUENCE; a change that changes nothing sends none. Only the
# class's own school (or municipality) may change it.
. "$(dirname "$0")/lib.sh"
setup 5 2
sql "UPDATE sessions SET pupil_capacity = 49, class_capacity = 3 WHERE id = 'race'"
start_worker a
wait_assigned a
booking_of() { sql "SELECT booking_id FROM commands WHERE command_id = '$1'"; }
places() { sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'race'"; }
invitations() { sql "SELECT count(*) FROM outbox_events WHERE message_type = 'rumbook.v1.Invitation'"; }

c1=$(submit_one book --session race --class c1 --pupils 20)
c2=$(submit_one book --session race --class c2 --pupils 25)
decided "$c1" confirmed
decided "$c2" confirmed
b1=$(booking_of "$c1")
b2=$(booking_of "$c2")
w3=$(submit_one book --session race --class c3 --pupils 10 --wait)
decided "$w3" waitlisted
[ "$(places)" = 45/2 ] || fail "places before: $(places)"

# 20 -> 25 with 4 places left: rejected, nothing moves.
sent=$(invitations)
x1=$(submit_one change --booking "$b1" --pupils 25)
decided "$x1" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$x1'")" = no_pupil_places ] ||
  fail "20 -> 25: $(sql "SELECT reasons FROM commands WHERE command_id = '$x1'")"
[ "$(sql "SELECT pupils || ' ' || sequence FROM bookings WHERE id = '$b1'")" = "20 0" ] || fail "the booking changed"
[ "$(places)" = 45/2 ] || fail "places after a rejected change: $(places)"
[ "$(invitations)" = "$sent" ] || fail "a rejected change sent an invitation"

# Others may not change it.
x2=$(submit_one change --booking "$b1" --pupils 10 --actor teacher:s9)
x3=$(submit_one change --booking "$b1" --pupils 10 --actor provider_staff:p1)
decided "$x2" rejected
decided "$x3" rejected
[ "$(sql "SELECT string_agg(reasons, ' ' ORDER BY reasons) FROM commands WHERE command_id IN ('$x2', '$x3')")" = \
  "not_authorized not_authorized" ] || fail "another school or the provider changed a booking"

# 25 -> 15 frees 10 places (14 left): c3 (10 pupils) is confirmed in the same batch.
x4=$(submit_one change --booking "$b2" --pupils 15)
decided "$x4" confirmed
decided "$w3" confirmed
[ "$(sql "SELECT decided_at FROM commands WHERE command_id = '$x4'")" = \
  "$(sql "SELECT decided_at FROM commands WHERE command_id = '$w3'")" ] || fail "not promoted in the same transaction"
[ "$(places)" = 45/3 ] || fail "places after: $(places)"
[ "$(sql "SELECT pupils || ' ' || sequence FROM bookings WHERE id = '$b2'")" = "15 1" ] || fail "the change was not kept"

# Note and travel mode: a new REQUEST each, SEQUENCE 2 then 3; the same
# again changes nothing and sends nothing.
x5=$(submit_one change --booking "$b2" --note "Vi kommer gående")
decided "$x5" confirmed
x6=$(submit_one change --booking "$b2" --travel walk)
decided "$x6" confirmed
[ "$(sql "SELECT sequence || ' ' || travel_mode || ' ' || note FROM bookings WHERE id = '$b2'")" = "3 walk Vi kommer gående" ] ||
  fail "note and mode: $(sql "SELECT sequence, travel_mode, note FROM bookings WHERE id = '$b2'")"
sent=$(invitations)
x7=$(submit_one change --booking "$b2" --pupils 15 --travel walk)
decided "$x7" confirmed
[ "$(invitations)" = "$sent" ] || fail "a change of nothing sent an invitation"
[ "$(sql "SELECT sequence FROM bookings WHERE id = '$b2'")" = 3 ] || fail "a change of nothing raised the sequence"

published
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events" || true
$py "$here/events.py" invitations "$work/events" >"$work/ical" || fail "python3-icalendar refused an invitation"
"$py" - "$work/events" "$b2" "$x6" <<'PY' || fail "the invitations for the changed booking"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
inv = [e for e in ev if e.get("type") == "invitation" and e["booking_id"] == sys.argv[2]]
assert [(i["method"], i["sequence"]) for i in inv] == [("REQUEST", 0), ("REQUEST", 1), ("REQUEST", 2), ("REQUEST", 3)], inv
assert len({i["uid"] for i in inv}) == 1, inv
# decisions are keyed by command id, so their partitions (and order) differ
d = [e for e in ev if e.get("type") == "decision" and e["command_id"] == sys.argv[3]]
assert len(d) == 1 and d[0]["travel_mode"] == "walk" and d[0]["pupils"] == 15, d
PY
echo "PASS $test_name"
