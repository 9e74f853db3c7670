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
    let short = || invalid("shorter than a gzip header and trailer");
    if data.len() < 18 {
        return Err(short());
    }
    // `head` is everything before the 8-byte trailer (at least the 10-byte fixed header).
    let (head, trailer) = data.split_last_chunk::<8>().ok_or_else(short)?;
    let &[m0, m1, method, flags, ..] = head.first_chunk::<10>().ok_or_else(short)?;
    if m0 != 0x1f || m1 != 0x8b {
        return Err(invalid("bad magic"));
    }
    if method != 8 {
        return Err(invalid("compression method is not deflate"));
    }
    if flags & 0xe0 != 0 {
        return Err(invalid("reserved flag bits set"));
    }
    // `pos` grows by at most 2 + 65535 per field, each string ends inside `data`: the sums
    // cannot saturate; a `pos` past `head` fails the `get` below.
    let mut pos = 10usize;
    if flags & FEXTRA != 0 {
        let &[x0, x1] = data
            .get(pos..pos.saturating_add(2))
            .and_then(|b| b.first_chunk::<2>())
            .ok_or_else(|| invalid("truncated extra field"))?;
        pos = pos
            .saturating_add(2)
            .saturating_add(usize::from(u16::from_le_bytes([x0, x1])));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = head.get(pos..).ok_or_else(|| invalid("truncated header"))?;
            let nul = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| invalid("unterminated header string"))?;
            pos = pos.saturating_add(nul).saturating_add(1);
        }
    }
    if flags & FHCRC != 0 {
        pos = pos.saturating_add(2);
    }
    let body = head.get(pos..).ok_or_else(|| invalid("truncated header"))?;
    let &[c0, c1, c2, c3, l0, l1, l2, l3] = trailer;
    let want_crc = u32::from_le_bytes([c0, c1, c2, c3]);
    let want_len = u32::from_le_bytes([l0, l1, l2, l3]);
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
