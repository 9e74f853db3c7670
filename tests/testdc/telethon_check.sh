#!/usr/bin/env bash
# Starts the test DC on a free port with the fixed key, runs telethon_check.py against it
# (with a timeout) and stops the server. Usage: bash tests/testdc/telethon_check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

out=$(mktemp)
cargo build -q -p mtproto-testdc
"${CARGO_TARGET_DIR:-target}"/debug/testdc --port 0 --fixed-key --quiet >"$out" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$out"' EXIT

port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^testdc listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
    [ -n "$port" ] && break
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$out" >&2
        echo "telethon_check: the test DC did not start" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "telethon_check: no port from the test DC" >&2
    exit 1
fi
echo "telethon_check: test DC on port $port"
timeout 120 python3 tests/testdc/telethon_check.py "$port"
