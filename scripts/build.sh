#!/usr/bin/env bash
# Builds the wasm package twice from one cargo build: pkg/ (--target web, the npm package)
# and pkg-node/ (--target nodejs). Then runs a current wasm-opt (npm `binaryen`; Debian's
# 108 emits modules that fail to load) over both.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:---release}

wasm-pack build "$profile" --target web --out-dir pkg --out-name mtproto_wasm
wasm-pack build "$profile" --target nodejs --out-dir pkg-node --out-name mtproto_wasm

if [ "$profile" = "--release" ]; then
  for wasm in pkg/mtproto_wasm_bg.wasm pkg-node/mtproto_wasm_bg.wasm; do
    node_modules/.bin/wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
  done
fi
# The hand-written Client ships next to the wasm-bindgen output: js/client.js as an ES module
# in pkg/, and a CommonJS copy (client.cjs) in pkg-node/; both listed in package.json "files".
bash scripts/copy-client.sh
raw=$(wc -c < pkg/mtproto_wasm_bg.wasm)
gz=$(gzip -9 -c pkg/mtproto_wasm_bg.wasm | wc -c)
echo "build: pkg/mtproto_wasm_bg.wasm $raw bytes, $gz bytes gzipped"
