//! TL writers: little-endian integers, `bytes`, `Bool`, vector headers.

pub use super::primitives::write_bytes;

/// `int` (also constructor ids).
#[inline(never)]
pub fn write_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// `int`.
#[inline(never)]
pub fn write_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// `long`.
#[inline(never)]
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// `double`.
#[inline(never)]
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// `Bool`.
#[inline(never)]
pub fn write_bool(out: &mut Vec<u8>, v: bool) {
    write_u32(
        out,
        if v {
            super::BOOL_TRUE_ID
        } else {
            super::BOOL_FALSE_ID
        },
    );
}

/// `string` (UTF-8 bytes, same wire form as `bytes`).
#[inline(never)]
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    write_bytes(out, s.as_bytes());
}

/// Boxed `Vector` header: the constructor id and the count.
#[inline(never)]
pub fn write_vector_header(out: &mut Vec<u8>, len: usize) {
    write_u32(out, super::VECTOR_ID);
    write_count(out, len);
}

/// Bare vector count.
#[inline(never)]
pub fn write_count(out: &mut Vec<u8>, len: usize) {
    write_u32(out, u32::try_from(len).unwrap_or(u32::MAX));
}
