#!/usr/bin/env bash
# A real Prometheus (Debian's) scrapes two workers under load, with
# rumbook's alert rules loaded; its HTTP API agrees with the database on
# the decisions, the lag and the outbox. Then the relay-holding worker is
# killed while the other runs without a relay: the "no relay holder"
# expression turns true, and false again once a new worker takes over.
. "$(dirname "$0")/lib.sh"
setup 400
root=$(cd "$here/../.." && pwd)

base=$((25000 + RANDOM % 1000 * 4))
m_a=$base m_b=$((base + 1)) m_c=$((base + 2)) prom_port=$((base + 3))
start_worker a --metrics-listen "127.0.0.1:$m_a" --instance-id pa
start_worker b --metrics-listen "127.0.0.1:$m_b" --instance-id pb --no-relay
wait_assigned a b

mkdir -p "$work/prom"
cp "$root/deploy/prometheus/rumbook-alerts.yml" "$work/prom/"
cat >"$work/prom/prometheus.yml" <<CONF
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rumbook-alerts.yml]
scrape_configs:
  - job_name: rumbook-worker
    static_configs:
      - targets: ["127.0.0.1:$m_a", "127.0.0.1:$m_b", "127.0.0.1:$m_c"]
CONF
prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
prom=$!
worker_pids+=("$prom")
api="http://127.0.0.1:$prom_port/api/v1"
# q EXPR: the value of an instant query ("" when it has no result).
q() {
  curl -sf --get "$api/query" --data-urlencode "query=$1" |
    $py -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
# until_q SECONDS EXPR VALUE: polls Prometheus until EXPR gives VALUE.
until_q() {
  local deadline=$((SECONDS + $1)) got
  while :; do
    got=$(q "$2" 2>/dev/null || true)
    [ "$got" = "$3" ] && return 0
    [ $SECONDS -lt $deadline ] || fail "Prometheus: [$2] = $got after $1 s, wanted $3"
    sleep 0.5
  done
}
# until_some SECONDS EXPR: polls until EXPR has a result.
until_some() {
  local deadline=$((SECONDS + $1))
  until [ -n "$(q "$2" 2>/dev/null || true)" ]; do
    [ $SECONDS -lt $deadline ] || fail "Prometheus: [$2] had no result for $1 s"
    sleep 0.5
  done
}
until_q 60 'count(up{job="rumbook-worker"} == 1)' 2

for i in $(seq 1 400); do
  printf '{"action":"book","session":"big","class":"c%d","pupils":10,"key":"k%d"}\n' "$i" "$i"
done >"$work/commands.jsonl"
"$ctl" submit --json "$work/commands.jsonl" >/dev/null || fail "submit"
until_some 30 'sum(rate(rumbook_decisions_total[10s])) > 0' 
wait_until 120 "SELECT count(*) FROM commands" 400
wait_until 60 "SELECT count(*) FROM outbox WHERE sent_at IS NULL" 0

decided=$(sql "SELECT count(*) FROM commands")
confirmed=$(sql "SELECT count(*) FROM commands WHERE status = 'confirmed'")
until_q 30 'sum(rumbook_decisions_total)' "$decided"
until_q 30 'sum(rumbook_decisions_total{status="confirmed"})' "$confirmed"
until_q 30 'sum(rumbook_consumer_lag_messages)' 0
until_q 30 'max(rumbook_outbox_unsent_events)' "$(sql "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
until_q 30 'sum(rumbook_assigned_partitions)' 6
until_q 30 'count(rumbook_catalog_lag_messages)' 6 # the catalogue topic's partitions, apart
until_some 30 'sum(rumbook_batch_commands_count) > 0' 
rate=$(printf '%.0f' "$(q 'max_over_time(sum(rate(rumbook_decisions_total[5s]))[1m:1s])')")
p99=$(printf '%.3f' "$(q 'histogram_quantile(0.99, sum by (le) (increase(rumbook_decision_latency_seconds_bucket[1m])))')")
until_q 30 'sum(rumbook_relay_active)' 1
until_q 30 'count(sum(rumbook_relay_active) < 1 or absent(rumbook_relay_active))' ""

# The relay holder dies; b has no relay: nobody publishes.
kill -9 "$pid_a"
until_q 30 'count(sum(rumbook_relay_active) < 1 or absent(rumbook_relay_active))' 1
start_worker c --metrics-listen "127.0.0.1:$m_c" --instance-id pc
until_q 30 'count(sum(rumbook_relay_active) < 1 or absent(rumbook_relay_active))' ""
until_q 30 'sum(rumbook_relay_active)' 1
# Readiness as the probes say it.
[ "$(curl -s "http://127.0.0.1:$m_b/readyz")" = ready ] || fail "/readyz of b"
[ "$(curl -s "http://127.0.0.1:$m_b/healthz")" = ok ] || fail "/healthz of b"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$m_b/nothing")" = 404 ] || fail "404"
echo "PASS $test_name: Prometheus saw $decided decisions ($confirmed confirmed) as the database did," \
  "lag 0, outbox 0; rate ${rate}/s, p99 latency ${p99}s; no-relay alert expression true after the" \
  "holder's death and false after a new worker took over"
