#!/usr/bin/env bash
# rumbook-bench works end to end at a small size: every command decided
# once, no session over capacity (its own check), figures printed and written,
# and its topics deleted afterwards.
# No timing is asserted: speed is measured by running the benchmark, not here.
. "$(dirname "$0")/lib.sh"
# Topics with partitions (deleted ones can be listed a while without).
bench_topics() {
  kcat -b "$RUMBOOK_BROKERS" -L -m 10 | grep -c '^  topic "bench\.[0-9a-f]*\..*" with [1-9]' || true
}
before=$(bench_topics)
start_smtp_sink
"$RB_BIN/rumbook-bench" --pg "$RUMBOOK_TEST_PG" --providers 5 --offerings 20 --sessions 200 \
  --schools 10 --classes 300 --commands 2000 --unbatched-commands 100 --workers 2 \
  --anchor-requests 20000 --mail-invitations 300 --smtp-url "smtp://127.0.0.1:$smtp_port" --json "$work/bench.json" >"$work/bench.out" 2>"$work/bench.err" || {
  cat "$work/bench.out" "$work/bench.err" >&2
  fail "rumbook-bench failed"
}
cat "$work/bench.out"
grep -q 'mode=batched .*decided=2000 .*verified=yes' "$work/bench.out" || fail "batched round not verified"
grep -q 'mode=unbatched .*decided=100 .*verified=yes' "$work/bench.out" || fail "unbatched round not verified"
grep -q 'mode=batched-metrics .*decided=2000 .*verified=yes' "$work/bench.out" || fail "no metrics round"
grep -q 'mode=batched-unsigned .*decided=2000 .*verified=yes' "$work/bench.out" || fail "no unsigned round"
grep -q '^rumbook-bench signed/unsigned=[0-9.]* ' "$work/bench.out" || fail "no cost of signing"
grep -q '^rumbook-bench verify_us=[0-9.]* worker_cpu_us_per_decision=[1-9][0-9]* verify_share=[0-9.]* ' \
  "$work/bench.out" || fail "no cost of verifying"
grep -q '^rumbook-bench metrics_on/off=[0-9.]* (scraped every second)' "$work/bench.out" || fail "no metrics ratio"
grep -q '^rumbook-bench mode=anchor requests=20000 per_second=[0-9]' "$work/bench.out" || fail "no anchor"
grep -q '^rumbook-bench batched/anchor=[0-9.]* ' "$work/bench.out" || fail "no share of the anchor"
grep -q '^rumbook-bench mode=mail invitations=300 per_second=[0-9]' "$work/bench.out" || fail "no mail figure"
[ "$(ls "$work/mail" | wc -l)" -ge 300 ] || fail "the mail round sent $(ls "$work/mail" | wc -l) messages"
grep -q '"decisions_per_s"' "$work/bench.json" || fail "no JSON figures"
[ "$(bench_topics)" = "$before" ] || fail "rumbook-bench left topics on the broker"
echo "PASS $test_name"
