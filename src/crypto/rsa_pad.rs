//! RSA_PAD: how MTProto 2.0 encrypts p_q_inner_data with the server's RSA key.
//!
//! ```text
//!   data_with_padding  = data (<= 144 bytes) || random bytes               192 bytes
//!   data_pad_reversed  = reverse(data_with_padding)                        192 bytes
//!   temp_key           = 32 random bytes
//!   data_with_hash     = data_pad_reversed || SHA256(temp_key || data_with_padding)   224
//!   aes_encrypted      = AES256-IGE(data_with_hash, key = temp_key, iv = 0)           224
//!   temp_key_xor       = temp_key XOR SHA256(aes_encrypted)                            32
//!   key_aes_encrypted  = temp_key_xor || aes_encrypted        256; if >= n: new temp_key
//!   encrypted_data     = key_aes_encrypted^e mod n, big-endian, 256 bytes
//! ```
//! Spec: <https://core.telegram.org/mtproto/auth_key#presenting-proof-of-work-server-authentication>,
//! section "4.1) RSA_PAD(data, server_public_key)".
//!
//! Random draws, in this order (a recorded handshake replays byte for byte): first the
//! padding (192 - data.len() bytes), then 32 bytes of temp_key per attempt.
//!
//! Every buffer that holds the plaintext or temp_key is wiped on drop.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use zeroize::Zeroizing;

use super::bigint::left_pad;
use super::mont::MontModulus;
use super::nat::BigNat;
use super::rsa::{MODULUS_LEN, RsaPublicKey};
use super::{CryptoError, RandomSource, aes_ige_encrypt, sha256, sha256_concat};

/// "One has to check that data is not longer than 144 bytes."
pub const RSA_PAD_MAX_DATA: usize = 144;

const PADDED_LEN: usize = 192;
const TEMP_KEY_LEN: usize = 32;
const WITH_HASH_LEN: usize = PADDED_LEN + 32;

/// temp_keys tried before giving up. Each fails with probability 1 - n / 2^2048 (about 9%
/// for the production key, 22% for the test key), so 64 failures in a row mean a broken
/// random source.
pub const RSA_PAD_MAX_ATTEMPTS: usize = 64;

/// RSA_PAD-encrypts `data` (at most 144 bytes) for `key`, drawing the padding and each
/// temp_key from `rng`. Returns the 256-byte encrypted_data.
///
/// Errors: [`CryptoError::RsaPadDataTooLong`]; any error of `rng`;
/// [`CryptoError::RsaValueTooLarge`] after [`RSA_PAD_MAX_ATTEMPTS`] temp_keys that all gave
/// a value not below the modulus.
pub fn rsa_pad_encrypt(
    data: &[u8],
    key: &RsaPublicKey,
    rng: &mut dyn RandomSource,
) -> Result<[u8; MODULUS_LEN], CryptoError> {
    check_data(data)?;
    // data.len() <= RSA_PAD_MAX_DATA < PADDED_LEN (check_data): the subtraction cannot fail.
    let padding_len = PADDED_LEN
        .checked_sub(data.len())
        .ok_or(CryptoError::RsaPadDataTooLong(data.len()))?;
    let mut padding = Zeroizing::new(vec![0u8; padding_len]);
    rng.fill(&mut padding)?;
    let mut temp_key = Zeroizing::new([0u8; TEMP_KEY_LEN]);
    for _ in 0..RSA_PAD_MAX_ATTEMPTS {
        // "If key_aes_encrypted turns out to be greater than or equal to the RSA modulus,
        // the previous steps starting from the generation of new random temp_key are
        // repeated."
        rng.fill(temp_key.as_mut_slice())?;
        if let Some(encrypted) = rsa_pad_attempt(data, &padding, &temp_key, key)? {
            return Ok(encrypted);
        }
    }
    Err(CryptoError::RsaValueTooLarge)
}

/// One RSA_PAD attempt with explicit randomness (for replaying recorded handshakes):
/// `padding` must be exactly `192 - data.len()` bytes. Returns `None` when
/// key_aes_encrypted is not below the modulus (the caller then draws a new temp_key).
pub fn rsa_pad_attempt(
    data: &[u8],
    padding: &[u8],
    temp_key: &[u8; TEMP_KEY_LEN],
    key: &RsaPublicKey,
) -> Result<Option<[u8; MODULUS_LEN]>, CryptoError> {
    let block = key_aes_encrypted(data, padding, temp_key)?;
    // "The value of key_aes_encrypted is compared with the RSA-modulus of server_pubkey as a
    // big-endian 2048-bit (256-byte) unsigned integer." (The copy wipes itself on drop.)
    if BigNat::from_be_bytes(block.as_slice()) >= *key.modulus() {
        return Ok(None);
    }
    // "encrypted_data := RSA(key_aes_encrypted, server_pubkey); -- 256-byte big-endian
    // integer is elevated to the requisite power from the RSA public key modulo the RSA
    // modulus, and the result is stored as a big-endian integer consisting of exactly 256
    // bytes (with leading zero bytes if required)."
    // The key's modulus is odd and of 2048 bits (checked by RsaPublicKey), and e is public.
    let mont = MontModulus::new(&key.n_be())?;
    let c = mont.pow_public(block.as_slice(), &key.e_be());
    let mut out = [0u8; MODULUS_LEN];
    out.copy_from_slice(&left_pad(&c, MODULUS_LEN)?);
    Ok(Some(out))
}

fn check_data(data: &[u8]) -> Result<(), CryptoError> {
    if data.len() > RSA_PAD_MAX_DATA {
        return Err(CryptoError::RsaPadDataTooLong(data.len()));
    }
    Ok(())
}

/// key_aes_encrypted = temp_key_xor || aes_encrypted, before the RSA step.
pub(crate) fn key_aes_encrypted(
    data: &[u8],
    padding: &[u8],
    temp_key: &[u8; TEMP_KEY_LEN],
) -> Result<Zeroizing<[u8; MODULUS_LEN]>, CryptoError> {
    check_data(data)?;
    if data.len().checked_add(padding.len()) != Some(PADDED_LEN) {
        return Err(CryptoError::WrongLength {
            what: "RSA_PAD padding",
            expected: "192 - data.len() bytes",
            got: padding.len(),
        });
    }
    // "data_with_padding := data + random_padding_bytes;"
    let mut with_padding = Zeroizing::new([0u8; PADDED_LEN]);
    let (head, tail) = with_padding.split_at_mut(data.len());
    head.copy_from_slice(data);
    tail.copy_from_slice(padding);
    // "data_pad_reversed := BYTE_REVERSE(data_with_padding);"
    // "data_with_hash := data_pad_reversed + SHA256(temp_key + data_with_padding);"
    let mut with_hash = Zeroizing::new([0u8; WITH_HASH_LEN]);
    let (reversed, hash) = with_hash.split_at_mut(PADDED_LEN);
    for (r, b) in reversed.iter_mut().zip(with_padding.iter().rev()) {
        *r = *b;
    }
    hash.copy_from_slice(&sha256_concat(&[temp_key, with_padding.as_slice()]));
    // "aes_encrypted := AES256_IGE(data_with_hash, temp_key, 0);"
    aes_ige_encrypt(with_hash.as_mut_slice(), temp_key, &[0u8; 32])?;
    // "temp_key_xor := temp_key XOR SHA256(aes_encrypted);"
    // "key_aes_encrypted := temp_key_xor + aes_encrypted;"
    let mut out = Zeroizing::new([0u8; MODULUS_LEN]);
    let (key_xor, encrypted) = out.split_at_mut(TEMP_KEY_LEN);
    for ((o, k), h) in key_xor
        .iter_mut()
        .zip(temp_key)
        .zip(sha256(with_hash.as_slice()))
    {
        *o = k ^ h;
    }
    encrypted.copy_from_slice(with_hash.as_slice());
    Ok(out)
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::crypto::{FixedRandom, SeededRandom, aes_ige_decrypt};
    use num_bigint::BigUint;

    const TEST_KEY: &str = include_str!("../../tests/data/rsa_test_key.json");

    struct PrivateKey {
        public: RsaPublicKey,
        n: BigUint,
        d: BigUint,
    }

    fn test_key() -> PrivateKey {
        let v: serde_json::Value = serde_json::from_str(TEST_KEY).unwrap();
        let hex = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
        let public = RsaPublicKey::from_components(&hex("n"), &hex("e")).unwrap();
        let n = BigUint::from_bytes_be(&hex("n"));
        let d = BigUint::from_bytes_be(&hex("d"));
        PrivateKey { public, n, d }
    }

    /// The server's side: RSA-decrypt, then undo every step and check the hash.
    fn unpad(key: &PrivateKey, encrypted: &[u8; 256]) -> Vec<u8> {
        let m = BigUint::from_bytes_be(encrypted)
            .modpow(&key.d, &key.n)
            .to_bytes_be();
        let mut block = vec![0u8; 256 - m.len()];
        block.extend_from_slice(&m);
        let (key_xor, aes_encrypted) = block.split_at(32);
        let h = sha256(aes_encrypted);
        let temp_key: Vec<u8> = key_xor.iter().zip(h).map(|(a, b)| a ^ b).collect();
        let mut with_hash = aes_encrypted.to_vec();
        aes_ige_decrypt(&mut with_hash, &temp_key, &[0; 32]).unwrap();
        let mut with_padding = with_hash[..192].to_vec();
        with_padding.reverse();
        assert_eq!(with_hash[192..], sha256_concat(&[&temp_key, &with_padding]));
        with_padding
    }

    #[test]
    fn round_trip_with_private_key() {
        let key = test_key();
        let mut rng = SeededRandom::new(99);
        for len in [0usize, 1, 96, 143, 144] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let encrypted = rsa_pad_encrypt(&data, &key.public, &mut rng).unwrap();
            let with_padding = unpad(&key, &encrypted);
            assert_eq!(&with_padding[..len], &data[..]);
            assert_eq!(with_padding.len(), 192);
        }
    }

    #[test]
    fn randomness_order_replays() {
        let key = test_key();
        let data = [7u8; 100];
        let mut bytes = vec![0x11u8; 92];
        bytes.extend_from_slice(&[0x22; 32]);
        let mut fixed = FixedRandom::new(bytes.clone());
        let encrypted = rsa_pad_encrypt(&data, &key.public, &mut fixed);
        let replay = rsa_pad_attempt(&data, &bytes[..92], &[0x22; 32], &key.public).unwrap();
        match replay {
            // The first temp_key worked: exactly 92 + 32 bytes were drawn.
            Some(expected) => {
                assert_eq!(encrypted.unwrap(), expected);
                assert_eq!(fixed.remaining(), 0);
                assert_eq!(unpad(&key, &expected)[100..], [0x11; 92]);
            }
            // Otherwise a second temp_key was asked for and the source ran out.
            None => assert_eq!(encrypted, Err(CryptoError::RandomExhausted)),
        }
    }

    #[test]
    fn value_not_below_modulus_draws_a_new_temp_key() {
        let data = [1u8; 40];
        let padding = [2u8; 152];
        // Two temp_keys whose key_aes_encrypted values a > b, with a's top bit set.
        let mut rng = SeededRandom::new(1);
        let mut draw = || {
            let mut k = [0u8; 32];
            rng.fill(&mut k).unwrap();
            let v =
                BigUint::from_bytes_be(key_aes_encrypted(&data, &padding, &k).unwrap().as_slice());
            (k, v)
        };
        let (k1, a) = loop {
            let (k, v) = draw();
            if v.bits() == 2048 {
                break (k, v);
            }
        };
        let (k2, b) = loop {
            let (k, v) = draw();
            if v < &a - 2u32 {
                break (k, v);
            }
        };
        // A 2048-bit odd modulus n with b < n <= a.
        let n = if a.bit(0) { a.clone() } else { &a - 1u32 };
        let key = RsaPublicKey::from_components(&n.to_bytes_be(), &[3]).unwrap();
        assert_eq!(rsa_pad_attempt(&data, &padding, &k1, &key), Ok(None));
        let mut bytes = padding.to_vec();
        bytes.extend_from_slice(&k1);
        bytes.extend_from_slice(&k2);
        let mut fixed = FixedRandom::new(bytes);
        let encrypted = rsa_pad_encrypt(&data, &key, &mut fixed).unwrap();
        assert_eq!(fixed.remaining(), 0);
        let expected = b.modpow(&BigUint::from(3u32), &n);
        assert_eq!(BigUint::from_bytes_be(&encrypted), expected);
        // The same bad temp_key every time: give up after RSA_PAD_MAX_ATTEMPTS draws.
        let mut bytes = padding.to_vec();
        for _ in 0..RSA_PAD_MAX_ATTEMPTS {
            bytes.extend_from_slice(&k1);
        }
        let mut fixed = FixedRandom::new(bytes);
        assert_eq!(
            rsa_pad_encrypt(&data, &key, &mut fixed),
            Err(CryptoError::RsaValueTooLarge)
        );
        assert_eq!(fixed.remaining(), 0);
    }

    #[test]
    fn rejects_bad_lengths() {
        let key = test_key().public;
        let mut rng = FixedRandom::new(vec![]);
        assert_eq!(
            rsa_pad_encrypt(&[0; 145], &key, &mut rng),
            Err(CryptoError::RsaPadDataTooLong(145))
        );
        assert!(matches!(
            rsa_pad_attempt(&[0; 10], &[0; 181], &[0; 32], &key),
            Err(CryptoError::WrongLength { got: 181, .. })
        ));
        assert_eq!(
            rsa_pad_attempt(&[0; 200], &[], &[0; 32], &key),
            Err(CryptoError::RsaPadDataTooLong(200))
        );
        assert_eq!(
            rsa_pad_encrypt(&[0; 10], &key, &mut rng),
            Err(CryptoError::RandomExhausted)
        );
    }
}
