//! AES-256 by vector permutes (Hamburg, "Accelerating AES with Vector Permute Instructions",
//! CHES 2009): the backend for wasm with SIMD128, written over [`V128`].
//!
//! The S-box is an inversion in GF(2^8) seen as GF(16)^2 (see `tables.rs` for the algebra),
//! done with 16-entry table lookups by nibble (`i8x16.swizzle`) and XORs, followed by the
//! affine map. The state lives between rounds in "T form" (each byte replaced by the
//! nibble pair `(i, k)` of the tower basis, a GF(2)-linear map), so a round is:
//!
//! ```text
//!   i = s >> 4, k = s & 15               split the nibbles
//!   io, jo = inversion(i, k)             5 lookups, 4 XORs
//!   A = T(S'(x)), B = T(2*S'(x))         4 lookups: S' = S-box without 0x63, in T form
//!   s = P0(B) + P1(A + B) + P2(A) + P3(A) + k_r    ShiftRows+MixColumns: 4 byte shuffles
//! ```
//!
//! `P_d` is ShiftRows followed by the in-column rotation of MixColumns' term `d`; the
//! constant 0x63 and the T form are folded into the round keys (`T(rk + 0x63)`, valid
//! because every map here is GF(2)-linear and MixColumns maps a constant column to itself).
//! Decryption is the equivalent inverse cipher (FIPS-197 5.3.5): its state is kept as
//! `T(A^-1(s + 0x63))`, the input of the inversion, and InvMixColumns' four terms
//! (14, 11, 13, 9) come straight out of eight output tables, rotated by `Q_d`.
//!
//! Constant time: the only data-dependent operations are XOR, AND, shifts, and
//! `i8x16.swizzle` / `i8x16.shuffle`, which permute bytes inside registers (no memory is
//! indexed by a secret, no branch depends on one). Zero inputs to the GF(16) inversions
//! are handled by the `0x80` marker, not by branches. The key schedule uses the same
//! S-box; its loops and shuffles depend only on the round number.

use super::tables::*;
use super::v128::V128;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The nibble-wise image of `x` under a GF(2)-linear byte map given by two 16-entry tables.
#[inline(always)]
fn lin(x: V128, t: &[V128; 2]) -> V128 {
    t[0].swizzle(x & LOW) ^ t[1].swizzle(x.shr4())
}

/// The GF(2^8) inversion of a T-form state: `(io, jo)`, see `tables.rs`.
#[inline(always)]
fn invert(s: V128) -> (V128, V128) {
    let i = s.shr4();
    let k = s & LOW;
    let mk = M_DIV.swizzle(k);
    let j = i ^ k;
    let io = INV.swizzle(INV.swizzle(i) ^ mk) ^ j;
    let jo = INV.swizzle(INV.swizzle(j) ^ mk) ^ i;
    (io, jo)
}

#[inline(always)]
fn out(t: &[V128; 2], (io, jo): (V128, V128)) -> V128 {
    t[0].swizzle(io) ^ t[1].swizzle(jo)
}

/// The AES S-box on every byte (key schedule).
#[inline(always)]
fn sub_bytes(x: V128) -> V128 {
    out(&SBOX_OUT, invert(lin(x, &T_IN))) ^ C63
}

/// One middle encryption round on a T-form state, with a T-form round key.
#[inline(always)]
fn enc_round(s: V128, key: V128) -> V128 {
    let inv = invert(s);
    let a = out(&ENC_OUT1, inv);
    let b = out(&ENC_OUT2, inv);
    (b.p0() ^ (a ^ b).p1()) ^ (a.p2() ^ a.p3() ^ key)
}

/// One middle decryption round (equivalent inverse cipher).
#[inline(always)]
fn dec_round(s: V128, key: V128) -> V128 {
    let inv = invert(s);
    let [e, b, d, n] = &DEC_OUT;
    (out(e, inv).q0() ^ out(b, inv).q1()) ^ (out(d, inv).q2() ^ out(n, inv).q3() ^ key)
}

/// Prefix XOR of the four words: word n becomes w0 ^ ... ^ wn.
#[inline(always)]
fn prefix_xor(k: V128) -> V128 {
    let k = k ^ k.shl_word1();
    k ^ k.shl_word2()
}

/// FIPS-197 key expansion for AES-256: the 15 round keys, ordinary bytes.
fn expand(key: &[u8; 32]) -> [V128; 15] {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    lo.copy_from_slice(&key[..16]);
    hi.copy_from_slice(&key[16..]);
    let (mut k0, mut k1) = (V128::load(&lo), V128::load(&hi));
    lo.zeroize();
    hi.zeroize();
    let mut rk = [k0; 15];
    rk[1] = k1;
    let mut rcon = 1u8;
    for pair in rk[2..].chunks_mut(2) {
        let rc = V128::from_array([rcon, 0, 0, 0, rcon, 0, 0, 0, rcon, 0, 0, 0, rcon, 0, 0, 0]);
        let k2 = prefix_xor(k0) ^ sub_bytes(k1).bcast_rot_word3() ^ rc;
        let k3 = prefix_xor(k1) ^ sub_bytes(k2).bcast_word3();
        if let [a, rest @ ..] = pair {
            *a = k2;
            if let [b, ..] = rest {
                *b = k3;
            }
        }
        (k0, k1) = (k2, k3);
        rcon <<= 1;
    }
    rk
}

/// Round keys as the rounds use them, ordinary bytes (wiped on drop).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Keys([[u8; 16]; 15]);

impl Keys {
    /// Encryption: `T(rk0)`, `T(rk_r + 0x63)` for rounds 1..13, `rk14 + 0x63`.
    pub(crate) fn encryption(key: &[u8; 32]) -> Self {
        let rk = expand(key);
        let mut out = [[0u8; 16]; 15];
        for (r, (o, k)) in out.iter_mut().zip(rk).enumerate() {
            *o = match r {
                0 => lin(k, &T_IN),
                14 => k ^ C63,
                _ => lin(k, &T_IN) ^ T_C63,
            }
            .to_array();
        }
        Self(out)
    }

    /// Decryption (equivalent inverse cipher): `T(A^-1(rk14 + 0x63))`, then
    /// `T(A^-1(InvMixColumns(rk_r) + 0x63))` for r = 13..1, then `rk0`.
    pub(crate) fn decryption(key: &[u8; 32]) -> Self {
        let rk = expand(key);
        let mut out = [[0u8; 16]; 15];
        for (r, (o, k)) in out.iter_mut().zip(rk.iter().rev()).enumerate() {
            let k = *k;
            *o = match r {
                0 => lin(k, &T_INV_AFFINE_IN) ^ T_INV_AFFINE_C63,
                14 => k,
                _ => {
                    let [e, b, d, n] = &KEY_INV_MIX;
                    (lin(k, e) ^ lin(k, b).r1())
                        ^ (lin(k, d).r2() ^ lin(k, n).r3())
                        ^ T_INV_AFFINE_C63
                }
            }
            .to_array();
        }
        Self(out)
    }

    #[inline(always)]
    pub(crate) fn encrypt(&self, block: V128) -> V128 {
        let [first, middle @ .., last] = &self.0;
        let mut s = lin(block, &T_IN) ^ V128::load(first);
        for k in middle {
            s = enc_round(s, V128::load(k));
        }
        out(&SBOX_OUT, invert(s)).p0() ^ V128::load(last)
    }

    #[inline(always)]
    pub(crate) fn decrypt(&self, block: V128) -> V128 {
        let [first, middle @ .., last] = &self.0;
        let mut s = lin(block, &T_INV_AFFINE_IN) ^ V128::load(first);
        for k in middle {
            s = dec_round(s, V128::load(k));
        }
        out(&INV_OUT, invert(s)).q0() ^ V128::load(last)
    }
}

/// AES-256 on single blocks and runs of blocks; both key schedules, wiped on drop.
#[derive(Clone)]
pub(crate) struct Aes256Block {
    enc: Keys,
    dec: Keys,
}

impl Aes256Block {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self {
            enc: Keys::encryption(key),
            dec: Keys::decryption(key),
        }
    }

    pub(crate) fn encrypt_block(&self, block: &mut [u8; 16]) {
        *block = self.enc.encrypt(V128::load(block)).to_array();
    }

    #[allow(
        dead_code,
        reason = "part of the block API; IGE decrypts through its own loop"
    )]
    pub(crate) fn decrypt_block(&self, block: &mut [u8; 16]) {
        *block = self.dec.decrypt(V128::load(block)).to_array();
    }

    pub(crate) fn encrypt_blocks(&self, blocks: &mut [[u8; 16]]) {
        for block in blocks {
            self.encrypt_block(block);
        }
    }
}

/// AES-256-IGE over whole 16-byte blocks, the chaining values kept in vectors.
pub(crate) fn ige_encrypt(key: &[u8; 32], iv: &[u8; 32], data: &mut [u8]) {
    let keys = Keys::encryption(key);
    let (mut prev_c, mut prev_p) = split_iv(iv);
    for chunk in data.chunks_exact_mut(16) {
        if let Ok(block) = <&mut [u8; 16]>::try_from(chunk) {
            let p = V128::load(block);
            let c = keys.encrypt(p ^ prev_c) ^ prev_p;
            *block = c.to_array();
            (prev_c, prev_p) = (c, p);
        }
    }
}

/// AES-256-IGE decryption, see [`ige_encrypt`].
pub(crate) fn ige_decrypt(key: &[u8; 32], iv: &[u8; 32], data: &mut [u8]) {
    let keys = Keys::decryption(key);
    let (mut prev_c, mut prev_p) = split_iv(iv);
    for chunk in data.chunks_exact_mut(16) {
        if let Ok(block) = <&mut [u8; 16]>::try_from(chunk) {
            let c = V128::load(block);
            let p = keys.decrypt(c ^ prev_p) ^ prev_c;
            *block = p.to_array();
            (prev_c, prev_p) = (c, p);
        }
    }
}

fn split_iv(iv: &[u8; 32]) -> (V128, V128) {
    let mut c = [0u8; 16];
    let mut p = [0u8; 16];
    c.copy_from_slice(&iv[..16]);
    p.copy_from_slice(&iv[16..]);
    (V128::load(&c), V128::load(&p))
}

impl core::fmt::Debug for Aes256Block {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Aes256Block { .. }")
    }
}
