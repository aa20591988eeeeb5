#!/usr/bin/env bash
# An allocation round from creation to draw, through Kafka and PostgreSQL:
#  - staff create it through the catalogue; its seed's hash is public, the
#    seed is not; booking its sessions is refused (allocation_pending);
#  - wishes: RECEIVED at once; one for a session outside the round, for a
#    class of another school, outside the window: refused with a reason; a
#    second wish replaces the first (wish_replaced); a withdrawn wish takes
#    no place;
#  - the draw when the window closes: every wish one final decision, each
#    placement within capacity and every rule (the database's constraints
#    agree), the waiting class waitlisted, the seed revealed, and
#    `allocation replay` recomputes the same order;
#  - a worker killed during the draw: the round is drawn exactly once by
#    the next.
. "$(dirname "$0")/lib.sh"

# o1: three sessions of one class place each. School s1 has 10 classes,
# s2 one; all in Aarhus.
classes() {
  local i
  for i in $(seq 1 10); do
    printf '{"id":"a%d","school":"s1","name":"%d.A","grade":5,"size":25,"teacher_email":"a%d@s1.example"},' "$i" "$i" "$i"
  done
  printf '{"id":"b1","school":"s2","name":"5.B","grade":5,"size":25,"teacher_email":"b1@s2.example"}'
}
cat >"$work/catalog.json" <<EOF
{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example","municipality":"Aarhus"}],
 "venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.15,"lon":10.2}],
 "offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Skovbunden","duration_min":120},
              {"id":"o2","provider":"p1","venue":"v1","title":"Vandløb","duration_min":120}],
 "sessions":[
  {"id":"r1","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":100,"class_capacity":1},
  {"id":"r2","offering":"o1","starts_at":"2027-04-13T09:00:00+02:00","ends_at":"2027-04-13T11:00:00+02:00","pupil_capacity":100,"class_capacity":1},
  {"id":"r3","offering":"o1","starts_at":"2027-04-20T09:00:00+02:00","ends_at":"2027-04-20T11:00:00+02:00","pupil_capacity":100,"class_capacity":1},
  {"id":"x1","offering":"o2","starts_at":"2027-04-07T09:00:00+02:00","ends_at":"2027-04-07T11:00:00+02:00","pupil_capacity":100,"class_capacity":5}],
 "schools":[{"id":"s1","name":"Storskolen","municipality":"Aarhus","lat":56.17,"lon":10.19},
            {"id":"s2","name":"Lilleskolen","municipality":"Aarhus","lat":56.16,"lon":10.18}],
 "classes":[$(classes)]}
EOF
setup_catalog "$work/catalog.json" 3
export RUMBOOK_ACTOR=municipality_admin:Aarhus
start_worker a
wait_assigned a

iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S+00:00; }
cr=$("$ctl" allocation create --id spring --name "Forår 2027" --opens "$(iso '-1 minute')" \
  --closes "$(iso '+18 seconds')" --offerings o1 --max-wishes 3 | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p')
decided "$cr" applied
"$ctl" allocation list | grep -q '^spring open ' || fail "list: $("$ctl" allocation list)"
"$ctl" allocation show spring >"$work/show0"
grep -q "^seed_sha256 [0-9a-f]\{64\}$" "$work/show0" && grep -q "^seed: revealed with the draw" "$work/show0" ||
  fail "show before the draw: $(cat "$work/show0")"

# Booking a round's session waits for the draw; another offering's does not.
k1=$(submit_one book --session r1 --class a1 --pupils 20)
k2=$(submit_one book --session x1 --class a2 --pupils 20)
decided "$k1" rejected
decided "$k2" confirmed
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$k1'")" = allocation_pending ] || fail "booked a round's session"

# Wishes. a1..a10 and b1 all want r1 first (a1..a9 then r2, r3); a9 replaces its wish; a10
# withdraws; b1 asks to wait.
declare -A wish
for i in $(seq 1 8); do
  wish[a$i]=$(submit_one wish --round spring --class a$i --sessions r1,r2,r3 --pupils 20 --actor teacher:s1 \
    --email "lærer.a$i@s1.example" --note "Klasse a$i")
done
w9old=$(submit_one wish --round spring --class a9 --sessions r3 --pupils 20 --actor teacher:s1)
decided "$w9old" received
wish[a9]=$(submit_one wish --round spring --class a9 --sessions r1,r2,r3 --pupils 20 --actor teacher:s1)
wish[a10]=$(submit_one wish --round spring --class a10 --sessions r1 --pupils 20 --actor teacher:s1)
wish[b1]=$(submit_one wish --round spring --class b1 --sessions r1 --pupils 20 --wait --actor teacher:s2)
for c in "${wish[@]}"; do decided "$c" received; done
decided "$w9old" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$w9old'")" = wish_replaced ] || fail "replaced wish"
wd=$(submit_one withdraw --waiting "${wish[a10]}" --actor teacher:s1)
decided "$wd" cancelled
decided "${wish[a10]}" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '${wish[a10]}'")" = withdrawn ] || fail "withdrawn wish"
# Refused: a session outside the round, another school's class, too many.
n1=$(submit_one wish --round spring --class a1 --sessions x1 --pupils 20 --actor teacher:s1)
n2=$(submit_one wish --round spring --class a1 --sessions r1 --pupils 20 --actor teacher:s2)
n3=$(submit_one wish --round autumn --class a1 --sessions r1 --pupils 20 --actor teacher:s1)
n4=$(submit_one wish --round spring --class a1 --sessions r1,r2,r3,x1 --pupils 20 --actor teacher:s1)
for c in $n1 $n2 $n3 $n4; do decided "$c" rejected; done
[ "$(sql "SELECT string_agg(reasons, ',' ORDER BY decided_at, command_id) FROM commands WHERE command_id IN ('$n1','$n2','$n3','$n4')" | tr ',' '\n' | sort | tr '\n' ' ')" = \
  "not_authorized not_in_round too_many_wishes not_in_round unknown_round " ] ||
  fail "refused wishes: $(sql "SELECT command_id, reasons FROM commands WHERE command_id IN ('$n1','$n2','$n3','$n4')")"

# The window closes; the worker draws within a few seconds after.
wait_until 90 "SELECT status FROM allocation_rounds WHERE id = 'spring'" allocated
for c in "${wish[@]}"; do
  [ "$(sql "SELECT status FROM commands WHERE command_id = '$c'")" != received ] || fail "wish $c not decided"
done
# Three places (r1, r2, r3), one class each: three confirmed, b1 waits for
# r1, the others rejected; a10 (withdrawn) took none.
[ "$(sql "SELECT count(*) FROM bookings WHERE session_id IN ('r1', 'r2', 'r3') AND status = 'confirmed'")" = 3 ] ||
  fail "placements: $(sql "SELECT session_id, class_id FROM bookings")"
[ "$(sql "SELECT count(*) FROM bookings WHERE class_id = 'a10'")" = 0 ] || fail "the withdrawn wish took a place"
[ "$(sql "SELECT string_agg(pupils_booked || '/' || classes_booked, ' ' ORDER BY id) FROM sessions WHERE id LIKE 'r%'")" = "20/1 20/1 20/1" ] ||
  fail "counters: $(sql "SELECT id, pupils_booked, classes_booked FROM sessions")"
b1=$(sql "SELECT status FROM commands WHERE command_id = '${wish[b1]}'")
case "$b1" in
confirmed) ;;
waitlisted) [ "$(sql "SELECT session_id FROM waitlist WHERE command_id = '${wish[b1]}'")" = r1 ] || fail "b1 waits elsewhere" ;;
*) fail "b1 is $b1" ;;
esac
[ "$(sql "SELECT count(*) FROM commands WHERE command_id IN ($(printf "'%s'," "${wish[@]}" | sed 's/,$//')) AND status = 'confirmed'")" = 3 ] ||
  fail "confirmed wishes"
# Every wish that was drawn has one result per pass, in the drawn order,
# and the rejected ones say why each choice failed.
[ "$(sql "SELECT count(*) FROM allocation_results WHERE round_id = 'spring'")" = 10 ] ||
  fail "results: $(sql "SELECT count(*) FROM allocation_results")"
[ "$(sql "SELECT count(*) FROM allocation_results WHERE outcome = 'rejected' AND reasons NOT LIKE '%no_class_places%'")" = 0 ] ||
  fail "a rejection for another reason: $(sql "SELECT class_id, reasons FROM allocation_results WHERE outcome = 'rejected'")"
# The window has closed: a wish now is refused.
late=$(submit_one wish --round spring --class a10 --sessions r1 --pupils 20 --actor teacher:s1)
decided "$late" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$late'")" = round_closed ] ||
  fail "a late wish: $(sql "SELECT reasons FROM commands WHERE command_id = '$late'")"
# Now the leftovers are first come, first served: x1 too, r-sessions full.
k3=$(submit_one book --session r2 --class a7 --pupils 20)
decided "$k3" rejected
[ "$(sql "SELECT reasons FROM commands WHERE command_id = '$k3'")" != allocation_pending ] || fail "still pending after the draw"

"$ctl" allocation show spring >"$work/show"
grep -q "^seed [0-9a-f]\{64\}$" "$work/show" || fail "the seed was not revealed: $(cat "$work/show")"
"$ctl" allocation replay spring >"$work/replay" || fail "replay differs: $(cat "$work/replay")"
grep -q "the same order" "$work/replay" || fail "replay: $(cat "$work/replay")"
"$py" - "$work/show" <<'PY' || fail "the seed does not hash to what was published"
import hashlib, sys
lines = open(sys.argv[1]).read().split("\n")
published = [l.split()[1] for l in lines if l.startswith("seed_sha256 ")][0]
seed = [l.split()[1] for l in lines if l.startswith("seed ")][0]
assert hashlib.sha256(bytes.fromhex(seed)).hexdigest() == published
# the order, as docs/allocation.md tells a school to check it: classes of
# a school by sha256(seed || class id); in turn r the schools by
# sha256(seed || school id || "/" || r)
def h(text):
    return hashlib.sha256(bytes.fromhex(seed) + text.encode()).hexdigest()
order = [l.split() for l in lines if l[:1].isdigit() and l.split()[1] == "1"]
assert all(h(r[2]) == r[8] for r in order), "keys"
rank, turns = {}, []
for school in {r[3] for r in order}:
    mine = sorted((r for r in order if r[3] == school), key=lambda r: h(r[2]))
    for i, r in enumerate(mine):
        turns.append((i, h(f"{school}/{i}"), r[2]))
assert [t[2] for t in sorted(turns)] == [r[2] for r in order], (sorted(turns), order)
PY

# A teacher's right to erasure reaches their wishes.
[ "$(sql "SELECT count(*) FROM wishes WHERE actor_email = 'lærer.a1@s1.example' AND note = 'Klasse a1'")" = 1 ] ||
  fail "the wish lost its actor"
"$ctl" privacy erase --email 'LÆRER.a1@s1.example' >/dev/null || fail "privacy erase"
[ "$(sql "SELECT actor_email || note FROM wishes WHERE class_id = 'a1'")" = "" ] || fail "the wish kept the address"

# --- killed during the draw ------------------------------------------------
# A second round; its draw is held at its last write by a lock, the worker
# killed there, the lock released, a new worker started.
cr2=$("$ctl" allocation create --id autumn --name "Efterår" --opens "$(iso '-1 minute')" \
  --closes "$(iso '+8 seconds')" --offerings o2 | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p')
decided "$cr2" applied
sql "INSERT INTO sessions (id, offering_id, starts_at, ends_at, pupil_capacity, class_capacity)
     VALUES ('x2', 'o2', '2027-04-28 09:00+02', '2027-04-28 11:00+02', 100, 2),
            ('x3', 'o2', '2027-05-05 09:00+02', '2027-05-05 11:00+02', 100, 2)"
for i in 3 4 5 6; do
  wish[k$i]=$(submit_one wish --round autumn --class a$i --sessions x2 --pupils 20 --actor teacher:s1)
  decided "${wish[k$i]}" received
done
# a7 may get two of its three: x1 in the first pass, x3 in the second.
wish[k7]=$(submit_one wish --round autumn --class a7 --sessions x1,x2,x3 --wants 2 --pupils 20 --actor teacher:s1)
decided "${wish[k7]}" received
coproc LOCKER { psql "$RUMBOOK_DSN" -qAtX; }
echo "BEGIN; LOCK TABLE allocation_results IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&"${LOCKER[1]}"
read -r -t 10 line <&"${LOCKER[0]}" && [ "$line" = locked ] || fail "could not hold the lock"
wait_until 60 "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO allocation_results%'" 1
kill -9 "${worker_pids[0]}"
echo "ROLLBACK;" >&"${LOCKER[1]}"
eval "exec ${LOCKER[1]}>&-"
[ "$(sql "SELECT status FROM allocation_rounds WHERE id = 'autumn'")" = open ] || fail "a killed draw left its mark"
mport=$((25000 + RANDOM % 2000))
start_worker b --metrics-listen "127.0.0.1:$mport"
wait_until 60 "SELECT status FROM allocation_rounds WHERE id = 'autumn'" allocated
[ "$(sql "SELECT count(*) FROM allocation_results WHERE round_id = 'autumn'")" = 6 ] ||
  fail "autumn drawn more than once: $(sql "SELECT pass, class_id, outcome FROM allocation_results WHERE round_id = 'autumn'")"
[ "$(sql "SELECT string_agg(pass || ':' || session_id || ':' || choice, ' ' ORDER BY pass) FROM allocation_results
          WHERE round_id = 'autumn' AND class_id = 'a7'")" = "1:x1:1 2:x3:3" ] ||
  fail "a7's two places: $(sql "SELECT pass, session_id, choice, outcome FROM allocation_results WHERE class_id = 'a7'")"
[ "$(sql "SELECT count(DISTINCT command_id) FROM bookings WHERE class_id = 'a7' AND session_id IN ('x1', 'x3')")" = 2 ] ||
  fail "a7's bookings"
# The draw's decisions are counted as a batch's are (worker b decided nothing else):
# a7 twice and two of the four for x2 confirmed, the other two rejected.
metrics=$(curl -sf "http://127.0.0.1:$mport/metrics") || fail "no metrics from worker b"
echo "$metrics" | grep -q '^rumbook_decisions_total{status="confirmed"} 4$' &&
  echo "$metrics" | grep -q '^rumbook_decisions_total{status="rejected"} 2$' ||
  fail "the draw's decisions in the metrics: $(echo "$metrics" | grep '^rumbook_decisions_total')"
[ "$(sql "SELECT count(*) FROM bookings WHERE session_id = 'x2'")" = 2 ] || fail "x2 bookings"
[ "$(sql "SELECT count(*) FROM commands WHERE command_id IN ('${wish[k3]}','${wish[k4]}','${wish[k5]}','${wish[k6]}') AND status IN ('confirmed', 'rejected')")" = 4 ] ||
  fail "autumn's wishes"

# One decision per wish on the topic (besides RECEIVED), the placed with
# their choice and an invitation.
published
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events" || true
"$py" - "$work/events" "${wish[@]}" "${wish[k7]}" <<'PY' || fail "the events"
import collections, json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
wishes = set(sys.argv[2:])
d = collections.defaultdict(list)
for e in ev:
    if e.get("type") == "decision" and e["command_id"] in wishes:
        d[e["command_id"]].append(e)
for cid, ds in d.items():
    st = [x["status"] for x in ds]
    assert st[0] == "received", st
    finals = [x for x in ds if x["status"] != "received"]
    assert len(finals) == (2 if cid == sys.argv[-1] else 1), (cid, st)
    f = finals[0]
    if f["status"] == "confirmed":
        assert f["choice"] >= 1 and f["booking_id"], f
        assert any(i["booking_id"] == f["booking_id"] for i in ev if i.get("type") == "invitation"), f
PY
echo "PASS $test_name"
