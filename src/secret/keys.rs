//! A secret chat's shared key: its fingerprint and its visualization.
//!
//! ```text
//!   key             = pow(g_a, b) mod dh_prime, left-padded to 256 bytes
//!   key_fingerprint = SHA1(key)[12..20] as a little-endian int64
//!   visualization   = SHA1(key)[0..16] ++ SHA256(key)[0..20]      (36 bytes)
//!   picture         = 12 x 12 cells, 2 bits each, least significant bits first
//! ```
//! Spec: <https://core.telegram.org/api/end-to-end#key-generation>,
//! <https://core.telegram.org/api/end-to-end#key-visualization>.

use crate::crypto::{AuthKey, sha1, sha256};

/// Colours of the four 2-bit values of the key picture, as on the official clients.
pub const PICTURE_COLOURS: [&str; 4] = ["#ffffff", "#d5e6f3", "#2d5775", "#2f99c9"];

/// key_fingerprint of a secret chat key: bytes 12..20 of SHA1(key), little-endian.
pub fn key_fingerprint(key: &AuthKey) -> i64 {
    // Same bytes as auth_key_id.
    key.id() as i64
}

/// The 36-byte visualization hash: SHA1(key)[0..16] ++ SHA256(key)[0..20].
pub fn visualization_hash(key: &AuthKey) -> [u8; 36] {
    let a = sha1(key.as_bytes());
    let b = sha256(key.as_bytes());
    let mut out = [0u8; 36];
    out[..16].copy_from_slice(&a[..16]);
    out[16..].copy_from_slice(&b[..20]);
    out
}

/// The 12x12 picture: 144 values in 0..=3, row by row, taken two bits at a time from the
/// first 36 bytes of the hash, least significant bits first.
pub fn visualization_grid(hash: &[u8; 36]) -> [[u8; 12]; 12] {
    let mut grid = [[0u8; 12]; 12];
    for (i, cell) in grid.iter_mut().flatten().enumerate() {
        let byte = hash.get(i / 4).copied().unwrap_or(0);
        *cell = (byte >> ((i & 3) << 1)) & 3;
    }
    grid
}

/// Lower-case hex of the hash.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    let digit = |d: u8| char::from_digit(u32::from(d), 16).unwrap_or('0'); // d < 16
    for b in bytes {
        s.push(digit(b >> 4));
        s.push(digit(b & 15));
    }
    s
}
