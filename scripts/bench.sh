#!/usr/bin/env bash
# Benchmarks our release wasm against the peers' npm packages in one Node process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --release
node bench/run.mjs "$@"
