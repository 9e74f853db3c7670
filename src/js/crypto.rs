//! `aesIgeEncrypt`, `aesIgeDecrypt`, `AesCtr256`, `sha1`, `sha256`, `factorizePq`, `modPow`.

use wasm_bindgen::prelude::*;

use super::args::{bigint, bytes, bytes_exact, error, u64_arg};
use crate::crypto;

/// AES-256-IGE encryption; returns the ciphertext (the input is not modified).
/// `data` must be a multiple of 16 bytes, `key` and `iv` 32 bytes each.
#[wasm_bindgen(js_name = aesIgeEncrypt)]
pub fn aes_ige_encrypt(data: &JsValue, key: &JsValue, iv: &JsValue) -> Result<Vec<u8>, JsError> {
    let mut data = bytes("data", data)?;
    let key = bytes_exact("key", key, 32)?;
    let iv = bytes_exact("iv", iv, 32)?;
    crypto::aes_ige_encrypt(&mut data, &key, &iv).map_err(error)?;
    Ok(data)
}

/// AES-256-IGE decryption; returns the plaintext (the input is not modified).
#[wasm_bindgen(js_name = aesIgeDecrypt)]
pub fn aes_ige_decrypt(data: &JsValue, key: &JsValue, iv: &JsValue) -> Result<Vec<u8>, JsError> {
    let mut data = bytes("data", data)?;
    let key = bytes_exact("key", key, 32)?;
    let iv = bytes_exact("iv", iv, 32)?;
    crypto::aes_ige_decrypt(&mut data, &key, &iv).map_err(error)?;
    Ok(data)
}

/// AES-256-CTR as a running stream: each `process` call continues where the last ended.
#[wasm_bindgen(js_name = AesCtr256)]
pub struct JsAesCtr256 {
    inner: crypto::AesCtr256,
}

#[wasm_bindgen(js_class = AesCtr256)]
impl JsAesCtr256 {
    /// A stream with a 32-byte key and a 16-byte iv (the initial counter block).
    #[wasm_bindgen(constructor)]
    pub fn new(key: &JsValue, iv: &JsValue) -> Result<JsAesCtr256, JsError> {
        let key = bytes_exact("key", key, 32)?;
        let iv = bytes_exact("iv", iv, 16)?;
        Ok(Self {
            inner: crypto::AesCtr256::new(&key, &iv).map_err(error)?,
        })
    }

    /// Encrypts or decrypts `data` (any length); returns the result.
    pub fn process(&mut self, data: &JsValue) -> Result<Vec<u8>, JsError> {
        let mut data = bytes("data", data)?;
        self.inner.apply(&mut data);
        Ok(data)
    }
}

/// SHA-1 of `data` (20 bytes).
#[wasm_bindgen(js_name = sha1)]
pub fn sha1(data: &JsValue) -> Result<Vec<u8>, JsError> {
    Ok(crypto::sha1(&bytes("data", data)?).to_vec())
}

/// SHA-256 of `data` (32 bytes).
#[wasm_bindgen(js_name = sha256)]
pub fn sha256(data: &JsValue) -> Result<Vec<u8>, JsError> {
    Ok(crypto::sha256(&bytes("data", data)?).to_vec())
}

/// Splits the handshake's pq (a bigint below 2^64) into `[p, q]` with p <= q.
#[wasm_bindgen(js_name = factorizePq)]
pub fn factorize_pq(pq: &JsValue) -> Result<js_sys::Array, JsError> {
    let pq = u64_arg("pq", pq)?;
    let (p, q) = crypto::factorize_pq(pq).map_err(error)?;
    Ok(js_sys::Array::of2(&bigint(p), &bigint(q)))
}

/// base^exponent mod modulus over big-endian byte strings; the result has the modulus'
/// length.
#[wasm_bindgen(js_name = modPow)]
pub fn mod_pow(base: &JsValue, exponent: &JsValue, modulus: &JsValue) -> Result<Vec<u8>, JsError> {
    let base = bytes("base", base)?;
    let exponent = bytes("exponent", exponent)?;
    let modulus = bytes("modulus", modulus)?;
    crypto::mod_pow(&base, &exponent, &modulus).map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use js_sys::Uint8Array;
    use wasm_bindgen_test::wasm_bindgen_test;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn u8a(bytes: &[u8]) -> JsValue {
        Uint8Array::from(bytes).into()
    }

    fn message(e: JsError) -> String {
        js_sys::Error::from(JsValue::from(e)).message().into()
    }

    #[wasm_bindgen_test]
    fn ige_round_trip_through_js_values() {
        let ct = aes_ige_encrypt(&u8a(&[1; 32]), &u8a(&[2; 32]), &u8a(&[3; 32])).unwrap();
        let pt = aes_ige_decrypt(&u8a(&ct), &u8a(&[2; 32]), &u8a(&[3; 32])).unwrap();
        assert_eq!(pt, [1; 32]);
    }

    #[wasm_bindgen_test]
    fn bad_arguments_are_errors_with_their_name() {
        let e = aes_ige_encrypt(&u8a(&[0; 16]), &u8a(&[0; 31]), &u8a(&[0; 32])).unwrap_err();
        assert_eq!(message(e), "key must be 32 bytes, got 31 bytes");
        let e = aes_ige_encrypt(&JsValue::from_str("x"), &u8a(&[0; 32]), &u8a(&[0; 32]));
        assert_eq!(message(e.unwrap_err()), "data must be a Uint8Array");
        let e = aes_ige_decrypt(&u8a(&[0; 15]), &u8a(&[0; 32]), &u8a(&[0; 32])).unwrap_err();
        assert!(message(e).contains("multiple of 16"));
        assert!(JsAesCtr256::new(&u8a(&[0; 32]), &u8a(&[0; 15])).is_err());
        assert!(factorize_pq(&JsValue::from(js_sys::BigInt::from(1u64))).is_err());
        assert!(factorize_pq(&JsValue::from_str("15")).is_err());
        assert!(factorize_pq(&JsValue::from_f64(-3.0)).is_err());
        assert!(factorize_pq(&JsValue::from_f64(1.5)).is_err());
    }

    #[wasm_bindgen_test]
    fn factorize_returns_bigints_in_order() {
        let r = factorize_pq(&JsValue::from(js_sys::BigInt::from(
            0x17ED_4894_1A08_F981u64,
        )))
        .unwrap();
        assert_eq!(u64::try_from(r.get(0)).unwrap(), 0x494C_553B);
        assert_eq!(u64::try_from(r.get(1)).unwrap(), 0x5391_1073);
        let r = factorize_pq(&JsValue::from_f64(15.0)).unwrap();
        assert_eq!(u64::try_from(r.get(0)).unwrap(), 3);
    }

    #[wasm_bindgen_test]
    fn ctr_is_a_running_stream() {
        let mut whole = JsAesCtr256::new(&u8a(&[5; 32]), &u8a(&[6; 16])).unwrap();
        let all = whole.process(&u8a(&[0; 40])).unwrap();
        let mut split = JsAesCtr256::new(&u8a(&[5; 32]), &u8a(&[6; 16])).unwrap();
        let mut parts = split.process(&u8a(&[0; 7])).unwrap();
        parts.extend(split.process(&u8a(&[0; 33])).unwrap());
        assert_eq!(all, parts);
    }
}
