// mtproto-wasm: secret chats for the JavaScript Client (`client.secretChats`). The protocol
// (key exchange, encryption, sequence numbers, resends, key rotation) runs in the wasm core
// (SecretChatCore); this file moves its outputs through the Client and keeps the state in a
// storage so chats survive a reload. Shipped as pkg/secret.js and pkg-node/secret.cjs.
// See docs/secret.md.
import {
  SecretDh, SecretRequest, SecretChatCore, acceptSecretChat, encryptSecretFile, decryptSecretFile,
} from './mtproto_wasm.js';

const PART = 512 * 1024; // upload part size
const BIG_FILE = 10 * 1024 * 1024; // above: upload.saveBigFilePart

class Emitter {
  constructor() { this._listeners = new Map(); }
  on(event, fn) {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return this;
  }
  off(event, fn) { this._listeners.get(event)?.delete(fn); return this; }
  _emit(event, value) {
    for (const fn of this._listeners.get(event) ?? []) {
      try { fn(value); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  }
  _has(event) { return (this._listeners.get(event)?.size ?? 0) > 0; }
}

function randomLong() {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return new DataView(b.buffer).getBigInt64(0, true);
}

// A storage kept in memory (tests, Node). Any object with async get/set/delete/keys works.
export function memorySecretStorage() {
  const m = new Map();
  return {
    async get(k) { return m.get(k); },
    async set(k, v) { m.set(k, v); },
    async delete(k) { m.delete(k); },
    async keys() { return [...m.keys()]; },
  };
}

// A storage in IndexedDB (browsers): one object store of key -> value.
export function indexedDbSecretStorage(name = 'mtproto-wasm-secret-chats') {
  let dbp = null;
  const db = () => {
    dbp ??= new Promise((resolve, reject) => {
      const req = globalThis.indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('kv');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return dbp;
  };
  const run = async (mode, fn) => {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction('kv', mode);
      const r = fn(tx.objectStore('kv'));
      tx.oncomplete = () => resolve(r?.result);
      tx.onerror = () => reject(tx.error);
    });
  };
  return {
    get: (k) => run('readonly', (s) => s.get(k)),
    set: (k, v) => run('readwrite', (s) => s.put(v, k)),
    delete: (k) => run('readwrite', (s) => s.delete(k)),
    keys: async () => (await run('readonly', (s) => s.getAllKeys())).map(String),
  };
}

// An incoming request ('request' event): accept() resolves with the chat; decline().
class SecretChatRequest {
  constructor(mgr, chat) {
    this._mgr = mgr;
    this.id = chat.id;
    this.peerId = chat.admin_id;
    this.date = chat.date;
    this._chat = chat;
  }
  accept() { return this._mgr._accept(this._chat); }
  decline() { return this._mgr._decline(this._chat.id); }
}

// One secret chat. Events: 'message' (decrypted messages in order), 'keyChanged',
// 'read' ({ maxDate }), 'typing', 'closed' ({ reason }), 'error'.
// Asking again for messages missing in a hole (SecretChats._watchGap).
const GAP_RETRY_FIRST_MS = 2000;
const GAP_RETRY_MAX_MS = 30_000;

export class SecretChat extends Emitter {
  constructor(mgr, core) {
    super();
    this._mgr = mgr;
    this._core = core;
  }
  get id() { return this._core.id; }
  get peerId() { return this._core.peerId; }
  get layer() { return this._core.layer; }
  get state() { return this._core.closed ? 'closed' : 'ready'; }
  get ttl() { return this._core.ttl; }
  get fingerprint() { return this._core.fingerprint; }
  get keyVisualization() { return this._core.keyVisualization(); }
  get _peer() { return { _: 'inputEncryptedChat', chat_id: this.id, access_hash: this._core.accessHash }; }

  // Resolves once the server took every payload of the message.
  sendText(text) {
    if (typeof text !== 'string') throw new TypeError('text must be a string');
    return this._mgr._run(this, () => this._core.sendText(text, this._mgr._dh, this._mgr._now()));
  }

  // `message`: a decryptedMessage or decryptedMessageService object (random_id 0n or absent: random).
  send(message) {
    const m = { random_id: 0n, ...message };
    return this._mgr._run(this, () => this._core.send(m, this._mgr._dh, this._mgr._now()));
  }

  // Rotates the key now (perfect forward secrecy; also automatic after 100 messages or a
  // week). 'keyChanged' fires on both sides once the new key is in use.
  rekey() {
    return this._mgr._run(this, () => this._core.startRekey(this._mgr._dh));
  }

  setTtl(seconds) {
    return this.send({ _: 'decryptedMessageService', action: { _: 'decryptedMessageActionSetMessageTTL', ttl_seconds: seconds } });
  }

  // Read receipts: decryptedMessageActionReadMessages and messages.readEncryptedHistory.
  async markRead(randomIds = [], maxDate = Math.floor(this._mgr._now())) {
    if (randomIds.length) {
      await this.send({ _: 'decryptedMessageService', action: { _: 'decryptedMessageActionReadMessages', random_ids: randomIds } });
    }
    await this._mgr._client.invoke({ _: 'messages.readEncryptedHistory', peer: this._peer, max_date: maxDate });
  }

  typing(on = true) {
    return this._mgr._client.invoke({ _: 'messages.setEncryptedTyping', peer: this._peer, typing: on });
  }

  deleteMessages(randomIds) {
    return this.send({ _: 'decryptedMessageService', action: { _: 'decryptedMessageActionDeleteMessages', random_ids: randomIds } });
  }

  flushHistory() {
    return this.send({ _: 'decryptedMessageService', action: { _: 'decryptedMessageActionFlushHistory' } });
  }

  screenshot(randomIds = []) {
    return this.send({ _: 'decryptedMessageService', action: { _: 'decryptedMessageActionScreenshotMessages', random_ids: randomIds } });
  }

  // `file`: a File/Blob or Uint8Array. Encrypts with a new key, uploads in 512 KB parts and
  // sends a decryptedMessageMediaDocument; onProgress({ sent, total }) after each part.
  async sendFile(file, { onProgress, name, mimeType, caption = '', ttl } = {}) {
    const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
    const enc = encryptSecretFile(bytes);
    const client = this._mgr._client;
    const fileId = randomLong();
    const parts = Math.max(1, Math.ceil(enc.data.length / PART));
    const big = enc.data.length > BIG_FILE;
    for (let i = 0; i < parts; i++) {
      const chunk = enc.data.subarray(i * PART, (i + 1) * PART);
      await client.invoke(big
        ? { _: 'upload.saveBigFilePart', file_id: fileId, file_part: i, file_total_parts: parts, bytes: chunk }
        : { _: 'upload.saveFilePart', file_id: fileId, file_part: i, bytes: chunk });
      onProgress?.({ sent: Math.min((i + 1) * PART, enc.data.length), total: enc.data.length });
    }
    const input = big
      ? { _: 'inputEncryptedFileBigUploaded', id: fileId, parts, key_fingerprint: enc.fingerprint }
      : { _: 'inputEncryptedFileUploaded', id: fileId, parts, md5_checksum: enc.md5, key_fingerprint: enc.fingerprint };
    const media = {
      _: 'decryptedMessageMediaDocument',
      thumb: new Uint8Array(0), thumb_w: 0, thumb_h: 0,
      mime_type: mimeType ?? file.type ?? 'application/octet-stream',
      size: BigInt(bytes.length), key: enc.key, iv: enc.iv,
      attributes: [{ _: 'documentAttributeFilename', file_name: name ?? file.name ?? 'file' }],
      caption,
    };
    const message = {
      _: 'decryptedMessage', random_id: randomLong(), ttl: ttl ?? this.ttl, message: caption, media,
    };
    return this._mgr._run(this, () => this._core.send(message, this._mgr._dh, this._mgr._now()), input);
  }

  // Downloads and decrypts the file of a received message (its `encryptedFile`), checking
  // the key fingerprint. onProgress({ received, total }).
  async downloadFile(message, { onProgress } = {}) {
    const file = message.encryptedFile;
    const media = message.media;
    if (!file || file._ !== 'encryptedFile' || !media?.key) throw new Error('the message has no encrypted file');
    const total = Number(file.size);
    const out = new Uint8Array(total);
    for (let offset = 0; offset < total;) {
      const r = await this._mgr._client.invoke({
        _: 'upload.getFile',
        location: { _: 'inputEncryptedFileLocation', id: file.id, access_hash: file.access_hash },
        offset: BigInt(offset), limit: PART,
      });
      if (!r.bytes.length) throw new Error('upload.getFile returned no bytes');
      out.set(r.bytes, offset);
      offset += r.bytes.length;
      onProgress?.({ received: offset, total });
    }
    return decryptSecretFile(media.key, media.iv, file.key_fingerprint, out, Number(media.size));
  }

  async close({ deleteHistory = false } = {}) {
    if (this._core.closed) return;
    this._mgr._apply(this, this._core.close(), null, { deleteHistory });
    await this._mgr._save(this);
  }
}

// `client.secretChats`. Events: 'request' (SecretChatRequest), 'chat' (a chat became ready),
// 'error'.
export class SecretChats extends Emitter {
  constructor(client, storage = null) {
    super();
    this._client = client;
    this._storage = storage;
    this._chats = new Map();
    this._waiting = new Map(); // chat id -> { req, resolve, reject }
    this._early = new Map(); // encryptedChat that came before requestEncryption answered
    this._incoming = new Map();
    this._dh = null;
    this._dhVersion = 0;
    this._dhP = null;
    this._dhG = 0;
    this._random = new Uint8Array(256);
    this._qts = 0;
    this._pts = 0;
    this._synced = false; // qts/pts known (from the storage, getState or a message)
    this._chain = Promise.resolve();
    this._ackTimer = false;
    this._loaded = null;
    client.on('update', (u) => this._enqueue(() => this._onUpdates(u)));
    client.on('connected', () => { if (this._active()) this._enqueue(() => this._catchUp()); });
    client.on('sessionReset', () => { if (this._active()) this._enqueue(() => this._catchUp()); });
    // A closed client leaves no timer of ours behind (a pending one would keep Node alive).
    client.on('close', () => {
      for (const chat of this._chats.values()) {
        if (chat._gapTimer) client._clock.clearTimeout(chat._gapTimer);
        chat._gapTimer = null;
      }
    });
  }

  get chats() { return [...this._chats.values()]; }
  get(id) { return this._chats.get(id); }

  _active() { return this._chats.size > 0 || this._waiting.size > 0 || this._has('request') || this._storage !== null; }
  _now() { return this._client._clock.now() / 1000; }

  _enqueue(fn) {
    this._chain = this._chain.then(fn).catch((e) => this._emit('error', e));
    return this._chain;
  }

  // Loads chats from the storage (once). Called by start(), and by the Client on connect.
  load() {
    this._loaded ??= (async () => {
      if (!this._storage) return;
      const meta = await this._storage.get('meta');
      if (meta) {
        this._qts = meta.qts ?? 0;
        this._pts = meta.pts ?? 0;
        this._synced = meta.synced ?? false;
        if (meta.dhP) this._setDh(meta.dhP, meta.dhG, meta.dhVersion);
      }
      for (const k of await this._storage.keys()) {
        if (!k.startsWith('chat:') || !this._dh) continue;
        const core = SecretChatCore.restore(await this._storage.get(k), this._dh);
        this._chats.set(core.id, new SecretChat(this, core));
      }
    })();
    return this._loaded;
  }

  _setDh(p, g, version) {
    this._dh = new SecretDh(p, g);
    this._dhP = p;
    this._dhG = g;
    this._dhVersion = version;
  }

  async _ensureDh() {
    const cfg = await this._client.invoke({ _: 'messages.getDhConfig', version: this._dhVersion, random_length: 256 });
    if (cfg._ === 'messages.dhConfig') this._setDh(cfg.p, cfg.g, cfg.version);
    if (!this._dh) throw new Error('no DH configuration from the server');
    this._random = cfg.random;
    await this._saveMeta();
  }

  async _saveMeta() {
    await this._storage?.set('meta', { qts: this._qts, pts: this._pts, synced: this._synced, dhP: this._dhP, dhG: this._dhG, dhVersion: this._dhVersion });
  }

  async _save(chat) {
    await this._storage?.set(`chat:${chat.id}`, chat._core.snapshot());
  }

  // Starts a chat with `inputUser` ({ _: 'inputUser', user_id, access_hash }); resolves
  // with the chat once the peer accepts.
  async start(inputUser) {
    await this.load();
    await this._ensureDh();
    const req = new SecretRequest(this._dh, this._random);
    const waiting = await this._client.invoke({
      _: 'messages.requestEncryption', user_id: inputUser, random_id: Number(randomLong() & 0x7fffffffn), g_a: req.gA,
    });
    return new Promise((resolve, reject) => {
      this._waiting.set(waiting.id, { req, resolve, reject });
      const early = this._early.get(waiting.id);
      if (early) { this._early.delete(waiting.id); this._enqueue(() => this._onChat(early)); }
    });
  }

  async _accept(chat) {
    await this.load();
    await this._ensureDh();
    this._incoming.delete(chat.id);
    const r = acceptSecretChat(this._dh, chat.id, chat.access_hash, chat.admin_id, chat.g_a, this._random, this._now());
    await this._client.invoke({
      _: 'messages.acceptEncryption',
      peer: { _: 'inputEncryptedChat', chat_id: chat.id, access_hash: chat.access_hash },
      g_b: r.gB, key_fingerprint: r.fingerprint,
    });
    return this._ready(r.chat);
  }

  async _decline(id) {
    this._incoming.delete(id);
    await this._client.invoke({ _: 'messages.discardEncryption', chat_id: id, delete_history: false });
  }

  async _ready(core) {
    const chat = new SecretChat(this, core);
    this._chats.set(core.id, chat);
    this._apply(chat, core.notifyLayer());
    await this._save(chat);
    this._emit('chat', chat);
    return chat;
  }

  // Runs a core call that returns outputs; resolves when its payloads were accepted.
  async _run(chat, call, fileInput = null) {
    const outs = call();
    const sends = this._apply(chat, outs, fileInput);
    await this._save(chat);
    await Promise.all(sends);
  }

  // Carries out a core's outputs: sends in order (not awaited, so order is kept), emits
  // messages and events.
  _apply(chat, outs, fileInput = null, { deleteHistory = false } = {}) {
    const sends = [];
    for (const o of outs) {
      switch (o.type) {
        case 'send': {
          const peer = chat._peer;
          let req;
          if (fileInput && !o.service) {
            req = { _: 'messages.sendEncryptedFile', peer, random_id: o.randomId, data: o.data, file: fileInput };
            fileInput = null;
          } else {
            req = { _: o.service ? 'messages.sendEncryptedService' : 'messages.sendEncrypted', peer, random_id: o.randomId, data: o.data };
          }
          const p = this._client.invoke(req);
          p.catch((e) => chat._emit('error', e));
          sends.push(p);
          break;
        }
        case 'message':
          chat._emit('message', o.message);
          break;
        case 'keyChanged':
          chat._emit('keyChanged', { fingerprint: o.fingerprint });
          break;
        case 'closed':
          if (o.discard) {
            this._client.invoke({ _: 'messages.discardEncryption', chat_id: chat.id, delete_history: deleteHistory })
              .catch(() => { /* already discarded */ });
          }
          chat._emit('closed', { reason: o.reason });
          break;
        default:
          break;
      }
    }
    return sends;
  }

  async _onUpdates(u) {
    if (!u || typeof u !== 'object') return;
    const list = u._ === 'updates' || u._ === 'updatesCombined' ? u.updates
      : u._ === 'updateShort' ? [u.update] : [];
    if (!list.some((x) => x._.includes('Encrypt'))) return;
    await this.load();
    for (const up of list) await this._onUpdate(up);
  }

  async _onUpdate(up) {
    switch (up._) {
      case 'updateEncryption': await this._onChat(up.chat); break;
      case 'updateNewEncryptedMessage':
        if (this._synced && up.qts <= this._qts) break; // seen already
        if (this._synced && up.qts > this._qts + 1) { await this._catchUp(); break; } // a hole: fetch it
        await this._onMessage(up.message);
        this._qts = up.qts;
        this._synced = true;
        await this._saveMeta();
        this._ack();
        break;
      case 'updateEncryptedMessagesRead':
        this._chats.get(up.chat_id)?._emit('read', { maxDate: up.max_date });
        break;
      case 'updateEncryptedChatTyping':
        this._chats.get(up.chat_id)?._emit('typing', {});
        break;
      default: break;
    }
  }

  async _onChat(c) {
    if (c._ === 'encryptedChatRequested') {
      if (this._chats.has(c.id) || this._incoming.has(c.id)) return;
      this._incoming.set(c.id, c);
      this._emit('request', new SecretChatRequest(this, c));
    } else if (c._ === 'encryptedChat') {
      const w = this._waiting.get(c.id);
      if (!w) {
        if (!this._chats.has(c.id)) this._early.set(c.id, c);
        return;
      }
      this._waiting.delete(c.id);
      try {
        const core = w.req.complete(this._dh, c.id, c.access_hash, c.participant_id, c.g_a_or_b, c.key_fingerprint, this._now());
        w.resolve(await this._ready(core));
      } catch (e) {
        // "If the fingerprint does not match, the chat must be discarded."
        this._client.invoke({ _: 'messages.discardEncryption', chat_id: c.id, delete_history: true }).catch(() => {});
        w.reject(e);
      }
    } else if (c._ === 'encryptedChatDiscarded') {
      this._incoming.delete(c.id);
      const w = this._waiting.get(c.id);
      if (w) { this._waiting.delete(c.id); w.reject(new Error('the peer declined the secret chat')); }
      const chat = this._chats.get(c.id);
      if (chat && !chat._core.closed) {
        this._apply(chat, chat._core.discarded());
        await this._save(chat);
      }
    }
  }

  async _onMessage(m) {
    const chat = this._chats.get(m.chat_id);
    if (!chat || chat._core.closed) return;
    let outs;
    try {
      outs = chat._core.receive(m.bytes, this._dh, this._now());
    } catch (e) {
      chat._emit('error', e); // discarded; the chat goes on
      return;
    }
    for (const o of outs) {
      if (o.type === 'message' && m.file && m.file._ === 'encryptedFile') o.message.encryptedFile = m.file;
    }
    this._apply(chat, outs);
    await this._save(chat);
    this._watchGap(chat);
  }

  // While messages wait behind a hole, ask the peer again for the missing ones, 2 s after
  // the hole appeared and then with backoff up to 30 s: the first resend request, or the
  // messages resent for it, may have been lost too.
  _watchGap(chat) {
    if (chat._gapTimer || chat._core.closed || chat._core.queued === 0) {
      if (chat._core.queued === 0) chat._gapDelay = GAP_RETRY_FIRST_MS;
      return;
    }
    const clock = this._client._clock;
    chat._gapDelay = chat._gapDelay ?? GAP_RETRY_FIRST_MS;
    chat._gapTimer = clock.setTimeout(() => {
      chat._gapTimer = null;
      if (chat._core.closed || chat._core.queued === 0 || this._client._closed) return;
      try {
        this._apply(chat, chat._core.requestMissing());
      } catch (e) {
        chat._emit('error', e);
      }
      this._save(chat).catch((e) => chat._emit('error', e));
      chat._gapDelay = Math.min(chat._gapDelay * 2, GAP_RETRY_MAX_MS);
      this._watchGap(chat);
    }, chat._gapDelay);
  }

  // updates.getDifference from our qts: messages missed in a hole or while away.
  async _catchUp() {
    await this.load();
    if (!this._synced) {
      // A new client: start from the server's state instead of replaying old history.
      try {
        const st = await this._client.invoke({ _: 'updates.getState' });
        this._pts = st.pts;
        this._qts = st.qts;
        this._synced = true;
        await this._saveMeta();
      } catch { /* not signed in yet */ }
      return;
    }
    for (let i = 0; i < 16; i++) {
      let d;
      try {
        d = await this._client.invoke({ _: 'updates.getDifference', pts: this._pts, date: 0, qts: this._qts });
      } catch {
        return; // not signed in yet, or offline: the next connect tries again
      }
      if (d._ !== 'updates.difference' && d._ !== 'updates.differenceSlice') return;
      for (const up of d.other_updates) await this._onUpdate(up);
      for (const m of d.new_encrypted_messages) await this._onMessage(m);
      const st = d._ === 'updates.difference' ? d.state : d.intermediate_state;
      this._pts = st.pts;
      this._qts = Math.max(this._qts, st.qts);
      await this._saveMeta();
      this._ack();
      if (d._ === 'updates.difference') return;
    }
  }

  _ack() {
    if (this._ackTimer) return;
    this._ackTimer = true;
    queueMicrotask(() => {
      this._ackTimer = false;
      this._client.invoke({ _: 'messages.receivedQueue', max_qts: this._qts }).catch(() => {});
    });
  }
}
