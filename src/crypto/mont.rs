//! Modular exponentiation with Montgomery multiplication over fixed-size arrays, for odd
//! moduli of up to 2048 bits (DH over dh_prime, RSA encryption, Miller-Rabin).
//!
//! # Representation
//!
//! Numbers are little-endian arrays of 28-bit limbs held in `u32`s ("reduced radix"):
//! wasm32 multiplies 64-bit integers natively but has no 64x64->128 product, and with
//! 28-bit limbs a column of the schoolbook product sums up to 2 * 74 products of 56 bits
//! into one `u64` without any carry handling (148 * 2^56 < 2^64). The inner loops are then
//! a multiply and an add per product, with no carry chain: the carries are propagated
//! once per column.
//!
//! # Montgomery multiplication
//!
//! P. Montgomery, "Modular multiplication without trial division", Math. Comp. 44 (1985).
//! With R = 2^(28 L) (L limbs), `mont_mul(a, b) = a b R^-1 mod N`, computed in the
//! "finely integrated product scanning" order (FIPS) of Koç, Acar and Kaliski, "Analyzing
//! and Comparing Montgomery Multiplication Algorithms", IEEE Micro 16(3), 1996: column k
//! of the product a b and of the reduction multiple m N are summed together; the reduction
//! digit m_k is chosen so that the column ends in 28 zero bits, which are shifted out.
//! Squaring sums each symmetric pair a_i a_j once and doubles it (about half the products).
//!
//! L is chosen so that R > 4N. Then inputs below 2N give outputs below 2N
//! ((ab + mN) / R < 4N^2 / R + N < 2N; C. Walter, "Montgomery exponentiation needs no final
//! subtractions", Electronics Letters 35(21), 1999), so there is no conditional subtraction
//! in the multiplication at all: its instruction and memory trace depend only on L. One
//! masked subtraction brings the final result into [0, N).
//!
//! Product scanning reads one operand forwards and the other backwards. The wasm SIMD
//! build (`target_feature = "simd128"`, here and in `mont_dot.rs`) reads a reversed copy of
//! the second operand forwards, four limbs per vector, and multiplies with
//! `i64x2.extmul_{low,high}_i32x4_u` (two 32 x 32 -> 64-bit products per instruction). The
//! scalar build (`mont_pair.rs`, also the native one) sums two adjacent columns per pass,
//! so that each product needs one load instead of two.
//!
//! # Exponentiation
//!
//! [`MontModulus::pow`], for secret exponents: fixed 5-bit windows over every bit of the
//! exponent's byte string (its length is public, its value is not); each window does 5
//! squarings and one multiplication by a table entry, even when the window is zero. The
//! entry is read by scanning the whole table and masking (no memory access depends on the
//! exponent). Secret intermediates (table, accumulator) are wiped when done.
//! [`MontModulus::pow_public`], for public exponents (RSA's e, Miller-Rabin): the same
//! windows without the scanning, skipping zero windows and leading zero bits.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::CryptoError;
#[cfg(target_feature = "simd128")]
use super::mont_dot::{column, conv, head};
use super::nat::BigNat;

/// The scalar build's multiplication and squaring (two columns per pass).
#[cfg(not(target_feature = "simd128"))]
#[path = "mont_pair.rs"]
mod pair;

/// Bits per limb.
const BITS: u32 = 28;
/// The low [`BITS`] bits.
const MASK: u32 = (1 << BITS) - 1;
/// The largest modulus, in bytes.
pub(crate) const MAX_MODULUS_BYTES: usize = 256;
/// Limbs for the largest modulus: 28 * 74 = 2072 >= 2048 + 2 (R > 4N).
pub(super) const MAX_LIMBS: usize = 74;
/// Window width of the exponentiations.
const WINDOW: u32 = 5;
/// Entries in a window table.
const TABLE_LEN: usize = 1 << WINDOW;

/// A number as limbs; only the first `len` of its modulus are used.
pub(super) type Limbs = [u32; MAX_LIMBS];

/// An odd modulus prepared for Montgomery arithmetic.
#[derive(Clone, PartialEq, Eq)]
pub struct MontModulus {
    /// N, limbs.
    n: Limbs,
    /// N's first L limbs in reverse order: the reduction's dot products run forwards.
    #[cfg(target_feature = "simd128")]
    n_rev: Limbs,
    /// Limbs in use (L); R = 2^(28 L) > 4N.
    len: usize,
    /// -N^-1 mod 2^28.
    n0inv: u32,
    /// R^2 mod N: converts into the Montgomery domain.
    r2: Limbs,
    /// R mod N: 1 in the Montgomery domain.
    one: Limbs,
    /// Bytes of N without leading zeros: the length of every result.
    bytes: usize,
    /// N as a number, for reducing oversized bases.
    modulus: BigNat,
}

impl core::fmt::Debug for MontModulus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "MontModulus {{ bytes: {}, limbs: {} }}",
            self.bytes, self.len
        )
    }
}

impl MontModulus {
    /// Prepares the big-endian odd modulus `modulus_be` (leading zero bytes allowed; at
    /// most 256 significant bytes). Even, zero or oversized moduli are a
    /// [`CryptoError::WrongLength`].
    pub fn new(modulus_be: &[u8]) -> Result<Self, CryptoError> {
        let first = modulus_be
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(modulus_be.len());
        let digits = modulus_be.get(first..).unwrap_or_default();
        let odd = digits.last().is_some_and(|b| b & 1 == 1);
        if !odd || digits.len() > MAX_MODULUS_BYTES {
            return Err(CryptoError::WrongLength {
                what: "Montgomery modulus",
                expected: "an odd number of at most 256 bytes",
                got: modulus_be.len(),
            });
        }
        let modulus = BigNat::from_be_bytes(digits);
        let len = modulus
            .bits()
            .saturating_add(2)
            .div_ceil(BITS as usize)
            .min(MAX_LIMBS);
        let n = limbs_from_be(digits).unwrap_or([0; MAX_LIMBS]);
        // Newton's iteration for n0^-1 mod 2^32: x = n0 is right mod 8, each step doubles
        // the correct bits (3 -> 6 -> 12 -> 24 -> 48).
        let n0 = n[0];
        let mut x = n0;
        for _ in 0..4 {
            x = x.wrapping_mul(2u32.wrapping_sub(n0.wrapping_mul(x)));
        }
        let n0inv = x.wrapping_neg() & MASK;
        // len <= MAX_LIMBS: neither product can saturate.
        let r_bits = (BITS as usize).saturating_mul(len);
        // Set-up with public values only: variable-time remainders are fine.
        let one = limbs_from_nat(
            &BigNat::pow2(r_bits)
                .checked_rem(&modulus)
                .unwrap_or_default(),
        );
        let r2 = limbs_from_nat(
            &BigNat::pow2(r_bits.saturating_mul(2))
                .checked_rem(&modulus)
                .unwrap_or_default(),
        );
        Ok(Self {
            #[cfg(target_feature = "simd128")]
            n_rev: reversed(&n, len),
            n,
            len,
            n0inv,
            r2,
            one,
            bytes: digits.len(),
            modulus,
        })
    }

    /// Bytes in every result: the modulus without leading zero bytes.
    pub fn byte_len(&self) -> usize {
        self.bytes
    }

    /// `base^exp mod N` in constant time in the exponent's value (only its byte length
    /// shows): fixed windows and table scans, see the module documentation. Big-endian in
    /// and out; the result is left-padded to [`MontModulus::byte_len`] bytes.
    ///
    /// The base is taken as public as far as its size goes: one below R = 2^(28 L) >= 4N
    /// (for a 2048-bit N, any base of up to 256 bytes) is used as is; a larger one is first
    /// reduced with [`BigNat::checked_rem`] (variable time).
    pub fn pow(&self, base_be: &[u8], exp_be: &[u8]) -> Vec<u8> {
        let mut table = Zeroizing::new(vec![[0u32; MAX_LIMBS]; TABLE_LEN]);
        self.fill_table(base_be, &mut table);
        let mut acc = Zeroizing::new(self.one);
        let mut tmp = Zeroizing::new([0u32; MAX_LIMBS]);
        let mut entry = Zeroizing::new([0u32; MAX_LIMBS]);
        // Saturates only for an exponent of usize::MAX / 8 bytes, which cannot be in memory.
        let windows = exp_be.len().saturating_mul(8).div_ceil(WINDOW as usize);
        for w in (0..windows).rev() {
            // The first window multiplies 1 by its entry: harmless, and keeps every window
            // the same.
            // w < windows: w + 1 cannot saturate.
            if w.saturating_add(1) != windows {
                for _ in 0..WINDOW {
                    self.sqr(&acc, &mut tmp);
                    core::mem::swap(&mut *acc, &mut *tmp);
                }
            }
            let mut digit = window(exp_be, w);
            self.select(&table, digit, &mut entry);
            digit.zeroize();
            self.mul(&acc, &entry, &mut tmp);
            core::mem::swap(&mut *acc, &mut *tmp);
        }
        self.finish(&acc)
    }

    /// `base^exp mod N` for a public exponent: faster, but its time and memory accesses
    /// depend on the exponent. Same encoding as [`MontModulus::pow`].
    pub fn pow_public(&self, base_be: &[u8], exp_be: &[u8]) -> Vec<u8> {
        let first = exp_be.iter().position(|&b| b != 0).unwrap_or(exp_be.len());
        let exp = exp_be.get(first..).unwrap_or_default();
        // exp starts with a nonzero byte (leading_zeros < 8) or is empty: no clamping.
        let bits = exp
            .len()
            .saturating_mul(8)
            .saturating_sub(exp.first().map_or(0, |b| b.leading_zeros() as usize));
        let mut table = Zeroizing::new(vec![[0u32; MAX_LIMBS]; TABLE_LEN]);
        // Short exponents (e = 65537) only need the base itself: square-and-multiply.
        let width = if bits <= 64 { 1 } else { WINDOW };
        let used = 1 << width;
        self.fill_table(base_be, table.get_mut(..used).unwrap_or_default());
        let mut acc = Zeroizing::new(self.one);
        let mut tmp = Zeroizing::new([0u32; MAX_LIMBS]);
        let windows = bits.div_ceil(width as usize);
        for w in (0..windows).rev() {
            // w < windows: w + 1 cannot saturate.
            if w.saturating_add(1) != windows {
                for _ in 0..width {
                    self.sqr(&acc, &mut tmp);
                    core::mem::swap(&mut *acc, &mut *tmp);
                }
            }
            // w * width < bits: no saturation.
            let digit = bits_at(exp, w.saturating_mul(width as usize), width) as usize;
            if let Some(entry) = table.get(digit).filter(|_| digit != 0) {
                self.mul(&acc, entry, &mut tmp);
                core::mem::swap(&mut *acc, &mut *tmp);
            }
        }
        self.finish(&acc)
    }

    /// table[i] = base^i R mod N (Montgomery form) for every i < table.len().
    fn fill_table(&self, base_be: &[u8], table: &mut [Limbs]) {
        let mut base = Zeroizing::new(self.load(base_be));
        let mut mont_base = Zeroizing::new([0u32; MAX_LIMBS]);
        self.mul(&base, &self.r2, &mut mont_base);
        base.zeroize();
        let mut prev: Option<&Limbs> = None;
        for (i, slot) in table.iter_mut().enumerate() {
            match (i, prev) {
                (0, _) => *slot = self.one,
                (1, _) => *slot = *mont_base,
                (_, Some(p)) => self.mul(p, &mont_base, slot),
                (_, None) => {}
            }
            prev = Some(slot);
        }
    }

    /// `base_be` as limbs below R (reduced mod N first only if it does not fit).
    fn load(&self, base_be: &[u8]) -> Limbs {
        match limbs_from_be(base_be) {
            Some(limbs)
                if limbs
                    .get(self.len..)
                    .is_some_and(|h| h.iter().all(|&x| x == 0)) =>
            {
                limbs
            }
            _ => {
                // The reduced copy wipes itself when dropped.
                let reduced = BigNat::from_be_bytes(base_be).checked_rem(&self.modulus);
                limbs_from_nat(&reduced.unwrap_or_default())
            }
        }
    }

    /// `out = table[index]`, reading every entry.
    fn select(&self, table: &[Limbs], index: u32, out: &mut Limbs) {
        let l = self.len;
        out.fill(0);
        for (i, entry) in (0u32..).zip(table) {
            let mask = 0u32.wrapping_sub(u32::from(i.ct_eq(&index).unwrap_u8()));
            for (o, &e) in out.iter_mut().zip(entry).take(l) {
                *o |= e & mask;
            }
        }
    }

    /// Leaves the Montgomery domain, reduces into [0, N) with a masked subtraction and
    /// writes big-endian bytes.
    fn finish(&self, acc: &Limbs) -> Vec<u8> {
        let mut unit = [0u32; MAX_LIMBS];
        unit[0] = 1;
        let mut r = Zeroizing::new([0u32; MAX_LIMBS]);
        // acc R^-1 < (2N + R N) / R <= N + 1: at most N, and N only for 0.
        self.mul(acc, &unit, &mut r);
        let mut d = Zeroizing::new([0u32; MAX_LIMBS]);
        let mut borrow = 0u32;
        for ((d, &x), &n) in d.iter_mut().zip(r.iter()).zip(&self.n).take(self.len) {
            let t = x.wrapping_sub(n).wrapping_sub(borrow);
            *d = t & MASK;
            borrow = t >> 31;
        }
        // borrow = 1: r < N, keep r; else take r - N.
        let keep = 0u32.wrapping_sub(borrow);
        for (x, &d) in r.iter_mut().zip(d.iter()) {
            *x = (*x & keep) | (d & !keep);
        }
        let mut out = vec![0u8; self.bytes];
        limbs_to_be(&r, &mut out);
        out
    }

    #[cfg(target_feature = "simd128")]
    // Limb arithmetic (see the module docs): column sums of at most 2 L products of 56 bits
    // in a u64 (148 * 2^56 < 2^64), no carry chain; lo <= hi + 1 by `column`; every index
    // is a `get`. Nothing here wraps.
    #[allow(clippy::arithmetic_side_effects)]
    /// `out = a b R^-1 mod N`, below 2N for inputs below 2N (FIPS, see the module docs).
    fn mul(&self, a: &Limbs, b: &Limbs, out: &mut Limbs) {
        let l = self.len;
        let a = head(a, l);
        let b_rev = Zeroizing::new(reversed(b, l));
        let b = head(b, l);
        self.reduce(out, |k| {
            let (lo, hi) = column(k, l);
            conv(a, b, &*b_rev, k, lo, hi + 1 - lo)
        });
    }

    #[cfg(target_feature = "simd128")]
    // Limb arithmetic (see the module docs): column sums of at most 2 L products of 56 bits
    // in a u64 (148 * 2^56 < 2^64), no carry chain; lo <= hi + 1 by `column`; every index
    // is a `get`. Nothing here wraps.
    #[allow(clippy::arithmetic_side_effects)]
    /// `out = a^2 R^-1 mod N`: each product a_i a_j with i != j is summed once and doubled.
    fn sqr(&self, a: &Limbs, out: &mut Limbs) {
        let l = self.len;
        let a_rev = Zeroizing::new(reversed(a, l));
        let a = head(a, l);
        self.reduce(out, |k| {
            let (lo, hi) = column(k, l);
            let pairs = (hi + 1 - lo) / 2;
            let off = conv(a, a, &*a_rev, k, lo, pairs) << 1;
            let diag = if k % 2 == 0 {
                a.get(k / 2).map_or(0, |&x| u64::from(x) * u64::from(x))
            } else {
                0
            };
            off + diag
        });
    }

    /// Montgomery reduction interleaved with the product: `product(k)` is column k of the
    /// product (at most L products of 56 bits); this adds column k of m N and shifts.
    #[cfg(target_feature = "simd128")]
    // Limb arithmetic (see the module docs): column sums of at most 2 L products of 56 bits
    // in a u64 (148 * 2^56 < 2^64), no carry chain; lo <= hi + 1 by `column`; every index
    // is a `get`. Nothing here wraps.
    #[allow(clippy::arithmetic_side_effects)]
    #[inline(always)]
    fn reduce(&self, out: &mut Limbs, product: impl Fn(usize) -> u64) {
        let l = self.len;
        let n0 = u64::from(self.n[0]);
        let (n, n_rev) = (head(&self.n, l), &self.n_rev[..]);
        let mut m = [0u32; MAX_LIMBS];
        let mut acc = 0u64;
        for k in 0..l {
            acc += product(k) + conv(&m, n, n_rev, k, 0, k);
            let mk = (acc as u32).wrapping_mul(self.n0inv) & MASK;
            if let Some(slot) = m.get_mut(k) {
                *slot = mk;
            }
            acc += u64::from(mk) * n0;
            acc >>= BITS;
        }
        for (k, o) in (l..2 * l).zip(out.iter_mut()) {
            let (lo, hi) = column(k, l);
            acc += product(k) + conv(&m, n, n_rev, k, lo, hi + 1 - lo);
            *o = acc as u32 & MASK;
            acc >>= BITS;
        }
        m.zeroize();
    }
}

/// The first `l` limbs of `x` in reverse order (x[l - 1], ..., x[0], 0, ...).
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn reversed(x: &Limbs, l: usize) -> Limbs {
    let mut out = [0u32; MAX_LIMBS];
    for (o, &v) in out.iter_mut().zip(head(x, l).iter().rev()) {
        *o = v;
    }
    out
}

/// Bits [w * width, (w + 1) * width) of the big-endian `exp` (an exponent window); bits
/// beyond the number are 0.
fn bits_at(exp: &[u8], from: usize, width: u32) -> u32 {
    let mut digit = 0;
    // from + width and 1 + bit / 8 stay below the exponent's bit count plus a window.
    for bit in (from..from.saturating_add(width as usize)).rev() {
        let byte = exp
            .len()
            .checked_sub((bit / 8).saturating_add(1))
            .and_then(|i| exp.get(i))
            .copied()
            .unwrap_or(0);
        digit = (digit << 1) | u32::from((byte >> (bit % 8)) & 1);
    }
    digit
}

/// Window `w` of a secret exponent: reads the same bytes whatever their values.
fn window(exp: &[u8], w: usize) -> u32 {
    bits_at(exp, w.saturating_mul(WINDOW as usize), WINDOW)
}

/// A big-endian number as limbs, or `None` if it needs more than [`MAX_LIMBS`] limbs.
fn limbs_from_be(bytes: &[u8]) -> Option<Limbs> {
    let mut out = [0u32; MAX_LIMBS];
    let mut limbs = out.iter_mut();
    let (mut buf, mut have) = (0u64, 0u32);
    for &byte in bytes.iter().rev() {
        buf |= u64::from(byte) << have;
        // have < BITS before the byte, so below BITS + 8 after: no saturation.
        have = have.saturating_add(8);
        if have >= BITS {
            match limbs.next() {
                Some(limb) => *limb = buf as u32 & MASK,
                None if buf & u64::from(MASK) == 0 => {}
                None => return None,
            }
            buf >>= BITS;
            have = have.saturating_sub(BITS); // have >= BITS here
        }
    }
    match limbs.next() {
        Some(limb) => *limb = buf as u32,
        None if buf == 0 => {}
        None => return None,
    }
    Some(out)
}

/// A number below 2^(28 * 74) as limbs (a larger one gives 0).
fn limbs_from_nat(x: &BigNat) -> Limbs {
    let bytes = Zeroizing::new(x.to_be_bytes());
    limbs_from_be(&bytes).unwrap_or([0; MAX_LIMBS])
}

/// Writes the low `out.len()` bytes of the number in `limbs`, big-endian.
fn limbs_to_be(limbs: &Limbs, out: &mut [u8]) {
    let mut bytes = out.iter_mut().rev();
    let (mut buf, mut have) = (0u64, 0u32);
    for &limb in limbs {
        buf |= u64::from(limb) << have;
        // have < 8 before the limb, so below BITS + 8 after: no saturation.
        have = have.saturating_add(BITS);
        while have >= 8 {
            if let Some(b) = bytes.next() {
                *b = buf as u8;
            }
            buf >>= 8;
            have = have.saturating_sub(8); // have >= 8 here
        }
    }
    buf.zeroize();
}
