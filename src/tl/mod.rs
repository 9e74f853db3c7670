//! TL (Type Language) binary serialization.
//!
//! Spec: <https://core.telegram.org/mtproto/serialize>.

pub mod primitives;
