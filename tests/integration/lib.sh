# Shared set-up for integration tests: a fresh database and fresh topics
# per test on the PostgreSQL server and Kafka broker tests/run.sh started.
# Needs RUMBOOK_TEST_PG (server URL without database), RUMBOOK_BROKERS, RB_BIN.
set -euo pipefail

: "${RUMBOOK_TEST_PG:?run through tests/run.sh (RUMBOOK_TEST_PG unset)}"
: "${RUMBOOK_BROKERS:?run through tests/run.sh (RUMBOOK_BROKERS unset)}"
: "${RB_BIN:?RB_BIN unset}"

test_name=$(basename "$0" .sh)
uniq="${test_name}_$$_${RANDOM}"
work=$(mktemp -d "/tmp/rumbook-${test_name}.XXXXXX")
ctl="$RB_BIN/rumbookctl"
worker_bin="$RB_BIN/rumbook-worker"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3   # Debian's, which has python3-icalendar

export RUMBOOK_DSN="$RUMBOOK_TEST_PG/rb_$uniq"
export RUMBOOK_GROUP="g.$uniq"
export RUMBOOK_TOPIC_COMMANDS="t.$uniq.commands"
export RUMBOOK_TOPIC_DECISIONS="t.$uniq.decisions"
export RUMBOOK_TOPIC_INVITATIONS="t.$uniq.invitations"
export RUMBOOK_TOPIC_DLQ="t.$uniq.dlq"
export RUMBOOK_TOPIC_STATUS="t.$uniq.status"
export RUMBOOK_TOPIC_DELIVERY_STATUS="t.$uniq.delivery"
export RUMBOOK_TOPIC_CATALOG_COMMANDS="t.$uniq.catalog"
export RUMBOOK_TOPIC_CATALOG_DECISIONS="t.$uniq.catalog-decisions"

worker_pids=()

cleanup() {
  local pid
  for pid in "${worker_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ "${keep_work:-0}" = 0 ]; then rm -rf "$work"; fi
  psql "$RUMBOOK_TEST_PG/postgres" -qc "DROP DATABASE IF EXISTS \"rb_$uniq\" WITH (FORCE)" >/dev/null 2>&1 || true
  "$ctl" topics delete >/dev/null 2>&1 || true # the broker would keep them for a week
}
trap cleanup EXIT

fail() {
  echo "FAIL $test_name: $*" >&2
  local f
  for f in "$work"/worker*.log; do
    [ -f "$f" ] && { echo "--- $f (tail)" >&2; tail -n 30 "$f" >&2; }
  done
  keep_work=1
  exit 1
}

sql() { psql "$RUMBOOK_DSN" -qAtX -c "$1"; }

# Catalogue: one offering with a "race" session (100 pupils, 10 classes) and a
# "big" one (100,000 pupils, 5,000 classes), and $1 classes of 25 pupils.
make_catalog() {
  local nclasses=${1:-10} i
  {
    printf '{"providers":[{"id":"p1","name":"Naturskolen","email":"booking@naturskolen.example"}],'
    printf '"venues":[{"id":"v1","provider":"p1","name":"Naturskolen","address":"Skovvej 1, 8000 Aarhus","lat":56.15,"lon":10.2}],'
    printf '"offerings":[{"id":"o1","provider":"p1","venue":"v1","title":"Livet i skovbunden","grade_min":0,"grade_max":10,"duration_min":120}],'
    printf '"sessions":['
    printf '{"id":"race","offering":"o1","starts_at":"2027-03-30T09:00:00+02:00","ends_at":"2027-03-30T11:00:00+02:00","pupil_capacity":100,"class_capacity":10},'
    printf '{"id":"later","offering":"o1","starts_at":"2027-04-06T09:00:00+02:00","ends_at":"2027-04-06T11:00:00+02:00","pupil_capacity":100,"class_capacity":10},'
    printf '{"id":"big","offering":"o1","starts_at":"2027-05-04T09:00:00+02:00","ends_at":"2027-05-04T11:00:00+02:00","pupil_capacity":100000,"class_capacity":5000}],'
    printf '"schools":[{"id":"s1","name":"Skovvangskolen","lat":56.17,"lon":10.19}],'
    printf '"classes":['
    for ((i = 1; i <= nclasses; i++)); do
      [ "$i" = 1 ] || printf ','
      printf '{"id":"c%d","school":"s1","name":"%d.A","grade":%d,"size":25,"teacher_email":"teacher%d@skovvang.example"}' "$i" "$i" $((i % 10)) "$i"
    done
    printf ']}\n'
  } >"$work/catalog.json"
}

# Database, migrations, catalogue and topics for this test.
setup() {
  make_catalog "${1:-10}"
  setup_catalog "$work/catalog.json" "${2:-6}"
}

# classes_json N GRADE: classes c1..cN of 25 pupils at school s1, as JSON
# objects separated by commas (for a catalogue's "classes" array).
classes_json() {
  local i
  for i in $(seq 1 "$1"); do
    [ "$i" = 1 ] || printf ','
    printf '{"id":"c%d","school":"s1","name":"%d.A","grade":%d,"size":25,"teacher_email":"c%d@skovvang.example"}' \
      "$i" "$i" "$2" "$i"
  done
}

# setup_catalog FILE [PARTITIONS]: as setup, with the test's own catalogue.
setup_catalog() {
  psql "$RUMBOOK_TEST_PG/postgres" -qc "CREATE DATABASE \"rb_$uniq\"" >/dev/null
  "$ctl" migrate >/dev/null || fail "migrate"
  "$ctl" catalog import "$1" >/dev/null || fail "catalog import $1"
  "$ctl" topics create --partitions "${2:-6}" >/dev/null || fail "topics create"
  add_portal test all
}

# add_portal NAME SCOPE: registers portal NAME with a new key pair in
# $work/NAME.key and .pub. The first one (setup's "test", scope all) is the
# one rumbookctl submit signs as, with a school admin of s1 as the actor,
# unless a test says otherwise (--portal, --portal-key, --actor).
add_portal() {
  "$ctl" portal keygen --out "$work/$1" >/dev/null || fail "portal keygen $1"
  "$ctl" portal add "$1" --scope "$2" --public-key "$work/$1.pub" >/dev/null || fail "portal add $1"
  if [ -z "${RUMBOOK_PORTAL:-}" ]; then
    export RUMBOOK_PORTAL="$1" RUMBOOK_PORTAL_KEY="$work/$1.key"
    export RUMBOOK_ACTOR="${RUMBOOK_ACTOR:-school_admin:s1}"
  fi
}

# submit_one ARGS...: submits one command, prints its command id.
submit_one() {
  local out
  out=$("$ctl" submit "$@") || fail "submit $*"
  echo "$out" | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p'
}

# submit_catalog JSON: sends one catalogue command (a JSON line), prints its
# command id.
submit_catalog() {
  local out
  out=$(echo "$1" | "$ctl" catalog submit --json -) || fail "catalog submit $1"
  echo "$out" | sed -n 's/.*"command_id":"\([^"]*\)".*/\1/p'
}

# decided CID STATUS: waits for the command's decision; a final one that
# is not STATUS fails at once, with its reasons.
decided() {
  local deadline=$((SECONDS + 60)) got
  while :; do
    got=$(sql "SELECT status FROM commands WHERE command_id = '$1'")
    [ "$got" = "$2" ] && return 0
    case "$got" in
    confirmed | rejected | cancelled | applied | refused)
      fail "command $1 is $got, not $2: $(sql "SELECT reasons FROM commands WHERE command_id = '$1'")" ;;
    esac
    [ $SECONDS -ge $deadline ] && fail "waited 60 s for command $1 to be $2, last saw ${got:-nothing}"
    sleep 0.3
  done
}

# start_worker NAME [flags...]: runs a worker in the background.
start_worker() {
  local name=$1
  shift
  "$worker_bin" "$@" >>"$work/worker-$name.log" 2>&1 &
  worker_pids+=($!)
  eval "pid_$name=$!"
}

# wait_assigned NAME...: waits until each named worker holds partitions,
# so that commands submitted next are shared out among them.
wait_assigned() {
  local deadline=$((SECONDS + 60)) name held
  while :; do
    held=0
    for name in "$@"; do
      grep -q 'assigned topic' "$work/worker-$name.log" 2>/dev/null && held=$((held + 1))
    done
    [ "$held" = $# ] && return 0
    [ $SECONDS -lt $deadline ] || fail "workers $* did not all get partitions"
    sleep 0.2
  done
}

# start_smtp_sink [VAR=VALUE...]: Debian's aiosmtpd on a port of its own,
# keeping each message in $work/mail (deploy/mail/smtp_sink.py; the VARs,
# SINK_TEMP_FAILS and SINK_REJECT, make it answer 451 or 550); sets smtp_port.
start_smtp_sink() {
  smtp_port=$((22000 + RANDOM % 2000))
  mkdir -p "$work/mail"
  env SINK_DIR="$work/mail" PYTHONPATH="$here/../../deploy/mail" "$@" \
    "$py" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c smtp_sink.Sink >"$work/smtp.log" 2>&1 &
  worker_pids+=($!)
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the SMTP sink did not answer on port $smtp_port"
}

# start_mailer [flags...]: rumbook-mailer sending to the sink; sets mailer_pid.
start_mailer() {
  "$RB_BIN/rumbook-mailer" --smtp-url "smtp://127.0.0.1:$smtp_port" --mail-from booking@rumbook.example \
    --mailer-group "m.$uniq" "$@" >>"$work/worker-mailer.log" 2>&1 &
  mailer_pid=$!
  worker_pids+=($mailer_pid)
}

# wait_until SECONDS SQL EXPECTED: polls until the query returns EXPECTED.
wait_until() {
  local deadline=$((SECONDS + $1)) got
  while :; do
    got=$(sql "$2")
    [ "$got" = "$3" ] && return 0
    [ $SECONDS -ge $deadline ] && fail "waited $1 s for [$2] = $3, last saw $got"
    sleep 0.3
  done
}

# published: waits until the relay has sent every event written so far.
published() {
  wait_until 60 "SELECT count(*) FROM outbox_batches WHERE sent_at IS NULL" 0
}

# watch_all FILE COUNT: collects COUNT events (all topics) from the beginning.
watch_all() {
  "$ctl" watch --from-beginning --count "$2" --timeout-ms 30000 >"$1"
}
