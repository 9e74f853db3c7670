//! Diffie-Hellman over Telegram's 2048-bit safe prime, with every check the spec asks for.
//!
//! ```text
//!   server_DH_inner_data: g, dh_prime, g_a      client: b random, g_b = g^b mod p
//!   auth_key = g_a^b mod p, left-padded to 256 bytes (secret chats: key = g_a^b likewise)
//! ```
//! Spec: <https://core.telegram.org/mtproto/security_guidelines#validation-of-dh-parameters>,
//! <https://core.telegram.org/mtproto/auth_key#dh-key-exchange-complete>,
//! <https://core.telegram.org/api/end-to-end#sending-a-request>.
//!
//! [`DhParams`] can only be obtained from [`DhParams::verify`] (or
//! [`DhParams::verify_uncached`]): holding one proves that p and g passed the checks
//! (those live in `dh_prime.rs`).
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use zeroize::Zeroizing;

use super::dh_prime::{
    DhPrimeCache, PRIME_LEN, canonical_prime, check_generator, check_safe_prime,
};
use super::mont::MontModulus;
use super::nat::BigNat;
use super::{AuthKey, CryptoError, RandomSource};

/// A verified dh_prime and generator g.
#[derive(Clone, PartialEq, Eq)]
pub struct DhParams {
    p: BigNat,
    p_be: [u8; PRIME_LEN],
    g: u32,
    /// 2^(2048-64): every acceptable g_a / g_b is above it.
    lower: BigNat,
    /// p - 2^(2048-64): every acceptable g_a / g_b is below it.
    upper: BigNat,
    /// p prepared for Montgomery exponentiation.
    mont: MontModulus,
}

impl core::fmt::Debug for DhParams {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let head = self.p_be.get(..4).unwrap_or_default();
        write!(f, "DhParams {{ g: {}, p: {:02x?}.. }}", self.g, head)
    }
}

impl DhParams {
    /// Checks `prime_be` (big-endian, leading zero bytes allowed) and `g`, using the table of
    /// known safe primes and the cache of earlier verdicts before testing primality.
    ///
    /// Errors, in the order checked: [`CryptoError::DhPrimeWrongSize`],
    /// [`CryptoError::DhGeneratorOutOfRange`], [`CryptoError::DhGeneratorCondition`],
    /// [`CryptoError::DhPrimeNotPrime`], [`CryptoError::DhPrimeNotSafe`], and any error of
    /// `rng`.
    pub fn verify(
        prime_be: &[u8],
        g: u32,
        rng: &mut dyn RandomSource,
        cache: &mut DhPrimeCache,
    ) -> Result<Self, CryptoError> {
        let p_be = canonical_prime(prime_be)?;
        check_generator(&p_be, g)?;
        let p = BigNat::from_be_bytes(&p_be);
        cache.check_safe_prime(&p_be, &p, rng)?;
        Self::new(p, p_be, g)
    }

    /// Like [`DhParams::verify`], but always runs the full primality tests: no table of known
    /// primes, no cache.
    pub fn verify_uncached(
        prime_be: &[u8],
        g: u32,
        rng: &mut dyn RandomSource,
    ) -> Result<Self, CryptoError> {
        let p_be = canonical_prime(prime_be)?;
        check_generator(&p_be, g)?;
        let p = BigNat::from_be_bytes(&p_be);
        check_safe_prime(&p, rng)?;
        Self::new(p, p_be, g)
    }

    fn new(p: BigNat, p_be: [u8; PRIME_LEN], g: u32) -> Result<Self, CryptoError> {
        // p > 2^2047 (canonical_prime): this cannot fail.
        let lower = BigNat::pow2(2048 - 64);
        let upper = p.checked_sub(&lower).ok_or(CryptoError::DhPrimeWrongSize)?;
        // p is odd (it passed the primality checks) and has 256 bytes: this cannot fail.
        let mont = MontModulus::new(&p_be)?;
        Ok(Self {
            p,
            p_be,
            g,
            lower,
            upper,
            mont,
        })
    }

    /// Checks a public value g_a or g_b (big-endian, leading zero bytes allowed).
    ///
    /// Fails with [`CryptoError::DhValueOutOfRange`] unless
    /// 2^(2048-64) < value < dh_prime - 2^(2048-64), both strict (which implies
    /// 1 < value < dh_prime - 1). The edges are tested in `tests/dh_bounds.rs`.
    pub fn check_public(&self, g_x_be: &[u8]) -> Result<(), CryptoError> {
        let x = BigNat::from_be_bytes(g_x_be);
        // "both sides are to check that g, g_a and g_b are greater than 1 and less than
        // dh_prime - 1" (g is in 2..=7, checked in verify).
        let one = BigNat::from(1u32);
        // BigNat addition is arbitrary-precision: it grows, it cannot overflow.
        #[allow(clippy::arithmetic_side_effects)]
        let x_plus_one = &x + &one;
        if x <= one || x_plus_one >= self.p {
            return Err(CryptoError::DhValueOutOfRange);
        }
        // "We recommend checking that g_a and g_b are between 2^{2048-64} and
        // dh_prime - 2^{2048-64} as well": read strictly, so neither edge is allowed.
        if x <= self.lower || x >= self.upper {
            return Err(CryptoError::DhValueOutOfRange);
        }
        Ok(())
    }

    /// g^x mod dh_prime for the secret exponent `exponent_be` (big-endian), as 256 bytes.
    ///
    /// The caller should pass the result to [`DhParams::check_public`] and draw a new
    /// exponent if it fails, as the other side will check it too.
    ///
    /// Montgomery exponentiation, constant time in the exponent ([`MontModulus::pow`]).
    pub fn public_value(&self, exponent_be: &[u8]) -> Vec<u8> {
        // p has 256 significant bytes (canonical_prime), so every result has 256 bytes.
        self.mont.pow(&self.g.to_be_bytes(), exponent_be)
    }

    /// The shared key (g_b)^x mod dh_prime as an [`AuthKey`], after checking
    /// `other_public_be` with [`DhParams::check_public`].
    pub fn shared_key(
        &self,
        other_public_be: &[u8],
        exponent_be: &[u8],
    ) -> Result<AuthKey, CryptoError> {
        self.check_public(other_public_be)?;
        let k = Zeroizing::new(self.mont.pow(other_public_be, exponent_be));
        // "If key length < 256 bytes, add several leading zero bytes as padding."
        AuthKey::from_bytes(&k)
    }

    /// dh_prime as 256 big-endian bytes.
    pub fn prime_be(&self) -> Vec<u8> {
        self.p_be.to_vec()
    }

    /// The generator g.
    pub fn g(&self) -> u32 {
        self.g
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::crypto::SeededRandom;
    use crate::crypto::dh_prime::TELEGRAM_DH_PRIME;

    use crate::crypto::dh_test_util::{be, no_rng, pow2, telegram};
    use num_bigint::BigUint;
    use num_traits::One;

    #[test]
    fn known_prime_needs_no_randomness() {
        let mut cache = DhPrimeCache::new();
        let params = DhParams::verify(&TELEGRAM_DH_PRIME, 3, &mut no_rng(), &mut cache).unwrap();
        assert!(cache.is_empty());
        assert_eq!(params.g(), 3);
        assert_eq!(params.prime_be(), TELEGRAM_DH_PRIME);
        assert_eq!(
            format!("{params:?}"),
            "DhParams { g: 3, p: [c7, 1c, ae, b9].. }"
        );
        // Leading zero bytes are not part of the number.
        let mut padded = vec![0u8; 3];
        padded.extend_from_slice(&TELEGRAM_DH_PRIME);
        assert_eq!(
            DhParams::verify(&padded, 3, &mut no_rng(), &mut cache),
            Ok(params)
        );
    }

    #[test]
    fn public_value_range() {
        let params = telegram(3).unwrap();
        let p = BigUint::from_bytes_be(&TELEGRAM_DH_PRIME);
        let low = pow2(2048 - 64);
        for bad in [
            BigUint::from(0u32),
            BigUint::one(),
            BigUint::from(2u32),
            &low - 1u32,
            low.clone(),
            &p - &low,
            &p - &low + 1u32,
            &p - 2u32,
            &p - 1u32,
            p.clone(),
            &p + 1u32,
            pow2(2048),
        ] {
            assert_eq!(
                params.check_public(&be(&bad)),
                Err(CryptoError::DhValueOutOfRange)
            );
        }
        assert_eq!(
            params.check_public(&[]),
            Err(CryptoError::DhValueOutOfRange)
        );
        for good in [&low + 1u32, &p - &low - 1u32, &low + 12345u32] {
            assert_eq!(params.check_public(&be(&good)), Ok(()));
            let mut padded = vec![0u8; 40];
            padded.extend_from_slice(&be(&good));
            assert_eq!(params.check_public(&padded), Ok(()));
        }
    }

    #[test]
    fn key_agreement() {
        let params = telegram(3).unwrap();
        let mut rng = SeededRandom::new(5);
        let (mut a, mut b) = ([0u8; 256], [0u8; 256]);
        rng.fill(&mut a).unwrap();
        rng.fill(&mut b).unwrap();
        let g_a = params.public_value(&a);
        let g_b = params.public_value(&b);
        assert_eq!((g_a.len(), g_b.len()), (256, 256));
        params.check_public(&g_a).unwrap();
        let k1 = params.shared_key(&g_b, &a).unwrap();
        let k2 = params.shared_key(&g_a, &b).unwrap();
        assert_eq!(k1.as_bytes(), k2.as_bytes());
        // Small exponents give small values: g^1 is padded, and rejected as a peer's value.
        let g1 = params.public_value(&[1]);
        assert_eq!(g1[255], 3);
        assert!(g1[..255].iter().all(|&x| x == 0));
        assert_eq!(
            params.shared_key(&g1, &a).unwrap_err(),
            CryptoError::DhValueOutOfRange
        );
    }
}
