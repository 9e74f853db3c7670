//! Multiplication, remainders and modular powers of [`BigNat`]: schoolbook multiplication,
//! Knuth's Algorithm D for the remainder (D. Knuth, "The Art of Computer Programming",
//! vol. 2, 4.3.1; in the form of H. Warren, "Hacker's Delight", 2nd ed., 9-2, `divmnu`),
//! and windowed square-and-multiply. All variable time; scratch limbs are wiped when done.
//! The entry points are `#[inline(never)]`: one copy each in the wasm, not one per caller.
//!
//! The 2048-bit exponentiations of MTProto do not come here but go to `mont.rs`; these are
//! for its set-up (R mod N, R^2 mod N), oversized bases, Miller-Rabin's bases and squarings,
//! and [`super::mod_pow`] with an even or larger-than-2048-bit modulus.
// Indexing is denied (every read is a `get`). Arithmetic is allowed as limb arithmetic
// that cannot overflow, each bound stated where it is used: a limb product plus two limbs
// is below 2^64 ((2^32-1)^2 + 2 (2^32-1)); Knuth's D3 keeps qhat < 2^32 + 2 and rhat
// below 2^33 in the loop; the D4 difference is a signed i64 of one limb plus a borrow;
// window indices are below the exponent's bit count. The two subtractions that depend on
// a length (n - 1, n - 2 for the divisor's limb count) are checked.
#![deny(clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use core::num::{NonZeroU32, NonZeroU64};
use core::ops::Mul;

use zeroize::Zeroizing;

use super::nat::{BigNat, LIMB_BITS};

impl Mul for &BigNat {
    type Output = BigNat;

    #[inline(never)]
    fn mul(self, other: &BigNat) -> BigNat {
        let (a, b) = (&self.limbs, &other.limbs);
        if a.is_empty() || b.is_empty() {
            return BigNat::default();
        }
        let mut out = vec![0u32; a.len() + b.len()];
        for (i, &x) in a.iter().enumerate() {
            // out[i..] += x * b; the sum stays below 2^64: (2^32-1)^2 + 2 (2^32-1).
            let mut row = out.iter_mut().skip(i);
            let mut carry = 0u64;
            for &y in b {
                if let Some(o) = row.next() {
                    let t = u64::from(x) * u64::from(y) + u64::from(*o) + carry;
                    *o = t as u32;
                    carry = t >> 32;
                }
            }
            if let Some(o) = row.next() {
                *o = carry as u32;
            }
        }
        BigNat::from_limbs(out)
    }
}

impl BigNat {
    /// `self mod m`, or `None` if `m` is 0.
    #[inline(never)]
    pub fn checked_rem(&self, m: &BigNat) -> Option<BigNat> {
        match m.limbs[..] {
            [] => None,
            [d] => Some(BigNat::from(self.rem_u32(NonZeroU32::new(d)?))),
            _ if self < m => Some(self.clone()),
            _ => Some(BigNat::from_limbs(rem_long(&self.limbs, &m.limbs))),
        }
    }

    /// `self mod m` for a one-limb `m`.
    pub fn rem_u32(&self, m: NonZeroU32) -> u32 {
        let m = NonZeroU64::from(m);
        let r = self
            .limbs
            .iter()
            .rev()
            .fold(0u64, |r, &l| ((r << 32) | u64::from(l)) % m);
        r as u32
    }

    /// `self^exponent mod m` by square-and-multiply over 4-bit windows of the exponent
    /// (variable time, also in the exponent), or `None` if `m` is 0.
    #[inline(never)]
    pub fn pow_mod(&self, exponent: &BigNat, m: &BigNat) -> Option<BigNat> {
        let bits = exponent.bits();
        // Short exponents only need the base itself.
        let width = if bits > 32 { 4 } else { 1 };
        // table[i] = self^i mod m.
        let base = self.checked_rem(m)?;
        let mut table = vec![BigNat::from(1u32).checked_rem(m)?];
        while table.len() < 1 << width {
            let next = (table.last()? * &base).checked_rem(m)?;
            table.push(next);
        }
        let mut acc = table.first()?.clone();
        let windows = bits.div_ceil(width);
        for w in (0..windows).rev() {
            if w + 1 != windows {
                for _ in 0..width {
                    acc = (&acc * &acc).checked_rem(m)?;
                }
            }
            let digit = (0..width).rev().fold(0, |d, b| {
                (d << 1) | usize::from(exponent.bit(w * width + b))
            });
            if digit != 0 {
                acc = (&acc * table.get(digit)?).checked_rem(m)?;
            }
        }
        Some(acc)
    }
}

/// `u mod v` for `v` of at least two limbs (its top one non-zero) and `u` at least as long:
/// Algorithm D. Returns `v.len()` limbs.
fn rem_long(u: &[u32], v: &[u32]) -> Vec<u32> {
    let n = v.len();
    // D1: shift both so that the divisor's top bit is set; each estimated quotient digit is
    // then at most 2 too large.
    let shift = v.last().map_or(0, |top| top.leading_zeros() as usize);
    let vn = Zeroizing::new(shifted_left(v, shift, n));
    let mut un = Zeroizing::new(shifted_left(u, shift, u.len() + 1));
    // The divisor has at least two limbs (checked_rem handles the others); a shorter one
    // gives an empty result, as before.
    let (Some(n1), Some(n2)) = (n.checked_sub(1), n.checked_sub(2)) else {
        return Vec::new();
    };
    let top = vn.get(n1).copied().unwrap_or(0);
    let (Some(v1), Some(&v2)) = (NonZeroU64::new(u64::from(top)), vn.get(n2)) else {
        return Vec::new();
    };
    for j in (0..=u.len().saturating_sub(n)).rev() {
        if let Some(window) = un.get_mut(j..=j + n) {
            divide_step(window, &vn, v1, u64::from(v2));
        }
    }
    // D8: the remainder is the low n limbs, shifted back.
    let rem = un.get(..n).unwrap_or_default();
    rem.iter()
        .enumerate()
        .map(|(i, &l)| {
            let next = rem.get(i + 1).copied().unwrap_or(0);
            if shift == 0 {
                l
            } else {
                (l >> shift) | (next << (LIMB_BITS - shift))
            }
        })
        .collect()
}

/// D3-D6 for one quotient digit: `window` (n + 1 limbs of the running remainder, below
/// `vn` times 2^32) loses q `vn`, q being the largest digit that keeps it non-negative.
/// `v1` and `v2` are the top two limbs of `vn`.
fn divide_step(window: &mut [u32], vn: &[u32], v1: NonZeroU64, v2: u64) {
    let n = vn.len();
    let limb = |i: usize| window.get(i).copied().map_or(0, u64::from);
    // rem_long only calls with a divisor of at least two limbs.
    let (Some(n1), Some(n2)) = (n.checked_sub(1), n.checked_sub(2)) else {
        return;
    };
    let (u0, u1, u2) = (limb(n), limb(n1), limb(n2));
    // D3: estimate the digit from the top two limbs over v1, then correct it with v2.
    let num = (u0 << 32) | u1;
    let mut qhat = num / v1;
    let mut rhat = num - qhat * v1.get();
    let base = 1u64 << 32;
    while qhat >= base || qhat * v2 > ((rhat << 32) | u2) {
        qhat -= 1;
        rhat += v1.get();
        if rhat >= base {
            break;
        }
    }
    // D4: window -= qhat vn, with two independent carry chains (short dependency chains:
    // this loop is most of the time of a remainder): the product's high part, below 2^32
    // as qhat < 2^32, and the running difference, whose shifted value is 0 or -1 (borrow).
    let (mut carry, mut diff) = (0u64, 0i64);
    let (low, high) = window.split_at_mut(n);
    for (u, &v) in low.iter_mut().zip(vn) {
        let p = qhat * u64::from(v) + carry;
        carry = p >> 32;
        diff += i64::from(*u) - i64::from(p as u32);
        *u = diff as u32;
        diff >>= 32;
    }
    let Some(top) = high.first_mut() else {
        return;
    };
    diff += i64::from(*top) - carry as i64;
    *top = diff as u32;
    let negative = diff < 0;
    if negative {
        // D6: qhat was one too large (rare): add vn back, dropping the final carry.
        let mut carry = 0u64;
        for (u, &v) in low.iter_mut().zip(vn) {
            let t = u64::from(*u) + u64::from(v) + carry;
            *u = t as u32;
            carry = t >> 32;
        }
        *top = top.wrapping_add(carry as u32);
    }
}

/// `x * 2^shift` (shift < 32) as exactly `len` limbs (`len` must leave room for the
/// shifted-out bits).
fn shifted_left(x: &[u32], shift: usize, len: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(len.max(x.len() + 1));
    let mut carry = 0u32;
    for &l in x {
        out.push((l << shift) | carry);
        carry = if shift == 0 {
            0
        } else {
            l >> (LIMB_BITS - shift)
        };
    }
    out.push(carry);
    out.resize(len, 0);
    out
}
