#!/usr/bin/env bash
# Copies the hand-written JavaScript (js/client.js, js/secret.js) into the built packages:
# pkg/*.js (ES modules importing ./mtproto_wasm.js) and pkg-node/*.cjs (CommonJS), and adds
# them to each package.json "files". Run by scripts/build.sh after wasm-pack.
set -euo pipefail
cd "$(dirname "$0")/.."
cp js/client.js pkg/client.js
cp js/secret.js pkg/secret.js
# CommonJS: imports become requires, exports become module.exports.
{
  sed -e "s#^import {\(.*\)} from './mtproto_wasm.js';#const {\1} = require('./mtproto_wasm.js');#" \
      -e "s#^import { SecretChats } from './secret.js';#const { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage } = require('./secret.cjs');#" \
      -e "/^export {.*} from '.\/secret.js';$/d" \
      -e 's/^export //' js/client.js
  echo 'module.exports = { Client, RpcError, webSocketTransport, fromTape, decodeTl, decodeTlResult, SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage };'
} > pkg-node/client.cjs
{
  echo "const {"
  echo "  SecretDh, SecretRequest, SecretChatCore, acceptSecretChat, encryptSecretFile, decryptSecretFile,"
  echo "} = require('./mtproto_wasm.js');"
  sed -e '/^import {$/,/^} from .*mtproto_wasm.js.;$/d' -e 's/^export //' js/secret.js
  echo 'module.exports = { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage };'
} > pkg-node/secret.cjs
node -e '
const fs = require("fs");
for (const [dir, files] of [["pkg", ["client.js", "secret.js"]], ["pkg-node", ["client.cjs", "secret.cjs"]]]) {
  const p = dir + "/package.json";
  const j = JSON.parse(fs.readFileSync(p, "utf8"));
  j.files = [...new Set([...(j.files || []), ...files])];
  fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n");
}'
