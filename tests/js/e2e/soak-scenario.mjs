// Soak: several Node clients (pkg-node) make SOAK_REQUESTS requests through the real test DC
// over WebSocket while a fault driver keeps the DC misbehaving (dropped connections,
// duplicated, reordered, delayed and corrupted packets, new salts, a clock jumping ahead,
// forgotten sessions, restarts, lost/duplicated/tampered secret-chat messages); meanwhile two
// more clients exchange SOAK_SECRET messages in a secret chat through the same faults.
// Afterwards: every request settled exactly once (resolved with the right answer, or failed
// with an Error that says why), no update delivered twice (qts of updateNewEncryptedMessage),
// every secret message delivered once and in order, memory bounded. Prints the counts as
// JSON on the last line. Run with `node --experimental-websocket` and PORT set; driven by
// tests/js/soak.test.mjs (short) and `bash scripts/soak.sh` (full: 10,000 + 2,000).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Client, webSocketTransport, memorySecretStorage } = require('../../../pkg-node/client.cjs');
const { wasmMemoryBytes } = require('../../../pkg-node/mtproto_wasm.js');

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 10_000);
const SECRET = Number(process.env.SOAK_SECRET ?? 2_000);
const LOAD_CLIENTS = 4;
const IN_FLIGHT = 25; // per load client
const origin = `http://127.0.0.1:${process.env.PORT}`;
const wsUrl = origin.replace(/^http/, 'ws') + '/apiws';
const pem = await (await fetch(`${origin}/rsa.pem`)).text();
const started = Date.now();
const withTimeout = (p, ms, what) => {
  let timer;
  const expired = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timeout: ${typeof what === 'function' ? what() : what}`)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const counts = {
  requests: 0, resolved: 0, failed: 0, failures: {}, settledTwice: 0,
  disconnects: 0, connects: 0, tempKeys: 0, sessionResets: 0, protocolErrors: 0,
  faults: {}, updates: 0, duplicateUpdates: 0, secretSent: 0, secretDelivered: 0,
};

// A short history per client and of the faults, printed when something times out.
const history = [];
const note = (what) => { history.push(`${Date.now() - started}ms ${what}`); if (history.length > 400) history.shift(); };
let clientNo = 0;

function client(extra = {}) {
  const no = clientNo++;
  const c = new Client({
    dcId: 2, transport: webSocketTransport(wsUrl), framing: 'intermediate',
    rsaKeys: [pem], apiId: 1, apiHash: 'x',
    random: () => 0, // shortest reconnect backoff: faults cost under a second each
    ...extra,
  });
  c.on('disconnect', (e) => { counts.disconnects++; note(`c${no} disconnect ${e?.message}`); });
  c.on('connected', (e) => { counts.connects++; note(`c${no} connected newKey=${e.newKey}`); });
  c.on('tempKeyBound', () => { counts.tempKeys++; note(`c${no} tempKeyBound`); });
  c.on('sessionReset', (e) => { counts.sessionResets++; note(`c${no} sessionReset byServer=${e.byServer}`); });
  c.on('protocolError', (e) => { counts.protocolErrors++; note(`c${no} protocolError ${e.message}`); });
  c.on('reconnecting', (d) => note(`c${no} reconnecting in ${d}`));
  c.no = no;
  // No update twice: each updateNewEncryptedMessage carries its own qts.
  const seen = new Set();
  c.on('update', (u) => {
    const list = u?.updates ?? (u?.update ? [u.update] : [u]);
    for (const x of list) {
      if (x?._ !== 'updateNewEncryptedMessage') continue;
      counts.updates++;
      if (seen.has(x.qts)) counts.duplicateUpdates++;
      seen.add(x.qts);
    }
  });
  return c;
}

// --- the fault driver ---------------------------------------------------------------------
const cycle = [
  ['drop_at_request', 1], ['duplicate', 3], ['bad_salt', 1], ['reorder', 2], ['corrupt', 1],
  ['delay_ms', 20], ['drop_encrypted_messages', 1], ['clock_offset', 'forward'], ['forget_sessions', 1],
  ['delay_ms', 0], ['duplicate_encrypted_messages', 1], ['restart', 1],
  ['corrupt_encrypted_messages', 1], ['drop_after_frames', 40],
];
// SOAK_FAULTS=name,name,... narrows the cycle (to find which fault a failure needs).
const only = process.env.SOAK_FAULTS?.split(',');
if (only) cycle.splice(0, cycle.length, ...cycle.filter(([n]) => only.includes(n)));
const REQUEST_TIMEOUT = Number(process.env.SOAK_REQUEST_TIMEOUT ?? 120_000);
let driving = true;
async function faultDriver() {
  // The DC's clock only jumps forward, a minute at a time (beyond the 30 s window, so every
  // client corrects its offset). A clock set back would make the DC's per-session msg_ids
  // (which must keep increasing) run ahead of its own time, a state no real DC is in.
  let clock = 0;
  for (let i = 0; driving; i++) {
    let [name, value] = cycle[i % cycle.length];
    if (value === 'forward') value = clock += 60;
    const r = await fetch(`${origin}/__faults/${name}/${value}`);
    assert.equal(r.status, 200, await r.text());
    counts.faults[name] = (counts.faults[name] ?? 0) + 1;
    note(`fault ${name}=${value}`);
    await sleep(Number(process.env.SOAK_FAULT_MS ?? 100)); // a fault every 100 ms: each kind about every 1.4 s
  }
  for (const [name, value] of [['delay_ms', 0], ['duplicate', 0], ['reorder', 0], ['corrupt', 0]]) {
    await fetch(`${origin}/__faults/${name}/${value}`);
  }
}

// --- request load -------------------------------------------------------------------------
async function loadWorker(c, share) {
  // connect() rejects when this attempt fails (a fault may hit it); the client keeps
  // reconnecting and the requests wait for it.
  await c.connect().catch(() => {});
  let next = 0;
  const one = async (i) => {
    counts.requests++;
    let settled = 0;
    const request = i % 2 ? { _: 'help.getNearestDc' } : { _: 'ping', ping_id: BigInt(i + 1) };
    try {
      const r = await withTimeout(c.invoke(request), REQUEST_TIMEOUT,
        () => `request ${i} of c${c.no} (connected ${c.connected}, pending ${c._pending.size})\n${history.join('\n')}`);
      settled++;
      if (i % 2) assert.equal(r._, 'nearestDc');
      else { assert.equal(r._, 'pong'); assert.equal(r.ping_id, BigInt(i + 1)); }
      counts.resolved++;
    } catch (e) {
      settled++;
      assert.ok(e instanceof Error && e.message.length > 0, 'a failure says why');
      if (e.message.startsWith('timeout:')) throw e;
      counts.failed++;
      counts.failures[e.message] = (counts.failures[e.message] ?? 0) + 1;
    }
    if (settled !== 1) counts.settledTwice++;
  };
  const lanes = Array.from({ length: IN_FLIGHT }, async () => {
    while (next < share) await one(next++);
  });
  await Promise.all(lanes);
}

// --- the secret chat ------------------------------------------------------------------------
async function signUp(c, phone) {
  await c.connect();
  const sent = await c.invoke({ _: 'auth.sendCode', phone_number: phone, api_id: 1, api_hash: 'x', settings: { _: 'codeSettings' } });
  let r = await c.invoke({ _: 'auth.signIn', phone_number: phone, phone_code_hash: sent.phone_code_hash, phone_code: '22222' });
  if (r._ === 'auth.authorizationSignUpRequired') {
    r = await c.invoke({ _: 'auth.signUp', phone_number: phone, phone_code_hash: sent.phone_code_hash, first_name: phone, last_name: '' });
  }
  return r.user;
}

async function secretPair() {
  const a = client({ secretStorage: memorySecretStorage() });
  const b = client({ secretStorage: memorySecretStorage() });
  await signUp(a, '9996630001');
  const userB = await signUp(b, '9996630002');
  const bChat = new Promise((resolve) => b.secretChats.on('request', (req) => resolve(req.accept())));
  const chatA = await withTimeout(a.secretChats.start({ _: 'inputUser', user_id: userB.id, access_hash: userB.access_hash }), 30_000, 'start');
  const chatB = await withTimeout(bChat, 30_000, 'accept');
  return { a, b, chatA, chatB };
}

async function secretTraffic({ chatA, chatB }, stopFaults) {
  const half = SECRET / 2;
  const received = { a: [], b: [] };
  const done = (list, n) => new Promise((resolve) => {
    const t = setInterval(() => { if (list.length >= n) { clearInterval(t); resolve(); } }, 20);
  });
  chatA.on('message', (m) => { if (m._ === 'decryptedMessage') received.a.push(m.message); });
  chatB.on('message', (m) => { if (m._ === 'decryptedMessage') received.b.push(m.message); });
  const sender = async (chat, tag) => {
    for (let i = 0; i < half; i++) {
      try {
        await withTimeout(chat.sendText(`${tag}${i}`), 120_000, `send ${tag}${i}`);
      } catch (e) {
        // The request carrying it failed (e.g. too many server-driven resends): the
        // message is in the chat's sequence already, so the peer's resend request
        // recovers it; delivery is checked below either way.
        if (e.message.startsWith('timeout:')) throw e;
        counts.secretSendFailures = (counts.secretSendFailures ?? 0) + 1;
      }
      counts.secretSent++;
    }
  };
  await Promise.all([sender(chatA, 'a'), sender(chatB, 'b')]);
  // A message the DC dropped at the very end leaves no hole anyone can see (no later
  // message follows it): once the faults stop, one last message from each side shows it.
  await stopFaults();
  await chatA.sendText('a-end');
  await chatB.sendText('b-end');
  await withTimeout(Promise.all([done(received.b, half + 1), done(received.a, half + 1)]), 180_000,
    () => `secret delivery: a got ${received.a.length}, b got ${received.b.length}; ${JSON.stringify(counts)}`);
  await sleep(500); // anything delivered twice would show up now
  assert.deepEqual(received.b, [...Array.from({ length: half }, (_, i) => `a${i}`), 'a-end'], 'B got every message of A once, in order');
  assert.deepEqual(received.a, [...Array.from({ length: half }, (_, i) => `b${i}`), 'b-end'], 'A got every message of B once, in order');
  counts.secretDelivered = received.a.length + received.b.length - 2;
}

// --- run ------------------------------------------------------------------------------------
const memoryBefore = wasmMemoryBytes();
const pair = await secretPair(); // set up before the faults start
const loaders = Array.from({ length: LOAD_CLIENTS }, () => client());
const driver = faultDriver();
const share = Math.ceil(REQUESTS / LOAD_CLIENTS);
const load = Promise.all(loaders.map((c) => loadWorker(c, share)));
// The faults stop once the request load and the secret senders are both done.
const stopFaults = async () => { await load; driving = false; await driver; };
await Promise.all([load, secretTraffic(pair, stopFaults)]);
await stopFaults();

assert.equal(counts.settledTwice, 0, 'every request settled exactly once');
assert.equal(counts.resolved + counts.failed, counts.requests);
assert.ok(counts.failed <= counts.requests / 100, `at most 1% failed: ${JSON.stringify(counts.failures)}`);
assert.equal(counts.duplicateUpdates, 0, 'no update delivered twice');
if (!only) assert.ok(counts.disconnects > 0, 'the faults did drop connections');
const memoryAfter = wasmMemoryBytes();
const heap = process.memoryUsage();
counts.wasmMemoryBytes = { before: memoryBefore, after: memoryAfter };
counts.heapUsedBytes = heap.heapUsed;
counts.seconds = Math.round((Date.now() - started) / 100) / 10;
// Bounded: the module's memory does not grow with the number of requests served.
assert.ok(memoryAfter <= 64 * 1024 * 1024, `wasm memory ${memoryAfter}`);
for (const c of [...loaders, pair.a, pair.b]) c.close();
console.log(JSON.stringify({ ok: true, ...counts }));
process.exit(0); // nothing of ours is left running; do not wait for stray timers
