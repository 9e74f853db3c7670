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

# The shipped wasm has two builds (scripts/build.sh): SIMD128 (vector-permute AES) and a
# fallback without SIMD (the `aes` crate). Every wasm test runs on the SIMD build; the AES
# known answers and randomized cross-checks run on the fallback too (own target dir, so
# the two RUSTFLAGS do not rebuild each other).
echo; echo "== wasm SIMD128 build in headless Chromium: wasm-pack test"
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128" \
  wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver

echo; echo "== wasm build without SIMD in headless Chromium: AES tests"
CARGO_TARGET_DIR=target/nosimd \
  wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver -- \
  --test aes_cross --test crypto_kat

echo; echo "== build pkg/ and pkg-node/"
bash scripts/build.sh --release

echo; echo "== Node build and browser build: node --test"
node --test tests/js/

echo; echo "== fuzz: a short run of every target (scripts/fuzz.sh SECONDS for longer runs)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
