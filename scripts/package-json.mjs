// Writes pkg/package.json complete (run by scripts/build.sh after wasm-pack and
// scripts/copy-client.sh): name, version/description/license/repository from Cargo.toml,
// ES module exports, types, the full "files" list (both wasm builds, loader, client) and
// sideEffects. Also copies js/README.pkg.md to pkg/README.md and the hand-written
// declarations (js/*.d.ts) into pkg/.
import { readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const pkgSection = cargo.split(/^\[package\]$/m)[1]?.split(/^\[/m)[0] ?? '';
function field(name) {
  const m = new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(pkgSection);
  if (!m) throw new Error(`package-json: Cargo.toml [package] has no ${name}`);
  return m[1];
}

const pkgDir = join(root, 'pkg');
for (const f of ['client.d.ts', 'loader.d.ts', 'secret.d.ts']) copyFileSync(join(root, 'js', f), join(pkgDir, f));
copyFileSync(join(root, 'js', 'README.pkg.md'), join(pkgDir, 'README.md'));
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) copyFileSync(join(root, f), join(pkgDir, f));

const files = [
  'mtproto_wasm.js', 'mtproto_wasm.d.ts', 'mtproto_wasm_bg.wasm', 'mtproto_wasm_bg.wasm.d.ts',
  'mtproto_wasm_bg.nosimd.wasm', 'loader.js', 'loader.d.ts', 'client.js', 'client.d.ts', 'tl-schema.js', 'tl-reader.js', 'tl-writer.js',
  'secret.js', 'secret.d.ts',  'tl-types.d.ts', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE',
  // JavaScript the wasm imports (js/wasm-imports.js), where wasm-bindgen puts it.
  'snippets/',
];
const missing = files.filter((f) => !existsSync(join(pkgDir, f)));
if (missing.length) throw new Error(`package-json: pkg/ lacks ${missing.join(', ')}`);

const manifest = {
  name: field('name'),
  version: field('version'),
  description: field('description'),
  license: field('license'),
  repository: { type: 'git', url: `git+${field('repository')}.git` },
  type: 'module',
  main: './mtproto_wasm.js',
  module: './mtproto_wasm.js',
  types: './mtproto_wasm.d.ts',
  exports: {
    '.': { types: './mtproto_wasm.d.ts', default: './mtproto_wasm.js' },
    './mtproto_wasm.js': { types: './mtproto_wasm.d.ts', default: './mtproto_wasm.js' },
    './loader.js': { types: './loader.d.ts', default: './loader.js' },
    './client.js': { types: './client.d.ts', default: './client.js' },
    './secret.js': { types: './secret.d.ts', default: './secret.js' },
    './tl-types': { types: './tl-types.d.ts' },
    './tl-types.js': { types: './tl-types.d.ts' },
    './mtproto_wasm_bg.wasm': './mtproto_wasm_bg.wasm',
    './mtproto_wasm_bg.nosimd.wasm': './mtproto_wasm_bg.nosimd.wasm',
    './package.json': './package.json',
  },
  files,
  // The glue and the loader only define things; nothing runs at import.
  sideEffects: false,
  keywords: ['telegram', 'mtproto', 'wasm', 'secret-chats', 'e2e'],
};
writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`package-json: pkg/package.json ${manifest.name}@${manifest.version}, ${files.length} files`);
