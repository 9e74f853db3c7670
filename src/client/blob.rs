//! The saved-session blob of [`ClientCore::export_session`](super::ClientCore::export_session).
//!
//! Version 1, 286 bytes, integers little-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `MTWS` |
//! | 4 | 1 | version (1) |
//! | 5 | 1 | flags: bit 0 test mode, bit 1 time offset known; other bits zero |
//! | 6 | 4 | DC id (i32, non-zero, \|dc\| < 10000; negative: media DC) |
//! | 10 | 256 | auth key |
//! | 266 | 8 | server salt (u64) |
//! | 274 | 8 | time offset, server minus local, ms (i64; 0 when unknown) |
//! | 282 | 4 | CRC32 of bytes 0..282 |
//!
//! Every field is checked on import; anything else is an error, never a panic.

use crate::crypto::AuthKey;
use crate::crypto::crc32::crc32;

/// The magic at the start of a blob.
pub const MAGIC: &[u8; 4] = b"MTWS";
/// The format version written.
pub const VERSION: u8 = 1;
/// The length of a version-1 blob.
pub const BLOB_LEN: usize = 286;

const FLAG_TEST: u8 = 1;
const FLAG_OFFSET: u8 = 2;

/// What a blob holds.
#[derive(Debug, Clone)]
pub struct SavedSession {
    /// The DC of the key.
    pub dc_id: i32,
    /// Test DCs.
    pub test_mode: bool,
    /// The auth key.
    pub auth_key: AuthKey,
    /// The last server salt.
    pub server_salt: u64,
    /// Server minus local time in ms, when known.
    pub time_offset_ms: Option<i64>,
}

/// Why a blob was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobError(pub &'static str);

impl core::fmt::Display for BlobError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "bad session blob: {}", self.0)
    }
}

impl std::error::Error for BlobError {}

impl SavedSession {
    /// The blob.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BLOB_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let mut flags = 0;
        if self.test_mode {
            flags |= FLAG_TEST;
        }
        if self.time_offset_ms.is_some() {
            flags |= FLAG_OFFSET;
        }
        out.push(flags);
        out.extend_from_slice(&self.dc_id.to_le_bytes());
        out.extend_from_slice(self.auth_key.as_bytes());
        out.extend_from_slice(&self.server_salt.to_le_bytes());
        out.extend_from_slice(&self.time_offset_ms.unwrap_or(0).to_le_bytes());
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads and checks a blob.
    pub fn from_bytes(b: &[u8]) -> Result<Self, BlobError> {
        if b.len() != BLOB_LEN {
            return Err(BlobError("wrong length (expected 286 bytes)"));
        }
        if b.get(..4) != Some(&MAGIC[..]) {
            return Err(BlobError("not a session blob (wrong magic)"));
        }
        if b.get(4) != Some(&VERSION) {
            return Err(BlobError("unsupported version"));
        }
        let crc = crc32(b.get(..282).unwrap_or_default());
        if b.get(282..286) != Some(&crc.to_le_bytes()[..]) {
            return Err(BlobError("checksum mismatch"));
        }
        let flags = b.get(5).copied().unwrap_or(0xff);
        if flags & !(FLAG_TEST | FLAG_OFFSET) != 0 {
            return Err(BlobError("unknown flags"));
        }
        let dc_id = i32::from_le_bytes(arr(b, 6)?);
        if dc_id == 0 || dc_id.unsigned_abs() >= 10_000 {
            return Err(BlobError("bad DC id"));
        }
        let key = b.get(10..266).ok_or(BlobError("truncated"))?;
        if key.iter().all(|&x| x == 0) {
            return Err(BlobError("empty auth key"));
        }
        let auth_key = AuthKey::from_bytes(key).map_err(|_| BlobError("bad auth key"))?;
        let server_salt = u64::from_le_bytes(arr(b, 266)?);
        let offset = i64::from_le_bytes(arr(b, 274)?);
        Ok(Self {
            dc_id,
            test_mode: flags & FLAG_TEST != 0,
            auth_key,
            server_salt,
            time_offset_ms: (flags & FLAG_OFFSET != 0).then_some(offset),
        })
    }
}

fn arr<const N: usize>(b: &[u8], at: usize) -> Result<[u8; N], BlobError> {
    b.get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or(BlobError("truncated"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SavedSession {
        let key: Vec<u8> = (0..256u32).map(|i| (i * 13 + 1) as u8).collect();
        SavedSession {
            dc_id: -4,
            test_mode: true,
            auth_key: AuthKey::from_bytes(&key).unwrap(),
            server_salt: 0x0102_0304_0506_0708,
            time_offset_ms: Some(-1234),
        }
    }

    #[test]
    fn round_trip_and_layout() {
        let b = sample().to_bytes();
        assert_eq!(b.len(), BLOB_LEN);
        assert_eq!(&b[..6], b"MTWS\x01\x03");
        let s = SavedSession::from_bytes(&b).unwrap();
        assert_eq!((s.dc_id, s.test_mode), (-4, true));
        assert_eq!(s.auth_key.as_bytes(), sample().auth_key.as_bytes());
        assert_eq!(
            (s.server_salt, s.time_offset_ms),
            (0x0102_0304_0506_0708, Some(-1234))
        );
    }

    #[test]
    fn hostile_blobs_are_errors() {
        let good = sample().to_bytes();
        for len in 0..good.len() + 2 {
            let mut b = good.clone();
            b.resize(len, 0);
            assert_eq!(SavedSession::from_bytes(&b).is_ok(), len == good.len());
        }
        // every single-bit flip is caught (the CRC covers the rest)
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0x10;
            assert!(SavedSession::from_bytes(&b).is_err(), "byte {i}");
        }
        // a well-formed blob with bad fields
        let mut s = sample();
        s.dc_id = 0;
        assert!(SavedSession::from_bytes(&s.to_bytes()).is_err());
        s.dc_id = 10_000;
        assert!(SavedSession::from_bytes(&s.to_bytes()).is_err());
        let mut b = sample().to_bytes();
        b[5] = 0x80;
        let crc = crc32(&b[..282]);
        b[282..].copy_from_slice(&crc.to_le_bytes());
        assert!(SavedSession::from_bytes(&b).is_err());
    }
}
