// The web package (pkg/) in Node: both of its wasm builds (SIMD128 and the fallback
// without SIMD) driven by the one JS glue file, each cross-checked against @mtcute/wasm
// (C compiled to wasm) on random IGE and CTR inputs; and the loader's SIMD detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import * as mtcute from '@mtcute/wasm';

mtcute.initSync(readFileSync(fileURLToPath(mtcute.getWasmUrl())));
const pkg = new URL('../../pkg/', import.meta.url);

// A module instance per build: the glue module is imported under two URLs.
async function instance(build) {
  const m = await import(new URL(`mtproto_wasm.js?build=${build}`, pkg));
  const file = build === 'simd' ? 'mtproto_wasm_bg.wasm' : 'mtproto_wasm_bg.nosimd.wasm';
  m.initSync({ module: readFileSync(new URL(file, pkg)) });
  return m;
}

test('the loader detects SIMD in Node and names both builds', async () => {
  const loader = await import(new URL('loader.js', pkg));
  assert.equal(loader.simdSupported(), true);
  assert.match(String(loader.wasmUrl(true)), /mtproto_wasm_bg\.wasm$/);
  assert.match(String(loader.wasmUrl(false)), /mtproto_wasm_bg\.nosimd\.wasm$/);
});

test('both wasm builds validate and are different files', () => {
  const noSimd = readFileSync(new URL('mtproto_wasm_bg.nosimd.wasm', pkg));
  const simd = readFileSync(new URL('mtproto_wasm_bg.wasm', pkg));
  assert.ok(WebAssembly.validate(noSimd) && WebAssembly.validate(simd));
  assert.notDeepEqual(noSimd, simd);
});

for (const build of ['simd', 'nosimd']) {
  test(`${build} build: IGE and CTR agree with @mtcute/wasm on random inputs`, async () => {
    const ours = await instance(build);
    for (let i = 0; i < 1000; i++) {
      const len = 16 * Math.floor(Math.random() * 40);
      const data = randomBytes(len), key = randomBytes(32), iv = randomBytes(32);
      assert.deepEqual(ours.aesIgeEncrypt(data, key, iv), mtcute.ige256Encrypt(data, key, iv), `ige enc #${i}`);
      assert.deepEqual(ours.aesIgeDecrypt(data, key, iv), mtcute.ige256Decrypt(data, key, iv), `ige dec #${i}`);
    }
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32), iv = randomBytes(16), data = randomBytes(Math.floor(Math.random() * 2000));
      const ctx = mtcute.createCtr256(key, iv);
      const expected = mtcute.ctr256(ctx, data);
      mtcute.freeCtr256(ctx);
      const ctr = new ours.AesCtr256(key, iv);
      assert.deepEqual(ctr.process(data), expected, `ctr #${i}`);
      ctr.free();
    }
  });
}
