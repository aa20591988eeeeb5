#!/usr/bin/env bash
# The relay publishes the outbox in the order it was written, also where
# the numbers cross a power of ten (it once sorted them as text, "100"
# before "97"): a booking's REQUEST and CANCEL, written while no relay ran
# as events 98 and 100 of batches 9 and 10, reach the invitations topic in
# that order, so the school's calendar ends with the booking cancelled.
. "$(dirname "$0")/lib.sh"
setup 10
sql "SELECT setval('outbox_id_seq', 96), setval('outbox_batches_id_seq', 8)" >/dev/null
start_worker a --no-relay
wait_assigned a

cid=$(submit_one book --session race --class c1 --pupils 22 --offering o1)
decided "$cid" confirmed
bid=$(sql "SELECT id FROM bookings WHERE command_id = '$cid'")
cancel=$(submit_one cancel --booking "$bid" --offering o1)
decided "$cancel" cancelled
[ "$(sql "SELECT string_agg(batch_id || '/' || id || ':' || message_type, ' ' ORDER BY id) FROM outbox
  WHERE topic = '$RUMBOOK_TOPIC_INVITATIONS' AND sent_at IS NULL")" = "9/98:rumbook.v1.Invitation 10/100:rumbook.v1.Invitation" ] ||
  fail "the invitations are not rows 98 and 100: $(sql "SELECT string_agg(id || ':' || topic, ' ') FROM outbox")"

start_worker b
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
watch_all "$work/events" 4
methods=$(grep "\"booking_id\":\"$bid\"" "$work/events" | grep -o '"method":"[A-Z]*"' | tr -d '"' |
  tr '\n' ' ')
[ "$methods" = "method:REQUEST method:CANCEL " ] || fail "invitations in the wrong order: $methods"
echo "PASS $test_name"
