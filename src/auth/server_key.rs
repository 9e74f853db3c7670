//! The server's RSA private key and the two ways clients encrypt p_q_inner_data with it.
//!
//! ```text
//!   MTProto 2.0 (RSA_PAD):  m = c^d mod n = temp_key_xor (32) | aes_encrypted (224)
//!     temp_key = temp_key_xor XOR SHA256(aes_encrypted)
//!     data_with_hash = AES256-IGE-decrypt(aes_encrypted, temp_key, iv 0)
//!     = reverse(data_with_padding) (192) | SHA256(temp_key | data_with_padding) (32)
//!   legacy (older clients, e.g. Telethon):  m = 0 | SHA1(data) (20) | data | padding  (256)
//! ```
//! Spec: <https://core.telegram.org/mtproto/auth_key#presenting-proof-of-work-server-authentication>
//! (section 4.1, and the pre-2.0 "encrypted_data := RSA (data_with_hash, server_public_key)").
//!
//! Server side only (the test DC); the client never holds a private key.

use core::fmt;

use zeroize::Zeroizing;

use super::AuthError;
use crate::crypto::{
    BigNat, CryptoError, MontModulus, RsaPublicKey, aes_ige_decrypt, sha1, sha256, sha256_concat,
};
use crate::tl::mtproto::enums;
use crate::tl::{Deserializable, Reader};

/// An RSA key pair: the public half clients trust, and the private exponent.
#[derive(Clone)]
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    /// The private exponent (wiped on drop).
    d: BigNat,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RsaPrivateKey {{ fingerprint: {:#018x} }}",
            self.fingerprint()
        )
    }
}

impl RsaPrivateKey {
    /// A key pair from big-endian n, e and d. n and e are checked as for
    /// [`RsaPublicKey::from_components`]; d must be non-zero and below n (it is not checked
    /// to match e: a wrong d just fails every decryption).
    pub fn from_components(n_be: &[u8], e_be: &[u8], d_be: &[u8]) -> Result<Self, CryptoError> {
        let public = RsaPublicKey::from_components(n_be, e_be)?;
        let d = BigNat::from_be_bytes(d_be);
        if d.is_zero() || d >= BigNat::from_be_bytes(&public.n_be()) {
            return Err(CryptoError::BadPublicKey(
                "private exponent must be in 1..n",
            ));
        }
        Ok(Self { public, d })
    }

    /// The public key.
    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }

    /// The public key's fingerprint.
    pub fn fingerprint(&self) -> u64 {
        self.public.fingerprint()
    }

    /// Raw RSA: c^d mod n as 256 big-endian bytes (Montgomery, constant time in d).
    fn raw_decrypt(&self, c_be: &[u8]) -> Result<Zeroizing<Vec<u8>>, AuthError> {
        let n_be = self.public.n_be();
        if c_be.len() != 256 || BigNat::from_be_bytes(c_be) >= BigNat::from_be_bytes(&n_be) {
            return Err(AuthError::BadClientMessage(
                "encrypted_data must be 256 bytes below the modulus",
            ));
        }
        // n is odd and of 2048 bits (RsaPublicKey): every result has 256 bytes.
        let d_be = Zeroizing::new(self.d.to_be_bytes());
        Ok(Zeroizing::new(MontModulus::new(&n_be)?.pow(c_be, &d_be)))
    }

    /// Decrypts req_DH_params' encrypted_data (RSA_PAD, else the legacy SHA1 scheme) and
    /// parses the p_q_inner_data inside.
    pub fn decrypt_inner_data(&self, encrypted: &[u8]) -> Result<enums::PQInnerData, AuthError> {
        let m = self.raw_decrypt(encrypted)?;
        if let Some(inner) = open_rsa_pad(&m) {
            return inner;
        }
        if let Some(inner) = open_legacy(&m) {
            return inner;
        }
        Err(AuthError::BadClientMessage(
            "encrypted_data is neither RSA_PAD nor SHA1-hashed p_q_inner_data",
        ))
    }
}

/// `None` when the SHA256 check fails (not RSA_PAD, or corrupt).
fn open_rsa_pad(m: &[u8]) -> Option<Result<enums::PQInnerData, AuthError>> {
    let (temp_key_xor, aes_encrypted) = m.split_at_checked(32)?;
    let mask = sha256(aes_encrypted);
    let mut temp_key = Zeroizing::new([0u8; 32]);
    for ((k, x), m) in temp_key.iter_mut().zip(temp_key_xor).zip(mask) {
        *k = x ^ m;
    }
    let mut with_hash = Zeroizing::new(aes_encrypted.to_vec());
    aes_ige_decrypt(&mut with_hash, temp_key.as_slice(), &[0; 32]).ok()?;
    let (reversed, hash) = with_hash.split_at_checked(192)?;
    let mut padded = Zeroizing::new(reversed.to_vec());
    padded.reverse();
    if sha256_concat(&[temp_key.as_slice(), &padded])[..] != hash[..] {
        return None;
    }
    let mut r = Reader::new(&padded);
    Some(enums::PQInnerData::deserialize(&mut r).map_err(AuthError::from))
}

/// `None` when the SHA1 check fails.
fn open_legacy(m: &[u8]) -> Option<Result<enums::PQInnerData, AuthError>> {
    let body = m.get(1..)?;
    if m.first() != Some(&0) {
        return None;
    }
    let (hash, rest) = body.split_at_checked(20)?;
    let mut r = Reader::new(rest);
    let inner = enums::PQInnerData::deserialize(&mut r).ok()?;
    let exact = rest.get(..r.position())?;
    (sha1(exact)[..] == hash[..]).then_some(Ok(inner))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // test code: a panic is a failure
mod tests {
    use super::*;
    use crate::crypto::{SeededRandom, builtin_keys, rsa_pad_encrypt};

    #[test]
    fn rejects_bad_private_exponents() {
        let k = &builtin_keys()[0];
        let n = k.n_be();
        assert!(RsaPrivateKey::from_components(&n, &[1, 0, 1], &[]).is_err());
        assert!(RsaPrivateKey::from_components(&n, &[1, 0, 1], &n).is_err());
        let ok = RsaPrivateKey::from_components(&n, &[1, 0, 1], &[7]).unwrap();
        assert_eq!(
            format!("{ok:?}"),
            "RsaPrivateKey { fingerprint: 0xd09d1d85de64fd85 }"
        );
        // A wrong d decrypts to noise: a clean error.
        let c = rsa_pad_encrypt(&[1; 40], k, &mut SeededRandom::new(1)).unwrap();
        assert!(ok.decrypt_inner_data(&c).is_err());
        assert!(ok.decrypt_inner_data(&c[1..]).is_err());
    }
}
