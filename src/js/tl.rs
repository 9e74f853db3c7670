//! JavaScript surface of the TL engine: `tlEncode`, `tlDecode`, `tlDecodeResult`, `API_LAYER`.
//!
//! Objects follow the convention documented in `crate::tl::value`: `{ _: 'name', ... }`,
//! `long` as bigint, `int`/`double` as number, bytes as Uint8Array. `API_LAYER` is exported
//! as a function (`API_LAYER()`), because wasm-bindgen cannot export a constant number.

use crate::tl::{self, Value};
use wasm_bindgen::prelude::*;

fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::new()
        .serialize_large_number_types_as_bigints(true)
        .serialize_maps_as_objects(true)
}

fn to_js(v: &Value) -> Result<JsValue, JsError> {
    serde::Serialize::serialize(v, &serializer()).map_err(|e| JsError::new(&e.to_string()))
}

/// Encodes a TL object (`{ _: 'messages.sendMessage', ... }`) to its boxed bytes.
#[wasm_bindgen(js_name = tlEncode)]
pub fn tl_encode(obj: JsValue) -> Result<Vec<u8>, JsError> {
    let v: Value = serde_wasm_bindgen::from_value(obj).map_err(|e| JsError::new(&e.to_string()))?;
    tl::encode_value(&v).map_err(|e| JsError::new(&e.to_string()))
}

/// Decodes boxed TL bytes into an object.
#[wasm_bindgen(js_name = tlDecode)]
pub fn tl_decode(bytes: &[u8]) -> Result<JsValue, JsError> {
    let v = tl::decode_value(bytes).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&v)
}

/// Decodes the result of `method` (needed for results such as `Vector<long>`).
#[wasm_bindgen(js_name = tlDecodeResult)]
pub fn tl_decode_result(method: &str, bytes: &[u8]) -> Result<JsValue, JsError> {
    let v = tl::decode_result(method, bytes).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&v)
}

/// The API layer of the compiled-in schema (a function: `API_LAYER()`).
#[wasm_bindgen(js_name = API_LAYER)]
pub fn api_layer() -> u32 {
    tl::API_LAYER
}
