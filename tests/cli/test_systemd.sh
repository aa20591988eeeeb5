#!/usr/bin/env bash
# The systemd unit is one systemd accepts without a word (systemd-analyze
# verify prints and goes on for a bad key, so any output fails), and its
# hardening keeps the exposure score at 2.0 or below.
set -euo pipefail
: "${RB_BIN:?RB_BIN unset}"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/rumbook-systemd.XXXXXX)
trap 'rm -rf "$work"' EXIT

sed "s|/usr/local/bin/rumbook-worker|$RB_BIN/rumbook-worker|" \
  "$root/deploy/systemd/rumbook-worker@.service" >"$work/rumbook-worker@.service"
(cd "$work" && systemd-analyze verify --man=no ./rumbook-worker@.service) >"$work/out" 2>&1 ||
  { cat "$work/out"; echo "FAIL: systemd-analyze verify"; exit 1; }
[ ! -s "$work/out" ] || { cat "$work/out"; echo "FAIL: systemd-analyze verify complained"; exit 1; }
# The check can fail: a unit with a bad key is reported.
sed 's/^Restart=always/Restart=sometimes/' "$work/rumbook-worker@.service" >"$work/bad@.service"
(cd "$work" && systemd-analyze verify --man=no ./bad@.service) >"$work/bad" 2>&1 || true
grep -q 'restart specifier' "$work/bad" || { echo "FAIL: a bad unit passed"; exit 1; }
score=$(cd "$work" && systemd-analyze security --offline=true --no-pager ./rumbook-worker@.service |
  sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' ||
  { echo "FAIL: exposure level $score, wanted 2.0 or below"; exit 1; }
echo "test_systemd: 3 passed, 0 failed (exposure level $score)"
