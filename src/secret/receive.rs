//! Receiving: decrypting with the right key, the checks after decryption, messages in
//! order, and the service actions of the peer.
//!
//! Out-of-order messages and resend requests are in `resend.rs`; key rotation actions in
//! `rekey.rs`.
//! Spec: <https://core.telegram.org/api/end-to-end#receiving-encrypted-messages>,
//! <https://core.telegram.org/api/end-to-end/seq_no>.

use super::chat::{ChatOutput, SecretChat};
use super::envelope;
use super::keys::key_fingerprint;
use super::resend::resend_range;
use super::seq::Position;
use super::{MAX_MESSAGE_SIZE, MIN_LAYER, SecretError};
use crate::crypto::{AuthKey, DhParams, RandomSource};
use crate::tl::Deserializable;
use crate::tl::secret::{enums, types};

impl SecretChat {
    /// Handles the `bytes` of an incoming encryptedMessage / encryptedMessageService.
    ///
    /// A message that fails a check is discarded with the error and the chat goes on; a
    /// protocol violation after successful decryption (sequence parity, in_seq_no, a resend
    /// request we cannot satisfy) ends the chat with [`ChatOutput::Closed`].
    pub fn receive(
        &mut self,
        data: &[u8],
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
    ) -> Result<Vec<ChatOutput>, SecretError> {
        if self.closed {
            return Err(SecretError::WrongState("the chat is closed"));
        }
        let fp = envelope::fingerprint_of(data)?;
        // Nothing over MAX_MESSAGE_SIZE is decrypted, queued or kept (so every snapshot
        // restores): a payload too long to hold such a layer is refused before decryption,
        // the layer itself right after.
        if data.len() > envelope::max_payload_len(MAX_MESSAGE_SIZE) {
            return Err(SecretError::MessageTooLarge { len: data.len() });
        }
        let plain = {
            let key = self
                .key_for(fp)
                .ok_or(SecretError::UnknownKeyFingerprint(fp))?;
            envelope::decrypt(key, self.peer_side(), data)?
        };
        if plain.len() > MAX_MESSAGE_SIZE {
            return Err(SecretError::MessageTooLarge { len: plain.len() });
        }
        let layer = types::DecryptedMessageLayer::from_bytes(&plain)?;
        // "random_bytes ... at least 15 bytes"; MTProto 2.0 needs layer >= 73.
        if layer.random_bytes.len() < 15 {
            return Err(SecretError::RandomBytesTooShort(layer.random_bytes.len()));
        }
        if layer.layer < MIN_LAYER {
            return Err(SecretError::LayerTooOld(layer.layer));
        }
        let mut out = Vec::new();
        // "decryptedMessageActionResend must always be interpreted immediately upon receipt in
        // all cases, even if its out_seq_no>=C+1 ... each decryptedMessageActionResend must
        // only be handled once, it must not be interpreted again when we interpret messages
        // in the queue": served here, on arrival, and nowhere else (`on_action` only counts
        // it). Otherwise two chats each missing a message would wait on each other for good.
        let resend = resend_range(&layer.message);
        let position = self.seq.classify(layer.in_seq_no, layer.out_seq_no);
        // "This remote layer value must always be updated immediately after receiving any
        // packet containing information of an upper layer", also one that must wait.
        if let Ok(Position::Next | Position::Future(_)) = position {
            self.peer_layer = self.peer_layer.max(layer.layer);
        }
        match position {
            Err(e) => self.abort(e, &mut out),
            Ok(Position::Duplicate) => {}
            Ok(Position::Next) => {
                self.process(layer, fp, dh, rng, now, &mut out)?;
                if let Some((start, end)) = resend.filter(|_| !self.closed) {
                    self.serve_resend(start, end, rng, &mut out)?;
                }
                self.drain(dh, rng, now, &mut out)?;
            }
            // A copy of a message already waiting in the queue: handled when it arrived.
            Ok(Position::Future(raw)) if self.queue.contains_key(&raw) => {}
            Ok(Position::Future(raw)) => {
                self.check_queue_room()?;
                if let Some((start, end)) = resend {
                    self.serve_resend(start, end, rng, &mut out)?;
                }
                if !self.closed {
                    // The decrypted buffer itself goes in the queue: no copy.
                    self.queue_future(raw, plain, fp, rng, &mut out)?;
                }
            }
        }
        if !self.closed {
            self.maybe_start_rekey(dh, rng, now, &mut out)?;
        }
        Ok(out)
    }

    pub(crate) fn key_for(&self, fp: i64) -> Option<&AuthKey> {
        if fp == self.fingerprint {
            return Some(&self.key);
        }
        if let Some(k) = self.old_key.as_ref().filter(|k| key_fingerprint(k) == fp) {
            return Some(k);
        }
        self.rekey
            .pending_key()
            .filter(|k| key_fingerprint(k) == fp)
    }

    pub(super) fn process(
        &mut self,
        layer: types::DecryptedMessageLayer,
        fp: i64,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        if let Err(e) = self.seq.accept_in_order(layer.in_seq_no) {
            self.abort(e, out);
            return Ok(());
        }
        let confirmed = self.seq.peer_received;
        self.sent.retain(|r, _| *r >= confirmed);
        self.peer_layer = self.peer_layer.max(layer.layer);
        self.key_uses = self.key_uses.saturating_add(1);
        // "Keep the old key until every message sent with it has arrived": once an in-order
        // message under the current key is processed with no hole left, wipe it.
        if fp == self.fingerprint && self.queue.is_empty() {
            self.old_key = None;
        }
        match layer.message {
            enums::DecryptedMessage::DecryptedMessageService(s) => {
                self.on_action(s, dh, rng, now, out)
            }
            enums::DecryptedMessage::DecryptedMessageService8(s) => {
                let s = types::DecryptedMessageService {
                    random_id: s.random_id,
                    action: s.action,
                };
                self.on_action(s, dh, rng, now, out)
            }
            m => {
                out.push(ChatOutput::Message(Box::new(m)));
                Ok(())
            }
        }
    }

    fn on_action(
        &mut self,
        s: types::DecryptedMessageService,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        use enums::DecryptedMessageAction as A;
        match &s.action {
            // "store the maximal layer that is known to be supported by the client on the
            // other side": a lower notification never lowers it.
            A::DecryptedMessageActionNotifyLayer(l) => {
                self.peer_layer = self.peer_layer.max(l.layer);
                Ok(())
            }
            // Served when it arrived (`receive`); in order it only counts.
            A::DecryptedMessageActionResend(_) => Ok(()),
            A::DecryptedMessageActionRequestKey(_)
            | A::DecryptedMessageActionAcceptKey(_)
            | A::DecryptedMessageActionCommitKey(_)
            | A::DecryptedMessageActionAbortKey(_)
            | A::DecryptedMessageActionNoop(_) => {
                self.on_rekey_action(&s.action, dh, rng, now, out)
            }
            A::DecryptedMessageActionSetMessageTTL(t) => {
                self.ttl = t.ttl_seconds;
                out.push(ChatOutput::Message(Box::new(s.into())));
                Ok(())
            }
            _ => {
                out.push(ChatOutput::Message(Box::new(s.into())));
                Ok(())
            }
        }
    }
}
