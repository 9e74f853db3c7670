// A Client (pkg-node) against the real test DC while it refuses every auth.bindTempAuthKey
// (fault switch refuse_binds): the client waits 1 s, then 2 s between temporary keys, gives
// up after three refusals, and connect() and the pending request reject with the server's
// RpcError. Before the fix it made 47 keys in 10 s and reported nothing.
//
// The clock is the Client's own option, run ten times faster than real time (10 s of the
// client's time in about 1 s), so the test waits on that clock, never on a sleep.
// Run with `node --experimental-websocket` (Node 20) and PORT set; prints one JSON line.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Client, RpcError, webSocketTransport } = require('../../../pkg-node/client.cjs');

const SPEED = 10;
const base = `http://127.0.0.1:${process.env.PORT}`;
const fail = (m) => { throw new Error(m); };
const switchJson = async (name, value) => {
  const r = await fetch(`${base}/__faults/${name}/${value}`);
  if (r.status !== 200) fail(await r.text());
  return r.json();
};

const start = Date.now();
const clock = {
  now: () => start + (Date.now() - start) * SPEED,
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms) / SPEED),
  clearTimeout: (t) => clearTimeout(t),
};
const until = (t) => new Promise((res) => clock.setTimeout(res, t - clock.now()));

const pem = await (await fetch(`${base}/rsa.pem`)).text();
await switchJson('refuse_binds', 1000);
const keysBefore = (await switchJson('status', 0)).auth_keys_made;

const client = new Client({
  dcId: 2, transport: webSocketTransport(`ws://127.0.0.1:${process.env.PORT}/apiws`),
  framing: 'intermediate', rsaKeys: [pem], apiId: 1, apiHash: 'x', clock, random: () => 0,
});
const refusedAt = [];
client.on('protocolError', (e) => { if (/bindTempAuthKey/.test(e.message)) refusedAt.push(clock.now()); });
const errors = [];
client.on('error', (e) => errors.push(e));

const t0 = clock.now();
const request = client.invoke({ _: 'help.getNearestDc' }).then(() => fail('the request resolved'), (e) => e);
const connectError = await client.connect().then(() => fail('connect() resolved'), (e) => e);
const gaveUpAfter = clock.now() - t0;
await until(t0 + 10_000);
const keys = (await switchJson('status', 0)).auth_keys_made - keysBefore;
const requestError = await request;
client.close();

const isServers = (e) => e instanceof RpcError && e.code === 400 && e.message === 'TEMP_AUTH_KEY_ALREADY_BOUND';
if (!isServers(connectError)) fail(`connect() rejected with ${connectError}`);
if (!isServers(requestError)) fail(`the request rejected with ${requestError}`);
if (errors.length !== 1 || !isServers(errors[0])) fail(`error events: ${errors}`);
if (keys > 6) fail(`${keys} handshakes in 10 s`);
if (refusedAt.length !== 3) fail(`${refusedAt.length} refusals`);
const gaps = refusedAt.slice(1).map((t, i) => t - refusedAt[i]);
if (!(gaps[0] >= 1000 && gaps[1] >= 2000)) fail(`waits between refusals: ${gaps} ms`);
console.log(JSON.stringify({ ok: true, keys, gaps, gaveUpAfter }));
