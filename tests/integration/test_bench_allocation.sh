#!/usr/bin/env bash
# rumbook-bench-allocation works end to end at a small size: both orders
# drawn on copies of one database, figures printed, its databases dropped.
# No timing is asserted: speed is measured by running the benchmark.
. "$(dirname "$0")/lib.sh"
"$RB_BIN/rumbook-bench-allocation" --pg "$RUMBOOK_TEST_PG" --schools 10 --classes 300 \
  --offerings 10 --sessions 60 --wishes 600 >"$work/out" 2>"$work/err" || {
  cat "$work/out" "$work/err" >&2
  fail "rumbook-bench-allocation failed"
}
cat "$work/out"
for order in arrival draw; do
  grep -q "^rumbook-bench-allocation order=$order classes=300 wishes=600 seconds=[0-9.]* placed=[1-9][0-9]* .*choice1=[0-9.]*% .*none=[0-9.]*% school_placed_share_min/median/max=[0-9.]*/[0-9.]*/[0-9.]*$" "$work/out" ||
    fail "no $order figures"
done
# 60 sessions of 3 class places: never more placed than that
placed=$(sed -n 's/.*order=draw .* placed=\([0-9]*\) .*/\1/p' "$work/out" | head -1)
[ "$placed" -le 180 ] || fail "placed $placed in 180 places"
grep -q '^rumbook-bench-allocation draw/arrival: placed=[0-9]*/[0-9]* ' "$work/out" || fail "no comparison"
grep -q "^rumbook-bench-allocation drawn twice: the same (" "$work/out" || fail "the same seed and wishes gave another result"
grep -q "^rumbook-bench-allocation placed over 5 seeds: mean=[0-9.]* min=[0-9]* max=[0-9]*; arrival=[0-9]*; mean/arrival=[0-9.]*$" "$work/out" || fail "no figures over seeds"
[ "$(psql "$RUMBOOK_TEST_PG/postgres" -qAtX -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'rumbook_alloc_%'")" = 0 ] ||
  fail "databases left behind"
echo "PASS $test_name"
