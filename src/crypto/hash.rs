//! SHA-1 and SHA-256 (RustCrypto), with helpers for the concatenations MTProto hashes.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use sha1::{Digest, Sha1};
use sha2::Sha256;

/// SHA-1 of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// SHA-1 of the concatenation of `parts`, without building it.
pub fn sha1_concat(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-256 of the concatenation of `parts`, without building it.
pub fn sha256_concat(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    // FIPS 180-2 appendix examples ("abc").
    #[test]
    fn fips_abc() {
        assert_eq!(
            hex::encode(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha1_concat(&[b"a", b"", b"bc"]), sha1(b"abc"));
        assert_eq!(sha256_concat(&[b"ab", b"c"]), sha256(b"abc"));
    }
}
