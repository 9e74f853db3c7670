//! The intermediate and padded intermediate framings.
//!
//! Spec: <https://core.telegram.org/mtproto/mtproto-transports#intermediate>,
//! <https://core.telegram.org/mtproto/mtproto-transports#padded-intermediate>.
//!
//! ```text
//! tag (client, once): ee ee ee ee  (intermediate)   dd dd dd dd  (padded intermediate)
//!
//! intermediate:         +----+----+----+----+----...----+
//!                       |   length (LE)     |  payload  |
//!                       +----+----+----+----+----...----+
//! padded intermediate:  +----+----+----+----+----...----+----...----+
//!                       | length of payload+padding (LE)|  payload  | 0..15 random bytes |
//!                       +----+----+----+----+----...----+----...----+
//!
//! quick-ack request (client -> server): length | 0x8000_0000
//! quick-ack answer (server -> client):
//!   intermediate: the token as 4 bytes LE, no length (>= 0x8000_0000, never a length)
//!   padded:       a framed packet of 8..16 bytes: ff ff ff ff, token LE, 0..8 random bytes
//! ```
//!
//! Padding on receive: the spec does not say how a receiver finds the padding. We remove
//! `length % 4` bytes, so the payload stays 4-byte aligned; when the sender picked 4, 8 or
//! 12 bytes of padding (or more, with a remainder), 4, 8 or 12 padding bytes remain at the
//! end of the payload. MTProto packets carry their own length (unencrypted: the
//! message_data_length field; encrypted: the inner length, and the ciphertext is the
//! largest multiple of 16 after the 24-byte header), so the layer above must ignore
//! trailing bytes of a padded frame.
//!
//! Client side, every packet shorter than 24 bytes (shorter than any MTProto packet) whose
//! first int is negative is a server transport error (-404...), except `ff ff ff ff`
//! followed by a token in padded mode, which is a quick ack. For robustness the client also
//! accepts the bare 4-byte quick ack of the intermediate framing in padded mode.

use super::{Decoded, Incoming, Role, TransportError, read_u32_le};

/// Shortest MTProto packet: auth_key_id(8) + msg_id(8) + length(4) + a constructor(4).
const MIN_PACKET: usize = 24;

/// The largest length the 31-bit field can carry.
pub(crate) const MAX_PAYLOAD: usize = 0x7fff_fff0;

/// Appends the envelope of `payload` followed by `padding` (empty when not padded).
pub(crate) fn encode(
    payload: &[u8],
    padding: &[u8],
    quick_ack: bool,
    out: &mut Vec<u8>,
) -> Result<(), TransportError> {
    let len = payload.len().saturating_add(padding.len());
    if payload.len() > MAX_PAYLOAD || padding.len() > 15 {
        return Err(TransportError::FrameTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    let flag = if quick_ack { 0x8000_0000 } else { 0 };
    out.extend_from_slice(&(len as u32 | flag).to_le_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(padding);
    Ok(())
}

/// Appends a quick-ack answer (server side); `padding` (0..=8 bytes) only when padded.
pub(crate) fn encode_quick_ack(token: u32, padded: bool, padding: &[u8], out: &mut Vec<u8>) {
    let token = (token | 0x8000_0000).to_le_bytes();
    if padded {
        let pad = padding.get(..padding.len().min(8)).unwrap_or_default();
        out.extend_from_slice(&(8u32.saturating_add(pad.len() as u32)).to_le_bytes());
        out.extend_from_slice(&[0xff; 4]);
        out.extend_from_slice(&token);
        out.extend_from_slice(pad);
    } else {
        out.extend_from_slice(&token);
    }
}

/// Decodes one item at the front of `buf`.
pub(crate) fn decode(
    role: Role,
    padded: bool,
    buf: &[u8],
    max: usize,
) -> Result<Decoded, TransportError> {
    let Some(raw) = read_u32_le(buf, 0) else {
        return Ok(Decoded::NeedMore);
    };
    let quick_ack = raw & 0x8000_0000 != 0;
    if role == Role::Client && quick_ack {
        return Ok(Decoded::Item(Incoming::QuickAck(raw), 4));
    }
    let len = (raw & 0x7fff_ffff) as usize;
    let limit = if padded { max.saturating_add(15) } else { max };
    if len > limit {
        return Err(TransportError::FrameTooLarge { len, max: limit });
    }
    if !padded && len % 4 != 0 {
        return Err(TransportError::BadLength {
            len,
            reason: "not a multiple of 4",
        });
    }
    // `len` < 2^31 (31-bit field): `end` cannot saturate.
    let end = len.saturating_add(4);
    let Some(frame) = buf.get(4..end) else {
        return Ok(Decoded::NeedMore);
    };
    let payload = if padded {
        frame.get(..len & !3).unwrap_or_default()
    } else {
        frame
    };
    if role == Role::Client {
        if padded && payload.len() < MIN_PACKET {
            match read_u32_le(payload, 0) {
                Some(0xffff_ffff) => {
                    if let Some(token) = read_u32_le(payload, 4) {
                        return Ok(Decoded::Item(Incoming::QuickAck(token), end));
                    }
                }
                Some(v) if (v as i32) < 0 => return Err(TransportError::ServerError(v as i32)),
                _ => {}
            }
        } else {
            super::check_server_error(role, payload)?;
        }
    }
    Ok(Decoded::Item(
        Incoming::Frame {
            payload: payload.to_vec(),
            quick_ack,
        },
        end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(r: Result<Decoded, TransportError>) -> (Incoming, usize) {
        match r {
            Ok(Decoded::Item(i, n)) => (i, n),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn intermediate_exact_bytes() {
        let mut out = Vec::new();
        encode(&[1, 2, 3, 4, 5, 6, 7, 8], &[], false, &mut out).unwrap();
        assert_eq!(out, [8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        out.clear();
        encode(&[9, 9, 9, 9], &[], true, &mut out).unwrap();
        assert_eq!(out, [4, 0, 0, 0x80, 9, 9, 9, 9]);
        let (i, n) = item(decode(Role::Server, false, &out, 64));
        assert_eq!(
            (i, n),
            (
                Incoming::Frame {
                    payload: vec![9; 4],
                    quick_ack: true
                },
                8
            )
        );
    }

    #[test]
    fn padded_exact_bytes_and_strip() {
        let mut out = Vec::new();
        encode(&[1; 24], &[0xaa, 0xbb, 0xcc], false, &mut out).unwrap();
        assert_eq!(out[..4], [27, 0, 0, 0]);
        assert_eq!(out[28..], [0xaa, 0xbb, 0xcc]);
        let (i, n) = item(decode(Role::Client, true, &out, 64));
        assert_eq!(
            (i, n),
            (
                Incoming::Frame {
                    payload: vec![1; 24],
                    quick_ack: false
                },
                31
            )
        );
    }

    #[test]
    fn quick_acks() {
        let mut out = Vec::new();
        encode_quick_ack(0x0102_0304, false, &[], &mut out);
        assert_eq!(out, [4, 3, 2, 0x81]);
        assert_eq!(
            item(decode(Role::Client, false, &out, 64)),
            (Incoming::QuickAck(0x8102_0304), 4)
        );
        out.clear();
        encode_quick_ack(0x8102_0304, true, &[7, 7], &mut out);
        assert_eq!(
            out,
            [10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 4, 3, 2, 0x81, 7, 7]
        );
        assert_eq!(
            item(decode(Role::Client, true, &out, 64)),
            (Incoming::QuickAck(0x8102_0304), 14)
        );
        // The bare form is accepted in padded mode too.
        assert_eq!(
            item(decode(Role::Client, true, &[4, 3, 2, 0x81], 64)).0,
            Incoming::QuickAck(0x8102_0304)
        );
    }

    #[test]
    fn server_errors() {
        let e = [4, 0, 0, 0, 0x53, 0xfe, 0xff, 0xff]; // -429
        assert_eq!(
            decode(Role::Client, false, &e, 64).unwrap_err(),
            TransportError::ServerError(-429)
        );
        let p = [7, 0, 0, 0, 0x44, 0xfe, 0xff, 0xff, 1, 2, 3]; // -444 + 3 bytes padding
        assert_eq!(
            decode(Role::Client, true, &p, 64).unwrap_err(),
            TransportError::ServerError(-444)
        );
        // The server side passes such a packet up as a frame.
        assert!(matches!(
            decode(Role::Server, false, &e, 64),
            Ok(Decoded::Item(Incoming::Frame { .. }, 8))
        ));
    }

    #[test]
    fn bad_lengths() {
        assert_eq!(
            decode(Role::Client, false, &[5, 0, 0, 0], 64).unwrap_err(),
            TransportError::BadLength {
                len: 5,
                reason: "not a multiple of 4"
            }
        );
        assert_eq!(
            decode(Role::Server, false, &[0, 0, 0, 0x7f], 64).unwrap_err(),
            TransportError::FrameTooLarge {
                len: 0x7f00_0000,
                max: 64
            }
        );
        assert_eq!(
            decode(Role::Server, true, &[80, 0, 0, 0], 64).unwrap_err(),
            TransportError::FrameTooLarge { len: 80, max: 79 }
        );
        assert!(matches!(
            decode(Role::Client, false, &[8, 0, 0], 64),
            Ok(Decoded::NeedMore)
        ));
        assert!(matches!(
            decode(Role::Client, false, &[8, 0, 0, 0, 1], 64),
            Ok(Decoded::NeedMore)
        ));
        assert!(encode(&[0; 4], &[0; 16], false, &mut Vec::new()).is_err());
    }
}
