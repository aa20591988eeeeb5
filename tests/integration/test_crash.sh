#!/usr/bin/env bash
# A worker killed with SIGKILL in the middle of 2,000 commands and started
# again: every command has exactly one decision in the database and on the
# topic (repeats on the topic carry the same event id).
. "$(dirname "$0")/lib.sh"
setup 2000
for i in $(seq 1 2000); do
  printf '{"action":"book","session":"big","class":"c%d","pupils":%d}\n' "$i" $((1 + i % 25))
done >"$work/commands.jsonl"
"$ctl" submit --json "$work/commands.jsonl" >"$work/submitted" || fail "submit"

start_worker a --batch-size 20 --linger-ms 5
deadline=$((SECONDS + 120))
until [ "$(sql "SELECT count(*) > 200 FROM commands")" = t ]; do
  [ $SECONDS -lt $deadline ] || fail "worker made no progress"
  sleep 0.05
done
kill -9 "$pid_a"
wait "$pid_a" 2>/dev/null || true
before=$(sql "SELECT count(*) FROM commands")
[ "$before" -lt 2000 ] || fail "the worker finished before it was killed; nothing was tested"
echo "killed after $before decisions"

start_worker b --batch-size 100
wait_until 180 "SELECT count(*) FROM commands" 2000
[ "$(sql "SELECT count(*) FROM bookings")" = 2000 ] || fail "bookings is not 2000"
[ "$(sql "SELECT count(DISTINCT command_id) FROM bookings")" = 2000 ] || fail "a command booked twice"
[ "$(sql "SELECT pupils_booked = (SELECT sum(pupils) FROM bookings) FROM sessions WHERE id = 'big'")" = t ] ||
  fail "session counter does not match the bookings"
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events"
$py "$here/events.py" decisions "$work/events" 2000 || fail "decisions on the topic"
echo "PASS $test_name"
