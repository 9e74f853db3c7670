//! [`BigNat`], the crate's own arbitrary-size natural number: byte conversions, comparison,
//! addition, subtraction and shifts. Multiplication, division and powers are in `nat_div.rs`.
//!
//! Used for what is not a hot loop: range checks of DH values, RSA key checks, trial
//! division, Miller-Rabin bookkeeping and the set-up of [`super::MontModulus`] (the 2048-bit
//! exponentiations themselves run on the Montgomery code in `mont.rs`). Nothing here is
//! constant time; every number's limbs are overwritten with zeros when it is dropped.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::cmp::Ordering;
use core::fmt;
use core::ops::{Add, Shl, Shr};

use zeroize::Zeroize;

use super::CryptoError;

/// Bits per limb.
pub(super) const LIMB_BITS: usize = 32;

/// A natural number (0, 1, 2, ...) of any size, as little-endian 32-bit limbs with no zero
/// limb at the top (0 has no limbs). Its limbs are wiped when it is dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BigNat {
    /// Least significant limb first; the last one is never 0.
    pub(super) limbs: Vec<u32>,
}

impl Drop for BigNat {
    // Not inlined: one copy of the wipe instead of one in every type that holds a number.
    #[inline(never)]
    fn drop(&mut self) {
        self.limbs.zeroize();
    }
}

impl fmt::Debug for BigNat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BigNat(0x")?;
        for b in self.to_be_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl From<u32> for BigNat {
    fn from(x: u32) -> Self {
        Self::from_limbs(vec![x])
    }
}

impl From<u64> for BigNat {
    fn from(x: u64) -> Self {
        Self::from_limbs(vec![x as u32, (x >> 32) as u32])
    }
}

impl BigNat {
    /// The number with these little-endian limbs (zero limbs at the top are dropped).
    pub(super) fn from_limbs(mut limbs: Vec<u32>) -> Self {
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        Self { limbs }
    }

    /// The number written in `bytes`, big-endian (leading zero bytes and the empty string
    /// are fine).
    pub fn from_be_bytes(bytes: &[u8]) -> Self {
        let limbs = bytes
            .rchunks(4)
            .map(|chunk| chunk.iter().fold(0u32, |l, &b| (l << 8) | u32::from(b)))
            .collect();
        Self::from_limbs(limbs)
    }

    /// 2^`exponent`.
    pub fn pow2(exponent: usize) -> Self {
        let mut limbs = vec![0u32; (exponent / LIMB_BITS).saturating_add(1)];
        if let Some(top) = limbs.last_mut() {
            *top = 1 << (exponent % LIMB_BITS);
        }
        Self { limbs }
    }

    /// Big-endian bytes without leading zeros; 0 is a single zero byte.
    pub fn to_be_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.byte_len().max(1)];
        self.write_be(&mut out);
        out
    }

    /// Exactly `len` big-endian bytes, left-padded with zeros. Fails with
    /// [`CryptoError::WrongLength`] if the number needs more than `len` bytes.
    pub fn to_be_padded(&self, len: usize) -> Result<Vec<u8>, CryptoError> {
        let digits = self.byte_len();
        if digits > len {
            return Err(CryptoError::WrongLength {
                what: "big-endian number",
                expected: "no more significant bytes than the padded length",
                got: digits,
            });
        }
        let mut out = vec![0u8; len];
        self.write_be(&mut out);
        Ok(out)
    }

    /// Writes the low `out.len()` bytes of the number into `out`, big-endian.
    fn write_be(&self, out: &mut [u8]) {
        let bytes = self.limbs.iter().flat_map(|l| l.to_le_bytes());
        for (o, b) in out.iter_mut().rev().zip(bytes) {
            *o = b;
        }
    }

    /// The number of significant bits (0 for 0).
    pub fn bits(&self) -> usize {
        match self.limbs.last() {
            // The top limb is nonzero (from_limbs trims), so leading_zeros < 32: the
            // subtraction cannot clamp; the product saturates only past usize::MAX bits.
            Some(top) => self
                .limbs
                .len()
                .saturating_mul(LIMB_BITS)
                .saturating_sub(top.leading_zeros() as usize),
            None => 0,
        }
    }

    /// The number of significant bytes (0 for 0).
    pub fn byte_len(&self) -> usize {
        self.bits().div_ceil(8)
    }

    /// Bit `i` (bit 0 is the least significant).
    pub fn bit(&self, i: usize) -> bool {
        self.limbs
            .get(i / LIMB_BITS)
            .is_some_and(|l| (l >> (i % LIMB_BITS)) & 1 == 1)
    }

    /// Whether the number is 0.
    pub fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// Whether the number is 1.
    pub fn is_one(&self) -> bool {
        self.limbs == [1]
    }

    /// Whether the number is odd.
    pub fn is_odd(&self) -> bool {
        self.bit(0)
    }

    /// The number as a `u64`, if it fits.
    pub fn to_u64(&self) -> Option<u64> {
        match self.limbs[..] {
            [] => Some(0),
            [lo] => Some(u64::from(lo)),
            [lo, hi] => Some((u64::from(hi) << 32) | u64::from(lo)),
            _ => None,
        }
    }

    /// How many times 2 divides the number (`None` for 0).
    pub fn trailing_zeros(&self) -> Option<usize> {
        let (i, limb) = self.limbs.iter().enumerate().find(|(_, l)| **l != 0)?;
        Some(
            i.saturating_mul(LIMB_BITS)
                .saturating_add(limb.trailing_zeros() as usize),
        )
    }

    /// `self - other`, or `None` if `other` is larger.
    pub fn checked_sub(&self, other: &Self) -> Option<Self> {
        if *self < *other {
            return None;
        }
        let mut out = self.limbs.clone();
        let mut borrow = false;
        let mut subtrahend = other.limbs.iter();
        for o in out.iter_mut() {
            let s = subtrahend.next().copied().unwrap_or(0);
            let (d, b1) = o.overflowing_sub(s);
            let (d, b2) = d.overflowing_sub(u32::from(borrow));
            *o = d;
            borrow = b1 | b2;
        }
        Some(Self::from_limbs(out))
    }
}

impl Ord for BigNat {
    fn cmp(&self, other: &Self) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

impl PartialOrd for BigNat {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Add for &BigNat {
    type Output = BigNat;

    fn add(self, other: &BigNat) -> BigNat {
        let (long, short) = if self.limbs.len() >= other.limbs.len() {
            (self, other)
        } else {
            (other, self)
        };
        let mut out = Vec::with_capacity(long.limbs.len().saturating_add(1));
        let mut carry = false;
        let mut addend = short.limbs.iter();
        for &l in &long.limbs {
            let (t, c1) = l.overflowing_add(addend.next().copied().unwrap_or(0));
            let (t, c2) = t.overflowing_add(u32::from(carry));
            out.push(t);
            // At most one of the two additions carries.
            carry = c1 | c2;
        }
        out.push(u32::from(carry));
        BigNat::from_limbs(out)
    }
}

impl Shl<usize> for &BigNat {
    type Output = BigNat;

    /// `self * 2^bits`.
    fn shl(self, bits: usize) -> BigNat {
        if self.is_zero() {
            return BigNat::default();
        }
        let (whole, part) = (bits / LIMB_BITS, bits % LIMB_BITS);
        let mut out = vec![0u32; whole];
        out.reserve_exact(self.limbs.len().saturating_add(1));
        let mut carry = 0u32;
        for &l in &self.limbs {
            out.push((l << part) | carry);
            // A shift by 32 would overflow: part = 0 carries nothing.
            carry = if part == 0 {
                0
            } else {
                // 0 < part < 32 here.
                l >> LIMB_BITS.saturating_sub(part)
            };
        }
        out.push(carry);
        BigNat::from_limbs(out)
    }
}

impl Shr<usize> for &BigNat {
    type Output = BigNat;

    /// `self / 2^bits`, rounded down.
    fn shr(self, bits: usize) -> BigNat {
        let (whole, part) = (bits / LIMB_BITS, bits % LIMB_BITS);
        let kept = self.limbs.get(whole..).unwrap_or_default();
        let out = kept
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                // i < kept.len(): i + 1 cannot overflow.
                let next = kept.get(i.saturating_add(1)).copied().unwrap_or(0);
                if part == 0 {
                    l
                } else {
                    // 0 < part < 32 here.
                    (l >> part) | (next << LIMB_BITS.saturating_sub(part))
                }
            })
            .collect();
        BigNat::from_limbs(out)
    }
}
