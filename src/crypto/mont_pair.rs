//! The scalar (no wasm SIMD) Montgomery multiplication and squaring of `mont.rs`, summing
//! two adjacent columns per pass.
//!
//! Same algorithm as the SIMD build's (finely integrated product scanning, Koç, Acar and
//! Kaliski 1996, with 28-bit limbs and carry-free `u64` column sums; `mont.rs` explains
//! the bounds), but columns c and c + 1 are summed in one loop: x_j y_(c-j) and
//! x_j y_(c+1-j) share the load of x_j, and y_(c+1-j) is the y_(c-(j-1)) of the previous
//! step, so each product costs one load instead of two. The few terms the two columns do
//! not share, and the reduction digit m_c that column c + 1 needs (m_c n_1), are added on
//! their own. Every trip count depends only on c and the number of limbs L.
// The hot loops of the scalar build. Indexing is denied (every read is `at`/`sub`, a
// `get`); arithmetic is allowed because it is limb arithmetic that cannot overflow:
// - column sums: at most 2 L <= 148 products of two 28-bit limbs (< 2^56) each, in a u64
//   (148 * 2^56 < 2^64; `mont.rs` gives the bound), plus acc < 2^36 carried in;
// - indices: c < 2 L <= 148, lo <= c and lo <= hi + 1 by `column`, so c - lo, c + 1 - hi1,
//   c - l (c >= l in that branch) and c + 1 - l never wrap;
// - the reduction digit is the only product meant to wrap mod 2^32: `wrapping_mul`.
#![deny(clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use zeroize::Zeroize;

use super::super::mont_dot::{column, head, sub};
use super::{BITS, Limbs, MASK, MAX_LIMBS, MontModulus};

impl MontModulus {
    /// `out = a b R^-1 mod N`, below 2N for inputs below 2N.
    pub(super) fn mul(&self, a: &Limbs, b: &Limbs, out: &mut Limbs) {
        let l = self.len;
        let (a, b) = (head(a, l), head(b, l));
        self.reduce(out, |c| {
            let (lo0, hi0) = column(c, l);
            let (lo1, hi1) = column(c + 1, l);
            let (mut s0, mut s1) = conv_pair(a, b, c, lo1, (hi0 + 1).saturating_sub(lo1));
            if lo0 < lo1 {
                s0 += at(a, lo0) * at(b, c - lo0);
            }
            if hi1 > hi0 {
                s1 += at(a, hi1) * at(b, c + 1 - hi1);
            }
            (s0, s1)
        });
    }

    /// `out = a^2 R^-1 mod N`: each product a_i a_j with i != j is summed once and doubled.
    pub(super) fn sqr(&self, a: &Limbs, out: &mut Limbs) {
        let l = self.len;
        let a = head(a, l);
        self.reduce(out, |c| {
            // c is even. Column c: pairs j < c - j, i.e. j in [lo0, c/2 - 1], and the square
            // of a_(c/2); column c + 1: j in [lo1, c/2].
            let (lo0, _) = column(c, l);
            let (lo1, _) = column(c + 1, l);
            let half = c / 2;
            let (mut s0, mut s1) = conv_pair(a, a, c, lo1, half.saturating_sub(lo1));
            if lo0 < lo1 && lo0 < half {
                s0 += at(a, lo0) * at(a, c - lo0);
            }
            if half >= lo1 {
                s1 += at(a, half) * at(a, half + 1);
            }
            ((s0 << 1) + at(a, half) * at(a, half), s1 << 1)
        });
    }

    /// Montgomery reduction interleaved with the product, two columns per step:
    /// `product(c)` gives columns c and c + 1 of the product (c even).
    #[inline(always)]
    fn reduce(&self, out: &mut Limbs, product: impl Fn(usize) -> (u64, u64)) {
        let l = self.len;
        let n = head(&self.n, l);
        let (n0, n1) = (at(n, 0), at(n, 1));
        let mut m = [0u32; MAX_LIMBS];
        let mut acc = 0u64;
        for c in (0..2 * l).step_by(2) {
            let (p0, p1) = product(c);
            let (lo0, hi0) = column(c, l);
            let (lo1, _) = column(c + 1, l);
            // m_j n_(c-j) and m_j n_(c+1-j) for the j both columns have; m_c is still 0.
            let (mut s0, mut s1) = conv_pair(&m, n, c, lo1, (hi0 + 1).saturating_sub(lo1));
            if lo0 < lo1 {
                s0 += at(&m, lo0) * at(n, c - lo0);
            }
            acc += p0 + s0;
            if c < l {
                let mc = (acc as u32).wrapping_mul(self.n0inv) & MASK;
                if let Some(slot) = m.get_mut(c) {
                    *slot = mc;
                }
                acc += u64::from(mc) * n0;
                s1 += u64::from(mc) * n1;
            } else if let Some(o) = out.get_mut(c - l) {
                *o = acc as u32 & MASK;
            }
            acc >>= BITS;
            acc += p1 + s1;
            if c + 1 < l {
                let mc = (acc as u32).wrapping_mul(self.n0inv) & MASK;
                if let Some(slot) = m.get_mut(c + 1) {
                    *slot = mc;
                }
                acc += u64::from(mc) * n0;
            } else if let Some(o) = out.get_mut(c + 1 - l) {
                *o = acc as u32 & MASK;
            }
            acc >>= BITS;
        }
        m.zeroize();
    }
}

/// x[i] as a `u64`, 0 out of range.
#[inline(always)]
fn at(x: &[u32], i: usize) -> u64 {
    x.get(i).map_or(0, |&v| u64::from(v))
}

/// (sum x_j y_(c-j), sum x_j y_(c+1-j)) for j in lo..lo + count: one pass, one load of x
/// and one of y per j.
#[inline(always)]
fn conv_pair(x: &[u32], y: &[u32], c: usize, lo: usize, count: usize) -> (u64, u64) {
    let xs = sub(x, lo, lo + count);
    // y_(c+1-lo) down to y_(c+1-lo-count).
    let end = (c + 2).saturating_sub(lo);
    let ys = sub(y, end.saturating_sub(count + 1), end);
    let Some((&top, rest)) = ys.split_last() else {
        return (0, 0);
    };
    let mut prev = u64::from(top);
    let (mut s0, mut s1) = (0u64, 0u64);
    // Four j per step: x_j .. x_(j+3) against y_(c-j) .. y_(c-j-3).
    let (x4, y4) = (xs.chunks_exact(4), rest.rchunks_exact(4));
    let (x_tail, y_tail) = (x4.remainder(), y4.remainder());
    for (xq, yq) in x4.zip(y4) {
        let [a0, a1, a2, a3] = <[u32; 4]>::try_from(xq).unwrap_or_default();
        let [b3, b2, b1, b0] = <[u32; 4]>::try_from(yq).unwrap_or_default();
        let [a0, a1, a2, a3] = [a0, a1, a2, a3].map(u64::from);
        let [b0, b1, b2, b3] = [b0, b1, b2, b3].map(u64::from);
        s0 += (a0 * b0 + a1 * b1) + (a2 * b2 + a3 * b3);
        s1 += (a0 * prev + a1 * b0) + (a2 * b1 + a3 * b2);
        prev = b3;
    }
    for (&a, &b) in x_tail.iter().zip(y_tail.iter().rev()) {
        let (a, b) = (u64::from(a), u64::from(b));
        s0 += a * b;
        s1 += a * prev;
        prev = b;
    }
    (s0, s1)
}
