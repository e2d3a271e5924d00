#!/usr/bin/env bash
# Bounded fuzzing of the gateway's request path (fuzz_targets/request.rs: body → parse → limits →
# validate → plan) starting from the committed seed corpus, one seed per abuse class. Installs
# cargo-fuzz when missing. cargo-fuzz passes -Z flags to rustc: RUSTC_BOOTSTRAP=1 lets the stable
# toolchain take them. No sanitizer: the code is safe Rust; the fuzzer looks for panics, hangs and
# runaway memory.
#   gateway/fuzz/run.sh            60 s
#   FUZZ_SECONDS=600 gateway/fuzz/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${FUZZ_SECONDS:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
cd "$here"
# New inputs the fuzzer finds go to a scratch copy: the committed corpus stays as reviewed.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp corpus/request/* "$work/"
# The fuzz build (instrumented, release) goes beside the workspace's when CARGO_TARGET_DIR is
# set, so CI's persistent target directory keeps it incremental.
target_dir=()
if [ -n "${CARGO_TARGET_DIR:-}" ]; then target_dir=(--target-dir "$CARGO_TARGET_DIR/fuzz"); fi
# A crash writes its input to artifacts/request/ and fails the run.
RUSTC_BOOTSTRAP=1 cargo fuzz run --dev --sanitizer none "${target_dir[@]}" request "$work" -- \
  -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1
