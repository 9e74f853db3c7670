#!/usr/bin/env bash
# The fast loop (native only, a few minutes): formatting, clippy as CI reads it, and every
# native test. `scripts/test.sh` runs everything (wasm in browsers, the packages, e2e, fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings
cargo test --workspace
