// The shipped JavaScript Client (pkg/client.js over the web build, loaded with initSync; and
// pkg-node/client.cjs) against the hidden in-process __TestServer, over a fake transport,
// with a fake clock (the Client's `clock` option): handshake, invoke, ping/pong, rpc errors,
// FLOOD_WAIT, updates, reconnect with backoff, exportSession without a second handshake,
// webSocketTransport over a fake WebSocket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runWithoutCodegen } from './no-codegen.mjs';

const wasm = await import('../../pkg/mtproto_wasm.js');
wasm.initSync({ module: readFileSync(new URL('../../pkg/mtproto_wasm_bg.wasm', import.meta.url)) });
const { Client, RpcError, webSocketTransport } = await import('../../pkg/client.js');
// The in-process test server lives in its own (test-only) build: pkg-test/ has the
// `__TestServer` export, the shipped pkg/ and pkg-node/ do not.
const { __TestServer } = createRequire(import.meta.url)('../../pkg-test/mtproto_wasm.js');

const key = JSON.parse(readFileSync(new URL('../data/rsa_test_key.json', import.meta.url), 'utf8'));
const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  let timers = [];
  let seq = 0;
  return {
    now: () => now,
    setTimeout(fn, ms) { const t = { at: now + Math.max(0, ms), fn, id: ++seq }; timers.push(t); return t; },
    clearTimeout(t) { timers = timers.filter((x) => x !== t); },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at || a.id - b.id);
        const t = timers[0];
        if (!t || t.at > end) break;
        timers.shift();
        now = Math.max(now, t.at);
        t.fn();
      }
      now = end;
      await settle();
    },
  };
}

// A transport whose other end is the test server; bytes are delivered asynchronously.
function fakeTransport(server, clock) {
  let onData = null, onClose = null, open = false;
  const t = {
    connects: 0,
    failNextConnects: 0,
    async connect(d, c) {
      t.connects++;
      if (t.failNextConnects > 0) { t.failNextConnects--; throw new Error('refused'); }
      onData = d; onClose = c; open = true;
      server.accept();
    },
    send(bytes) {
      assert.ok(bytes instanceof Uint8Array);
      if (!open) return;
      server.handleBytes(clock.now(), bytes);
      setImmediate(() => {
        for (let b; open && (b = server.pollTransmit()) != null;) onData(b);
      });
    },
    close() { open = false; server.close(); },
    drop() { open = false; server.close(); onClose(new Error('connection lost')); },
    push(update) {
      server.pushUpdate(clock.now(), update);
      for (let b; (b = server.pollTransmit()) != null;) onData(b);
    },
  };
  return t;
}

function setup(extra = {}) {
  const clock = extra.clock ?? fakeClock();
  const server = extra.server ?? new __TestServer(hex(key.n), hex(key.e), hex(key.d), 2);
  const transport = fakeTransport(server, clock);
  const client = new (extra.Client ?? Client)({
    dcId: 2, testMode: true, transport, framing: 'intermediate', rsaKeys: [key.pem_pkcs1],
    apiId: 12345, apiHash: '0123456789abcdef', clock, random: () => 0.5, ...extra.options,
  });
  return { clock, server, transport, client };
}

test('connect runs the handshake; invoke, ping, wrapped first request', async () => {
  const { client, server } = setup();
  assert.equal(client.authKeyId, 0n);
  const events = [];
  const bound = [];
  client.on('connected', (e) => events.push(e));
  client.on('tempKeyBound', (e) => bound.push(e));
  await client.connect();
  // PFS (the default): a permanent key, then a temporary key bound to it
  assert.equal(server.handshakes, 2);
  assert.notEqual(client.authKeyId, 0n);
  assert.notEqual(client.tempAuthKeyId, 0n);
  assert.notEqual(client.tempAuthKeyId, client.authKeyId);
  assert.deepEqual(events, [{ authKeyId: client.authKeyId, newKey: true }]);
  assert.equal(bound.length, 1);
  assert.equal(bound[0].tempAuthKeyId, client.tempAuthKeyId);
  assert.equal(bound[0].expiresAt, 1_700_000_000 + 86400);
  const r = await client.invoke({ _: 'help.getNearestDc' });
  assert.deepEqual(r, { _: 'nearestDc', country: 'NL', this_dc: 2, nearest_dc: 2 });
  const pong = await client.invoke({ _: 'ping', ping_id: 1n });
  assert.equal(pong._, 'pong');
  assert.equal(pong.ping_id, 1n);
  assert.equal(typeof pong.msg_id, 'bigint');
  await client.invoke({ _: 'help.getNearestDc' });
  assert.deepEqual(server.requests,
    ['auth.bindTempAuthKey', 'invokeWithLayer/initConnection/help.getNearestDc', 'help.getNearestDc']);
  client.close();
  await assert.rejects(client.invoke({ _: 'help.getNearestDc' }), /client closed/);
});

test('rpc errors reject with code and message; FLOOD_WAIT under the threshold is waited out', async () => {
  const { client, server, clock } = setup();
  await client.connect();
  server.failNext(303, 'PHONE_MIGRATE_4');
  await assert.rejects(client.invoke({ _: 'help.getNearestDc' }), (e) => {
    assert.ok(e instanceof RpcError && e instanceof Error);
    assert.equal(e.code, 303);
    assert.equal(e.message, 'PHONE_MIGRATE_4');
    assert.equal(e.dcId, 4);
    return true;
  });
  server.failNext(420, 'FLOOD_WAIT_120');
  await assert.rejects(client.invoke({ _: 'help.getNearestDc' }), { code: 420, message: 'FLOOD_WAIT_120', seconds: 120 });
  server.failNext(420, 'FLOOD_WAIT_3');
  let done = false;
  const p = client.invoke({ _: 'help.getNearestDc' }).then((r) => { done = true; return r; });
  await clock.advance(2900);
  assert.equal(done, false);
  await clock.advance(200);
  assert.equal((await p)._, 'nearestDc');
  await assert.rejects(client.invoke({ _: 'no.suchMethod' }), /no.suchMethod/);
  client.close();
});

test('updates arrive as events', async () => {
  const { client, transport } = setup();
  await client.connect();
  await client.invoke({ _: 'help.getNearestDc' });
  const updates = [];
  const fn = (u) => updates.push(u);
  client.on('update', fn);
  transport.push({ _: 'updatesTooLong' });
  await settle();
  assert.deepEqual(updates, [{ _: 'updatesTooLong' }]);
  client.off('update', fn);
  transport.push({ _: 'updatesTooLong' });
  await settle();
  assert.equal(updates.length, 1);
  client.close();
});

test('a lost connection mid-request: reconnect with backoff, the request resolves once', async () => {
  const { client, server, transport, clock } = setup();
  await client.connect();
  const delays = [];
  client.on('reconnecting', (d) => delays.push(d));
  server.holdNext();
  let resolved = 0;
  const p = client.invoke({ _: 'help.getNearestDc' }).then((r) => { resolved++; return r; });
  await settle();
  transport.failNextConnects = 2;
  transport.drop();
  const q = client.invoke({ _: 'help.getNearestDc' }); // queued while disconnected
  await clock.advance(999);
  assert.equal(transport.connects, 1);
  await clock.advance(1);  // 1 s: refused
  await clock.advance(2000); // 2 s: refused
  assert.equal(transport.connects, 3);
  await clock.advance(4000); // 4 s: connected
  assert.equal(transport.connects, 4);
  assert.deepEqual(delays, [1000, 2000, 4000]);
  assert.equal((await p)._, 'nearestDc');
  assert.equal((await q)._, 'nearestDc');
  await settle();
  assert.equal(resolved, 1);
  assert.equal(server.handshakes, 2);
  // backoff restarts at 1 s after a successful connection
  transport.drop();
  await clock.advance(0);
  assert.deepEqual(delays, [1000, 2000, 4000, 1000]);
  client.close();
});

test('exportSession, then a new Client with session: no second handshake', async () => {
  const a = setup();
  await a.client.connect();
  await a.client.invoke({ _: 'help.getNearestDc' });
  const session = a.client.exportSession();
  assert.ok(session instanceof Uint8Array && session.length === 558); // with the temporary key
  a.client.close();
  const b = setup({ server: a.server, clock: a.clock, options: { session, framing: 'padded' } });
  assert.equal(b.client.authKeyId, a.client.authKeyId);
  await b.client.connect();
  assert.equal((await b.client.invoke({ _: 'help.getNearestDc' }))._, 'nearestDc');
  assert.equal(a.server.handshakes, 2);
  assert.equal(b.client.tempAuthKeyId, a.client.tempAuthKeyId);
  b.client.close();
  assert.throws(() => setup({ options: { session: session.subarray(1) } }), /options.session/);
});

test('pfs: false uses the permanent key; a temporary key is renewed on the fake clock', async () => {
  const plain = setup({ options: { pfs: false } });
  await plain.client.connect();
  assert.equal(plain.server.handshakes, 1);
  assert.equal(plain.client.tempAuthKeyId, 0n);
  assert.equal(plain.client.exportSession().length, 286);
  plain.client.close();

  const { client, server, clock } = setup({ options: { tempKeyTtl: 60, pingInterval: 0 } });
  const bound = [];
  client.on('tempKeyBound', (e) => bound.push(e.tempAuthKeyId));
  let connects = 0;
  client.on('connected', () => connects++);
  await client.connect();
  await clock.advance(50_000); // renewal is due 15 s before expiry
  assert.equal(bound.length, 2);
  assert.notEqual(bound[0], bound[1]);
  assert.equal(client.tempAuthKeyId, bound[1]);
  assert.equal(connects, 1); // same connection
  assert.equal((await client.invoke({ _: 'help.getNearestDc' }))._, 'nearestDc');
  assert.equal(server.handshakes, 3);
  client.close();
});

test('decodeTl (the JS TL reader) gives exactly what tlDecode gives', async () => {
  const { decodeTl, decodeTlResult } = await import('../../pkg/client.js');
  const objects = [
    { _: 'nearestDc', country: 'NL', this_dc: 2, nearest_dc: 2 },
    { _: 'messages.sendMessage', peer: { _: 'inputPeerUser', user_id: -5n, access_hash: 1n << 62n },
      message: 'héllo wörld ✓ — a longer text that is well over forty-eight bytes of UTF-8 ✓✓', random_id: -1n,
      silent: true, entities: [{ _: 'messageEntityBold', offset: 0, length: 2 }] },
    { _: 'req_pq_multi', nonce: Uint8Array.from({ length: 16 }, (_, i) => i * 7) },
    { _: 'geoPoint', long: -0.125, lat: 51.5, access_hash: 3n },
  ];
  // decodeTl keeps every field as a key (an unset optional one is undefined), tlDecode
  // leaves unset ones out; otherwise equal, and both encode back to the same bytes.
  const defined = (v) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x)));
  for (const o of objects) {
    const bytes = wasm.tlEncode(o);
    const fast = decodeTl(bytes);
    assert.deepEqual(defined(fast), defined(wasm.tlDecode(bytes)));
    assert.deepEqual(wasm.tlEncode(fast), bytes);
  }
  const sent = decodeTl(wasm.tlEncode(objects[1]));
  assert.ok('reply_to' in sent && sent.reply_to === undefined);
  assert.equal(sent.noforwards, false);
  assert.deepEqual(Object.keys(sent).slice(0, 4), ['_', 'no_webpage', 'silent', 'background']);
  assert.equal(typeof sent.random_id, 'bigint');
  // A page whose Content-Security-Policy forbids eval gets the same objects (no compiled
  // readers): the same check in a Node that refuses code generation from strings.
  const bytes = wasm.tlEncode(objects[1]);
  const show = (o) => JSON.stringify(o, (_, x) => typeof x === 'bigint' ? x + 'n' : x === undefined ? null : x);
  const out = runWithoutCodegen(`
    const o = client.decodeTl(Uint8Array.from(${JSON.stringify([...bytes])}));
    return { keys: Object.keys(o), o: (${show})(o) };`);
  assert.equal(out.compiled, false);
  assert.deepEqual(out.result.keys, Object.keys(sent));
  assert.equal(out.result.o, show(sent));
  const boolFalse = Uint8Array.from([0x37, 0x97, 0x79, 0xbc]);
  assert.equal(decodeTl(boolFalse), false);
  const longs = Uint8Array.from([0x15, 0xc4, 0xb5, 0x1c, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(decodeTlResult('messages.getAllStickers', wasm.tlEncode({ _: 'messages.allStickersNotModified' })),
    wasm.tlDecodeResult('messages.getAllStickers', wasm.tlEncode({ _: 'messages.allStickersNotModified' })));
  assert.deepEqual(decodeTlResult('photos.deletePhotos', longs), wasm.tlDecodeResult('photos.deletePhotos', longs));
  assert.throws(() => decodeTl(Uint8Array.from([1, 2, 3, 4])), /constructor/i);
});

test('arguments are checked', () => {
  const { transport } = setup();
  assert.throws(() => new Client(), /options must be an object/);
  assert.throws(() => new Client({ dcId: 2 }), /options.transport/);
  assert.throws(() => new Client({ dcId: 2, transport, framing: 'full' }), /options.framing/);
  assert.throws(() => new Client({ transport }), /options.dcId/);
  assert.throws(() => new Client({ dcId: 2, transport, rsaKeys: ['nope'] }), /options.rsaKeys\[0\]/);
  assert.throws(() => new Client({ dcId: 2, transport, floodWaitThreshold: -1 }), /floodWaitThreshold/);
  assert.throws(() => new Client({ dcId: 2, transport, pfs: 'yes' }), /options.pfs/);
  assert.throws(() => new Client({ dcId: 2, transport, tempKeyTtl: 5 }), /options.tempKeyTtl/);
  assert.throws(() => webSocketTransport('wss://x', 42), /WebSocket/);
});

test('webSocketTransport: binary subprotocol, arraybuffer, resolves when open', async () => {
  const made = [];
  class FakeWS {
    constructor(url, protocol) { this.url = url; this.protocol = protocol; this.readyState = 0; this.sent = []; made.push(this); }
    send(b) { this.sent.push(b); }
    close() { this.readyState = 3; this.onclose?.({ code: 1000 }); }
  }
  const t = webSocketTransport('wss://example/apiws', FakeWS);
  const got = [];
  let closed = null;
  const opening = t.connect((d) => got.push(d), (e) => { closed = e; });
  const ws = made[0];
  assert.equal(ws.protocol, 'binary');
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.readyState = 1;
  ws.onopen();
  await opening;
  ws.onmessage({ data: new Uint8Array([1, 2, 3]).buffer });
  assert.deepEqual(got, [new Uint8Array([1, 2, 3])]);
  t.send(new Uint8Array([9]));
  assert.deepEqual(ws.sent, [new Uint8Array([9])]);
  ws.onclose({ code: 1006 });
  assert.match(closed.message, /1006/);
  // a close we asked for does not call onClose; a failed open rejects
  closed = null;
  const again = t.connect(() => {}, (e) => { closed = e; });
  made[1].readyState = 1;
  made[1].onopen();
  await again;
  t.close();
  assert.equal(closed, null);
  const failing = t.connect(() => {}, () => {});
  made[2].onerror();
  await assert.rejects(failing, /WebSocket error/);
});

test('the CommonJS build (pkg-node/client.cjs) works the same', async () => {
  const require = createRequire(import.meta.url);
  const node = require('../../pkg-node/client.cjs');
  const nodeWasm = require('../../pkg-node/mtproto_wasm.js');
  assert.equal(nodeWasm.__TestServer, undefined, 'the shipped build has no test server');
  assert.equal(wasm.__TestServer, undefined, 'the shipped build has no test server');
  const server = new __TestServer(hex(key.n), hex(key.e), hex(key.d), 2);
  const { client } = setup({ Client: node.Client, server });
  await client.connect();
  assert.equal((await client.invoke({ _: 'help.getNearestDc' })).this_dc, 2);
  client.close();
});
