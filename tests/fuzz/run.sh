#!/usr/bin/env bash
# Fuzzes the command decoder, the JSON reader, the invitation writer, the
# closure reader and the signature check with
# libFuzzer, each from its committed seeds for FUZZ_SECONDS (default 30). The
# targets are built by CMake (-DRB_FUZZ=ON, clang) in BUILD_DIR.
# Usage: tests/fuzz/run.sh [BUILD_DIR]   (default: build-fuzz)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-30}

if ! command -v clang-14 >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null
fi

targets=(command json calendar closures signature)
CC=clang-14 cmake -S "$root" -B "$build" -DRB_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

out=$(mktemp -d /tmp/rumbook-fuzz.XXXXXX)
trap 'rm -rf "$out"' EXIT
status=0
for target in "${targets[@]}"; do
  mkdir -p "$out/corpus_$target"
  cp "$here/corpus/$target/"* "$out/corpus_$target/"
  echo "fuzzing $target for ${seconds}s from $(ls "$here/corpus/$target" | wc -l) seeds"
  if ! "$build/tests/fuzz_$target" -max_total_time="$seconds" -max_len=4096 \
      -print_final_stats=0 -artifact_prefix="$out/" "$out/corpus_$target" 2>"$out/$target.log"; then
    tail -n 40 "$out/$target.log" >&2
    status=1
  else
    grep -E '^Done|^#[0-9]+.*DONE' "$out/$target.log" | tail -n 1 || true
  fi
done
exit $status
