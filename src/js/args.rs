//! Checked conversions of JavaScript arguments.

use js_sys::BigInt;
use wasm_bindgen::prelude::*;

/// The bytes of a `Uint8Array` argument, or an error naming it.
pub(crate) fn bytes(name: &str, value: &JsValue) -> Result<Vec<u8>, JsError> {
    match super::imports::bytes_of(value, false) {
        Ok(Some(b)) => Ok(b),
        Ok(None) => Err(JsError::new(&format!("{name} must be a Uint8Array"))),
        Err(e) => Err(JsError::new(&format!("{name}: {e}"))),
    }
}

/// The bytes of a `Uint8Array` argument that must have exactly `len` bytes.
pub(crate) fn bytes_exact(name: &str, value: &JsValue, len: usize) -> Result<Vec<u8>, JsError> {
    let b = bytes(name, value)?;
    if b.len() != len {
        return Err(JsError::new(&format!(
            "{name} must be {len} bytes, got {} bytes",
            b.len()
        )));
    }
    Ok(b)
}

/// An unsigned 64-bit integer given as a `bigint` (or a non-negative safe-integer number).
pub(crate) fn u64_arg(name: &str, value: &JsValue) -> Result<u64, JsError> {
    if let Some(n) = value.as_f64() {
        if n.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&n) {
            return Ok(n as u64);
        }
        return Err(JsError::new(&format!(
            "{name} must be a non-negative integer"
        )));
    }
    if value.is_bigint() {
        return u64::try_from(value.clone())
            .map_err(|_| JsError::new(&format!("{name} must be between 0 and 2^64 - 1")));
    }
    Err(JsError::new(&format!("{name} must be a bigint")))
}

/// A `bigint` for JavaScript.
pub(crate) fn bigint(v: u64) -> JsValue {
    BigInt::from(v).into()
}

/// A core error as a JavaScript `Error`.
pub(crate) fn error(e: impl core::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// `options.rsaKeys`: an array of PEM strings (PKCS#1 or SPKI), each parsed; the error
/// names the bad entry.
pub(crate) fn rsa_keys(keys: JsValue) -> Result<Vec<crate::crypto::RsaPublicKey>, JsError> {
    use super::imports::{self, Kind};
    let read = |e: String| JsError::new(&format!("options.rsaKeys: {e}"));
    if imports::kind(&keys).map_err(read)? != Kind::Array {
        return Err(JsError::new(
            "options.rsaKeys must be an array of PEM strings",
        ));
    }
    let keys = imports::items(&keys).map_err(read)?;
    let mut out = Vec::new();
    for (i, pem) in keys.iter().enumerate() {
        let pem = pem
            .as_string()
            .ok_or_else(|| JsError::new(&format!("options.rsaKeys[{i}] must be a string")))?;
        let key = crate::crypto::RsaPublicKey::from_pem(&pem)
            .map_err(|e| JsError::new(&format!("options.rsaKeys[{i}]: {e}")))?;
        out.push(key);
    }
    Ok(out)
}
