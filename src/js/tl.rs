//! JavaScript surface of the TL engine: `tlEncode`, `tlDecode`, `tlDecodeResult`, `API_LAYER`,
//! and what the JavaScript TL reader and writer (`js/tl-reader.js`, `js/tl-writer.js`) need
//! from the compiled schema.
//!
//! Objects follow the convention documented in `crate::tl::value`: `{ _: 'name', ... }`,
//! `long` as bigint, `int`/`double` as number, bytes as Uint8Array. `API_LAYER` is exported
//! as a function (`API_LAYER()`), because wasm-bindgen cannot export a constant number.

use super::args;
use super::value::{from_js, to_js};
use crate::tl;
use wasm_bindgen::prelude::*;

/// Encodes a TL object (`{ _: 'messages.sendMessage', ... }`) to its boxed bytes.
#[wasm_bindgen(js_name = tlEncode)]
pub fn tl_encode(obj: JsValue) -> Result<Vec<u8>, JsError> {
    let v = from_js(&obj).map_err(|e| JsError::new(&e))?;
    tl::encode_value(&v).map_err(|e| JsError::new(&e.to_string()))
}

/// Decodes boxed TL bytes into an object.
#[wasm_bindgen(js_name = tlDecode)]
pub fn tl_decode(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &JsValue,
) -> Result<JsValue, JsError> {
    let v = tl::decode_value(&args::bytes("bytes", bytes)?)
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(to_js(&v))
}

/// Decodes the result of `method` (needed for results such as `Vector<long>`).
#[wasm_bindgen(js_name = tlDecodeResult)]
pub fn tl_decode_result(
    method: &str,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: &JsValue,
) -> Result<JsValue, JsError> {
    let v = tl::decode_result(method, &args::bytes("bytes", bytes)?)
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(to_js(&v))
}

/// The id tables of the compiled schema for the JavaScript TL reader (`js/tl-reader.js`;
/// layout in `src/tl/layout.rs`).
#[wasm_bindgen(js_name = tlReaderTables)]
pub fn tl_reader_tables() -> Result<Vec<u32>, JsError> {
    tl::layout::reader_tables().map_err(|e| JsError::new(&e.to_string()))
}

/// The name, part and fields of the constructor at `index` for the JavaScript TL reader
/// (`src/tl/layout.rs`).
#[wasm_bindgen(js_name = tlCtorLayout)]
pub fn tl_ctor_layout(index: u32) -> Result<String, JsError> {
    tl::layout::ctor_layout(index).ok_or_else(|| JsError::new("no TL constructor at this index"))
}

/// The part and result type of `method` for the JavaScript TL reader (`src/tl/layout.rs`).
#[wasm_bindgen(js_name = tlResultLayout)]
pub fn tl_result_layout(method: &str) -> Result<String, JsError> {
    tl::layout::result_layout(method).map_err(|e| JsError::new(&e.to_string()))
}

/// Each part's constructor names for the JavaScript TL writer (`src/tl/layout.rs`).
#[wasm_bindgen(js_name = tlNameTables)]
pub fn tl_name_tables() -> Result<String, JsError> {
    tl::layout::name_tables().map_err(|e| JsError::new(&e.to_string()))
}

/// The data of a `gzip_packed`: at most `limit` bytes inflated (default and most 16 MiB,
/// as the Rust decoder allows in one decode).
#[wasm_bindgen(js_name = tlGunzip)]
pub fn tl_gunzip(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] packed: &JsValue,
    limit: Option<u32>,
) -> Result<Vec<u8>, JsError> {
    let packed = args::bytes("packed", packed)?;
    let cap = limit.map_or(tl::gzip::MAX_INFLATED, |l| {
        usize::try_from(l).map_or(tl::gzip::MAX_INFLATED, |l| l.min(tl::gzip::MAX_INFLATED))
    });
    tl::gzip::gunzip(&packed, cap).map_err(|e| JsError::new(&e.to_string()))
}

/// The API layer of the compiled-in schema (a function: `API_LAYER()`).
#[wasm_bindgen(js_name = API_LAYER)]
pub fn api_layer() -> u32 {
    tl::API_LAYER
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
    wasm_bindgen_test_configure!(run_in_browser);

    fn get(o: &JsValue, k: &str) -> JsValue {
        js_sys::Reflect::get(o, &JsValue::from_str(k)).unwrap()
    }

    #[wasm_bindgen_test]
    fn js_objects_follow_the_convention() {
        let obj = js_sys::eval(
            "({ _: 'messages.sendMessage', peer: { _: 'inputPeerUser', user_id: 5n, access_hash: 7 }, \
               message: 'hi', random_id: 1n, silent: true, reply_to: undefined, \
               entities: [{ _: 'messageEntityBold', offset: 0, length: 2 }] })",
        )
        .unwrap();
        let bytes = tl_encode(obj).ok().unwrap();
        let back = tl_decode(&js_sys::Uint8Array::from(&bytes[..]).into())
            .ok()
            .unwrap();
        assert_eq!(get(&back, "_").as_string().unwrap(), "messages.sendMessage");
        assert!(get(&back, "random_id").is_bigint());
        assert!(get(&get(&back, "peer"), "access_hash").is_bigint());
        assert_eq!(get(&back, "message").as_string().unwrap(), "hi");
        assert_eq!(get(&back, "silent").as_bool(), Some(true));
        assert_eq!(get(&back, "noforwards").as_bool(), Some(false));
        assert!(get(&back, "reply_to").is_undefined());
        assert!(get(&back, "flags").is_undefined());
        let entities = get(&back, "entities");
        assert!(js_sys::Array::is_array(&entities));
        assert_eq!(
            get(&js_sys::Array::from(&entities).get(0), "length").as_f64(),
            Some(2.0)
        );
        // re-encoding what was decoded gives the same bytes
        assert_eq!(tl_encode(back).ok().unwrap(), bytes);
    }

    #[wasm_bindgen_test]
    fn bytes_are_uint8array_and_plain_arrays_are_accepted() {
        let obj =
            js_sys::eval("({ _: 'req_pq_multi', nonce: [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15] })")
                .unwrap();
        let bytes = tl_encode(obj).ok().unwrap();
        let back = tl_decode(&js_sys::Uint8Array::from(&bytes[..]).into())
            .ok()
            .unwrap();
        assert!(get(&back, "nonce").is_instance_of::<js_sys::Uint8Array>());
        assert_eq!(tl_encode(back).ok().unwrap(), bytes);
        // errors are JS errors with the field path
        let bad =
            js_sys::eval("({ _: 'messages.sendMessage', message: 'x', random_id: 1n })").unwrap();
        assert!(tl_encode(bad).is_err());
        assert_eq!(api_layer(), 223);
    }
}
