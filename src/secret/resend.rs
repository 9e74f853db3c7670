//! Holes in the peer's sequence and resend requests: the queue of out-of-order messages,
//! decryptedMessageActionResend both ways, and the copies of sent messages kept for them.
//!
//! Spec: <https://core.telegram.org/api/end-to-end/seq_no> ("Proper handling of gaps",
//! "Avoiding concurrent gaps").

use super::SecretError;
use super::chat::{ChatOutput, Queued, SecretChat, random_i64};
use super::envelope;
use super::seq::Position;
use crate::crypto::{DhParams, RandomSource};
use zeroize::Zeroizing;

use crate::tl::secret::{enums, types};
use crate::tl::{Deserializable, Reader, TlError};

/// Most out-of-order messages kept while waiting for a hole to be filled.
pub const MAX_QUEUED: usize = 1000;
/// Most sent messages kept for resend requests (those the peer confirmed go first).
pub const MAX_STORED: usize = 1000;

impl SecretChat {
    /// Asks again for the messages missing before the queued ones (`queued() > 0`): the
    /// first decryptedMessageActionResend, or the messages resent for it, may have been
    /// lost too. Nothing when there is no gap. Call on a timer (with backoff) while
    /// messages wait in the queue.
    pub fn request_missing(
        &mut self,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<ChatOutput>, SecretError> {
        let mut out = Vec::new();
        let first_queued = self.queue.keys().next().copied();
        if let Some(first) = first_queued.filter(|&f| f > self.seq.raw_in) {
            let action = types::DecryptedMessageActionResend {
                start_seq_no: self.seq.peer_seq(self.seq.raw_in),
                end_seq_no: self.seq.peer_seq(first.saturating_sub(1)), // first > raw_in
            };
            self.send_action(action.into(), rng, &mut out)?;
        }
        Ok(out)
    }

    pub(super) fn store_sent(&mut self, raw: u32, bytes: Zeroizing<Vec<u8>>) {
        self.sent.insert(raw, bytes);
        // What the peer confirmed (its in_seq_no) is never asked for again.
        let confirmed = self.seq.peer_received;
        self.sent.retain(|r, _| *r >= confirmed);
        while self.sent.len() > MAX_STORED {
            self.sent.pop_first();
        }
    }

    /// [`SecretError::QueueFull`] when one more out-of-order message does not fit.
    pub(super) fn check_queue_room(&self) -> Result<(), SecretError> {
        if self.queue.len() >= MAX_QUEUED {
            return Err(SecretError::QueueFull);
        }
        Ok(())
    }

    pub(super) fn queue_future(
        &mut self,
        raw: u32,
        layer_bytes: Zeroizing<Vec<u8>>,
        fp: i64,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        if !self.queue.contains_key(&raw) {
            self.check_queue_room()?;
        }
        self.queue.insert(
            raw,
            Queued {
                layer_bytes,
                fingerprint: fp,
            },
        );
        // "If there is a gap, request the missing messages with decryptedMessageActionResend".
        let from = self.seq.raw_in.max(self.resend_asked);
        if from < raw {
            self.resend_asked = raw;
            let action = types::DecryptedMessageActionResend {
                start_seq_no: self.seq.peer_seq(from),
                end_seq_no: self.seq.peer_seq(raw.saturating_sub(1)), // raw > from
            };
            self.send_action(action.into(), rng, out)?;
        }
        Ok(())
    }

    pub(super) fn drain(
        &mut self,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        while !self.closed {
            let Some(q) = self.queue.remove(&self.seq.raw_in) else {
                break;
            };
            let layer = types::DecryptedMessageLayer::from_bytes(&q.layer_bytes)?;
            match self.seq.classify(layer.in_seq_no, layer.out_seq_no) {
                Ok(Position::Next) => self.process(layer, q.fingerprint, dh, rng, now, out)?,
                Ok(_) => {}
                Err(e) => self.abort(e, out),
            }
        }
        // Drop anything the hole-filling made a duplicate.
        let raw_in = self.seq.raw_in;
        self.queue.retain(|r, _| *r >= raw_in);
        Ok(())
    }

    /// "Upon receiving decryptedMessageActionResend, resend the messages in the range": each
    /// is encrypted again with the current key, keeping its sequence numbers. "If a local
    /// client receives decryptedMessageActionResend but is unable to satisfy the request, it
    /// must abort the secret chat": a range with the wrong parity, empty, past what we sent,
    /// or reaching a message we no longer keep (confirmed by the peer, or past
    /// [`MAX_STORED`]) ends the chat with [`SecretError::ResendUnsatisfiable`].
    pub(super) fn serve_resend(
        &mut self,
        start: i32,
        end: i32,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        let kept = match (self.seq.my_raw(start), self.seq.my_raw(end)) {
            (Ok(a), Ok(b)) if a <= b && b < self.seq.raw_out => {
                let wanted = u64::from(b.saturating_sub(a)).saturating_add(1); // a <= b
                (self.sent.range(a..=b).count() as u64 == wanted).then_some((a, b))
            }
            _ => None,
        };
        let Some((a, b)) = kept else {
            let e = SecretError::ResendUnsatisfiable {
                start_seq_no: start,
                end_seq_no: end,
            };
            self.abort(e, out);
            return Ok(());
        };
        // Encrypted straight from the kept copies: no plaintext is copied out of them.
        let side = self.my_side();
        for bytes in self.sent.range(a..=b).map(|(_, bytes)| bytes) {
            let data = envelope::encrypt(&self.key, self.fingerprint, side, bytes, rng)?;
            out.push(ChatOutput::Send {
                random_id: random_i64(rng)?,
                data,
                service: is_service(bytes),
            });
        }
        Ok(())
    }
}

/// Whether a serialized decryptedMessageLayer holds a decryptedMessageService, from the
/// constructor ids alone (decoding the message would leave copies of its plaintext behind):
/// `decryptedMessageLayer#1be31789 random_bytes:bytes layer:int in_seq_no:int out_seq_no:int
/// message:DecryptedMessage`.
pub(super) fn is_service(layer_bytes: &[u8]) -> bool {
    let mut r = Reader::new(layer_bytes);
    let message_id = (|| -> Result<u32, TlError> {
        r.read_u32()?;
        r.read_bytes()?;
        for _ in 0..3 {
            r.read_i32()?;
        }
        r.read_u32()
    })();
    message_id == Ok(types::DecryptedMessageService::CONSTRUCTOR_ID)
}

/// The range a decryptedMessageActionResend asks for, if `m` is one.
pub(super) fn resend_range(m: &enums::DecryptedMessage) -> Option<(i32, i32)> {
    let action = match m {
        enums::DecryptedMessage::DecryptedMessageService(s) => &s.action,
        enums::DecryptedMessage::DecryptedMessageService8(s) => &s.action,
        _ => return None,
    };
    match action {
        enums::DecryptedMessageAction::DecryptedMessageActionResend(r) => {
            Some((r.start_seq_no, r.end_seq_no))
        }
        _ => None,
    }
}
