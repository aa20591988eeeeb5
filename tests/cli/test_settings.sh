#!/usr/bin/env bash
# Every bad setting, from a flag, the environment or a config file, stops
# the program at start-up with exit 2 and a message naming the setting and
# where it came from; good ones show in --print-config with their source.
set -uo pipefail
: "${RB_BIN:?RB_BIN unset}"
work=$(mktemp -d /tmp/rumbook-settings.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0 checks=0

# refused EXPECTED_TEXT CMD...: exits 2 and says EXPECTED_TEXT on stderr.
refused() {
  local want=$1 rc
  shift
  checks=$((checks + 1))
  "$@" >/dev/null 2>"$work/err"
  rc=$?
  if [ "$rc" != 2 ] || ! grep -qF -- "$want" "$work/err"; then
    echo "FAIL: $* exited $rc, said: $(cat "$work/err") (wanted: $want)" >&2
    failures=$((failures + 1))
  fi
}
w="$RB_BIN/rumbook-worker"

refused 'invalid RUMBOOK_BATCH_SIZE "0": must be 1-100000' env RUMBOOK_BATCH_SIZE=0 "$w"
refused 'invalid RUMBOOK_BATCH_SIZE "abc": must be 1-100000' env RUMBOOK_BATCH_SIZE=abc "$w"
refused 'invalid RUMBOOK_BATCH_SIZE "12x"' env RUMBOOK_BATCH_SIZE=12x "$w"
refused 'invalid RUMBOOK_BATCH_SIZE "99999999999999999999"' \
  env RUMBOOK_BATCH_SIZE=99999999999999999999 "$w"
refused 'invalid RUMBOOK_LINGER_MS "-1": must be 0-60000' env RUMBOOK_LINGER_MS=-1 "$w"
refused 'invalid RUMBOOK_DSN "": must not be empty' env RUMBOOK_DSN= "$w"
refused 'invalid RUMBOOK_BROKERS' env RUMBOOK_BROKERS="$(printf 'a\tb')" "$w"
refused 'invalid RUMBOOK_TOPIC_COMMANDS "a/b"' env RUMBOOK_TOPIC_COMMANDS=a/b "$w"
refused 'invalid RUMBOOK_GROUP "has space"' env RUMBOOK_GROUP="has space" "$w"
refused 'invalid RUMBOOK_RELAY "maybe": must be on or off' env RUMBOOK_RELAY=maybe "$w"
refused 'invalid RUMBOOK_LOG_LEVEL "loud"' env RUMBOOK_LOG_LEVEL=loud "$w"
refused 'invalid --batch-size "0": must be 1-100000' "$w" --batch-size 0
refused 'invalid --linger-ms "60001"' "$w" --linger-ms=60001
refused 'invalid --log-level "verbose"' "$w" --log-level verbose
refused "unrecognized option '--bogus'" "$w" --bogus
refused 'invalid --dsn: a password in a flag shows in the process list' \
  "$w" --dsn postgresql://rumbook:s3cret@db.example/rumbook
refused 'invalid --smtp-url: a password in a flag shows in the process list' \
  "$RB_BIN/rumbook-mailer" --smtp-url smtp://u:s3cret@mail.example:587
refused 'invalid RUMBOOK_KAFKA_SECURITY "ssl": must be plaintext or sasl_ssl' \
  env RUMBOOK_KAFKA_SECURITY=ssl "$w"
refused 'invalid RUMBOOK_ALLOW_UNSIGNED "perhaps": must be on or off' \
  env RUMBOOK_ALLOW_UNSIGNED=perhaps "$w"
refused "requires an argument" "$w" --batch-size
refused 'unexpected argument "extra"' "$w" extra
refused 'could not read config file "/nonexistent.conf"' "$w" --config /nonexistent.conf
refused 'invalid --metrics-listen "127.0.0.1": must be HOST:PORT' "$w" --metrics-listen 127.0.0.1
refused 'invalid --metrics-listen "127.0.0.1:70000"' "$w" --metrics-listen 127.0.0.1:70000
refused 'invalid RUMBOOK_METRICS_LISTEN "[::1:80"' env RUMBOOK_METRICS_LISTEN='[::1:80' "$w"
refused 'could not resolve listen address "no-such-host.invalid:9464"' \
  "$w" --metrics-listen no-such-host.invalid:9464
# A port in use: held by a listener of our own for the length of the check.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$work/port" &
holder=$!
for _ in $(seq 1 50); do [ -s "$work/port" ] && break; sleep 0.1; done
refused "could not listen on \"127.0.0.1:$(cat "$work/port")\": Address already in use" \
  "$w" --metrics-listen "127.0.0.1:$(cat "$work/port")"
kill "$holder"

printf 'batch-size = 0\n' >"$work/a.conf"
refused "invalid batch-size ($work/a.conf:1) \"0\": must be 1-100000" "$w" --config "$work/a.conf"
printf '# comment\n\nno_such_key = 1\n' >"$work/b.conf"
refused "unknown setting \"no_such_key\" at line 3 of config file \"$work/b.conf\"" \
  "$w" --config "$work/b.conf"
printf 'linger-ms 5\n' >"$work/c.conf"
refused "invalid line 1 in config file \"$work/c.conf\": expected key = value" \
  "$w" --config "$work/c.conf"
printf 'relay = perhaps\n' >"$work/d.conf"
refused "invalid relay ($work/d.conf:1) \"perhaps\"" "$w" --config "$work/d.conf"

refused 'rumbookctl migrate: invalid --dsn ""' "$RB_BIN/rumbookctl" migrate --dsn ""
refused 'rumbookctl watch: invalid RUMBOOK_TOPIC_DLQ' env RUMBOOK_TOPIC_DLQ=x:y \
  "$RB_BIN/rumbookctl" watch --count 1
refused 'whole number' "$RB_BIN/rumbookctl" watch --count -1
refused '--partitions must be 1-1000' "$RB_BIN/rumbookctl" topics create --partitions 0
refused 'invalid --workers "0"' "$RB_BIN/rumbook-bench" --workers 0
refused 'invalid --hot-share "2"' "$RB_BIN/rumbook-bench" --hot-share 2

# Precedence (file < environment < flag), sources named, passwords masked.
printf 'batch_size = 7\nlinger-ms = 9\nrelay = off\ndsn = "postgresql://u:s3cret@db/rumbook"\n' \
  >"$work/good.conf"
checks=$((checks + 1))
if ! RUMBOOK_LINGER_MS=5 "$w" --config "$work/good.conf" --log-level debug --print-config \
    >"$work/out" 2>&1; then
  echo "FAIL: --print-config with a good file: $(cat "$work/out")" >&2
  failures=$((failures + 1))
fi
for want in "batch-size = 7  # batch-size ($work/good.conf:1)" "linger-ms = 5  # RUMBOOK_LINGER_MS" \
    "relay = off  # relay ($work/good.conf:3)" "log-level = debug  # --log-level" \
    "dsn = postgresql://u:***@db/rumbook" "group = rumbook-workers  # default"; do
  checks=$((checks + 1))
  grep -qF -- "$want" "$work/out" || { echo "FAIL: --print-config lacks [$want]" >&2; failures=$((failures + 1)); }
done
checks=$((checks + 1))
if grep -q s3cret "$work/out"; then echo "FAIL: --print-config shows the password" >&2; failures=$((failures + 1)); fi

echo "test_settings: $((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
