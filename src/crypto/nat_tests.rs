//! Tests of [`BigNat`] (`nat.rs`, `nat_div.rs`) against `num-bigint` as the reference: random
//! numbers of every size up to 300 bytes, and limbs chosen to hit the rare paths of the
//! division (estimates two too large, the add-back step).

use core::num::NonZeroU32;

use num_bigint::BigUint;

use super::nat::BigNat;
use super::{CryptoError, RandomSource, SeededRandom};

fn reference(x: &BigNat) -> BigUint {
    BigUint::from_bytes_be(&x.to_be_bytes())
}

fn ours(x: &BigUint) -> BigNat {
    BigNat::from_be_bytes(&x.to_bytes_be())
}

fn from_limbs(limbs: &[u32]) -> BigNat {
    BigNat::from_limbs(limbs.to_vec())
}

/// A random number of `len` bytes; some have long runs of 0x00 or 0xff bytes.
fn random(rng: &mut SeededRandom, len: usize) -> BigNat {
    let mut bytes = vec![0u8; len];
    rng.fill(&mut bytes).unwrap();
    let mut kind = [0u8; 1];
    rng.fill(&mut kind).unwrap();
    for (i, b) in bytes.iter_mut().enumerate() {
        match kind[0] % 4 {
            0 if i % 7 < 3 => *b = 0,
            1 if i % 5 < 3 => *b = 0xff,
            _ => {}
        }
    }
    BigNat::from_be_bytes(&bytes)
}

/// Every operation on `a` and `b` against num-bigint.
fn check_pair(a: &BigNat, b: &BigNat) {
    let (ra, rb) = (reference(a), reference(b));
    let ctx = || format!("{a:?}, {b:?}");
    assert_eq!(a.cmp(b), ra.cmp(&rb), "cmp {}", ctx());
    assert_eq!(reference(&(a + b)), &ra + &rb, "add {}", ctx());
    assert_eq!(reference(&(a * b)), &ra * &rb, "mul {}", ctx());
    match a.checked_sub(b) {
        Some(d) => assert_eq!(reference(&d), &ra - &rb, "sub {}", ctx()),
        None => assert!(ra < rb, "sub {}", ctx()),
    }
    match a.checked_rem(b) {
        Some(r) => assert_eq!(reference(&r), &ra % &rb, "rem {}", ctx()),
        None => assert!(b.is_zero(), "rem {}", ctx()),
    }
}

#[test]
fn bytes_round_trip() {
    assert_eq!(BigNat::from_be_bytes(&[]), BigNat::default());
    assert_eq!(BigNat::from_be_bytes(&[0, 0, 0, 0, 0]), BigNat::default());
    assert_eq!(BigNat::default().to_be_bytes(), [0]);
    assert_eq!(BigNat::from_be_bytes(&[0, 0, 1, 0]), BigNat::from(256u32));
    assert_eq!(BigNat::from(0x0102u32).to_be_padded(3).unwrap(), [0, 1, 2]);
    assert_eq!(BigNat::default().to_be_padded(2).unwrap(), [0, 0]);
    assert_eq!(BigNat::default().to_be_padded(0).unwrap(), [0u8; 0]);
    assert!(matches!(
        BigNat::from(0x010203u32).to_be_padded(2),
        Err(CryptoError::WrongLength { got: 3, .. })
    ));
    let x = BigNat::from_be_bytes(&[0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(x.to_be_bytes(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(x.limbs, [0x06070809, 0x02030405, 1]);
    assert_eq!(format!("{x:?}"), "BigNat(0x010203040506070809)");
    assert_eq!(
        BigNat::from(0x1234_5678_9abc_def0u64).to_u64(),
        Some(0x1234_5678_9abc_def0)
    );
    assert_eq!(BigNat::default().to_u64(), Some(0));
    assert_eq!(x.to_u64(), None);
}

#[test]
fn bits_and_shifts() {
    let mut rng = SeededRandom::new(0x6269_7473);
    for len in 0..=70 {
        let x = random(&mut rng, len);
        let r = reference(&x);
        assert_eq!(x.bits() as u64, r.bits());
        assert_eq!(
            x.byte_len(),
            r.to_bytes_be().len() - usize::from(r.bits() == 0)
        );
        assert_eq!(x.trailing_zeros(), r.trailing_zeros().map(|z| z as usize));
        assert_eq!(x.is_odd(), r.bit(0));
        assert_eq!(x.is_zero(), r.bits() == 0);
        for i in 0..x.bits() + 40 {
            assert_eq!(x.bit(i), r.bit(i as u64));
        }
        for shift in [0usize, 1, 7, 31, 32, 33, 64, 100] {
            assert_eq!(reference(&(&x << shift)), &r << shift, "{x:?} << {shift}");
            assert_eq!(reference(&(&x >> shift)), &r >> shift, "{x:?} >> {shift}");
        }
        assert_eq!(
            x.rem_u32(NonZeroU32::new(4_294_967_291).unwrap()),
            u32::try_from(&r % 4_294_967_291u32).unwrap()
        );
    }
    for e in [0usize, 1, 31, 32, 33, 1984, 2048, 4144] {
        assert_eq!(reference(&BigNat::pow2(e)), BigUint::from(1u32) << e);
    }
    assert!(BigNat::from(1u32).is_one());
    assert!(!BigNat::from(3u32).is_one());
}

#[test]
fn random_against_num_bigint() {
    let mut rng = SeededRandom::new(0x6e61_7421);
    for a_len in (0..=300).step_by(7) {
        for b_len in [0, 1, 3, 4, 5, 8, 9, 17, 64, 128, 129, 255, 256, 257, 300] {
            let a = random(&mut rng, a_len);
            let b = random(&mut rng, b_len);
            check_pair(&a, &b);
            check_pair(&b, &a);
        }
    }
    // Equal numbers and numbers just apart.
    let a = random(&mut rng, 256);
    let one = BigNat::from(1u32);
    check_pair(&a, &a.clone());
    check_pair(&(&a + &one), &a);
    check_pair(&a, &(&a + &one));
}

#[test]
fn division_edge_limbs() {
    // Dividends of up to 4 limbs and divisors of 2 or 3 limbs built from these limbs: the
    // quotient estimate is then often too large, sometimes by two, and the add-back step
    // runs (e.g. 0x8000_0000_0000_0000_0000_0003 / 0x2000_0000_0000_0000_0000_0001).
    let edges = [
        0u32,
        1,
        3,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_fffe,
        0xffff_ffff,
    ];
    let mut divisors = Vec::new();
    for &lo in &edges {
        for &hi in &edges[1..] {
            divisors.push(from_limbs(&[lo, hi]));
            for &mid in &edges {
                divisors.push(from_limbs(&[lo, mid, hi]));
            }
        }
    }
    divisors.push(from_limbs(&[1, 0, 0x2000_0000]));
    for u in 0..edges.len().pow(4) {
        let limbs: Vec<u32> = (0..4)
            .map(|k| edges[u / edges.len().pow(k) % edges.len()])
            .collect();
        let a = from_limbs(&limbs);
        for b in &divisors {
            let r = a.checked_rem(b).unwrap();
            assert_eq!(reference(&r), reference(&a) % reference(b), "{a:?} % {b:?}");
        }
    }
    let a = from_limbs(&[3, 0, 0x8000_0000]);
    let b = from_limbs(&[1, 0, 0x2000_0000]);
    assert_eq!(
        reference(&a.checked_rem(&b).unwrap()),
        reference(&a) % reference(&b)
    );
}

#[test]
fn pow_mod_against_num_bigint() {
    let mut rng = SeededRandom::new(0x0070_6f77);
    for m_len in [1usize, 2, 5, 9, 32, 64, 100] {
        for _ in 0..4 {
            let m = random(&mut rng, m_len);
            let base = random(&mut rng, m_len + 3);
            let exp = random(&mut rng, 20);
            match base.pow_mod(&exp, &m) {
                Some(r) => assert_eq!(
                    reference(&r),
                    reference(&base).modpow(&reference(&exp), &reference(&m)),
                    "{base:?}^{exp:?} mod {m:?}"
                ),
                None => assert!(m.is_zero()),
            }
        }
    }
    let m = BigNat::from(100u32);
    assert_eq!(
        BigNat::from(3u32).pow_mod(&BigNat::default(), &m),
        Some(BigNat::from(1u32))
    );
    assert_eq!(
        BigNat::from(3u32).pow_mod(&BigNat::from(5u32), &BigNat::from(1u32)),
        Some(BigNat::default())
    );
    assert_eq!(ours(&BigUint::from(7u32)), BigNat::from(7u32));
}
