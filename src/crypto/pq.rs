//! Splitting the server's `pq` into its two prime factors (the handshake's proof of work).
//!
//! ```text
//!   resPQ#05162463 nonce:int128 server_nonce:int128 pq:string ... = ResPQ;
//!   pq = p * q, p <= q, both prime (in practice both below 2^32)
//! ```
//! Spec: <https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation>:
//! "string pq is a representation of a natural number (in binary big endian format). This
//! number is the product of two different odd prime numbers. Normally, pq is less than or
//! equal to 2^63-1." and "Client decomposes pq into prime factors such that p < q."
//!
//! Method: trial division by the primes below 64, a perfect-square check, then Pollard's rho
//! with Brent's cycle detection and batched gcds, all in 64-bit Montgomery arithmetic. The
//! walk is deterministic (x0 = 2, increments c = 1, 2, 3, ...) and the total number of steps
//! is bounded, so hostile input ends in an error, never in an endless loop. Primality of
//! the input and of the factors uses Miller-Rabin with the first twelve primes as bases,
//! which is exact for every 64-bit number.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::CryptoError;

/// Bases that make Miller-Rabin deterministic below 3.3 * 10^24 (so for all of u64).
const MR_BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

/// Trial divisors tried before Pollard's rho.
const SMALL_PRIMES: [u64; 18] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61,
];

/// Pollard-Brent steps (one step = one evaluation of x^2 + c) allowed over all increments.
/// A factor below 2^32 needs about 2^16 steps; this is 64 times that.
const STEP_BUDGET: u64 = 1 << 22;

/// Increments c tried before giving up.
const MAX_INCREMENTS: u64 = 64;

/// Steps between two gcds (Brent's batch size).
const BATCH: u64 = 128;

/// Splits `pq` into `(p, q)` with `p <= q`, both prime.
///
/// A general splitter: 4, 2q and squares of primes split too. The handshake refuses those
/// afterwards ("two different odd prime numbers", p < q: `auth::client::check_pq_factors`,
/// tested in `tests/pq_factors.rs`).
///
/// Errors: [`CryptoError::PqTooSmall`] for 0 and 1; [`CryptoError::PqNotAProduct`] when `pq`
/// is prime or has more than two prime factors; [`CryptoError::PqNotFactored`] when no
/// factor is found within the step budget.
pub fn factorize_pq(pq: u64) -> Result<(u64, u64), CryptoError> {
    if pq < 2 {
        return Err(CryptoError::PqTooSmall);
    }
    // A prime has no split (the handshake's pq is "the product of two ... prime numbers").
    if is_prime_u64(pq) {
        return Err(CryptoError::PqNotAProduct);
    }
    let d = find_factor(pq)?;
    // d is a proper factor (1 < d < pq), so never zero.
    let (a, b) = (d, pq.checked_div(d).ok_or(CryptoError::PqNotFactored)?);
    let (p, q) = if a <= b { (a, b) } else { (b, a) };
    if !is_prime_u64(p) || !is_prime_u64(q) {
        return Err(CryptoError::PqNotAProduct);
    }
    Ok((p, q))
}

/// Deterministic Miller-Rabin for any u64.
pub fn is_prime_u64(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    for p in MR_BASES {
        // p is a nonzero constant: checked_rem is never None.
        if n.checked_rem(p) == Some(0) {
            return n == p;
        }
    }
    // n is odd and greater than 37 here, so every base is a proper residue, n - 1 does not
    // wrap, and one (R mod n) is below n.
    let m = Mont::new(n);
    let n_minus_1 = n.saturating_sub(1);
    let s = n_minus_1.trailing_zeros();
    let d = n_minus_1 >> s;
    let one = m.one();
    let minus_one = n.saturating_sub(one);
    'bases: for a in MR_BASES {
        let mut x = m.pow(m.to_mont(a), d);
        if x == one || x == minus_one {
            continue;
        }
        for _ in 1..s {
            x = m.mul(x, x);
            if x == minus_one {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// A non-trivial factor of the composite `n`.
fn find_factor(n: u64) -> Result<u64, CryptoError> {
    for p in SMALL_PRIMES {
        // p is a nonzero constant: checked_rem is never None.
        if n.checked_rem(p) == Some(0) {
            return Ok(p);
        }
    }
    let r = n.isqrt();
    if r.checked_mul(r) == Some(n) {
        return Ok(r);
    }
    // n is odd now (2 was tried), so Montgomery form applies.
    let m = Mont::new(n);
    let mut budget = STEP_BUDGET;
    for c in 1..=MAX_INCREMENTS {
        match brent(&m, c, &mut budget) {
            Some(f) => return Ok(f),
            None if budget == 0 => break,
            None => {}
        }
    }
    Err(CryptoError::PqNotFactored)
}

/// One Pollard-Brent walk x -> x^2 + c (in Montgomery form). Returns a proper factor, or
/// `None` when the walk only found `n` itself or the budget ran out.
fn brent(m: &Mont, c: u64, budget: &mut u64) -> Option<u64> {
    let n = m.n;
    // n is odd (Mont's contract), so never zero: these never fall back.
    let c = c.checked_rem(n).unwrap_or(c);
    // x^2 + c folded into one reduction: redc(x*x + c) = x^2 R^-1 + c R^-1, still a map
    // X -> X^2 + c' on the plain residues (c' = c R^-2), as good for rho as any other.
    let f = |x: u64| m.sqr_add(x, c);
    let mut y = m.to_mont(2);
    let mut x = y;
    let mut q = m.one();
    let mut r = 1u64;
    loop {
        // y runs r steps ahead of x, then is compared with x for the next r steps.
        for _ in 0..r {
            *budget = budget.checked_sub(1)?;
            y = f(y);
        }
        let mut k = 0;
        while k < r {
            let ys = y;
            // k < r (the loop condition), and k + steps <= r.
            let steps = BATCH.min(r.saturating_sub(k));
            for _ in 0..steps {
                *budget = budget.checked_sub(1)?;
                y = f(y);
                q = m.mul(q, x.abs_diff(y));
            }
            match gcd(q, n) {
                1 => {}
                g if g == n => return backtrack(m, c, x, ys, steps, budget),
                g => return Some(g),
            }
            k = k.saturating_add(steps);
        }
        x = y;
        r = r.saturating_mul(2);
    }
}

/// The batch starting after `ys` overshot (or hit x == y): replay it one step at a time.
fn backtrack(m: &Mont, c: u64, x: u64, mut ys: u64, steps: u64, budget: &mut u64) -> Option<u64> {
    for _ in 0..steps {
        *budget = budget.checked_sub(1)?;
        ys = m.sqr_add(ys, c);
        match gcd(x.abs_diff(ys), m.n) {
            1 => {}
            g if g == m.n => return None,
            g => return Some(g),
        }
    }
    None
}

/// Binary gcd.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            core::mem::swap(&mut a, &mut b);
        }
        // a <= b after the swap.
        b = b.saturating_sub(a);
        if b == 0 {
            return a << shift;
        }
    }
}

/// Montgomery arithmetic modulo an odd `n` (callers guarantee oddness), with R = 2^64.
struct Mont {
    n: u64,
    /// n^-1 mod 2^64.
    n_inv: u64,
    /// R^2 mod n.
    r2: u64,
}

impl Mont {
    fn new(n: u64) -> Self {
        // Newton's iteration: n * n == 1 mod 8 for odd n, and each step doubles the bits.
        let mut inv = n;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n.wrapping_mul(inv)));
        }
        // n is odd, so nonzero: the remainders never fall back. r1 < n < 2^64, so r1 * r1
        // < 2^128 and the product cannot overflow.
        let n128 = u128::from(n);
        let r1 = (1u128 << 64).checked_rem(n128).unwrap_or(0) as u64;
        let r2 = u128::from(r1)
            .wrapping_mul(u128::from(r1))
            .checked_rem(n128)
            .unwrap_or(0) as u64;
        Self { n, n_inv: inv, r2 }
    }

    /// (hi:lo) * R^-1 mod n, for hi:lo < n * R.
    #[inline(always)]
    fn redc(&self, lo: u64, hi: u64) -> u64 {
        let m = lo.wrapping_mul(self.n_inv);
        let (_, mn_hi) = mul_wide(m, self.n);
        let (res, borrow) = hi.overflowing_sub(mn_hi);
        res.wrapping_add(self.n & 0u64.wrapping_sub(u64::from(borrow)))
    }

    #[inline(always)]
    fn mul(&self, a: u64, b: u64) -> u64 {
        let (lo, hi) = mul_wide(a, b);
        self.redc(lo, hi)
    }

    #[inline(always)]
    fn sqr_add(&self, x: u64, c: u64) -> u64 {
        let (lo, hi) = sqr_wide(x);
        let (lo, carry) = lo.overflowing_add(c);
        // x < n and c < n, so x * x + c < n * 2^64: hi + carry <= n - 1, no overflow.
        self.redc(lo, hi.wrapping_add(u64::from(carry)))
    }

    fn to_mont(&self, a: u64) -> u64 {
        // n is odd, so nonzero: the remainder never falls back.
        self.mul(a.checked_rem(self.n).unwrap_or(a), self.r2)
    }

    fn one(&self) -> u64 {
        self.redc(self.r2, 0)
    }

    fn pow(&self, mut base: u64, mut exp: u64) -> u64 {
        let mut acc = self.one();
        while exp > 0 {
            if exp & 1 == 1 {
                acc = self.mul(acc, base);
            }
            base = self.mul(base, base);
            exp >>= 1;
        }
        acc
    }
}

/// The full 128-bit product as (low, high) halves.
#[inline(always)]
fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    #[cfg(target_arch = "wasm32")]
    {
        mul_wide_halves(a, b)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        // (2^64 - 1)^2 < 2^128: a u64 x u64 product cannot overflow u128.
        let t = u128::from(a).wrapping_mul(u128::from(b));
        (t as u64, (t >> 64) as u64)
    }
}

/// x * x as (low, high) halves.
#[inline(always)]
fn sqr_wide(x: u64) -> (u64, u64) {
    #[cfg(target_arch = "wasm32")]
    {
        sqr_wide_halves(x)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        mul_wide(x, x)
    }
}

// WebAssembly has no 64x64->128 multiply: a u128 product becomes a call to the generic
// 128x128 `__multi3`. Four (three for a square) 32x32->64 products inline are ~20% faster
// there (measured under Node 20).
#[cfg(any(target_arch = "wasm32", test))]
const LOW32: u64 = 0xFFFF_FFFF;

// Every product is of two 32-bit halves (< 2^64), and each sum is bounded in the comments
// (mid < 3 * 2^32; the high word is the exact high half of a 128-bit product): no overflow.
#[cfg(any(target_arch = "wasm32", test))]
#[allow(clippy::arithmetic_side_effects)]
#[inline(always)]
fn mul_wide_halves(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1) = (a & LOW32, a >> 32);
    let (b0, b1) = (b & LOW32, b >> 32);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 32) + (p01 & LOW32) + (p10 & LOW32); // < 3 * 2^32
    (
        (p00 & LOW32) | (mid << 32),
        p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
    )
}

// As mul_wide_halves: 32-bit halves, bounded sums, no overflow.
#[cfg(any(target_arch = "wasm32", test))]
#[allow(clippy::arithmetic_side_effects)]
#[inline(always)]
fn sqr_wide_halves(x: u64) -> (u64, u64) {
    let (x0, x1) = (x & LOW32, x >> 32);
    let (p00, p01, p11) = (x0 * x0, x0 * x1, x1 * x1);
    let mid = (p00 >> 32) + 2 * (p01 & LOW32); // < 3 * 2^32
    (
        (p00 & LOW32) | (mid << 32),
        p11 + 2 * (p01 >> 32) + (mid >> 32),
    )
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::crypto::SeededRandom;

    #[test]
    fn spec_and_kat_samples() {
        // core.telegram.org/mtproto/auth_key: 17ED48941A08F981 = 494C553B * 53911073.
        assert_eq!(
            factorize_pq(0x17ED_4894_1A08_F981),
            Ok((0x494C_553B, 0x5391_1073))
        );
        // core.telegram.org/mtproto/samples-auth_key (Feb 2024).
        assert_eq!(
            factorize_pq(0x2565_95ED_B776_6797),
            Ok((0x5A30_0D4B, 0x6A26_DB65))
        );
    }

    #[test]
    fn small_and_edge_products() {
        assert_eq!(factorize_pq(4), Ok((2, 2)));
        assert_eq!(factorize_pq(6), Ok((2, 3)));
        assert_eq!(factorize_pq(15), Ok((3, 5)));
        assert_eq!(factorize_pq(49), Ok((7, 7)));
        assert_eq!(factorize_pq(67 * 71), Ok((67, 71)));
        assert_eq!(factorize_pq(2 * 0xFFFF_FFFB), Ok((2, 0xFFFF_FFFB)));
        assert_eq!(
            factorize_pq(0xFFFF_FFFB * 0xFFFF_FFFB),
            Ok((0xFFFF_FFFB, 0xFFFF_FFFB))
        );
        assert_eq!(
            factorize_pq(0xFFFF_FFFB * 0xFFFF_FFEF),
            Ok((0xFFFF_FFEF, 0xFFFF_FFFB))
        );
        // Unbalanced: a small prime times a prime near 2^61.
        let big = (1u64 << 61) - 1; // Mersenne prime
        assert_eq!(factorize_pq(3 * big), Ok((3, big)));
        assert_eq!(factorize_pq(7 * big), Ok((7, big)));
        assert_eq!(factorize_pq(67 * 0xFFFF_FFFB), Ok((67, 0xFFFF_FFFB)));
    }

    #[test]
    fn rejects_non_products() {
        assert_eq!(factorize_pq(0), Err(CryptoError::PqTooSmall));
        assert_eq!(factorize_pq(1), Err(CryptoError::PqTooSmall));
        for p in [
            2u64,
            3,
            5,
            0xFFFF_FFFB,
            (1 << 61) - 1,
            18_446_744_073_709_551_557,
        ] {
            assert_eq!(factorize_pq(p), Err(CryptoError::PqNotAProduct), "{p}");
        }
        for n in [
            8u64,
            27,
            30,
            105,
            3 * 5 * 0xFFFF_FFFB,
            0x494C_553B * 4,
            1 << 63,
            u64::MAX,
        ] {
            assert_eq!(factorize_pq(n), Err(CryptoError::PqNotAProduct), "{n}");
        }
        // Three primes near 2^21: no small factor, not a square.
        let (a, b, c) = (2_097_143u64, 2_097_133u64, 2_097_131u64);
        assert!(is_prime_u64(a) && is_prime_u64(b) && is_prime_u64(c));
        assert_eq!(factorize_pq(a * b * c), Err(CryptoError::PqNotAProduct));
        // A prime cube just below 2^63.
        let p = 2_097_143u64;
        assert_eq!(factorize_pq(p * p * p), Err(CryptoError::PqNotAProduct));
    }

    #[test]
    fn miller_rabin_u64() {
        let primes: Vec<u64> = (0..200).filter(|&n| is_prime_u64(n)).collect();
        assert_eq!(primes.len(), 46);
        assert_eq!(&primes[..8], &[2, 3, 5, 7, 11, 13, 17, 19]);
        // Strong pseudoprimes to several small bases.
        for n in [
            2047u64,
            1_373_653,
            25_326_001,
            3_215_031_751,
            3_825_123_056_546_413_051,
        ] {
            assert!(!is_prime_u64(n), "{n}");
        }
        assert!(is_prime_u64(u64::MAX - 58)); // largest 64-bit prime
        assert!(!is_prime_u64(u64::MAX));
    }

    fn random_prime_below_2_32(rng: &mut SeededRandom) -> u64 {
        loop {
            let c = (rng.next_u64() >> 32) | 1;
            if c > 2 && is_prime_u64(c) {
                return c;
            }
        }
    }

    #[test]
    fn random_products_of_two_primes() {
        let mut rng = SeededRandom::new(0x5EED_0001);
        for i in 0..3000 {
            let a = random_prime_below_2_32(&mut rng);
            // Every fifth pair mixes a small prime in; every 50th is a square.
            let b = match i % 50 {
                0 => a,
                k if k % 5 == 0 => SMALL_PRIMES[(rng.next_u64() % 18) as usize],
                _ => random_prime_below_2_32(&mut rng),
            };
            let (p, q) = if a <= b { (a, b) } else { (b, a) };
            assert_eq!(factorize_pq(p * q), Ok((p, q)), "{p} * {q}");
        }
    }

    #[test]
    fn gcd_and_montgomery() {
        assert_eq!(gcd(0, 5), 5);
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(gcd(u64::MAX, 3), 3);
        let n = u64::MAX; // odd
        let m = Mont::new(n);
        let a = m.to_mont(123_456_789);
        let b = m.to_mont(987_654_321);
        assert_eq!(m.redc(m.mul(a, b), 0), 123_456_789 * 987_654_321 % n);
        // The 32-bit-halves products used on wasm32 agree with u128.
        let mut rng = SeededRandom::new(3);
        for i in 0..10_000 {
            let (a, b) = match i {
                0 => (u64::MAX, u64::MAX),
                1 => (0, u64::MAX),
                _ => (rng.next_u64(), rng.next_u64()),
            };
            let t = u128::from(a) * u128::from(b);
            assert_eq!(mul_wide_halves(a, b), (t as u64, (t >> 64) as u64));
            let t = u128::from(a) * u128::from(a);
            assert_eq!(sqr_wide_halves(a), (t as u64, (t >> 64) as u64));
        }
    }

    /// Timing, natively: `cargo test --release --lib pq_timing -- --ignored --nocapture`.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    #[ignore = "timing, not a check"]
    fn pq_timing() {
        let kat = 0x2565_95ED_B776_6797u64;
        let t = std::time::Instant::now();
        let runs = 2000u32;
        for _ in 0..runs {
            assert!(factorize_pq(core::hint::black_box(kat)).is_ok());
        }
        println!("KAT pq: {:?} per call", t.elapsed() / runs);
        let mut rng = SeededRandom::new(7);
        let pqs: Vec<u64> = (0..runs)
            .map(|_| random_prime_below_2_32(&mut rng) * random_prime_below_2_32(&mut rng))
            .collect();
        let t = std::time::Instant::now();
        for &pq in &pqs {
            assert!(factorize_pq(pq).is_ok());
        }
        println!(
            "random 32x32-bit products: {:?} per call",
            t.elapsed() / runs
        );
    }
}
