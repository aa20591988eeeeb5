#!/usr/bin/env bash
# Two workers racing for the last bus: 40 classes book 40 different
# sessions at the same time, each asking for a bus, on random keys over 6
# partitions. The municipality has one bus, so exactly one trip gets it;
# the database's exclusion constraint would refuse a second hold anyway.
. "$(dirname "$0")/lib.sh"

{
  echo '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example","municipality":"Aarhus"}],'
  echo '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.05,"lon":10.25}],'
  echo '"offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Skovbunden","duration_min":120}],'
  echo '"sessions":['
  for i in $(seq 1 40); do
    printf '{"id":"s%d","offering":"o1","starts_at":"2027-04-14T09:00:00+02:00","ends_at":"2027-04-14T11:00:00+02:00","pupil_capacity":30,"class_capacity":1}' "$i"
    [ "$i" = 40 ] || echo ','
  done
  echo '],"schools":[{"id":"s1","name":"Skovvangskolen","municipality":"Aarhus","lat":56.17,"lon":10.19,"day_start":"07:30"}],'
  echo "\"classes\":[$(classes_json 40 3)],"
  echo '"buses":[{"id":"bus-1","name":"ULF-bus 1","seats":47,"municipality":"Aarhus"},'
  echo '{"id":"bus-vejen","name":"Vejen skolebus","seats":47,"municipality":"Vejen"}]}'
} >"$work/catalog.json"
setup_catalog "$work/catalog.json"
for i in $(seq 1 40); do
  printf '{"action":"book","session":"s%d","class":"c%d","pupils":25,"travel":"bus","key":"%d-%d"}\n' "$i" "$i" "$RANDOM" "$i"
done >"$work/commands.jsonl"

start_worker a --batch-size 3 --linger-ms 5
start_worker b --batch-size 5 --linger-ms 5
wait_assigned a b
"$ctl" submit --json "$work/commands.jsonl" >"$work/submitted" || fail "submit"
wait_until 120 "SELECT count(*) FROM commands" 40

[ "$(sql "SELECT count(*) FROM commands WHERE status = 'confirmed'")" = 1 ] ||
  fail "confirmed is not 1: $(sql "SELECT status, reasons, count(*) FROM commands GROUP BY 1, 2")"
[ "$(sql "SELECT count(*) FROM commands WHERE status = 'rejected' AND reasons = 'no_bus'")" = 39 ] ||
  fail "not 39 rejections for no_bus: $(sql "SELECT status, reasons, count(*) FROM commands GROUP BY 1, 2")"
[ "$(sql "SELECT count(*) || ' ' || min(bus_id) FROM bus_holds")" = "1 bus-1" ] || fail "bus holds wrong"
[ "$(sql "SELECT count(DISTINCT source_partition) FROM commands")" -gt 1 ] || fail "one partition only"
# The database refuses a second hold of the bus over the same time.
bid=$(sql "INSERT INTO bookings (id, command_id, session_id, class_id, class_no, pupils, status,
  teacher_email, away) SELECT gen_random_uuid(), gen_random_uuid(), 's2', 'c2', no, 25, 'cancelled',
  'c2@skovvang.example', tstzrange(now(), now() + interval '1 hour') FROM classes WHERE id = 'c2'
  RETURNING id" | head -1)
psql "$RUMBOOK_DSN" -qAtX -c "INSERT INTO bus_holds SELECT 'bus-1', '$bid',
  tstzrange(lower(during) + interval '1 minute', upper(during)) FROM bus_holds" 2>"$work/psql.err" &&
  fail "the database accepted an overlapping bus hold"
grep -q bus_holds_no_overlap "$work/psql.err" || fail "not refused by the exclusion constraint"
echo "PASS $test_name"
