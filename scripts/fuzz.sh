#!/usr/bin/env bash
# Runs every cargo-fuzz target for a set time (default 30 s each), starting from seed
# corpora written from the code's own traffic (tests/fuzz_seeds.rs). A crash fails the run;
# libFuzzer leaves the crashing input in fuzz/artifacts/<target>/.
#
#   bash scripts/fuzz.sh [seconds per target] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi

corpus=fuzz/corpus
FUZZ_SEED_DIR="$PWD/$corpus" cargo test --quiet --test fuzz_seeds -- --ignored >/dev/null

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
for t in "${targets[@]}"; do
  echo "== fuzz: $t for ${seconds}s"
  log=$(mktemp)
  status=0
  cargo +nightly fuzz run --fuzz-dir fuzz "$t" "$corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+[[:space:]]+DONE)|ERROR|panicked|SUMMARY' "$log" || true
  echo "corpus: $(find "$corpus/$t" -type f | wc -l) files"
  ls "fuzz/artifacts/$t" 2>/dev/null | sed 's/^/artifact: /' || true
  if [ "$status" -ne 0 ]; then tail -n 40 "$log"; echo "fuzz: $t FAILED"; exit 1; fi
  rm -f "$log"
done
echo "fuzz: all targets ran ${seconds}s without a crash"
