//! The RSA key pair: 2048-bit generation, the key file, and the fixed test key.

use mtproto_testdc::RsaKeyPair;
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::One;

#[test]
fn generates_a_2048_bit_key() {
    let key = RsaKeyPair::generate().unwrap();
    assert_eq!(key.n.bits(), 2048);
    assert_eq!(key.p.bits(), 1024);
    assert_eq!(key.q.bits(), 1024);
    assert_eq!(&key.p * &key.q, key.n);
    assert_eq!(key.e, BigUint::from(65537u32));
    let lambda = (&key.p - 1u32).lcm(&(&key.q - 1u32));
    assert!(((&key.e * &key.d) % &lambda).is_one());
    // Round trip of a random-looking value below n.
    let m = BigUint::from_bytes_be(&[0x5a; 255]);
    let c = key.encrypt_raw(&m);
    assert_ne!(c, m);
    assert_eq!(key.decrypt_raw(&c), m);
    assert_eq!(RsaKeyPair::from_json(&key.to_json()).unwrap(), key);
}

#[test]
fn key_file_is_made_once_and_kept() {
    let dir = std::env::temp_dir().join(format!("mtproto-testdc-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("state/rsa_key.json");
    let (first, generated) = RsaKeyPair::load_or_generate(&path).unwrap();
    assert!(generated);
    let (again, generated) = RsaKeyPair::load_or_generate(&path).unwrap();
    assert!(!generated);
    assert_eq!(first, again);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // A damaged file is an error, not a silent new key.
    std::fs::write(&path, "{\"n\": \"zz\"}").unwrap();
    assert!(RsaKeyPair::load_or_generate(&path).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fixed_test_key() {
    let key = RsaKeyPair::fixed_test_key();
    assert_eq!(key.n.bits(), 2048);
    assert_eq!(key.fingerprint(), 0x37b8_5bc0_2dc6_a481);
    let m = BigUint::from(42u32);
    assert_eq!(key.decrypt_raw(&key.encrypt_raw(&m)), m);
}
