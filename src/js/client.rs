//! `ClientCore`: the sans-IO client (`crate::client::ClientCore`) for JavaScript. The public
//! `Client` (`js/client.js`, shipped next to the wasm-bindgen output) drives it with
//! promises, timers and a transport; apps normally use `Client`.
//!
//! ```js
//! const core = new ClientCore({ dcId: 2, testMode: false, framing: 'intermediate',
//!                               rsaKeys: [], apiId: 1, session: undefined });
//! core.connect(Date.now());                 // after the transport opened
//! core.handleBytes(Date.now(), chunk);      // every received chunk, any split
//! core.handleTimeout(Date.now());           // when pollTimeout() (ms since epoch) is due
//! const id = core.invoke({ _: 'help.getNearestDc' }); // a number; queued when not ready
//! core.invokeEncoded('help.getNearestDc', bytes);     // the same, encoded already
//! for (let b; (b = core.pollTransmit()) !== null;) transport.send(b);
//! for (let e; (e = core.pollEvent()) !== null;) handle(e);
//! core.onTransportClosed(Date.now());       // then reconnect and connect() again
//! ```
//! Events: `{ type: 'connected', authKeyId, newKey }`, `{ type: 'result', id, result }`
//! (with the option `raw`: `{ type: 'result', id, method, body }`),
//! `{ type: 'rpcError', id, code, message }`, `{ type: 'failed', id, reason }`,
//! `{ type: 'update', update }` (`update` is `undefined` and `bytes` set when the update
//! does not decode, or always with `raw`), `{ type: 'disconnect', reason }` (close the transport and reconnect),
//! `{ type: 'protocolError', message }`, `{ type: 'sessionReset', byServer }`,
//! `{ type: 'tempKeyBound', tempAuthKeyId, expiresAt }` (PFS).

use std::collections::HashMap;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::args::{bigint, bytes};
use super::value::{from_js, to_js};
use crate::client::{AppInfo, ClientConfig, ClientCore, ClientEvent, RequestId};
use crate::crypto::OsRandom;
use crate::tl::{self, Value};
use crate::transport::Framing;

/// Property names are `&'static str` and interned (wasm-bindgen's `enable-interning`): each
/// name becomes a JS string once, not one TextDecoder round per call, which was a fifth of
/// the cost of `decryptMessage`. Only fixed names may be interned (the cache never shrinks).
pub(crate) fn set(o: &Object, k: &'static str, v: JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(wasm_bindgen::intern(k)), &v);
}

pub(crate) fn get(options: &JsValue, key: &'static str) -> Result<Option<JsValue>, JsError> {
    let v = Reflect::get(options, &JsValue::from_str(wasm_bindgen::intern(key)))
        .map_err(|_| JsError::new(&format!("cannot read options.{key}")))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

/// An integer option in `min..=max` (bounds as integers: formatting an f64 would pull the
/// float printer into the wasm).
fn int(options: &JsValue, key: &'static str, min: i64, max: i64) -> Result<Option<i64>, JsError> {
    match get(options, key)? {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(Some(n as i64)),
            _ => Err(JsError::new(&format!(
                "options.{key} must be an integer between {min} and {max}"
            ))),
        },
    }
}

fn string(options: &JsValue, key: &'static str, into: &mut String) -> Result<(), JsError> {
    if let Some(v) = get(options, key)? {
        *into = v
            .as_string()
            .ok_or_else(|| JsError::new(&format!("options.{key} must be a string")))?;
    }
    Ok(())
}

/// A `now` argument: ms since the epoch.
pub(crate) fn now_arg(now: f64) -> Result<u64, JsError> {
    if now.is_finite() && now >= 0.0 {
        Ok(now as u64)
    } else {
        Err(JsError::new("now must be a non-negative number of ms"))
    }
}

pub(crate) fn tl_object(name: &str, obj: JsValue) -> Result<(String, Vec<u8>), JsError> {
    if !obj.is_object() {
        return Err(JsError::new(&format!(
            "{name} must be a TL object such as {{ _: 'help.getNearestDc' }}"
        )));
    }
    let v = from_js(&obj).map_err(|e| JsError::new(&format!("{name}: {e}")))?;
    let method = match &v {
        Value::Object(o) => o.name.clone(),
        _ => return Err(JsError::new(&format!("{name} must be a TL object"))),
    };
    let body = tl::encode_value(&v).map_err(|e| JsError::new(&format!("{name}: {e}")))?;
    Ok((method, body))
}

fn config(options: &JsValue) -> Result<ClientConfig, JsError> {
    if !options.is_object() {
        return Err(JsError::new("options must be an object"));
    }
    let api_id = int(options, "apiId", 0, i32::MAX.into())?.unwrap_or(0) as i32;
    let mut app = AppInfo::new(api_id);
    if let Some(l) = int(options, "layer", 1, i32::MAX.into())? {
        app.layer = l as i32;
    }
    string(options, "deviceModel", &mut app.device_model)?;
    string(options, "systemVersion", &mut app.system_version)?;
    string(options, "appVersion", &mut app.app_version)?;
    string(options, "systemLangCode", &mut app.system_lang_code)?;
    string(options, "langPack", &mut app.lang_pack)?;
    string(options, "langCode", &mut app.lang_code)?;
    let dc = int(options, "dcId", -9999, 9999)?
        .filter(|&d| d != 0)
        .ok_or_else(|| JsError::new("options.dcId must be a non-zero DC number (e.g. 2)"))?;
    let mut c = ClientConfig::new(dc as i32, app);
    if let Some(t) = get(options, "testMode")? {
        c.test_mode = t
            .as_bool()
            .ok_or_else(|| JsError::new("options.testMode must be a boolean"))?;
    }
    if let Some(f) = get(options, "framing")? {
        c.framing = match f.as_string().as_deref() {
            Some("abridged") => Framing::Abridged,
            Some("intermediate") => Framing::Intermediate,
            Some("padded") => Framing::PaddedIntermediate,
            _ => {
                return Err(JsError::new(
                    "options.framing must be 'abridged', 'intermediate' or 'padded'",
                ));
            }
        };
    }
    if let Some(keys) = get(options, "rsaKeys")? {
        c.rsa_keys.extend(super::args::rsa_keys(keys)?);
    }
    if let Some(p) = int(options, "pingInterval", 0, 86_400_000)? {
        c.ping_interval_ms = p as u64;
    }
    if let Some(p) = get(options, "pfs")? {
        c.pfs = p
            .as_bool()
            .ok_or_else(|| JsError::new("options.pfs must be a boolean"))?;
    }
    let min_ttl = i64::from(crate::client::pfs::MIN_TEMP_KEY_TTL_S);
    if let Some(t) = int(options, "tempKeyTtl", min_ttl, (i32::MAX / 2).into())? {
        c.temp_key_ttl_s = t as i32;
    }
    Ok(c)
}

/// The sans-IO client (see the module docs). Low level: apps use `Client`.
#[wasm_bindgen(js_name = ClientCore)]
pub struct JsClientCore {
    inner: ClientCore,
    methods: HashMap<RequestId, String>,
    /// Results and updates as TL bytes (`body`, `bytes`) instead of objects.
    raw: bool,
}

#[wasm_bindgen(js_class = ClientCore)]
impl JsClientCore {
    /// `options`: `dcId` (required), `testMode`, `framing` ('abridged' | 'intermediate'
    /// (default) | 'padded'), `rsaKeys` (PEM strings), `session` (a Uint8Array from
    /// `exportSession()`: its DC and key are used, no handshake), `apiId`, `layer`,
    /// `deviceModel`, `systemVersion`, `appVersion`, `systemLangCode`, `langPack`,
    /// `langCode`, `pingInterval` (ms, 0 disables the keep-alive; default 60000), `pfs`
    /// (perfect forward secrecy with temporary keys; default true), `tempKeyTtl` (seconds,
    /// at least 60; default 86400), `raw` (results and updates as their TL bytes, `body` with
    /// `method` / `bytes`, for the JS TL reader, instead of `result` / `update` objects;
    /// default false).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsClientCore, JsError> {
        let c = config(&options)?;
        let inner = match get(&options, "session")? {
            Some(blob) => {
                let blob = zeroize::Zeroizing::new(bytes("options.session", &blob)?);
                ClientCore::from_session(c, &blob, Box::new(OsRandom))
                    .map_err(|e| JsError::new(&format!("options.session: {e}")))?
            }
            None => ClientCore::new(c, Box::new(OsRandom)),
        };
        let raw = match get(&options, "raw")? {
            Some(t) => t
                .as_bool()
                .ok_or_else(|| JsError::new("options.raw must be a boolean"))?,
            None => false,
        };
        Ok(Self {
            inner,
            methods: HashMap::new(),
            raw,
        })
    }

    /// The auth key id (bigint), `0n` before a key exists.
    #[wasm_bindgen(getter, js_name = authKeyId)]
    pub fn auth_key_id(&self) -> JsValue {
        bigint(self.inner.auth_key_id())
    }

    /// The id of the bound temporary key (bigint, PFS), `0n` when there is none.
    #[wasm_bindgen(getter, js_name = tempAuthKeyId)]
    pub fn temp_auth_key_id(&self) -> JsValue {
        bigint(self.inner.temp_auth_key_id())
    }

    /// The DC number.
    #[wasm_bindgen(getter, js_name = dcId)]
    pub fn dc_id(&self) -> i32 {
        self.inner.dc_id()
    }

    /// Whether encrypted traffic flows.
    #[wasm_bindgen(getter)]
    pub fn ready(&self) -> bool {
        self.inner.is_ready()
    }

    /// The transport is open: queues the obfuscation header and the first packets.
    pub fn connect(&mut self, now: f64) -> Result<(), JsError> {
        let now = now_arg(now)?;
        self.inner
            .connect(now)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// A received chunk (any split of the byte stream).
    #[wasm_bindgen(js_name = handleBytes)]
    pub fn handle_bytes(&mut self, now: f64, chunk: &JsValue) -> Result<(), JsError> {
        let now = now_arg(now)?;
        let chunk = bytes("chunk", chunk)?;
        self.inner.handle_bytes(now, &chunk);
        Ok(())
    }

    /// Runs what is due at `now`.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) -> Result<(), JsError> {
        self.inner.handle_timeout(now_arg(now)?);
        Ok(())
    }

    /// The transport closed: keep the key and the requests for the next `connect`.
    #[wasm_bindgen(js_name = onTransportClosed)]
    pub fn on_transport_closed(&mut self, now: f64) -> Result<(), JsError> {
        self.inner.on_transport_closed(now_arg(now)?);
        Ok(())
    }

    /// The next deadline (ms since the epoch), or null.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> JsValue {
        self.inner
            .poll_timeout()
            .map_or(JsValue::NULL, |t| JsValue::from(t as f64))
    }

    /// The next bytes for the transport, or null.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self) -> JsValue {
        self.inner
            .poll_transmit()
            .map_or(JsValue::NULL, |b| js_sys::Uint8Array::from(&b[..]).into())
    }

    /// Queues a request (a TL object, e.g. `{ _: 'help.getNearestDc' }` or
    /// `{ _: 'ping', ping_id: 1n }`); returns its id (a number).
    pub fn invoke(&mut self, request: JsValue) -> Result<f64, JsError> {
        let (method, body) = tl_object("request", request)?;
        self.queue_encoded(method, body)
    }

    /// Queues a request already encoded (by `encodeTl` of `client.js`): `method` names it (the
    /// result is decoded as its answer), `body` is its boxed TL; returns its id (a number).
    #[wasm_bindgen(js_name = invokeEncoded)]
    pub fn invoke_encoded(
        &mut self,
        method: String,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] body: &JsValue,
    ) -> Result<f64, JsError> {
        let body = bytes("body", body)?;
        self.queue_encoded(method, body)
    }

    fn queue_encoded(&mut self, method: String, body: Vec<u8>) -> Result<f64, JsError> {
        let id = self
            .inner
            .invoke(body)
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.methods.insert(id, method);
        Ok(id.0 as f64)
    }

    /// Cancels a request; false if unknown or resolved.
    pub fn cancel(&mut self, id: f64) -> bool {
        if !(id.is_finite() && id >= 0.0) {
            return false;
        }
        self.inner.cancel(RequestId(id as u64))
    }

    /// The session blob (Uint8Array); throws before a key exists.
    #[wasm_bindgen(js_name = exportSession)]
    pub fn export_session(&self) -> Result<Vec<u8>, JsError> {
        self.inner
            .export_session()
            .ok_or_else(|| JsError::new("no auth key yet: connect() first"))
    }

    /// The next event (see the module docs), or null.
    #[wasm_bindgen(js_name = pollEvent)]
    pub fn poll_event(&mut self) -> JsValue {
        let Some(ev) = self.inner.poll_event() else {
            return JsValue::NULL;
        };
        let o = Object::new();
        let kind = match ev {
            ClientEvent::Connected {
                auth_key_id,
                new_key,
            } => {
                set(&o, "authKeyId", bigint(auth_key_id));
                set(&o, "newKey", new_key.into());
                "connected"
            }
            ClientEvent::Result { request, body } => {
                set(&o, "id", (request.0 as f64).into());
                let method = self.methods.remove(&request).unwrap_or_default();
                if self.raw {
                    set(&o, "method", method.into());
                    set(&o, "body", js_sys::Uint8Array::from(&body[..]).into());
                    "result"
                } else {
                    let js = tl::decode_result(&method, &body)
                        .or_else(|_| tl::decode_value(&body))
                        .ok()
                        .map(|v| to_js(&v));
                    match js {
                        Some(v) => {
                            set(&o, "result", v);
                            "result"
                        }
                        None => {
                            set(&o, "reason", "the result does not decode".into());
                            "failed"
                        }
                    }
                }
            }
            ClientEvent::RpcError {
                request,
                code,
                message,
            } => {
                self.methods.remove(&request);
                set(&o, "id", (request.0 as f64).into());
                set(&o, "code", code.into());
                set(&o, "message", message.into());
                "rpcError"
            }
            ClientEvent::RequestFailed { request, reason } => {
                self.methods.remove(&request);
                set(&o, "id", (request.0 as f64).into());
                set(&o, "reason", reason.into());
                "failed"
            }
            ClientEvent::Update(body) => {
                let decoded = if self.raw {
                    None
                } else {
                    tl::decode_value(&body).ok().map(|v| to_js(&v))
                };
                match decoded {
                    Some(v) => set(&o, "update", v),
                    None => set(&o, "bytes", js_sys::Uint8Array::from(&body[..]).into()),
                }
                "update"
            }
            ClientEvent::Disconnect { reason } => {
                set(&o, "reason", reason.into());
                "disconnect"
            }
            ClientEvent::ProtocolError { message } => {
                set(&o, "message", message.into());
                "protocolError"
            }
            ClientEvent::SessionReset { by_server } => {
                set(&o, "byServer", by_server.into());
                "sessionReset"
            }
            ClientEvent::TempKeyBound {
                temp_auth_key_id,
                expires_at,
            } => {
                set(&o, "tempAuthKeyId", bigint(temp_auth_key_id));
                set(&o, "expiresAt", (expires_at as f64).into());
                "tempKeyBound"
            }
            ClientEvent::Fatal { code, message } => {
                set(&o, "code", code.into());
                set(&o, "message", message.into());
                "fatal"
            }
        };
        set(&o, "type", kind.into());
        o.into()
    }
}
