#!/usr/bin/env bash
# One class cannot be in two places at once, even when the two bookings
# are for different providers and arrive on different partitions at two
# workers: 30 classes each ask for two overlapping sessions (at two
# providers, a pair of their own) on random keys. Exactly one of each pair is confirmed, the
# other rejected with class_conflict; the database's exclusion constraint
# refuses an overlapping trip anyway.
. "$(dirname "$0")/lib.sh"

{
  echo '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example"},'
  echo '{"id":"p2","name":"Museet","email":"booking@museet.example"}],'
  echo '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.16,"lon":10.20},'
  echo '{"id":"v2","provider":"p2","name":"Museet","lat":56.15,"lon":10.21}],'
  echo '"offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Skoven","duration_min":120},'
  echo '{"id":"o2","provider":"p2","venue":"v2","title":"Vikinger","duration_min":90}],'
  echo '"sessions":['
  # A session pair per class, so that no session lock orders the two workers.
  for i in $(seq 1 30); do
    printf '{"id":"a%d","offering":"o1","starts_at":"2027-04-14T09:00:00+02:00","ends_at":"2027-04-14T11:00:00+02:00","pupil_capacity":30,"class_capacity":1},' "$i"
    printf '{"id":"b%d","offering":"o2","starts_at":"2027-04-14T10:30:00+02:00","ends_at":"2027-04-14T12:00:00+02:00","pupil_capacity":30,"class_capacity":1}' "$i"
    [ "$i" = 30 ] || echo ','
  done
  echo '],'
  echo '"schools":[{"id":"s1","name":"Skovvangskolen","lat":56.17,"lon":10.19,"day_start":"07:30"}],'
  echo "\"classes\":[$(classes_json 30 5)]}"
} >"$work/catalog.json"
setup_catalog "$work/catalog.json"
for i in $(seq 1 30); do
  printf '{"action":"book","session":"a%d","class":"c%d","pupils":25,"key":"a-%d-%d"}\n' "$i" "$i" "$RANDOM" "$i"
  printf '{"action":"book","session":"b%d","class":"c%d","pupils":25,"key":"b-%d-%d"}\n' "$i" "$i" "$RANDOM" "$i"
done >"$work/commands.jsonl"

start_worker a --batch-size 4 --linger-ms 5 --log-level debug
start_worker b --batch-size 3 --linger-ms 5 --log-level debug
wait_assigned a b
"$ctl" submit --json "$work/commands.jsonl" >"$work/submitted" || fail "submit"
wait_until 120 "SELECT count(*) FROM commands" 60

[ "$(sql "SELECT count(*) FROM bookings WHERE status = 'confirmed'")" = 30 ] ||
  fail "not one booking per class: $(sql "SELECT class_id, count(*) FROM bookings GROUP BY 1 HAVING count(*) <> 1")"
[ "$(sql "SELECT count(*) FROM (SELECT class_id FROM bookings WHERE status = 'confirmed' GROUP BY 1 HAVING count(*) = 1) x")" = 30 ] ||
  fail "a class holds two trips"
[ "$(sql "SELECT count(*) FROM commands WHERE status = 'rejected' AND reasons = 'class_conflict'")" = 30 ] ||
  fail "rejections: $(sql "SELECT status, reasons, count(*) FROM commands GROUP BY 1, 2")"
[ "$(sql "SELECT count(DISTINCT source_partition) FROM commands")" -gt 1 ] || fail "one partition only"
# The database refuses an overlapping trip for a class that already has one.
read -r cls other <<<"$(sql "SELECT class_id, translate(session_id, 'ab', 'ba')
  FROM bookings WHERE status = 'confirmed' LIMIT 1" | tr '|' ' ')"
psql "$RUMBOOK_DSN" -qAtX -c "INSERT INTO bookings (id, command_id, session_id, class_id, class_no,
  pupils, status, teacher_email, away) SELECT gen_random_uuid(), gen_random_uuid(), '$other', id,
  no, 25, 'confirmed', 'x@skovvang.example',
  tstzrange('2027-04-14T08:00:00+02', '2027-04-14T13:00:00+02') FROM classes WHERE id = '$cls'" \
  2>"$work/psql.err" && fail "the database accepted a second trip"
grep -q bookings_class_in_one_place "$work/psql.err" ||
  fail "not refused by the exclusion constraint: $(cat "$work/psql.err")"
echo "PASS $test_name retries=$(cat "$work"/worker-*.log | grep -c 'batch retried' || true)"
