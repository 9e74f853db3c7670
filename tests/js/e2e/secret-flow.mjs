// The secret-chat scenario shared by Node (secret-scenario.mjs, pkg-node) and the browser
// (secret-page.html, pkg/): two clients through the test DC over WebSocket: request and
// accept, a simultaneous key rotation from both sides, a message the DC duplicates, one it
// tampers with, 300 messages with a key change, a message lost in transit, a 1 MB file, a
// reload of one side with nothing lost, and discard.
function makeAssert() {
  const fail = (m) => { throw new Error(m); };
  const same = (a, b) => JSON.stringify(a, (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x))
    === JSON.stringify(b, (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x));
  return {
    ok: (v, m = 'assertion failed') => { if (!v) fail(m); },
    equal: (a, b, m) => { if (a !== b) fail(m ?? `${a} !== ${b}`); },
    notEqual: (a, b, m) => { if (a === b) fail(m ?? `${a} === ${b}`); },
    deepEqual: (a, b, m) => { if (!same(a, b)) fail(m ?? 'values differ'); },
  };
}

export async function secretFlow({ Client, webSocketTransport, memorySecretStorage, origin }) {
  const assert = makeAssert();
  const wsUrl = origin.replace(/^http/, 'ws') + '/apiws';
  const pem = await (await fetch(`${origin}/rsa.pem`)).text();
  const fault = async (name, value = 1) => {
    const r = await fetch(`${origin}/__faults/${name}/${value}`);
    assert.equal(r.status, 200, await r.text());
  };

  function client(storage, session) {
    return new Client({
      dcId: 2, transport: webSocketTransport(wsUrl), framing: 'intermediate',
      rsaKeys: [pem], apiId: 1, apiHash: 'x', secretStorage: storage, session,
    });
  }

  async function signUp(c, phone) {
    await c.connect();
    const sent = await c.invoke({ _: 'auth.sendCode', phone_number: phone, api_id: 1, api_hash: 'x', settings: { _: 'codeSettings' } });
    let r = await c.invoke({ _: 'auth.signIn', phone_number: phone, phone_code_hash: sent.phone_code_hash, phone_code: '22222' });
    if (r._ === 'auth.authorizationSignUpRequired') {
      r = await c.invoke({ _: 'auth.signUp', phone_number: phone, phone_code_hash: sent.phone_code_hash, first_name: phone, last_name: '' });
    }
    return r.user;
  }

  // Resolves with the next `count` texts a chat emits.
  function texts(chat, count) {
    return new Promise((resolve) => {
      const got = [];
      const on = (m) => {
        if (m._ !== 'decryptedMessage') return;
        got.push(m);
        if (got.length === count) { chat.off('message', on); resolve(got); }
      };
      chat.on('message', on);
    });
  }

  const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))]);

  const sa = memorySecretStorage();
  const sb = memorySecretStorage();
  const a = client(sa);
  let b = client(sb);
  const phoneA = '9996620001';
  const phoneB = '9996620002';
  await signUp(a, phoneA);
  const userB = await signUp(b, phoneB);

  // Request and accept.
  const bChat = new Promise((resolve) => b.secretChats.on('request', (req) => resolve(req.accept())));
  const chatA = await withTimeout(a.secretChats.start({ _: 'inputUser', user_id: userB.id, access_hash: userB.access_hash }), 20000, 'start');
  let chatB = await withTimeout(bChat, 20000, 'accept');
  assert.equal(chatA.state, 'ready');
  assert.equal(chatB.state, 'ready');
  assert.equal(chatA.keyVisualization.hex, chatB.keyVisualization.hex);
  assert.equal(chatA.keyVisualization.grid.length, 12);
  assert.ok(chatA.layer >= 73);

  // Both sides start a key rotation at once: the rules pick one, both end on the same key.
  const firstKey = chatA.fingerprint;
  const changedA = new Promise((r) => chatA.on('keyChanged', r));
  const changedB = new Promise((r) => chatB.on('keyChanged', r));
  await Promise.all([chatA.rekey(), chatB.rekey()]);
  await withTimeout(Promise.all([changedA, changedB]), 20000, 'concurrent rekey');
  for (let i = 0; i < 200 && chatA.fingerprint !== chatB.fingerprint; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(chatA.fingerprint, chatB.fingerprint);
  assert.notEqual(chatA.fingerprint, firstKey);

  // A message the DC delivers twice is shown once.
  await fault('duplicate_encrypted_messages', 1);
  const dup = texts(chatB, 2);
  await chatA.sendText('only once');
  await chatA.sendText('next one');
  assert.deepEqual((await withTimeout(dup, 20000, 'duplicate')).map((m) => m.message), ['only once', 'next one']);

  // A message tampered with in transit is discarded; the resend fills the hole, in order.
  await fault('corrupt_encrypted_messages', 1);
  const errors = [];
  const onError = (e) => errors.push(e);
  chatB.on('error', onError);
  const fixed = texts(chatB, 2);
  await chatA.sendText('tampered in transit');
  await chatA.sendText('after the tampering');
  assert.deepEqual((await withTimeout(fixed, 20000, 'tamper')).map((m) => m.message), ['tampered in transit', 'after the tampering']);
  assert.ok(errors.length >= 1, 'the tampered copy was reported');
  chatB.off('error', onError);

  // 150 messages each way; the key changes after 100.
  const keysA = [];
  const keysB = [];
  chatA.on('keyChanged', (k) => keysA.push(k.fingerprint));
  chatB.on('keyChanged', (k) => keysB.push(k.fingerprint));
  for (let i = 0; i < 150; i++) {
    const atB = texts(chatB, 1);
    await chatA.sendText(`a${i}`);
    assert.equal((await withTimeout(atB, 10000, `a${i}`))[0].message, `a${i}`);
    const atA = texts(chatA, 1);
    await chatB.sendText(`b${i}`);
    assert.equal((await withTimeout(atA, 10000, `b${i}`))[0].message, `b${i}`);
  }
  assert.ok(keysA.length >= 1, 'the key changed');
  assert.deepEqual(keysA.slice(0, keysB.length), keysB.slice(0, keysA.length));
  // A rotation may still be committing (A switches first): wait for both sides to agree.
  for (let i = 0; i < 200 && chatA.fingerprint !== chatB.fingerprint; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(chatA.fingerprint, chatB.fingerprint);
  assert.equal(chatA.layer, 144, 'both announced layer 144');
  assert.equal(chatB.layer, 144);

  // The DC loses one message in transit: B sees the hole, asks for a resend, and gets both
  // in order.
  await fault('drop_encrypted_messages', 1);
  const both = texts(chatB, 2);
  await chatA.sendText('lost in transit');
  await chatA.sendText('after the loss');
  assert.deepEqual((await withTimeout(both, 20000, 'resend after a loss')).map((m) => m.message), ['lost in transit', 'after the loss']);

  // A 1 MB file with progress.
  const file = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
  const progress = [];
  const gotFile = texts(chatB, 1);
  await chatA.sendFile(file, { name: 'one-megabyte.bin', mimeType: 'application/octet-stream', onProgress: (p) => progress.push(p.sent) });
  const [fileMsg] = await withTimeout(gotFile, 20000, 'file message');
  assert.equal(fileMsg.media._, 'decryptedMessageMediaDocument');
  const down = await chatB.downloadFile(fileMsg);
  assert.deepEqual(down, file);
  assert.ok(progress.length >= 2 && progress.at(-1) >= file.length);

  // B "reloads": a new Client from the exported session and the same storage; A writes
  // while B is away; B catches up in order with nothing lost.
  const session = b.exportSession();
  b.close();
  for (let i = 0; i < 5; i++) await chatA.sendText(`away${i}`);
  b = client(sb, session);
  b.secretChats.on('error', (e) => console.error('secretChats error (B after reload):', e));
  await b.secretChats.load(); // chats come back from the storage before the connection
  chatB = b.secretChats.get(chatA.id);
  assert.ok(chatB, 'the chat was restored');
  const reloaded = texts(chatB, 5);
  await b.connect();
  assert.deepEqual((await withTimeout(reloaded, 20000, 'catch up after reload')).map((m) => m.message),
    ['away0', 'away1', 'away2', 'away3', 'away4']);
  const back = texts(chatA, 1);
  await chatB.sendText('back');
  assert.equal((await withTimeout(back, 10000, 'back'))[0].message, 'back');

  // Discard from A: B's chat closes.
  const closed = new Promise((resolve) => chatB.on('closed', resolve));
  await chatA.close({ deleteHistory: true });
  await withTimeout(closed, 10000, 'discard');
  assert.equal(chatB.state, 'closed');
  assert.equal(chatA.state, 'closed');

  a.close();
  b.close();
  return { ok: true, keyChanges: keysA.length, progress: progress.length };
}
