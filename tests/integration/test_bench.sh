#!/usr/bin/env bash
# rumbook-bench works end to end at a small size: every command decided
# once, no session over capacity (its own check), figures printed and written.
# No timing is asserted: speed is measured by running the benchmark, not here.
. "$(dirname "$0")/lib.sh"
"$RB_BIN/rumbook-bench" --pg "$RUMBOOK_TEST_PG" --providers 5 --offerings 20 --sessions 200 \
  --schools 10 --classes 300 --commands 2000 --unbatched-commands 100 --workers 2 \
  --json "$work/bench.json" >"$work/bench.out" 2>"$work/bench.err" || {
  cat "$work/bench.out" "$work/bench.err" >&2
  fail "rumbook-bench failed"
}
cat "$work/bench.out"
grep -q 'mode=batched .*decided=2000 .*verified=yes' "$work/bench.out" || fail "batched round not verified"
grep -q 'mode=unbatched .*decided=100 .*verified=yes' "$work/bench.out" || fail "unbatched round not verified"
grep -q '"decisions_per_s"' "$work/bench.json" || fail "no JSON figures"
echo "PASS $test_name"
