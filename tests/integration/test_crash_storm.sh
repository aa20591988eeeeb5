#!/usr/bin/env bash
# Ten SIGKILLs at random moments while two workers decide 3,000 mixed
# commands (books, a third of them by bus, then cancels and reschedules of
# the bookings made), each killed worker restarted at once with its
# instance id. Afterwards the invariants are recomputed from the bookings
# and holds, not read from the counters: every command decided once, no
# session over its places, no class or bus in two places at once, holds
# only for confirmed bookings, the counters equal to what the bookings say,
# one decision event per command on the topic.
. "$(dirname "$0")/lib.sh"

days=(05 06 07 08 12 13 14 15 19 20 21 22 26 27 28 29)
{
  echo '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example","municipality":"Aarhus"}],'
  echo '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","lat":56.05,"lon":10.25}],'
  echo '"offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Skovbunden","duration_min":120}],'
  echo '"sessions":['
  n=0
  for d in "${days[@]}"; do
    for h in 09 12; do
      n=$((n + 1))
      [ "$n" = 1 ] || echo ','
      printf '{"id":"s%d","offering":"o1","starts_at":"2027-04-%sT%s:00:00+02:00","ends_at":"2027-04-%sT%s:00:00+02:00","pupil_capacity":200,"class_capacity":8}' \
        "$n" "$d" "$h" "$d" "$((10#$h + 2))"
    done
  done
  echo '],"schools":[{"id":"s1","name":"Skovvangskolen","municipality":"Aarhus","lat":56.17,"lon":10.19,"day_start":"07:30","day_end":"16:00"}],'
  echo "\"classes\":[$(classes_json 200 3)],"
  echo '"buses":[{"id":"bus-1","name":"ULF-bus 1","seats":47,"municipality":"Aarhus"},'
  echo '{"id":"bus-2","name":"ULF-bus 2","seats":47,"municipality":"Aarhus"},'
  echo '{"id":"bus-3","name":"ULF-bus 3","seats":30,"municipality":"Aarhus"}]}'
} >"$work/catalog.json"
setup_catalog "$work/catalog.json"

uuid() { cat /proc/sys/kernel/random/uuid; }
for i in $(seq 1 2000); do
  travel=public_transport
  [ $((i % 3)) = 0 ] && travel=bus
  printf '{"action":"book","session":"s%d","class":"c%d","pupils":%d,"travel":"%s","key":"k%d","command_id":"%s"}\n' \
    $((RANDOM % 32 + 1)) $((RANDOM % 200 + 1)) $((15 + RANDOM % 15)) "$travel" $((RANDOM % 60)) "$(uuid)"
done >"$work/books.jsonl"

start_worker a --instance-id ca --batch-size 20 --linger-ms 5
start_worker b --instance-id cb --batch-size 30 --linger-ms 5
wait_assigned a b
kills=0
# kill_some N TARGET: N SIGKILLs 0.2-0.6 s apart while commands stream in
# or fewer than TARGET are decided, each worker restarted at once under
# its instance id.
kill_some() {
  local k name pid
  for k in $(seq 1 "$1"); do
    sleep "0.$((2 + RANDOM % 5))"
    kill -0 "$streamer" 2>/dev/null || [ "$(sql "SELECT count(*) < $2 FROM commands")" = t ] ||
      return 0
    name=$([ $((RANDOM % 2)) = 0 ] && echo a || echo b)
    eval "pid=\$pid_$name"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    killed_at=$(date +%s%N)
    kills=$((kills + 1))
    assigned=$(grep -c 'assigned topic' "$work/worker-$name.log")
    if [ "$name" = a ]; then
      start_worker a --instance-id ca --batch-size 20 --linger-ms 5
    else
      start_worker b --instance-id cb --batch-size 30 --linger-ms 5
    fi
    # Back to work: the restarted worker holds its partitions again.
    until [ "$(grep -c 'assigned topic' "$work/worker-$name.log")" -gt "$assigned" ]; do
      [ $(($(date +%s%N) - killed_at)) -lt 30000000000 ] || fail "worker $name got no partitions back"
      sleep 0.05
    done
    echo "$kills $name $(sql "SELECT count(*) FROM commands") $((($(date +%s%N) - killed_at) / 1000000))" >>"$work/kills"
  done
}

# stream FILE: submits FILE's lines in chunks of 100, one every 0.3 s, in the background.
stream() {
  split -l 100 -d -a 3 "$1" "$1.part."
  (for part in "$1".part.*; do
     "$ctl" submit --json "$part" >>"$work/submitted" || exit 1
     sleep 0.3
   done) &
  streamer=$!
}

stream "$work/books.jsonl"
kill_some 5 2000
wait "$streamer" || fail "submit books"
wait_until 180 "SELECT count(*) FROM commands" 2000

# Cancels and reschedules of the bookings made (some already cancelled or
# moved by the time they are decided: those are rejected, and decided once).
sql "SELECT id FROM bookings ORDER BY random() LIMIT 1000" >"$work/booked"
[ "$(wc -l <"$work/booked")" -ge 100 ] || fail "too few bookings to change: $(wc -l <"$work/booked")"
i=0
while [ "$i" -lt 1000 ]; do
  while read -r bid && [ "$i" -lt 1000 ]; do
    i=$((i + 1))
    if [ $((i % 2)) = 0 ]; then
      printf '{"action":"cancel","booking":"%s","key":"k%d","command_id":"%s"}\n' "$bid" $((RANDOM % 60)) "$(uuid)"
    else
      printf '{"action":"reschedule","booking":"%s","session":"s%d","key":"k%d","command_id":"%s"}\n' \
        "$bid" $((RANDOM % 32 + 1)) $((RANDOM % 60)) "$(uuid)"
    fi
  done <"$work/booked"
done >"$work/changes.jsonl"
stream "$work/changes.jsonl"
kill_some $((10 - kills)) 3000
wait "$streamer" || fail "submit changes"
[ "$kills" = 10 ] || fail "only $kills kills landed while commands were in flight"
wait_until 180 "SELECT count(*) FROM commands" 3000

# Every command decided once.
grep -o '"command_id":"[^"]*"' "$work/submitted" | cut -d'"' -f4 | sort >"$work/ids"
sql "SELECT command_id FROM commands" | sort >"$work/decided"
cmp -s "$work/ids" "$work/decided" || fail "decided ids differ from submitted ids"
# Places, from the bookings.
over=$(sql "SELECT count(*) FROM sessions s LEFT JOIN (SELECT session_id, sum(pupils) p, count(*) c
  FROM bookings WHERE status = 'confirmed' GROUP BY 1) b ON b.session_id = s.id
  WHERE coalesce(b.p, 0) > s.pupil_capacity OR coalesce(b.c, 0) > s.class_capacity
     OR coalesce(b.p, 0) <> s.pupils_booked OR coalesce(b.c, 0) <> s.classes_booked")
[ "$over" = 0 ] || fail "$over sessions over their places or out of step with their bookings"
# A class in one place at a time; a session held once by a class.
[ "$(sql "SELECT count(*) FROM bookings x JOIN bookings y ON x.class_id = y.class_id AND x.id < y.id
  WHERE x.status = 'confirmed' AND y.status = 'confirmed' AND x.away && y.away")" = 0 ] ||
  fail "a class has two trips at once"
# A bus in one place at a time, held only for confirmed bus bookings, with seats enough.
[ "$(sql "SELECT count(*) FROM bus_holds x JOIN bus_holds y ON x.bus_id = y.bus_id
  AND x.booking_id < y.booking_id WHERE x.during && y.during")" = 0 ] || fail "a bus in two places at once"
[ "$(sql "SELECT count(*) FROM bus_holds h JOIN bookings b ON b.id = h.booking_id
  WHERE b.status <> 'confirmed' OR b.travel_mode <> 'bus'")" = 0 ] || fail "a bus held for no trip"
[ "$(sql "SELECT count(*) FROM bookings b WHERE b.status = 'confirmed' AND b.travel_mode = 'bus'
  AND coalesce((SELECT sum(u.seats) FROM bus_holds h JOIN buses u ON u.id = h.bus_id
  WHERE h.booking_id = b.id), 0) < b.pupils + 2")" = 0 ] || fail "a bus trip without seats enough"
# Each booking made by a confirmed command; confirmed cancels cancelled theirs.
[ "$(sql "SELECT count(*) FROM bookings b JOIN commands c ON c.command_id = b.command_id
  WHERE c.status = 'confirmed'")" = "$(sql "SELECT count(*) FROM bookings")" ] ||
  fail "a booking without its confirmed command"
[ "$(sql "SELECT count(*) FROM commands c JOIN bookings b ON b.id = c.booking_id
  WHERE c.kind = 'cancel' AND c.status = 'cancelled' AND b.status <> 'cancelled'")" = 0 ] ||
  fail "a cancelled decision whose booking is not cancelled"
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events"
repeats=$($py "$here/events.py" decisions "$work/events" 3000) || fail "decisions on the topic: $repeats"
back_ms=$(awk '{ if ($4 > max) max = $4; sum += $4 } END { printf "%d ms at most, %d on average", max, sum / NR }' "$work/kills")
[ "$(awk '{ if ($4 > 5000) bad++ } END { print bad + 0 }' "$work/kills")" = 0 ] ||
  fail "a killed worker took over 5 s to hold its partitions again: $(cat "$work/kills")"
mix=$(sql "SELECT string_agg(kind || ' ' || status || '=' || n, ', ' ORDER BY kind, status)
  FROM (SELECT kind, status, count(*) n FROM commands GROUP BY 1, 2) t")
echo "PASS $test_name: $kills SIGKILLs over 3000 commands, at $(cut -d' ' -f3 "$work/kills" | paste -sd,)" \
  "decisions; each restarted worker held its partitions again after $back_ms; ($mix);" \
  "bus holds $(sql "SELECT count(*) FROM bus_holds"); invariants hold from the bookings; $repeats"
