//! The cryptographic base of MTProto 2.0.
//!
//! Spec: <https://core.telegram.org/mtproto/description>,
//! <https://core.telegram.org/mtproto/auth_key>,
//! <https://core.telegram.org/mtproto/security_guidelines>.
//!
//! Everything here is pure: no clock, no I/O; randomness comes in as a [`RandomSource`].
//! Every failure that depends on input is a [`CryptoError`], never a panic.

mod aes_ctr;
mod aes_ige;
mod auth_key;
mod bigint;
mod block;
pub mod crc32;
mod dh;
mod dh_prime;
#[cfg(test)]
mod dh_test_util;
mod hash;
mod kdf;
mod mont;
mod mont_dot;
mod mtproto1;
mod nat;
mod nat_div;
#[cfg(test)]
mod nat_tests;
mod pem;
mod pq;
mod primes;
mod rng;
mod rsa;
mod rsa_pad;

pub use aes_ctr::AesCtr256;
pub use aes_ige::{aes_ige_decrypt, aes_ige_encrypt};
pub use auth_key::AuthKey;
pub use bigint::{left_pad, mod_pow};
pub use dh::DhParams;
pub(crate) use dh_prime::TELEGRAM_DH_PRIME;
pub use dh_prime::{DH_PRIME_CACHE_CAPACITY, DhPrimeCache};
pub use hash::{sha1, sha1_concat, sha256, sha256_concat};
pub use kdf::{MessageKeys, Side, derive_aes_key_iv, msg_key_for};
pub use mont::MontModulus;
pub use mtproto1::{DecryptedV1, decrypt_v1, derive_aes_key_iv_v1, encrypt_v1, msg_key_v1};
pub use nat::BigNat;
pub use pq::{factorize_pq, is_prime_u64};
pub use primes::{MILLER_RABIN_ROUNDS, is_probable_prime};
pub use rng::{FixedRandom, OsRandom, RandomSource, SeededRandom};
pub use rsa::{
    PRODUCTION_KEY_FINGERPRINT, PRODUCTION_KEY_PEM, RsaPublicKey, TEST_KEY_FINGERPRINT,
    TEST_KEY_PEM, builtin_keys, find_key,
};
pub use rsa_pad::{RSA_PAD_MAX_ATTEMPTS, RSA_PAD_MAX_DATA, rsa_pad_attempt, rsa_pad_encrypt};

use core::fmt;

/// Everything that can go wrong in the crypto layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// An argument has the wrong size: `what` should be `expected`, but was `got` bytes.
    WrongLength {
        /// Which argument.
        what: &'static str,
        /// The size it must have, in words ("32 bytes", "a multiple of 16 bytes").
        expected: &'static str,
        /// The size it had.
        got: usize,
    },
    /// The system random source failed.
    RandomUnavailable,
    /// A fixed random source ran out of bytes (tests only).
    RandomExhausted,
    /// pq is 0 or 1: it has no factors to find.
    PqTooSmall,
    /// pq is prime (or a prime power): it is not the product of two primes.
    PqNotAProduct,
    /// Factorization gave up after its step budget.
    PqNotFactored,
    /// A PEM/DER public key could not be parsed.
    BadPublicKey(&'static str),
    /// The data to encrypt with RSA_PAD is longer than 144 bytes.
    RsaPadDataTooLong(usize),
    /// RSA: the value to encrypt is not below the modulus.
    RsaValueTooLarge,
    /// DH: dh_prime is not a 2048-bit number (2^2047 < p < 2^2048).
    DhPrimeWrongSize,
    /// DH: dh_prime is not prime.
    DhPrimeNotPrime,
    /// DH: (dh_prime - 1) / 2 is not prime (not a safe prime).
    DhPrimeNotSafe,
    /// DH: g is not in 2..=7.
    DhGeneratorOutOfRange,
    /// DH: g does not generate the subgroup of order (p-1)/2 (quadratic-residue condition).
    DhGeneratorCondition,
    /// DH: g_a or g_b is not in 1 < x < p-1 and 2^(2048-64) < x < p - 2^(2048-64) (strict).
    DhValueOutOfRange,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength {
                what,
                expected,
                got,
            } => {
                write!(f, "{what} must be {expected}, got {got} bytes")
            }
            Self::RandomUnavailable => f.write_str("the system random source is unavailable"),
            Self::RandomExhausted => f.write_str("the fixed random source ran out of bytes"),
            Self::PqTooSmall => f.write_str("pq must be greater than 1"),
            Self::PqNotAProduct => f.write_str("pq is not a product of two primes"),
            Self::PqNotFactored => f.write_str("pq could not be factored within the step budget"),
            Self::BadPublicKey(why) => write!(f, "bad RSA public key: {why}"),
            Self::RsaPadDataTooLong(n) => {
                write!(f, "RSA_PAD data must be at most 144 bytes, got {n}")
            }
            Self::RsaValueTooLarge => f.write_str("RSA input is not below the modulus"),
            Self::DhPrimeWrongSize => f.write_str("dh_prime is not a 2048-bit number"),
            Self::DhPrimeNotPrime => f.write_str("dh_prime is not prime"),
            Self::DhPrimeNotSafe => f.write_str("(dh_prime - 1) / 2 is not prime"),
            Self::DhGeneratorOutOfRange => f.write_str("g is not between 2 and 7"),
            Self::DhGeneratorCondition => {
                f.write_str("g does not satisfy its quadratic-residue condition for dh_prime")
            }
            Self::DhValueOutOfRange => {
                f.write_str("DH value is not strictly between 2^1984 and dh_prime - 2^1984")
            }
        }
    }
}

impl std::error::Error for CryptoError {}

/// Checks that `bytes` has exactly `N` bytes and returns it as an array reference.
pub(crate) fn exact<'a, const N: usize>(
    what: &'static str,
    expected: &'static str,
    bytes: &'a [u8],
) -> Result<&'a [u8; N], CryptoError> {
    bytes.try_into().map_err(|_| CryptoError::WrongLength {
        what,
        expected,
        got: bytes.len(),
    })
}
