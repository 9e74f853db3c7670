//! Montgomery exponentiation ([`MontModulus`]) against `num-bigint`'s `modpow`: random
//! bases, exponents and odd moduli of every size from 1 to 256 bytes, and edge cases.
//! Natively and (wasm-bindgen-test, fewer cases) in a browser.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::crypto::{CryptoError, MontModulus, RandomSource, SeededRandom, mod_pow};
use num_bigint::BigUint;

/// Random cases per modulus size: fewer in wasm (slow debug build in a browser).
const CASES_PER_SIZE: usize = if cfg!(target_arch = "wasm32") { 1 } else { 12 };

fn random(rng: &mut SeededRandom, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill(&mut v).unwrap();
    v
}

fn expected(base: &[u8], exp: &[u8], modulus: &[u8]) -> Vec<u8> {
    let m = BigUint::from_bytes_be(modulus);
    let r = BigUint::from_bytes_be(base).modpow(&BigUint::from_bytes_be(exp), &m);
    let len = m.to_bytes_be().len();
    let bytes = r.to_bytes_be();
    let mut out = vec![0u8; len - bytes.len().min(len)];
    if r != BigUint::default() {
        out.extend_from_slice(&bytes);
    } else {
        out = vec![0u8; len];
    }
    out
}

fn check(base: &[u8], exp: &[u8], modulus: &[u8]) {
    let mont = MontModulus::new(modulus).unwrap();
    let want = expected(base, exp, modulus);
    assert_eq!(
        mont.pow(base, exp),
        want,
        "pow {base:02x?}^{exp:02x?} mod {modulus:02x?}"
    );
    assert_eq!(
        mont.pow_public(base, exp),
        want,
        "pow_public {base:02x?}^{exp:02x?} mod {modulus:02x?}"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn random_against_num_bigint() {
    let mut rng = SeededRandom::new(0x6d6f_6e74);
    let mut count = 0;
    for size in 1..=256usize {
        for case in 0..CASES_PER_SIZE {
            let mut modulus = random(&mut rng, size);
            *modulus.last_mut().unwrap() |= 1;
            match case % 4 {
                0 => modulus[0] |= 0x80, // full size, top bit set
                1 => modulus[0] &= 0x7f,
                _ => {}
            }
            if modulus.iter().all(|&b| b == 0 || b == 1)
                && BigUint::from_bytes_be(&modulus) == BigUint::from(1u32)
            {
                continue;
            }
            let base_len = [size, size / 2 + 1, 1, size + 3][case % 4];
            let exp_len = [size, 1 + case % 9, 32, 256][(case / 4) % 4];
            let base = random(&mut rng, base_len);
            let exp = random(&mut rng, exp_len);
            check(&base, &exp, &modulus);
            count += 1;
        }
    }
    assert!(count > 200);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn edge_cases() {
    let p = [0xffu8; 256]; // 2^2048 - 1 is odd: the largest modulus
    let mut rng = SeededRandom::new(7);
    let e = random(&mut rng, 256);
    check(&[], &e, &p); // base 0
    check(&[0], &e, &p);
    check(&[1], &e, &p);
    check(&[0xff; 256], &e, &p); // base = modulus
    check(&[0xfe; 256], &[], &p); // exponent 0 (empty)
    check(&[0xfe; 256], &[0, 0, 0], &p); // exponent 0 with zero bytes
    check(&[0xfe; 256], &[1], &p);
    check(&[0xfe; 256], &[2], &p);
    check(&[0x12; 300], &e, &p); // base longer than R: reduced first
    let mut q = [0u8; 260]; // leading zero bytes
    q[4..].copy_from_slice(&random(&mut rng, 256));
    q[4] |= 0x80;
    q[259] |= 1;
    check(&random(&mut rng, 256), &e, &q);
    assert_eq!(MontModulus::new(&q).unwrap().byte_len(), 256);
    // Modulus 1: everything is 0.
    assert_eq!(MontModulus::new(&[0, 1]).unwrap().pow(&[5], &[3]), [0]);
    assert_eq!(MontModulus::new(&[1]).unwrap().pow_public(&[5], &[]), [0]);
    // Small moduli: every base and exponent.
    for m in [3u8, 5, 7, 9, 15, 201, 255] {
        for b in 0..=m {
            for x in 0..20u8 {
                check(&[b], &[x], &[m]);
            }
        }
    }
    // Rejected moduli.
    for bad in [&[][..], &[0], &[0, 0], &[2], &[1, 0], &[0xff, 0xfe]] {
        assert!(
            matches!(MontModulus::new(bad), Err(CryptoError::WrongLength { .. })),
            "{bad:?}"
        );
    }
    let mut big = vec![0xffu8; 257];
    assert!(MontModulus::new(&big).is_err());
    big[0] = 0;
    assert!(MontModulus::new(&big).is_ok());
    // mod_pow keeps working for even moduli (BigNat::pow_mod).
    assert_eq!(mod_pow(&[3], &[5], &[0, 100]).unwrap(), [43]);
}

/// mod_pow's generic path (even moduli, moduli above 2048 bits) against num-bigint.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn mod_pow_beyond_montgomery() {
    let mut rng = SeededRandom::new(0x0067_656e);
    for size in [1usize, 2, 8, 33, 128, 256, 257, 300] {
        for case in 0..CASES_PER_SIZE.min(4) {
            let mut modulus = random(&mut rng, size);
            modulus[0] |= 0x80;
            if case % 2 == 0 || size <= 256 {
                *modulus.last_mut().unwrap() &= 0xfe; // even
            }
            let base = random(&mut rng, size + case);
            let exp = random(&mut rng, [1, 3, 32, size][case % 4]);
            assert_eq!(
                mod_pow(&base, &exp, &modulus).unwrap(),
                expected(&base, &exp, &modulus),
                "{base:02x?}^{exp:02x?} mod {modulus:02x?}"
            );
        }
    }
}

/// RSA-sized public exponent and a 2047-bit modulus (as in Miller-Rabin on (p-1)/2).
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn public_exponents() {
    let mut rng = SeededRandom::new(11);
    for _ in 0..4 {
        let mut n = random(&mut rng, 256);
        n[0] = n[0] & 0x7f | 0x40;
        n[255] |= 1;
        let m = random(&mut rng, 256);
        check(&m, &[1, 0, 1], &n);
        check(&m, &[3], &n);
        check(&m, &n, &n);
    }
}

/// Native timings (not a pass/fail test): `cargo test --release --test mont -- --ignored
/// --nocapture`.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "timing only"]
fn timing() {
    use mtproto_wasm::crypto::DhParams;
    use std::time::Instant;
    let json: serde_json::Value = serde_json::from_str(include_str!("data/dh_prime.json")).unwrap();
    let p = hex::decode(json["prime"].as_str().unwrap()).unwrap();
    let mut rng = SeededRandom::new(3);
    let e = random(&mut rng, 256);
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..21)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[10]
    };
    let mont = MontModulus::new(&p).unwrap();
    let (pb, eb) = (BigUint::from_bytes_be(&p), BigUint::from_bytes_be(&e));
    println!(
        "pow (constant time), 2048-bit exponent: {:.2} ms",
        median(&mut || {
            mont.pow(&[3], &e);
        })
    );
    println!(
        "pow_public, 2048-bit exponent: {:.2} ms",
        median(&mut || {
            mont.pow_public(&[3], &e);
        })
    );
    println!(
        "pow_public, e = 65537: {:.3} ms",
        median(&mut || {
            mont.pow_public(&e, &[1, 0, 1]);
        })
    );
    println!(
        "MontModulus::new: {:.3} ms",
        median(&mut || {
            MontModulus::new(&p).unwrap();
        })
    );
    println!(
        "num-bigint modpow (reference): {:.2} ms",
        median(&mut || {
            BigUint::from(3u32).modpow(&eb, &pb);
        })
    );
    let s = Instant::now();
    DhParams::verify_uncached(&p, 3, &mut SeededRandom::new(9)).unwrap();
    println!(
        "safe-prime check (2 x 40 Miller-Rabin rounds at most): {:.1} ms",
        s.elapsed().as_secs_f64() * 1e3
    );
}
