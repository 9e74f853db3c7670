//! The constants of the vector-permute AES, computed at compile time from the field maths.
//!
//! Nothing here is copied from another implementation: every table is the output of the
//! `const fn`s below, evaluated by the compiler, and the tests check the tables against
//! an independent S-box (inversion as `x^254`, then the FIPS-197 affine map).
//!
//! The field (Hamburg, "Accelerating AES with Vector Permute Instructions", CHES 2009,
//! section 3): GF(2^8) is GF(16)[t] / (t^2 + t + nu) for some `nu` in the subfield GF(16)
//! with absolute trace 1 (so the quadratic is irreducible). Every byte `x` is written as
//! `x = m*i*t + k`, `m = 1/nu`, with `i, k` in GF(16): the two nibbles of its "T form". With
//! `j = i + k` and the usual `1/0 = inf` conventions,
//!
//! ```text
//!   io = j + 1/(1/i + m/k)  = N/(a + b)            a = m*i, b = k,
//!   jo = i + 1/(1/j + m/k)  = N/(a + (1 + m)*b)    N = a^2*nu + a*b + b^2 (the norm of x)
//!   1/x = (a*t + a + b)/N   = (1/io)*e1 + (1/jo)*e2,   e2 = nu*t, e1 = t + 1 + e2
//! ```
//!
//! (expand `(a*t + b)(a*t + a + b) = a^2(t^2 + t) + a*b + b^2 = N`, and
//! `(i + k)(k + m*i) + i*k = m*i^2 + m*i*k + k^2 = N` since `m^2*nu = m`). So the inverse
//! needs only one-variable GF(16) functions (`1/x`, `m/x`), XOR, and two output tables, all
//! 16-entry lookups. `inf` is the byte `0x80`: XOR with a nibble keeps it >= 16 and a lookup
//! of it yields 0 (= 1/inf), so the zero cases need no branch. GF(16) elements are nibbles
//! in the basis `1, g, g^2, g^3` of the subfield, `g = 3^17` (an element of order 15).
// Every table is a `const` computed by the `const fn`s below at compile time: an index out
// of range or an overflow there fails the build, it cannot panic at run time, and no input
// reaches these functions. The loops run over fixed table sizes (16 or 256 entries) and the
// field arithmetic is on nibbles and bytes masked to their width.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::v128::V128;

/// Multiplication in AES's GF(2^8), modulo x^8 + x^4 + x^3 + x + 1 (compile time only).
pub(super) const fn gmul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

/// `a^254`: the inverse of `a`, and 0 for 0 (compile time only).
pub(super) const fn ginv(a: u8) -> u8 {
    let mut r = 1;
    let mut n = 0;
    while n < 254 {
        r = gmul(r, a);
        n += 1;
    }
    r
}

/// The linear part of the S-box's affine map (FIPS-197 eq. 5.1 without the constant 0x63).
pub(super) const fn affine(x: u8) -> u8 {
    x ^ x.rotate_left(1) ^ x.rotate_left(2) ^ x.rotate_left(3) ^ x.rotate_left(4)
}

/// The inverse of [`affine`].
pub(super) const fn affine_inv(y: u8) -> u8 {
    y.rotate_left(1) ^ y.rotate_left(3) ^ y.rotate_left(6)
}

/// The tower representation: nibble encoding of GF(16), `t`, `nu`, `m`, `e1`, `e2`, and the
/// byte -> T form map.
pub(super) struct Tower {
    /// Nibble -> subfield element.
    pub dec: [u8; 16],
    /// Subfield element -> nibble (0xff for bytes outside the subfield).
    pub enc: [u8; 256],
    #[cfg_attr(not(test), allow(dead_code, reason = "checked by the tests"))]
    pub t: u8,
    #[cfg_attr(not(test), allow(dead_code, reason = "checked by the tests"))]
    pub nu: u8,
    pub m: u8,
    pub e1: u8,
    pub e2: u8,
    /// Byte -> T form `(i << 4) | k` (a GF(2)-linear bijection).
    pub to_t: [u8; 256],
}

pub(super) const fn tower() -> Tower {
    let mut g = 1;
    let mut n = 0;
    while n < 17 {
        g = gmul(g, 3);
        n += 1;
    }
    let powers = [1, g, gmul(g, g), gmul(gmul(g, g), g)];
    let mut dec = [0u8; 16];
    let mut enc = [0xffu8; 256];
    let mut n = 0;
    while n < 16 {
        let mut v = 0;
        let mut bit = 0;
        while bit < 4 {
            if n >> bit & 1 != 0 {
                v ^= powers[bit];
            }
            bit += 1;
        }
        assert!(
            enc[v as usize] == 0xff,
            "1, g, g^2, g^3 must be independent"
        );
        dec[n] = v;
        enc[v as usize] = n as u8;
        n += 1;
    }
    // The first nu (in nibble order) for which t^2 + t = nu has roots outside GF(16).
    let (mut nu, mut t) = (0u8, 0u8);
    let mut n = 1;
    'search: while n < 16 {
        let mut x = 0;
        while x < 256 {
            if gmul(x as u8, x as u8) ^ x as u8 == dec[n] && enc[x] == 0xff {
                nu = dec[n];
                t = x as u8;
                break 'search;
            }
            x += 1;
        }
        n += 1;
    }
    assert!(t != 0, "no irreducible t^2 + t + nu");
    let m = ginv(nu);
    let e2 = gmul(nu, t);
    let e1 = t ^ 1 ^ e2;
    let mut to_t = [0u8; 256];
    let mut seen = [false; 256];
    let mut i = 0;
    while i < 16 {
        let mut k = 0;
        while k < 16 {
            let x = gmul(gmul(m, dec[i]), t) ^ dec[k];
            assert!(!seen[x as usize], "T form must be a bijection");
            seen[x as usize] = true;
            to_t[x as usize] = ((i << 4) | k) as u8;
            k += 1;
        }
        i += 1;
    }
    Tower {
        dec,
        enc,
        t,
        nu,
        m,
        e1,
        e2,
        to_t,
    }
}

pub(super) const TOWER: Tower = tower();

/// `f(n)` for the 16 nibbles, where `f(y) = byte_map(kind, c, y)`.
const fn table(kind: Kind, c: u8, of: Of) -> [u8; 16] {
    let tw = &TOWER;
    let mut out = [0u8; 16];
    let mut n = 0;
    while n < 16 {
        let y = match of {
            Of::Lo => n as u8,
            Of::Hi => (n as u8) << 4,
            // 1/io * e1 (io = 0 never occurs; inf is handled by the lookup).
            Of::Io => gmul(ginv(tw.dec[n]), tw.e1),
            Of::Jo => gmul(ginv(tw.dec[n]), tw.e2),
        };
        out[n] = match kind {
            Kind::Plain => gmul(c, y),
            Kind::Sbox => gmul(c, affine(y)),
            Kind::T => tw.to_t[gmul(c, y) as usize],
            Kind::TSbox => tw.to_t[gmul(c, affine(y)) as usize],
            Kind::TInvAffine => tw.to_t[affine_inv(gmul(c, y)) as usize],
        };
        n += 1;
    }
    out
}

#[derive(Clone, Copy)]
enum Kind {
    /// `c*y`.
    Plain,
    /// `c*A(y)` (A = linear part of the S-box affine map).
    Sbox,
    /// `T(c*y)`.
    T,
    /// `T(c*A(y))`.
    TSbox,
    /// `T(A^-1(c*y))`.
    TInvAffine,
}

#[derive(Clone, Copy)]
enum Of {
    /// Low nibble `n`.
    Lo,
    /// High nibble `n << 4`.
    Hi,
    /// The `io` output of the inversion.
    Io,
    /// The `jo` output of the inversion.
    Jo,
}

const fn v(kind: Kind, c: u8, of: Of) -> V128 {
    V128::from_array(table(kind, c, of))
}

/// A 16-entry GF(16) function: `1/n` or `m/n`, with `1/0 = inf = 0x80`.
const fn gf16(numerator: u8) -> V128 {
    let tw = &TOWER;
    let mut out = [0x80u8; 16];
    let mut n = 1;
    while n < 16 {
        out[n] = tw.enc[gmul(numerator, ginv(tw.dec[n])) as usize];
        n += 1;
    }
    V128::from_array(out)
}

/// Low-nibble mask.
pub(super) const LOW: V128 = V128::splat(0x0f);
/// `1/n` in GF(16).
pub(super) const INV: V128 = gf16(1);
/// `m/n` in GF(16).
pub(super) const M_DIV: V128 = gf16(TOWER.m);

/// Byte -> T form, by nibble (encryption input, key schedule).
pub(super) const T_IN: [V128; 2] = [v(Kind::T, 1, Of::Lo), v(Kind::T, 1, Of::Hi)];
/// Byte -> T form of A^-1(byte) (decryption input).
pub(super) const T_INV_AFFINE_IN: [V128; 2] = [
    v(Kind::TInvAffine, 1, Of::Lo),
    v(Kind::TInvAffine, 1, Of::Hi),
];

/// (io, jo) -> A(1/x), ordinary bytes: S-box without 0x63 (last round, key schedule).
pub(super) const SBOX_OUT: [V128; 2] = [v(Kind::Sbox, 1, Of::Io), v(Kind::Sbox, 1, Of::Jo)];
/// (io, jo) -> T(A(1/x)) and T(2*A(1/x)): an encryption round's MixColumns terms.
pub(super) const ENC_OUT1: [V128; 2] = [v(Kind::TSbox, 1, Of::Io), v(Kind::TSbox, 1, Of::Jo)];
pub(super) const ENC_OUT2: [V128; 2] = [v(Kind::TSbox, 2, Of::Io), v(Kind::TSbox, 2, Of::Jo)];
/// (io, jo) -> T(A^-1(c/x)) for InvMixColumns' c = 14, 11, 13, 9.
pub(super) const DEC_OUT: [[V128; 2]; 4] = [
    [
        v(Kind::TInvAffine, 14, Of::Io),
        v(Kind::TInvAffine, 14, Of::Jo),
    ],
    [
        v(Kind::TInvAffine, 11, Of::Io),
        v(Kind::TInvAffine, 11, Of::Jo),
    ],
    [
        v(Kind::TInvAffine, 13, Of::Io),
        v(Kind::TInvAffine, 13, Of::Jo),
    ],
    [
        v(Kind::TInvAffine, 9, Of::Io),
        v(Kind::TInvAffine, 9, Of::Jo),
    ],
];
/// (io, jo) -> 1/x, ordinary bytes (last decryption round).
pub(super) const INV_OUT: [V128; 2] = [v(Kind::Plain, 1, Of::Io), v(Kind::Plain, 1, Of::Jo)];
/// Byte -> T(A^-1(c*byte)) by nibble, c = 14, 11, 13, 9 (decryption round keys).
pub(super) const KEY_INV_MIX: [[V128; 2]; 4] = [
    [
        v(Kind::TInvAffine, 14, Of::Lo),
        v(Kind::TInvAffine, 14, Of::Hi),
    ],
    [
        v(Kind::TInvAffine, 11, Of::Lo),
        v(Kind::TInvAffine, 11, Of::Hi),
    ],
    [
        v(Kind::TInvAffine, 13, Of::Lo),
        v(Kind::TInvAffine, 13, Of::Hi),
    ],
    [
        v(Kind::TInvAffine, 9, Of::Lo),
        v(Kind::TInvAffine, 9, Of::Hi),
    ],
];
/// The S-box constant 0x63, as a byte and in T form; `T(A^-1(0x63))`.
pub(super) const C63: V128 = V128::splat(0x63);
pub(super) const T_C63: V128 = V128::splat(TOWER.to_t[0x63]);
pub(super) const T_INV_AFFINE_C63: V128 = V128::splat(TOWER.to_t[affine_inv(0x63) as usize]);

/// Byte `4c + r` is row `r` of column `c`. `P_d`: ShiftRows, then MixColumns' term `d`
/// (row `r` takes row `r + d` of the same column); `Q_d`: the same for InvShiftRows.
const fn perm(inverse: bool, d: usize) -> V128 {
    let mut out = [0u8; 16];
    let mut n = 0;
    while n < 16 {
        let (c, r) = (n / 4, n % 4);
        let col = if inverse {
            (c + 8 - r - d) % 4
        } else {
            (c + r + d) % 4
        };
        out[n] = (4 * col + (r + d) % 4) as u8;
        n += 1;
    }
    V128::from_array(out)
}

/// Encryption's `P_0..P_3` and decryption's `Q_0..Q_3` as swizzle masks.
pub(super) const P_MASKS: [V128; 4] = [
    perm(false, 0),
    perm(false, 1),
    perm(false, 2),
    perm(false, 3),
];
pub(super) const Q_MASKS: [V128; 4] = [perm(true, 0), perm(true, 1), perm(true, 2), perm(true, 3)];

#[cfg(test)]
mod tests {
    use super::*;

    /// Scalar model of the inversion with the tables: (io, jo) of a T-form byte.
    fn io_jo(z: u8) -> (u8, u8) {
        let look = |t: V128, i: u8| t.to_array().get(usize::from(i)).copied().unwrap_or(0);
        let (i, k) = (z >> 4, z & 15);
        let j = i ^ k;
        let ak = look(M_DIV, k);
        let io = look(INV, look(INV, i) ^ ak) ^ j;
        let jo = look(INV, look(INV, j) ^ ak) ^ i;
        (io, jo)
    }

    fn out(t: &[V128; 2], (io, jo): (u8, u8)) -> u8 {
        let look = |t: V128, i: u8| t.to_array().get(usize::from(i)).copied().unwrap_or(0);
        look(t[0], io) ^ look(t[1], jo)
    }

    fn lin(t: &[V128; 2], x: u8) -> u8 {
        t[0].to_array()[usize::from(x & 15)] ^ t[1].to_array()[usize::from(x >> 4)]
    }

    #[test]
    fn permutation_masks() {
        // ShiftRows moves byte (c, r) to (c - r, r); MixColumns' term d reads row r + d.
        let state: [u8; 16] = core::array::from_fn(|i| i as u8 + 100);
        let shift_rows = |s: [u8; 16], inv: bool| -> [u8; 16] {
            core::array::from_fn(|n| {
                let (c, r) = (n / 4, n % 4);
                let from = if inv { (c + 4 - r) % 4 } else { (c + r) % 4 };
                s[4 * from + r]
            })
        };
        let rot = |s: [u8; 16], d: usize| -> [u8; 16] {
            core::array::from_fn(|n| s[4 * (n / 4) + (n % 4 + d) % 4])
        };
        for d in 0..4 {
            let want = rot(shift_rows(state, false), d);
            assert_eq!(V128::from_array(state).swizzle(P_MASKS[d]).to_array(), want);
            let want = rot(shift_rows(state, true), d);
            assert_eq!(V128::from_array(state).swizzle(Q_MASKS[d]).to_array(), want);
        }
    }

    #[test]
    fn field_facts() {
        let tw = &TOWER;
        // GF(16) is closed under the field operations.
        for a in tw.dec {
            for b in tw.dec {
                assert_ne!(tw.enc[usize::from(gmul(a, b))], 0xff);
            }
        }
        assert_eq!(gmul(tw.t, tw.t) ^ tw.t, tw.nu);
        assert_eq!(gmul(tw.m, tw.nu), 1);
        // Matching (a+b)*e1 + (a+(1+m)*b)*e2 = a*t + a + b: e1 + e2 = t + 1, e1 + (1+m)*e2 = 1.
        assert_eq!(tw.e1 ^ tw.e2, tw.t ^ 1);
        assert_eq!(tw.e1 ^ gmul(1 ^ tw.m, tw.e2), 1);
        for x in 0..=255u8 {
            assert_eq!(affine_inv(affine(x)), x);
            assert_eq!(gmul(x, ginv(x)), u8::from(x != 0));
        }
        assert_eq!(affine_inv(0x63), 0x05);
    }

    #[test]
    fn tables_give_the_fips197_sbox() {
        // FIPS-197 figure 7 spot values, then every byte against A(x^254) + 0x63.
        let sbox = |x: u8| out(&SBOX_OUT, io_jo(lin(&T_IN, x))) ^ 0x63;
        for (x, s) in [
            (0x00, 0x63),
            (0x01, 0x7c),
            (0x53, 0xed),
            (0xff, 0x16),
            (0x9a, 0xb8),
        ] {
            assert_eq!(sbox(x), s, "S({x:#04x})");
        }
        for x in 0..=255u8 {
            let inv = ginv(x);
            let s = affine(inv) ^ 0x63;
            assert_eq!(sbox(x), s);
            let z = TOWER.to_t[usize::from(x)];
            assert_eq!(lin(&T_IN, x), z);
            assert_eq!(out(&INV_OUT, io_jo(z)), inv);
            assert_eq!(
                out(&ENC_OUT1, io_jo(z)),
                TOWER.to_t[usize::from(affine(inv))]
            );
            assert_eq!(
                out(&ENC_OUT2, io_jo(z)),
                TOWER.to_t[usize::from(gmul(2, affine(inv)))]
            );
            for (t, c) in DEC_OUT.iter().zip([14, 11, 13, 9]) {
                assert_eq!(
                    out(t, io_jo(z)),
                    TOWER.to_t[usize::from(affine_inv(gmul(c, inv)))]
                );
            }
            for (t, c) in KEY_INV_MIX.iter().zip([14, 11, 13, 9]) {
                assert_eq!(lin(t, x), TOWER.to_t[usize::from(affine_inv(gmul(c, x)))]);
            }
            // Decryption input: T(A^-1(s + 0x63)) = T(1/x), whose inversion gives back x.
            let back = lin(&T_INV_AFFINE_IN, s) ^ T_INV_AFFINE_C63.to_array()[0];
            assert_eq!(back, TOWER.to_t[usize::from(inv)]);
            assert_eq!(out(&INV_OUT, io_jo(back)), x);
        }
        assert_eq!(T_C63.to_array()[0], lin(&T_IN, 0x63));
    }
}
