#!/usr/bin/env bash
# Fuzzes the command decoder, the JSON reader and the invitation writer with libFuzzer (clang),
# starting from the committed seeds, for FUZZ_SECONDS each (default 30).
# Usage: tests/fuzz/run.sh [BUILD_DIR]   (BUILD_DIR holds the generated proto code)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
seconds=${FUZZ_SECONDS:-30}

if ! command -v clang-14 >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null
fi

out=$(mktemp -d /tmp/rumbook-fuzz.XXXXXX)
trap 'rm -rf "$out"' EXIT
flags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -D_DEFAULT_SOURCE -I"$root/engine/include" -I"$build/proto")
# decision.c brings the rule table, and with it the rule modules.
engine=("$root/engine/command.c" "$root/engine/decision.c" "$root/engine/uuid.c"
        "$root/engine/calendar.c" "$root/engine/error.c" "$root/engine/json.c" "$root/engine/buf.c"
        "$build/proto/rumbook/v1/booking.pb-c.c")
for m in localtime availability eligibility closures conflicts travel resources buses quotas holds; do
  engine+=("$root/engine/$m.c")
done
status=0
for target in command json calendar; do
  clang-14 "${flags[@]}" "$here/fuzz_$target.c" "${engine[@]}" -lprotobuf-c -lical -lm -o "$out/fuzz_$target"
  mkdir -p "$out/corpus_$target"
  cp "$here/corpus/$target/"* "$out/corpus_$target/"
  echo "fuzzing $target for ${seconds}s"
  if ! "$out/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=0 \
      -artifact_prefix="$out/" "$out/corpus_$target" 2>"$out/$target.log"; then
    tail -n 40 "$out/$target.log" >&2
    status=1
  else
    grep -E '^Done|^#[0-9]+.*DONE' "$out/$target.log" | tail -n 1 || true
  fi
done
exit $status
