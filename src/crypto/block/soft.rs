//! The portable backend: RustCrypto's `aes` crate (constant-time fixsliced software AES,
//! or the CPU's AES instructions where it detects them). Used natively and for wasm
//! builds without SIMD128. Its key schedules are wiped on drop (`aes` feature `zeroize`).
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use aes::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes256, Aes256Dec, Aes256Enc};
use zeroize::Zeroize;

/// AES-256 on single blocks and runs of blocks.
#[derive(Clone)]
pub(crate) struct Aes256Block(Aes256);

impl Aes256Block {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self(Aes256::new(&Array::from(*key)))
    }

    pub(crate) fn encrypt_block(&self, block: &mut [u8; 16]) {
        let mut b = Array::from(*block);
        self.0.encrypt_block(&mut b);
        *block = b.into();
    }

    #[allow(
        dead_code,
        reason = "part of the block API; IGE decrypts through its own loop"
    )]
    pub(crate) fn decrypt_block(&self, block: &mut [u8; 16]) {
        let mut b = Array::from(*block);
        self.0.decrypt_block(&mut b);
        *block = b.into();
    }

    pub(crate) fn encrypt_blocks(&self, blocks: &mut [[u8; 16]]) {
        self.0
            .encrypt_blocks(Array::cast_slice_from_core_mut(blocks));
    }
}

impl core::fmt::Debug for Aes256Block {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Aes256Block { .. }")
    }
}

fn xor16(a: &mut [u8; 16], b: &[u8; 16]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x ^= y;
    }
}

/// AES-256-IGE encryption over whole 16-byte blocks (trailing bytes are left alone).
pub(crate) fn ige_encrypt(key: &[u8; 32], iv: &[u8; 32], data: &mut [u8]) {
    let cipher = Aes256Enc::new(&Array::from(*key));
    let (mut prev_c, mut prev_p) = split_iv(iv);
    for chunk in data.chunks_exact_mut(16) {
        if let Ok(block) = <&mut [u8; 16]>::try_from(chunk) {
            let p = *block;
            let mut x = Array::from(p);
            for (b, c) in x.iter_mut().zip(&prev_c) {
                *b ^= c;
            }
            cipher.encrypt_block(&mut x);
            let mut c: [u8; 16] = x.into();
            xor16(&mut c, &prev_p);
            *block = c;
            (prev_c, prev_p) = (c, p);
        }
    }
    prev_p.zeroize();
}

/// AES-256-IGE decryption, see [`ige_encrypt`].
pub(crate) fn ige_decrypt(key: &[u8; 32], iv: &[u8; 32], data: &mut [u8]) {
    let cipher = Aes256Dec::new(&Array::from(*key));
    let (mut prev_c, mut prev_p) = split_iv(iv);
    for chunk in data.chunks_exact_mut(16) {
        if let Ok(block) = <&mut [u8; 16]>::try_from(chunk) {
            let c = *block;
            let mut x = Array::from(c);
            for (b, p) in x.iter_mut().zip(&prev_p) {
                *b ^= p;
            }
            cipher.decrypt_block(&mut x);
            let mut p: [u8; 16] = x.into();
            xor16(&mut p, &prev_c);
            *block = p;
            (prev_c, prev_p) = (c, p);
        }
    }
    prev_p.zeroize();
}

fn split_iv(iv: &[u8; 32]) -> ([u8; 16], [u8; 16]) {
    let mut c = [0u8; 16];
    let mut p = [0u8; 16];
    c.copy_from_slice(&iv[..16]);
    p.copy_from_slice(&iv[16..]);
    (c, p)
}
