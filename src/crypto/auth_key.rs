//! The 2048-bit authorization key and the values derived from it.
//!
//! ```text
//!   auth_key_id = SHA1(auth_key)[12..20]     aux_hash = SHA1(auth_key)[0..8]
//! ```
//! Spec: <https://core.telegram.org/mtproto/description#key-identifier-auth-key-id>.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{CryptoError, sha1};

/// A 256-byte authorization key (or a secret chat's shared key); wiped on drop and never
/// printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AuthKey {
    bytes: [u8; 256],
}

impl core::fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AuthKey {{ id: {:016x} }}", self.id())
    }
}

impl AuthKey {
    /// The key from exactly 256 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let bytes = super::exact::<256>("auth key", "256 bytes", bytes)?;
        Ok(Self { bytes: *bytes })
    }

    /// The key from a big-endian number of at most 256 bytes, left-padded with zeros
    /// (how a DH result g^ab mod p becomes a key).
    pub fn from_be_padded(bytes: &[u8]) -> Result<Self, CryptoError> {
        let start = 256usize
            .checked_sub(bytes.len())
            .ok_or(CryptoError::WrongLength {
                what: "auth key",
                expected: "at most 256 bytes",
                got: bytes.len(),
            })?;
        let mut out = [0u8; 256];
        // start = 256 - bytes.len(), so the tail is exactly bytes.len() long.
        let (_, tail) = out.split_at_mut(start);
        tail.copy_from_slice(bytes);
        Ok(Self { bytes: out })
    }

    /// The raw key.
    pub fn as_bytes(&self) -> &[u8; 256] {
        &self.bytes
    }

    /// auth_key_id: the low 64 bits of SHA1(auth_key), as the little-endian integer sent on
    /// the wire (bytes 12..20).
    pub fn id(&self) -> u64 {
        let h = sha1(&self.bytes);
        let mut id = [0u8; 8];
        id.copy_from_slice(&h[12..20]);
        u64::from_le_bytes(id)
    }

    /// aux_hash: the high 64 bits of SHA1(auth_key) (bytes 0..8, little-endian).
    pub fn aux_hash(&self) -> u64 {
        let h = sha1(&self.bytes);
        let mut a = [0u8; 8];
        a.copy_from_slice(&h[..8]);
        u64::from_le_bytes(a)
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert!(AuthKey::from_bytes(&[0; 255]).is_err());
        assert!(AuthKey::from_be_padded(&[1; 257]).is_err());
        let k = AuthKey::from_be_padded(&[1, 2]).unwrap();
        assert_eq!(k.as_bytes()[254..], [1, 2]);
        assert!(k.as_bytes()[..254].iter().all(|&b| b == 0));
        assert!(format!("{k:?}").starts_with("AuthKey { id: "));
    }
}
