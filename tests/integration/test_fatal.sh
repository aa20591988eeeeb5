#!/usr/bin/env bash
# An error no retry can mend and no single command causes (here: a table the
# workers write is missing, as when migrations were not applied) stops the
# worker with exit 1 and a fatal log line, instead of rejecting every
# command as internal_error or retrying forever. Nothing is decided meanwhile;
# once the schema is mended, a new worker decides every command once.
. "$(dirname "$0")/lib.sh"
setup 10

sql "ALTER TABLE outbox_events RENAME TO outbox_events_away" >/dev/null
start_worker a
wait_assigned a
for i in 1 2 3; do
  submit_one book --session race --class "c$i" --pupils 20 --offering o1 >/dev/null
done
deadline=$((SECONDS + 30))
while kill -0 "$pid_a" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "worker still running 30 s after a fatal error"
  sleep 0.2
done
rc=0
wait "$pid_a" || rc=$?
[ "$rc" = 1 ] || fail "worker exited $rc, not 1"
grep -q 'fatal: batch not committed, stopping: database error: .*sqlstate=42P01' \
  "$work/worker-a.log" || fail "no fatal line naming the cause"
[ "$(sql "SELECT count(*) FROM commands")" = 0 ] || fail "commands were decided meanwhile"

sql "ALTER TABLE outbox_events_away RENAME TO outbox_events" >/dev/null
start_worker b
wait_until 60 "SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'confirmed') FROM commands" "3 3"
echo "PASS $test_name: worker stopped with exit 1 on sqlstate 42P01; 3 commands decided once after the fix"
