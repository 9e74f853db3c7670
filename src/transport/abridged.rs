//! The abridged framing.
//!
//! Spec: <https://core.telegram.org/mtproto/mtproto-transports#abridged>.
//!
//! ```text
//! tag (client, once): ef
//!
//! length/4 < 127:     +----+----...----+      length/4 >= 127:  +----+--------+----...----+
//!                     | l  |  payload  |                        | 7f | l l l  |  payload  |
//!                     +----+----...----+                        +----+--------+----...----+
//!                      1 byte: length/4                          0x7f, then length/4 as 3 bytes LE
//!
//! quick-ack request (client -> server): the top bit of the first byte
//!                     (length/4 | 0x80, or 0xff + 3 bytes)
//! quick-ack answer (server -> client): the 4-byte token byte-swapped, no length:
//!                     +----+----+----+----+
//!                     | t3 | t2 | t1 | t0 |   first byte >= 0x80 (the token's top bit)
//!                     +----+----+----+----+
//! ```
//!
//! On the client side a first byte with the top bit set is therefore a quick ack (frames
//! from the server always start with a byte <= 0x7f); on the server side it is a frame
//! whose sender wants a quick ack. A transport error is an ordinary 4-byte frame
//! (`01` + the negative int LE).

use super::{Decoded, Incoming, Role, TransportError};

/// The largest payload the 3-byte length/4 can describe.
pub(crate) const MAX_PAYLOAD: usize = 4 * 0x00ff_ffff;

/// Appends the envelope of `payload` (length already checked to be a multiple of 4).
pub(crate) fn encode(
    payload: &[u8],
    quick_ack: bool,
    out: &mut Vec<u8>,
) -> Result<(), TransportError> {
    let words = payload.len() / 4;
    if payload.len() > MAX_PAYLOAD {
        return Err(TransportError::FrameTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    let flag = if quick_ack { 0x80 } else { 0 };
    if words < 0x7f {
        out.push(words as u8 | flag);
    } else {
        out.push(0x7f | flag);
        out.extend_from_slice(&(words as u32).to_le_bytes()[..3]);
    }
    out.extend_from_slice(payload);
    Ok(())
}

/// Appends a quick-ack answer (server side): the token with its top bit forced, byte-swapped.
pub(crate) fn encode_quick_ack(token: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&(token | 0x8000_0000).to_be_bytes());
}

/// Decodes one item at the front of `buf`.
pub(crate) fn decode(role: Role, buf: &[u8], max: usize) -> Result<Decoded, TransportError> {
    let Some(&first) = buf.first() else {
        return Ok(Decoded::NeedMore);
    };
    if role == Role::Client && first & 0x80 != 0 {
        let Some(token) = buf.get(..4) else {
            return Ok(Decoded::NeedMore);
        };
        let token: [u8; 4] = token.try_into().map_err(|_| TransportError::Closed)?;
        return Ok(Decoded::Item(
            Incoming::QuickAck(u32::from_be_bytes(token)),
            4,
        ));
    }
    let quick_ack = role == Role::Server && first & 0x80 != 0;
    let (words, head) = if first & 0x7f == 0x7f {
        let Some(b) = buf.get(1..4) else {
            return Ok(Decoded::NeedMore);
        };
        let w = b
            .iter()
            .rev()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        (w, 4usize)
    } else {
        (usize::from(first & 0x7f), 1)
    };
    // At most 0xff_ffff words: neither product nor sum can saturate, even on wasm32.
    let len = words.saturating_mul(4);
    if len > max {
        return Err(TransportError::FrameTooLarge { len, max });
    }
    let end = head.saturating_add(len);
    let Some(payload) = buf.get(head..end) else {
        return Ok(Decoded::NeedMore);
    };
    super::check_server_error(role, payload)?;
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

    fn enc(payload: &[u8], qa: bool) -> Vec<u8> {
        let mut out = Vec::new();
        encode(payload, qa, &mut out).unwrap();
        out
    }

    #[test]
    fn short_envelope_exact_bytes() {
        assert_eq!(
            enc(&[1, 2, 3, 4, 5, 6, 7, 8], false),
            [0x02, 1, 2, 3, 4, 5, 6, 7, 8]
        );
        assert_eq!(enc(&[1, 2, 3, 4], true), [0x81, 1, 2, 3, 4]);
        assert_eq!(enc(&[], false), [0x00]);
    }

    #[test]
    fn long_envelope_exact_bytes() {
        // 126 words still fit the short form; 127 words need 0x7f + 3 bytes.
        assert_eq!(enc(&[0; 504], false)[0], 0x7e);
        let long = enc(&[0xaa; 508], false);
        assert_eq!(long[..4], [0x7f, 0x7f, 0x00, 0x00]);
        assert_eq!(long.len(), 512);
        let big = enc(&vec![0; 4 * 0x012345], true);
        assert_eq!(big[..4], [0xff, 0x45, 0x23, 0x01]);
    }

    #[test]
    fn decode_both_forms_and_sides() {
        let buf = [0x7f, 0x7f, 0, 0]
            .iter()
            .copied()
            .chain([5u8; 508])
            .collect::<Vec<_>>();
        match decode(Role::Client, &buf, 1 << 20).unwrap() {
            Decoded::Item(
                Incoming::Frame {
                    payload,
                    quick_ack: false,
                },
                512,
            ) => {
                assert_eq!(payload, vec![5; 508]);
            }
            other => panic!("{other:?}"),
        }
        match decode(Role::Server, &[0x81, 1, 2, 3, 4], 64).unwrap() {
            Decoded::Item(
                Incoming::Frame {
                    payload,
                    quick_ack: true,
                },
                5,
            ) => {
                assert_eq!(payload, [1, 2, 3, 4]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quick_ack_is_byte_swapped() {
        let mut out = Vec::new();
        encode_quick_ack(0x8123_4567, &mut out);
        assert_eq!(out, [0x81, 0x23, 0x45, 0x67]);
        match decode(Role::Client, &out, 64).unwrap() {
            Decoded::Item(Incoming::QuickAck(0x8123_4567), 4) => {}
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode(Role::Client, &out[..3], 64),
            Ok(Decoded::NeedMore)
        ));
    }

    #[test]
    fn server_error_and_limits() {
        let err = [0x01, 0x6c, 0xfe, 0xff, 0xff]; // -404
        assert_eq!(
            decode(Role::Client, &err, 64).unwrap_err(),
            TransportError::ServerError(-404)
        );
        // 0x010000 words announced: rejected before any payload byte arrives.
        assert_eq!(
            decode(Role::Client, &[0x7f, 0, 0, 0x01], 1 << 16).unwrap_err(),
            TransportError::FrameTooLarge {
                len: 1 << 18,
                max: 1 << 16
            }
        );
        assert!(matches!(
            decode(Role::Client, &[0x7f, 0x01], 64),
            Ok(Decoded::NeedMore)
        ));
        assert!(matches!(
            decode(Role::Client, &[0x02, 1, 2, 3], 64),
            Ok(Decoded::NeedMore)
        ));
        assert!(matches!(
            decode(Role::Client, &[], 64),
            Ok(Decoded::NeedMore)
        ));
    }
}
