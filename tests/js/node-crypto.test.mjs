// The Node build (pkg-node/, wasm-pack --target nodejs): the crypto names work, and agree
// with an independent implementation (@mtcute/wasm, C compiled to wasm) on thousands of
// random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import * as mtcute from '@mtcute/wasm';
import { checks } from './checks.mjs';

const require = createRequire(import.meta.url);
const ours = require('../../pkg-node/mtproto_wasm.js');
const data = {
  aes: JSON.parse(readFileSync(new URL('../data/aes.json', import.meta.url))),
  sample: JSON.parse(readFileSync(new URL('../data/auth_key_sample.json', import.meta.url))),
};
mtcute.initSync(readFileSync(fileURLToPath(mtcute.getWasmUrl())));

for (const [name, run] of checks) test(`node build: ${name}`, () => run(ours, data));

const mtcuteIge = (encrypt, buf, key, iv) =>
  encrypt ? mtcute.ige256Encrypt(buf, key, iv) : mtcute.ige256Decrypt(buf, key, iv);

test('IGE agrees with @mtcute/wasm on 3000 random sizes, keys and ivs', () => {
  for (let i = 0; i < 3000; i++) {
    const len = 16 * Math.floor(Math.random() * 200);
    const data = randomBytes(len), key = randomBytes(32), iv = randomBytes(32);
    const ct = ours.aesIgeEncrypt(data, key, iv);
    assert.deepEqual(ct, mtcuteIge(true, data, key, iv), `encrypt #${i} len ${len}`);
    assert.deepEqual(ours.aesIgeDecrypt(ct, key, iv), new Uint8Array(data), `decrypt #${i}`);
    const junk = randomBytes(len);
    assert.deepEqual(ours.aesIgeDecrypt(junk, key, iv), mtcuteIge(false, junk, key, iv), `decrypt junk #${i}`);
  }
});

test('CTR agrees with @mtcute/wasm on 1000 random streams cut at random points', () => {
  for (let i = 0; i < 1000; i++) {
    const key = randomBytes(32), iv = randomBytes(16);
    const len = Math.floor(Math.random() * 3000);
    const data = randomBytes(len);
    const ctx = mtcute.createCtr256(key, iv);
    const expected = mtcute.ctr256(ctx, data);
    mtcute.freeCtr256(ctx);
    const ctr = new ours.AesCtr256(key, iv);
    const got = new Uint8Array(len);
    for (let o = 0; o < len;) {
      const n = Math.min(len - o, Math.floor(Math.random() * 300));
      got.set(ctr.process(data.subarray(o, o + n)), o);
      o += n;
    }
    ctr.free();
    assert.deepEqual(got, expected, `stream #${i} len ${len}`);
  }
});

test('SHA-1 and SHA-256 agree with @mtcute/wasm on 1000 random inputs', () => {
  for (let i = 0; i < 1000; i++) {
    const d = randomBytes(Math.floor(Math.random() * 2000));
    assert.deepEqual(ours.sha1(d), mtcute.sha1(d));
    assert.deepEqual(ours.sha256(d), mtcute.sha256(d));
  }
});

test('factorizePq splits 1000 random products of two primes below 2^32', () => {
  const isPrime = (n) => { if (n < 2) return false; for (let d = 2; d * d <= n; d++) if (n % d === 0) return false; return true; };
  const randomPrime = () => { for (;;) { const c = (randomBytes(4).readUInt32LE() | 0x8001) >>> 0; if (isPrime(c)) return BigInt(c); } };
  for (let i = 0; i < 1000; i++) {
    const a = randomPrime(), b = randomPrime();
    const [p, q] = ours.factorizePq(a * b);
    assert.equal(p * q, a * b);
    assert.deepEqual([p, q], a <= b ? [a, b] : [b, a]);
  }
});

test('modPow agrees with BigInt on random 2048-bit values', () => {
  const big = (u) => BigInt('0x' + Buffer.from(u).toString('hex'));
  const pow = (b, e, m) => { let r = 1n; b %= m; while (e > 0n) { if (e & 1n) r = r * b % m; b = b * b % m; e >>= 1n; } return r; };
  for (let i = 0; i < 5; i++) {
    const b = randomBytes(256), e = randomBytes(256), mod = randomBytes(256);
    mod[0] |= 0x80; mod[255] |= 1;
    assert.equal(big(ours.modPow(b, e, mod)), pow(big(b), big(e), big(mod)));
  }
});
