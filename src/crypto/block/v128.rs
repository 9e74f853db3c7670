//! A 16-byte vector with the handful of operations the vector-permute AES needs.
//!
//! With `target_arch = "wasm32"` and `target_feature = "simd128"` every method is one or two
//! `core::arch::wasm32` instructions (`v128.xor`, `v128.and`, `i8x16.shr_u`,
//! `i8x16.swizzle`, `i8x16.shuffle`). Everywhere else a portable `[u8; 16]` emulation with
//! exactly the same semantics lets the same AES code run natively in unit tests. The
//! emulation indexes memory with its operands, so it is **not** constant time: it exists for
//! tests only and never backs production code (native builds use the `aes` crate).
//!
//! Semantics shared by both: `swizzle(table, idx)[n] = table[idx[n]]` if `idx[n] < 16`,
//! else `0` (the wasm `i8x16.swizzle` rule; x86 `pshufb` only zeroes for the top bit, so the
//! AES code marks "no value" with `0x80`, which is zero for both).

/// Byte shuffles with constant patterns (key schedule only: V8 rebuilds the mask of an
/// `i8x16.shuffle` at every use, so the rounds permute with masks held in registers, see
/// `V128::permute`): `x.name()[n] = x[pattern[n]]`, and `0` where the
/// pattern says 16 (a byte taken from an all-zero second operand).
macro_rules! shuffles {
    ($shuf:ident) => {
        impl V128 {
            /// Row rotation inside each column by 1..3 (`R_d`, key schedule only).
            #[inline(always)]
            pub(crate) fn r1(self) -> Self {
                $shuf!(self, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)
            }
            #[inline(always)]
            pub(crate) fn r2(self) -> Self {
                $shuf!(self, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)
            }
            #[inline(always)]
            pub(crate) fn r3(self) -> Self {
                $shuf!(self, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)
            }
            /// Words move up by one (word 0 becomes zero).
            #[inline(always)]
            pub(crate) fn shl_word1(self) -> Self {
                $shuf!(self, 16, 16, 16, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
            }
            /// Words move up by two.
            #[inline(always)]
            pub(crate) fn shl_word2(self) -> Self {
                $shuf!(self, 16, 16, 16, 16, 16, 16, 16, 16, 0, 1, 2, 3, 4, 5, 6, 7)
            }
            /// Word 3 in every word (key schedule: SubWord(w[i-1])).
            #[inline(always)]
            pub(crate) fn bcast_word3(self) -> Self {
                $shuf!(
                    self, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15
                )
            }
            /// RotWord(word 3) in every word (key schedule: SubWord(RotWord(w[i-1]))).
            #[inline(always)]
            pub(crate) fn bcast_rot_word3(self) -> Self {
                $shuf!(
                    self, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12
                )
            }
        }
    };
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::{
        i8x16_swizzle, u8x16, u16x8_shr, u64x2, u64x2_extract_lane, v128, v128_and, v128_xor,
    };

    /// One wasm `v128`.
    #[derive(Clone, Copy)]
    pub(crate) struct V128(v128);

    // A swizzle by a constant index vector rather than `i8x16.shuffle`: V8 keeps the
    // constant in a register (instead of rebuilding a shuffle mask at every use) and, as
    // every index is < 16 or has its top bit set, emits a bare `pshufb`. Pattern entry 16
    // ("zero") becomes 0x90 (bit 4 copied to bit 7: (16 >> 4) << 7 = 0x80).
    macro_rules! shuf {
        ($v:expr, $($i:literal),*) => {
            V128(i8x16_swizzle($v.0, u8x16($(($i as u8) | ((($i as u8) >> 4) << 7)),*)))
        };
    }
    shuffles!(shuf);

    impl V128 {
        #[inline(always)]
        pub(crate) const fn from_array(a: [u8; 16]) -> Self {
            Self(u8x16(
                a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12],
                a[13], a[14], a[15],
            ))
        }
        #[inline(always)]
        pub(crate) fn load(a: &[u8; 16]) -> Self {
            let [
                a0,
                a1,
                a2,
                a3,
                a4,
                a5,
                a6,
                a7,
                b0,
                b1,
                b2,
                b3,
                b4,
                b5,
                b6,
                b7,
            ] = *a;
            Self(u64x2(
                u64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
                u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]),
            ))
        }
        #[inline(always)]
        pub(crate) fn to_array(self) -> [u8; 16] {
            let lo = u64x2_extract_lane::<0>(self.0).to_le_bytes();
            let hi = u64x2_extract_lane::<1>(self.0).to_le_bytes();
            let [a0, a1, a2, a3, a4, a5, a6, a7] = lo;
            let [b0, b1, b2, b3, b4, b5, b6, b7] = hi;
            [
                a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7,
            ]
        }
        /// Each byte shifted right by 4 (its high nibble). A 16-bit shift and a mask: V8
        /// lowers `i8x16.shr_u` to the same plus a rebuilt mask constant.
        #[inline(always)]
        pub(crate) fn shr4(self) -> Self {
            Self(v128_and(
                u16x8_shr(self.0, 4),
                u8x16(
                    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
                ),
            ))
        }
        /// `self` used as a 16-entry table, indexed by each byte of `idx` (>= 16 gives 0).
        /// Also a byte permutation of `self` when `idx` is a fixed mask.
        #[inline(always)]
        pub(crate) fn swizzle(self, idx: Self) -> Self {
            Self(i8x16_swizzle(self.0, idx.0))
        }
    }

    impl core::ops::BitXor for V128 {
        type Output = Self;
        #[inline(always)]
        fn bitxor(self, rhs: Self) -> Self {
            Self(v128_xor(self.0, rhs.0))
        }
    }

    impl core::ops::BitAnd for V128 {
        type Output = Self;
        #[inline(always)]
        fn bitand(self, rhs: Self) -> Self {
            Self(v128_and(self.0, rhs.0))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    /// Portable emulation (tests only; not constant time, see the module doc).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub(crate) struct V128([u8; 16]);

    fn shuffle(v: [u8; 16], pattern: [usize; 16]) -> [u8; 16] {
        pattern.map(|i| v.get(i).copied().unwrap_or(0))
    }

    macro_rules! shuf {
        ($v:expr, $($i:literal),*) => {
            V128(shuffle($v.0, [$($i),*]))
        };
    }
    shuffles!(shuf);

    impl V128 {
        pub(crate) const fn from_array(a: [u8; 16]) -> Self {
            Self(a)
        }
        pub(crate) fn load(a: &[u8; 16]) -> Self {
            Self(*a)
        }
        pub(crate) fn to_array(self) -> [u8; 16] {
            self.0
        }
        pub(crate) fn shr4(self) -> Self {
            Self(self.0.map(|b| b >> 4))
        }
        pub(crate) fn swizzle(self, idx: Self) -> Self {
            Self(
                idx.0
                    .map(|i| self.0.get(usize::from(i)).copied().unwrap_or(0)),
            )
        }
    }

    impl core::ops::BitXor for V128 {
        type Output = Self;
        fn bitxor(self, rhs: Self) -> Self {
            let mut out = self.0;
            for (o, r) in out.iter_mut().zip(rhs.0) {
                *o ^= r;
            }
            Self(out)
        }
    }

    impl core::ops::BitAnd for V128 {
        type Output = Self;
        fn bitand(self, rhs: Self) -> Self {
            let mut out = self.0;
            for (o, r) in out.iter_mut().zip(rhs.0) {
                *o &= r;
            }
            Self(out)
        }
    }
}

pub(crate) use imp::V128;

impl V128 {
    /// Every byte `b`.
    #[inline(always)]
    pub(crate) const fn splat(b: u8) -> Self {
        Self::from_array([b; 16])
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::V128;

    fn pattern(p: &[usize; 16]) -> [u8; 16] {
        p.map(|i| if i < 16 { i as u8 + 100 } else { 0 })
    }

    #[test]
    fn shuffles_match_their_formulas() {
        let x = V128::from_array(core::array::from_fn(|i| i as u8 + 100));
        let f = |g: &dyn Fn(usize, usize) -> usize| -> [u8; 16] {
            pattern(&core::array::from_fn(|n| g(n / 4, n % 4)))
        };
        // Byte 4c + r is row r of column c.
        let rr = |d: usize| f(&move |c, r| 4 * c + (r + d) % 4);
        assert_eq!(x.r1().to_array(), rr(1));
        assert_eq!(x.r2().to_array(), rr(2));
        assert_eq!(x.r3().to_array(), rr(3));
        assert_eq!(
            x.shl_word1().to_array(),
            f(&|c, r| if c >= 1 { 4 * (c - 1) + r } else { 16 })
        );
        assert_eq!(
            x.shl_word2().to_array(),
            f(&|c, r| if c >= 2 { 4 * (c - 2) + r } else { 16 })
        );
        assert_eq!(x.bcast_word3().to_array(), f(&|_, r| 12 + r));
        assert_eq!(x.bcast_rot_word3().to_array(), f(&|_, r| 12 + (r + 1) % 4));
    }

    #[test]
    fn swizzle_zeroes_out_of_range_indices() {
        let t = V128::from_array(core::array::from_fn(|i| i as u8 * 3 + 1));
        let idx = V128::from_array([0, 15, 16, 0x80, 0x8f, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 31]);
        let out = t.swizzle(idx).to_array();
        assert_eq!(
            out,
            [1, 46, 0, 0, 0, 0, 4, 7, 10, 13, 16, 19, 22, 25, 28, 0]
        );
        assert_eq!(V128::splat(0xab).shr4().to_array(), [0x0a; 16]);
    }
}
