#!/usr/bin/env bash
# Copies the hand-written JavaScript Client (js/client.js) into the built packages: pkg/client.js
# (ES module, imports ./mtproto_wasm.js) and pkg-node/client.cjs (CommonJS, requires it), and
# adds them to each package.json "files". Run by scripts/build.sh after wasm-pack.
set -euo pipefail
cd "$(dirname "$0")/.."
cp js/client.js pkg/client.js
{
  sed -e "s#^import { ClientCore } from './mtproto_wasm.js';#const { ClientCore } = require('./mtproto_wasm.js');#" \
      -e 's/^export //' js/client.js
  echo 'module.exports = { Client, RpcError, webSocketTransport };'
} > pkg-node/client.cjs
node -e '
const fs = require("fs");
for (const [dir, file] of [["pkg", "client.js"], ["pkg-node", "client.cjs"]]) {
  const p = dir + "/package.json";
  const j = JSON.parse(fs.readFileSync(p, "utf8"));
  j.files = [...new Set([...(j.files || []), file])];
  fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n");
}'
