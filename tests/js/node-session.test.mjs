// The session envelope of the Node build against an independent implementation: Node's
// SHA-256 and @mtcute/wasm's AES-256-IGE, with the MTProto 2.0 formulas written out here
// (https://core.telegram.org/mtproto/description).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import * as mtcute from '@mtcute/wasm';

const require = createRequire(import.meta.url);
const ours = require('../../pkg-node/mtproto_wasm.js');
mtcute.initSync(readFileSync(fileURLToPath(mtcute.getWasmUrl())));

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const sha1 = (b) => createHash('sha1').update(b).digest();

function keys(authKey, msgKey, x) {
  const a = sha256(msgKey, authKey.subarray(x, x + 36));
  const b = sha256(authKey.subarray(40 + x, 76 + x), msgKey);
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  };
}

function plaintext(bodyLen) {
  const h = Buffer.alloc(32);
  h.writeBigUInt64LE(randomBytes(8).readBigUInt64LE(), 0);
  h.writeBigUInt64LE(randomBytes(8).readBigUInt64LE(), 8);
  h.writeBigUInt64LE(0x6000000000000001n, 16);
  h.writeInt32LE(7, 24);
  h.writeInt32LE(bodyLen, 28);
  return Buffer.concat([h, randomBytes(bodyLen)]);
}

test('encryptMessage output decrypts with an independent implementation', () => {
  for (let i = 0; i < 300; i++) {
    const authKey = randomBytes(256);
    const fromServer = i % 2 === 1, x = fromServer ? 8 : 0;
    const pt = plaintext(4 * Math.floor(Math.random() * 300));
    const packet = Buffer.from(ours.encryptMessage(authKey, pt, { fromServer }));
    assert.deepEqual(packet.subarray(0, 8), sha1(authKey).subarray(12, 20), 'auth_key_id');
    const msgKey = packet.subarray(8, 24);
    const { key, iv } = keys(authKey, msgKey, x);
    const dec = Buffer.from(mtcute.ige256Decrypt(packet.subarray(24), key, iv));
    assert.deepEqual(sha256(authKey.subarray(88 + x, 120 + x), dec).subarray(8, 24), msgKey, 'msg_key');
    assert.deepEqual(dec.subarray(0, pt.length), pt, 'plaintext');
    const pad = dec.length - pt.length;
    assert.ok(pad >= 12 && pad <= 1024 && dec.length % 16 === 0, `padding ${pad}`);
  }
});

test('decryptMessage accepts independently encrypted packets and rejects each broken rule', () => {
  for (let i = 0; i < 100; i++) {
    const authKey = randomBytes(256);
    const pt = plaintext(4 * Math.floor(Math.random() * 100));
    const padLen = 12 + ((16 - ((pt.length + 12) % 16)) % 16);
    const full = Buffer.concat([pt, randomBytes(padLen)]);
    const encrypt = (data) => {
      const msgKey = sha256(authKey.subarray(96, 128), data).subarray(8, 24);
      const { key, iv } = keys(authKey, msgKey, 8);
      return Buffer.concat([sha1(authKey).subarray(12, 20), msgKey, mtcute.ige256Encrypt(data, key, iv)]);
    };
    const out = ours.decryptMessage(authKey, encrypt(full), { fromServer: true });
    assert.deepEqual(Buffer.from(out.body), pt.subarray(32));
    // padding below 12: claim 4 more body bytes than there are... keep alignment by length field
    const shortPad = Buffer.from(full); shortPad.writeInt32LE(full.length - 32 - 8, 28);
    assert.throws(() => ours.decryptMessage(authKey, encrypt(shortPad), { fromServer: true }), /padding/);
    const badLen = Buffer.from(full); badLen.writeInt32LE(-4, 28);
    assert.throws(() => ours.decryptMessage(authKey, encrypt(badLen), { fromServer: true }), /length/);
  }
});
