#!/usr/bin/env bash
# Benchmarks our release wasm against the peers' npm packages in one Node process
# (bench/run.mjs), then the same rows in headless Chromium (bench/chromium.mjs); both get
# the same arguments (--quick, --readme).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --release
node bench/run.mjs "$@"
node bench/chromium.mjs "$@"
