//! `encryptMessage`, `decryptMessage` and `Session`: the MTProto 2.0 session for JavaScript.
//!
//! ```js
//! // Packet level, for apps that run their own session:
//! const packet = encryptMessage(authKey, plaintext, { fromServer: false, maxPadding: 1024 });
//! const { salt, sessionId, msgId, seqNo, body } = decryptMessage(authKey, packet, { fromServer: true });
//!
//! // The session state machine:
//! const s = new Session({ authKey, serverSalt, timeOffset, sessionId, paddedTransport });
//! const id = s.invoke({ _: 'help.getConfig' });          // or boxed TL bytes; returns a request id
//! for (let p; (p = s.pollTransmit(Date.now())) !== null;) ws.send(transport.pack(p));
//! for (const ev of s.feed(frame, Date.now())) handle(ev); // on each received frame
//! const t = s.nextTimeout();                              // ms since the epoch, or null
//! // at t: s.handleTimeout(Date.now()) (returns events too), then pollTransmit again
//! ```
//!
//! `plaintext` for `encryptMessage` is `salt | session_id | msg_id | seq_no | length | body`
//! without padding (random padding of 12..maxPadding bytes is added). `fromServer` says who
//! sent the packet: `decryptMessage(..., { fromServer: true })` is what a client does.
//! `decryptMessage` runs every envelope check (auth_key_id, length % 16, msg_key in constant
//! time, length field, padding 12..1024) and throws an `Error` naming the failed check.
//!
//! Session options: `authKey` (Uint8Array, 256 bytes, required), `serverSalt` (bigint,
//! required), `timeOffset` (seconds, server minus local; when given, the msg_id window is
//! enforced), `sessionId` (bigint; random when absent), `paddedTransport` (boolean: trim
//! trailing transport padding), `pingInterval` (seconds, default 60, 0 disables the
//! keep-alive), `futureSalts` (boolean, default true), `maxPadding` (bytes, default 256).
//! Salts and ids accept signed or unsigned bigints; they come out unsigned.
//!
//! Events (plain objects, `type` first):
//! - `{ type: 'result', request, result?, body }`: `result` is the decoded object (by the
//!   method's result type when `invoke` got an object, else self-describing TL), absent when
//!   it does not decode; `body` is always the raw bytes.
//! - `{ type: 'error', request, code, message }` (rpc_error)
//! - `{ type: 'failed', request, reason: 'cancelled' | 'tooManyResends' }`
//! - `{ type: 'update', update?, body }` (updates, decoded when possible)
//! - `{ type: 'newSession', firstMsgId, uniqueId, serverSalt }` (call updates.getDifference)
//! - `{ type: 'sessionReset', sessionId }`, `{ type: 'timeCorrected', offsetMs }`
//! - `{ type: 'pong', pingId }`, `{ type: 'keepAliveTimeout' }` (reconnect, then `onReconnect`)
//! - `{ type: 'destroySession', sessionId, destroyed }`
//! - `{ type: 'protocolError', kind, message }` (a packet was dropped; the session goes on)
//!
//! `request` is a number; ids and salts are bigints.

use std::collections::HashMap;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::args::{bigint, bytes, bytes_exact, error};
use super::imports::{self, decrypted_message};
use super::value::{from_js, to_js};
use crate::crypto::{AuthKey, OsRandom, Side};
use crate::session::{self, FailureReason, InvokeOptions, RequestId, SessionConfig, SessionEvent};
use crate::tl::{self, Value};
use zeroize::Zeroize;

fn err(msg: &str) -> JsError {
    JsError::new(msg)
}

/// `options[name]` (names interned, see `client::set`).
fn field(options: &JsValue, name: &'static str) -> Result<Option<JsValue>, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    if !options.is_object() {
        return Err(err("options must be an object"));
    }
    let v = Reflect::get(options, &JsValue::from_str(wasm_bindgen::intern(name)))
        .map_err(|_| err(&format!("cannot read {name}")))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

fn bool_field(options: &JsValue, name: &'static str, default: bool) -> Result<bool, JsError> {
    match field(options, name)? {
        None => Ok(default),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| err(&format!("{name} must be a boolean"))),
    }
}

fn number_field(options: &JsValue, name: &'static str) -> Result<Option<f64>, JsError> {
    match field(options, name)? {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| err(&format!("{name} must be a finite number"))),
    }
}

/// A 64-bit value given as a signed or unsigned bigint (or a safe integer number).
fn long_arg(name: &str, v: &JsValue) -> Result<u64, JsError> {
    if let Some(n) = v.as_f64() {
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return Ok(n as i64 as u64);
        }
        return Err(err(&format!("{name} must be an integer")));
    }
    if v.is_bigint() {
        if let Ok(u) = u64::try_from(v.clone()) {
            return Ok(u);
        }
        if let Ok(i) = i64::try_from(v.clone()) {
            return Ok(i as u64);
        }
        return Err(err(&format!("{name} must fit in 64 bits")));
    }
    Err(err(&format!("{name} must be a bigint")))
}

fn auth_key(v: &JsValue) -> Result<AuthKey, JsError> {
    let b = zeroize::Zeroizing::new(bytes_exact("authKey", v, 256)?);
    AuthKey::from_bytes(&b).map_err(error)
}

/// `OsRandom` through a 4 KiB pool: padding needs a few random bytes per packet, and each
/// `crypto.getRandomValues` call crosses into JavaScript.
struct PooledOsRandom;

thread_local! {
    static POOL: std::cell::RefCell<(Vec<u8>, usize)> = const { std::cell::RefCell::new((Vec::new(), 0)) };
}

const POOL_SIZE: usize = 4096;

impl crate::crypto::RandomSource for PooledOsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), crate::crypto::CryptoError> {
        if buf.len() > POOL_SIZE / 4 {
            return OsRandom.fill(buf);
        }
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            let (pool, pos) = &mut *p;
            // buf.len() <= POOL_SIZE / 4 and *pos <= POOL_SIZE: the sums never saturate.
            if pool.len() != POOL_SIZE || pos.saturating_add(buf.len()) > POOL_SIZE {
                pool.resize(POOL_SIZE, 0);
                OsRandom.fill(pool)?;
                *pos = 0;
            }
            let end = pos.saturating_add(buf.len());
            let src = pool
                .get_mut(*pos..end)
                .ok_or(crate::crypto::CryptoError::RandomUnavailable)?;
            buf.copy_from_slice(src);
            src.zeroize(); // used bytes never serve twice
            *pos = end;
            Ok(())
        })
    }
}

/// The key and its id. The id is computed each call (one SHA-1 of 256 bytes): a cache of
/// the last key would keep a copy of it alive after the caller is done with it.
fn key_and_id(v: &JsValue) -> Result<(AuthKey, u64), JsError> {
    let key = auth_key(v)?;
    let id = key.id();
    Ok((key, id))
}

fn side(options: &JsValue) -> Result<Side, JsError> {
    Ok(if bool_field(options, "fromServer", false)? {
        Side::Server
    } else {
        Side::Client
    })
}

/// Encrypts `plaintext` (header and body, no padding) into an MTProto 2.0 packet:
/// `auth_key_id | msg_key | AES-256-IGE(plaintext | padding)`. Options: `fromServer`
/// (default false), `maxPadding` (12..1024, default 1024).
#[wasm_bindgen(js_name = encryptMessage)]
pub fn encrypt_message(
    auth_key_bytes: &JsValue,
    plaintext: &JsValue,
    options: &JsValue,
) -> Result<Vec<u8>, JsError> {
    let (key, id) = key_and_id(auth_key_bytes)?;
    let pt = bytes("plaintext", plaintext)?;
    let side = side(options)?;
    let max_padding = number_field(options, "maxPadding")?.unwrap_or(1024.0);
    if !(12.0..=1024.0).contains(&max_padding) {
        return Err(err("maxPadding must be between 12 and 1024"));
    }
    session::envelope::encrypt_plaintext_with_id(
        &key,
        id,
        side,
        pt,
        max_padding as usize,
        &mut PooledOsRandom,
    )
    .map_err(error)
}

/// Decrypts a packet with every receive check; returns `{ salt, sessionId, msgId, seqNo,
/// body }`. Options: `fromServer` (who sent it; default false).
#[wasm_bindgen(js_name = decryptMessage)]
pub fn decrypt_message(
    auth_key_bytes: &JsValue,
    packet: &JsValue,
    options: &JsValue,
) -> Result<JsValue, JsError> {
    let (key, id) = key_and_id(auth_key_bytes)?;
    let packet = bytes("packet", packet)?;
    let m = session::envelope::decrypt_message_with_id(&key, id, side(options)?, &packet)
        .map_err(error)?;
    // JavaScript copies the body; the wasm copy is wiped when this returns.
    let body = zeroize::Zeroizing::new(m.body);
    Ok(decrypted_message(
        m.header.salt,
        m.header.session_id,
        m.header.msg_id as u64,
        m.header.seq_no,
        &body,
    ))
}

fn set(o: &Object, k: &'static str, v: JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(wasm_bindgen::intern(k)), &v);
}

/// An MTProto 2.0 client session (see the module docs for options and events).
#[wasm_bindgen(js_name = Session)]
pub struct JsSession {
    inner: session::Session,
    /// Method names of requests invoked as objects, to decode their results.
    methods: HashMap<RequestId, String>,
    now: u64,
}

fn now_arg(name: &str, v: Option<f64>) -> Result<u64, JsError> {
    let n = v.unwrap_or_else(js_sys::Date::now);
    if n.is_finite() && n >= 0.0 {
        Ok(n as u64)
    } else {
        Err(err(&format!("{name} must be a non-negative number of ms")))
    }
}

#[wasm_bindgen(js_class = Session)]
impl JsSession {
    /// A session over an auth key.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsSession, JsError> {
        if !options.is_object() {
            return Err(err("options must be an object"));
        }
        let key = auth_key(&field(&options, "authKey")?.unwrap_or(JsValue::UNDEFINED))?;
        let salt = match field(&options, "serverSalt")? {
            Some(v) => long_arg("serverSalt", &v)?,
            None => return Err(err("serverSalt is required")),
        };
        let mut c = SessionConfig::new(key, salt);
        c.session_id = match field(&options, "sessionId")? {
            Some(v) => Some(long_arg("sessionId", &v)?),
            None => None,
        };
        c.time_offset_ms = number_field(&options, "timeOffset")?.map(|s| (s * 1000.0) as i64);
        c.trim_transport_padding = bool_field(&options, "paddedTransport", false)?;
        c.fetch_future_salts = bool_field(&options, "futureSalts", true)?;
        if let Some(p) = number_field(&options, "pingInterval")? {
            if !(0.0..=86_400.0).contains(&p) {
                return Err(err("pingInterval must be between 0 and 86400 seconds"));
            }
            c.ping_interval_ms = (p * 1000.0) as u64;
        }
        if let Some(p) = number_field(&options, "maxPadding")? {
            if !(12.0..=1024.0).contains(&p) {
                return Err(err("maxPadding must be between 12 and 1024"));
            }
            c.max_padding = p as usize;
        }
        let inner = session::Session::new(c, Box::new(PooledOsRandom)).map_err(error)?;
        Ok(Self {
            inner,
            methods: HashMap::new(),
            now: 0,
        })
    }

    /// Queues a request: boxed TL bytes (Uint8Array) or a TL object (`{ _: 'method', ... }`).
    /// Options: `after` (a request id: sent as invokeAfterMsg). Returns the request id.
    pub fn invoke(&mut self, request: JsValue, options: JsValue) -> Result<f64, JsError> {
        let (body, method) = if let Some(bytes) =
            imports::bytes_of(&request, false).map_err(|e| err(&format!("request: {e}")))?
        {
            (bytes, None)
        } else if request.is_object() {
            let v = from_js(&request).map_err(|e| err(&e))?;
            let name = match &v {
                Value::Object(o) => Some(o.name.clone()),
                _ => None,
            };
            (tl::encode_value(&v).map_err(error)?, name)
        } else {
            return Err(err("request must be a Uint8Array or a TL object"));
        };
        let after = match number_field(&options, "after")? {
            Some(n) if n >= 1.0 && n.fract() == 0.0 => Some(RequestId(n as u64)),
            Some(_) => return Err(err("after must be a request id")),
            None => None,
        };
        let id = self
            .inner
            .invoke(body, InvokeOptions { after })
            .map_err(error)?;
        if let Some(m) = method {
            self.methods.insert(id, m);
        }
        Ok(id.0 as f64)
    }

    /// Cancels a request (it fails with reason 'cancelled'); false if unknown or done.
    pub fn cancel(&mut self, request: f64) -> bool {
        self.inner.cancel(RequestId(request as u64))
    }

    /// Sends a ping; returns its ping_id (the answer is a 'pong' event).
    pub fn ping(&mut self) -> JsValue {
        bigint(self.inner.ping() as u64)
    }

    /// Feeds one received frame at `nowMs`; returns the events.
    pub fn feed(&mut self, frame: &JsValue, now_ms: Option<f64>) -> Result<Array, JsError> {
        let frame = bytes("frame", frame)?;
        self.now = now_arg("nowMs", now_ms)?.max(self.now);
        self.inner.handle_input(self.now, &frame);
        Ok(self.take_events())
    }

    /// The next packet to send (frame it with the transport), or null.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self, now_ms: Option<f64>) -> Result<JsValue, JsError> {
        self.now = now_arg("nowMs", now_ms)?.max(self.now);
        Ok(match self.inner.poll_transmit(self.now) {
            Some(p) => Uint8Array::from(&p[..]).into(),
            None => JsValue::NULL,
        })
    }

    /// When `handleTimeout` should run next (ms since the epoch), or null.
    #[wasm_bindgen(js_name = nextTimeout)]
    pub fn next_timeout(&self) -> JsValue {
        self.inner
            .poll_timeout()
            .map_or(JsValue::NULL, |t| JsValue::from(t as f64))
    }

    /// Runs the timers due at `nowMs`; returns the events.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now_ms: Option<f64>) -> Result<Array, JsError> {
        self.now = now_arg("nowMs", now_ms)?.max(self.now);
        self.inner.handle_timeout(self.now);
        Ok(self.take_events())
    }

    /// After a new connection: resends what the server did not acknowledge.
    #[wasm_bindgen(js_name = onReconnect)]
    pub fn on_reconnect(&mut self, now_ms: Option<f64>) -> Result<(), JsError> {
        self.now = now_arg("nowMs", now_ms)?.max(self.now);
        self.inner.on_reconnect(self.now);
        Ok(())
    }

    /// Events not yet returned (from `invoke`/`cancel`).
    #[wasm_bindgen(js_name = takeEvents)]
    pub fn take_events(&mut self) -> Array {
        let out = Array::new();
        while let Some(e) = self.inner.poll_event() {
            out.push(&self.event(e));
        }
        out
    }

    /// `{ serverSalt, timeOffset, sessionId }` to save (timeOffset in seconds or null).
    pub fn state(&self) -> JsValue {
        let s = self.inner.state();
        let o = Object::new();
        set(&o, "serverSalt", bigint(s.server_salt));
        set(
            &o,
            "timeOffset",
            s.time_offset_ms
                .map_or(JsValue::NULL, |ms| JsValue::from(ms as f64 / 1000.0)),
        );
        set(&o, "sessionId", bigint(s.session_id));
        o.into()
    }

    /// How many packets were dropped by the receive checks.
    #[wasm_bindgen(getter, js_name = droppedPackets)]
    pub fn dropped_packets(&self) -> f64 {
        self.inner.stats().dropped_total() as f64
    }

    fn event(&mut self, e: SessionEvent) -> JsValue {
        let o = Object::new();
        let ty = |t: &'static str| JsValue::from_str(wasm_bindgen::intern(t));
        match e {
            SessionEvent::RpcResult { request, body } => {
                set(&o, "type", ty("result"));
                set(&o, "request", JsValue::from(request.0 as f64));
                let decoded = match self.methods.remove(&request) {
                    Some(m) => tl::decode_result(&m, &body).ok(),
                    None => tl::decode_value(&body).ok(),
                };
                if let Some(v) = decoded.as_ref().map(to_js) {
                    set(&o, "result", v);
                }
                set(&o, "body", Uint8Array::from(&body[..]).into());
            }
            SessionEvent::RpcError {
                request,
                code,
                message,
            } => {
                self.methods.remove(&request);
                set(&o, "type", ty("error"));
                set(&o, "request", JsValue::from(request.0 as f64));
                set(&o, "code", JsValue::from(code));
                set(&o, "message", JsValue::from_str(&message));
            }
            SessionEvent::RequestFailed { request, reason } => {
                self.methods.remove(&request);
                set(&o, "type", ty("failed"));
                set(&o, "request", JsValue::from(request.0 as f64));
                let r = match reason {
                    FailureReason::Cancelled => "cancelled",
                    FailureReason::TooManyResends => "tooManyResends",
                };
                set(&o, "reason", ty(r));
            }
            SessionEvent::Update { body } => {
                set(&o, "type", ty("update"));
                if let Some(v) = tl::decode_value(&body).ok().as_ref().map(to_js) {
                    set(&o, "update", v);
                }
                set(&o, "body", Uint8Array::from(&body[..]).into());
            }
            SessionEvent::NewSessionCreated {
                first_msg_id,
                unique_id,
                server_salt,
            } => {
                set(&o, "type", ty("newSession"));
                set(&o, "firstMsgId", bigint(first_msg_id as u64));
                set(&o, "uniqueId", bigint(unique_id as u64));
                set(&o, "serverSalt", bigint(server_salt));
            }
            SessionEvent::SessionReset { session_id } => {
                set(&o, "type", ty("sessionReset"));
                set(&o, "sessionId", bigint(session_id));
            }
            SessionEvent::TimeCorrected { offset_ms } => {
                set(&o, "type", ty("timeCorrected"));
                set(&o, "offsetMs", JsValue::from(offset_ms as f64));
            }
            SessionEvent::Pong { ping_id } => {
                set(&o, "type", ty("pong"));
                set(&o, "pingId", bigint(ping_id as u64));
            }
            SessionEvent::KeepAliveTimeout => set(&o, "type", ty("keepAliveTimeout")),
            SessionEvent::DestroySession {
                session_id,
                destroyed,
            } => {
                set(&o, "type", ty("destroySession"));
                set(&o, "sessionId", bigint(session_id));
                set(&o, "destroyed", JsValue::from(destroyed));
            }
            SessionEvent::ProtocolError { error } => {
                set(&o, "type", ty("protocolError"));
                set(&o, "kind", ty(error.kind()));
                set(&o, "message", JsValue::from_str(&error.to_string()));
            }
        }
        o.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SeededRandom;
    use crate::session::server::ServerSession;
    use crate::tl::Serializable;
    use crate::tl::mtproto::types;
    use wasm_bindgen_test::wasm_bindgen_test;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    const NOW: f64 = 1_700_000_000_000.0;

    fn key_bytes() -> Vec<u8> {
        (0..256u32).map(|i| (i * 13 + 1) as u8).collect()
    }

    fn u8a(b: &[u8]) -> JsValue {
        Uint8Array::from(b).into()
    }

    fn get(o: &JsValue, k: &str) -> JsValue {
        Reflect::get(o, &JsValue::from_str(k)).unwrap()
    }

    fn message(e: JsError) -> String {
        js_sys::Error::from(JsValue::from(e)).message().into()
    }

    fn opts(src: &str) -> JsValue {
        js_sys::eval(&format!("({src})")).unwrap()
    }

    #[wasm_bindgen_test]
    fn encrypt_decrypt_round_trip_and_checks() {
        let header = session::MessageHeader {
            salt: 1,
            session_id: 2,
            msg_id: 0x6000_0000_0000_0001,
            seq_no: 3,
        };
        let pt = session::envelope::plaintext(&header, &[9; 8]).unwrap();
        let from_server = opts("{ fromServer: true }");
        let packet = encrypt_message(&u8a(&key_bytes()), &u8a(&pt), &from_server).unwrap();
        let m = decrypt_message(&u8a(&key_bytes()), &u8a(&packet), &from_server).unwrap();
        assert_eq!(u64::try_from(get(&m, "salt")).unwrap(), 1);
        assert_eq!(
            u64::try_from(get(&m, "msgId")).unwrap(),
            0x6000_0000_0000_0001
        );
        assert_eq!(get(&m, "seqNo").as_f64(), Some(3.0));
        assert_eq!(Uint8Array::from(get(&m, "body")).to_vec(), vec![9; 8]);
        // wrong direction, tampering, bad arguments: errors naming the problem
        let e = decrypt_message(&u8a(&key_bytes()), &u8a(&packet), &JsValue::UNDEFINED);
        assert!(message(e.unwrap_err()).contains("msg_key"));
        let mut bad = packet.clone();
        bad.push(0);
        let e = decrypt_message(&u8a(&key_bytes()), &u8a(&bad), &from_server).unwrap_err();
        assert!(message(e).contains("multiple of 16"));
        let e = encrypt_message(&u8a(&[0; 255]), &u8a(&pt), &from_server).unwrap_err();
        assert_eq!(message(e), "authKey must be 256 bytes, got 255 bytes");
        let e = encrypt_message(&u8a(&key_bytes()), &u8a(&pt), &opts("{ maxPadding: 5 }"));
        assert!(message(e.unwrap_err()).contains("maxPadding"));
        assert!(encrypt_message(&u8a(&key_bytes()), &JsValue::from(3), &from_server).is_err());
    }

    #[wasm_bindgen_test]
    fn session_invokes_objects_and_decodes_results() {
        let mut s = JsSession::new(opts(
            "{ authKey: new Uint8Array(256).map((_, i) => (i * 13 + 1) & 255), \
               serverSalt: -5n, sessionId: 77n, timeOffset: 0, futureSalts: false }",
        ))
        .ok()
        .unwrap();
        let key = AuthKey::from_bytes(&key_bytes()).unwrap();
        let mut server = ServerSession::new(key, 0, 0, Box::new(SeededRandom::new(1)));
        let id = s
            .invoke(opts("{ _: 'ping', ping_id: 5n }"), JsValue::UNDEFINED)
            .ok()
            .unwrap();
        let packet = Uint8Array::from(s.poll_transmit(Some(NOW)).ok().unwrap()).to_vec();
        assert!(s.poll_transmit(Some(NOW)).ok().unwrap().is_null());
        let got = server.decrypt(&packet).unwrap();
        assert_eq!(got.header.salt, (-5i64) as u64);
        assert_eq!(got.header.session_id, 77);
        let answer = types::RpcResult {
            req_msg_id: got.messages[0].msg_id,
            result: types::Pong {
                msg_id: got.messages[0].msg_id,
                ping_id: 5,
            }
            .to_bytes(),
        }
        .to_bytes();
        let (reply, _) = server.encrypt(NOW as u64, &[answer]).unwrap();
        let events = s.feed(&u8a(&reply), Some(NOW)).ok().unwrap();
        assert_eq!(events.length(), 1);
        let ev = events.get(0);
        assert_eq!(get(&ev, "type").as_string().unwrap(), "result");
        assert_eq!(get(&ev, "request").as_f64(), Some(id));
        assert_eq!(get(&get(&ev, "result"), "_").as_string().unwrap(), "pong");
        // a tampered packet is a protocol error event, and counted
        let mut bad = reply.clone();
        bad[30] ^= 1;
        let events = s.feed(&u8a(&bad), Some(NOW)).ok().unwrap();
        assert_eq!(
            get(&events.get(0), "kind").as_string().unwrap(),
            "msg_key_mismatch"
        );
        assert_eq!(s.dropped_packets(), 1.0);
        assert!(s.next_timeout().as_f64().is_some(), "the ack timer");
        let st = s.state();
        assert_eq!(u64::try_from(get(&st, "sessionId")).unwrap(), 77);
        // cancel reports through takeEvents
        let id2 = s
            .invoke(u8a(&[1, 2, 3, 4]), JsValue::UNDEFINED)
            .ok()
            .unwrap();
        assert!(s.cancel(id2));
        let ev = s.take_events().get(0);
        assert_eq!(get(&ev, "reason").as_string().unwrap(), "cancelled");
    }

    #[wasm_bindgen_test]
    fn session_rejects_bad_options() {
        let e = JsSession::new(opts("{ serverSalt: 1n }")).err().unwrap();
        assert!(message(e).contains("authKey"));
        let e = JsSession::new(opts("{ authKey: new Uint8Array(256) }"))
            .err()
            .unwrap();
        assert_eq!(message(e), "serverSalt is required");
        let e = JsSession::new(opts("{ authKey: new Uint8Array(256), serverSalt: 'x' }"))
            .err()
            .unwrap();
        assert_eq!(message(e), "serverSalt must be a bigint");
        let mut s = JsSession::new(opts("{ authKey: new Uint8Array(256), serverSalt: 1n }"))
            .ok()
            .unwrap();
        assert!(s.invoke(JsValue::from(5), JsValue::UNDEFINED).is_err());
        assert!(s.invoke(u8a(&[1, 2, 3]), JsValue::UNDEFINED).is_err());
        assert!(
            s.invoke(opts("{ _: 'nope.nothing' }"), JsValue::UNDEFINED)
                .is_err()
        );
        assert!(s.feed(&JsValue::NULL, Some(NOW)).is_err());
        assert!(s.feed(&u8a(&[0; 8]), Some(-1.0)).is_err());
    }
}
