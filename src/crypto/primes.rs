//! Probabilistic primality of big numbers (dh_prime and (dh_prime - 1) / 2).
//!
//! Spec: <https://core.telegram.org/mtproto/security_guidelines#validation-of-dh-parameters>:
//! "Client is expected to check whether p = dh_prime is a safe 2048-bit prime (meaning that
//! both p and (p-1)/2 are prime ...)" and "one might initially run only 15 Miller-Rabin
//! iterations ... with error probability not exceeding one billionth".
//!
//! Trial division by the first 256 primes, then Miller-Rabin with bases drawn from the
//! caller's random source: fixed bases would let a hostile server build a composite that
//! passes them. Each round lets a composite through with probability at most 1/4, whatever
//! the number, so [`MILLER_RABIN_ROUNDS`] = 40 rounds bound the error by 2^-80 even for a
//! number chosen by an attacker.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::num::NonZeroU32;

use super::mont::MontModulus;
use super::nat::BigNat;
use super::{CryptoError, RandomSource};

/// Miller-Rabin rounds for a worst-case error below 2^-80.
pub const MILLER_RABIN_ROUNDS: u32 = 40;

/// How many small primes trial division uses.
const SMALL_PRIME_COUNT: usize = 256;

/// The first [`SMALL_PRIME_COUNT`] primes (2 ..= 1619), computed at compile time.
const SMALL_PRIMES: [u32; SMALL_PRIME_COUNT] = first_primes();

// Evaluated at compile time (SMALL_PRIMES is a const): an index out of range or an overflow
// would fail the build, not panic at run time; found < 256 bounds every index.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn first_primes() -> [u32; SMALL_PRIME_COUNT] {
    let mut out = [0u32; SMALL_PRIME_COUNT];
    let mut found = 0;
    let mut candidate = 2u32;
    while found < SMALL_PRIME_COUNT {
        let mut i = 0;
        let mut prime = true;
        while i < found && out[i] * out[i] <= candidate {
            if candidate % out[i] == 0 {
                prime = false;
                break;
            }
            i += 1;
        }
        if prime {
            out[found] = candidate;
            found += 1;
        }
        candidate += 1;
    }
    out
}

/// What trial division by the small primes says about a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrialDivision {
    /// Proven prime (it is small, or below the square of the largest small prime).
    Prime,
    /// Proven composite (or 0 or 1).
    Composite,
    /// No small factor: Miller-Rabin must decide.
    Unknown,
}

/// Trial division of `n` by the first 256 primes.
pub(crate) fn trial_division(n: &BigNat) -> TrialDivision {
    if let Some(small) = n.to_u64() {
        if small < 2 {
            return TrialDivision::Composite;
        }
        for p in SMALL_PRIMES {
            let p = u64::from(p);
            // p <= 1619: the square cannot overflow; p is nonzero, so checked_rem is Some.
            if p.saturating_mul(p) > small {
                return TrialDivision::Prime;
            }
            if small.checked_rem(p) == Some(0) {
                return TrialDivision::Composite;
            }
        }
        return TrialDivision::Unknown;
    }
    // Several primes per big division: their product stays below 2^32.
    let mut rest = &SMALL_PRIMES[..];
    while !rest.is_empty() {
        let mut product = 1u32;
        let mut count = 0usize;
        for &p in rest {
            match product.checked_mul(p) {
                Some(next) => product = next,
                None => break,
            }
            // count <= SMALL_PRIME_COUNT.
            count = count.saturating_add(1);
        }
        let (group, later) = rest.split_at(count.max(1));
        let rem = NonZeroU32::new(product).map_or(1, |m| n.rem_u32(m));
        // Every small prime is nonzero: checked_rem is Some.
        if group.iter().any(|&p| rem.checked_rem(p) == Some(0)) {
            return TrialDivision::Composite;
        }
        rest = later;
    }
    TrialDivision::Unknown
}

/// Whether `n` is (probably) prime: trial division, then `rounds` Miller-Rabin rounds with
/// random bases from `rng`. Fails only if `rng` fails.
pub fn is_probable_prime(
    n: &BigNat,
    rounds: u32,
    rng: &mut dyn RandomSource,
) -> Result<bool, CryptoError> {
    match trial_division(n) {
        TrialDivision::Prime => Ok(true),
        TrialDivision::Composite => Ok(false),
        TrialDivision::Unknown => miller_rabin(n, rounds, rng),
    }
}

/// `rounds` Miller-Rabin rounds on an odd `n` > 4 with bases uniform in [2, n-2] (up to a
/// bias below 2^-64 from reducing 64 extra random bits).
pub(crate) fn miller_rabin(
    n: &BigNat,
    rounds: u32,
    rng: &mut dyn RandomSource,
) -> Result<bool, CryptoError> {
    let two = BigNat::from(2u32);
    if *n < BigNat::from(5u32) || !n.is_odd() {
        return Ok(matches!(n.to_u64(), Some(2 | 3)));
    }
    let n_minus_1 = n.checked_sub(&BigNat::from(1u32)).unwrap_or_default();
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    // BigNat shifts, additions and products are arbitrary-precision: they cannot overflow.
    #[allow(clippy::arithmetic_side_effects)]
    let d = &n_minus_1 >> s;
    // Bases are 2 + (random mod (n - 3)).
    let base_range = n.checked_sub(&BigNat::from(3u32)).unwrap_or_default();
    let mut buf = vec![0u8; n.byte_len().saturating_add(8)];
    // Odd n of up to 2048 bits (all of MTProto's): Montgomery; larger ones: BigNat::pow_mod.
    let mont = MontModulus::new(&n.to_be_bytes()).ok();
    let d_be = d.to_be_bytes();
    'rounds: for _ in 0..rounds {
        rng.fill(&mut buf)?;
        let offset = BigNat::from_be_bytes(&buf).checked_rem(&base_range);
        #[allow(clippy::arithmetic_side_effects)]
        let a = &offset.unwrap_or_default() + &two;
        let mut x = match &mont {
            Some(m) => BigNat::from_be_bytes(&m.pow_public(&a.to_be_bytes(), &d_be)),
            None => a.pow_mod(&d, n).unwrap_or_default(),
        };
        if x.is_one() || x == n_minus_1 {
            continue;
        }
        for _ in 1..s {
            #[allow(clippy::arithmetic_side_effects)]
            let square = &x * &x;
            x = square.checked_rem(n).unwrap_or_default();
            if x == n_minus_1 {
                continue 'rounds;
            }
            if x.is_one() {
                return Ok(false);
            }
        }
        return Ok(false);
    }
    Ok(true)
}

/// Fermat test `base^(n-1) == 1 mod n` for a fixed small base.
pub(crate) fn fermat(n: &BigNat, base: u32) -> bool {
    let Some(n_minus_1) = n.checked_sub(&BigNat::from(1u32)) else {
        return false;
    };
    match MontModulus::new(&n.to_be_bytes()) {
        Ok(m) => {
            let r = m.pow_public(&base.to_be_bytes(), &n_minus_1.to_be_bytes());
            BigNat::from_be_bytes(&r).is_one()
        }
        Err(_) => BigNat::from(base)
            .pow_mod(&n_minus_1, n)
            .is_some_and(|r| r.is_one()),
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::crypto::SeededRandom;

    fn prime(n: &BigNat) -> bool {
        is_probable_prime(n, MILLER_RABIN_ROUNDS, &mut SeededRandom::new(1)).unwrap()
    }

    fn decimal(digits: &str) -> BigNat {
        let n: num_bigint::BigUint = digits.parse().unwrap();
        BigNat::from_be_bytes(&n.to_bytes_be())
    }

    /// 2^e - 1.
    fn mersenne(e: usize) -> BigNat {
        BigNat::pow2(e).checked_sub(&BigNat::from(1u32)).unwrap()
    }

    #[test]
    fn small_primes_table() {
        assert_eq!(&SMALL_PRIMES[..6], &[2, 3, 5, 7, 11, 13]);
        assert_eq!(SMALL_PRIMES[SMALL_PRIME_COUNT - 1], 1619);
    }

    #[test]
    fn small_numbers() {
        let primes: Vec<u32> = (0..1000u32).filter(|&n| prime(&BigNat::from(n))).collect();
        assert_eq!(primes.len(), 168);
        // Around the trial-division limit 1619^2 = 2621161.
        for n in [2_621_161u64, 2_621_159, 2_621_163, 2_621_171] {
            let by_division = (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0);
            assert_eq!(prime(&BigNat::from(n)), by_division, "{n}");
        }
    }

    #[test]
    fn trial_division_of_big_numbers() {
        // p * 2^64 + 1 for small primes: a factor only the multi-limb remainders can find.
        for &p in &SMALL_PRIMES {
            let mut n = &BigNat::from(p) << 64;
            n = &n + &BigNat::from(p);
            assert_eq!(trial_division(&n), TrialDivision::Composite, "{p}");
        }
        // A product of the first primes above the table (about 2^85): no small factor.
        let n = [1621u32, 1627, 1637, 1657, 1663, 1667, 1669, 1693]
            .iter()
            .fold(BigNat::from(1u32), |n, &p| &n * &BigNat::from(p));
        assert!(n.bits() > 64);
        assert_eq!(trial_division(&n), TrialDivision::Unknown);
        assert_eq!(trial_division(&mersenne(1277)), TrialDivision::Unknown);
    }

    #[test]
    fn pseudoprimes_are_caught() {
        // Carmichael numbers (pass Fermat for every coprime base) and strong pseudoprimes to
        // bases 2..=37 (3317044064679887385961981, Sorenson-Webster).
        for n in ["561", "41041", "3215031751", "3317044064679887385961981"] {
            assert!(!prime(&decimal(n)), "{n}");
        }
        assert!(fermat(&decimal("3215031751"), 2));
    }

    #[test]
    fn mersenne_numbers() {
        for (e, is_prime) in [
            (127usize, true),
            (521, true),
            (607, true),
            (1279, true),
            (128, false),
        ] {
            assert_eq!(prime(&mersenne(e)), is_prime, "2^{e}-1");
        }
        // 2^1277 - 1 is composite without a small factor.
        let m = mersenne(1277);
        assert_eq!(trial_division(&m), TrialDivision::Unknown);
        assert!(!prime(&m));
        // Every Mersenne number passes base 2 (2^p == 1 mod M and p | M - 1): why bases must
        // vary.
        assert!(fermat(&m, 2));
        assert!(!fermat(&m, 3));
        assert!(!miller_rabin(&BigNat::from(4u32), 1, &mut SeededRandom::new(1)).unwrap());
        assert!(miller_rabin(&BigNat::from(3u32), 1, &mut SeededRandom::new(1)).unwrap());
        assert!(!fermat(&BigNat::default(), 2));
    }

    #[test]
    fn beyond_2048_bits() {
        // Larger than Montgomery's limit: BigNat::pow_mod. 2^2203 - 1 is a Mersenne prime;
        // 2^2209 - 1 is divisible by 2^47 - 1 = 2351 * 4513 * 13264529.
        let mut rng = SeededRandom::new(3);
        assert!(miller_rabin(&mersenne(2203), 2, &mut rng).unwrap());
        assert!(!miller_rabin(&mersenne(2209), 2, &mut rng).unwrap());
        assert!(fermat(&mersenne(2203), 3));
        assert!(!fermat(&mersenne(2209), 3));
    }

    #[test]
    fn random_source_failure_is_reported() {
        let m = mersenne(127);
        let mut empty = crate::crypto::FixedRandom::new(vec![]);
        assert_eq!(
            is_probable_prime(&m, 1, &mut empty),
            Err(CryptoError::RandomExhausted)
        );
    }
}
