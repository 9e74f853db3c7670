// The TL cross-checks (tl-reader-check.mjs, tl-writer-check.mjs) in a browser page, on the
// web build in pkg/: ?build=simd|nosimd picks the wasm through pkg/loader.js. Loaded by
// tl-page.html (the page may compile the readers and writers) and tl-page-nocodegen.html
// (its Content-Security-Policy forbids it, so they are interpreted). Sets window.__tl to
// { build, compiled, run } once loaded, or { error }; tests/js/browser-tl.test.mjs calls
// run('reader' | 'writer', { seed, objects, perObject }), which answers { stats } or { error }.
import load, * as wasm from '/pkg/loader.js';
import { decodeTl, decodeTlResult, encodeTl } from '/pkg/client.js';
import { canCompile } from '/pkg/tl-schema.js';
import { crossCheck } from './tl-reader-check.mjs';
import { crossCheckEncode } from './tl-writer-check.mjs';
import { gzipStored } from './gzip-stored.mjs';
import { syntheticMessages } from '/bench/lib/tl-sample.mjs';

const message = (e) => String((e && e.message) || e);

// gzipStored must give what the wasm inflates back: were it broken, every gzip_packed input
// would be rejected on both sides and the reader check would still pass.
function checkGzip() {
  for (const n of [0, 5, 0xffff, 0x10000, 200_000]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
    const back = wasm.tlGunzip(gzipStored(data));
    if (back.length !== n || back.some((b, i) => b !== data[i])) throw new Error(`gzipStored: ${n} bytes do not come back`);
  }
}

function run(kind, { seed, objects, perObject }) {
  try {
    const stats = kind === 'reader'
      ? crossCheck({ wasm, decodeTl, decodeTlResult, gzip: gzipStored, syntheticMessages, seed, objects, perObject })
      : crossCheckEncode({ wasm, encodeTl, syntheticMessages, seed, objects, perObject });
    return { stats };
  } catch (e) {
    return { error: message(e) };
  }
}

try {
  const build = new URLSearchParams(location.search).get('build') || 'simd';
  if (build === 'simd' && !wasm.simdSupported()) throw new Error('this browser reports no wasm SIMD');
  await load({ simd: build === 'simd' });
  checkGzip();
  window.__tl = { build, compiled: canCompile(), run };
} catch (e) {
  window.__tl = { error: `load the web build: ${message(e)}` };
}
