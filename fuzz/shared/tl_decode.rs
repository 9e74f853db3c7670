//! The body of the `tl_decode` target, shared with `tests/fuzz_seeds.rs` (which runs the
//! structured seeds through it natively). Each input is fed twice: as bytes, and as a
//! [`crate::tl_shapes`] program whose TL is fed the same way.
//!
//! The dynamic TL decoder never panics; whatever decodes re-encodes, and the re-encoding
//! decodes to the same value. The one documented exception (docs/tl.md, "Name clashes"): a
//! value holding a constructor whose name another schema also uses (the service `message`
//! and the API `message`, end-to-end and API `photoCachedSize`, ...) encodes by name in the
//! API-first order, so it may fail to encode or come back as the other constructor. Such a
//! value must still encode or fail without a panic.

use mtproto_wasm::tl::{self, Value, schema::Schema};

/// Whether `v` holds an object whose name more than one schema part defines.
fn has_shared_name(v: &Value) -> bool {
    match v {
        Value::Object(o) => {
            let parts = Schema::get().map_or(0, |s| {
                s.parts
                    .iter()
                    .filter(|p| p.by_name.contains_key(o.name.as_str()))
                    .count()
            });
            parts > 1 || o.fields.iter().any(|(_, f)| has_shared_name(f))
        }
        Value::Vector(items) => items.iter().any(has_shared_name),
        _ => false,
    }
}

/// The checks on one input.
pub fn check(data: &[u8]) {
    if let Ok(value) = tl::decode_value(data) {
        let again = tl::encode_value(&value).map(|bytes| tl::decode_value(&bytes));
        match again {
            Ok(Ok(again)) if again == value => {}
            Ok(Ok(_)) => assert!(has_shared_name(&value), "decode(encode(v)) == v"),
            Ok(Err(e)) => panic!("a re-encoded value decodes: {e}"),
            Err(e) => assert!(has_shared_name(&value), "a decoded value re-encodes: {e}"),
        }
    }
    let _ = tl::decode_value_prefix(data);
    let _ = tl::gzip::gunzip(data, 1 << 20);
}

/// The target: the input as bytes, then as a program.
pub fn run(data: &[u8]) {
    check(data);
    check(&crate::tl_shapes::build(data));
}
