// The JavaScript TL reader (js/tl-reader.js) against the Rust decoder, randomized
// (tests/js/tl-reader-check.mjs): compiled readers in this process, interpreted readers in a
// Node that refuses code generation from strings (as a page whose Content-Security-Policy
// has no 'unsafe-eval'), through the CommonJS copy in pkg-node/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { crossCheck } from './tl-reader-check.mjs';
import { runWithoutCodegen } from './no-codegen.mjs';
import { syntheticMessages } from '../../bench/lib/tl-sample.mjs';

const wasm = await import('../../pkg/mtproto_wasm.js');
wasm.initSync({ module: readFileSync(new URL('../../pkg/mtproto_wasm_bg.wasm', import.meta.url)) });
const { decodeTl, decodeTlResult } = await import('../../pkg/client.js');
const gzip = (b) => new Uint8Array(gzipSync(b));

test('compiled readers: the same values as tlDecode, or both reject (random objects and mutants)', () => {
  const seed = Number(process.env.TL_SEED ?? Date.now() % 1e9);
  const stats = crossCheck({ wasm, decodeTl, decodeTlResult, gzip, syntheticMessages, seed, objects: 400, perObject: 10 });
  assert.ok(stats.decoded > 500 && stats.rejected > 2000, JSON.stringify(stats));
});

test('interpreted readers (no code generation): the same values as tlDecode, or both reject', () => {
  const seed = Number(process.env.TL_SEED ?? Date.now() % 1e9) + 1;
  const check = JSON.stringify(new URL('./tl-reader-check.mjs', import.meta.url).href);
  const out = runWithoutCodegen(`
    const { gzipSync } = await import('node:zlib');
    const { crossCheck } = await import(${check});
    const gzip = (b) => new Uint8Array(gzipSync(b));
    return crossCheck({ wasm, decodeTl: client.decodeTl, decodeTlResult: client.decodeTlResult, gzip,
      syntheticMessages, seed: ${seed}, objects: 200, perObject: 10 });`);
  assert.equal(out.compiled, false);
  assert.ok(out.result.decoded > 250 && out.result.rejected > 1000, JSON.stringify(out.result));
});

test('edge cases: inputs of other kinds, strings, a result wrapped in gzip_packed', () => {
  const bytes = wasm.tlEncode({ _: 'req_pq_multi', nonce: Uint8Array.from({ length: 16 }, (_, i) => i) });
  for (const input of [Buffer.from(bytes), bytes.buffer, [...bytes], new DataView(bytes.buffer)]) {
    const o = decodeTl(input);
    assert.equal(o.nonce.constructor, Uint8Array); // a copy, never a Buffer or a view
    assert.deepEqual([...o.nonce], [...bytes.subarray(4)]);
  }
  assert.throws(() => decodeTl('nope'), TypeError);
  // a BOM stays, as in Rust; invalid UTF-8 gives the bytes
  for (const s of ['\ufeffbom', 'x'.repeat(70) + 'é', 'é'.repeat(200), '😀'.repeat(5)]) {
    const b = wasm.tlEncode({ _: 'help.getNearestDc' }).length && wasm.tlEncode({ _: 'nearestDc', country: s, this_dc: 1, nearest_dc: 2 });
    assert.equal(decodeTl(b).country, s);
  }
  const bad = wasm.tlEncode({ _: 'nearestDc', country: Uint8Array.of(0xed, 0xa0, 0x80), this_dc: 1, nearest_dc: 2 });
  assert.deepEqual(decodeTl(bad).country, Uint8Array.of(0xed, 0xa0, 0x80));
  const longs = Uint8Array.from([0x15, 0xc4, 0xb5, 0x1c, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0]);
  const packed = Uint8Array.from([0xa1, 0xcf, 0x72, 0x30, ...((b) => { const h = [b.length, ...b]; while (h.length % 4) h.push(0); return h; })(gzip(longs))]);
  assert.deepEqual(decodeTlResult('photos.deletePhotos', packed), [5n]);
  assert.throws(() => decodeTlResult('no.suchMethod', longs), /no.suchMethod/);
});
