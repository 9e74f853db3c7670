//! Helpers shared by the unit tests of `dh.rs` and `dh_prime.rs`.

use num_bigint::BigUint;
use num_traits::One;

use super::dh_prime::TELEGRAM_DH_PRIME;
use super::{CryptoError, DhParams, DhPrimeCache, FixedRandom};

/// A random source that must not be used (known primes need no randomness).
pub(crate) fn no_rng() -> FixedRandom {
    FixedRandom::new(vec![])
}

/// Telegram's prime with generator `g`, verified through the known-prime table.
pub(crate) fn telegram(g: u32) -> Result<DhParams, CryptoError> {
    DhParams::verify(
        &TELEGRAM_DH_PRIME,
        g,
        &mut no_rng(),
        &mut DhPrimeCache::new(),
    )
}

/// 2^e.
pub(crate) fn pow2(e: u32) -> BigUint {
    BigUint::one() << e
}

/// Big-endian bytes of `x`.
pub(crate) fn be(x: &BigUint) -> Vec<u8> {
    x.to_bytes_be()
}
