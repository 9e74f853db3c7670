//! AES-256 in Infinite Garble Extension mode, as MTProto uses it.
//!
//! ```text
//!   c[i] = E(p[i] ^ c[i-1]) ^ p[i-1]        p[i] = D(c[i] ^ p[i-1]) ^ c[i-1]
//!   iv (32 bytes) = c[-1] (16 bytes) || p[-1] (16 bytes)   (OpenSSL / tgcrypto layout)
//! ```
//! Spec: <https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector>.
//!
//! The block loop lives with the cipher backend (`block::ige_encrypt`), so the SIMD backend
//! keeps the chaining values in vector registers.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::block;
use super::{CryptoError, exact};

fn check<'a>(
    data: &[u8],
    key: &'a [u8],
    iv: &'a [u8],
) -> Result<(&'a [u8; 32], &'a [u8; 32]), CryptoError> {
    let key: &[u8; 32] = exact("AES-256-IGE key", "32 bytes", key)?;
    let iv: &[u8; 32] = exact("AES-256-IGE iv", "32 bytes", iv)?;
    if data.len() % 16 != 0 {
        return Err(CryptoError::WrongLength {
            what: "AES-256-IGE data",
            expected: "a multiple of 16 bytes",
            got: data.len(),
        });
    }
    Ok((key, iv))
}

/// Encrypts `data` in place with AES-256-IGE. `data.len()` must be a multiple of 16,
/// `key` and `iv` 32 bytes each.
pub fn aes_ige_encrypt(data: &mut [u8], key: &[u8], iv: &[u8]) -> Result<(), CryptoError> {
    let (key, iv) = check(data, key, iv)?;
    block::ige_encrypt(key, iv, data);
    Ok(())
}

/// Decrypts `data` in place with AES-256-IGE. Same sizes as [`aes_ige_encrypt`].
pub fn aes_ige_decrypt(data: &mut [u8], key: &[u8], iv: &[u8]) -> Result<(), CryptoError> {
    let (key, iv) = check(data, key, iv)?;
    block::ige_decrypt(key, iv, data);
    Ok(())
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_sizes() {
        let mut d = [0u8; 17];
        assert!(matches!(
            aes_ige_encrypt(&mut d, &[0; 32], &[0; 32]),
            Err(CryptoError::WrongLength { got: 17, .. })
        ));
        let mut d = [0u8; 16];
        assert!(aes_ige_encrypt(&mut d, &[0; 31], &[0; 32]).is_err());
        assert!(aes_ige_decrypt(&mut d, &[0; 32], &[0; 33]).is_err());
        let mut empty: [u8; 0] = [];
        assert!(aes_ige_encrypt(&mut empty, &[0; 32], &[0; 32]).is_ok());
    }

    #[test]
    fn round_trip() {
        let key = [7u8; 32];
        let iv = [9u8; 32];
        let orig: Vec<u8> = (0..160u8).collect();
        let mut d = orig.clone();
        aes_ige_encrypt(&mut d, &key, &iv).unwrap();
        assert_ne!(d, orig);
        aes_ige_decrypt(&mut d, &key, &iv).unwrap();
        assert_eq!(d, orig);
    }
}
