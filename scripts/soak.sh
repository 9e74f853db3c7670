#!/usr/bin/env bash
# The full soak test: 10,000 requests from four clients and 2,000 secret-chat messages
# through the real test DC while its faults fire (tests/js/e2e/soak-scenario.mjs). The test
# command runs a short form (2,000 + 300) as part of `node --test tests/js/`.
#
#   bash scripts/soak.sh [requests] [secret messages]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f pkg-node/client.cjs ] || bash scripts/build.sh --release
cargo build -q -p mtproto-testdc
SOAK_REQUESTS=${1:-10000} SOAK_SECRET=${2:-2000} node --test --test-reporter=spec tests/js/soak.test.mjs
