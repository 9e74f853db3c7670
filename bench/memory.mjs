// Wasm memory of a connected client with N secret chats, in a fresh module (the linear
// memory only grows, so every figure is a high-water mark): the shipped Node build
// (pkg-node) for the client; the test server and the chats' peers live in the test build
// (pkg-test), a separate module whose memory is not counted.
//
//   node bench/memory.mjs N   -> prints { chats, baseline, connected, withChats } (bytes)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ours = require('../pkg-node/mtproto_wasm.js');
const peer = require('../pkg-test/mtproto_wasm.js');
const n = Number(process.argv[2] ?? 10);
const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const key = JSON.parse(readFileSync(new URL('../tests/data/rsa_test_key.json', import.meta.url), 'utf8'));
const prime = hex(JSON.parse(readFileSync(new URL('../tests/data/dh_prime.json', import.meta.url), 'utf8')).prime);

const baseline = ours.wasmMemoryBytes();
const server = new peer.__TestServer(hex(key.n), hex(key.e), hex(key.d), 2);
const core = new ours.ClientCore({ dcId: 2, testMode: true, rsaKeys: [key.pem_pkcs1], apiId: 1, pingInterval: 0 });
const now = Date.now();
server.accept();
core.connect(now);
for (let busy = true; busy;) {
  busy = false;
  for (let b; (b = core.pollTransmit()) !== null;) { server.handleBytes(now, b); busy = true; }
  for (let b; (b = server.pollTransmit()) != null;) { core.handleBytes(now, b); busy = true; }
  while (core.pollEvent() !== null) { /* drain */ }
}
if (!core.ready) throw new Error('not connected');
const connected = ours.wasmMemoryBytes();

// N chats we created; the peer accepts each in the other module. 50 messages each way
// through every chat, so the resend stores hold something.
const dh = new ours.SecretDh(prime, 3);
const peerDh = new peer.SecretDh(prime, 3);
const chats = [];
for (let i = 0; i < n; i++) {
  const req = new ours.SecretRequest(dh, new Uint8Array(256).fill(i + 1));
  const acc = peer.acceptSecretChat(peerDh, 100 + i, 7n, 1n, req.gA, new Uint8Array(256).fill(200 - i), now / 1000);
  const mine = req.complete(dh, 100 + i, 7n, 2n, acc.gB, acc.fingerprint, now / 1000);
  const theirs = acc.chat;
  for (let m = 0; m < 50; m++) {
    for (const o of mine.sendText(`message ${m} of chat ${i}`, dh, now / 1000)) if (o.type === 'send') theirs.receive(o.data, peerDh, now / 1000);
    for (const o of theirs.sendText(`answer ${m} in chat ${i}`, peerDh, now / 1000)) if (o.type === 'send') mine.receive(o.data, dh, now / 1000);
  }
  chats.push(mine);
}
console.log(JSON.stringify({ chats: chats.length, baseline, connected, withChats: ours.wasmMemoryBytes() }));
