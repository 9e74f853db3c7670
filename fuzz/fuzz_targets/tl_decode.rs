//! The dynamic TL decoder on arbitrary bytes: never panics; whatever decodes re-encodes,
//! and the re-encoding decodes to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtproto_wasm::tl;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = tl::decode_value(data) {
        let bytes = tl::encode_value(&value).expect("a decoded value re-encodes");
        let again = tl::decode_value(&bytes).expect("a re-encoded value decodes");
        assert_eq!(again, value, "decode(encode(v)) == v");
    }
    let _ = tl::decode_value_prefix(data);
    let _ = tl::gzip::gunzip(data, 1 << 20);
});
