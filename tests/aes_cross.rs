//! Randomized cross-check of AES-256-IGE and AES-256-CTR against definitions built on the
//! RustCrypto `aes` crate, natively and (wasm-bindgen-test) in a browser. In a wasm build
//! with SIMD128 (`RUSTFLAGS="-C target-feature=+simd128"`) this checks the vector-permute
//! backend; without it, the `aes` crate backend. scripts/test.sh runs both.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use aes::Aes256;
use aes::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use mtproto_wasm::crypto::{
    AesCtr256, OsRandom, RandomSource, SeededRandom, aes_ige_decrypt, aes_ige_encrypt,
};

fn bytes(rng: &mut SeededRandom, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rng.fill(&mut v).unwrap();
    v
}

/// Seeds: fixed ones (reproducible) and one from the OS (printed on failure).
fn seeds() -> Vec<u64> {
    let mut b = [0u8; 8];
    OsRandom.fill(&mut b).unwrap();
    vec![1, 2, u64::from_le_bytes(b)]
}

/// `c[i] = E(p[i] ^ c[i-1]) ^ p[i-1]`, `p[i] = D(c[i] ^ p[i-1]) ^ c[i-1]`, iv = c[-1] || p[-1].
fn ige_reference(key: &[u8], iv: &[u8], data: &[u8], encrypt: bool) -> Vec<u8> {
    let cipher = Aes256::new_from_slice(key).unwrap();
    let (mut prev_c, mut prev_p) = (iv[..16].to_vec(), iv[16..].to_vec());
    let mut out = Vec::with_capacity(data.len());
    for input in data.chunks_exact(16) {
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
        let o: Vec<u8> = b.iter().zip(xout).map(|(x, y)| x ^ y).collect();
        if encrypt {
            (prev_c, prev_p) = (o.clone(), input.to_vec());
        } else {
            (prev_c, prev_p) = (input.to_vec(), o.clone());
        }
        out.extend_from_slice(&o);
    }
    out
}

fn ctr_reference(key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8> {
    let cipher = Aes256::new_from_slice(key).unwrap();
    let mut ctr = u128::from_be_bytes(iv.try_into().unwrap());
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks(16) {
        let mut ks = Array::from(ctr.to_be_bytes());
        cipher.encrypt_block(&mut ks);
        ctr = ctr.wrapping_add(1);
        out.extend(chunk.iter().zip(ks.iter()).map(|(d, k)| d ^ k));
    }
    out
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ige_matches_the_aes_crate_on_random_inputs() {
    for seed in seeds() {
        let mut rng = SeededRandom::new(seed);
        for round in 0..300 {
            let blocks = (rng.next_u64() % 80) as usize;
            let (key, iv) = (bytes(&mut rng, 32), bytes(&mut rng, 32));
            let data = bytes(&mut rng, 16 * blocks);
            let what = format!("seed {seed} round {round}, {blocks} blocks");
            let mut ct = data.clone();
            aes_ige_encrypt(&mut ct, &key, &iv).unwrap();
            assert_eq!(ct, ige_reference(&key, &iv, &data, true), "encrypt, {what}");
            let mut back = ct.clone();
            aes_ige_decrypt(&mut back, &key, &iv).unwrap();
            assert_eq!(back, data, "round trip, {what}");
            // Decrypting random bytes exercises the inverse cipher on arbitrary states.
            let mut junk = data.clone();
            aes_ige_decrypt(&mut junk, &key, &iv).unwrap();
            assert_eq!(
                junk,
                ige_reference(&key, &iv, &data, false),
                "decrypt, {what}"
            );
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ctr_matches_the_aes_crate_on_random_streams() {
    for seed in seeds() {
        let mut rng = SeededRandom::new(seed);
        for round in 0..100 {
            let len = (rng.next_u64() % 700) as usize;
            let (key, mut iv) = (bytes(&mut rng, 32), bytes(&mut rng, 16));
            if round % 10 == 0 {
                iv[..15].fill(0xff); // the 128-bit counter wraps inside the stream
            }
            let data = bytes(&mut rng, len);
            let mut ours = data.clone();
            let mut s = AesCtr256::new(&key, &iv).unwrap();
            let mut rest = ours.as_mut_slice();
            while !rest.is_empty() {
                let cut = 1 + (rng.next_u64() % 200) as usize;
                let (now, later) = rest.split_at_mut(cut.min(rest.len()));
                s.apply(now);
                rest = later;
            }
            assert_eq!(
                ours,
                ctr_reference(&key, &iv, &data),
                "seed {seed} round {round}"
            );
        }
    }
}
