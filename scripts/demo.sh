#!/usr/bin/env bash
# Sets up, builds, and runs the demo: the local test DC serving the demo page (www/) and
# the built package (pkg/) on one port, with the WebSocket endpoint the page connects to.
# PORT=N picks the port (default 8080; 0 picks a free one). Ctrl-C stops it.
# `bash scripts/demo.sh --bench` runs the benchmark against the peers instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--bench" ]; then shift; exec bash scripts/bench.sh "$@"; fi

bash scripts/setup.sh
bash scripts/build.sh --release
cargo build --release -q -p mtproto-testdc
echo
echo "== demo: open the URL below in two tabs (each tab signs in as its own test user)"
exec target/release/testdc --port "${PORT:-8080}" "$@"
