//! AES-256-CTR as a running stream, for transport obfuscation.
//!
//! ```text
//!   keystream = E(ctr) || E(ctr+1) || ...      ctr: 128-bit big-endian counter = iv
//!   out[i] = in[i] ^ keystream[i]              (position kept across calls)
//! ```
//! Spec: <https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation>.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::block::Aes256Block;

use super::{CryptoError, exact};

/// AES-256-CTR whose counter and keystream position live as long as the connection.
pub struct AesCtr256 {
    cipher: Aes256Block,
    counter: u128,
    keystream: [u8; 16],
    used: usize,
}

impl core::fmt::Debug for AesCtr256 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesCtr256 { .. }")
    }
}

impl Zeroize for AesCtr256 {
    fn zeroize(&mut self) {
        self.counter.zeroize();
        self.keystream.zeroize();
        self.used = 16;
    }
}

impl Drop for AesCtr256 {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for AesCtr256 {}

impl AesCtr256 {
    /// A stream with a 32-byte key and a 16-byte initial counter block.
    pub fn new(key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        let key: &[u8; 32] = exact("AES-256-CTR key", "32 bytes", key)?;
        let iv: &[u8; 16] = exact("AES-256-CTR iv", "16 bytes", iv)?;
        Ok(Self {
            cipher: Aes256Block::new(key),
            counter: u128::from_be_bytes(*iv),
            keystream: [0; 16],
            used: 16,
        })
    }

    /// XORs `data` in place with the next `data.len()` keystream bytes.
    pub fn apply(&mut self, data: &mut [u8]) {
        let mut rest = data;
        // Finish the current keystream block.
        while let Some(&k) = self.keystream.get(self.used) {
            let Some((first, tail)) = rest.split_first_mut() else {
                return;
            };
            *first ^= k;
            // used < 16 here (the get above succeeded): no overflow, no clamping.
            self.used = self.used.saturating_add(1);
            rest = tail;
        }
        // Whole blocks, several at a time so the cipher can work in parallel.
        const PAR: usize = 8;
        let mut chunks = rest.chunks_exact_mut(16 * PAR);
        for chunk in &mut chunks {
            let mut blocks: [[u8; 16]; PAR] = core::array::from_fn(|_| self.next_counter());
            self.cipher.encrypt_blocks(&mut blocks);
            for (out, ks) in chunk.chunks_exact_mut(16).zip(&blocks) {
                for (o, k) in out.iter_mut().zip(ks.iter()) {
                    *o ^= k;
                }
            }
        }
        for b in chunks.into_remainder() {
            let k = match self.keystream.get(self.used) {
                Some(&k) => k,
                None => {
                    // used == 16: the block is spent.
                    let mut block = self.next_counter();
                    self.cipher.encrypt_block(&mut block);
                    self.keystream = block;
                    self.used = 0;
                    block[0]
                }
            };
            *b ^= k;
            // used < 16 before this step: no overflow, no clamping.
            self.used = self.used.saturating_add(1);
        }
    }

    fn next_counter(&mut self) -> [u8; 16] {
        let block = self.counter.to_be_bytes();
        self.counter = self.counter.wrapping_add(1);
        block
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_split_invariant() {
        let key = [3u8; 32];
        let iv = [0xffu8; 16]; // counter wraps at once
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut whole = data.clone();
        AesCtr256::new(&key, &iv).unwrap().apply(&mut whole);
        for split in [1usize, 3, 15, 16, 17, 127, 128, 129, 500] {
            let mut parts = data.clone();
            let mut s = AesCtr256::new(&key, &iv).unwrap();
            for c in parts.chunks_mut(split) {
                s.apply(c);
            }
            assert_eq!(parts, whole, "split {split}");
        }
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(AesCtr256::new(&[0; 31], &[0; 16]).is_err());
        assert!(AesCtr256::new(&[0; 32], &[0; 32]).is_err());
        assert_eq!(
            format!("{:?}", AesCtr256::new(&[0; 32], &[0; 16]).unwrap()),
            "AesCtr256 { .. }"
        );
    }
}
