// mtproto-wasm benchmark: our release wasm (pkg/, the shipped web build) side by side with
// the peers' npm packages in one Node process. Prints medians and speed ratios
// (peer time / our time: above 1 means we are faster) and writes bench/out/results.json.
//
//   node bench/run.mjs [--quick] [--readme]   (--readme: also replace README's table)
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { randomBytes, webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as mtcute from '@mtcute/wasm';
import { factorizePQSync } from '@mtcute/core/utils.js';
import { median, makeMeasure, warmUp } from './lib/measure.mjs';
import { syntheticMessages } from './lib/tl-sample.mjs';

const require = createRequire(import.meta.url);
const { Factorizator } = require('telegram/crypto/Factorizator.js');
const bigInt = require('big-integer');

const quick = process.argv.includes('--quick');
const wasmPath = new URL('../pkg/mtproto_wasm_bg.wasm', import.meta.url);
const ours = await import('../pkg/mtproto_wasm.js');
ours.initSync({ module: readFileSync(wasmPath) });
mtcute.initSync(readFileSync(fileURLToPath(mtcute.getWasmUrl())));

const measure = makeMeasure(quick);

const rows = [];
const scaleRows = []; // [name, ours, peer]: how cost grows with work
function row(group, name, oursSec, peerName, peerSec, unit) {
  rows.push({ group, name, ours: oursSec, peer: peerName, peerSec, speedup: peerSec / oursSec, unit });
}
const fmtTime = (s) => s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(2)} µs`;
const fmtRate = (s, bytes) => `${(bytes / s / 1e6).toFixed(1)} MB/s`;

// --- AES-256-IGE and hashes at the sizes web clients use --------------------------------
const sizes = [256, 1024, 16 * 1024, 128 * 1024];
const key = randomBytes(32), iv = randomBytes(32);
for (const size of sizes) {
  const data = randomBytes(size);
  const ct = mtcute.ige256Encrypt(data, key, iv);
  const label = size >= 1024 ? `${size / 1024} KB` : `${size} B`;
  row('AES-256-IGE encrypt', label, measure(() => ours.aesIgeEncrypt(data, key, iv)), '@mtcute/wasm', measure(() => mtcute.ige256Encrypt(data, key, iv)), size);
  row('AES-256-IGE decrypt', label, measure(() => ours.aesIgeDecrypt(ct, key, iv)), '@mtcute/wasm', measure(() => mtcute.ige256Decrypt(ct, key, iv)), size);
  row('SHA-256', label, measure(() => ours.sha256(data)), '@mtcute/wasm', measure(() => mtcute.sha256(data)), size);
  row('SHA-1', label, measure(() => ours.sha1(data)), '@mtcute/wasm', measure(() => mtcute.sha1(data)), size);
}

// --- pq factorization over 100 random pq -------------------------------------------------
function randomPrime32() {
  const isPrime = (n) => { for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false; return true; };
  for (;;) { const c = (randomBytes(4).readUInt32LE() | 0x80000001) >>> 0; if (isPrime(c)) return BigInt(c); }
}
const pqs = Array.from({ length: 100 }, () => randomPrime32() * randomPrime32());
const pqBytes = pqs.map((pq) => Buffer.from(pq.toString(16).padStart(16, '0'), 'hex'));
const cryptoProvider = { randomBytes: (n) => new Uint8Array(randomBytes(n)) };
const perPq = (fn) => median(pqs.map((pq, i) => measure(() => fn(pq, i), { batchMs: quick ? 2 : 5, rounds: quick ? 3 : 5 })));
const oursPq = perPq((pq) => ours.factorizePq(pq));
row('pq factorization (median of 100 random pq)', 'vs @mtcute/core', oursPq, '@mtcute/core factorizePQSync', perPq((_, i) => factorizePQSync(cryptoProvider, pqBytes[i])));
row('pq factorization (median of 100 random pq)', 'vs GramJS', oursPq, 'telegram Factorizator', perPq((pq) => Factorizator.factorize(bigInt(pq.toString()))));

// --- 2048-bit modular exponentiation ---------------------------------------------------------
const toBig = (u) => BigInt('0x' + Buffer.from(u).toString('hex'));
function jsModPow(b, e, m) { let r = 1n; b %= m; while (e > 0n) { if (e & 1n) r = r * b % m; b = b * b % m; e >>= 1n; } return r; }
const dhPrime = Buffer.from(JSON.parse(readFileSync(new URL('../tests/data/dh_prime.json', import.meta.url))).prime, 'hex');
const expBytes = randomBytes(256), baseBytes = Buffer.from([3]);
const P = toBig(dhPrime), E = toBig(expBytes);
if (toBig(ours.modPow(baseBytes, expBytes, dhPrime)) !== jsModPow(3n, E, P)) throw new Error('modPow disagrees with BigInt');
row('2048-bit modexp (g^x mod dh_prime)', '256-byte exponent', measure(() => ours.modPow(baseBytes, expBytes, dhPrime), { batchMs: 50, rounds: quick ? 5 : 11 }), 'JS BigInt square-and-multiply', measure(() => jsModPow(3n, E, P), { batchMs: 50, rounds: quick ? 5 : 11 }));

// --- TL: a messages.messages answer (100 messages, 50 users) to and from JS objects ---------
// Built in our convention, encoded by us, decoded by mtcute's generated reader into its own
// shape, re-encoded by mtcute's generated writer: the bytes must be equal (an independent
// cross-check of our encoder), then both sides are timed on the same bytes.
{
  const { TlBinaryReader, TlBinaryWriter } = await import('@mtcute/tl-runtime');
  const { __tlReaderMap } = require('@mtcute/tl/binary/reader.js');
  const { __tlWriterMap } = require('@mtcute/tl/binary/writer.js');
  const obj = syntheticMessages(100, 50);
  const bytes = ours.tlEncode(obj);
  const theirObj = TlBinaryReader.deserializeObject(__tlReaderMap, bytes);
  const theirBytes = TlBinaryWriter.serializeObject(__tlWriterMap, theirObj);
  if (Buffer.compare(Buffer.from(bytes), Buffer.from(theirBytes)) !== 0) throw new Error('TL: our encoding differs from mtcute\'s');
  const ourObj = ours.tlDecode(bytes);
  if (ourObj.messages.length !== 100 || ourObj.users[49].first_name !== 'User 49') throw new Error('TL decode check');
  const { decodeTl, encodeTl } = await import('../pkg/client.js');
  if (JSON.stringify(decodeTl(bytes), (_, x) => (typeof x === 'bigint' ? `${x}n` : x))
    !== JSON.stringify(ourObj, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))) throw new Error('decodeTl differs from tlDecode');
  const label = `${bytes.length} bytes`;
  // Both sides' generated code at steady state first: timed right after its first calls,
  // decodeTl read anywhere from 0.8x to 1.6x of mtcute across runs of this script.
  warmUp([() => decodeTl(bytes), () => TlBinaryReader.deserializeObject(__tlReaderMap, bytes),
    () => encodeTl(ourObj), () => TlBinaryWriter.serializeObject(__tlWriterMap, theirObj)], quick ? 100 : 500);
  const theirDecode = measure(() => TlBinaryReader.deserializeObject(__tlReaderMap, bytes));
  row('TL decode messages.messages (100 msgs, 50 users) to JS objects: decodeTl (JS reader compiled from the schema; the Client uses it)', label, measure(() => decodeTl(bytes)), '@mtcute/core generated reader', theirDecode);
  row('TL decode messages.messages (100 msgs, 50 users) to JS objects: tlDecode (the Rust codec)', label, measure(() => ours.tlDecode(bytes)), '@mtcute/core generated reader', theirDecode);
  const theirEncode = measure(() => TlBinaryWriter.serializeObject(__tlWriterMap, theirObj));
  if (Buffer.compare(Buffer.from(encodeTl(ourObj)), Buffer.from(bytes)) !== 0) throw new Error('encodeTl differs from tlEncode');
  row('TL encode messages.messages (100 msgs, 50 users) from JS objects: encodeTl (JS writer compiled from the schema; the Client uses it)', label, measure(() => encodeTl(ourObj)), '@mtcute/core generated writer', theirEncode);
  row('TL encode messages.messages (100 msgs, 50 users) from JS objects: tlEncode (the Rust codec)', label, measure(() => ours.tlEncode(ourObj)), '@mtcute/core generated writer', theirEncode);
  // How decoding cost grows with the answer: 1 to 1,000 messages (users: half as many, at least 1).
  for (const n of [1, 10, 100, 1000]) {
    const b = ours.tlEncode(syntheticMessages(n, Math.max(1, n >> 1)));
    scaleRows.push([`TL decode, ${n} message${n > 1 ? 's' : ''} (${b.length} bytes): decodeTl / @mtcute/core`,
      measure(() => decodeTl(b)), measure(() => TlBinaryReader.deserializeObject(__tlReaderMap, b))]);
  }
}

// --- The auth-key handshake: client CPU only (no peers) --------------------------------------
// One complete client handshake replayed from the published sample (tests/data/auth_key_sample.json):
// the server answers are prepared beforehand, so this is all client computation (factorization,
// RSA_PAD, the DH checks, both modexps, hashes, AES). `__handshakeReplay`, `__rsaPad` and
// `__dhVerify` are hidden bench exports (src/js/bench.rs), not API.
const hsRows = [];
{
  const s = JSON.parse(readFileSync(new URL('../tests/data/auth_key_sample.json', import.meta.url)));
  const u8 = (h) => new Uint8Array(Buffer.from(h, 'hex'));
  const nonce = u8(s.nonce), server_nonce = u8(s.server_nonce);
  const resPq = ours.tlEncode({ _: 'resPQ', nonce, server_nonce, pq: u8(s.pq),
    server_public_key_fingerprints: s.fingerprints_in_resPQ_LE_bytes.map((h) => Buffer.from(h, 'hex').readBigInt64LE()) });
  const dhAnswer = ours.tlEncode({ _: 'server_DH_params_ok', nonce, server_nonce, encrypted_answer: u8(s.encrypted_answer) });
  const dhGen = ours.tlEncode({ _: 'dh_gen_ok', nonce, server_nonce, new_nonce_hash1: u8(s.new_nonce_hash1) });
  const args = [nonce, u8(s.new_nonce), u8(s.rsa_pad_random_padding_bytes), u8(s.b), u8(s.client_DH_inner_data_padding), resPq, dhAnswer, dhGen, 1707425100000];
  if (Buffer.from(ours.__handshakeReplay(...args)).toString('hex').toUpperCase() !== s.auth_key) throw new Error('handshake replay: wrong auth_key');
  const answer = ours.aesIgeDecrypt(u8(s.encrypted_answer), u8(s.tmp_aes_key), u8(s.tmp_aes_iv));
  const inner = ours.tlDecode(answer.subarray(20, 20 + 564));
  const slow = { batchMs: 50, rounds: quick ? 5 : 11 };
  hsRows.push(['complete client handshake', measure(() => ours.__handshakeReplay(...args), slow)]);
  hsRows.push(['factorization of pq', measure(() => ours.factorizePq(BigInt('0x' + s.pq)))]);
  hsRows.push(['RSA_PAD (p_q_inner_data_dc, production key)', measure(() => ours.__rsaPad(u8(s.p_q_inner_data_dc)), slow)]);
  hsRows.push(['modexp g_b = g^b mod dh_prime', measure(() => ours.modPow(Uint8Array.of(inner.g), u8(s.b), inner.dh_prime), slow)]);
  hsRows.push(['modexp auth_key = g_a^b mod dh_prime', measure(() => ours.modPow(inner.g_a, u8(s.b), inner.dh_prime), slow)]);
  hsRows.push(['dh_prime/g check, known-prime table', measure(() => ours.__dhVerify(inner.dh_prime, inner.g, true))]);
  hsRows.push(['dh_prime/g check, full test (Fermat on p, Miller-Rabin on (p-1)/2, Pocklington)', measure(() => ours.__dhVerify(inner.dh_prime, inner.g, false), { batchMs: 1, rounds: quick ? 3 : 7 })]);
}

// --- Session envelope: encrypt+decrypt of a 200-byte message vs the raw crypto it needs ------
// The envelope (encryptMessage/decryptMessage: 256-byte ciphertext with minimal padding) against
// the same primitives called through our exports: per direction one msg_key SHA-256 over
// 32 + 256 bytes, two key-derivation SHA-256 over 52 bytes, and AES-256-IGE over 256 bytes.
// Then round trips of a small request: Session -> a JS "server" (decryptMessage +
// encryptMessage, fromServer) -> Session.feed.
const envelopeRows = [];
{
  const authKey = randomBytes(256);
  const hdr = new DataView(new ArrayBuffer(32));
  hdr.setBigUint64(0, 1n, true); hdr.setBigUint64(8, 2n, true);
  hdr.setBigUint64(16, 0x6000000000000001n, true); hdr.setInt32(24, 1, true); hdr.setInt32(28, 200, true);
  const plaintext = Buffer.concat([Buffer.from(hdr.buffer), randomBytes(200)]);
  const opts = { fromServer: false, maxPadding: 12 };
  const packet = ours.encryptMessage(authKey, plaintext, opts);
  if (packet.length !== 24 + 256) throw new Error('unexpected packet size');
  const back = ours.decryptMessage(authKey, packet, opts);
  if (Buffer.compare(Buffer.from(back.body), plaintext.subarray(32)) !== 0) throw new Error('envelope round trip');
  const envelope = measure(() => ours.decryptMessage(authKey, ours.encryptMessage(authKey, plaintext, opts), opts));
  // Raw cost: each primitive measured alone at its size and summed (2x SHA-256 over 288 bytes
  // for msg_key, 4x SHA-256 over 52 bytes for the keys, IGE encrypt and decrypt of 256 bytes).
  const buf288 = randomBytes(288), buf52 = randomBytes(52), buf256 = randomBytes(256);
  const k32 = randomBytes(32), iv32 = randomBytes(32);
  const raw = 2 * measure(() => ours.sha256(buf288)) + 4 * measure(() => ours.sha256(buf52))
    + measure(() => ours.aesIgeEncrypt(buf256, k32, iv32)) + measure(() => ours.aesIgeDecrypt(buf256, k32, iv32));
  envelopeRows.push(`encrypt+decrypt, 200-byte body: ${fmtTime(envelope)} (${Math.round(1 / envelope)}/s); sum of the raw primitives (each timed alone through our exports) ${fmtTime(raw)}; ratio ${(envelope / raw).toFixed(2)}x (target <= 1.3x)`);

  // Round trips through the JS Session and a minimal JS server.
  const sessionId = 0x1234n;
  const session = new ours.Session({ authKey, serverSalt: 7n, sessionId, timeOffset: 0, futureSalts: false, pingInterval: 0 });
  let serverSeq = 0, lastServerId = 0n;
  const serverMsgId = (nowMs) => {
    let id = ((BigInt(Math.floor(nowMs / 1000)) << 32n) | (BigInt(nowMs % 1000) << 32n) / 1000n) & ~3n | 1n;
    if (id <= lastServerId) id = lastServerId + 4n;
    lastServerId = id;
    return id;
  };
  const fromClient = { fromServer: false }, fromServer = { fromServer: true, maxPadding: 12 };
  const ping = ours.tlEncode({ _: 'ping', ping_id: 1n });
  // n requests in flight at once: all invoked, then everything the session sends is answered
  // (a reply packet per request) until every request has resolved.
  const trips = (n) => {
    const nowMs = Date.now();
    const ids = new Set();
    for (let i = 0; i < n; i++) ids.add(session.invoke(ping));
    for (let p; (p = session.pollTransmit(nowMs)) !== null;) {
      const m = ours.decryptMessage(authKey, p, fromClient);
      const dv = new DataView(m.body.buffer, m.body.byteOffset, m.body.byteLength);
      const reqs = [];
      if (dv.getUint32(0, true) === 0x73f1f8dc) {
        for (let i = 0, off = 8; i < dv.getInt32(4, true); i++) {
          const len = dv.getInt32(off + 12, true);
          if (dv.getInt32(off + 8, true) & 1) reqs.push(dv.getBigInt64(off, true));
          off += 16 + len;
        }
      } else if (m.seqNo & 1) reqs.push(BigInt.asIntN(64, m.msgId));
      for (const req of reqs) {
        const result = ours.tlEncode({ _: 'rpc_result', req_msg_id: req, result: { _: 'pong', msg_id: req, ping_id: 1n } });
        const h = new DataView(new ArrayBuffer(32));
        h.setBigUint64(0, 7n, true); h.setBigUint64(8, sessionId, true);
        h.setBigUint64(16, serverMsgId(nowMs), true); h.setInt32(24, 2 * serverSeq++ + 1, true);
        h.setInt32(28, result.length, true);
        const reply = ours.encryptMessage(authKey, Buffer.concat([Buffer.from(h.buffer), result]), fromServer);
        for (const ev of session.feed(reply, nowMs)) if (ev.type === 'result') ids.delete(ev.request);
      }
    }
    if (ids.size !== 0) throw new Error(`${ids.size} of ${n} requests did not complete`);
  };
  const roundTrip = () => trips(1);
  const rt = measure(roundTrip);
  envelopeRows.push(`round trip Session -> JS server (decryptMessage/encryptMessage) -> Session.feed, ping/pong: ${fmtTime(rt)} (${Math.round(1 / rt)}/s)`);
  const batch = measure(() => trips(1000), { batchMs: 1, rounds: quick ? 3 : 7 });
  scaleRows.push(['session cost per request with 1,000 in flight (containers out, a packet back per answer) / with 1 in flight', batch / 1000, rt]);

  // Round trips of the whole client: ClientCore (obfuscated intermediate framing, session over
  // a PFS temporary key) -> the in-process test server (transport, server session) -> back.
  const key = JSON.parse(readFileSync(new URL('../tests/data/rsa_test_key.json', import.meta.url), 'utf8'));
  const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
  // The test server comes from the test-only build (pkg-test/); the client is the shipped one.
  const { __TestServer } = require('../pkg-test/mtproto_wasm.js');
  const server = new __TestServer(hex(key.n), hex(key.e), hex(key.d), 2);
  const core = new ours.ClientCore({ dcId: 2, testMode: true, rsaKeys: [key.pem_pkcs1], apiId: 1, pingInterval: 0 });
  const t0 = Date.now();
  const move = (nowMs) => {
    const events = [];
    for (let busy = true; busy;) {
      busy = false;
      for (let b; (b = core.pollTransmit()) !== null;) { server.handleBytes(nowMs, b); busy = true; }
      for (let b; (b = server.pollTransmit()) != null;) { core.handleBytes(nowMs, b); busy = true; }
      for (let e; (e = core.pollEvent()) !== null;) events.push(e);
    }
    return events;
  };
  server.accept();
  core.connect(t0);
  if (!move(t0).some((e) => e.type === 'connected')) throw new Error('client did not connect');
  const pingRequest = { _: 'ping', ping_id: 1n };
  const clientTrip = () => {
    const nowMs = Date.now();
    const id = core.invoke(pingRequest);
    if (!move(nowMs).some((e) => e.type === 'result' && e.id === id)) throw new Error('client round trip did not complete');
  };
  const crt = measure(clientTrip);
  envelopeRows.push(`round trip Client core -> in-process server (transport + server session) -> back, ping/pong: ${fmtTime(crt)} (${Math.round(1 / crt)}/s)`);
}

// --- Memory: a connected client with 1, 10 and 100 secret chats (fresh processes) ----------
const memoryRows = [];
{
  const { execFileSync } = require('node:child_process');
  for (const n of [1, 10, 100]) {
    const m = JSON.parse(execFileSync(process.execPath, [fileURLToPath(new URL('./memory.mjs', import.meta.url)), String(n)], { encoding: 'utf8' }));
    const mb = (b) => `${(b / 1048576).toFixed(2)} MB`;
    memoryRows.push(`${n} secret chat${n > 1 ? 's' : ''} (50 messages each way): wasm memory ${mb(m.withChats)} (fresh module ${mb(m.baseline)}, connected client ${mb(m.connected)}; target for 10 chats: under 4 MB)`);
  }
}

// --- Output ------------------------------------------------------------------------------
const wasmBytes = readFileSync(wasmPath);
const size = { raw: wasmBytes.length, gzip: gzipSync(wasmBytes, { level: 9 }).length };
// The schema blob the release build embedded (the newest one cargo wrote).
const schema = (() => {
  const { readdirSync, statSync } = require('node:fs');
  const dir = fileURLToPath(new URL('../target/wasm32-unknown-unknown/release/build/', import.meta.url));
  let best = null;
  try {
    for (const d of readdirSync(dir)) {
      const f = `${dir}${d}/out/tl_schema.bin`;
      try { const t = statSync(f).mtimeMs; if (!best || t > best.t) best = { f, t }; } catch { /* not this one */ }
    }
  } catch { return null; }
  if (!best) return null;
  const b = readFileSync(best.f);
  return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
})();
const mtcuteTl = (() => {
  const b = Buffer.concat(['reader.js', 'writer.js'].map((f) => readFileSync(require.resolve(`@mtcute/tl/binary/${f}`))));
  return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
})();
const machine = `${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), Node ${process.version}`;

const lines = [];
lines.push(`Machine: ${machine}${quick ? ' (quick run)' : ''}; ${new Date().toISOString().slice(0, 10)}.`);
lines.push('Medians; speed = peer time / our time (above 1: we are faster).', '');
lines.push('| what | size | ours | peer | peer result | speed |', '|---|---|---|---|---|---|');
for (const r of rows) {
  const o = r.unit ? fmtRate(r.ours, r.unit) : fmtTime(r.ours);
  const p = r.unit ? fmtRate(r.peerSec, r.unit) : fmtTime(r.peerSec);
  lines.push(`| ${r.group} | ${r.name} | ${o} | ${r.peer} | ${p} | ${r.speedup.toFixed(2)}x |`);
}
lines.push('', '| handshake (client CPU, sample replay) | ours |', '|---|---|');
for (const [name, sec] of hsRows) lines.push(`| ${name} | ${fmtTime(sec)} |`);
lines.push('', 'Session envelope (MTProto 2.0 packets):');
for (const line of envelopeRows) lines.push(`- ${line}`);
lines.push('', 'Memory (high-water mark of the linear memory, `bench/memory.mjs`):');
for (const line of memoryRows) lines.push(`- ${line}`);
lines.push('', '| scaling: ours / reference | ours | reference | reference / ours |', '|---|---|---|---|');
for (const [name, o, p] of scaleRows) lines.push(`| ${name} | ${fmtTime(o)} | ${fmtTime(p)} | ${(p / o).toFixed(2)}x |`);
lines.push('', `Release wasm (\`pkg/mtproto_wasm_bg.wasm\`, wasm-opt -O3): ${size.raw} bytes, ${size.gzip} bytes gzipped.`);
if (schema) {
  lines.push(`Of it, the API schema blob (layer ${ours.API_LAYER()}, \`tl_schema.bin\`): ${schema.raw} bytes, ${schema.gzip} gzipped alone, so about ${size.gzip - schema.gzip} gzipped for everything else (target 150 KB); `
    + `@mtcute/core's generated TL reader + writer (\`@mtcute/tl/binary/*.js\`, layer 223): ${mtcuteTl.raw} bytes, ${mtcuteTl.gzip} gzipped.`);
}
console.log('\n' + lines.join('\n'));
// A bar chart of the speed ratios (log scale, 1x marked), shown by README.
function chart() {
  const items = rows.map((r) => [`${r.group} ${r.name}`, r.speedup]);
  const w = 760, rowH = 18, left = 420, top = 24, h = top + items.length * rowH + 28;
  const lo = Math.log2(1 / 64), hi = Math.log2(256);
  const x = (v) => left + ((Math.log2(Math.min(256, Math.max(1 / 64, v))) - lo) / (hi - lo)) * (w - left - 20);
  const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="8" y="15" font-size="12">speed = peer time / our time (log scale; right of the line: we are faster). ${esc(machine)}</text>`];
  items.forEach(([name, v], i) => {
    const y = top + i * rowH;
    const x0 = x(1), x1 = x(v);
    parts.push(`<text x="${left - 6}" y="${y + 12}" text-anchor="end">${esc(name.slice(0, 70))}</text>`);
    parts.push(`<rect x="${Math.min(x0, x1)}" y="${y + 3}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${rowH - 6}" fill="${v >= 1 ? '#3a7' : '#c54'}"/>`);
    parts.push(`<text x="${Math.max(x0, x1) + 4}" y="${y + 12}">${v.toFixed(2)}x</text>`);
  });
  const bottom = top + items.length * rowH;
  parts.push(`<line x1="${x(1)}" y1="${top - 4}" x2="${x(1)}" y2="${bottom}" stroke="black"/>`);
  for (const t of [1 / 16, 1 / 4, 1, 4, 16, 64]) parts.push(`<text x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${t >= 1 ? t : `1/${1 / t}`}x</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

if (process.argv.includes('--readme')) {
  writeFileSync(new URL('../docs/bench-ratios.svg', import.meta.url), chart());
  lines.push('', '![speed ratios](docs/bench-ratios.svg)');
  const readmePath = new URL('../README.md', import.meta.url);
  const readme = readFileSync(readmePath, 'utf8');
  const start = '<!-- bench:start -->', end = '<!-- bench:end -->';
  const a = readme.indexOf(start), b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README has no bench markers');
  writeFileSync(readmePath, readme.slice(0, a + start.length) + '\n' + lines.join('\n') + '\n' + readme.slice(b));
  console.log('README.md table updated');
}
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/results.json', import.meta.url), JSON.stringify({ machine, quick, rows, scaling: scaleRows, memory: memoryRows, handshake: Object.fromEntries(hsRows), envelope: envelopeRows, size, schema, mtcuteTl }, null, 1));
