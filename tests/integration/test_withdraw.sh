#!/usr/bin/env bash
# A teacher leaves a waiting list: the withdraw decision says CANCELLED,
# the waiting command gets its final REJECTED (withdrawn), and when a
# place comes free the class behind it is confirmed, not the one that left.
# Another school may not withdraw it; what is not waiting cannot be.
. "$(dirname "$0")/lib.sh"
setup 5 2
sql "UPDATE sessions SET class_capacity = 1 WHERE id = 'race'"
start_worker a
wait_assigned a

c1=$(submit_one book --session race --class c1 --pupils 20)
decided "$c1" confirmed
w2=$(submit_one book --session race --class c2 --pupils 20 --wait)
decided "$w2" waitlisted
w3=$(submit_one book --session race --class c3 --pupils 20 --wait)
decided "$w3" waitlisted

x0=$(submit_one withdraw --waiting "$w2" --actor teacher:s9)
decided "$x0" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$x0'")" = not_authorized ] ||
  fail "another school withdrew the place"
x1=$(submit_one withdraw --waiting 00000000-0000-4000-8000-00000000abcd)
decided "$x1" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$x1'")" = not_waiting ] ||
  fail "withdrawing nothing: $(sql "SELECT reasons FROM commands WHERE command_id = '$x1'")"
x2=$(submit_one withdraw --waiting "$w2" --actor teacher:s1)
decided "$x2" cancelled
decided "$w2" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$w2'")" = withdrawn ] ||
  fail "the waiting command's last word: $(sql "SELECT reasons FROM commands WHERE command_id = '$w2'")"
[ "$(sql "SELECT status FROM waitlist WHERE command_id = '$w2'")" = withdrawn ] || fail "the entry is not withdrawn"
x3=$(submit_one withdraw --waiting "$w2")
decided "$x3" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$x3'")" = not_waiting ] || fail "withdrawn twice"

# A place comes free: c3, now first, takes it.
bid=$(sql "SELECT booking_id FROM commands WHERE command_id = '$c1'")
submit_one cancel --booking "$bid" >/dev/null
decided "$w3" confirmed
[ "$(sql "SELECT count(*) FROM bookings WHERE class_id = 'c2'")" = 0 ] || fail "the class that left was booked"

# On the topic: the withdraw names the entry's session and class; the
# waiting command's final decision follows it.
published
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events" || true
"$py" - "$work/events" "$x2" "$w2" <<'PY' || fail "the decisions on the topic"
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1]) if '"decision"' in l]
x = [d for d in ds if d["command_id"] == sys.argv[2]]
w = [d for d in ds if d["command_id"] == sys.argv[3]]
assert len(x) == 1 and x[0]["status"] == "cancelled", x
assert x[0].get("session_id") == "race" and x[0].get("class_id") == "c2", x
assert [d["status"] for d in w] == ["waitlisted", "rejected"], w
assert w[1]["reasons"][0]["code"] == "withdrawn", w
PY
echo "PASS $test_name"
