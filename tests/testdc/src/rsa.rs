//! The test DC's RSA key pair: generation, the key file, PEM and the MTProto fingerprint.
//!
//! Spec: <https://core.telegram.org/mtproto/auth_key> ("the client ... selects the server's
//! public RSA key by fingerprint": the lower 64 bits of SHA1 of the TL-serialized
//! `rsa_public_key n:string e:string = RSAPublicKey`).

use std::fmt;
use std::path::Path;

use mtproto_wasm::crypto::sha1;
use mtproto_wasm::tl::primitives::write_bytes;
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};

use crate::encoding::{hex_decode, hex_encode, pem_rsa_public_key};

/// The public exponent, as Telegram uses.
pub const E: u32 = 65537;

/// The committed test-only key (`data/test_rsa_key.json`).
const FIXED_TEST_KEY: &str = include_str!("../data/test_rsa_key.json");

/// Why a key could not be made, read or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyError {
    /// The system random source failed.
    RandomUnavailable,
    /// The key file is not the JSON we write, or its numbers do not form a key pair.
    BadKeyFile(String),
    /// Reading or writing the key file failed.
    Io(std::io::Error),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RandomUnavailable => f.write_str("the system random source is unavailable"),
            Self::BadKeyFile(why) => write!(f, "bad RSA key file: {why}"),
            Self::Io(e) => write!(f, "RSA key file: {e}"),
        }
    }
}

impl std::error::Error for KeyError {}

impl From<std::io::Error> for KeyError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// An RSA key pair (n = p q, e d = 1 mod lcm(p-1, q-1)).
#[derive(Clone, PartialEq, Eq)]
pub struct RsaKeyPair {
    /// Modulus.
    pub n: BigUint,
    /// Public exponent.
    pub e: BigUint,
    /// Private exponent.
    pub d: BigUint,
    /// First prime factor.
    pub p: BigUint,
    /// Second prime factor.
    pub q: BigUint,
}

impl fmt::Debug for RsaKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RsaKeyPair {{ fingerprint: {:#018x}, .. }}",
            self.fingerprint()
        )
    }
}

fn random_bytes(len: usize) -> Result<Vec<u8>, KeyError> {
    let mut buf = vec![0u8; len];
    getrandom::fill(&mut buf).map_err(|_| KeyError::RandomUnavailable)?;
    Ok(buf)
}

/// The odd primes below 2000, for trial division.
fn small_primes() -> Vec<u32> {
    (3..2000u32)
        .step_by(2)
        .filter(|&k| {
            (3..)
                .step_by(2)
                .take_while(|d| d * d <= k)
                .all(|d| k % d != 0)
        })
        .collect()
}

/// Miller-Rabin with `rounds` random bases in [2, n-2]. `n` must be odd and > 3.
fn miller_rabin(n: &BigUint, rounds: usize) -> Result<bool, KeyError> {
    let one = BigUint::one();
    let two = BigUint::from(2u32);
    let n_minus_1 = n - &one;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    let byte_len = n.bits().div_ceil(8) as usize + 8;
    'rounds: for _ in 0..rounds {
        // a uniform enough in [2, n-2]: 64 extra random bits make the modulo bias negligible.
        let a = BigUint::from_bytes_be(&random_bytes(byte_len)?) % (n - 3u32) + &two;
        let mut x = a.modpow(&d, n);
        if x == one || x == n_minus_1 {
            continue;
        }
        for _ in 1..s {
            x = x.modpow(&two, n);
            if x == n_minus_1 {
                continue 'rounds;
            }
        }
        return Ok(false);
    }
    Ok(true)
}

/// A random prime of exactly `bits` bits with the top two bits set (so a product of two has
/// exactly `2 * bits` bits), with gcd(p - 1, e) = 1.
fn random_prime(bits: usize, primes: &[u32]) -> Result<BigUint, KeyError> {
    let e = BigUint::from(E);
    loop {
        let mut bytes = random_bytes(bits / 8)?;
        bytes[0] |= 0xc0;
        if let Some(last) = bytes.last_mut() {
            *last |= 1;
        }
        let candidate = BigUint::from_bytes_be(&bytes);
        if primes.iter().any(|&sp| (&candidate % sp).is_zero()) {
            continue;
        }
        if !(&candidate - 1u32).gcd(&e).is_one() {
            continue;
        }
        if miller_rabin(&candidate, 40)? {
            return Ok(candidate);
        }
    }
}

fn field(v: &serde_json::Value, name: &str) -> Result<BigUint, KeyError> {
    let text = v
        .get(name)
        .and_then(|x| x.as_str())
        .ok_or_else(|| KeyError::BadKeyFile(format!("missing hex string \"{name}\"")))?;
    let bytes =
        hex_decode(text).ok_or_else(|| KeyError::BadKeyFile(format!("\"{name}\" is not hex")))?;
    Ok(BigUint::from_bytes_be(&bytes))
}

impl RsaKeyPair {
    /// Generates a fresh 2048-bit key pair with e = 65537 (a few seconds).
    pub fn generate() -> Result<Self, KeyError> {
        Self::generate_bits(2048)
    }

    /// Generates a key pair whose modulus has exactly `bits` bits (a multiple of 16).
    pub fn generate_bits(bits: usize) -> Result<Self, KeyError> {
        let primes = small_primes();
        loop {
            let p = random_prime(bits / 2, &primes)?;
            let q = random_prime(bits / 2, &primes)?;
            if p == q {
                continue;
            }
            if let Ok(key) = Self::from_primes(p, q) {
                return Ok(key);
            }
        }
    }

    /// The key pair of two primes with e = 65537.
    pub fn from_primes(p: BigUint, q: BigUint) -> Result<Self, KeyError> {
        let e = BigUint::from(E);
        let lambda = (&p - 1u32).lcm(&(&q - 1u32));
        let d = e
            .modinv(&lambda)
            .ok_or_else(|| KeyError::BadKeyFile("e is not invertible mod lcm(p-1, q-1)".into()))?;
        Ok(Self {
            n: &p * &q,
            e,
            d,
            p,
            q,
        })
    }

    /// The committed test-only key (`tests/testdc/data/test_rsa_key.json`): never use it
    /// anywhere but tests and local demos.
    pub fn fixed_test_key() -> Self {
        // The file is compiled in and checked by a unit test, so this cannot fail at run time
        // unless the file is edited by hand; then fall back to a freshly generated key.
        Self::from_json(FIXED_TEST_KEY).unwrap_or_else(|_| {
            Self::generate().unwrap_or_else(|e| panic!("no fixed test key and no randomness: {e}"))
        })
    }

    /// Parses the key file format written by [`RsaKeyPair::to_json`] and checks it.
    pub fn from_json(text: &str) -> Result<Self, KeyError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| KeyError::BadKeyFile(e.to_string()))?;
        let (n, e, d, p, q) = (
            field(&v, "n")?,
            field(&v, "e")?,
            field(&v, "d")?,
            field(&v, "p")?,
            field(&v, "q")?,
        );
        if &p * &q != n {
            return Err(KeyError::BadKeyFile("n != p * q".into()));
        }
        let lambda = (&p - 1u32).lcm(&(&q - 1u32));
        if !((&e * &d) % &lambda).is_one() {
            return Err(KeyError::BadKeyFile("e * d != 1 mod lcm(p-1, q-1)".into()));
        }
        Ok(Self { n, e, d, p, q })
    }

    /// The key file: a JSON object of big-endian hex numbers.
    pub fn to_json(&self) -> String {
        let h = |x: &BigUint| hex_encode(&x.to_bytes_be());
        format!(
            "{{\n  \"comment\": \"RSA key pair of the mtproto-wasm test DC (local use only). fingerprint {:#018x}\",\n  \"n\": \"{}\",\n  \"e\": \"{}\",\n  \"d\": \"{}\",\n  \"p\": \"{}\",\n  \"q\": \"{}\"\n}}\n",
            self.fingerprint(),
            h(&self.n),
            h(&self.e),
            h(&self.d),
            h(&self.p),
            h(&self.q)
        )
    }

    /// Reads the key at `path`, or generates one and writes it there (creating the folder).
    /// The flag is true when the key was generated now.
    pub fn load_or_generate(path: &Path) -> Result<(Self, bool), KeyError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok((Self::from_json(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                write_private(path, key.to_json().as_bytes())?;
                Ok((key, true))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Big-endian modulus bytes.
    pub fn n_bytes(&self) -> Vec<u8> {
        self.n.to_bytes_be()
    }

    /// Big-endian public exponent bytes.
    pub fn e_bytes(&self) -> Vec<u8> {
        self.e.to_bytes_be()
    }

    /// `GET /rsa.pem`: PKCS#1 `-----BEGIN RSA PUBLIC KEY-----`.
    pub fn public_pem(&self) -> String {
        pem_rsa_public_key(&self.n_bytes(), &self.e_bytes())
    }

    /// The MTProto fingerprint: the low 64 bits of SHA1(rsa_public_key n:bytes e:bytes),
    /// i.e. SHA1[12..20] read as a little-endian u64.
    pub fn fingerprint(&self) -> u64 {
        fingerprint(&self.n_bytes(), &self.e_bytes())
    }

    /// Textbook RSA: m^e mod n.
    pub fn encrypt_raw(&self, m: &BigUint) -> BigUint {
        m.modpow(&self.e, &self.n)
    }

    /// Textbook RSA: c^d mod n (what the server does to `req_DH_params`' encrypted_data).
    pub fn decrypt_raw(&self, c: &BigUint) -> BigUint {
        c.modpow(&self.d, &self.n)
    }
}

/// The MTProto fingerprint of a public key given as big-endian n and e.
pub fn fingerprint(n: &[u8], e: &[u8]) -> u64 {
    let mut tl = Vec::with_capacity(n.len() + e.len() + 8);
    write_bytes(&mut tl, n);
    write_bytes(&mut tl, e);
    let h = sha1(&tl);
    let mut low = [0u8; 8];
    low.copy_from_slice(&h[12..20]);
    u64::from_le_bytes(low)
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_key_file_is_valid() {
        let key = RsaKeyPair::from_json(FIXED_TEST_KEY).unwrap();
        assert_eq!(key.n.bits(), 2048);
        assert_eq!(key.e, BigUint::from(E));
        assert_eq!(RsaKeyPair::from_json(&key.to_json()).unwrap(), key);
    }

    #[test]
    fn telegram_test_key_fingerprint() {
        // Telegram's test-DC public key, as shipped by TDLib (td/telegram/net/
        // PublicRsaKeySharedMain.cpp); its fingerprint is 0xB25898DF208D2603 (protocol-facts).
        let pem = "MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB";
        let der = crate::encoding::base64_decode(pem).unwrap();
        // SEQUENCE(266) { INTEGER(257) 00 n, INTEGER(3) 010001 }
        assert_eq!(der.len(), 270);
        assert_eq!(
            &der[..9],
            &[0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00]
        );
        assert_eq!(&der[265..], &[0x02, 0x03, 0x01, 0x00, 0x01]);
        let n = &der[9..265];
        assert_eq!(fingerprint(n, &[1, 0, 1]), 0xb25898df208d2603);
        // Our DER encoder gives back exactly the same bytes.
        assert_eq!(crate::encoding::der_rsa_public_key(n, &[1, 0, 1]), der);
    }

    #[test]
    fn generated_key_is_consistent() {
        // A small key keeps the debug-build test fast; the 2048-bit one is an integration test.
        let key = RsaKeyPair::generate_bits(512).unwrap();
        assert_eq!(key.n.bits(), 512);
        let m = BigUint::from(0x1234_5678_9abc_def0u64);
        assert_eq!(key.decrypt_raw(&key.encrypt_raw(&m)), m);
    }
}
