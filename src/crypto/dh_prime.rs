//! Validation of the Diffie-Hellman prime and generator (the part worth caching).
//!
//! Spec: <https://core.telegram.org/mtproto/security_guidelines#validation-of-dh-parameters>.
//!
//! Primality: p and q = (p-1)/2 first go through trial division and p through a base-2
//! Fermat test (cheap rejections); then q gets [`MILLER_RABIN_ROUNDS`] Miller-Rabin rounds
//! with random bases. p needs no rounds of its own: once q is prime, Pocklington's theorem
//! (q | p-1, q > sqrt(p), 2^(p-1) = 1 mod p, gcd(2^((p-1)/q) - 1, p) = gcd(3, p) = 1) proves
//! p prime. When q fails, the answer is [`CryptoError::DhPrimeNotSafe`] at once (p passed
//! Fermat; rounds of its own would only name the error, at the price of 40 exponentiations).
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::collections::VecDeque;

use super::CryptoError;
use super::RandomSource;
use super::nat::BigNat;
use super::primes::{MILLER_RABIN_ROUNDS, TrialDivision, fermat, miller_rabin, trial_division};

/// Bytes in dh_prime.
pub(crate) const PRIME_LEN: usize = 256;

/// How many prime verdicts a [`DhPrimeCache`] keeps.
pub const DH_PRIME_CACHE_CAPACITY: usize = 16;

/// Telegram's dh_prime, as sent in server_DH_inner_data of the handshake example on
/// core.telegram.org/mtproto/samples-auth_key (and in tests/data/auth_key_sample.json).
/// A safe prime: `tests/crypto_kat.rs` proves it again with the full test.
pub(crate) const TELEGRAM_DH_PRIME: [u8; PRIME_LEN] = [
    0xC7, 0x1C, 0xAE, 0xB9, 0xC6, 0xB1, 0xC9, 0x04, 0x8E, 0x6C, 0x52, 0x2F, 0x70, 0xF1, 0x3F, 0x73,
    0x98, 0x0D, 0x40, 0x23, 0x8E, 0x3E, 0x21, 0xC1, 0x49, 0x34, 0xD0, 0x37, 0x56, 0x3D, 0x93, 0x0F,
    0x48, 0x19, 0x8A, 0x0A, 0xA7, 0xC1, 0x40, 0x58, 0x22, 0x94, 0x93, 0xD2, 0x25, 0x30, 0xF4, 0xDB,
    0xFA, 0x33, 0x6F, 0x6E, 0x0A, 0xC9, 0x25, 0x13, 0x95, 0x43, 0xAE, 0xD4, 0x4C, 0xCE, 0x7C, 0x37,
    0x20, 0xFD, 0x51, 0xF6, 0x94, 0x58, 0x70, 0x5A, 0xC6, 0x8C, 0xD4, 0xFE, 0x6B, 0x6B, 0x13, 0xAB,
    0xDC, 0x97, 0x46, 0x51, 0x29, 0x69, 0x32, 0x84, 0x54, 0xF1, 0x8F, 0xAF, 0x8C, 0x59, 0x5F, 0x64,
    0x24, 0x77, 0xFE, 0x96, 0xBB, 0x2A, 0x94, 0x1D, 0x5B, 0xCD, 0x1D, 0x4A, 0xC8, 0xCC, 0x49, 0x88,
    0x07, 0x08, 0xFA, 0x9B, 0x37, 0x8E, 0x3C, 0x4F, 0x3A, 0x90, 0x60, 0xBE, 0xE6, 0x7C, 0xF9, 0xA4,
    0xA4, 0xA6, 0x95, 0x81, 0x10, 0x51, 0x90, 0x7E, 0x16, 0x27, 0x53, 0xB5, 0x6B, 0x0F, 0x6B, 0x41,
    0x0D, 0xBA, 0x74, 0xD8, 0xA8, 0x4B, 0x2A, 0x14, 0xB3, 0x14, 0x4E, 0x0E, 0xF1, 0x28, 0x47, 0x54,
    0xFD, 0x17, 0xED, 0x95, 0x0D, 0x59, 0x65, 0xB4, 0xB9, 0xDD, 0x46, 0x58, 0x2D, 0xB1, 0x17, 0x8D,
    0x16, 0x9C, 0x6B, 0xC4, 0x65, 0xB0, 0xD6, 0xFF, 0x9C, 0xA3, 0x92, 0x8F, 0xEF, 0x5B, 0x9A, 0xE4,
    0xE4, 0x18, 0xFC, 0x15, 0xE8, 0x3E, 0xBE, 0xA0, 0xF8, 0x7F, 0xA9, 0xFF, 0x5E, 0xED, 0x70, 0x05,
    0x0D, 0xED, 0x28, 0x49, 0xF4, 0x7B, 0xF9, 0x59, 0xD9, 0x56, 0x85, 0x0C, 0xE9, 0x29, 0x85, 0x1F,
    0x0D, 0x81, 0x15, 0xF6, 0x35, 0xB1, 0x05, 0xEE, 0x2E, 0x4E, 0x15, 0xD0, 0x4B, 0x24, 0x54, 0xBF,
    0x6F, 0x4F, 0xAD, 0xF0, 0x34, 0xB1, 0x04, 0x03, 0x11, 0x9C, 0xD8, 0xE3, 0xB9, 0x2F, 0xCC, 0x5B,
];

/// "embed into the client application code a small table with some known 'good' couples
/// (g,p) (or just known safe primes p, since the condition on g is easily verified during
/// execution), checked during code generation phase".
const KNOWN_SAFE_PRIMES: [&[u8; PRIME_LEN]; 1] = [&TELEGRAM_DH_PRIME];

/// Verdicts on primes already tested (at most [`DH_PRIME_CACHE_CAPACITY`], oldest dropped
/// first), and whether the built-in table of known safe primes may skip the tests.
///
/// "After g and p have been checked by the client, it makes sense to cache the result, so
/// as not to repeat lengthy computations in future." Only the primality of p and (p-1)/2 is
/// cached: the size and the condition on g are checked on every call (they cost nothing).
///
/// Sharing: one owner (a client) keeps one cache for its lifetime and lends it, `&mut`, to
/// each exchange: [`crate::auth::HandshakeMachine::handle_with_cache`] for handshakes,
/// [`crate::crypto::DhParams::verify`] for secret chats' messages.getDhConfig answers.
/// Moving it is cheap (a `VecDeque` of at most [`DH_PRIME_CACHE_CAPACITY`] entries).
#[derive(Debug, Clone)]
pub struct DhPrimeCache {
    verdicts: VecDeque<([u8; PRIME_LEN], Result<(), CryptoError>)>,
    use_known_primes: bool,
    tests_run: u32,
}

impl Default for DhPrimeCache {
    fn default() -> Self {
        Self::new()
    }
}

impl DhPrimeCache {
    /// An empty cache that trusts the built-in table of known safe primes.
    pub fn new() -> Self {
        Self {
            verdicts: VecDeque::new(),
            use_known_primes: true,
            tests_run: 0,
        }
    }

    /// An empty cache that does not trust the built-in table: every new prime is tested.
    pub fn without_known_primes() -> Self {
        Self {
            verdicts: VecDeque::new(),
            use_known_primes: false,
            tests_run: 0,
        }
    }

    /// How many verdicts are cached.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    /// Whether no verdict is cached.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }

    /// How many full primality tests this cache has run (neither the table of known primes
    /// nor a cached verdict answered): each costs [`MILLER_RABIN_ROUNDS`] exponentiations.
    pub fn primality_tests_run(&self) -> u32 {
        self.tests_run
    }

    /// The verdict on the primality of p and (p-1)/2: from the table of known safe primes,
    /// from the cache, or from a fresh test (then remembered).
    pub(crate) fn check_safe_prime(
        &mut self,
        p_be: &[u8; PRIME_LEN],
        p: &BigNat,
        rng: &mut dyn RandomSource,
    ) -> Result<(), CryptoError> {
        if self.use_known_primes && KNOWN_SAFE_PRIMES.contains(&p_be) {
            return Ok(());
        }
        if let Some(verdict) = self.lookup(p_be) {
            return verdict;
        }
        self.tests_run = self.tests_run.saturating_add(1);
        let verdict = check_safe_prime(p, rng);
        // A failing random source says nothing about p: do not remember that.
        if matches!(
            verdict,
            Ok(()) | Err(CryptoError::DhPrimeNotPrime | CryptoError::DhPrimeNotSafe)
        ) {
            self.insert(*p_be, verdict.clone());
        }
        verdict
    }

    fn lookup(&self, p_be: &[u8; PRIME_LEN]) -> Option<Result<(), CryptoError>> {
        self.verdicts
            .iter()
            .find(|(p, _)| p == p_be)
            .map(|(_, v)| v.clone())
    }

    fn insert(&mut self, p_be: [u8; PRIME_LEN], verdict: Result<(), CryptoError>) {
        if self.verdicts.len() >= DH_PRIME_CACHE_CAPACITY {
            self.verdicts.pop_front();
        }
        self.verdicts.push_back((p_be, verdict));
    }
}

/// "2^2047 < p < 2^2048": exactly 256 significant bytes, top bit set, and not 2^2047 itself.
pub(crate) fn canonical_prime(prime_be: &[u8]) -> Result<[u8; PRIME_LEN], CryptoError> {
    let first = prime_be
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(prime_be.len());
    let digits = prime_be.get(first..).unwrap_or_default();
    let p: [u8; PRIME_LEN] = digits
        .try_into()
        .map_err(|_| CryptoError::DhPrimeWrongSize)?;
    let power_of_two = p[0] == 0x80 && p[1..].iter().all(|&b| b == 0);
    if p[0] < 0x80 || power_of_two {
        return Err(CryptoError::DhPrimeWrongSize);
    }
    Ok(p)
}

/// `n mod m` for a big-endian `n` and a small `m`.
fn mod_small(n_be: &[u8], m: u32) -> u32 {
    n_be.iter().fold(0, |r, &b| {
        // r < m <= 24, so r * 256 + 255 < 2^13; checked_rem is None only for m = 0, which no
        // caller passes (and then 0 is returned, which no condition accepts).
        let t = r.wrapping_mul(256).wrapping_add(u32::from(b));
        t.checked_rem(m).unwrap_or(0)
    })
}

/// "g generates a cyclic subgroup of prime order (p-1)/2, i.e. is a quadratic residue mod p.
/// Since g is always equal to 2, 3, 4, 5, 6 or 7, this is easily done using quadratic
/// reciprocity law, yielding a simple condition on p mod 4g -- namely, p mod 8 = 7 for g = 2;
/// p mod 3 = 2 for g = 3; no extra condition for g = 4; p mod 5 = 1 or 4 for g = 5;
/// p mod 24 = 19 or 23 for g = 6; and p mod 7 = 3, 5 or 6 for g = 7."
pub(crate) fn check_generator(p_be: &[u8; PRIME_LEN], g: u32) -> Result<(), CryptoError> {
    let ok = match g {
        2 => mod_small(p_be, 8) == 7,
        3 => mod_small(p_be, 3) == 2,
        4 => true,
        5 => matches!(mod_small(p_be, 5), 1 | 4),
        6 => matches!(mod_small(p_be, 24), 19 | 23),
        7 => matches!(mod_small(p_be, 7), 3 | 5 | 6),
        _ => return Err(CryptoError::DhGeneratorOutOfRange),
    };
    if ok {
        Ok(())
    } else {
        Err(CryptoError::DhGeneratorCondition)
    }
}

/// "check whether p = dh_prime is a safe 2048-bit prime (meaning that both p and (p-1)/2 are
/// prime ...)". See the module documentation for the method.
pub(crate) fn check_safe_prime(p: &BigNat, rng: &mut dyn RandomSource) -> Result<(), CryptoError> {
    // p > 2^2047, so trial division can only prove it composite (2 is a trial divisor).
    if trial_division(p) == TrialDivision::Composite || !fermat(p, 2) {
        return Err(CryptoError::DhPrimeNotPrime);
    }
    // p is odd: (p - 1) / 2. A BigNat shift cannot overflow.
    #[allow(clippy::arithmetic_side_effects)]
    let q = p >> 1;
    let q_prime = trial_division(&q) != TrialDivision::Composite
        && miller_rabin(&q, MILLER_RABIN_ROUNDS, rng)?;
    if q_prime {
        // Pocklington, as above: 3 does not divide p (trial division), 2^(p-1) = 1 (Fermat).
        Ok(())
    } else {
        // (p-1)/2 is composite, so p is not a safe prime whatever p is. No rounds on p: they
        // would only name the error, and a server sending a prime p with a composite (p-1)/2
        // could make every handshake pay MILLER_RABIN_ROUNDS exponentiations for it.
        Err(CryptoError::DhPrimeNotSafe)
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::crypto::{DhParams, SeededRandom};

    use crate::crypto::dh_test_util::{be, no_rng, pow2, telegram};

    #[test]
    fn prime_size() {
        let wrong = |bytes: &[u8]| {
            DhParams::verify(bytes, 4, &mut no_rng(), &mut DhPrimeCache::new()).unwrap_err()
        };
        assert_eq!(wrong(&[]), CryptoError::DhPrimeWrongSize);
        assert_eq!(
            wrong(&TELEGRAM_DH_PRIME[1..]),
            CryptoError::DhPrimeWrongSize
        );
        let mut longer = vec![1u8];
        longer.extend_from_slice(&TELEGRAM_DH_PRIME);
        assert_eq!(wrong(&longer), CryptoError::DhPrimeWrongSize);
        assert_eq!(wrong(&be(&pow2(2047))), CryptoError::DhPrimeWrongSize);
        assert_eq!(
            wrong(&be(&(pow2(2047) - 1u32))),
            CryptoError::DhPrimeWrongSize
        );
        assert_eq!(wrong(&be(&pow2(2048))), CryptoError::DhPrimeWrongSize);
        // 2^2047 + 1 and 2^2048 - 1 have the right size; both are divisible by 3.
        assert_eq!(
            wrong(&be(&(pow2(2047) + 1u32))),
            CryptoError::DhPrimeNotPrime
        );
        assert_eq!(wrong(&[0xFF; 256]), CryptoError::DhPrimeNotPrime);
    }

    #[test]
    fn generator_range_and_condition() {
        for g in [0, 1, 8, 9, u32::MAX] {
            assert_eq!(
                telegram(g),
                Err(CryptoError::DhGeneratorOutOfRange),
                "g = {g}"
            );
        }
        // Telegram's prime is 3 mod 8, 2 mod 3, 3 mod 5, 11 mod 24 and 6 mod 7.
        for g in [2, 5, 6] {
            assert_eq!(
                telegram(g),
                Err(CryptoError::DhGeneratorCondition),
                "g = {g}"
            );
        }
        for g in [3, 4, 7] {
            assert!(telegram(g).is_ok(), "g = {g}");
        }
        // The residues, over every class mod 840 = lcm(8, 3, 5, 24, 7).
        let base = pow2(2047) + 1u32;
        for k in 0..840u32 {
            let p = &base + k;
            let p_be: [u8; PRIME_LEN] = be(&p).try_into().unwrap();
            let r = |m: u32| (&p % m).try_into().unwrap_or(u32::MAX);
            let expect = [
                r(8) == 7,
                r(3) == 2,
                true,
                [1, 4].contains(&r(5)),
                [19, 23].contains(&r(24)),
                [3, 5, 6].contains(&r(7)),
            ];
            for (g, ok) in (2..=7).zip(expect) {
                assert_eq!(check_generator(&p_be, g).is_ok(), ok, "k = {k}, g = {g}");
            }
        }
    }

    #[test]
    fn cache_remembers_verdicts() {
        let mut cache = DhPrimeCache::without_known_primes();
        // A failing random source is reported and not remembered.
        assert_eq!(
            DhParams::verify(&TELEGRAM_DH_PRIME, 3, &mut no_rng(), &mut cache),
            Err(CryptoError::RandomExhausted)
        );
        assert!(cache.is_empty());
        let mut rng = SeededRandom::new(11);
        assert!(DhParams::verify(&TELEGRAM_DH_PRIME, 3, &mut rng, &mut cache).is_ok());
        assert_eq!(cache.len(), 1);
        // Now no randomness is needed, whatever g; g's condition is still checked.
        assert!(DhParams::verify(&TELEGRAM_DH_PRIME, 4, &mut no_rng(), &mut cache).is_ok());
        assert_eq!(
            DhParams::verify(&TELEGRAM_DH_PRIME, 2, &mut no_rng(), &mut cache),
            Err(CryptoError::DhGeneratorCondition)
        );
        // Bounded: the oldest verdict goes first.
        for i in 0..DH_PRIME_CACHE_CAPACITY {
            let mut p = [0xFFu8; PRIME_LEN];
            p[0] = i as u8;
            cache.insert(p, Err(CryptoError::DhPrimeNotPrime));
        }
        assert_eq!(cache.len(), DH_PRIME_CACHE_CAPACITY);
        assert_eq!(cache.lookup(&TELEGRAM_DH_PRIME), None);
        assert_eq!(cache.lookup(&[0xFF; PRIME_LEN]), None);
        let mut p = [0xFFu8; PRIME_LEN];
        p[0] = 5;
        assert_eq!(cache.lookup(&p), Some(Err(CryptoError::DhPrimeNotPrime)));
    }
}
