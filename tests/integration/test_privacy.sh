#!/usr/bin/env bash
# Personal data is kept only as long as needed. rumbookctl privacy erase
# removes one address everywhere at once (bookings, the class, waiting
# lists, commands, the mailer's deliveries, events): pg_dump finds it
# nowhere afterwards, and the bookings stay decided, with what statistics
# need. A worker's sweep erases addresses, names and notes retention_days
# after the session.
. "$(dirname "$0")/lib.sh"
setup 4
start_smtp_sink
start_worker a
start_mailer
wait_assigned a
dump() { pg_dump --data-only "$RUMBOOK_DSN"; }

# Anna, teacher of c1, books, is waitlisted elsewhere and moves her booking;
# her colleague Bo books c2.
sql "UPDATE sessions SET class_capacity = 1 WHERE id = 'later'"
b0=$(submit_one book --session later --class c3 --pupils 20 --email teacher3@skovvang.example)
decided "$b0" confirmed
a1=$(submit_one book --session race --class c1 --pupils 20 --email teacher1@skovvang.example \
  --name "Anna Andersen" --note "Annas elever har madpakker med")
a2=$(submit_one book --session later --class c1 --pupils 20 --email Teacher1@Skovvang.example \
  --name "Anna Andersen" --wait --note "Anna venter gerne")
decided "$a1" confirmed
decided "$a2" waitlisted
bid=$(sql "SELECT booking_id FROM commands WHERE command_id = '$a1'")
m1=$(submit_one reschedule --booking "$bid" --session big --email teacher1@skovvang.example --name "Anna Andersen")
decided "$m1" confirmed
b1=$(submit_one book --session race --class c2 --pupils 22 --email teacher2@skovvang.example --name "Bo Berg")
decided "$b1" confirmed
wait_until 60 "SELECT count(*) FROM deliveries WHERE state = 'sent' AND lower(recipient) = 'teacher1@skovvang.example'" 2
dump >"$work/dump0.sql"
grep -qi 'teacher1@skovvang.example' "$work/dump0.sql" || fail "the address was never stored: the test proves nothing"
grep -q 'Anna' "$work/dump0.sql" || fail "her name was never stored"

"$ctl" privacy erase --email TEACHER1@skovvang.example >"$work/erased" || fail "privacy erase"
cat "$work/erased"
for t in bookings classes waitlist commands deliveries outbox_events; do
  grep -q "^erased $t=[1-9]" "$work/erased" || fail "erase touched no $t"
done
dump >"$work/dump.sql"
grep -qi 'teacher1@skovvang' "$work/dump.sql" && fail "the address is still in the database: $(grep -i -m3 'teacher1@skovvang' "$work/dump.sql")"
grep -qi 'Anna' "$work/dump.sql" && fail "her name or notes are still in the database"
grep -qi 'teacher2@skovvang.example' "$work/dump.sql" || fail "the colleague's data went too"
# What statistics need stays: the booking, its class, pupils and dates.
[ "$(sql "SELECT status || ' ' || class_id || ' ' || pupils || ' ' || session_id FROM bookings WHERE id = '$bid'")" = "confirmed c1 20 big" ] ||
  fail "the booking itself changed"
[ "$(sql "SELECT count(*) FROM commands WHERE command_id IN ('$a1', '$a2', '$m1')")" = 3 ] ||
  fail "decisions went with the address"
# The booking can still be cancelled: decided, and nobody to invite.
sent_before=$(sql "SELECT count(*) FROM outbox_events WHERE message_type = 'rumbook.v1.Invitation'")
c1=$(submit_one cancel --booking "$bid")
decided "$c1" cancelled
[ "$(sql "SELECT count(*) FROM outbox_events WHERE message_type = 'rumbook.v1.Invitation'")" = "$sent_before" ] ||
  fail "an invitation was made for an erased address"
"$ctl" privacy erase --email not-an-address 2>"$work/err" && fail "erased a non-address"
grep -q 'not an e-mail address' "$work/err" || fail "no reason given: $(cat "$work/err")"

# A year and a day later (the sessions and events moved back in time), a
# worker's sweep erases Bo's address, name and note from what he booked;
# the class keeps its teacher, and the decisions stay.
kill "$pid_a"
wait "$pid_a" 2>/dev/null || true
sql "UPDATE sessions SET starts_at = starts_at - interval '2 years', ends_at = ends_at - interval '2 years' WHERE id = 'race'"
sql "UPDATE outbox_events SET created_at = created_at - interval '2 years'"
sql "UPDATE commands SET decided_at = decided_at - interval '2 years' WHERE command_id = '$b1'"
start_worker b
wait_until 40 "SELECT count(*) FROM bookings WHERE teacher_email = 'teacher2@skovvang.example'" 0
grep -q 'privacy sweep erased rows=' "$work/worker-b.log" || fail "the worker did not say what it swept"
dump >"$work/dump2.sql"
[ "$(grep -ci 'teacher2@skovvang.example' "$work/dump2.sql")" = 1 ] ||
  fail "teacher2's address is left beyond the class: $(grep -i 'teacher2@skovvang.example' "$work/dump2.sql" | cut -c1-120)"
grep -q 'Bo Berg' "$work/dump2.sql" && fail "Bo's name is left"
[ "$(sql "SELECT b.status || ' ' || b.pupils FROM bookings b JOIN commands c ON c.booking_id = b.id WHERE c.command_id = '$b1'")" = "confirmed 22" ] ||
  fail "the sweep changed the booking: $(sql "SELECT b.status, b.pupils, b.session_id FROM bookings b JOIN commands c ON c.booking_id = b.id WHERE c.command_id = '$b1'")"
# Within the retention nothing goes: teacher3's booking of 'later' is kept.
[ "$(sql "SELECT teacher_email FROM bookings b JOIN commands c ON c.booking_id = b.id WHERE c.command_id = '$b0'")" = teacher3@skovvang.example ] ||
  fail "the sweep erased data within the retention"
echo "PASS $test_name"
