#!/usr/bin/env bash
# Copies the hand-written JavaScript (js/client.js, js/secret.js and the TL reader and writer
# js/tl-*.js) into the built packages: pkg/*.js (ES modules importing ./mtproto_wasm.js) and
# pkg-node/*.cjs (CommonJS), and adds them to each package.json "files". Run by
# scripts/build.sh after wasm-pack.
set -euo pipefail
cd "$(dirname "$0")/.."
tl_modules=(tl-schema tl-reader tl-writer)
for f in client secret "${tl_modules[@]}"; do cp "js/$f.js" "pkg/$f.js"; done

# CommonJS: imports become requires (of ./mtproto_wasm.js, or of the other .cjs files, one
# line or `import {` ... `} from '...';` over several), exports become module.exports.
to_require() {
  sed -e "s#^import {\(.*\)} from './mtproto_wasm.js';#const {\1} = require('./mtproto_wasm.js');#" \
      -e "s#^import {\(.*\)} from './\(tl-[a-z]*\).js';#const {\1} = require('./\2.cjs');#" \
      -e "s#^import {\$#const {#" \
      -e "s#^} from './mtproto_wasm.js';#} = require('./mtproto_wasm.js');#" \
      -e "s#^} from './\(tl-[a-z]*\).js';#} = require('./\1.cjs');#" "$@"
}
exported() { grep -oE '^export (function|const|let|class) [A-Za-z_$][A-Za-z0-9_$]*' "$1" | awk '{print $3}' | paste -sd, - | sed 's/,/, /g'; }
for m in "${tl_modules[@]}"; do
  { to_require -e 's/^export //' "js/$m.js"; echo "module.exports = { $(exported "js/$m.js") };"; } > "pkg-node/$m.cjs"
done
{
  to_require -e "s#^import { SecretChats } from './secret.js';#const { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage } = require('./secret.cjs');#" \
      -e "/^export {.*} from '.\/\(secret\|tl-[a-z]*\).js';$/d" -e "/^export {[^}]*};$/d" \
      -e 's/^export //' js/client.js
  echo 'module.exports = { Client, RpcError, webSocketTransport, decodeTl, decodeTlResult, encodeTl, SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage };'
} > pkg-node/client.cjs
{
  echo "const {"
  echo "  SecretDh, SecretRequest, SecretChatCore, acceptSecretChat, encryptSecretFile, decryptSecretFile,"
  echo "} = require('./mtproto_wasm.js');"
  sed -e '/^import {$/,/^} from .*mtproto_wasm.js.;$/d' -e 's/^export //' js/secret.js
  echo 'module.exports = { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage };'
} > pkg-node/secret.cjs
# Every import must have become a require: a leftover would only fail when loaded.
if grep -n "^import \|^export \|^} from " pkg-node/*.cjs; then
  echo "copy-client: an import or export is left in a CommonJS file" >&2
  exit 1
fi
node -e '
const fs = require("fs");
const tl = process.argv.slice(1);
for (const [dir, ext] of [["pkg", ".js"], ["pkg-node", ".cjs"]]) {
  const p = dir + "/package.json";
  const j = JSON.parse(fs.readFileSync(p, "utf8"));
  j.files = [...new Set([...(j.files || []), ...["client", ...tl, "secret"].map((f) => f + ext)])];
  fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n");
}' "${tl_modules[@]}"
