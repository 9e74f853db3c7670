//! MTProto 1.0 message key and AES key/iv derivation, kept only for auth.bindTempAuthKey,
//! whose `encrypted_message` is still encrypted "using the MTProto v1 scheme".
//!
//! ```text
//!   msg_key = substr(SHA1(plaintext without padding), 4, 16)
//!   sha1_a = SHA1(msg_key + substr(auth_key, x, 32))
//!   sha1_b = SHA1(substr(auth_key, 32+x, 16) + msg_key + substr(auth_key, 48+x, 16))
//!   sha1_c = SHA1(substr(auth_key, 64+x, 32) + msg_key)
//!   sha1_d = SHA1(msg_key + substr(auth_key, 96+x, 32))
//!   aes_key = substr(sha1_a, 0, 8) + substr(sha1_b, 8, 12) + substr(sha1_c, 4, 12)
//!   aes_iv  = substr(sha1_a, 8, 12) + substr(sha1_b, 0, 8) + substr(sha1_c, 16, 4)
//!             + substr(sha1_d, 0, 8)
//! ```
//! Spec: <https://core.telegram.org/method/auth.bindTempAuthKey>,
//! <https://core.telegram.org/api/pfs>.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use zeroize::Zeroize;

use super::hash::sha1_concat;
use super::{AuthKey, CryptoError, MessageKeys, Side, aes_ige_decrypt, aes_ige_encrypt, sha1};

/// MTProto 1.0 msg_key: "the lower 128 bits of the SHA1 of the plaintext" (unpadded).
pub fn msg_key_v1(unpadded_plaintext: &[u8]) -> [u8; 16] {
    let h = sha1(unpadded_plaintext);
    let mut out = [0u8; 16];
    out.copy_from_slice(&h[4..20]);
    out
}

/// MTProto 1.0 aes_key and aes_iv for `msg_key` sent by `side`.
// The auth key is a [u8; 256] and x = side.x() is 0 or 8 (an enum, never input), so every
// range below is fixed by the spec and ends at most at 128 + 8 <= 256.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub fn derive_aes_key_iv_v1(auth_key: &AuthKey, msg_key: &[u8; 16], side: Side) -> MessageKeys {
    let x = side.x();
    let k = auth_key.as_bytes();
    let mut a = sha1_concat(&[msg_key, &k[x..x + 32]]);
    let mut b = sha1_concat(&[&k[32 + x..48 + x], msg_key, &k[48 + x..64 + x]]);
    let mut c = sha1_concat(&[&k[64 + x..96 + x], msg_key]);
    let mut d = sha1_concat(&[msg_key, &k[96 + x..128 + x]]);
    let mut keys = MessageKeys {
        key: [0; 32],
        iv: [0; 32],
    };
    keys.key[..8].copy_from_slice(&a[..8]);
    keys.key[8..20].copy_from_slice(&b[8..20]);
    keys.key[20..].copy_from_slice(&c[4..16]);
    keys.iv[..12].copy_from_slice(&a[8..20]);
    keys.iv[12..20].copy_from_slice(&b[..8]);
    keys.iv[20..24].copy_from_slice(&c[16..20]);
    keys.iv[24..].copy_from_slice(&d[..8]);
    a.zeroize();
    b.zeroize();
    c.zeroize();
    d.zeroize();
    keys
}

/// Encrypts `plaintext` (unpadded) with `padding` appended (its length must bring the total
/// to a multiple of 16): returns auth_key_id (8) ‖ msg_key (16) ‖ AES-256-IGE(data).
pub fn encrypt_v1(
    auth_key: &AuthKey,
    side: Side,
    plaintext: &[u8],
    padding: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let msg_key = msg_key_v1(plaintext);
    let keys = derive_aes_key_iv_v1(auth_key, &msg_key, side);
    let mut data = zeroize::Zeroizing::new(Vec::with_capacity(
        plaintext.len().saturating_add(padding.len()),
    ));
    data.extend_from_slice(plaintext);
    data.extend_from_slice(padding);
    aes_ige_encrypt(&mut data, &keys.key, &keys.iv)?;
    let mut out = Vec::with_capacity(data.len().saturating_add(24));
    out.extend_from_slice(&auth_key.id().to_le_bytes());
    out.extend_from_slice(&msg_key);
    out.extend_from_slice(&data);
    Ok(out)
}

/// A decrypted MTProto 1.0 packet: (auth_key_id, msg_key, padded plaintext).
pub type DecryptedV1 = (u64, [u8; 16], zeroize::Zeroizing<Vec<u8>>);

/// Decrypts an MTProto 1.0 packet: returns (auth_key_id, msg_key, padded plaintext). The
/// caller checks auth_key_id and, once it knows the unpadded length, msg_key.
pub fn decrypt_v1(
    auth_key: &AuthKey,
    side: Side,
    packet: &[u8],
) -> Result<DecryptedV1, CryptoError> {
    let (head, body) = packet
        .split_first_chunk::<24>()
        .ok_or(CryptoError::WrongLength {
            what: "MTProto 1.0 packet",
            expected: "at least 24 bytes",
            got: packet.len(),
        })?;
    let mut id = [0u8; 8];
    id.copy_from_slice(&head[..8]);
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&head[8..24]);
    let keys = derive_aes_key_iv_v1(auth_key, &msg_key, side);
    let mut data = zeroize::Zeroizing::new(body.to_vec());
    aes_ige_decrypt(&mut data, &keys.key, &keys.iv)?;
    Ok((u64::from_le_bytes(id), msg_key, data))
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    // Expected bytes computed independently with Python: hashlib.sha1 for the derivation
    // above and tgcrypto.ige256_encrypt(pt + pad, key, iv), for auth_key = bytes(range(256)),
    // pt = bytes((i*7+3) & 0xff for i in range(40)), pad = bytes(range(8)), x = 0.
    const KEY_HEX: &str = "6ec888dc2a25df39787744ce146b37866e02ca3d09b9457eaff1b5bb8c4fae48";
    const IV_HEX: &str = "755ecde0271d00e008798a2772bb851fcd18140f82bad09c995257f8cde2e29b";
    const PACKET_HEX: &str = "32d1586ea457dfc830f827e5c7a66cd81d79c1d2df12ea6b6eabf24e5036bee1\
        e9f17d88fe720ad92a899208e387f68bd047ec0733ed86065043245562fa67c43245b9b21251961a";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    fn vectors() -> (AuthKey, Vec<u8>, Vec<u8>) {
        let key = AuthKey::from_bytes(&(0..=255u8).collect::<Vec<_>>()).unwrap();
        let pt = (0..40u32).map(|i| ((i * 7 + 3) & 0xff) as u8).collect();
        (key, pt, (0..8u8).collect())
    }

    #[test]
    fn derivation_matches_python() {
        let (key, pt, _) = vectors();
        let keys = derive_aes_key_iv_v1(&key, &msg_key_v1(&pt), Side::Client);
        assert_eq!(keys.key.to_vec(), hex(KEY_HEX));
        assert_eq!(keys.iv.to_vec(), hex(IV_HEX));
    }

    #[test]
    fn encrypt_matches_python_and_decrypts_back() {
        let (key, pt, pad) = vectors();
        let packet = encrypt_v1(&key, Side::Client, &pt, &pad).unwrap();
        assert_eq!(packet, hex(PACKET_HEX));
        let (id, msg_key, data) = decrypt_v1(&key, Side::Client, &packet).unwrap();
        assert_eq!(id, key.id());
        assert_eq!(msg_key, msg_key_v1(&pt));
        assert_eq!(&data[..40], &pt[..]);
    }

    #[test]
    fn bad_lengths_are_errors() {
        let (key, pt, _) = vectors();
        assert!(encrypt_v1(&key, Side::Client, &pt, &[0; 3]).is_err());
        assert!(decrypt_v1(&key, Side::Client, &[0; 23]).is_err());
        assert!(decrypt_v1(&key, Side::Client, &[0; 24 + 15]).is_err());
    }
}
