//! Randomness, injected.
//!
//! Every place in the core that needs random bytes takes a `&mut dyn RandomSource`, so that
//! production code draws from the operating system (or `crypto.getRandomValues` in the
//! browser) and tests replay fixed bytes byte for byte.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::CryptoError;

/// A source of random bytes.
pub trait RandomSource {
    /// Fills `buf` entirely with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError>;
}

/// The system's CSPRNG through `getrandom` (`crypto.getRandomValues` on the web).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(buf).map_err(|_| CryptoError::RandomUnavailable)
    }
}

/// Replays a fixed byte string, for tests and known-answer replays.
///
/// Fails with [`CryptoError::RandomExhausted`] when asked for more bytes than it holds, so
/// a test that consumes more randomness than it planned for fails loudly.
#[derive(Debug, Clone)]
pub struct FixedRandom {
    bytes: Vec<u8>,
    pos: usize,
}

impl FixedRandom {
    /// A source that hands out `bytes` in order.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: bytes.into(),
            pos: 0,
        }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        // pos <= bytes.len() always (fill advances it by at most what is left).
        self.bytes.len().saturating_sub(self.pos)
    }
}

impl RandomSource for FixedRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        let end = self
            .pos
            .checked_add(buf.len())
            .ok_or(CryptoError::RandomExhausted)?;
        let src = self
            .bytes
            .get(self.pos..end)
            .ok_or(CryptoError::RandomExhausted)?;
        buf.copy_from_slice(src);
        self.pos = end;
        Ok(())
    }
}

/// A deterministic, non-cryptographic generator (xorshift64*) for tests and benchmarks
/// that need many reproducible random bytes.
#[derive(Debug, Clone)]
pub struct SeededRandom(u64);

impl SeededRandom {
    /// A generator started from `seed` (0 is replaced by a fixed non-zero constant).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            // chunk is at most 8 bytes long: zip takes the first chunk.len() bytes of v.
            for (o, i) in chunk.iter_mut().zip(v) {
                *o = i;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn fixed_random_replays_then_fails() {
        let mut r = FixedRandom::new(vec![1, 2, 3]);
        let mut a = [0u8; 2];
        r.fill(&mut a).unwrap();
        assert_eq!(a, [1, 2]);
        assert_eq!(r.remaining(), 1);
        assert_eq!(r.fill(&mut a), Err(CryptoError::RandomExhausted));
    }

    #[test]
    fn os_random_fills() {
        let mut a = [0u8; 64];
        OsRandom.fill(&mut a).unwrap();
        assert_ne!(a, [0u8; 64]);
    }
}
