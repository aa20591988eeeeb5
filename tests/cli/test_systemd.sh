#!/usr/bin/env bash
# The systemd unit is one systemd accepts without a word (systemd-analyze
# verify prints and goes on for a bad key, so any output fails), and its
# hardening keeps the exposure score at 2.0 or below.
set -euo pipefail
: "${RB_BIN:?RB_BIN unset}"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/rumbook-systemd.XXXXXX)
trap 'rm -rf "$work"' EXIT

for unit in rumbook-worker@.service rumbook-mailer.service; do
  sed "s|/usr/local/bin/rumbook-|$RB_BIN/rumbook-|" "$root/deploy/systemd/$unit" >"$work/$unit"
  (cd "$work" && systemd-analyze verify --man=no "./$unit") >"$work/out" 2>&1 ||
    { cat "$work/out"; echo "FAIL: systemd-analyze verify $unit"; exit 1; }
  [ ! -s "$work/out" ] || { cat "$work/out"; echo "FAIL: systemd-analyze verify complained about $unit"; exit 1; }
done
# The check can fail: a unit with a bad key is reported.
sed 's/^Restart=always/Restart=sometimes/' "$work/rumbook-worker@.service" >"$work/bad@.service"
(cd "$work" && systemd-analyze verify --man=no ./bad@.service) >"$work/bad" 2>&1 || true
grep -q 'restart specifier' "$work/bad" || { echo "FAIL: a bad unit passed"; exit 1; }
scores=""
for unit in rumbook-worker@.service rumbook-mailer.service; do
  score=$(cd "$work" && systemd-analyze security --offline=true --no-pager "./$unit" |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' ||
    { echo "FAIL: $unit exposure level $score, wanted 2.0 or below"; exit 1; }
  scores="$scores $unit=$score"
done
echo "test_systemd: 5 passed, 0 failed (exposure levels:$scores)"
