#!/usr/bin/env bash
# Staff settle bus orders waiting for review (a school without
# coordinates): approve books the order with a bus under its own command
# id, and the approve's decision says so; refuse gives the order its last
# decision, REJECTED bus_refused with staff's words. Only the
# municipality's staff may; what is not in review cannot be settled.
. "$(dirname "$0")/lib.sh"
{
  echo '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example","municipality":"Aarhus"}],'
  echo '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.05,"lon":10.25}],'
  echo '"offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Skovbunden","duration_min":120}],'
  echo '"sessions":['
  echo '{"id":"a","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":100,"class_capacity":4},'
  echo '{"id":"b","offering":"o1","starts_at":"2027-04-13T09:00:00+02:00","ends_at":"2027-04-13T11:00:00+02:00","pupil_capacity":100,"class_capacity":4}],'
  echo '"schools":[{"id":"s2","name":"Nyskolen","municipality":"Aarhus","day_start":"07:30"}],'
  echo '"classes":[{"id":"n4","school":"s2","name":"4.N","grade":4,"size":22,"teacher_email":"n4@nyskolen.example"},'
  echo '  {"id":"n5","school":"s2","name":"5.N","grade":5,"size":22,"teacher_email":"n5@nyskolen.example"}],'
  echo '"buses":[{"id":"bus-1","name":"ULF-bus 1","seats":47,"municipality":"Aarhus","depot_lat":56.16,"depot_lon":10.2}]}'
} >"$work/catalog.json"
setup_catalog "$work/catalog.json" 2
printf 's2,v1,bus,35\n' >"$work/travel.csv"
"$ctl" travel import "$work/travel.csv" >/dev/null || fail "travel import"
export RUMBOOK_ACTOR=teacher:s2
start_worker a
wait_assigned a
reasons() { sql "SELECT reasons FROM commands WHERE command_id = '$1'"; }

r1=$(submit_one book --session a --class n4 --pupils 22 --travel bus)
r2=$(submit_one book --session b --class n5 --pupils 20 --travel bus)
decided "$r1" pending_review
decided "$r2" pending_review

# Not staff, staff of another municipality, a command not in review.
x1=$(submit_one approve --waiting "$r1")
x2=$(submit_one approve --waiting "$r1" --actor municipality_admin:Thisted)
x3=$(submit_one refuse --waiting 00000000-0000-4000-8000-00000000abcd --actor municipality_admin:Aarhus)
decided "$x1" rejected
decided "$x2" rejected
decided "$x3" rejected
[ "$(reasons "$x1") $(reasons "$x2") $(reasons "$x3")" = "not_authorized not_authorized not_in_review" ] ||
  fail "refusals: $(reasons "$x1") $(reasons "$x2") $(reasons "$x3")"
[ "$(sql "SELECT count(*) FROM waitlist WHERE status = 'waiting'")" = 2 ] || fail "an order left review"

# Approved: booked with a bus; the approve and the order both confirmed.
a1=$(submit_one approve --waiting "$r1" --actor municipality_admin:Aarhus)
decided "$a1" confirmed
decided "$r1" confirmed
[ "$(sql "SELECT booking_id FROM commands WHERE command_id = '$a1'")" = \
  "$(sql "SELECT booking_id FROM commands WHERE command_id = '$r1'")" ] || fail "the approve names another booking"
[ "$(sql "SELECT count(*) FROM bus_holds h JOIN bookings b ON b.id = h.booking_id WHERE b.command_id = '$r1'")" = 1 ] ||
  fail "the approved order holds no bus"
[ "$(sql "SELECT status FROM waitlist WHERE command_id = '$r1'")" = promoted ] || fail "the entry is not settled"

# Refused, with a reason for the teacher.
f1=$(submit_one refuse --waiting "$r2" --actor municipality_admin:Aarhus --reason "Bussen er optaget den dag")
decided "$f1" cancelled
decided "$r2" rejected
[ "$(reasons "$r2")" = bus_refused ] || fail "the refused order: $(reasons "$r2")"
sql "SELECT encode(decision, 'escape') FROM commands WHERE command_id = '$r2'" | grep -q 'Bussen er optaget' ||
  fail "the teacher does not hear why"
[ "$(sql "SELECT status FROM waitlist WHERE command_id = '$r2'")" = rejected ] || fail "the entry is not settled"
[ "$(sql "SELECT count(*) FROM bookings WHERE class_id = 'n5'")" = 0 ] || fail "the refused order was booked"
x4=$(submit_one approve --waiting "$r2" --actor municipality_admin:Aarhus)
decided "$x4" rejected
[ "$(reasons "$x4")" = not_in_review ] || fail "approved after a refusal"
echo "PASS $test_name"
