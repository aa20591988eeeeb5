#!/usr/bin/env bash
# The whole path encrypted and authenticated, on services of this test's
# own: a PostgreSQL that takes only TLS with a SCRAM password, and a broker
# whose clients' listener is SASL_SSL with SCRAM-SHA-512 users, both with
# certificates from a CA made here (openssl). Workers, rumbookctl and the
# mailer verify the servers (sslmode=verify-full, the broker's name) and
# take their passwords from a file or the environment: afterwards neither
# password is in any log or any process's command line. A wrong password
# or a certificate from another CA stops a program at start-up with a
# clear error.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
svc=$(mktemp -d /tmp/rumbook-secure-svc.XXXXXX)
chmod 755 "$svc"
pg_port=$((24000 + RANDOM % 2000))
kafka_port=$((31000 + RANDOM % 700 * 2))
sasl_port=$((kafka_port + 2))
[ -f "$root/deploy/kafka-scram/libs/.complete" ] ||
  { echo "FAIL test_secure: no Kafka 3.9 jars: run deploy/install-deps.sh --tests" >&2; exit 1; }
stop_services() {
  "$root/deploy/kafka.sh" stop "$svc/kafka" || true
  "$root/deploy/pg.sh" stop "$svc/pg" || true
  rm -rf "$svc"
}
trap stop_services EXIT

# A CA, a server certificate for localhost and 127.0.0.1, and another CA
# nobody trusts.
tls="$svc/tls"
mkdir -p "$tls"
openssl_quiet() { openssl "$@" 2>/dev/null; }
for ca in ca other-ca; do
  openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rumbook test $ca" \
    -keyout "$tls/$ca.key" -out "$tls/$ca.crt"
done
openssl_quiet req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" \
  -out "$tls/server.csr"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/san.ext"
openssl_quiet x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
  -CAcreateserial -days 2 -extfile "$tls/san.ext" -out "$tls/server.crt"
cat "$tls/server.key" "$tls/server.crt" >"$tls/server.pem"
chmod 644 "$tls"/*.crt "$tls/server.pem"

pg_password="pg-$RANDOM-$RANDOM-secret"
kafka_password="kafka-$RANDOM-$RANDOM-secret"

# PostgreSQL: TLS only, SCRAM passwords.
"$root/deploy/pg.sh" start "$svc/pg" "$pg_port" >/dev/null
psql "postgresql://postgres@127.0.0.1:$pg_port/postgres" -qc \
  "CREATE ROLE rumbook LOGIN CREATEDB PASSWORD '$pg_password'" >/dev/null
cp "$tls/server.crt" "$tls/server.key" "$svc/pg/"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$svc/pg/server.crt" "$svc/pg/server.key"
chmod 600 "$svc/pg/server.key"
printf "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\npassword_encryption = scram-sha-256\n" \
  >>"$svc/pg/postgresql.conf"
printf 'hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n' \
  >"$svc/pg/pg_hba.conf"
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v pg_ctl)")
as_owner "$bindir/pg_ctl" -D "$svc/pg" -l "$svc/pg/server.log" -w -t 60 restart >/dev/null

# The broker: SASL_SSL for clients, SCRAM users made when it is formatted.
# A 3.9 broker: librdkafka 2.0.2 (Debian 12) fails SCRAM with 4.x brokers,
# which compare the nonce strictly (librdkafka #4895, fixed in 2.6.1).
KAFKA_LIBS="$root/deploy/kafka-scram/libs" KAFKA_SASL_SSL_PORT=$sasl_port KAFKA_TLS_PEM="$tls/server.pem" \
  KAFKA_SCRAM="SCRAM-SHA-512=[name=rumbook,password=$kafka_password]" \
  "$root/deploy/kafka.sh" start "$svc/kafka" "$kafka_port" >/dev/null

# Every client below connects this way: libpq and rumbook read these.
umask 077
printf '%s\n' "$kafka_password" >"$svc/kafka.password"
printf 'localhost:%s:*:rumbook:%s\n' "$pg_port" "$pg_password" >"$svc/pgpass"
umask 022
export PGSSLMODE=verify-full PGSSLROOTCERT="$tls/ca.crt" PGPASSFILE="$svc/pgpass"
export RUMBOOK_KAFKA_SECURITY=sasl_ssl RUMBOOK_KAFKA_CA="$tls/ca.crt" RUMBOOK_KAFKA_USER=rumbook
export RUMBOOK_KAFKA_PASSWORD_FILE="$svc/kafka.password"
export RUMBOOK_TEST_PG="postgresql://rumbook@localhost:$pg_port"
export RUMBOOK_BROKERS="localhost:$sasl_port"
. "$(dirname "$0")/lib.sh"
trap 'cleanup; stop_services' EXIT
psql "$RUMBOOK_TEST_PG/postgres" -qAtc "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" |
  grep -qx t || fail "psql's connection is not TLS"
setup 10

start_smtp_sink
start_worker a
start_mailer
wait_assigned a

# Book, move and cancel through it all: decided, published, mailed.
c1=$(submit_one book --session race --class c1 --pupils 20)
decided "$c1" confirmed
bid=$(sql "SELECT booking_id FROM commands WHERE command_id = '$c1'")
m1=$(submit_one reschedule --booking "$bid" --session later)
decided "$m1" confirmed
x1=$(submit_one cancel --booking "$bid")
decided "$x1" cancelled
wait_until 60 "SELECT count(*) FROM deliveries WHERE booking_id = '$bid' AND state = 'sent'" 3
"$ctl" watch --from-beginning --count 6 --timeout-ms 20000 >"$work/events" || fail "watch over SASL_SSL"
[ "$(grep -c '"type":"decision"' "$work/events")" = 3 ] || fail "decisions on the topic: $(cat "$work/events")"
sql "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
     WHERE a.usename = 'rumbook' AND NOT s.ssl" | grep -qx 0 || fail "a connection without TLS"
[ "$(sql "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
          WHERE a.datname = 'rb_$uniq' AND s.ssl")" -ge 3 ] || fail "the worker, relay and mailer are not on TLS"

# No password in a command line, the logs or --print-config.
for pid in "$pid_a" "$mailer_pid"; do
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qe "$pg_password" -e "$kafka_password" &&
    fail "a password in process $pid's command line"
done
"$worker_bin" --print-config >"$work/print-config" || fail "--print-config"
kill "$pid_a" "$mailer_pid"
wait "$pid_a" "$mailer_pid" 2>/dev/null || true
grep -rle "$pg_password" -e "$kafka_password" "$work" && fail "a password in a log"
grep -q '^kafka-password-file = ' "$work/print-config" || fail "print-config: $(cat "$work/print-config")"

# A password in a flag is refused before anything is tried.
"$worker_bin" --dsn "postgresql://rumbook:$pg_password@localhost:$pg_port/rb_$uniq" 2>"$work/err" &&
  fail "a password in --dsn was taken"
grep -q 'invalid --dsn: a password in a flag shows in the process list' "$work/err" ||
  fail "--dsn with a password: $(cat "$work/err")"

# Start-up failures are quick and say why.
# ends_within SECONDS CMD...: runs CMD, which must fail within SECONDS.
ends_within() {
  local limit=$1 t0=$SECONDS
  shift
  timeout $((limit + 5)) "$@" >"$work/out" 2>&1 && fail "$* succeeded"
  [ $((SECONDS - t0)) -le "$limit" ] || fail "$* took $((SECONDS - t0)) s to fail"
  return 0
}
printf 'wrong-password\n' >"$svc/kafka.wrong"
ends_within 20 env RUMBOOK_KAFKA_PASSWORD_FILE="$svc/kafka.wrong" "$worker_bin"
grep -q 'fatal: kafka: .*[Aa]uthentication' "$work/out" || fail "wrong Kafka password: $(tail -3 "$work/out")"
ends_within 20 env RUMBOOK_KAFKA_CA="$tls/other-ca.crt" "$worker_bin"
grep -q 'fatal: kafka: .*certificate verify failed' "$work/out" || fail "untrusted broker: $(tail -3 "$work/out")"
ends_within 20 env RUMBOOK_KAFKA_PASSWORD_FILE="$svc/kafka.wrong" "$ctl" submit book --session race --class c2 --pupils 5
grep -q 'kafka: .*[Aa]uthentication' "$work/out" || fail "submit, wrong password: $(tail -3 "$work/out")"
printf 'localhost:%s:*:rumbook:wrong\n' "$pg_port" >"$svc/pgpass.wrong"
chmod 600 "$svc/pgpass.wrong"
ends_within 10 env PGPASSFILE="$svc/pgpass.wrong" "$worker_bin"
grep -q 'password authentication failed for user "rumbook"' "$work/out" || fail "wrong PostgreSQL password: $(tail -3 "$work/out")"
ends_within 10 env PGSSLROOTCERT="$tls/other-ca.crt" "$worker_bin"
grep -q 'certificate verify failed' "$work/out" || fail "untrusted PostgreSQL: $(tail -3 "$work/out")"
ends_within 10 env PGSSLMODE=disable "$ctl" migrate
grep -q 'no encryption' "$work/out" || fail "a plain connection: $(tail -3 "$work/out")"
echo "PASS $test_name"
