//! Message sequence numbers.
//!
//! Spec: <https://core.telegram.org/mtproto/description#message-sequence-number-msg-seqno>:
//! twice the number of content-related messages sent before, plus one for a
//! content-related message (acks, containers and other service messages that need no
//! answer and no ack are not content-related and get an even number).

/// Counts content-related messages sent in this session.
#[derive(Debug, Clone, Default)]
pub struct SeqNo {
    content_sent: i32,
}

impl SeqNo {
    /// Starts at 0 (a new session).
    pub fn new() -> Self {
        Self::default()
    }

    /// The seq_no of the next message; counts it when `content_related`.
    pub fn next(&mut self, content_related: bool) -> i32 {
        let base = self.content_sent.wrapping_mul(2);
        if content_related {
            self.content_sent = self.content_sent.wrapping_add(1);
            base | 1
        } else {
            base
        }
    }

    /// How many content-related messages were numbered.
    pub fn content_sent(&self) -> i32 {
        self.content_sent
    }
}

/// Whether a message body is content-related (needs an ack and gets an odd seq_no).
///
/// The spec: "virtually all messages with the exception of containers and
/// acknowledgments".
pub fn is_content_related(body: &[u8]) -> bool {
    use crate::tl::mtproto::types;
    let id = body
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0);
    !matches!(
        id,
        types::MsgsAck::CONSTRUCTOR_ID | types::MsgContainer::CONSTRUCTOR_ID
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_for_content_even_otherwise() {
        let mut s = SeqNo::new();
        assert_eq!(s.next(true), 1);
        assert_eq!(s.next(false), 2);
        assert_eq!(s.next(true), 3);
        assert_eq!(s.next(true), 5);
        assert_eq!(s.next(false), 6);
        assert_eq!(s.content_sent(), 3);
    }
}
