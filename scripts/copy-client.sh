#!/usr/bin/env bash
# Copies the hand-written JavaScript (js/client.js, js/tl-reader.js, js/secret.js) into the
# built packages: pkg/*.js (ES modules importing ./mtproto_wasm.js) and pkg-node/*.cjs
# (CommonJS), and adds them to each package.json "files". Run by scripts/build.sh after
# wasm-pack.
set -euo pipefail
cd "$(dirname "$0")/.."
cp js/client.js pkg/client.js
cp js/tl-reader.js pkg/tl-reader.js
cp js/secret.js pkg/secret.js
# CommonJS: imports become requires (of ./mtproto_wasm.js, or of the other .cjs files),
# exports become module.exports.
{
  sed -e "s#^import {\(.*\)} from './mtproto_wasm.js';#const {\1} = require('./mtproto_wasm.js');#" \
      -e "s#^import {\(.*\)} from './tl-reader.js';#const {\1} = require('./tl-reader.cjs');#" \
      -e "s#^import { SecretChats } from './secret.js';#const { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage } = require('./secret.cjs');#" \
      -e "/^export {.*} from '.\/\(secret\|tl-reader\).js';$/d" \
      -e 's/^export //' js/client.js
  echo 'module.exports = { Client, RpcError, webSocketTransport, decodeTl, decodeTlResult, SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage };'
} > pkg-node/client.cjs
{
  sed -e "s#^import {\(.*\)} from './mtproto_wasm.js';#const {\1} = require('./mtproto_wasm.js');#" \
      -e 's/^export //' js/tl-reader.js
  echo 'module.exports = { decodeTl, decodeTlResult };'
} > pkg-node/tl-reader.cjs
{
  echo "const {"
  echo "  SecretDh, SecretRequest, SecretChatCore, acceptSecretChat, encryptSecretFile, decryptSecretFile,"
  echo "} = require('./mtproto_wasm.js');"
  sed -e '/^import {$/,/^} from .*mtproto_wasm.js.;$/d' -e 's/^export //' js/secret.js
  echo 'module.exports = { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage };'
} > pkg-node/secret.cjs
# Every import must have become a require: a leftover would only fail when loaded.
if grep -n "^import \|^export " pkg-node/*.cjs; then
  echo "copy-client: an import or export is left in a CommonJS file" >&2
  exit 1
fi
node -e '
const fs = require("fs");
for (const [dir, files] of [["pkg", ["client.js", "tl-reader.js", "secret.js"]],
  ["pkg-node", ["client.cjs", "tl-reader.cjs", "secret.cjs"]]]) {
  const p = dir + "/package.json";
  const j = JSON.parse(fs.readFileSync(p, "utf8"));
  j.files = [...new Set([...(j.files || []), ...files])];
  fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n");
}'
