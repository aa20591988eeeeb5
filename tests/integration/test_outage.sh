#!/usr/bin/env bash
# Transient failures, on services of this test's own (it stops them):
# PostgreSQL stopped for 20 s mid-stream and started again, and a worker
# sent SIGTERM during that outage; then the broker killed for 20 s and
# started again. Nothing lost, nothing doubled, decisions resume within
# 5 s of each service's return, and the decisions made while the broker was
# away are published once it is back. Prints the figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
svc=$(mktemp -d /tmp/rumbook-outage-svc.XXXXXX)
chmod 755 "$svc"
pg_port=$((24000 + RANDOM % 2000))
kafka_port=$((31000 + RANDOM % 700 * 2))
stop_services() {
  "$root/deploy/kafka.sh" stop "$svc/kafka" || true
  "$root/deploy/pg.sh" stop "$svc/pg" || true
  rm -rf "$svc"
}
trap stop_services EXIT
"$root/deploy/pg.sh" start "$svc/pg" "$pg_port" >/dev/null
"$root/deploy/kafka.sh" start "$svc/kafka" "$kafka_port" >/dev/null
export RUMBOOK_TEST_PG="postgresql://postgres@127.0.0.1:$pg_port"
export RUMBOOK_BROKERS="127.0.0.1:$kafka_port"
. "$(dirname "$0")/lib.sh"
trap 'cleanup; stop_services' EXIT
setup 1000

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
# decided_after T: commands decided after Unix time T.
decided_after() { sql "SELECT count(*) FROM commands WHERE decided_at > to_timestamp($1)"; }
# resumed_after T: sets resumed to the seconds from T to the first
# decision after it (waits 30 s).
resumed_after() {
  local deadline=$((SECONDS + 30))
  until [ "$(decided_after "$1")" -gt 0 ]; do
    [ $SECONDS -lt $deadline ] || fail "no decision within 30 s of the service's return"
    sleep 0.1
  done
  resumed=$(sql "SELECT round(extract(epoch FROM min(decided_at)) - $1, 2) FROM commands
                 WHERE decided_at > to_timestamp($1)")
}

# The stream: 50 chunks of 20 bookings on every partition, one chunk every
# 0.4 s. A submit waits while the broker is away and fails after 30 s; the
# portal then sends the chunk again with the same command ids, which the
# workers decide once.
for chunk in $(seq 0 49); do
  for i in $(seq 1 20); do
    n=$((chunk * 20 + i))
    printf '{"action":"book","session":"big","class":"c%d","pupils":10,"key":"k%d","command_id":"%s"}\n' \
      "$n" "$n" "$(cat /proc/sys/kernel/random/uuid)"
  done >"$work/chunk-$chunk.jsonl"
done
m_a=$((26000 + RANDOM % 2000))
start_worker a --instance-id wa --metrics-listen "127.0.0.1:$m_a"
start_worker b --instance-id wb
wait_assigned a b
# readyz_becomes CODE: waits (20 s) until worker a's /readyz answers CODE.
readyz_becomes() {
  local deadline=$((SECONDS + 20)) got
  while :; do
    got=$(curl -s -o "$work/readyz" -w '%{http_code}' "http://127.0.0.1:$m_a/readyz" || true)
    [ "$got" = "$1" ] && return 0
    [ $SECONDS -lt $deadline ] || fail "/readyz answered $got ($(cat "$work/readyz")), not $1"
    sleep 0.2
  done
}
readyz_becomes 200
# submit_chunks FIRST LAST: in the background.
submit_chunks() {
  (for chunk in $(seq "$1" "$2"); do
     until "$ctl" submit --json "$work/chunk-$chunk.jsonl" >>"$work/submitted" 2>>"$work/submit.err"; do
       echo "chunk $chunk sent again" >>"$work/resent"
     done
     sleep 0.4
   done) &
  submitter=$!
}
submit_chunks 0 24

# PostgreSQL away for 20 s; SIGTERM to worker b 5 s into it.
wait_until 60 "SELECT count(*) >= 100 FROM commands" t
"$root/deploy/pg.sh" stop "$svc/pg"
pg_stopped=$(now)
readyz_becomes 503
grep -qx 'postgresql unreachable' "$work/readyz" || fail "/readyz said: $(cat "$work/readyz")"
[ "$(curl -s "http://127.0.0.1:$m_a/healthz")" = ok ] || fail "/healthz failed while retrying"
sleep "$(echo "5 - $(since "$pg_stopped")" | bc | sed 's/^-.*/0/')"
t=$(now)
kill -TERM "$pid_b"
rc=0
wait "$pid_b" || rc=$?
term_s=$(printf "%.2f" "$(since "$t")")
[ "$rc" = 0 ] || fail "worker b exited $rc on SIGTERM during the outage"
[ "$(echo "$term_s < 2" | bc)" = 1 ] || fail "worker b took ${term_s}s to stop during the outage"
sleep "$(echo "20 - $(since "$pg_stopped")" | bc)"
"$root/deploy/pg.sh" start "$svc/pg" "$pg_port" >/dev/null
pg_back=$(now)
start_worker b --instance-id wb --linger-ms 3000
resumed_after "$pg_back"
readyz_becomes 200
pg_resume=$resumed

# The broker killed for 20 s while the second half streams in: worker b
# holds its share of a chunk for 3 s (linger), so it decides them while
# the broker is away; the chunks sent meanwhile wait in the submitter.
wait "$submitter" || fail "the submitter failed"
wait_until 60 "SELECT count(*) FROM commands" 500
submit_chunks 25 49
wait_until 30 "SELECT count(*) > 500 FROM commands" t
sleep 0.5
kill -9 "$(cat "$svc/kafka/broker.pid")"
broker_stopped=$(now)
sleep 4
unsent_during=$(sql "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
sleep "$(echo "20 - $(since "$broker_stopped")" | bc)"
rm -f "$svc/kafka/broker.pid"
"$root/deploy/kafka.sh" start "$svc/kafka" "$kafka_port" >/dev/null
broker_back=$(now)
resumed_after "$broker_back"
broker_resume=$resumed

wait "$submitter" || fail "the submitter failed"
[ "$(grep -o '"command_id":"[^"]*"' "$work/submitted" | sort -u | wc -l)" = 1000 ] ||
  fail "not every command was submitted"
wait_until 120 "SELECT count(*) FROM commands" 1000
[ "$(sql "SELECT count(*) FROM bookings")" = "$(sql "SELECT count(*) FROM commands WHERE status = 'confirmed'")" ] ||
  fail "bookings and confirmed decisions differ"
[ "$(sql "SELECT pupils_booked = (SELECT sum(pupils) FROM bookings) FROM sessions WHERE id = 'big'")" = t ] ||
  fail "the session's counter does not match its bookings"
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0
"$ctl" watch --from-beginning --timeout-ms 5000 >"$work/events"
repeats=$($py "$here/events.py" decisions "$work/events" 1000) || fail "decisions on the topic: $repeats"
[ "$unsent_during" -gt 0 ] || fail "no decision was waiting for the broker; the relay path was not tested"
for f in "$pg_resume" "$broker_resume"; do
  [ "$(echo "$f <= 5" | bc)" = 1 ] || fail "decisions resumed ${f}s after a service returned"
done
echo "PASS $test_name: PostgreSQL away 20 s: /readyz 503 during it, 200 after;" \
  "decisions resumed ${pg_resume}s after it was back;" \
  "SIGTERM during the outage: exit 0 in ${term_s}s; broker away 20 s: decisions resumed" \
  "${broker_resume}s after it was back, $unsent_during events made meanwhile published after;" \
  "1000 commands, 0 lost, 0 doubled ($repeats)"
