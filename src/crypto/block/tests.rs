//! The vector-permute AES against the `aes` crate and FIPS-197: natively over the portable
//! `V128` emulation, and in the browser (`wasm-pack test` with
//! `RUSTFLAGS="-C target-feature=+simd128"`, scripts/test.sh) over real SIMD128.

use super::vperm;
use aes::Aes256;
use aes::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

/// SplitMix64, deterministic test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn fill(&mut self, out: &mut [u8]) {
        for b in out {
            *b = self.next() as u8;
        }
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        self.fill(&mut a);
        a
    }
}

fn reference(key: &[u8; 32]) -> Aes256 {
    Aes256::new(&Array::from(*key))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fips197_c3() {
    let key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let pt: [u8; 16] = core::array::from_fn(|i| (i as u8) * 0x11);
    let ct = hex::decode("8ea2b7ca516745bfeafc49904b496089").unwrap();
    let cipher = vperm::Aes256Block::new(&key);
    let mut b = pt;
    cipher.encrypt_block(&mut b);
    assert_eq!(b.as_slice(), ct.as_slice());
    cipher.decrypt_block(&mut b);
    assert_eq!(b, pt);
    assert_eq!(format!("{cipher:?}"), "Aes256Block { .. }");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn matches_the_aes_crate_on_10k_random_blocks() {
    let mut rng = Rng(1);
    for _ in 0..100 {
        let key: [u8; 32] = rng.array();
        let ours = vperm::Aes256Block::new(&key);
        let theirs = reference(&key);
        for _ in 0..100 {
            let block: [u8; 16] = rng.array();
            let mut a = block;
            ours.encrypt_block(&mut a);
            let mut b = Array::from(block);
            theirs.encrypt_block(&mut b);
            assert_eq!(a, <[u8; 16]>::from(b), "encrypt, key {key:02x?}");
            let mut a = block;
            ours.decrypt_block(&mut a);
            let mut b = Array::from(block);
            theirs.decrypt_block(&mut b);
            assert_eq!(a, <[u8; 16]>::from(b), "decrypt, key {key:02x?}");
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn extreme_keys_and_blocks() {
    for key in [[0u8; 32], [0xff; 32]] {
        let ours = vperm::Aes256Block::new(&key);
        let theirs = reference(&key);
        for block in [[0u8; 16], [0xff; 16]] {
            let mut a = block;
            ours.encrypt_block(&mut a);
            let mut b = Array::from(block);
            theirs.encrypt_block(&mut b);
            assert_eq!(a, <[u8; 16]>::from(b));
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn encrypt_blocks_matches_single_blocks() {
    let mut rng = Rng(2);
    let key: [u8; 32] = rng.array();
    let ours = vperm::Aes256Block::new(&key);
    let mut blocks: Vec<[u8; 16]> = (0..37).map(|_| rng.array()).collect();
    let mut single = blocks.clone();
    ours.encrypt_blocks(&mut blocks);
    for b in &mut single {
        ours.encrypt_block(b);
    }
    assert_eq!(blocks, single);
}

/// IGE by the definition, on the `aes` crate.
fn ige_reference(key: &[u8; 32], iv: &[u8; 32], data: &mut [u8], encrypt: bool) {
    let cipher = reference(key);
    let (mut prev_c, mut prev_p) = (iv[..16].to_vec(), iv[16..].to_vec());
    for chunk in data.chunks_exact_mut(16) {
        let input = chunk.to_vec();
        let (xin, xout) = if encrypt {
            (&prev_c, &prev_p)
        } else {
            (&prev_p, &prev_c)
        };
        let mut b = Array::from(core::array::from_fn::<u8, 16, _>(|i| input[i] ^ xin[i]));
        if encrypt {
            cipher.encrypt_block(&mut b);
        } else {
            cipher.decrypt_block(&mut b);
        }
        for (i, o) in chunk.iter_mut().enumerate() {
            *o = b[i] ^ xout[i];
        }
        if encrypt {
            (prev_c, prev_p) = (chunk.to_vec(), input);
        } else {
            (prev_c, prev_p) = (input, chunk.to_vec());
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ige_matches_the_definition() {
    let mut rng = Rng(3);
    for len in [0usize, 16, 32, 112, 192, 1024] {
        let key: [u8; 32] = rng.array();
        let iv: [u8; 32] = rng.array();
        let mut data = vec![0u8; len];
        rng.fill(&mut data);
        let mut ours = data.clone();
        let mut theirs = data.clone();
        vperm::ige_encrypt(&key, &iv, &mut ours);
        ige_reference(&key, &iv, &mut theirs, true);
        assert_eq!(ours, theirs, "encrypt {len}");
        vperm::ige_decrypt(&key, &iv, &mut ours);
        ige_reference(&key, &iv, &mut theirs, false);
        assert_eq!(ours, data, "decrypt {len}");
        assert_eq!(theirs, data);
    }
}
