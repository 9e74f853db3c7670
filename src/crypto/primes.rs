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

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};

use super::mont::MontModulus;
use super::{CryptoError, RandomSource};

/// Miller-Rabin rounds for a worst-case error below 2^-80.
pub const MILLER_RABIN_ROUNDS: u32 = 40;

/// How many small primes trial division uses.
const SMALL_PRIME_COUNT: usize = 256;

/// The first [`SMALL_PRIME_COUNT`] primes (2 ..= 1619), computed at compile time.
const SMALL_PRIMES: [u32; SMALL_PRIME_COUNT] = first_primes();

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
pub(crate) fn trial_division(n: &BigUint) -> TrialDivision {
    if let Some(small) = n.to_u64() {
        if small < 2 {
            return TrialDivision::Composite;
        }
        for p in SMALL_PRIMES {
            let p = u64::from(p);
            if p * p > small {
                return TrialDivision::Prime;
            }
            if small % p == 0 {
                return TrialDivision::Composite;
            }
        }
        return TrialDivision::Unknown;
    }
    // Several primes per big division: their product stays below 2^64.
    let mut i = 0;
    while i < SMALL_PRIMES.len() {
        let mut product = 1u64;
        let mut j = i;
        while let Some(&p) = SMALL_PRIMES.get(j) {
            match product.checked_mul(u64::from(p)) {
                Some(next) => product = next,
                None => break,
            }
            j += 1;
        }
        let rem = (n % product).to_u64().unwrap_or(1);
        if SMALL_PRIMES[i..j].iter().any(|&p| rem % u64::from(p) == 0) {
            return TrialDivision::Composite;
        }
        i = j;
    }
    TrialDivision::Unknown
}

/// Whether `n` is (probably) prime: trial division, then `rounds` Miller-Rabin rounds with
/// random bases from `rng`. Fails only if `rng` fails.
pub fn is_probable_prime(
    n: &BigUint,
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
    n: &BigUint,
    rounds: u32,
    rng: &mut dyn RandomSource,
) -> Result<bool, CryptoError> {
    if *n < BigUint::from(5u32) || !n.bit(0) {
        return Ok(matches!(n.to_u32(), Some(2 | 3)));
    }
    let one = BigUint::one();
    let n_minus_1 = n - &one;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    let base_range = n - 3u32; // bases are 2 + (random mod (n - 3))
    let mut buf = vec![0u8; (n.bits().div_ceil(8) + 8) as usize];
    // Odd n of up to 2048 bits (all of MTProto's): Montgomery; larger ones: num-bigint.
    let mont = MontModulus::new(&n.to_bytes_be()).ok();
    let d_be = d.to_bytes_be();
    'rounds: for _ in 0..rounds {
        rng.fill(&mut buf)?;
        let a = BigUint::from_bytes_be(&buf) % &base_range + 2u32;
        let mut x = match &mont {
            Some(m) => BigUint::from_bytes_be(&m.pow_public(&a.to_bytes_be(), &d_be)),
            None => a.modpow(&d, n),
        };
        if x == one || x == n_minus_1 {
            continue;
        }
        for _ in 1..s {
            x = &x * &x % n;
            if x == n_minus_1 {
                continue 'rounds;
            }
            if x == one {
                return Ok(false);
            }
        }
        return Ok(false);
    }
    Ok(true)
}

/// Fermat test `base^(n-1) == 1 mod n` for a fixed small base.
pub(crate) fn fermat(n: &BigUint, base: u32) -> bool {
    if n.is_zero() {
        return false;
    }
    let n_minus_1 = n - 1u32;
    match MontModulus::new(&n.to_bytes_be()) {
        Ok(m) => {
            let r = m.pow_public(&base.to_be_bytes(), &n_minus_1.to_bytes_be());
            BigUint::from_bytes_be(&r).is_one()
        }
        Err(_) => BigUint::from(base).modpow(&n_minus_1, n).is_one(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SeededRandom;

    fn prime(n: &BigUint) -> bool {
        is_probable_prime(n, MILLER_RABIN_ROUNDS, &mut SeededRandom::new(1)).unwrap()
    }

    #[test]
    fn small_primes_table() {
        assert_eq!(&SMALL_PRIMES[..6], &[2, 3, 5, 7, 11, 13]);
        assert_eq!(SMALL_PRIMES[SMALL_PRIME_COUNT - 1], 1619);
    }

    #[test]
    fn small_numbers() {
        let primes: Vec<u32> = (0..1000u32).filter(|&n| prime(&BigUint::from(n))).collect();
        assert_eq!(primes.len(), 168);
        // Around the trial-division limit 1619^2 = 2621161.
        for n in [2_621_161u64, 2_621_159, 2_621_163, 2_621_171] {
            let by_division = (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0);
            assert_eq!(prime(&BigUint::from(n)), by_division, "{n}");
        }
    }

    #[test]
    fn pseudoprimes_are_caught() {
        // Carmichael numbers (pass Fermat for every coprime base) and strong pseudoprimes to
        // bases 2..=37 (3317044064679887385961981, Sorenson-Webster).
        for n in ["561", "41041", "3215031751", "3317044064679887385961981"] {
            let n: BigUint = n.parse().unwrap();
            assert!(!prime(&n), "{n}");
        }
        let n: BigUint = "3215031751".parse().unwrap();
        assert!(fermat(&n, 2));
    }

    #[test]
    fn mersenne_numbers() {
        for (e, is_prime) in [
            (127u32, true),
            (521, true),
            (607, true),
            (1279, true),
            (128, false),
        ] {
            let m = (BigUint::one() << e) - 1u32;
            assert_eq!(prime(&m), is_prime, "2^{e}-1");
        }
        // 2^1277 - 1 is composite without a small factor.
        let m = (BigUint::one() << 1277u32) - 1u32;
        assert_eq!(trial_division(&m), TrialDivision::Unknown);
        assert!(!prime(&m));
        // Every Mersenne number passes base 2 (2^p == 1 mod M and p | M - 1): why bases must
        // vary.
        assert!(fermat(&m, 2));
        assert!(!fermat(&m, 3));
        assert!(!miller_rabin(&BigUint::from(4u32), 1, &mut SeededRandom::new(1)).unwrap());
        assert!(miller_rabin(&BigUint::from(3u32), 1, &mut SeededRandom::new(1)).unwrap());
    }

    #[test]
    fn random_source_failure_is_reported() {
        let m = (BigUint::one() << 127u32) - 1u32;
        let mut empty = crate::crypto::FixedRandom::new(vec![]);
        assert_eq!(
            is_probable_prime(&m, 1, &mut empty),
            Err(CryptoError::RandomExhausted)
        );
    }
}
