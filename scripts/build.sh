#!/usr/bin/env bash
# Builds the wasm packages: pkg/ (--target web, the npm package) and pkg-node/ (--target
# nodejs), then runs a current wasm-opt (npm `binaryen`; Debian's 108 emits modules that
# fail to load) over them.
#
# Two builds of the same code go into pkg/:
#   mtproto_wasm_bg.wasm         RUSTFLAGS=-C target-feature=+simd128 (vector-permute AES)
#   mtproto_wasm_bg.nosimd.wasm  no SIMD instruction, for engines without SIMD128
# The wasm-bindgen glue of the two is checked to be byte-identical, so pkg/mtproto_wasm.js
# drives either; pkg/loader.js (from js/loader.js) picks one at load time with
# WebAssembly.validate on a tiny SIMD module. pkg-node/ is SIMD only (Node >= 16.4 has it).
# The fallback builds in its own target dir (target/nosimd) so the two RUSTFLAGS do not
# evict each other's artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:---release}
simd="${RUSTFLAGS:-} -C target-feature=+simd128"
nosimd_pkg=target/pkg-nosimd

RUSTFLAGS="$simd" wasm-pack build "$profile" --target web --out-dir pkg --out-name mtproto_wasm
RUSTFLAGS="$simd" wasm-pack build "$profile" --target nodejs --out-dir pkg-node --out-name mtproto_wasm
# pkg-test/: a Node build with the test-only `__TestServer` export (feature test-server) for
# tests/js/node-client.test.mjs and the benchmark; never published, so the shipped wasm
# carries no server code.
RUSTFLAGS="$simd" wasm-pack build "$profile" --target nodejs --out-dir pkg-test --out-name mtproto_wasm \
  -- --features test-server
CARGO_TARGET_DIR=target/nosimd wasm-pack build "$profile" --target web \
  --out-dir "$nosimd_pkg" --out-name mtproto_wasm

if ! cmp -s pkg/mtproto_wasm.js "$nosimd_pkg/mtproto_wasm.js"; then
  echo "build: the SIMD and non-SIMD builds have different JS glue; one loader cannot serve both" >&2
  diff pkg/mtproto_wasm.js "$nosimd_pkg/mtproto_wasm.js" | head -20 >&2
  exit 1
fi
cp "$nosimd_pkg/mtproto_wasm_bg.wasm" pkg/mtproto_wasm_bg.nosimd.wasm
cp js/loader.js pkg/loader.js
# Ship the two extra files (wasm-pack writes package.json's "files" list).
node -e '
  const fs = require("fs"), p = "pkg/package.json", j = JSON.parse(fs.readFileSync(p));
  for (const f of ["mtproto_wasm_bg.nosimd.wasm", "loader.js"]) if (!j.files.includes(f)) j.files.push(f);
  fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n");'

if [ "$profile" = "--release" ]; then
  features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals --enable-reference-types --enable-multivalue)
  for wasm in pkg/mtproto_wasm_bg.wasm pkg-node/mtproto_wasm_bg.wasm pkg/mtproto_wasm_bg.nosimd.wasm; do
    extra=(--enable-simd) # the fallback gets none: wasm-opt then rejects any SIMD instruction in it
    case "$wasm" in *nosimd*) extra=() ;; esac
    node_modules/.bin/wasm-opt -O3 "${features[@]}" "${extra[@]}" "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
  done
fi
# The hand-written Client ships next to the wasm-bindgen output: js/client.js as an ES module
# in pkg/, and a CommonJS copy (client.cjs) in pkg-node/; both listed in package.json "files".
bash scripts/copy-client.sh
# Generated TL types, hand-written declarations, README and the complete package.json.
node scripts/gen-tl-types.mjs pkg/tl-types.d.ts
node scripts/package-json.mjs
for wasm in pkg/mtproto_wasm_bg.wasm pkg/mtproto_wasm_bg.nosimd.wasm; do
  raw=$(wc -c < "$wasm")
  gz=$(gzip -9 -c "$wasm" | wc -c)
  echo "build: $wasm $raw bytes, $gz bytes gzipped"
done
