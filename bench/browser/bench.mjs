// mtproto-wasm benchmark in the browser: our release wasm (pkg/, loaded as the shipped web
// build) against the peers' npm packages in the same page, with the row definitions and the
// median `measure` of bench/run.mjs. Driven by bench/chromium.mjs (window.runBench); every
// peer comes from node_modules/ through the page's import map, no bundler.
import load, * as ours from '/pkg/loader.js';
import { decodeTl, encodeTl } from '/pkg/client.js';
import { median, makeMeasure, warmUp } from '../lib/measure.mjs';
import { syntheticMessages } from '../lib/tl-sample.mjs';

const log = (msg) => console.log(`[bench] ${msg}`);
const tick = () => new Promise((r) => setTimeout(r, 0)); // lets the page breathe between rows

function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}
const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
const toBig = (u) => BigInt('0x' + hex(u));
const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// A CommonJS file (module/exports only, no require) evaluated in the page.
async function requireCjs(url) {
  const src = await (await fetch(url)).text();
  const module = { exports: {} };
  new Function('module', 'exports', `${src}\n//# sourceURL=${url}`)(module, module.exports);
  return module.exports;
}
// A peer that fails to load skips its rows; the reason goes into the output.
async function tryLoad(what, f) {
  try { return await f(); } catch (e) { skipped.push(`${what}: could not be loaded in the page (${e.message ?? e})`); return null; }
}
let skipped;

export async function runBench({ quick = false } = {}) {
  skipped = [];
  const measure = makeMeasure(quick);
  const rows = [], notes = [];
  const row = (group, name, oursSec, peer, peerSec, unit) => {
    rows.push({ group, name, ours: oursSec, peer, peerSec, speedup: peerSec / oursSec, unit });
    log(`${group} ${name}: ${(peerSec / oursSec).toFixed(2)}x`);
  };

  // Ours: the loader picks the SIMD build here; a second instance of the same glue (another
  // URL, so another module record) runs the no-SIMD fallback.
  const simd = ours.simdSupported();
  await load();
  const fallback = await import('/pkg/mtproto_wasm.js?nosimd');
  await fallback.default({ module_or_path: '/pkg/mtproto_wasm_bg.nosimd.wasm' });
  // @mtcute/wasm initialised with the bytes of the build its getWasmUrl() picks, as run.mjs
  // does; its no-SIMD build (mtcute.wasm) in a second instance is the fallback rows' peer.
  const mtcute = await tryLoad('@mtcute/wasm', async () => {
    const m = await import('@mtcute/wasm');
    m.initSync(new Uint8Array(await (await fetch(m.getWasmUrl())).arrayBuffer()));
    return m;
  });
  const mtcuteNoSimd = await tryLoad('@mtcute/wasm (no SIMD)', async () => {
    const m = await import('/node_modules/@mtcute/wasm/index.js?nosimd');
    m.initSync(new Uint8Array(await (await fetch('/node_modules/@mtcute/wasm/mtcute.wasm')).arrayBuffer()));
    return m;
  });

  // --- AES-256-IGE and hashes at the sizes web clients use ----------------------------------
  const sizes = [256, 1024, 16 * 1024, 128 * 1024];
  const key = randomBytes(32), iv = randomBytes(32);
  for (const size of sizes) {
    if (!mtcute) break;
    const data = randomBytes(size);
    const ct = mtcute.ige256Encrypt(data, key, iv);
    if (!sameBytes(ours.aesIgeEncrypt(data, key, iv), ct)) throw new Error('AES-IGE disagrees with @mtcute/wasm');
    const label = size >= 1024 ? `${size / 1024} KB` : `${size} B`;
    row('AES-256-IGE encrypt', label, measure(() => ours.aesIgeEncrypt(data, key, iv)), '@mtcute/wasm', measure(() => mtcute.ige256Encrypt(data, key, iv)), size);
    row('AES-256-IGE decrypt', label, measure(() => ours.aesIgeDecrypt(ct, key, iv)), '@mtcute/wasm', measure(() => mtcute.ige256Decrypt(ct, key, iv)), size);
    row('SHA-256', label, measure(() => ours.sha256(data)), '@mtcute/wasm', measure(() => mtcute.sha256(data)), size);
    row('SHA-1', label, measure(() => ours.sha1(data)), '@mtcute/wasm', measure(() => mtcute.sha1(data)), size);
    await tick();
  }

  // --- The same AES rows on the no-SIMD builds (engines without SIMD128) ---------------------
  for (const size of sizes) {
    if (!mtcuteNoSimd) break;
    const data = randomBytes(size);
    const ct = fallback.aesIgeEncrypt(data, key, iv);
    if (!sameBytes(mtcuteNoSimd.ige256Decrypt(ct, key, iv), data)) throw new Error('no-SIMD AES-IGE disagrees with @mtcute/wasm');
    const label = size >= 1024 ? `${size / 1024} KB` : `${size} B`;
    const peer = '@mtcute/wasm no-SIMD build';
    row('AES-256-IGE encrypt, our no-SIMD build', label, measure(() => fallback.aesIgeEncrypt(data, key, iv)), peer, measure(() => mtcuteNoSimd.ige256Encrypt(data, key, iv)), size);
    row('AES-256-IGE decrypt, our no-SIMD build', label, measure(() => fallback.aesIgeDecrypt(ct, key, iv)), peer, measure(() => mtcuteNoSimd.ige256Decrypt(ct, key, iv)), size);
    await tick();
  }
  for (const dir of ['encrypt', 'decrypt']) {
    const withSimd = rows.filter((r) => r.group === `AES-256-IGE ${dir}`);
    const without = rows.filter((r) => r.group === `AES-256-IGE ${dir}, our no-SIMD build`);
    if (withSimd.length && without.length === withSimd.length) {
      notes.push(`AES-256-IGE ${dir}, our no-SIMD build / our SIMD build time: `
        + withSimd.map((r, i) => `${r.name} ${(without[i].ours / r.ours).toFixed(2)}x`).join(', '));
    }
  }

  // --- pq factorization over 100 random pq ------------------------------------------------
  const core = await tryLoad('@mtcute/core factorizePQSync', () => import('@mtcute/core/utils.js'));
  if (core) {
    const isPrime = (n) => { for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false; return true; };
    const randomPrime32 = () => {
      for (;;) { const c = (new DataView(randomBytes(4).buffer).getUint32(0, true) | 0x80000001) >>> 0; if (isPrime(c)) return BigInt(c); }
    };
    const pqs = Array.from({ length: 100 }, () => randomPrime32() * randomPrime32());
    const pqBytes = pqs.map((pq) => fromHex(pq.toString(16).padStart(16, '0')));
    const cryptoProvider = { randomBytes };
    const [p, q] = core.factorizePQSync(cryptoProvider, pqBytes[0]);
    const [op, oq] = ours.factorizePq(pqs[0]);
    if (toBig(p) * toBig(q) !== pqs[0] || op * oq !== pqs[0] || toBig(p) !== op) throw new Error('pq factorization disagrees');
    const perPq = (fn) => median(pqs.map((pq, i) => measure(() => fn(pq, i), { batchMs: quick ? 2 : 5, rounds: quick ? 3 : 5 })));
    row('pq factorization (median of 100 random pq)', 'vs @mtcute/core', perPq((pq) => ours.factorizePq(pq)), '@mtcute/core factorizePQSync', perPq((_, i) => core.factorizePQSync(cryptoProvider, pqBytes[i])));
    await tick();
  }
  skipped.push('pq factorization vs GramJS (telegram Factorizator, a row of run.mjs): not run in the page; '
    + 'Factorizator.js is CommonJS whose require() tree (big-integer, ../Helpers -> ./CryptoFile -> Node\'s crypto) needs a bundler');

  // --- 2048-bit modular exponentiation -------------------------------------------------------
  {
    const jsModPow = (b, e, m) => { let r = 1n; b %= m; while (e > 0n) { if (e & 1n) r = r * b % m; b = b * b % m; e >>= 1n; } return r; };
    const dhPrime = fromHex((await (await fetch('/tests/data/dh_prime.json')).json()).prime);
    const expBytes = randomBytes(256), baseBytes = Uint8Array.of(3);
    const P = toBig(dhPrime), E = toBig(expBytes);
    if (toBig(ours.modPow(baseBytes, expBytes, dhPrime)) !== jsModPow(3n, E, P)) throw new Error('modPow disagrees with BigInt');
    const slow = { batchMs: 50, rounds: quick ? 5 : 11 };
    row('2048-bit modexp (g^x mod dh_prime)', '256-byte exponent', measure(() => ours.modPow(baseBytes, expBytes, dhPrime), slow), 'JS BigInt square-and-multiply', measure(() => jsModPow(3n, E, P), slow));
    await tick();
  }

  // --- TL: decode a messages.messages answer (100 messages, 50 users) to JS objects ----------
  // As in run.mjs: encoded by us, decoded by mtcute's generated reader, re-encoded by its
  // writer; the bytes must be equal, and decodeTl must agree with tlDecode.
  const tl = await tryLoad('@mtcute/tl binary reader + @mtcute/tl-runtime', async () => ({
    ...(await import('@mtcute/tl-runtime')),
    readers: (await requireCjs('/node_modules/@mtcute/tl/binary/reader.js')).__tlReaderMap,
    writers: (await requireCjs('/node_modules/@mtcute/tl/binary/writer.js')).__tlWriterMap,
  }));
  if (tl) {
    const bytes = ours.tlEncode(syntheticMessages(100, 50));
    const theirObj = tl.TlBinaryReader.deserializeObject(tl.readers, bytes);
    if (!sameBytes(bytes, tl.TlBinaryWriter.serializeObject(tl.writers, theirObj))) throw new Error('TL: our encoding differs from mtcute\'s');
    const big = (_, x) => (typeof x === 'bigint' ? `${x}n` : x);
    const ourObj = ours.tlDecode(bytes);
    if (ourObj.messages.length !== 100 || ourObj.users[49].first_name !== 'User 49') throw new Error('TL decode check');
    if (JSON.stringify(decodeTl(bytes), big) !== JSON.stringify(ourObj, big)) throw new Error('decodeTl differs from tlDecode');
    // Both sides' generated code at steady state first (as in run.mjs).
    warmUp([() => decodeTl(bytes), () => tl.TlBinaryReader.deserializeObject(tl.readers, bytes),
      () => encodeTl(ourObj), () => tl.TlBinaryWriter.serializeObject(tl.writers, theirObj)], quick ? 100 : 500);
    row('TL decode messages.messages (100 msgs, 50 users) to JS objects: decodeTl (JS reader compiled from the schema; the Client uses it)', `${bytes.length} bytes`,
      measure(() => decodeTl(bytes)), '@mtcute/core generated reader', measure(() => tl.TlBinaryReader.deserializeObject(tl.readers, bytes)));
    if (!sameBytes(encodeTl(ourObj), bytes)) throw new Error('encodeTl differs from tlEncode');
    row('TL encode messages.messages (100 msgs, 50 users) from JS objects: encodeTl (JS writer compiled from the schema; the Client uses it)', `${bytes.length} bytes`,
      measure(() => encodeTl(ourObj)), '@mtcute/core generated writer', measure(() => tl.TlBinaryWriter.serializeObject(tl.writers, theirObj)));
  }

  const mtcuteBuild = mtcute ? new URL(mtcute.getWasmUrl()).pathname.split('/').pop() : null;
  const info = { userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency, simd, mtcuteBuild, crossOriginIsolated };
  return { rows, notes, skipped, info };
}
