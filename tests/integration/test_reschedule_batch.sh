#!/usr/bin/env bash
# Two reschedules of one class in one batch: the first moves a trip away,
# the second moves another trip into the time it freed. Decided in order
# both are right, and the batch commits them at once: no retry, no split
# (the exclusion constraint is checked at commit, not row by row).
. "$(dirname "$0")/lib.sh"
{
  echo '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example"}],'
  echo '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.16,"lon":10.20}],'
  echo '"offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Skoven","duration_min":120}],'
  echo '"sessions":['
  echo '{"id":"mon","offering":"o1","starts_at":"2027-04-12T09:00:00+02:00","ends_at":"2027-04-12T11:00:00+02:00","pupil_capacity":60,"class_capacity":2},'
  echo '{"id":"tue9","offering":"o1","starts_at":"2027-04-13T09:00:00+02:00","ends_at":"2027-04-13T11:00:00+02:00","pupil_capacity":60,"class_capacity":2},'
  echo '{"id":"tue10","offering":"o1","starts_at":"2027-04-13T10:00:00+02:00","ends_at":"2027-04-13T12:00:00+02:00","pupil_capacity":60,"class_capacity":2},'
  echo '{"id":"wed","offering":"o1","starts_at":"2027-04-14T09:00:00+02:00","ends_at":"2027-04-14T11:00:00+02:00","pupil_capacity":60,"class_capacity":2}],'
  echo '"schools":[{"id":"s1","name":"Skovvangskolen","lat":56.17,"lon":10.19,"day_start":"07:30"}],'
  echo "\"classes\":[$(classes_json 1 5)]}"
} >"$work/catalog.json"
setup_catalog "$work/catalog.json" 1
start_worker a --log-level debug
wait_assigned a
# Booked in the other order than they move, so that the update meets the
# second move's row first.
b2=$(submit_one book --session mon --class c1 --pupils 25)
decided "$b2" confirmed
b1=$(submit_one book --session tue9 --class c1 --pupils 25)
decided "$b1" confirmed
kill -TERM "$pid_a"
wait "$pid_a" || true
first=$(sql "SELECT id FROM bookings WHERE command_id = '$b1'")
second=$(sql "SELECT id FROM bookings WHERE command_id = '$b2'")
# Submitted while no worker runs, so that one batch takes both.
m1=$(submit_one reschedule --booking "$first" --session wed --offering o1)
m2=$(submit_one reschedule --booking "$second" --session tue10 --offering o1)
start_worker b --log-level debug --linger-ms 500
decided "$m1" confirmed
decided "$m2" confirmed
[ "$(sql "SELECT string_agg(session_id, ' ' ORDER BY session_id) FROM bookings WHERE status = 'confirmed'")" = "tue10 wed" ] ||
  fail "bookings: $(sql "SELECT session_id, status FROM bookings")"
grep -q 'batch retried' "$work/worker-b.log" && fail "the batch was redone: $(grep 'batch retried' "$work/worker-b.log" | head -1)"
grep -q 'rejecting' "$work/worker-b.log" && fail "a command was split out and rejected"
echo "PASS $test_name"
