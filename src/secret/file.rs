//! Encrypted files of secret chats: a random key and iv per file, AES-256-IGE, and the key
//! fingerprint the peer checks before decrypting.
//!
//! ```text
//!   key, iv         : 32 random bytes each, new for every file
//!   data            : plaintext padded with random bytes to a multiple of 16, AES-256-IGE
//!   digest          = md5(key ++ iv)
//!   key_fingerprint = int32LE(digest[0..4]) XOR int32LE(digest[4..8])
//! ```
//! Spec: <https://core.telegram.org/api/end-to-end#sending-encrypted-files>.

use md5::{Digest, Md5};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::SecretError;
use crate::crypto::{RandomSource, aes_ige_decrypt, aes_ige_encrypt};

/// Size of one uploaded part (upload.saveFilePart): 512 KB, the largest the API allows.
pub const FILE_PART_SIZE: usize = 512 * 1024;
/// Files above this size go up with upload.saveBigFilePart.
pub const BIG_FILE_THRESHOLD: usize = 10 * 1024 * 1024;

/// The key and iv of one encrypted file; wiped on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FileKey {
    /// AES-256 key.
    pub key: [u8; 32],
    /// IGE iv.
    pub iv: [u8; 32],
}

impl core::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FileKey {{ fingerprint: {} }}", self.fingerprint())
    }
}

impl FileKey {
    /// A new random key and iv.
    pub fn random(rng: &mut dyn RandomSource) -> Result<Self, SecretError> {
        let mut k = Self {
            key: [0; 32],
            iv: [0; 32],
        };
        rng.fill(&mut k.key)?;
        rng.fill(&mut k.iv)?;
        Ok(k)
    }

    /// A key from the bytes sent in decryptedMessageMedia (key and iv must be 32 bytes).
    pub fn from_parts(key: &[u8], iv: &[u8]) -> Result<Self, SecretError> {
        let (Ok(key), Ok(iv)) = (<[u8; 32]>::try_from(key), <[u8; 32]>::try_from(iv)) else {
            return Err(SecretError::FileFingerprintMismatch);
        };
        Ok(Self { key, iv })
    }

    /// key_fingerprint: the two low 32-bit words of md5(key ++ iv), XORed.
    pub fn fingerprint(&self) -> i32 {
        let mut h = Md5::new();
        h.update(self.key);
        h.update(self.iv);
        let d = h.finalize();
        let word = |i: usize| {
            let w = d.get(i..).and_then(|s| s.first_chunk::<4>());
            i32::from_le_bytes(w.copied().unwrap_or([0; 4]))
        };
        word(0) ^ word(4)
    }

    /// Encrypts a whole file: pads it with random bytes to a multiple of 16 and encrypts.
    pub fn encrypt(&self, data: &[u8], rng: &mut dyn RandomSource) -> Result<Vec<u8>, SecretError> {
        let mut out = data.to_vec();
        let pad = data.len().wrapping_neg() & 15; // (-len) mod 16
        let mut fill = [0u8; 16];
        rng.fill(fill.get_mut(..pad).unwrap_or_default())?;
        out.extend_from_slice(fill.get(..pad).unwrap_or_default());
        aes_ige_encrypt(&mut out, &self.key, &self.iv)?;
        Ok(out)
    }

    /// Checks `fingerprint` (sent by the peer) against this key, decrypts `data` and cuts it
    /// to `size` (the plaintext size from the message).
    pub fn decrypt(
        &self,
        fingerprint: i32,
        data: &[u8],
        size: usize,
    ) -> Result<Vec<u8>, SecretError> {
        // "the client must check that key_fingerprint matches the key and iv" before use.
        if self.fingerprint() != fingerprint {
            return Err(SecretError::FileFingerprintMismatch);
        }
        if data.len() % 16 != 0 || size > data.len() || data.len().saturating_sub(size) >= 16 {
            return Err(SecretError::BadLength);
        }
        let mut out = data.to_vec();
        aes_ige_decrypt(&mut out, &self.key, &self.iv)?;
        out.truncate(size);
        Ok(out)
    }
}

/// md5 of an encrypted file's bytes in lower-case hex (inputEncryptedFileUploaded.md5_checksum).
pub fn md5_hex(data: &[u8]) -> String {
    super::keys::to_hex(&Md5::digest(data))
}

/// How many parts of [`FILE_PART_SIZE`] an encrypted file of `len` bytes has.
pub fn part_count(len: usize) -> usize {
    len.div_ceil(FILE_PART_SIZE)
}
