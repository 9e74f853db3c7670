// Values from JavaScript whose getters, Proxy traps or iterators throw, passed to every kind
// of entry point of the Node build. Each call must fail with an Error that says what went
// wrong, and the object must keep working: an exception thrown through the wasm in the middle
// of a method would leave the Rust object borrowed for good ("recursive use of an object
// detected which would lead to unsafe aliasing in rust") and leak what the call allocated.
// src/js/imports.rs reads caller values through js/wasm-imports.js, imported with `catch`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const ours = require('../../pkg-node/mtproto_wasm.js');

const boom = (what) => { throw new Error(`boom in ${what}`); };
const hostileObjects = () => [
  ['a getter that throws', { _: 'help.getConfig', get x() { return boom('getter'); } }, 'getter'],
  ['a Proxy whose ownKeys throws', new Proxy({}, { ownKeys: () => boom('ownKeys') }), 'ownKeys'],
  ['an array Proxy whose get throws', { _: 'messages.getHistory', peer: new Proxy([1], { get: () => boom('index') }) }, 'index'],
  ['a Map whose iterator throws', (() => { const m = new Map([['_', 'help.getConfig']]); m[Symbol.iterator] = () => boom('iterator'); return m; })(), 'iterator'],
  ['a revoked Proxy', (() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })(), 'revoked'],
];
const hostileBytes = () => [
  ['a Proxy over a Uint8Array', new Proxy(new Uint8Array(16), {}), 'threw'],
  ['a Uint8Array with its own length whose buffer getter throws', (() => {
    const u = new Uint8Array(16);
    Object.defineProperty(u, 'length', { get: () => 16 });
    Object.defineProperty(u, 'buffer', { get: () => boom('buffer') });
    return u;
  })(), 'buffer'],
];

function throwsCleanly(fn, what, expect) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `${what}: ${e}`);
    assert.doesNotMatch(e.message, /recursive use/, what);
    assert.match(e.message, new RegExp(expect), what);
    return true;
  });
}

test('Session.invoke: hostile requests fail and the session keeps working', () => {
  const s = new ours.Session({ authKey: randomBytes(256), serverSalt: 7n, sessionId: 1n, timeOffset: 0, futureSalts: false, pingInterval: 0 });
  let last = 0;
  for (const [what, value, expect] of [...hostileObjects(), ...hostileBytes()]) {
    throwsCleanly(() => s.invoke(value, {}), what, expect);
    const id = s.invoke({ _: 'help.getConfig' }, {});
    assert.ok(id > last, `${what}: the next invoke gets a new id`);
    last = id;
  }
});

test('ClientCore.invoke and handleBytes: hostile values fail and the core keeps working', () => {
  throwsCleanly(() => new ours.ClientCore({ apiId: 1, apiHash: 'x', dcId: 2, rsaKeys: new Proxy([], { get: () => boom('rsaKeys') }) }),
    'rsaKeys as an array Proxy whose get throws', 'options.rsaKeys: .*boom in rsaKeys');
  const c = new ours.ClientCore({ apiId: 1, apiHash: 'x', dcId: 2 });
  let last = 0;
  for (const [what, value, expect] of hostileObjects()) {
    throwsCleanly(() => c.invoke(value), what, expect);
    const id = c.invoke({ _: 'help.getConfig' });
    assert.ok(id > last, what);
    last = id;
  }
  for (const [what, value, expect] of hostileBytes()) {
    throwsCleanly(() => c.handleBytes(0, value), what, expect);
    throwsCleanly(() => c.invokeEncoded('help.getConfig', value), what, expect);
    assert.ok(c.invoke({ _: 'help.getConfig' }) > last, what);
  }
});

test('Handshake.handle and Transport: hostile bytes fail and the object keeps working', () => {
  const h = new ours.Handshake({ dcId: 2 });
  h.start();
  for (const [what, value, expect] of hostileBytes()) {
    throwsCleanly(() => h.handle(value), what, expect);
  }
  // The next call reaches the handshake (which refuses a junk answer on its own terms).
  throwsCleanly(() => h.handle(new Uint8Array(8)), 'junk answer', '.');
  const t = new ours.Transport({ framing: 'intermediate' });
  for (const [what, value] of hostileBytes()) {
    try { t.unpack(value); } catch (e) { assert.doesNotMatch(String(e.message), /recursive use/, what); }
    assert.deepEqual(t.unpack(new Uint8Array(0)), [], what);
  }
  for (const [what, value, expect] of hostileBytes()) {
    throwsCleanly(() => new ours.Transport({ framing: 'intermediate', obfuscated: true, secret: value }), what, expect);
  }
});

test('free functions: hostile values fail with the reason and the module keeps working', () => {
  for (const [what, value, expect] of hostileObjects()) {
    throwsCleanly(() => ours.tlEncode(value), what, expect);
  }
  const key = randomBytes(32), iv = randomBytes(32), data = randomBytes(64);
  for (const [what, value, expect] of hostileBytes()) {
    throwsCleanly(() => ours.aesIgeEncrypt(value, key, iv), what, expect);
    throwsCleanly(() => ours.sha256(value), what, expect);
  }
  assert.deepEqual(ours.aesIgeDecrypt(ours.aesIgeEncrypt(data, key, iv), key, iv), new Uint8Array(data));
  assert.deepEqual(ours.tlDecode(ours.tlEncode({ _: 'help.getConfig' })), { _: 'help.getConfig' });
});

test('a Uint8Array whose length lies is read whole, and no copy runs past its allocation', () => {
  // The wasm-bindgen glue sizes its copy by `length`; a smaller own `length` would have it
  // write the real bytes past the allocation. Byte arguments go through js/wasm-imports.js
  // bytesOf, which hands the glue a fresh view of the real bytes instead.
  const liar = (bytes, length) => { const u = new Uint8Array(bytes); Object.defineProperty(u, 'length', { get: () => length }); return u; };
  const real = randomBytes(4096);
  assert.deepEqual(ours.sha256(liar(real, 4)), ours.sha256(new Uint8Array(real)));
  assert.deepEqual(ours.sha256(liar(real, 2 ** 31)), ours.sha256(new Uint8Array(real)));
  const t = new ours.Transport({ framing: 'intermediate' });
  assert.equal(t.pack(liar(real, 4)).length, 4 + 4096);
  const body = ours.tlEncode({ _: 'help.getNearestDc' });
  assert.deepEqual(ours.tlDecode(liar(body, 1)), { _: 'help.getNearestDc' });
  const s = new ours.Session({ authKey: liar(randomBytes(256), 8), serverSalt: 7n, sessionId: 1n, timeOffset: 0, futureSalts: false, pingInterval: 0 });
  assert.equal(s.invoke(liar(body, 0), {}), 1);
});
