#!/usr/bin/env bash
# A provider cancels a session while 50 classes book it through two
# workers: afterwards no booking holds the cancelled session, its counters
# are zero, every command is decided exactly once, and each class either
# was refused (session_cancelled) or was booked and then cancelled by the
# provider's command, with a decision for each.
. "$(dirname "$0")/lib.sh"
setup 50 4
start_worker a --batch-size 3 --linger-ms 2
start_worker b --batch-size 4 --linger-ms 2
wait_assigned a b
for i in $(seq 1 50); do
  printf '{"action":"book","session":"big","class":"c%d","pupils":20,"key":"%d-%d"}\n' "$i" "$RANDOM" "$i"
done >"$work/books.jsonl"

# 20 bookings, the cancellation as soon as the first is decided, 20 more at
# once: both workers are deciding bookings of the session while the
# provider's command is in flight. The last 10 come after it was applied.
head -20 "$work/books.jsonl" | "$ctl" submit --json - >"$work/submitted" || fail "submit"
wait_until 60 "SELECT count(*) > 0 FROM commands" t
cx=$(submit_catalog '{"action":"cancel_session","session":"big","message":"Lukket","actor":"provider_staff:p1"}')
sed -n 21,40p "$work/books.jsonl" | "$ctl" submit --json - >>"$work/submitted" || fail "submit"
decided "$cx" applied
tail -10 "$work/books.jsonl" | "$ctl" submit --json - >>"$work/submitted" || fail "submit"
wait_until 120 "SELECT count(*) FROM commands" 51

[ "$(sql "SELECT count(*) FROM bookings WHERE session_id = 'big' AND status = 'confirmed'")" = 0 ] ||
  fail "a booking holds the cancelled session"
[ "$(sql "SELECT pupils_booked || '/' || classes_booked FROM sessions WHERE id = 'big'")" = 0/0 ] ||
  fail "counters: $(sql "SELECT pupils_booked, classes_booked FROM sessions WHERE id = 'big'")"
booked=$(sql "SELECT count(*) FROM commands WHERE kind = 'book' AND status = 'confirmed'")
refused=$(sql "SELECT count(*) FROM commands WHERE kind = 'book' AND status = 'rejected' AND reasons = 'session_cancelled'")
[ $((booked + refused)) = 50 ] || fail "books: $booked confirmed, $refused refused, of 50"
[ "$booked" -gt 0 ] && [ "$refused" -gt 0 ] || fail "no race: $booked booked before, $refused after"
[ "$(sql "SELECT count(*) FROM command_bookings WHERE command_id = '$cx' AND status = 'cancelled'")" = "$booked" ] ||
  fail "the cancel settled $(sql "SELECT count(*) FROM command_bookings WHERE command_id = '$cx'") of $booked bookings"
[ "$(sql "SELECT count(*) FROM bookings WHERE session_id = 'big'")" = "$booked" ] || fail "bookings: not one per confirmed command"
# Both workers decided some.
[ "$(sql "SELECT count(DISTINCT source_partition) FROM commands WHERE kind = 'book'")" -gt 1 ] ||
  fail "all bookings came from one partition"
cut -d'"' -f4 "$work/submitted" | sort >"$work/ids"
sql "SELECT command_id FROM commands WHERE kind = 'book' ORDER BY 1" | sort >"$work/decided"
cmp -s "$work/ids" "$work/decided" || fail "decided ids differ from submitted ids"

# On the topics: one decision per book command, and one CANCELLED per
# booking under the cancel's id; one CatalogDecision.
published
watch_all "$work/events" $((50 + booked + booked + booked + 1))
"$py" - "$work/events" "$cx" "$booked" <<'PY' || fail "the events"
import collections, json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cx, booked = sys.argv[2], int(sys.argv[3])
dec = [e for e in ev if e.get("type") == "decision"]
per = collections.Counter(e["command_id"] for e in dec if e["command_id"] != cx)
assert len(per) == 50 and set(per.values()) == {1}, per
mine = [e for e in dec if e["command_id"] == cx]
assert len(mine) == booked and all(e["status"] == "cancelled" for e in mine), mine
assert len({e["booking_id"] for e in mine}) == booked
cat = [e for e in ev if e.get("type") == "catalog_decision"]
assert len(cat) == 1 and cat[0]["status"] == "applied" and cat[0].get("bookings_cancelled", 0) == booked, cat
PY
echo "PASS $test_name"
