//! TL (Type Language): binary serialization, schemas, a dynamic codec and typed structs.
//!
//! Spec: <https://core.telegram.org/mtproto/serialize>, <https://core.telegram.org/mtproto/TL>.
//!
//! - [`Reader`] and [`writer`]: the binary primitives (`int`, `long`, `double`, `int128`,
//!   `int256`, `bytes`/`string`, `Bool`, vectors).
//! - [`schema`]: the schema text parser (with constructor-id computation) and the compiled
//!   schema: API layer [`API_LAYER`] + MTProto service + end-to-end.
//! - [`encode_value`] / [`decode_value`]: the schema-driven codec over [`Value`], which maps
//!   one to one onto the JavaScript object convention (see [`value`]).
//! - [`mtproto`] and [`secret`]: typed structs generated at build time from the same
//!   schema text, for the core's own messages.
//! - [`gzip`]: `gzip_packed` with an inflate cap.
//! - [`layout`]: the compiled schema described for the JavaScript TL reader.
//!
//! The JavaScript object convention and the schema sources are described in `docs/tl.md`.
// Reads network bytes (and the schema blob, and schema text from callers): no indexing
// that can panic, no arithmetic that can overflow (docs/limits.md, "Panics and arithmetic").
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

pub mod codec;
pub mod error;
mod generated;
pub mod gzip;
pub mod layout;
pub mod primitives;
pub mod reader;
pub mod schema;
pub mod value;
pub mod writer;

pub use codec::{
    decode_result, decode_value, decode_value_in, decode_value_prefix, encode_value,
    encode_value_in,
};
pub use error::TlError;
pub use generated::{API_LAYER, mtproto, secret};
pub use reader::Reader;
pub use value::{Object, Value};

/// Deepest nesting of objects and vectors the codec accepts.
pub const MAX_DEPTH: usize = 64;
/// `boolTrue#997275b5 = Bool`.
pub const BOOL_TRUE_ID: u32 = 0x9972_75b5;
/// `boolFalse#bc799737 = Bool`.
pub const BOOL_FALSE_ID: u32 = 0xbc79_9737;
/// `vector#1cb5c415 {t:Type} # [ t ] = Vector t`.
pub const VECTOR_ID: u32 = 0x1cb5_c415;
/// `gzip_packed#3072cfa1 packed_data:bytes = Object`.
pub const GZIP_PACKED_ID: u32 = mtproto::types::GzipPacked::CONSTRUCTOR_ID;

/// A value with a boxed (id-prefixed) serialization.
pub trait Serializable {
    /// Appends the boxed serialization.
    fn serialize(&self, out: &mut Vec<u8>);

    /// The boxed serialization as a new buffer.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.serialize(&mut out);
        out
    }
}

/// A value that can be read from its boxed serialization.
pub trait Deserializable: Sized {
    /// Reads one boxed value.
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, TlError>;

    /// Reads exactly one boxed value; trailing bytes are an error.
    fn from_bytes(bytes: &[u8]) -> Result<Self, TlError> {
        let mut r = Reader::new(bytes);
        let v = Self::deserialize(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

/// A constructor's bare form (fields only, no id).
pub trait BareSerializable: Sized {
    /// Appends the fields.
    fn serialize_bare(&self, out: &mut Vec<u8>);
    /// Reads the fields.
    fn deserialize_bare(r: &mut Reader<'_>) -> Result<Self, TlError>;
}

/// A type with one constructor id.
pub trait Identifiable {
    /// The constructor id.
    const CONSTRUCTOR_ID: u32;
}

/// A function (query) and the type of its answer.
pub trait RemoteCall: Serializable {
    /// What the server answers.
    type Return: Deserializable;
}
