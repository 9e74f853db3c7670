//! `gzip_packed`: gzip (RFC 1952) around raw deflate, inflated with an output cap.
//!
//! The header is parsed here; miniz_oxide only sees the deflate stream. A payload that
//! would inflate beyond the cap is an error ([`TlError::GzipTooLarge`]), never an
//! allocation: a gzip bomb costs at most `limit` bytes.

use super::error::TlError;
use crate::crypto::crc32::crc32;
use miniz_oxide::inflate::TINFLStatus;

/// Default cap on inflated `gzip_packed` data: 16 MiB (well above any MTProto message).
pub const MAX_INFLATED: usize = 16 << 20;

const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

fn invalid(reason: &'static str) -> TlError {
    TlError::GzipInvalid { reason }
}

/// Inflates a gzip member, refusing to produce more than `limit` bytes.
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, TlError> {
    if data.len() < 18 {
        return Err(invalid("shorter than a gzip header and trailer"));
    }
    if data[0] != 0x1f || data[1] != 0x8b {
        return Err(invalid("bad magic"));
    }
    if data[2] != 8 {
        return Err(invalid("compression method is not deflate"));
    }
    let flags = data[3];
    if flags & 0xe0 != 0 {
        return Err(invalid("reserved flag bits set"));
    }
    let body_end = data.len() - 8;
    let mut pos = 10usize;
    if flags & FEXTRA != 0 {
        let b = data
            .get(pos..pos + 2)
            .ok_or_else(|| invalid("truncated extra field"))?;
        pos += 2 + usize::from(u16::from_le_bytes([b[0], b[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = data
                .get(pos..body_end)
                .ok_or_else(|| invalid("truncated header"))?;
            let nul = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| invalid("unterminated header string"))?;
            pos += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        pos += 2;
    }
    let body = data
        .get(pos..body_end)
        .ok_or_else(|| invalid("truncated header"))?;
    let t = &data[body_end..];
    let want_crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
    let want_len = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
    let out =
        miniz_oxide::inflate::decompress_to_vec_with_limit(body, limit).map_err(|e| {
            match e.status {
                TINFLStatus::HasMoreOutput => TlError::GzipTooLarge { limit },
                _ => invalid("corrupt deflate stream"),
            }
        })?;
    if out.len() as u32 != want_len || crc32(&out) != want_crc {
        return Err(invalid("trailer does not match the data"));
    }
    Ok(out)
}

/// Compresses `data` into a gzip member (for sending `gzip_packed`).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let data = b"hello hello hello hello".repeat(50);
        assert_eq!(gunzip(&gzip(&data), MAX_INFLATED).unwrap(), data);
    }

    #[test]
    fn bomb_is_an_error() {
        let bomb = gzip(&vec![0u8; 4 << 20]);
        assert!(bomb.len() < 10_000);
        assert_eq!(
            gunzip(&bomb, 1 << 20),
            Err(TlError::GzipTooLarge { limit: 1 << 20 })
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(
            gunzip(b"not gzip at all, not at all", 100),
            Err(TlError::GzipInvalid { .. })
        ));
        let mut g = gzip(b"abc");
        let n = g.len();
        g[n - 5] ^= 1;
        assert!(matches!(gunzip(&g, 100), Err(TlError::GzipInvalid { .. })));
    }
}
