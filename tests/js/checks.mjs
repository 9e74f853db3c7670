// The JS API checks of the crypto exports, shared by the Node build test and the browser
// build test: each check gets the module's exports and the known-answer data, and throws on
// failure. Pure ESM, no Node imports, so the page can import it as it is.

export const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
export const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');

function eq(actual, expected, what) {
  const a = actual instanceof Uint8Array ? toHex(actual) : String(actual);
  const e = expected instanceof Uint8Array ? toHex(expected) : String(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function throws(fn, pattern, what) {
  let err;
  try { fn(); } catch (e) { err = e; }
  if (!err) throw new Error(`${what}: did not throw`);
  if (!(err instanceof Error)) throw new Error(`${what}: threw a non-Error ${err}`);
  if (!pattern.test(err.message)) throw new Error(`${what}: message "${err.message}" does not match ${pattern}`);
}

export const checks = [
  ['AES-256-IGE known answers (aes.json)', (m, d) => {
    for (const v of d.aes.ige_encrypt) {
      eq(m.aesIgeEncrypt(hex(v.plaintext), hex(v.key), hex(v.iv)), hex(v.ciphertext), 'encrypt');
      eq(m.aesIgeDecrypt(hex(v.ciphertext), hex(v.key), hex(v.iv)), hex(v.plaintext), 'decrypt');
    }
  }],
  ['AES-256-CTR known answers, as one stream and split (aes.json)', (m, d) => {
    for (const v of d.aes.ctr) {
      eq(new m.AesCtr256(hex(v.key), hex(v.iv)).process(hex(v.plaintext)), hex(v.ciphertext), 'whole');
      const ctr = new m.AesCtr256(hex(v.key), hex(v.iv));
      const pt = hex(v.plaintext);
      const parts = [ctr.process(pt.subarray(0, 5)), ctr.process(pt.subarray(5, 21)), ctr.process(pt.subarray(21))];
      const joined = new Uint8Array(pt.length);
      let o = 0;
      for (const p of parts) { joined.set(p, o); o += p.length; }
      eq(joined, hex(v.ciphertext), 'split');
      ctr.free();
    }
  }],
  ['handshake sample: tmp_aes_key/iv and the decrypted answer hash (auth_key_sample.json)', (m, d) => {
    const s = d.sample;
    const nn = hex(s.new_nonce), sn = hex(s.server_nonce);
    const cat = (...xs) => { const r = new Uint8Array(xs.reduce((a, x) => a + x.length, 0)); let o = 0; for (const x of xs) { r.set(x, o); o += x.length; } return r; };
    const h1 = m.sha1(cat(nn, sn)), h2 = m.sha1(cat(sn, nn)), h3 = m.sha1(cat(nn, nn));
    const key = cat(h1, h2.subarray(0, 12));
    const iv = cat(h2.subarray(12, 20), h3, nn.subarray(0, 4));
    eq(key, hex(s.tmp_aes_key), 'tmp_aes_key');
    eq(iv, hex(s.tmp_aes_iv), 'tmp_aes_iv');
    const answer = m.aesIgeDecrypt(hex(s.encrypted_answer), key, iv);
    // server_DH_inner_data: id, nonce, server_nonce, g, dh_prime (bytes, 0xfe + 3-byte len),
    // g_a (bytes), server_time: its length follows from the two 256-byte strings.
    const innerLen = 4 + 16 + 16 + 4 + (4 + 256) + (4 + 256) + 4;
    eq(m.sha1(answer.subarray(20, 20 + innerLen)), answer.subarray(0, 20), 'answer hash');
  }],
  ['SHA-1 and SHA-256 (FIPS 180 "abc")', (m) => {
    const abc = new TextEncoder().encode('abc');
    eq(m.sha1(abc), hex('a9993e364706816aba3e25717850c26c9cd0d89d'), 'sha1');
    eq(m.sha256(abc), hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'), 'sha256');
    eq(m.sha256(new Uint8Array(0)), hex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'), 'sha256 empty');
  }],
  ['factorizePq: the spec example and the handshake sample', (m, d) => {
    const [p, q] = m.factorizePq(0x17ED48941A08F981n);
    eq(p, 0x494C553Bn, 'p'); eq(q, 0x53911073n, 'q');
    const [p2, q2] = m.factorizePq(BigInt('0x' + d.sample.pq));
    eq(p2, BigInt('0x' + d.sample.p), 'sample p'); eq(q2, BigInt('0x' + d.sample.q), 'sample q');
    if (typeof p2 !== 'bigint') throw new Error('p must be a bigint');
  }],
  ['modPow against BigInt', (m) => {
    const r = m.modPow(hex('03'), hex('0101'), hex('00ff00000000000000000000000000000000000000000000000000000000000b'));
    let x = 1n; const mod = BigInt('0x00ff00000000000000000000000000000000000000000000000000000000000b');
    for (let i = 0; i < 0x101; i++) x = (x * 3n) % mod;
    eq(BigInt('0x' + toHex(r)), x, 'modPow');
  }],
  ['TL: tlEncode/tlDecode round trip in the JS convention, API_LAYER', (m) => {
    const obj = { _: 'messages.sendMessage', peer: { _: 'inputPeerUser', user_id: 123n, access_hash: -1n },
      message: 'hi', random_id: 1n, silent: true };
    const bytes = m.tlEncode(obj);
    if (!(bytes instanceof Uint8Array)) throw new Error('tlEncode must return a Uint8Array');
    const back = m.tlDecode(bytes);
    eq(back._, 'messages.sendMessage', '_');
    eq(back.peer.user_id, 123n, 'long as bigint');
    if (typeof back.random_id !== 'bigint') throw new Error('long must decode to bigint');
    eq(back.silent, true, 'flag true'); eq(back.no_webpage, false, 'flag false');
    if ('reply_to' in back) throw new Error('absent optional must be absent');
    eq(m.tlEncode(back), bytes, 're-encode');
    eq(m.API_LAYER(), 223, 'API_LAYER');
    const pong = m.tlDecode(hex('c573773400000000000000000200000000000000'));
    eq(pong._, 'pong', 'service schema'); eq(pong.ping_id, 2n, 'ping_id');
  }],
  ['TL: bad input throws a clear Error, and the module keeps working', (m) => {
    throws(() => m.tlDecode(hex('efbeadde')), /0xdeadbeef/, 'unknown constructor');
    throws(() => m.tlEncode({ _: 'messages.sendMessage', message: 'x', random_id: 1n }), /messages\.sendMessage\.peer/, 'missing field path');
    throws(() => m.tlDecode(hex('c5737734000000')), /truncat|end of input|short/i, 'truncated');
    throws(() => m.tlEncode({ _: 'no.suchMethod' }), /no\.suchMethod/, 'unknown name');
    eq(m.tlDecode(m.tlEncode({ _: 'help.getNearestDc' }))._, 'help.getNearestDc', 'after errors');
  }],
  ['wrong sizes and types throw a clear Error, and the module keeps working', (m) => {
    const k = new Uint8Array(32), iv = new Uint8Array(32);
    throws(() => m.aesIgeEncrypt(new Uint8Array(17), k, iv), /multiple of 16/, 'data 17 bytes');
    throws(() => m.aesIgeEncrypt(new Uint8Array(16), new Uint8Array(31), iv), /key must be 32 bytes, got 31/, 'key 31');
    throws(() => m.aesIgeDecrypt(new Uint8Array(16), k, new Uint8Array(16)), /iv must be 32 bytes/, 'iv 16');
    throws(() => m.aesIgeEncrypt('hello', k, iv), /data must be a Uint8Array/, 'string data');
    throws(() => m.aesIgeEncrypt(new Uint8Array(16), null, iv), /key must be a Uint8Array/, 'null key');
    throws(() => new m.AesCtr256(new Uint8Array(32), new Uint8Array(32)), /iv must be 16 bytes/, 'ctr iv');
    throws(() => new m.AesCtr256(new Uint8Array(16), new Uint8Array(16)), /key must be 32 bytes/, 'ctr key');
    throws(() => m.sha256([1, 2, 3]), /Uint8Array/, 'array to sha256');
    throws(() => m.factorizePq(1n), /greater than 1/, 'pq 1');
    throws(() => m.factorizePq(0n), /greater than 1/, 'pq 0');
    throws(() => m.factorizePq(-5n), /between 0 and 2\^64/, 'pq negative');
    throws(() => m.factorizePq(2n ** 64n), /between 0 and 2\^64/, 'pq 2^64');
    throws(() => m.factorizePq(0xFFFFFFFBn), /not a product/, 'pq prime');
    throws(() => m.factorizePq('12'), /bigint/, 'pq string');
    throws(() => m.modPow(new Uint8Array([2]), new Uint8Array([2]), new Uint8Array(0)), /modulus/, 'zero modulus');
    // Still alive after all of that:
    eq(m.sha1(new Uint8Array(0)), hex('da39a3ee5e6b4b0d3255bfef95601890afd80709'), 'sha1 after errors');
    eq(m.factorizePq(15n)[1], 5n, 'factorize after errors');
  }],
  ['Handshake: start(), option and order errors, and the sample replayed (auth_key_sample.json)', (m, d) => {
    const hs = new m.Handshake({ dcId: 2, testMode: true, tempKeyExpiresIn: 3600 });
    eq(hs.result, undefined, 'no result before the end');
    const first = hs.start();
    eq(first.length, 40, 'req_pq_multi packet length');
    eq(first.subarray(0, 8), new Uint8Array(8), 'auth_key_id 0');
    throws(() => hs.start(), /already called/, 'start twice');
    throws(() => new m.Handshake({}), /dcId/, 'no dcId');
    throws(() => new m.Handshake(), /options must be an object/, 'no options');
    throws(() => new m.Handshake({ dcId: 2, rsaKeys: ['nope'] }), /rsaKeys\[0\]/, 'bad PEM');
    throws(() => new m.Handshake({ dcId: 2 }).handle(new Uint8Array(40)), /call start\(\) first/, 'handle first');
    throws(() => hs.handle(new Uint8Array(32)), /bad handshake answer/, 'garbage answer');
    throws(() => hs.handle(new Uint8Array(32)), /handshake closed: bad handshake answer/, 'closed');
    const s = d.sample;
    const nonce = hex(s.nonce), server_nonce = hex(s.server_nonce);
    const fps = s.fingerprints_in_resPQ_LE_bytes.map((h) => hex(h).reduceRight((a, b) => (a << 8n) | BigInt(b), 0n));
    const resPq = m.tlEncode({ _: 'resPQ', nonce, server_nonce, pq: hex(s.pq), server_public_key_fingerprints: fps });
    const dhAnswer = m.tlEncode({ _: 'server_DH_params_ok', nonce, server_nonce, encrypted_answer: hex(s.encrypted_answer) });
    const dhGen = m.tlEncode({ _: 'dh_gen_ok', nonce, server_nonce, new_nonce_hash1: hex(s.new_nonce_hash1) });
    const key = m.__handshakeReplay(nonce, hex(s.new_nonce), hex(s.rsa_pad_random_padding_bytes), hex(s.b),
      hex(s.client_DH_inner_data_padding), resPq, dhAnswer, dhGen, 1707425100000);
    eq(key, hex(s.auth_key), 'auth_key');
  }],
  ['Session envelope: encryptMessage/decryptMessage round trip and receive checks', (m) => {
    const authKey = Uint8Array.from({ length: 256 }, (_, i) => (i * 29 + 3) & 255);
    const pt = new Uint8Array(32 + 8);
    const dv = new DataView(pt.buffer);
    dv.setBigUint64(0, 0xfedcba9876543210n, true); dv.setBigUint64(8, 42n, true);
    dv.setBigUint64(16, 0x6000000000000001n, true); dv.setInt32(24, 3, true); dv.setInt32(28, 8, true);
    pt.set([1, 2, 3, 4, 5, 6, 7, 8], 32);
    const packet = m.encryptMessage(authKey, pt, { fromServer: true });
    eq((packet.length - 24) % 16, 0, 'aligned');
    const out = m.decryptMessage(authKey, packet, { fromServer: true });
    eq(out.salt, 0xfedcba9876543210n, 'salt'); eq(out.sessionId, 42n, 'sessionId');
    eq(out.msgId, 0x6000000000000001n, 'msgId'); eq(out.seqNo, 3, 'seqNo');
    eq(out.body, pt.subarray(32), 'body');
    throws(() => m.decryptMessage(authKey, packet, { fromServer: false }), /msg_key/, 'direction');
    const bad = packet.slice(); bad[40] ^= 1;
    throws(() => m.decryptMessage(authKey, bad, { fromServer: true }), /msg_key/, 'tampered');
    throws(() => m.decryptMessage(authKey, packet.subarray(0, 30), { fromServer: true }), /too short/, 'short');
    throws(() => m.decryptMessage(authKey.subarray(1), packet, {}), /authKey must be 256 bytes/, 'key size');
    throws(() => m.encryptMessage(authKey, pt.subarray(0, 30), {}), /plaintext/, 'short plaintext');
  }],
  ['Session: invoke a TL object, answer it as the server, get the decoded result', (m) => {
    const authKey = Uint8Array.from({ length: 256 }, (_, i) => (i * 31 + 5) & 255);
    const s = new m.Session({ authKey, serverSalt: 9n, sessionId: 5n, timeOffset: 0, futureSalts: false });
    const id = s.invoke({ _: 'ping', ping_id: 77n });
    const now = Date.now();
    const packet = s.pollTransmit(now);
    eq(s.pollTransmit(now), null, 'one packet');
    const msg = m.decryptMessage(authKey, packet, { fromServer: false });
    eq(msg.sessionId, 5n, 'session id'); eq(msg.salt, 9n, 'salt'); eq(msg.seqNo, 1, 'seq_no');
    const result = m.tlEncode({ _: 'rpc_result', req_msg_id: msg.msgId, result: { _: 'pong', msg_id: msg.msgId, ping_id: 77n } });
    const h = new DataView(new ArrayBuffer(32));
    const serverId = ((BigInt(Math.floor(now / 1000)) << 32n) & ~3n) | 1n;
    h.setBigUint64(0, 9n, true); h.setBigUint64(8, 5n, true); h.setBigUint64(16, serverId, true);
    h.setInt32(24, 1, true); h.setInt32(28, result.length, true);
    const pt = new Uint8Array(32 + result.length); pt.set(new Uint8Array(h.buffer)); pt.set(result, 32);
    const reply = m.encryptMessage(authKey, pt, { fromServer: true });
    const events = s.feed(reply, now);
    eq(events.length, 1, 'one event');
    eq(events[0].type, 'result', 'type'); eq(events[0].request, id, 'request');
    eq(events[0].result._, 'pong', 'decoded'); eq(events[0].result.ping_id, 77n, 'ping_id');
    const again = s.feed(reply, now);
    eq(again[0].type, 'protocolError', 'replay'); eq(again[0].kind, 'duplicate_msg_id', 'kind');
    eq(s.droppedPackets, 1, 'counted');
    eq(typeof s.nextTimeout(), 'number', 'ack timer');
    throws(() => s.invoke('nope'), /Uint8Array or a TL object/, 'bad request');
    throws(() => new m.Session({ authKey }), /serverSalt is required/, 'options');
  }],
];
