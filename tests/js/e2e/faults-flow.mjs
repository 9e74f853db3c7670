// The fault scenario shared by Node (faults-scenario.mjs, pkg-node) and the browser
// (faults-page.html, pkg/): one Client through the real test DC over WebSocket while the DC
// misbehaves (its fault switches, GET /__faults/NAME/VALUE): every request resolves exactly
// once, no update is delivered twice, and the module keeps working.
export async function faultsFlow({ Client, webSocketTransport, origin }) {
  const assert = {
    ok: (v, m = 'assertion failed') => { if (!v) throw new Error(m); },
    equal: (a, b, m) => { if (a !== b) throw new Error(m ?? `${a} !== ${b}`); },
    notEqual: (a, b, m) => { if (a === b) throw new Error(m ?? `${a} === ${b}`); },
  };
  const base = origin;
  const port = new URL(origin).port;
  const pem = await (await fetch(`${base}/rsa.pem`)).text();
  const fault = async (name, value = 1) => {
    const r = await fetch(`${base}/__faults/${name}/${value}`);
    assert.equal(r.status, 200, await r.text());
  };
  const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))]);

  const client = new Client({
    dcId: 2, transport: webSocketTransport(`ws://127.0.0.1:${port}/apiws`), framing: 'intermediate',
    rsaKeys: [pem], apiId: 1, apiHash: 'x',
    random: () => 0, // shortest backoff: the reconnects of this test take about a second each
  });
  const events = { connected: [], sessionReset: 0, protocolError: 0, disconnect: 0 };
  client.on('connected', (e) => events.connected.push(e));
  client.on('sessionReset', () => events.sessionReset++);
  client.on('protocolError', () => events.protocolError++);
  client.on('disconnect', () => events.disconnect++);
  const bound = [];
  client.on('tempKeyBound', (e) => bound.push(e.tempAuthKeyId));
  await client.connect();
  // PFS is on by default: the traffic runs over a temporary key the DC accepted as bound.
  assert.equal(bound.length, 1);
  assert.notEqual(client.tempAuthKeyId, 0n);
  assert.notEqual(client.tempAuthKeyId, client.authKeyId);

  // Every call resolves exactly once.
  let settled = 0;
  async function call(what) {
    let n = 0;
    const r = await withTimeout(client.invoke({ _: 'help.getNearestDc' }).finally(() => { n++; settled++; }), 30000, what);
    assert.equal(r._, 'nearestDc', what);
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(n, 1, `${what}: settled once`);
  }

  await call('baseline');

  // A connection dropped mid-request: the request is sent again after the reconnect.
  await fault('drop_at_request', 1);
  await call('dropped mid-request');
  assert.ok(events.disconnect >= 1);

  // bad_server_salt: the session takes the new salt and resends.
  await fault('bad_salt');
  await call('bad salt');

  // The server's clock 10 minutes ahead (bad_msg_notification 16 -> time corrected).
  await fault('clock_offset', 600);
  await call('clock ahead');
  await fault('clock_offset', 0);

  // Duplicated and corrupted packets: dropped, the calls still resolve once each.
  await fault('duplicate', 3);
  for (let i = 0; i < 3; i++) await call(`duplicate ${i}`);
  await fault('corrupt', 1);
  await call('corrupted answer');

  // A forgotten session: new_session_created reaches the app.
  const resets = events.sessionReset;
  await fault('forget_sessions');
  await call('forgotten session');
  assert.ok(events.sessionReset > resets, 'sessionReset event');

  // A restart with the state kept: same key after the reconnect.
  const key = client.authKeyId;
  await fault('restart');
  await call('after restart');
  assert.equal(client.authKeyId, key);

  // A restart that lost every key: -404 on the temporary key, the bind of a new temporary key
  // refused twice (the permanent key is gone too), and the client makes new keys by itself.
  await fault('wipe_keys');
  await call('after wiped keys');
  assert.notEqual(client.authKeyId, key);
  assert.equal(events.connected.at(-1).newKey, true);
  assert.notEqual(client.tempAuthKeyId, 0n);
  assert.equal(bound.at(-1), client.tempAuthKeyId);

  // Many calls at once while packets are reordered and delayed.
  await fault('reorder', 2);
  await fault('delay_ms', 50);
  const results = await withTimeout(Promise.all(Array.from({ length: 20 }, () => client.invoke({ _: 'help.getNearestDc' }))), 30000, 'burst');
  assert.equal(results.length, 20);
  await fault('delay_ms', 0);

  client.close();
  return { ok: true, settled, events: { ...events, connected: events.connected.length } };
}
