#!/usr/bin/env bash
# Every test of mtproto-wasm, on a fresh machine too: setup, native tests, the real wasm
# in headless Chromium, then the built packages from Node and from a browser page.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo; echo "== native: cargo test"
cargo test --workspace

echo; echo "== the test DC against Telethon (a client nobody here wrote)"
bash tests/testdc/telethon_check.sh

echo; echo "== wasm in headless Chromium: wasm-pack test"
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver

echo; echo "== build pkg/ and pkg-node/"
bash scripts/build.sh --release

echo; echo "== Node build and browser build: node --test"
node --test tests/js/

echo; echo "== fuzz: a short run of every target (scripts/fuzz.sh SECONDS for longer runs)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
