//! Telegram's RSA server keys: parsing, fingerprints, the built-in keys.
//!
//! ```text
//!   rsa_public_key n:bytes e:bytes = RSAPublicKey;        (bare, big-endian, no sign byte)
//!   fingerprint = SHA1(serialized key)[12..20] read as a little-endian u64
//! ```
//! Spec: <https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation>:
//! "server_public_key_fingerprints is a list of public RSA key fingerprints ... 64 lower-order
//! bits of SHA1 (server_public_key); the public key is represented as a bare type
//! rsa_public_key n:string e:string = RSAPublicKey, where, as usual, n and e are numbers in
//! big endian format serialized as strings of bytes, following which SHA1 is computed".
//! "if long x is the 64 lower-order bits of SHA1 of string s, then the final 8 bytes of
//! 20-byte string SHA1(s) are taken and interpreted as a 64-bit integer."
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::nat::BigNat;
use super::pem::parse_rsa_public_key_pem;
use super::{CryptoError, sha1};
use crate::tl::primitives::write_bytes;

/// Telegram's production server key (fingerprint [`PRODUCTION_KEY_FINGERPRINT`]), as published
/// on core.telegram.org and shipped in every official client.
pub const PRODUCTION_KEY_PEM: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Telegram's test-DC server key (fingerprint [`TEST_KEY_FINGERPRINT`]), as published with the
/// test configuration on my.telegram.org and in the official clients.
pub const TEST_KEY_PEM: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Fingerprint of [`PRODUCTION_KEY_PEM`].
pub const PRODUCTION_KEY_FINGERPRINT: u64 = 0xD09D_1D85_DE64_FD85;

/// Fingerprint of [`TEST_KEY_PEM`].
pub const TEST_KEY_FINGERPRINT: u64 = 0xB258_98DF_208D_2603;

/// Bytes in the modulus of a key RSA_PAD can use.
pub(crate) const MODULUS_LEN: usize = 256;

/// An RSA public key (n, e) with its Telegram fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: BigNat,
    e: BigNat,
    fingerprint: u64,
}

impl core::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "RsaPublicKey {{ fingerprint: {:#018x} }}",
            self.fingerprint
        )
    }
}

impl RsaPublicKey {
    /// Parses a PEM key: `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1) or
    /// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo, rsaEncryption).
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        let (n, e) = parse_rsa_public_key_pem(pem)?;
        Self::from_components(&n, &e)
    }

    /// A key from its big-endian modulus and exponent (leading zero bytes allowed).
    ///
    /// The modulus must be odd and exactly 2048 bits ("compared with the RSA-modulus of
    /// server_pubkey as a big-endian 2048-bit (256-byte) unsigned integer"); the exponent odd,
    /// at least 3 and below the modulus.
    pub fn from_components(n_be: &[u8], e_be: &[u8]) -> Result<Self, CryptoError> {
        let n = BigNat::from_be_bytes(n_be);
        let e = BigNat::from_be_bytes(e_be);
        if n.bits() != 8 * MODULUS_LEN {
            return Err(CryptoError::BadPublicKey("modulus must be 2048 bits"));
        }
        if !n.is_odd() {
            return Err(CryptoError::BadPublicKey("modulus must be odd"));
        }
        if !e.is_odd() || e.is_one() || e >= n {
            return Err(CryptoError::BadPublicKey(
                "exponent must be odd, > 1 and < modulus",
            ));
        }
        let mut serialized = Vec::with_capacity(MODULUS_LEN + 16);
        write_bytes(&mut serialized, &n.to_be_bytes());
        write_bytes(&mut serialized, &e.to_be_bytes());
        let hash = sha1(&serialized);
        let mut low = [0u8; 8];
        low.copy_from_slice(&hash[12..20]);
        Ok(Self {
            n,
            e,
            fingerprint: u64::from_le_bytes(low),
        })
    }

    /// The key's fingerprint: the lower 64 bits of SHA1(rsa_public_key n e), as the
    /// little-endian integer sent in resPQ.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The modulus, big-endian (256 bytes).
    pub fn n_be(&self) -> Vec<u8> {
        self.n.to_be_bytes()
    }

    /// The public exponent, big-endian, without leading zero bytes.
    pub fn e_be(&self) -> Vec<u8> {
        self.e.to_be_bytes()
    }

    /// The modulus as a number.
    pub(crate) fn modulus(&self) -> &BigNat {
        &self.n
    }
}

/// Telegram's built-in server keys: the production key, then the test-DC key.
pub fn builtin_keys() -> Vec<RsaPublicKey> {
    [PRODUCTION_KEY_PEM, TEST_KEY_PEM]
        .into_iter()
        .filter_map(|pem| RsaPublicKey::from_pem(pem).ok())
        .collect()
}

/// The key for the first of the server's `fingerprints` (in the server's order) that one of
/// `keys` has, if any.
pub fn find_key<'a>(keys: &'a [RsaPublicKey], fingerprints: &[u64]) -> Option<&'a RsaPublicKey> {
    fingerprints
        .iter()
        .find_map(|&f| keys.iter().find(|k| k.fingerprint == f))
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn builtin_fingerprints() {
        let keys = builtin_keys();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].fingerprint(), PRODUCTION_KEY_FINGERPRINT);
        assert_eq!(keys[1].fingerprint(), TEST_KEY_FINGERPRINT);
        assert_eq!(keys[0].e_be(), [1, 0, 1]);
        assert_eq!(keys[0].n_be().len(), 256);
        assert_eq!(
            format!("{:?}", keys[0]),
            "RsaPublicKey { fingerprint: 0xd09d1d85de64fd85 }"
        );
        // The same key from its components; a leading zero byte does not change it.
        let mut n = vec![0];
        n.extend(keys[0].n_be());
        assert_eq!(
            RsaPublicKey::from_components(&n, &[0, 1, 0, 1]).unwrap(),
            keys[0]
        );
    }

    #[test]
    fn finds_keys_in_server_order() {
        let keys = builtin_keys();
        assert_eq!(find_key(&keys, &[1, TEST_KEY_FINGERPRINT]), Some(&keys[1]));
        assert_eq!(
            find_key(&keys, &[TEST_KEY_FINGERPRINT, PRODUCTION_KEY_FINGERPRINT]),
            Some(&keys[1])
        );
        assert_eq!(
            find_key(&keys, &[PRODUCTION_KEY_FINGERPRINT]),
            Some(&keys[0])
        );
        assert_eq!(find_key(&keys, &[1, 2, 3]), None);
        assert_eq!(find_key(&keys, &[]), None);
        assert_eq!(find_key(&[], &[PRODUCTION_KEY_FINGERPRINT]), None);
    }

    #[test]
    fn rejects_unusable_components() {
        let n = builtin_keys()[0].n_be();
        let bad = |n: &[u8], e: &[u8]| RsaPublicKey::from_components(n, e).unwrap_err();
        assert!(matches!(bad(&n[1..], &[3]), CryptoError::BadPublicKey(_))); // 2040 bits
        let mut longer = vec![1];
        longer.extend_from_slice(&n);
        assert!(matches!(bad(&longer, &[3]), CryptoError::BadPublicKey(_)));
        let mut even = n.clone();
        even[255] &= 0xFE;
        assert!(matches!(bad(&even, &[3]), CryptoError::BadPublicKey(_)));
        for e in [&[][..], &[1], &[2], &[0, 1], &n[..]] {
            assert!(matches!(bad(&n, e), CryptoError::BadPublicKey(_)), "{e:?}");
        }
    }
}
