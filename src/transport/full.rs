//! The full framing.
//!
//! Spec: <https://core.telegram.org/mtproto/mtproto-transports#full>.
//!
//! ```text
//! no tag
//! +----+----+----+----+----+----+----+----+----...----+----+----+----+----+
//! | length (LE)       | seqno (LE)        |  payload  | crc32 (LE)        |
//! +----+----+----+----+----+----+----+----+----...----+----+----+----+----+
//!   length = 4 + 4 + payload + 4 (the whole envelope)
//!   seqno  = 0 for the first packet in each direction, then 1, 2, ...
//!   crc32  = CRC-32 (IEEE) of length || seqno || payload
//! ```
//!
//! A wrong CRC or sequence number is a fatal error. The full transport has no quick ack.
//! A transport error from the server is an ordinary frame with a 4-byte payload.

use super::{Decoded, Incoming, Role, TransportError, read_u32_le};
use crate::crypto::crc32::Crc32;

/// Envelope overhead: length, seqno, crc.
const OVERHEAD: usize = 12;

/// The largest payload the length field can describe.
pub(crate) const MAX_PAYLOAD: usize = 0x7fff_fff0;

/// Appends the envelope of `payload` with sequence number `seq`.
pub(crate) fn encode(payload: &[u8], seq: u32, out: &mut Vec<u8>) -> Result<(), TransportError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(TransportError::FrameTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    let start = out.len();
    out.extend_from_slice(&(payload.len().saturating_add(OVERHEAD) as u32).to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(payload);
    let mut crc = Crc32::new();
    crc.update(out.get(start..).unwrap_or_default());
    out.extend_from_slice(&crc.finish().to_le_bytes());
    Ok(())
}

/// Decodes one frame at the front of `buf`; `seq` is the number due and is advanced.
pub(crate) fn decode(
    role: Role,
    buf: &[u8],
    max: usize,
    seq: &mut u32,
) -> Result<Decoded, TransportError> {
    let Some(len) = read_u32_le(buf, 0) else {
        return Ok(Decoded::NeedMore);
    };
    let len = len as usize;
    let Some(payload_len) = len.checked_sub(OVERHEAD) else {
        return Err(TransportError::BadLength {
            len,
            reason: "shorter than the 12-byte envelope",
        });
    };
    if payload_len > max {
        return Err(TransportError::FrameTooLarge {
            len: payload_len,
            max,
        });
    }
    if len % 4 != 0 {
        return Err(TransportError::BadLength {
            len,
            reason: "not a multiple of 4",
        });
    }
    let Some(frame) = buf.get(..len) else {
        return Ok(Decoded::NeedMore);
    };
    let Some((body, got_crc)) = frame.split_last_chunk::<4>() else {
        return Ok(Decoded::NeedMore);
    };
    let got_crc = u32::from_le_bytes(*got_crc);
    let mut crc = Crc32::new();
    crc.update(body);
    let expected = crc.finish();
    if expected != got_crc {
        return Err(TransportError::BadCrc {
            expected,
            got: got_crc,
        });
    }
    let got_seq = read_u32_le(frame, 4).unwrap_or_default();
    if got_seq != *seq {
        return Err(TransportError::BadSeq {
            expected: *seq,
            got: got_seq,
        });
    }
    let payload = body.get(8..).unwrap_or_default();
    super::check_server_error(role, payload)?;
    *seq = seq.wrapping_add(1);
    Ok(Decoded::Item(
        Incoming::Frame {
            payload: payload.to_vec(),
            quick_ack: false,
        },
        len,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let mut out = Vec::new();
        encode(&[1, 2, 3, 4], 0, &mut out).unwrap();
        // CRC-32 of 10 00 00 00 00 00 00 00 01 02 03 04, computed independently (zlib.crc32).
        assert_eq!(out[..12], [0x10, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
        assert_eq!(out[12..], 0xe0b5_0f42u32.to_le_bytes());
    }

    #[test]
    fn round_trip_and_seq() {
        let mut out = Vec::new();
        encode(&[7; 8], 0, &mut out).unwrap();
        encode(&[8; 4], 1, &mut out).unwrap();
        let mut seq = 0;
        let Ok(Decoded::Item(Incoming::Frame { payload, .. }, n)) =
            decode(Role::Server, &out, 64, &mut seq)
        else {
            panic!()
        };
        assert_eq!((payload, n, seq), (vec![7; 8], 20, 1));
        // Replaying the first frame is a sequence error.
        assert_eq!(
            decode(Role::Server, &out, 64, &mut seq).unwrap_err(),
            TransportError::BadSeq {
                expected: 1,
                got: 0
            }
        );
    }

    #[test]
    fn errors() {
        let mut out = Vec::new();
        encode(&[1, 2, 3, 4], 0, &mut out).unwrap();
        let mut bad = out.clone();
        bad[9] ^= 1;
        assert!(matches!(
            decode(Role::Client, &bad, 64, &mut 0),
            Err(TransportError::BadCrc { .. })
        ));
        assert!(matches!(
            decode(Role::Client, &[8, 0, 0, 0], 64, &mut 0),
            Err(TransportError::BadLength { len: 8, .. })
        ));
        assert!(matches!(
            decode(Role::Client, &[14, 0, 0, 0], 64, &mut 0),
            Err(TransportError::BadLength { len: 14, .. })
        ));
        assert_eq!(
            decode(Role::Client, &[0, 0, 0, 1], 64, &mut 0).unwrap_err(),
            TransportError::FrameTooLarge {
                len: (1 << 24) - 12,
                max: 64
            }
        );
        assert!(matches!(
            decode(Role::Client, &out[..15], 64, &mut 0),
            Ok(Decoded::NeedMore)
        ));
        let mut e = Vec::new();
        encode(&(-444i32).to_le_bytes(), 0, &mut e).unwrap();
        assert_eq!(
            decode(Role::Client, &e, 64, &mut 0).unwrap_err(),
            TransportError::ServerError(-444)
        );
    }
}
