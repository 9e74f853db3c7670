//! The functions the wasm imports from `js/wasm-imports.js` (shipped as `pkg/snippets/`).
//!
//! The readers of caller values are imported with `catch`: whatever the caller's getters,
//! Proxy traps or iterators throw comes back here as an `Err`. An exception thrown through
//! the wasm instead would skip the Rust frames' cleanup and leave the object whose method was
//! running borrowed for good, so every later call on it would fail. Byte arguments come
//! through [`bytes_of`]: the glue copies what `bytesOf` returns, sized by its `length`, so
//! `bytesOf` returns only values whose `length` is the real one (see its comment).

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/wasm-imports.js")]
extern "C" {
    /// `{ salt, sessionId, msgId, seqNo, body }` built in JavaScript in one call.
    #[wasm_bindgen(js_name = decryptedMessage)]
    pub(crate) fn decrypted_message(
        salt: u64,
        session_id: u64,
        msg_id: u64,
        seq_no: i32,
        body: &[u8],
    ) -> JsValue;

    /// The kind of a value as [`Kind`] numbers it.
    #[wasm_bindgen(catch, js_name = tlKind)]
    fn tl_kind(v: &JsValue) -> Result<u32, JsValue>;

    /// A plain copy of an array (at most 2^20 items).
    #[wasm_bindgen(catch, js_name = tlItems)]
    fn tl_items(v: &JsValue) -> Result<Array, JsValue>;

    /// `[key, value]` pairs of a Map or of an object's own enumerable string keys.
    #[wasm_bindgen(catch, js_name = tlEntries)]
    fn tl_entries(v: &JsValue) -> Result<Array, JsValue>;

    /// A copy of a Uint8Array's (or an ArrayBuffer's) bytes, or `None` for other values.
    #[wasm_bindgen(catch, js_name = bytesOf)]
    fn bytes_copy(v: &JsValue, buffers: bool) -> Result<Option<Vec<u8>>, JsValue>;
}

/// What a JavaScript value is, as far as the TL conversion cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Refused,
    Bool,
    Number,
    BigInt,
    String,
    Array,
    Bytes,
    Map,
    Object,
}

/// The kind of `v`; `Err` carries what inspecting it threw.
pub(crate) fn kind(v: &JsValue) -> Result<Kind, String> {
    Ok(match tl_kind(v).map_err(|e| thrown(&e))? {
        1 => Kind::Bool,
        2 => Kind::Number,
        3 => Kind::BigInt,
        4 => Kind::String,
        5 => Kind::Array,
        6 => Kind::Bytes,
        7 => Kind::Map,
        8 => Kind::Object,
        _ => Kind::Refused,
    })
}

/// A plain copy of the array `v` (of [`Kind::Array`]); `Err` carries what reading it threw.
pub(crate) fn items(v: &JsValue) -> Result<Array, String> {
    tl_items(v).map_err(|e| thrown(&e))
}

/// The `[key, value]` pairs of `v` (of [`Kind::Map`] or [`Kind::Object`]) as plain arrays;
/// `Err` carries what reading them threw.
pub(crate) fn entries(v: &JsValue) -> Result<Array, String> {
    tl_entries(v).map_err(|e| thrown(&e))
}

/// The bytes of a Uint8Array (and, with `buffers`, of an ArrayBuffer): `Ok(None)` for any
/// other value, `Err` with what reading it threw.
pub(crate) fn bytes_of(v: &JsValue, buffers: bool) -> Result<Option<Vec<u8>>, String> {
    bytes_copy(v, buffers).map_err(|e| thrown(&e))
}

/// A thrown JavaScript value described for an error message.
fn thrown(e: &JsValue) -> String {
    let message = Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string());
    match message {
        Some(m) => format!("reading it threw: {m}"),
        None => "reading it threw an exception".into(),
    }
}
