#!/usr/bin/env bash
# Installs everything mtproto-wasm needs on a fresh Debian machine (root, package
# registries only). Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== setup: %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  step "wasm-pack (cargo install, about 4 minutes)"
  cargo install wasm-pack --locked
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  step "Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Node dev dependencies, exactly as the committed lock file says.
stamp=node_modules/.mtproto-wasm-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# Python packages of the cross-checks (Telethon as an independent client, tgcrypto).
if ! python3 -c 'import telethon, tgcrypto' >/dev/null 2>&1; then
  step "pip: telethon, tgcrypto"
  python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
fi

printf '\n== setup: done\n'
