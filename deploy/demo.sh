#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts a local PostgreSQL 15
# and Kafka broker under .run/, migrates, loads the demo catalogue, starts two
# workers, submits a demo batch of booking commands and shows the decisions and
# invitations as they arrive. Ctrl-C stops everything cleanly. Every run starts
# from an empty .run/ so the demo shows the same story each time.
#   RUMBOOK_PG_PORT (15432), RUMBOOK_KAFKA_PORT (19092) and RUMBOOK_SMTP_PORT (12525)
#   move the services.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pg_port=${RUMBOOK_PG_PORT:-15432}
kafka_port=${RUMBOOK_KAFKA_PORT:-19092}
smtp_port=${RUMBOOK_SMTP_PORT:-12525}
run="$root/.run"

deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
ctl=build/workers/rumbookctl

# Leftovers of an earlier run (even one that was killed) are stopped and removed.
[ -d "$run" ] && { deploy/kafka.sh stop "$run/kafka" || true; deploy/pg.sh stop "$run/pg" || true; }
rm -rf "$run"
mkdir -p "$run"
chmod 755 "$run"
export RUMBOOK_DSN
RUMBOOK_DSN=$(deploy/pg.sh start "$run/pg" "$pg_port")
export RUMBOOK_BROKERS
RUMBOOK_BROKERS=$(deploy/kafka.sh start "$run/kafka" "$kafka_port")
echo "postgresql: $RUMBOOK_DSN"
echo "kafka:      $RUMBOOK_BROKERS"

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping workers, Kafka and PostgreSQL"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  deploy/kafka.sh stop "$run/kafka"
  deploy/pg.sh stop "$run/pg"
  exit 0
}
trap stop_all INT TERM EXIT

$ctl migrate
$ctl topics create --partitions 6
$ctl catalog import deploy/demo-catalog.json
# The demo's portal: commands are signed with its key (docs/integration.md).
if ! $ctl portal list | grep -q '^demo-portal '; then
  rm -f "$run/demo-portal.key" "$run/demo-portal.pub"
  $ctl portal keygen --out "$run/demo-portal" >/dev/null
  $ctl portal add demo-portal --scope all --public-key "$run/demo-portal.pub"
elif [ ! -f "$run/demo-portal.key" ]; then
  echo "demo-portal is registered but $run/demo-portal.key is gone: remove $run and run again" >&2
  exit 1
fi
export RUMBOOK_PORTAL=demo-portal RUMBOOK_PORTAL_KEY="$run/demo-portal.key"
for n in 1 2; do
  build/workers/rumbook-worker >"$run/worker-$n.log" 2>&1 &
  pids+=($!)
done
echo "workers started; logs in .run/worker-1.log and .run/worker-2.log"
# A local SMTP server keeps what the mailer sends in .run/mail/, one file a message.
mkdir -p "$run/mail"
SINK_DIR="$run/mail" PYTHONPATH="$root/deploy/mail" /usr/bin/python3 -m aiosmtpd -n \
  -l "127.0.0.1:$smtp_port" -c smtp_sink.Sink >"$run/smtp.log" 2>&1 &
pids+=($!)
build/workers/rumbook-mailer --smtp-url "smtp://127.0.0.1:$smtp_port" \
  --mail-from booking@rumbook.example >"$run/mailer.log" 2>&1 &
pids+=($!)
echo "mailer started; the e-mails it sends land in .run/mail/ (log: .run/mailer.log)"

$ctl watch --summary &
pids+=($!)
sleep 2
echo "submitting deploy/demo-commands.jsonl"
$ctl submit --json deploy/demo-commands.jsonl >"$run/submitted.jsonl"
echo "submitted $(wc -l <"$run/submitted.jsonl") commands; decisions follow"
# Then plans change: a provider cancels a booked session, another moves one
# (docs/catalog.md, "Catalogue commands"); the teachers get CANCEL or REQUEST.
sleep 10
echo "submitting deploy/demo-catalog-commands.jsonl"
$ctl catalog submit --json deploy/demo-catalog-commands.jsonl >>"$run/submitted.jsonl"
# And an allocation round (docs/allocation.md): Den Gamle By's sessions by
# ranked wishes; the window closes in 30 s, then a worker draws.
closes=$(date -u -d '+30 seconds' +%Y-%m-%dT%H:%M:%S+00:00)
$ctl allocation create --id demo-round --name "Den Gamle By, forår 2027" \
  --opens "$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%S+00:00)" --closes "$closes" \
  --offerings den-gamle-by-05 --max-wishes 3 --actor municipality_admin:Aarhus >>"$run/submitted.jsonl"
sleep 3
$ctl submit --json deploy/demo-wishes.jsonl >>"$run/submitted.jsonl"
echo "12 wishes for round demo-round; it is drawn after $closes:" \
  "build/workers/rumbookctl allocation show demo-round (Ctrl-C to stop)"
wait
