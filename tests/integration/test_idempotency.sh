#!/usr/bin/env bash
# The same command produced twice (different keys, so possibly different
# partitions) makes one booking and one decision.
. "$(dirname "$0")/lib.sh"
setup 10
start_worker a

cid=11111111-2222-4333-8444-555555555555
"$ctl" submit book --command-id "$cid" --session race --class c2 --pupils 20 --key k1 >/dev/null || fail "submit 1"
"$ctl" submit book --command-id "$cid" --session race --class c2 --pupils 20 --key k2 >/dev/null || fail "submit 2"
# A third copy after the first was surely decided.
wait_until 60 "SELECT count(*) FROM commands WHERE command_id = '$cid'" 1
"$ctl" submit book --command-id "$cid" --session race --class c2 --pupils 20 --key k3 >/dev/null || fail "submit 3"
wait_until 60 "SELECT sum(next_offset) FROM consumer_offsets" 3

[ "$(sql "SELECT count(*) FROM bookings WHERE command_id = '$cid'")" = 1 ] || fail "more than one booking"
[ "$(sql "SELECT count(*) FROM commands")" = 1 ] || fail "more than one decision row"
[ "$(sql "SELECT pupils_booked FROM sessions WHERE id = 'race'")" = 20 ] || fail "places taken twice"
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
watch_all "$work/events" 2
$py "$here/events.py" decisions "$work/events" 1 || fail "decisions on the topic"
[ "$(grep -c "\"command_id\":\"$cid\".*\"status\":\"confirmed\"" "$work/events")" = 1 ] || fail "decision not confirmed once"
echo "PASS $test_name"
