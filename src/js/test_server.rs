//! `__TestServer`: **test-only**, hidden. The in-process [`TestServer`] for the Node tests of
//! the JavaScript `Client` (a fake transport hands bytes between the two). Not part of the
//! API: no stability, no security.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::args::bytes;
use super::client::{now_arg, tl_object};
use crate::auth::server::RsaPrivateKey;
use crate::client::server::TestServer;
use crate::crypto::OsRandom;

/// Test-only in-process server (see the module docs).
#[doc(hidden)]
#[wasm_bindgen(js_name = __TestServer)]
pub struct JsTestServer {
    inner: TestServer,
}

#[wasm_bindgen(js_class = __TestServer)]
impl JsTestServer {
    /// An RSA key pair as big-endian `n`, `e`, `d` (Uint8Arrays), and the DC number.
    #[wasm_bindgen(constructor)]
    pub fn new(n: &JsValue, e: &JsValue, d: &JsValue, dc_id: i32) -> Result<JsTestServer, JsError> {
        let key = RsaPrivateKey::from_components(&bytes("n", n)?, &bytes("e", e)?, &bytes("d", d)?)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Self {
            inner: TestServer::new(key, dc_id, Box::new(OsRandom)),
        })
    }

    /// A new connection.
    pub fn accept(&mut self) {
        self.inner.accept();
    }

    /// The connection closed.
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Bytes from the client; throws when the server would drop the connection.
    #[wasm_bindgen(js_name = handleBytes)]
    pub fn handle_bytes(&mut self, now: f64, chunk: &JsValue) -> Result<(), JsError> {
        let now = now_arg(now)?;
        let chunk = bytes("chunk", chunk)?;
        self.inner
            .handle_bytes(now, &chunk)
            .map_err(|e| JsError::new(&e))
    }

    /// The next bytes for the client, or null.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self) -> JsValue {
        self.inner
            .poll_transmit()
            .map_or(JsValue::NULL, |b| js_sys::Uint8Array::from(&b[..]).into())
    }

    /// The next API request gets this rpc_error.
    #[wasm_bindgen(js_name = failNext)]
    pub fn fail_next(&mut self, code: i32, message: &str) {
        self.inner.fail_next(code, message);
    }

    /// The next API request gets no answer.
    #[wasm_bindgen(js_name = holdNext)]
    pub fn hold_next(&mut self) {
        self.inner.hold_next();
    }

    /// Sends a TL object as a server-initiated message.
    #[wasm_bindgen(js_name = pushUpdate)]
    pub fn push_update(&mut self, now: f64, update: JsValue) -> Result<(), JsError> {
        let now = now_arg(now)?;
        let (_, body) = tl_object("update", update)?;
        self.inner
            .push_update(now, &body)
            .map_err(|e| JsError::new(&e))
    }

    /// Finished handshakes.
    #[wasm_bindgen(getter)]
    pub fn handshakes(&self) -> u32 {
        self.inner.handshakes()
    }

    /// API requests received (`invokeWithLayer/initConnection/help.getNearestDc`, ...).
    #[wasm_bindgen(getter)]
    pub fn requests(&self) -> Array {
        self.inner
            .requests()
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect()
    }
}
