// mtproto-wasm: the public Client, a small hand-written layer over the wasm ClientCore
// (promises, timers, reconnects). Shipped as pkg/client.js (ES module) and
// pkg-node/client.cjs (CommonJS). Initialize the wasm module first (`await init()` or
// `initSync(...)` from mtproto_wasm.js; the Node build needs nothing). See docs/client.md.
import { ClientCore } from './mtproto_wasm.js';
import { decodeTl, decodeTlResult } from './tl-reader.js';
import { encodeTl } from './tl-writer.js';
import { SecretChats } from './secret.js';

export { decodeTl, decodeTlResult, encodeTl };

export { SecretChat, SecretChats, memorySecretStorage, indexedDbSecretStorage } from './secret.js';

const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 1_000;

// An rpc_error: `code` (error_code), `message` (error_message), `dcId` for *_MIGRATE_N,
// `seconds` for FLOOD_WAIT_N.
export class RpcError extends Error {
  constructor(code, message, method) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.method = method;
    const migrate = /_MIGRATE_(\d+)$/.exec(message);
    if (migrate) this.dcId = Number(migrate[1]);
    const wait = /^(?:FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_(\d+)$/.exec(message);
    if (wait) this.seconds = Number(wait[1]);
  }
}

// A result as the method declares it, else as any boxed value (ClientCore's rule).
function decodeResult(method, body) {
  try { return decodeTlResult(method, body); } catch { return decodeTl(body); }
}

// An update as objects, or its bytes when it does not decode.
function decodeUpdate(bytes) {
  try { return decodeTl(bytes); } catch { return bytes; }
}

const defaultClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t),
};

function check(cond, message) {
  if (!cond) throw new TypeError(message);
}

export class Client {
  // options: dcId, testMode, transport ({ connect(onData, onClose), send(bytes), close() }),
  // framing ('abridged' | 'intermediate' | 'padded'), rsaKeys, session (Uint8Array),
  // apiId, apiHash, layer, deviceModel, systemVersion, appVersion, systemLangCode, langPack,
  // langCode, pingInterval (ms), floodWaitThreshold (seconds, default 60),
  // clock ({ now, setTimeout, clearTimeout }, for tests), random (() => [0, 1), for tests),
  // secretStorage (where secret chats are kept: indexedDbSecretStorage() / memorySecretStorage()).
  constructor(options) {
    check(options !== null && typeof options === 'object', 'options must be an object');
    const { transport } = options;
    check(transport !== null && typeof transport === 'object'
      && typeof transport.connect === 'function' && typeof transport.send === 'function'
      && typeof transport.close === 'function',
    'options.transport must be an object with connect(onData, onClose), send(bytes) and close()');
    const threshold = options.floodWaitThreshold ?? 60;
    check(typeof threshold === 'number' && threshold >= 0, 'options.floodWaitThreshold must be a non-negative number of seconds');
    check(options.apiHash === undefined || typeof options.apiHash === 'string', 'options.apiHash must be a string');
    const clock = options.clock ?? defaultClock;
    check(typeof clock.now === 'function' && typeof clock.setTimeout === 'function'
      && typeof clock.clearTimeout === 'function', 'options.clock must have now, setTimeout and clearTimeout');
    this._core = new ClientCore({ ...options, raw: true }); // checks the rest; TL coded here
    this._transport = transport;
    this._clock = clock;
    this._random = options.random ?? Math.random;
    this._floodWaitMs = threshold * 1000;
    this.apiId = options.apiId;
    this.apiHash = options.apiHash;
    this._listeners = new Map();
    this._pending = new Map(); // core request id -> { request, resolve, reject }
    this._connectWaiters = [];
    this._started = false;
    this._closed = false;
    this._open = false; // the transport is connected
    this._attempt = 0; // generation of transport connections
    this._backoff = FIRST_BACKOFF_MS;
    this._timer = null;
    this._timerAt = null;
    this._reconnectTimer = null;
    this._waits = new Set(); // FLOOD_WAIT timers
    this.secretChats = new SecretChats(this, options.secretStorage ?? null);
  }

  get authKeyId() { return this._core.authKeyId; }
  // PFS: the id of the bound temporary key the traffic runs over (0n without one).
  get tempAuthKeyId() { return this._core.tempAuthKeyId; }
  get dcId() { return this._core.dcId; }
  get connected() { return this._open && this._core.ready; }

  on(event, fn) {
    check(typeof fn === 'function', 'listener must be a function');
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return this;
  }

  off(event, fn) {
    this._listeners.get(event)?.delete(fn);
    return this;
  }

  _emit(event, value) {
    for (const fn of this._listeners.get(event) ?? []) {
      try { fn(value); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  }

  // Resolves once encrypted traffic flows (after the handshake when there is no key yet).
  // Rejects if this attempt fails; the client keeps reconnecting in the background.
  connect() {
    if (this._closed) return Promise.reject(new Error('client closed'));
    if (this.connected) return Promise.resolve();
    const p = new Promise((resolve, reject) => this._connectWaiters.push({ resolve, reject }));
    this._start();
    return p;
  }

  // Sends a TL function object (`{ _: 'help.getNearestDc' }`, `{ _: 'ping', ping_id: 1n }`);
  // resolves with the decoded result, rejects with RpcError or Error. Queued while
  // disconnected (and starts connecting).
  invoke(request) {
    if (this._closed) return Promise.reject(new Error('client closed'));
    return new Promise((resolve, reject) => {
      this._send({ request, resolve, reject });
      this._start();
    });
  }

  _send(entry) {
    let id;
    try {
      const { request } = entry;
      check(request !== null && typeof request === 'object' && !Array.isArray(request),
        "request must be a TL object such as { _: 'help.getNearestDc' }");
      id = this._core.invokeEncoded(String(request._), encodeTl(request));
    } catch (e) {
      entry.reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this._pending.set(id, entry);
    this._flush();
  }

  exportSession() { return this._core.exportSession(); }

  close() {
    if (this._closed) return;
    this._closed = true;
    this._attempt++;
    this._clearTimer();
    if (this._reconnectTimer !== null) this._clock.clearTimeout(this._reconnectTimer);
    for (const t of this._waits) this._clock.clearTimeout(t);
    this._waits.clear();
    if (this._open) {
      this._open = false;
      try { this._transport.close(); } catch { /* already closed */ }
    }
    const err = new Error('client closed');
    for (const { reject } of this._pending.values()) reject(err);
    this._pending.clear();
    for (const { reject } of this._connectWaiters.splice(0)) reject(err);
    this._emit('close');
  }

  _start() {
    if (this._started || this._closed) return;
    this._started = true;
    this._dial();
  }

  async _dial() {
    this._reconnectTimer = null;
    if (this._closed || this._open) return;
    const attempt = ++this._attempt;
    try {
      await this._transport.connect(
        (data) => this._onData(attempt, data),
        (reason) => this._onClose(attempt, reason),
      );
    } catch (e) {
      if (attempt !== this._attempt || this._closed) return;
      this._failAttempt(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (attempt !== this._attempt || this._closed) return;
    this._open = true;
    try {
      this._core.connect(this._clock.now());
    } catch (e) {
      this._drop(e);
      return;
    }
    this._flush();
  }

  _onData(attempt, data) {
    if (attempt !== this._attempt || !this._open) return;
    const bytes = data instanceof Uint8Array ? data
      : data instanceof ArrayBuffer ? new Uint8Array(data)
        : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (bytes === null) return;
    this._core.handleBytes(this._clock.now(), bytes);
    this._flush();
  }

  _onClose(attempt, reason) {
    if (attempt !== this._attempt || this._closed) return;
    this._lost(reason instanceof Error ? reason : new Error(String(reason ?? 'transport closed')));
  }

  // The core asked to drop the connection, or connect() threw.
  _drop(reason) {
    if (this._open) {
      this._open = false;
      try { this._transport.close(); } catch { /* ignore */ }
    }
    this._lost(reason instanceof Error ? reason : new Error(String(reason)));
  }

  _lost(error) {
    this._attempt++;
    this._open = false;
    this._clearTimer();
    this._core.onTransportClosed(this._clock.now());
    this._emit('disconnect', error);
    this._failAttempt(error);
  }

  // The core gave up (ClientEvent::Fatal): close the transport, reject connect(), emit
  // 'error', and do not reconnect on our own.
  _giveUp(error) {
    this._attempt++;
    this._started = false;
    this._clearTimer();
    if (this._reconnectTimer !== null) this._clock.clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
    if (this._open) {
      this._open = false;
      try { this._transport.close(); } catch { /* ignore */ }
    }
    this._core.onTransportClosed(this._clock.now());
    for (const { reject } of this._connectWaiters.splice(0)) reject(error);
    this._emit('error', error);
  }

  _failAttempt(error) {
    for (const { reject } of this._connectWaiters.splice(0)) reject(error);
    if (this._closed) return;
    // 1 s doubling to 30 s, each delay drawn from [0.75, 1.25) of the step.
    const delay = Math.round(this._backoff * (0.75 + 0.5 * this._random()));
    this._backoff = Math.min(this._backoff * 2, MAX_BACKOFF_MS);
    this._emit('reconnecting', delay);
    this._reconnectTimer = this._clock.setTimeout(() => this._dial(), delay);
  }

  _clearTimer() {
    if (this._timer !== null) this._clock.clearTimeout(this._timer);
    this._timer = null;
    this._timerAt = null;
  }

  // Sends what the core has, handles its events, re-arms its timer.
  _flush() {
    if (this._flushing) return;
    this._flushing = true;
    try {
      for (;;) {
        let moved = false;
        for (let b; (b = this._core.pollTransmit()) != null;) {
          moved = true;
          if (this._open) this._transport.send(b);
        }
        for (let e; (e = this._core.pollEvent()) != null;) {
          moved = true;
          this._event(e);
        }
        if (!moved) break;
      }
    } finally {
      this._flushing = false;
    }
    const at = this._open ? (this._core.pollTimeout() ?? null) : null;
    if (at !== this._timerAt) {
      this._clearTimer();
      if (at !== null) {
        this._timerAt = at;
        this._timer = this._clock.setTimeout(() => {
          this._timer = null;
          this._timerAt = null;
          this._core.handleTimeout(this._clock.now());
          this._flush();
        }, Math.max(0, at - this._clock.now()));
      }
    }
  }

  _event(e) {
    switch (e.type) {
      case 'connected':
        this._backoff = FIRST_BACKOFF_MS;
        for (const { resolve } of this._connectWaiters.splice(0)) resolve();
        this._emit('connected', { authKeyId: e.authKeyId, newKey: e.newKey });
        break;
      case 'result': {
        const p = this._pending.get(e.id);
        this._pending.delete(e.id);
        if (!p) break;
        let result;
        try {
          result = decodeResult(e.method, e.body);
        } catch {
          p.reject(new Error('the result does not decode'));
          break;
        }
        p.resolve(result);
        break;
      }
      case 'rpcError': {
        const p = this._pending.get(e.id);
        this._pending.delete(e.id);
        if (!p) break;
        const err = new RpcError(e.code, e.message, p.request?._);
        if (err.seconds !== undefined && err.seconds * 1000 <= this._floodWaitMs && !this._closed) {
          this._emit('floodWait', { seconds: err.seconds, method: err.method });
          const t = this._clock.setTimeout(() => {
            this._waits.delete(t);
            if (this._closed) p.reject(new Error('client closed'));
            else this._send(p);
          }, err.seconds * 1000);
          this._waits.add(t);
        } else {
          p.reject(err);
        }
        break;
      }
      case 'failed': {
        const p = this._pending.get(e.id);
        this._pending.delete(e.id);
        p?.reject(new Error(e.reason));
        break;
      }
      case 'update':
        this._emit('update', decodeUpdate(e.bytes));
        break;
      case 'disconnect':
        this._drop(new Error(e.reason));
        break;
      case 'protocolError':
        this._emit('protocolError', new Error(e.message));
        break;
      case 'sessionReset':
        // new_session_created (or a session we renewed): updates may have been missed.
        this._emit('sessionReset', { byServer: e.byServer });
        break;
      case 'fatal': {
        // The server refused auth.bindTempAuthKey again and again (the core backed off
        // between tries): every request has failed with this error already. The client
        // stays down until connect() or invoke() is called again.
        const err = new RpcError(e.code, e.message, 'auth.bindTempAuthKey');
        this._giveUp(err);
        break;
      }
      case 'tempKeyBound':
        // PFS: a temporary key was bound (after connecting, and after each renewal).
        this._emit('tempKeyBound', { tempAuthKeyId: e.tempAuthKeyId, expiresAt: e.expiresAt });
        break;
      default:
        break;
    }
  }
}

// A transport over WebSocket (binary frames, subprotocol 'binary'). `WebSocketImpl`: the
// browser's / Node 22's global WebSocket, or e.g. the `ws` package's class in older Node.
export function webSocketTransport(url, WebSocketImpl = globalThis.WebSocket) {
  check(typeof url === 'string' || url instanceof URL, 'url must be a string');
  check(typeof WebSocketImpl === 'function', 'no WebSocket implementation: pass one as the second argument');
  let ws = null;
  return {
    connect(onData, onClose) {
      return new Promise((resolve, reject) => {
        const sock = new WebSocketImpl(url, 'binary');
        sock.binaryType = 'arraybuffer';
        ws = sock;
        let opened = false;
        sock.onopen = () => { opened = true; resolve(); };
        sock.onmessage = (ev) => {
          if (ws !== sock) return;
          const d = ev.data;
          if (d instanceof ArrayBuffer) onData(new Uint8Array(d));
          else if (ArrayBuffer.isView(d)) onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        };
        sock.onerror = () => {
          if (!opened) reject(new Error(`WebSocket error connecting to ${url}`));
        };
        sock.onclose = (ev) => {
          if (!opened) reject(new Error(`WebSocket to ${url} closed before opening (${ev.code})`));
          else if (ws === sock) { ws = null; onClose(new Error(`WebSocket closed (${ev.code})`)); }
        };
      });
    },
    send(bytes) {
      if (ws !== null && ws.readyState === 1) ws.send(bytes);
    },
    close() {
      const sock = ws;
      ws = null; // no onClose for a close we asked for
      if (sock !== null) sock.close();
    },
  };
}
