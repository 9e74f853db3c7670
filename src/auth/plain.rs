//! The unencrypted message envelope (handshake messages only) and message ids.
//!
//! ```text
//!   auth_key_id = 0 (int64) | message_id (int64 LE) | message_data_length (int32 LE) | message_data
//! ```
//! Spec: <https://core.telegram.org/mtproto/description#unencrypted-message>,
//! <https://core.telegram.org/mtproto/description#message-identifier-msg-id>.

use super::AuthError;

/// Bytes before message_data: auth_key_id, message_id and message_data_length.
pub const PLAIN_HEADER_LEN: usize = 20;

/// Trailing bytes after message_data that [`unpack_plain`] tolerates: the padded
/// intermediate transport may leave up to 15 random bytes in a frame.
const MAX_TRAILING: usize = 15;

/// Wraps `body` in the unencrypted envelope with message id `msg_id`.
pub fn pack_plain(msg_id: i64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PLAIN_HEADER_LEN.saturating_add(body.len()));
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&msg_id.to_le_bytes());
    // Handshake bodies are a few hundred bytes; a body beyond 2^31 is not representable and
    // is clamped (it would be rejected by any transport long before).
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Opens an unencrypted message: returns its message id and message_data.
///
/// Checks: at least 20 bytes, auth_key_id 0, message_data_length not beyond the input.
/// Up to 15 bytes after message_data are ignored (transport padding); more is an error.
pub fn unpack_plain(bytes: &[u8]) -> Result<(i64, &[u8]), AuthError> {
    let (head, rest) =
        bytes
            .split_at_checked(PLAIN_HEADER_LEN)
            .ok_or(AuthError::BadPlainMessage(
                "shorter than its 20-byte header",
            ))?;
    let short = || AuthError::BadPlainMessage("shorter than its 20-byte header");
    let (id, head) = head.split_first_chunk::<8>().ok_or_else(short)?;
    if *id != [0; 8] {
        return Err(AuthError::BadPlainMessage("auth_key_id is not 0"));
    }
    let (msg_id, head) = head.split_first_chunk::<8>().ok_or_else(short)?;
    let msg_id = *msg_id;
    let len = *head.first_chunk::<4>().ok_or_else(short)?;
    let len = usize::try_from(u32::from_le_bytes(len))
        .map_err(|_| AuthError::BadPlainMessage("message_data_length too large"))?;
    let body = rest.get(..len).ok_or(AuthError::BadPlainMessage(
        "message_data_length beyond the packet",
    ))?;
    if rest.len().saturating_sub(len) > MAX_TRAILING {
        return Err(AuthError::BadPlainMessage(
            "more than 15 bytes after message_data",
        ));
    }
    Ok((i64::from_le_bytes(msg_id), body))
}

/// Client message ids from an injected clock: "approximately equal to current time in
/// Unix format multiplied by 2^32", divisible by 4 for client messages, strictly increasing.
#[derive(Debug, Clone, Default)]
pub struct MsgIdClock {
    last: i64,
}

impl MsgIdClock {
    /// A clock that has issued no id yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next client message id for unix time `now_ms` (milliseconds), with
    /// `offset_secs` added (the server time offset, 0 before it is known).
    pub fn next(&mut self, now_ms: u64, offset_secs: i64) -> i64 {
        let secs = i64::try_from(now_ms / 1000)
            .unwrap_or(i64::MAX / 2)
            .saturating_add(offset_secs);
        let frac = ((now_ms % 1000) << 32) / 1000;
        let frac = i64::try_from(frac).unwrap_or(0);
        let mut id = (secs.saturating_mul(1 << 32) | frac) & !3;
        if id <= self.last {
            id = self.last.saturating_add(4);
        }
        self.last = id;
        id
    }

    /// The next server message id (odd, `id % 4 == 1`: a response), for the test DC.
    pub fn next_server(&mut self, now_ms: u64) -> i64 {
        let id = self.next(now_ms, 0);
        id | 1
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // test code: a panic is a failure
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trip_and_checks() {
        let packet = pack_plain(0x1234, &[1, 2, 3, 4]);
        assert_eq!(packet.len(), 24);
        assert_eq!(unpack_plain(&packet).unwrap(), (0x1234, &[1, 2, 3, 4][..]));
        let mut padded = packet.clone();
        padded.extend([0; 15]);
        assert_eq!(unpack_plain(&padded).unwrap().1, [1, 2, 3, 4]);
        padded.push(0);
        assert!(unpack_plain(&padded).is_err());
        assert!(unpack_plain(&packet[..19]).is_err());
        assert!(unpack_plain(&packet[..23]).is_err());
        let mut keyed = packet.clone();
        keyed[3] = 1;
        assert!(unpack_plain(&keyed).is_err());
        let mut long = packet;
        long[19] = 0xff;
        assert!(unpack_plain(&long).is_err());
    }

    #[test]
    fn message_ids_increase_and_are_aligned() {
        let mut c = MsgIdClock::new();
        let a = c.next(1_707_425_105_500, 0);
        assert_eq!(a >> 32, 1_707_425_105);
        assert_eq!(a % 4, 0);
        let b = c.next(1_707_425_105_500, 0);
        assert_eq!(b, a + 4);
        let s = c.next_server(0);
        assert_eq!((s % 4, s > b), (1, true));
    }
}
