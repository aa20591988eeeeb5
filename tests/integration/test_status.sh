#!/usr/bin/env bash
# One screen for staff: two workers' heartbeats on the status topic
# (watch --status), `rumbookctl status` with live workers, every partition
# owned, the backlog, dead letters by cause and waiting classes, verdict ok
# and exit 0; then the relay holder killed while the other runs without a
# relay: status says so and exits 1; a new worker with a relay: ok again.
. "$(dirname "$0")/lib.sh"
setup 10
start_worker a --instance-id sa
start_worker b --instance-id sb --no-relay
wait_assigned a b

for i in $(seq 1 60); do
  printf '{"action":"book","session":"big","class":"c%d","pupils":1,"key":"k%d"}\n' $((i % 10 + 1)) "$i"
done >"$work/commands.jsonl"
"$ctl" submit --json "$work/commands.jsonl" >/dev/null || fail "submit"
wait_until 60 "SELECT count(*) FROM commands" 60
printf '\xff junk' | kcat -b "$RUMBOOK_BROKERS" -P -t "$RUMBOOK_TOPIC_COMMANDS" -k junk || fail "kcat"
wait_until 60 "SELECT count(*) FROM outbox WHERE topic = '$RUMBOOK_TOPIC_DLQ' AND sent_at IS NOT NULL" 1
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
"$ctl" watch --status --from-beginning --count 4 --timeout-ms 15000 >"$work/heartbeats" ||
  fail "watch --status"
grep -q '"worker_id":"sa".*"relay_active":true' "$work/heartbeats" || fail "no heartbeat of sa: $(cat "$work/heartbeats")"
grep -q '"worker_id":"sb"' "$work/heartbeats" || fail "no heartbeat of sb"

# status_until SECONDS EXIT TEXT: runs status until it exits EXIT saying TEXT.
status_until() {
  local deadline=$((SECONDS + $1)) rc
  while :; do
    rc=0
    "$ctl" status >"$work/status" 2>&1 || rc=$?
    [ "$rc" = "$2" ] && grep -q -- "$3" "$work/status" && return 0
    [ $SECONDS -lt $deadline ] || fail "status exited $rc, wanted $2 with [$3]: $(cat "$work/status")"
    sleep 0.5
  done
}
status_until 30 0 'verdict   ok'
grep -q '^worker    sa .*live.*relay=yes' "$work/status" || fail "sa not live: $(cat "$work/status")"
grep -q '^worker    sb .*live.*relay=no' "$work/status" || fail "sb not live"
[ "$(grep -c '^partition .* owner=s[ab]' "$work/status")" = 6 ] || fail "not every partition owned"
grep -q 'dead letters (24 h) 1  payload is not a rumbook.v1.BookingCommand' "$work/status" ||
  fail "dead letters by cause: $(cat "$work/status")"
"$ctl" status --json >"$work/status.json" || fail "status --json"
$py -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["ok"] and len(d["partitions"]) == 6 and d["outbox"]["unsent"] == 0, d' \
  "$work/status.json" || fail "status --json: $(cat "$work/status.json")"
# Kafka's committed offsets agree with PostgreSQL's on every partition the
# run used (61 messages: the bookings and the junk).
$py -c 'import json, sys
d = json.load(open(sys.argv[1]))
used = [p for p in d["partitions"] if p["stored_offset"] > 0]
assert len(used) >= 4, used
assert all(p["committed_offset"] == p["stored_offset"] for p in d["partitions"]), d["partitions"]
assert sum(p["stored_offset"] for p in used) == 61, used' "$work/status.json" ||
  fail "Kafka and PostgreSQL offsets differ: $(cat "$work/status.json")"

kill -9 "$pid_a"
status_until 40 1 'verdict   no live worker holds the relay$'
grep -q '^worker    sa .*silent' "$work/status" || fail "sa not silent: $(cat "$work/status")"
start_worker c --instance-id sc
status_until 60 0 'verdict   ok'
echo "PASS $test_name: heartbeats of both workers; status ok with 6 partitions owned; after the" \
  "relay holder's death it said so and exited 1; ok again once a new worker took over"
