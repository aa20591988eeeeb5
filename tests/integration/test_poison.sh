#!/usr/bin/env bash
# Garbage bytes and an invalid command among valid ones: the valid ones are
# decided, the garbage goes to the dead-letter topic with its cause, the
# invalid one is rejected with a reason, and the worker goes on.
. "$(dirname "$0")/lib.sh"
setup 10
start_worker a

"$ctl" submit book --session race --class c1 --pupils 10 --key same >/dev/null || fail "submit valid 1"
printf '\xff\xfe not protobuf \x00\x01' | kcat -b "$RUMBOOK_BROKERS" -P -t "$RUMBOOK_TOPIC_COMMANDS" -k same ||
  fail "kcat produce"
bad=$("$ctl" submit book --session race --class c2 --pupils 0 --key same) || fail "submit invalid"
bad_id=$(echo "$bad" | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p')
"$ctl" submit book --session race --class c3 --pupils 10 --key same >/dev/null || fail "submit valid 2"

wait_until 60 "SELECT count(*) FROM commands" 3
[ "$(sql "SELECT count(*) FROM commands WHERE status = 'confirmed'")" = 2 ] || fail "valid commands not confirmed"
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$bad_id'")" = invalid_field ] ||
  fail "invalid command not rejected with invalid_field"
[ "$(sql "SELECT count(*) FROM outbox WHERE topic = '$RUMBOOK_TOPIC_DLQ'")" = 1 ] || fail "no dead letter row"
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0

kcat -b "$RUMBOOK_BROKERS" -C -t "$RUMBOOK_TOPIC_DLQ" -e -q -f '%h|%s\n' >"$work/dlq" || fail "kcat consume"
grep -q 'rumbook-dlq-cause=payload is not a rumbook.v1.BookingCommand' "$work/dlq" || fail "cause header missing: $(cat "$work/dlq")"
grep -q "rumbook-dlq-topic=$RUMBOOK_TOPIC_COMMANDS" "$work/dlq" || fail "source topic header missing"
grep -q 'rumbook-dlq-offset=1' "$work/dlq" || fail "source offset header missing"
grep -q 'not protobuf' "$work/dlq" || fail "original bytes not kept"
watch_all "$work/events" 6
grep -q "\"command_id\":\"$bad_id\".*\"status\":\"rejected\".*book.pupils must be" "$work/events" ||
  fail "rejection with its reason not on the decisions topic"
kill -0 "$pid_a" || fail "the worker died"
echo "PASS $test_name"
