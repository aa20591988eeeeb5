#!/usr/bin/env bash
# Dead letters an operator can act on: garbage lands on the dead-letter
# topic, `dlq list` shows it, `dlq replay` puts it back (and it is
# dead-lettered again, a second letter); a second replay needs --force; a
# valid command put on the dead-letter topic by hand replays into a
# decision, and replaying it again books nothing twice.
. "$(dirname "$0")/lib.sh"
setup 10
start_worker a
wait_assigned a

printf '\xff\xfe not a command \x00' | kcat -b "$RUMBOOK_BROKERS" -P -t "$RUMBOOK_TOPIC_COMMANDS" -k junk ||
  fail "kcat produce"
wait_until 60 "SELECT count(*) FROM outbox WHERE topic = '$RUMBOOK_TOPIC_DLQ' AND sent_at IS NOT NULL" 1
"$ctl" dlq list >"$work/list" || fail "dlq list"
[ "$(wc -l <"$work/list")" = 1 ] || fail "dlq list: $(cat "$work/list")"
grep -q 'payload is not a rumbook.v1.BookingCommand' "$work/list" || fail "no cause: $(cat "$work/list")"
grep -q "from=$RUMBOOK_TOPIC_COMMANDS/" "$work/list" || fail "no source: $(cat "$work/list")"
first=$(cut -d' ' -f1 "$work/list")
"$ctl" dlq show "$first" >"$work/show" || fail "dlq show"
grep -q '"rumbook-dlq-cause":"payload is not a rumbook.v1.BookingCommand"' "$work/show" ||
  fail "show lacks the headers: $(cat "$work/show")"
grep -q '"command":null,"decode_error":' "$work/show" || fail "show decoded garbage"

# Replayed as it is: dead-lettered again, as a second letter.
"$ctl" dlq replay "$first" --by "ops-anna" >"$work/replay" || fail "dlq replay"
grep -q "\"replayed_to\":{\"topic\":\"$RUMBOOK_TOPIC_COMMANDS\"" "$work/replay" || fail "replay said: $(cat "$work/replay")"
wait_until 60 "SELECT count(*) FROM outbox WHERE topic = '$RUMBOOK_TOPIC_DLQ' AND sent_at IS NOT NULL" 2
"$ctl" dlq list --json >"$work/list2" || fail "dlq list --json"
[ "$(wc -l <"$work/list2")" = 2 ] || fail "not two letters: $(cat "$work/list2")"
grep -q "\"id\":\"$first\".*\"replays\":1}" "$work/list2" || fail "first letter's replay not recorded"
[ "$(sql "SELECT replayed_by FROM dlq_replays")" = ops-anna ] || fail "who replayed not recorded"
"$ctl" dlq replay "$first" 2>"$work/again" && fail "a second replay went through without --force"
grep -q "was replayed 1 times, last at .* by ops-anna; --force replays it again" "$work/again" ||
  fail "unclear refusal: $(cat "$work/again")"
"$ctl" dlq replay "$first" --force >/dev/null || fail "a forced replay"
[ "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE forced) FROM dlq_replays")" = "2 1" ] ||
  fail "forced replay not recorded"

# A valid command put on the dead-letter topic by hand replays into a decision.
out=$("$ctl" submit book --session race --class c1 --pupils 20 --topic-commands "$RUMBOOK_TOPIC_DLQ") ||
  fail "produce a command to the dead-letter topic"
cid=$(echo "$out" | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p')
letter=$(echo "$out" | sed -n 's/.*"partition":\([0-9]*\),"offset":\([0-9]*\).*/\1:\2/p')
"$ctl" dlq show "$letter" | grep -q "\"command\":{\"command_id\":\"$cid\",\"kind\":\"book\"" ||
  fail "show did not decode the command"
"$ctl" dlq replay "$letter" >/dev/null || fail "replay the valid command"
decided "$cid" confirmed
"$ctl" dlq replay "$letter" --force >/dev/null || fail "replay it again"
sleep 2
[ "$(sql "SELECT count(*) FROM bookings WHERE command_id = '$cid'")" = 1 ] || fail "booked twice"
[ "$(sql "SELECT count(*) FROM commands WHERE command_id = '$cid'")" = 1 ] || fail "decided twice"
"$ctl" dlq show 0:999999 2>"$work/err" && fail "showed a letter that does not exist"
grep -q 'no letter 0:999999' "$work/err" || fail "unclear: $(cat "$work/err")"
echo "PASS $test_name: garbage listed, replayed and dead-lettered again, replays recorded and" \
  "forced; a valid letter replayed into one booking, twice replayed, still one"
