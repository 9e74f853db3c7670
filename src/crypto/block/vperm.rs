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
//! Speed (IGE is serial, so a block's latency is what counts): the round keys and the 16
//! lookup tables stay in registers across the block loop; the `P_d` / `Q_d` masks are
//! passed as opaque values (`masks`) so they stay swizzle operands in registers too.
//!
//! Constant time, step by step:
//! - nibble split: `v128.and`, `i16x8.shr_u` by a constant;
//! - the lookups: `i8x16.swizzle` selects bytes of a register by the bytes of another
//!   register (x64 `pshufb`, arm64 `tbl`): no memory address and no branch depends on the
//!   index, and every index costs the same;
//! - zero inputs of the GF(16) inversions become the `0x80` marker, which the next lookup
//!   maps to 0: no branch, no special case;
//! - ShiftRows/MixColumns: swizzles by fixed masks and XORs; AddRoundKey: XOR;
//! - key schedule: the same S-box; its loops, `if r == 14` and shuffles depend only on the
//!   round number, never on key bytes. Round keys are wiped on drop (see `Keys`).
//!
//! The native test build runs this code over the portable `V128` emulation (`v128.rs`),
//! which is not constant time and is never used in production.

use super::tables::*;
use super::v128::V128;

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

/// The `P_d` / `Q_d` permutation masks as values the compiler cannot see through, so they
/// stay `i8x16.swizzle` operands held in registers (a constant mask would become an
/// `i8x16.shuffle`, whose mask V8 rebuilds from immediates at every use). Once per call.
#[inline(always)]
fn masks(m: &[V128; 4]) -> [V128; 4] {
    core::hint::black_box(*m)
}

/// One middle encryption round on a T-form state, with a T-form round key.
#[inline(always)]
fn enc_round(s: V128, key: V128, [p0, p1, p2, p3]: &[V128; 4]) -> V128 {
    let inv = invert(s);
    let a = out(&ENC_OUT1, inv);
    let b = out(&ENC_OUT2, inv);
    (b.swizzle(*p0) ^ (a ^ b).swizzle(*p1)) ^ (a.swizzle(*p2) ^ a.swizzle(*p3) ^ key)
}

/// One middle decryption round (equivalent inverse cipher).
#[inline(always)]
fn dec_round(s: V128, key: V128, [q0, q1, q2, q3]: &[V128; 4]) -> V128 {
    let inv = invert(s);
    let [e, b, d, n] = &DEC_OUT;
    (out(e, inv).swizzle(*q0) ^ out(b, inv).swizzle(*q1))
        ^ (out(d, inv).swizzle(*q2) ^ out(n, inv).swizzle(*q3) ^ key)
}

/// Prefix XOR of the four words: word n becomes w0 ^ ... ^ wn.
#[inline(always)]
fn prefix_xor(k: V128) -> V128 {
    let k = k ^ k.shl_word1();
    k ^ k.shl_word2()
}

/// FIPS-197 key expansion for AES-256, two round keys (ordinary bytes) per step: calls
/// `emit(r, rk_r)` for r = 0..=14 in order.
#[inline(always)]
fn expand(key: &[u8; 32], mut emit: impl FnMut(usize, V128)) {
    let zero = [0u8; 16];
    let mut k0 = V128::load(key.first_chunk::<16>().unwrap_or(&zero));
    let mut k1 = V128::load(key.last_chunk::<16>().unwrap_or(&zero));
    emit(0, k0);
    emit(1, k1);
    let mut rcon = 1u8;
    for r in (2..15).step_by(2) {
        let rc = V128::from_array([rcon, 0, 0, 0, rcon, 0, 0, 0, rcon, 0, 0, 0, rcon, 0, 0, 0]);
        let k2 = prefix_xor(k0) ^ sub_bytes(k1).bcast_rot_word3() ^ rc;
        emit(r, k2);
        if r == 14 {
            break;
        }
        let k3 = prefix_xor(k1) ^ sub_bytes(k2).bcast_word3();
        // r <= 12 here (r == 14 broke out above): r + 1 <= 13.
        emit(r.saturating_add(1), k3);
        (k0, k1) = (k2, k3);
        rcon <<= 1;
    }
}

/// Round keys as the rounds use them, wiped on drop.
#[derive(Clone)]
pub(crate) struct Keys([V128; 15]);

impl Drop for Keys {
    fn drop(&mut self) {
        // Plain stores, then `black_box` so the compiler must assume the zeros are read and
        // cannot drop the stores (no `unsafe` volatile writes in this crate).
        self.0 = [V128::splat(0); 15];
        core::hint::black_box(&mut self.0);
    }
}

impl Keys {
    /// Encryption: `T(rk0)`, `T(rk_r + 0x63)` for rounds 1..13, `rk14 + 0x63`.
    pub(crate) fn encryption(key: &[u8; 32]) -> Self {
        let mut out = Self([V128::splat(0); 15]);
        expand(key, |r, k| {
            if let Some(o) = out.0.get_mut(r) {
                *o = match r {
                    0 => lin(k, &T_IN),
                    14 => k ^ C63,
                    _ => lin(k, &T_IN) ^ T_C63,
                };
            }
        });
        out
    }

    /// Decryption (equivalent inverse cipher): `T(A^-1(rk14 + 0x63))`, then
    /// `T(A^-1(InvMixColumns(rk_r) + 0x63))` for r = 13..1, then `rk0`.
    pub(crate) fn decryption(key: &[u8; 32]) -> Self {
        let mut out = Self([V128::splat(0); 15]);
        expand(key, |r, k| {
            if let Some(o) = out.0.get_mut(14usize.wrapping_sub(r)) {
                *o = match r {
                    14 => lin(k, &T_INV_AFFINE_IN) ^ T_INV_AFFINE_C63,
                    0 => k,
                    _ => {
                        let [e, b, d, n] = &KEY_INV_MIX;
                        (lin(k, e) ^ lin(k, b).r1())
                            ^ (lin(k, d).r2() ^ lin(k, n).r3())
                            ^ T_INV_AFFINE_C63
                    }
                };
            }
        });
        out
    }

    /// Encrypts one block; `p` = `masks(&P_MASKS)`.
    #[inline(always)]
    pub(crate) fn encrypt(&self, block: V128, p: &[V128; 4]) -> V128 {
        let [first, middle @ .., last] = &self.0;
        let mut s = lin(block, &T_IN) ^ *first;
        for k in middle {
            s = enc_round(s, *k, p);
        }
        out(&SBOX_OUT, invert(s)).swizzle(p[0]) ^ *last
    }

    /// Decrypts one block; `q` = `masks(&Q_MASKS)`.
    #[inline(always)]
    pub(crate) fn decrypt(&self, block: V128, q: &[V128; 4]) -> V128 {
        let [first, middle @ .., last] = &self.0;
        let mut s = lin(block, &T_INV_AFFINE_IN) ^ *first;
        for k in middle {
            s = dec_round(s, *k, q);
        }
        out(&INV_OUT, invert(s)).swizzle(q[0]) ^ *last
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
        *block = self
            .enc
            .encrypt(V128::load(block), &masks(&P_MASKS))
            .to_array();
    }

    #[allow(
        dead_code,
        reason = "part of the block API; IGE decrypts through its own loop"
    )]
    pub(crate) fn decrypt_block(&self, block: &mut [u8; 16]) {
        *block = self
            .dec
            .decrypt(V128::load(block), &masks(&Q_MASKS))
            .to_array();
    }

    pub(crate) fn encrypt_blocks(&self, blocks: &mut [[u8; 16]]) {
        let p = masks(&P_MASKS);
        for block in blocks {
            *block = self.enc.encrypt(V128::load(block), &p).to_array();
        }
    }
}

/// AES-256-IGE over whole 16-byte blocks, the chaining values kept in vectors.
pub(crate) fn ige_encrypt(key: &[u8; 32], iv: &[u8; 32], data: &mut [u8]) {
    let keys = Keys::encryption(key);
    let p = masks(&P_MASKS);
    let (mut prev_c, mut prev_p) = split_iv(iv);
    for chunk in data.chunks_exact_mut(16) {
        if let Ok(block) = <&mut [u8; 16]>::try_from(chunk) {
            let pt = V128::load(block);
            let c = keys.encrypt(pt ^ prev_c, &p) ^ prev_p;
            *block = c.to_array();
            (prev_c, prev_p) = (c, pt);
        }
    }
}

/// AES-256-IGE decryption, see [`ige_encrypt`].
pub(crate) fn ige_decrypt(key: &[u8; 32], iv: &[u8; 32], data: &mut [u8]) {
    let keys = Keys::decryption(key);
    let q = masks(&Q_MASKS);
    let (mut prev_c, mut prev_p) = split_iv(iv);
    for chunk in data.chunks_exact_mut(16) {
        if let Ok(block) = <&mut [u8; 16]>::try_from(chunk) {
            let c = V128::load(block);
            let p = keys.decrypt(c ^ prev_p, &q) ^ prev_c;
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
