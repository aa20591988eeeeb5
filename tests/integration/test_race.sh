#!/usr/bin/env bash
# 300 requests of 25 pupils for one session of 100 pupil and 10 class
# places, random keys over 6 partitions, three workers at once: exactly 4
# confirmed, every command decided exactly once.
. "$(dirname "$0")/lib.sh"
setup 300
for i in $(seq 1 300); do
  printf '{"action":"book","session":"race","class":"c%d","pupils":25,"key":"%d-%d"}\n' "$i" "$RANDOM" "$i"
done >"$work/commands.jsonl"

# Small batches so the workers really interleave. All three must hold
# partitions before the commands arrive, or one worker could take them all.
start_worker a --batch-size 7 --linger-ms 5
start_worker b --batch-size 11 --linger-ms 5
start_worker c --batch-size 5 --linger-ms 5
wait_assigned a b c
"$ctl" submit --json "$work/commands.jsonl" >"$work/submitted" || fail "submit"
[ "$(wc -l <"$work/submitted")" = 300 ] || fail "not all 300 submitted"
[ "$(grep -o '"partition":[0-9]*' "$work/submitted" | sort -u | wc -l)" -gt 1 ] || fail "all on one partition"
wait_until 180 "SELECT count(*) FROM commands" 300

[ "$(sql "SELECT count(*) FROM commands WHERE status = 'confirmed'")" = 4 ] || fail "confirmed is not 4"
[ "$(sql "SELECT count(*) FROM commands WHERE status = 'rejected'")" = 296 ] || fail "rejected is not 296"
[ "$(sql "SELECT count(*) FROM bookings WHERE status = 'confirmed'")" = 4 ] || fail "bookings is not 4"
[ "$(sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'race'")" = "100/4" ] ||
  fail "session counters wrong"
[ "$(sql "SELECT count(*) FROM commands WHERE status = 'rejected' AND reasons <> 'no_pupil_places'")" = 0 ] ||
  fail "a rejection with an unexpected reason"
# Every submitted id decided, and by more than one worker.
cut -d'"' -f4 "$work/submitted" | sort >"$work/ids"
sql "SELECT command_id FROM commands ORDER BY 1" | sort >"$work/decided"
cmp -s "$work/ids" "$work/decided" || fail "decided ids differ from submitted ids"
[ "$(sql "SELECT count(DISTINCT source_partition) FROM commands")" -gt 2 ] ||
  fail "commands came from too few partitions to involve several workers"
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
watch_all "$work/events" 304
$py "$here/events.py" decisions "$work/events" 300 || fail "decisions on the topic"
echo "PASS $test_name"
