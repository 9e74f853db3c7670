//! AES-256 in Infinite Garble Extension mode, as MTProto uses it.
//!
//! ```text
//!   c[i] = E(p[i] ^ c[i-1]) ^ p[i-1]        p[i] = D(c[i] ^ p[i-1]) ^ c[i-1]
//!   iv (32 bytes) = c[-1] (16 bytes) || p[-1] (16 bytes)   (OpenSSL / tgcrypto layout)
//! ```
//! Spec: <https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector>.

use aes::Aes256;
use aes::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use zeroize::Zeroize;

use super::{CryptoError, exact};

fn check(data: &[u8], key: &[u8], iv: &[u8]) -> Result<(Aes256, [u8; 32]), CryptoError> {
    let key: &[u8; 32] = exact("AES-256-IGE key", "32 bytes", key)?;
    let iv: &[u8; 32] = exact("AES-256-IGE iv", "32 bytes", iv)?;
    if data.len() % 16 != 0 {
        return Err(CryptoError::WrongLength {
            what: "AES-256-IGE data",
            expected: "a multiple of 16 bytes",
            got: data.len(),
        });
    }
    Ok((Aes256::new(&Array::from(*key)), *iv))
}

fn xor16(a: &mut [u8; 16], b: &[u8; 16]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x ^= y;
    }
}

/// Encrypts `data` in place with AES-256-IGE. `data.len()` must be a multiple of 16,
/// `key` and `iv` 32 bytes each.
pub fn aes_ige_encrypt(data: &mut [u8], key: &[u8], iv: &[u8]) -> Result<(), CryptoError> {
    let (cipher, mut iv) = check(data, key, iv)?;
    let (mut prev_c, mut prev_p) = split_iv(&iv);
    for chunk in data.chunks_exact_mut(16) {
        let mut p = [0u8; 16];
        p.copy_from_slice(chunk);
        let mut block = p;
        xor16(&mut block, &prev_c);
        let mut b = Array::from(block);
        cipher.encrypt_block(&mut b);
        let mut c: [u8; 16] = b.into();
        xor16(&mut c, &prev_p);
        chunk.copy_from_slice(&c);
        prev_c = c;
        prev_p = p;
    }
    prev_p.zeroize();
    iv.zeroize();
    Ok(())
}

/// Decrypts `data` in place with AES-256-IGE. Same sizes as [`aes_ige_encrypt`].
pub fn aes_ige_decrypt(data: &mut [u8], key: &[u8], iv: &[u8]) -> Result<(), CryptoError> {
    let (cipher, mut iv) = check(data, key, iv)?;
    let (mut prev_c, mut prev_p) = split_iv(&iv);
    for chunk in data.chunks_exact_mut(16) {
        let mut c = [0u8; 16];
        c.copy_from_slice(chunk);
        let mut block = c;
        xor16(&mut block, &prev_p);
        let mut b = Array::from(block);
        cipher.decrypt_block(&mut b);
        let mut p: [u8; 16] = b.into();
        xor16(&mut p, &prev_c);
        chunk.copy_from_slice(&p);
        prev_c = c;
        prev_p = p;
    }
    prev_p.zeroize();
    iv.zeroize();
    Ok(())
}

fn split_iv(iv: &[u8; 32]) -> ([u8; 16], [u8; 16]) {
    let mut c = [0u8; 16];
    let mut p = [0u8; 16];
    c.copy_from_slice(&iv[..16]);
    p.copy_from_slice(&iv[16..]);
    (c, p)
}

#[cfg(test)]
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
