#!/usr/bin/env bash
# A booking through Kafka and PostgreSQL: decision, booking row, an
# invitation an independent parser accepts; then a cancel that frees the
# places and sends METHOD:CANCEL with the same UID; SIGTERM exits 0.
. "$(dirname "$0")/lib.sh"
setup 10
start_worker a

note=$'Two pupils use wheelchairs\nATTENDEE:mailto:intruder@example.org'
out=$("$ctl" submit book --session race --class c1 --pupils 22 --note "$note" \
      --email teacher1@skovvang.example --name "Anne Holm" --offering o1) || fail "submit"
cid=$(echo "$out" | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p')
[ -n "$cid" ] || fail "submit printed no command id: $out"

wait_until 60 "SELECT status FROM commands WHERE command_id = '$cid'" confirmed
bid=$(sql "SELECT id FROM bookings WHERE command_id = '$cid'")
[ -n "$bid" ] || fail "no booking row"
[ "$(sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'race'")" = "22/1" ] ||
  fail "session counters not taken"

"$ctl" submit cancel --booking "$bid" --offering o1 >/dev/null || fail "submit cancel"
wait_until 60 "SELECT status FROM bookings WHERE id = '$bid'" cancelled
[ "$(sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'race'")" = "0/0" ] ||
  fail "cancel did not free the places"
# Reschedule: another booking moves to a later session, keeping its UID.
out=$("$ctl" submit book --session race --class c2 --pupils 20 --offering o1) || fail "submit 2"
cid2=$(echo "$out" | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p')
wait_until 60 "SELECT status FROM commands WHERE command_id = '$cid2'" confirmed
bid2=$(sql "SELECT id FROM bookings WHERE command_id = '$cid2'")
"$ctl" submit reschedule --booking "$bid2" --session later --offering o1 >/dev/null || fail "submit reschedule"
wait_until 60 "SELECT session_id || ' ' || sequence FROM bookings WHERE id = '$bid2'" "later 1"
[ "$(sql "SELECT string_agg(id || '=' || pupils_booked || '/' || classes_booked, ' ' ORDER BY id) FROM sessions WHERE id IN ('race', 'later')")" = "later=20/1 race=0/0" ] ||
  fail "reschedule did not move the places"
# The class asks again for the session it now holds (booked in an earlier
# batch): the reason is that it holds it, not that it is away then.
out=$("$ctl" submit book --session later --class c2 --pupils 20 --offering o1) || fail "submit 3"
cid3=$(echo "$out" | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p')
wait_until 60 "SELECT status || ' ' || reasons FROM commands WHERE command_id = '$cid3'" \
  "rejected class_already_booked"
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0

watch_all "$work/events" 9
grep -q "\"command_id\":\"$cid\".*\"status\":\"confirmed\"" "$work/events" || fail "no confirmed decision on the topic"
grep -q '"status":"cancelled"' "$work/events" || fail "no cancelled decision on the topic"
grep -q "\"command_id\":\"$cid3\".*\"status\":\"rejected\"" "$work/events" ||
  fail "no rejected decision for the class asking again"

$py "$here/events.py" invitations "$work/events" >"$work/ical" || fail "python3-icalendar refused an invitation"
cat "$work/ical"
req=$(grep "^REQUEST $bid@" "$work/ical") || fail "no REQUEST invitation"
can=$(grep '^CANCEL ' "$work/ical") || fail "no CANCEL invitation"
[ "$(echo "$req" | cut -d' ' -f2)" = "$bid@rumbook" ] || fail "REQUEST UID is not the booking's"
[ "$(echo "$can" | cut -d' ' -f2)" = "$bid@rumbook" ] || fail "CANCEL has another UID"
[ "$(echo "$req" | cut -d' ' -f3)" = 0 ] || fail "REQUEST SEQUENCE is not 0"
[ "$(echo "$can" | cut -d' ' -f3)" = 1 ] || fail "CANCEL SEQUENCE is not 1"
# 09:00 in Copenhagen on 30 March 2027 is summer time (the clocks changed on the 28th).
[ "$(echo "$req" | cut -d' ' -f4)" = "2027-03-30T09:00:00+02:00" ] || fail "DTSTART wrong: $req"
echo "$req" | grep -q 'Europe/Copenhagen' || fail "no Europe/Copenhagen zone"
[ "$(echo "$req" | cut -d' ' -f6)" = "mailto:teacher1@skovvang.example" ] || fail "attendee wrong"
echo "$req" | grep -q 'intruder' || fail "the note is missing from the description"
# The note's line break must not have produced a second ATTENDEE property.
attendees=$(grep "\"booking_id\":\"$bid\".*\"method\":\"REQUEST\"" "$work/events" |
  grep -o '\\r\\nATTENDEE' | wc -l)
[ "$attendees" = 1 ] || fail "the teacher's note added a property ($attendees ATTENDEE lines)"

kill -TERM "$pid_a"
rc=0; wait "$pid_a" || rc=$?
[ "$rc" = 0 ] || fail "worker exited $rc on SIGTERM"
grep -q 'stopping' "$work/worker-a.log" || fail "worker did not log a clean stop"
moved=$(grep "^REQUEST $bid2@rumbook 1 " "$work/ical") || fail "no REQUEST with SEQUENCE 1 after the reschedule"
[ "$(echo "$moved" | cut -d' ' -f4)" = "2027-04-06T09:00:00+02:00" ] || fail "rescheduled DTSTART wrong: $moved"
echo "PASS $test_name booking=$bid"
