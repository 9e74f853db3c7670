//! The saved-session blob of [`ClientCore::export_session`](super::ClientCore::export_session).
//!
//! Version 2 (written; version 1 is still read), integers little-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `MTWS` |
//! | 4 | 1 | version (2; 1 has no temporary key and flag bit 2 clear) |
//! | 5 | 1 | flags: bit 0 test mode, bit 1 time offset known, bit 2 temporary key; other bits zero |
//! | 6 | 4 | DC id (i32, non-zero, \|dc\| < 10000; negative: media DC) |
//! | 10 | 256 | permanent auth key |
//! | 266 | 8 | server salt of the permanent key (u64) |
//! | 274 | 8 | time offset, server minus local, ms (i64; 0 when unknown) |
//! | 282 | 256 | with flag bit 2: the bound temporary key (PFS) |
//! | 538 | 8 | with flag bit 2: its server salt (u64) |
//! | 546 | 8 | with flag bit 2: its expiry (i64, unix seconds, server clock) |
//! | end - 4 | 4 | CRC32 of everything before it |
//!
//! [`BLOB_LEN`] bytes without a temporary key, [`BLOB_LEN_WITH_TEMP_KEY`] with one. Every
//! field is checked on import; anything else is an error, never a panic.

use crate::crypto::AuthKey;
use crate::crypto::crc32::crc32;

/// The magic at the start of a blob.
pub const MAGIC: &[u8; 4] = b"MTWS";
/// The format version written.
pub const VERSION: u8 = 2;
/// The length of a blob without a temporary key.
pub const BLOB_LEN: usize = 286;
/// The length of a blob with a temporary key.
pub const BLOB_LEN_WITH_TEMP_KEY: usize = BLOB_LEN + TEMP_LEN;

const TEMP_LEN: usize = 256 + 8 + 8;
const FIXED: usize = 282;
const FLAG_TEST: u8 = 1;
const FLAG_OFFSET: u8 = 2;
const FLAG_TEMP: u8 = 4;

/// What a blob holds.
#[derive(Debug, Clone)]
pub struct SavedSession {
    /// The DC of the key.
    pub dc_id: i32,
    /// Test DCs.
    pub test_mode: bool,
    /// The permanent auth key.
    pub auth_key: AuthKey,
    /// The last server salt of the permanent key's session.
    pub server_salt: u64,
    /// Server minus local time in ms, when known.
    pub time_offset_ms: Option<i64>,
    /// The bound temporary key (PFS), if there was one.
    pub temp: Option<SavedTempKey>,
}

/// A bound temporary key in a blob.
#[derive(Debug, Clone)]
pub struct SavedTempKey {
    /// The key.
    pub auth_key: AuthKey,
    /// The last server salt of its session.
    pub server_salt: u64,
    /// Its expiry (unix seconds, server clock).
    pub expires_at: i64,
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
    /// The blob (version 2).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BLOB_LEN_WITH_TEMP_KEY);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let mut flags = 0;
        if self.test_mode {
            flags |= FLAG_TEST;
        }
        if self.time_offset_ms.is_some() {
            flags |= FLAG_OFFSET;
        }
        if self.temp.is_some() {
            flags |= FLAG_TEMP;
        }
        out.push(flags);
        out.extend_from_slice(&self.dc_id.to_le_bytes());
        out.extend_from_slice(self.auth_key.as_bytes());
        out.extend_from_slice(&self.server_salt.to_le_bytes());
        out.extend_from_slice(&self.time_offset_ms.unwrap_or(0).to_le_bytes());
        if let Some(t) = &self.temp {
            out.extend_from_slice(t.auth_key.as_bytes());
            out.extend_from_slice(&t.server_salt.to_le_bytes());
            out.extend_from_slice(&t.expires_at.to_le_bytes());
        }
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads and checks a blob (version 1 or 2).
    pub fn from_bytes(b: &[u8]) -> Result<Self, BlobError> {
        if b.len() != BLOB_LEN && b.len() != BLOB_LEN_WITH_TEMP_KEY {
            return Err(BlobError("wrong length (expected 286 or 558 bytes)"));
        }
        if b.get(..4) != Some(&MAGIC[..]) {
            return Err(BlobError("not a session blob (wrong magic)"));
        }
        let version = b.get(4).copied().unwrap_or(0);
        if version != 1 && version != 2 {
            return Err(BlobError("unsupported version"));
        }
        let (body, stored_crc) = b.split_last_chunk::<4>().ok_or(BlobError("truncated"))?;
        if *stored_crc != crc32(body).to_le_bytes() {
            return Err(BlobError("checksum mismatch"));
        }
        let flags = b.get(5).copied().unwrap_or(0xff);
        let known = if version == 1 {
            FLAG_TEST | FLAG_OFFSET
        } else {
            FLAG_TEST | FLAG_OFFSET | FLAG_TEMP
        };
        if flags & !known != 0 {
            return Err(BlobError("unknown flags"));
        }
        let has_temp = flags & FLAG_TEMP != 0;
        if has_temp != (b.len() == BLOB_LEN_WITH_TEMP_KEY) {
            return Err(BlobError("length does not match the temporary-key flag"));
        }
        let dc_id = i32::from_le_bytes(arr(b, 6)?);
        if dc_id == 0 || dc_id.unsigned_abs() >= 10_000 {
            return Err(BlobError("bad DC id"));
        }
        let auth_key = key_at(b, 10)?;
        let server_salt = u64::from_le_bytes(arr(b, 266)?);
        let offset = i64::from_le_bytes(arr(b, 274)?);
        let temp = if has_temp {
            let t = SavedTempKey {
                auth_key: key_at(b, FIXED)?,
                server_salt: u64::from_le_bytes(arr(b, FIXED + 256)?),
                expires_at: i64::from_le_bytes(arr(b, FIXED + 264)?),
            };
            if t.expires_at <= 0 || t.expires_at > i64::from(i32::MAX) {
                return Err(BlobError("bad temporary key expiry"));
            }
            Some(t)
        } else {
            None
        };
        Ok(Self {
            dc_id,
            test_mode: flags & FLAG_TEST != 0,
            auth_key,
            server_salt,
            time_offset_ms: (flags & FLAG_OFFSET != 0).then_some(offset),
            temp,
        })
    }
}

fn key_at(b: &[u8], at: usize) -> Result<AuthKey, BlobError> {
    let key = b
        .get(at..)
        .and_then(|s| s.get(..256))
        .ok_or(BlobError("truncated"))?;
    if key.iter().all(|&x| x == 0) {
        return Err(BlobError("empty auth key"));
    }
    AuthKey::from_bytes(key).map_err(|_| BlobError("bad auth key"))
}

fn arr<const N: usize>(b: &[u8], at: usize) -> Result<[u8; N], BlobError> {
    b.get(at..)
        .and_then(|s| s.first_chunk::<N>())
        .copied()
        .ok_or(BlobError("truncated"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u32) -> AuthKey {
        let key: Vec<u8> = (0..256u32).map(|i| (i * 13 + seed) as u8).collect();
        AuthKey::from_bytes(&key).unwrap()
    }

    fn sample() -> SavedSession {
        SavedSession {
            dc_id: -4,
            test_mode: true,
            auth_key: key(1),
            server_salt: 0x0102_0304_0506_0708,
            time_offset_ms: Some(-1234),
            temp: None,
        }
    }

    fn with_temp() -> SavedSession {
        SavedSession {
            temp: Some(SavedTempKey {
                auth_key: key(5),
                server_salt: 77,
                expires_at: 1_700_086_400,
            }),
            ..sample()
        }
    }

    #[test]
    fn round_trip_and_layout() {
        let b = sample().to_bytes();
        assert_eq!(b.len(), BLOB_LEN);
        assert_eq!(&b[..6], b"MTWS\x02\x03");
        let s = SavedSession::from_bytes(&b).unwrap();
        assert_eq!((s.dc_id, s.test_mode), (-4, true));
        assert_eq!(s.auth_key.as_bytes(), sample().auth_key.as_bytes());
        assert_eq!(
            (s.server_salt, s.time_offset_ms),
            (0x0102_0304_0506_0708, Some(-1234))
        );
        assert!(s.temp.is_none());

        let b = with_temp().to_bytes();
        assert_eq!(b.len(), BLOB_LEN_WITH_TEMP_KEY);
        assert_eq!(&b[..6], b"MTWS\x02\x07");
        let t = SavedSession::from_bytes(&b).unwrap().temp.unwrap();
        assert_eq!(t.auth_key.as_bytes(), key(5).as_bytes());
        assert_eq!((t.server_salt, t.expires_at), (77, 1_700_086_400));
    }

    #[test]
    fn version_1_blobs_still_load() {
        let mut b = sample().to_bytes();
        b[4] = 1;
        let crc = crc32(&b[..282]);
        b[282..].copy_from_slice(&crc.to_le_bytes());
        let s = SavedSession::from_bytes(&b).unwrap();
        assert_eq!(s.time_offset_ms, Some(-1234));
        // version 1 knows no temporary key
        let mut b = with_temp().to_bytes();
        b[4] = 1;
        let n = b.len() - 4;
        let crc = crc32(&b[..n]);
        b[n..].copy_from_slice(&crc.to_le_bytes());
        assert!(SavedSession::from_bytes(&b).is_err());
    }

    fn reseal(mut b: Vec<u8>) -> Vec<u8> {
        let n = b.len() - 4;
        let crc = crc32(&b[..n]);
        b[n..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    #[test]
    fn hostile_blobs_are_errors() {
        for good in [sample().to_bytes(), with_temp().to_bytes()] {
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
        }
        // a well-formed blob with bad fields
        let mut s = sample();
        s.dc_id = 0;
        assert!(SavedSession::from_bytes(&s.to_bytes()).is_err());
        s.dc_id = 10_000;
        assert!(SavedSession::from_bytes(&s.to_bytes()).is_err());
        let mut b = sample().to_bytes();
        b[5] = 0x80;
        assert!(SavedSession::from_bytes(&reseal(b)).is_err());
        // the temporary-key flag without the key, the key without the flag
        let mut b = sample().to_bytes();
        b[5] |= FLAG_TEMP;
        assert!(SavedSession::from_bytes(&reseal(b)).is_err());
        let mut b = with_temp().to_bytes();
        b[5] &= !FLAG_TEMP;
        assert!(SavedSession::from_bytes(&reseal(b)).is_err());
        // an expiry out of range, an all-zero temporary key
        let mut s = with_temp();
        s.temp.as_mut().unwrap().expires_at = 0;
        assert!(SavedSession::from_bytes(&s.to_bytes()).is_err());
        let mut b = with_temp().to_bytes();
        b[FIXED..FIXED + 256].fill(0);
        assert!(SavedSession::from_bytes(&reseal(b)).is_err());
    }
}
