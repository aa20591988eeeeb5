#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with AddressSanitizer
# and UndefinedBehaviorSanitizer, starts a throwaway PostgreSQL 15 and Kafka
# broker, runs the unit and integration tests against them, then runs the
# engine's unit tests under valgrind in a plain build. Before that, the
# decoders, the signature check and the invitation writer are fuzzed for
# FUZZ_SECONDS (20) each.
# Exit 0 only if all pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

deploy/install-deps.sh --tests

jobs=$(nproc)
cmake -S . -B build-asan -DRB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j "$jobs"
cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-valgrind -j "$jobs"

status=0
FUZZ_SECONDS=${FUZZ_SECONDS:-20} tests/fuzz/run.sh "$root/build-fuzz" || status=1

run=$(mktemp -d /tmp/rumbook-tests.XXXXXX)
pg_port=$((20000 + RANDOM % 4000))   # below 32768: see docs/operations.md ("Ports")
kafka_port=$((29000 + RANDOM % 900 * 2))
stop_services() {
  deploy/kafka.sh stop "$run/kafka" || true
  deploy/pg.sh stop "$run/pg" || true
  rm -rf "$run"
}
trap stop_services EXIT
chmod 755 "$run"
deploy/pg.sh start "$run/pg" "$pg_port" >/dev/null
deploy/kafka.sh start "$run/kafka" "$kafka_port" >/dev/null

export RUMBOOK_TEST_PG="postgresql://postgres@127.0.0.1:$pg_port"
export RUMBOOK_BROKERS="127.0.0.1:$kafka_port"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

(cd build-asan && ctest --output-on-failure -L 'unit|integration') || status=1
(cd build-valgrind && ctest --output-on-failure -L valgrind) || status=1
exit $status
