//! `Handshake`: the auth-key handshake for JavaScript (see `crate::auth`).
//!
//! ```js
//! const hs = new Handshake({ dcId: 2, testMode: false, tempKeyExpiresIn: 86400, rsaKeys: [pem] });
//! send(hs.start());                       // req_pq_multi in its unencrypted envelope
//! for (;;) {                              // each server packet (one transport frame)
//!   const next = hs.handle(await recv()); // throws on a bad answer: the handshake is closed
//!   if (next === null) break;
//!   send(next);
//! }
//! const { authKey, authKeyId, serverSalt, timeOffset, expiresAt } = hs.result;
//! ```
//! Randomness: `crypto.getRandomValues`; the clock: `Date.now()`, read here only.

use js_sys::{BigInt, Date, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::args::{bigint, bytes, error};
use crate::auth::{AuthError, AuthResult, HandshakeConfig, HandshakeMachine};
use crate::crypto::OsRandom;

/// Milliseconds since the epoch, from `Date.now()`.
fn now_ms() -> u64 {
    let ms = Date::now();
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

fn get(options: &JsValue, key: &'static str) -> Result<JsValue, JsError> {
    Reflect::get(options, &JsValue::from_str(wasm_bindgen::intern(key)))
        .map_err(|_| JsError::new(&format!("cannot read options.{key}")))
}

/// An integer option in `min..=i32::MAX` (`min` an integer: formatting an f64 would pull
/// the float printer into the wasm).
fn int_option(options: &JsValue, key: &'static str, min: i32) -> Result<Option<i32>, JsError> {
    let v = get(options, key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= f64::from(min) && n <= f64::from(i32::MAX) => {
            Ok(Some(n as i32))
        }
        _ => Err(JsError::new(&format!(
            "options.{key} must be an integer between {min} and 2147483647"
        ))),
    }
}

/// Reads `{ dcId, testMode, tempKeyExpiresIn, rsaKeys }`.
fn config(options: &JsValue) -> Result<HandshakeConfig, JsError> {
    if !options.is_object() {
        return Err(JsError::new("options must be an object with a dcId"));
    }
    let dc_id = int_option(options, "dcId", -i32::MAX)?
        .filter(|&d| d != 0 && d.unsigned_abs() < 10_000)
        .ok_or_else(|| {
            JsError::new("options.dcId must be a non-zero DC number (e.g. 2, or -2 for media)")
        })?;
    let mut config = HandshakeConfig::new(dc_id);
    let test_mode = get(options, "testMode")?;
    if !test_mode.is_undefined() {
        config.test_mode = test_mode
            .as_bool()
            .ok_or_else(|| JsError::new("options.testMode must be a boolean"))?;
    }
    config.temp_key_expires_in = int_option(options, "tempKeyExpiresIn", 1)?;
    let keys = get(options, "rsaKeys")?;
    if !keys.is_undefined() && !keys.is_null() {
        config.rsa_keys.extend(super::args::rsa_keys(keys)?);
    }
    Ok(config)
}

/// One auth-key handshake. See the module example for the call order.
#[wasm_bindgen]
pub struct Handshake {
    config: Option<HandshakeConfig>,
    machine: Option<HandshakeMachine>,
}

#[wasm_bindgen]
impl Handshake {
    /// `options`: `dcId` (number, required), `testMode` (boolean, default false),
    /// `tempKeyExpiresIn` (seconds: a temporary key), `rsaKeys` (PEM strings trusted
    /// besides the built-in production and test keys).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> Result<Handshake, JsError> {
        Ok(Self {
            config: Some(config(options)?),
            machine: None,
        })
    }

    /// The first packet (req_pq_multi in its unencrypted envelope). Call once.
    pub fn start(&mut self) -> Result<Vec<u8>, JsError> {
        let config = self
            .config
            .take()
            .ok_or_else(|| error(AuthError::OutOfOrder("start() was already called")))?;
        let (machine, packet) =
            HandshakeMachine::start(config, &mut OsRandom, now_ms()).map_err(error)?;
        self.machine = Some(machine);
        Ok(packet)
    }

    /// Handles one server packet: returns the next packet to send, or `null` when the key is
    /// ready (`result`). A bad answer throws and closes the handshake (later calls throw
    /// `handshake closed: <first error>`).
    pub fn handle(&mut self, packet: &JsValue) -> Result<JsValue, JsError> {
        let machine = self
            .machine
            .as_mut()
            .ok_or_else(|| error(AuthError::OutOfOrder("call start() first")))?;
        let packet = bytes("packet", packet)?;
        match machine
            .handle(&packet, &mut OsRandom, now_ms())
            .map_err(error)?
        {
            Some(next) => Ok(js_sys::Uint8Array::from(next.as_slice()).into()),
            None => Ok(JsValue::NULL),
        }
    }

    /// Whether the key is ready.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.machine.as_ref().is_some_and(|m| m.result().is_some())
    }

    /// `{ authKey: Uint8Array(256), authKeyId: bigint (unsigned), serverSalt: bigint
    /// (signed, as TL long), timeOffset: number (seconds, server - local), expiresAt: number
    /// (unix seconds, temporary keys) | undefined }`, or `undefined` before the end.
    #[wasm_bindgen(getter)]
    pub fn result(&self) -> Result<JsValue, JsError> {
        match self.machine.as_ref().and_then(HandshakeMachine::result) {
            Some(r) => result_object(r),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}

fn result_object(r: &AuthResult) -> Result<JsValue, JsError> {
    let o = Object::new();
    let set = |k: &str, v: &JsValue| {
        Reflect::set(&o, &JsValue::from_str(k), v)
            .map(|_| ())
            .map_err(|_| JsError::new("cannot build the result object"))
    };
    set(
        "authKey",
        &js_sys::Uint8Array::from(&r.auth_key.as_bytes()[..]).into(),
    )?;
    set("authKeyId", &bigint(r.auth_key_id))?;
    set("serverSalt", &BigInt::from(r.server_salt).into())?;
    set("timeOffset", &JsValue::from_f64(r.time_offset as f64))?;
    let expires = r
        .expires_at
        .map_or(JsValue::UNDEFINED, |e| JsValue::from_f64(e as f64));
    set("expiresAt", &expires)?;
    Ok(o.into())
}

#[cfg(test)]
#[path = "handshake_tests.rs"]
mod tests;
