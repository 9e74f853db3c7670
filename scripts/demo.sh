#!/usr/bin/env bash
# Sets up and runs the demo. Until the test DC and the demo page exist (issues 5 and 8),
# the demo is the benchmark: our wasm against the peers' npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/bench.sh "$@"
