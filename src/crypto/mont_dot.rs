//! The inner loops of the Montgomery multiplication in `mont.rs`: column sums
//! sum_j x_j y_(k-j) of 28-bit limbs, accumulated in a `u64` without carries (`mont.rs`
//! gives the bounds).
//!
//! Product scanning reads one operand forwards and the other backwards. The scalar build
//! does that in `mont_pair.rs`; the wasm SIMD build (`target_feature = "simd128"`) reads a reversed
//! copy of the second operand forwards, four limbs per vector, and multiplies with
//! `i64x2.extmul_{low,high}_i32x4_u` (two 32 x 32 -> 64-bit products per instruction),
//! summing into two `u64` lanes. Nothing here depends on the limbs' values: the trip counts
//! depend only on the column index and the number of limbs.
// The inner loops. Indexing is denied (slices come from `get`); arithmetic is allowed as
// limb arithmetic that cannot overflow: products of 28-bit limbs (< 2^56) summed at most
// 2 L <= 148 times in a u64; in `column`, lo = (k + 1) - l clamped at 0 is at most k, so
// k - lo does not wrap; in `conv`, k - lo <= l - 1 = y.len() - 1, so y.len() + lo - 1 - k
// does not wrap. L is fixed by the modulus (at most MAX_LIMBS), never by input bytes.
#![deny(clippy::indexing_slicing)]
#![allow(clippy::arithmetic_side_effects)]

use super::mont::Limbs;

/// The first `l` limbs.
#[inline(always)]
pub(super) fn head(x: &Limbs, l: usize) -> &[u32] {
    x.get(..l).unwrap_or_default()
}

/// `x[from..to]`, empty when out of range.
#[inline(always)]
pub(super) fn sub(x: &[u32], from: usize, to: usize) -> &[u32] {
    x.get(from..to).unwrap_or_default()
}

/// The index range [lo, hi] of the a_j b_(k-j) in column k of an L x L product.
#[inline(always)]
pub(super) fn column(k: usize, l: usize) -> (usize, usize) {
    let lo = (k + 1).saturating_sub(l);
    (lo, k - lo)
}

/// sum x[j] y[k - j] for j in lo..lo + count, where `y_rev` is `y` reversed (y_rev[t] =
/// y[L - 1 - t]), read forwards.
#[cfg(target_feature = "simd128")]
#[inline(always)]
pub(super) fn conv(x: &[u32], y: &[u32], y_rev: &[u32], k: usize, lo: usize, count: usize) -> u64 {
    let r = y.len() + lo - 1 - k;
    dot(sub(x, lo, lo + count), sub(y_rev, r, r + count))
}

/// sum x[i] y[i] over the shorter length.
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn dot_scalar(x: &[u32], y: &[u32]) -> u64 {
    x.iter()
        .zip(y)
        .fold(0u64, |s, (&a, &b)| s + u64::from(a) * u64::from(b))
}

/// sum x[i] y[i] for slices of the same length, four products at a time with wasm SIMD
/// (`i64x2.extmul_{low,high}_i32x4_u`: 32 x 32 -> 64-bit products in two lanes).
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn dot(x: &[u32], y: &[u32]) -> u64 {
    use core::arch::wasm32::{
        u32x4, u32x4_splat, u64x2_add, u64x2_extmul_high_u32x4, u64x2_extmul_low_u32x4,
        u64x2_extract_lane, u64x2_splat, v128_or,
    };
    let xs = x.chunks_exact(4);
    let ys = y.chunks_exact(4);
    let tail = dot_scalar(xs.remainder(), ys.remainder());
    // An opaque zero OR-ed into the operands: without it LLVM turns each half of a vector
    // into a zero-extending 64-bit load and no longer recognizes the extmul (it emits
    // extend + i64x2.mul, which V8 expands into three multiplies).
    let z = u32x4_splat(core::hint::black_box(0));
    let mut acc = u64x2_splat(0);
    for (a, b) in xs.zip(ys) {
        let [a0, a1, a2, a3] = <[u32; 4]>::try_from(a).unwrap_or_default();
        let [b0, b1, b2, b3] = <[u32; 4]>::try_from(b).unwrap_or_default();
        let va = v128_or(u32x4(a0, a1, a2, a3), z);
        let vb = v128_or(u32x4(b0, b1, b2, b3), z);
        acc = u64x2_add(acc, u64x2_extmul_low_u32x4(va, vb));
        acc = u64x2_add(acc, u64x2_extmul_high_u32x4(va, vb));
    }
    tail + u64x2_extract_lane::<0>(acc) + u64x2_extract_lane::<1>(acc)
}
