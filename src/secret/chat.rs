//! One ready secret chat: encrypting, receiving in order, resends, layers and actions.
//!
//! Bytes in, outputs out: [`SecretChat::receive`] takes the `bytes` of an
//! encryptedMessage(Service); [`SecretChat::send`] takes a decryptedMessage. Both return
//! [`ChatOutput`]s: payloads for messages.sendEncrypted(Service), decrypted messages for the
//! app, key changes and the end of the chat. Key rotation lives in `rekey.rs`.
//! Spec: <https://core.telegram.org/api/end-to-end>, <https://core.telegram.org/api/end-to-end/seq_no>.

use std::collections::BTreeMap;

use super::envelope;
use super::keys::key_fingerprint;
use super::rekey::Rekey;
use super::seq::{Position, SeqState};
use super::{LAYER, MIN_LAYER, SecretError};
use crate::crypto::{AuthKey, DhParams, RandomSource, Side};
use crate::tl::secret::{enums, types};
use crate::tl::{Deserializable, Serializable};

/// Most out-of-order messages kept while waiting for a hole to be filled.
pub const MAX_QUEUED: usize = 1000;
/// Most sent messages kept for resend requests (those the peer confirmed go first).
pub const MAX_STORED: usize = 1000;

/// Who the chat is with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatInfo {
    /// encryptedChat id.
    pub id: i32,
    /// encryptedChat access_hash.
    pub access_hash: i64,
    /// Whether we created the chat (x = 0 for our messages).
    pub creator: bool,
    /// The other user's id.
    pub peer_id: i64,
}

/// Why a chat ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// We closed it.
    Local,
    /// The peer or the server discarded it.
    Remote,
    /// A protocol violation by the peer (the spec says to abort).
    Violation(SecretError),
}

/// What the chat asks of its caller, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatOutput {
    /// Send `data` with messages.sendEncrypted (or sendEncryptedService when `service`),
    /// using `random_id`.
    Send {
        /// random_id for the send call (new for every call, also for resends).
        random_id: i64,
        /// The encrypted payload.
        data: Vec<u8>,
        /// A service message (decryptedMessageService).
        service: bool,
    },
    /// A message of the peer, in order: a decryptedMessage or a decryptedMessageService whose
    /// action the app shows (TTL, read, delete, flush, screenshot, typing).
    Message(Box<enums::DecryptedMessage>),
    /// The chat switched to a new key (perfect forward secrecy).
    KeyChanged {
        /// The new key's fingerprint.
        fingerprint: i64,
    },
    /// The chat ended; `discard` asks the caller to call messages.discardEncryption.
    Closed {
        /// Why.
        reason: CloseReason,
        /// Whether the caller must tell the server.
        discard: bool,
    },
}

/// A decrypted message waiting for the hole before it to fill.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub(crate) layer_bytes: Vec<u8>,
    pub(crate) fingerprint: i64,
}

/// A ready (or closed) secret chat. Its `Debug` shows the key's fingerprint and counts,
/// never key bytes or the plaintexts kept for resends.
pub struct SecretChat {
    pub(crate) info: ChatInfo,
    pub(crate) key: AuthKey,
    pub(crate) fingerprint: i64,
    pub(crate) old_key: Option<AuthKey>,
    pub(crate) rekey: Rekey,
    pub(crate) seq: SeqState,
    pub(crate) peer_layer: i32,
    pub(crate) layer_notified: bool,
    pub(crate) key_uses: u32,
    pub(crate) key_since: i64,
    pub(crate) ttl: i32,
    pub(crate) resend_asked: u32,
    pub(crate) sent: BTreeMap<u32, Vec<u8>>,
    pub(crate) queue: BTreeMap<u32, Queued>,
    pub(crate) closed: bool,
}

impl core::fmt::Debug for SecretChat {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretChat")
            .field("info", &self.info)
            .field("fingerprint", &self.fingerprint)
            .field("old_key", &self.old_key.is_some())
            .field("rekey", &self.rekey)
            .field("seq", &self.seq)
            .field("peer_layer", &self.peer_layer)
            .field("key_uses", &self.key_uses)
            .field("ttl", &self.ttl)
            .field("stored", &self.sent.len())
            .field("queued", &self.queue.len())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl SecretChat {
    pub(crate) fn new(info: ChatInfo, key: AuthKey, now: i64) -> Self {
        let fingerprint = key_fingerprint(&key);
        let seq = SeqState::new(info.creator);
        Self {
            info,
            key,
            fingerprint,
            old_key: None,
            rekey: Rekey::Idle,
            seq,
            peer_layer: MIN_LAYER,
            layer_notified: false,
            key_uses: 0,
            key_since: now,
            ttl: 0,
            resend_asked: 0,
            sent: BTreeMap::new(),
            queue: BTreeMap::new(),
            closed: false,
        }
    }

    /// Who the chat is with.
    pub fn info(&self) -> &ChatInfo {
        &self.info
    }
    /// The current key (for the key visualization).
    pub fn key(&self) -> &AuthKey {
        &self.key
    }
    /// The current key's fingerprint.
    pub fn fingerprint(&self) -> i64 {
        self.fingerprint
    }
    /// The layer we send at: min(ours, peer's), never below 73.
    pub fn layer(&self) -> i32 {
        self.peer_layer.clamp(MIN_LAYER, LAYER)
    }
    /// The peer's announced layer.
    pub fn peer_layer(&self) -> i32 {
        self.peer_layer
    }
    /// Whether the chat has ended.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
    /// The chat's message TTL in seconds (0: none).
    pub fn ttl(&self) -> i32 {
        self.ttl
    }
    /// (out_seq_no of our next message, in_seq_no we would send).
    pub fn seq_numbers(&self) -> (i32, i32) {
        (self.seq.next_out(), self.seq.current_in())
    }
    /// Out-of-order messages waiting.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
    /// Sent messages kept for resends.
    pub fn stored(&self) -> usize {
        self.sent.len()
    }
    /// Whether an older key is still kept for messages in flight.
    pub fn has_old_key(&self) -> bool {
        self.old_key.is_some()
    }

    pub(crate) fn my_side(&self) -> Side {
        if self.info.creator {
            Side::CHAT_CREATOR
        } else {
            Side::CHAT_ACCEPTOR
        }
    }

    fn peer_side(&self) -> Side {
        if self.info.creator {
            Side::CHAT_ACCEPTOR
        } else {
            Side::CHAT_CREATOR
        }
    }

    /// Announces our layer (decryptedMessageActionNotifyLayer). Call right after the chat
    /// becomes ready; [`SecretChat::send`] does it by itself before the first message.
    pub fn notify_layer(
        &mut self,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<ChatOutput>, SecretError> {
        self.layer_notified = true;
        let mut out = Vec::new();
        self.send_action(
            types::DecryptedMessageActionNotifyLayer { layer: LAYER }.into(),
            rng,
            &mut out,
        )?;
        Ok(out)
    }

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
                end_seq_no: self.seq.peer_seq(first - 1),
            };
            self.send_action(action.into(), rng, &mut out)?;
        }
        Ok(out)
    }

    /// Sends a decryptedMessage (or decryptedMessageService). A random_id of 0 is replaced
    /// by a random one. May also start a key rotation, when due.
    pub fn send(
        &mut self,
        message: enums::DecryptedMessage,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
    ) -> Result<Vec<ChatOutput>, SecretError> {
        if self.closed {
            return Err(SecretError::WrongState("the chat is closed"));
        }
        let mut out = Vec::new();
        if !self.layer_notified {
            out.extend(self.notify_layer(rng)?);
        }
        let message = with_random_id(message, rng)?;
        if let enums::DecryptedMessage::DecryptedMessageService(s) = &message {
            if let enums::DecryptedMessageAction::DecryptedMessageActionSetMessageTTL(t) = &s.action
            {
                self.ttl = t.ttl_seconds;
            }
        }
        self.push(message, rng, &mut out)?;
        self.maybe_start_rekey(dh, rng, now, &mut out)?;
        Ok(out)
    }

    /// Sends a text message with the chat's TTL.
    pub fn send_text(
        &mut self,
        text: &str,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
    ) -> Result<Vec<ChatOutput>, SecretError> {
        let msg = types::DecryptedMessage {
            no_webpage: false,
            silent: false,
            random_id: 0,
            ttl: self.ttl,
            message: text.into(),
            media: None,
            entities: None,
            via_bot_name: None,
            reply_to_random_id: None,
            grouped_id: None,
        };
        self.send(msg.into(), dh, rng, now)
    }

    pub(crate) fn send_action(
        &mut self,
        action: enums::DecryptedMessageAction,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        let msg = types::DecryptedMessageService {
            random_id: random_i64(rng)?,
            action,
        };
        self.push(msg.into(), rng, out)
    }

    /// Wraps, stores and encrypts one message.
    fn push(
        &mut self,
        message: enums::DecryptedMessage,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        let service = matches!(message, enums::DecryptedMessage::DecryptedMessageService(_));
        // "random_bytes: at least 15 random bytes" to make the plaintext unpredictable.
        let mut random_bytes = vec![0u8; 16];
        rng.fill(&mut random_bytes)?;
        let raw = self.seq.raw_out;
        let (in_seq_no, out_seq_no) = self.seq.take_out();
        let layer = types::DecryptedMessageLayer {
            random_bytes,
            layer: self.layer(),
            in_seq_no,
            out_seq_no,
            message,
        };
        let bytes = layer.to_bytes();
        let data = envelope::encrypt(&self.key, self.fingerprint, self.my_side(), &bytes, rng)?;
        self.store_sent(raw, bytes);
        self.key_uses = self.key_uses.saturating_add(1);
        out.push(ChatOutput::Send {
            random_id: random_i64(rng)?,
            data,
            service,
        });
        Ok(())
    }

    fn store_sent(&mut self, raw: u32, bytes: Vec<u8>) {
        self.sent.insert(raw, bytes);
        // What the peer confirmed (its in_seq_no) is never asked for again.
        let confirmed = self.seq.peer_received;
        self.sent.retain(|r, _| *r >= confirmed);
        while self.sent.len() > MAX_STORED {
            self.sent.pop_first();
        }
    }

    /// Handles the `bytes` of an incoming encryptedMessage / encryptedMessageService.
    ///
    /// A message that fails a check is discarded with the error and the chat goes on; a
    /// protocol violation after successful decryption (sequence parity, in_seq_no) ends the
    /// chat with [`ChatOutput::Closed`].
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
        let plain = {
            let key = self
                .key_for(fp)
                .ok_or(SecretError::UnknownKeyFingerprint(fp))?;
            envelope::decrypt(key, self.peer_side(), data)?
        };
        let layer = types::DecryptedMessageLayer::from_bytes(&plain)?;
        // "random_bytes ... at least 15 bytes"; MTProto 2.0 needs layer >= 73.
        if layer.random_bytes.len() < 15 {
            return Err(SecretError::RandomBytesTooShort(layer.random_bytes.len()));
        }
        if layer.layer < MIN_LAYER {
            return Err(SecretError::LayerTooOld(layer.layer));
        }
        let mut out = Vec::new();
        match self.seq.classify(layer.in_seq_no, layer.out_seq_no) {
            Err(e) => self.abort(e, &mut out),
            Ok(Position::Duplicate) => {}
            Ok(Position::Next) => {
                self.process(layer, fp, dh, rng, now, &mut out)?;
                self.drain(dh, rng, now, &mut out)?;
            }
            Ok(Position::Future(raw)) => {
                // A resend request queued behind a hole of ours is served at once: the peer
                // may be waiting for those messages to fill a hole of its own, and each side
                // would otherwise wait on the other for good. (It is served again, harmlessly,
                // when it is processed in order: the copies are duplicates there.)
                if let Some((start, end)) = resend_range(&layer.message) {
                    self.serve_resend(start, end, rng, &mut out)?;
                }
                self.queue_future(raw, plain.to_vec(), fp, rng, &mut out)?
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

    fn queue_future(
        &mut self,
        raw: u32,
        layer_bytes: Vec<u8>,
        fp: i64,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        if self.queue.len() >= MAX_QUEUED && !self.queue.contains_key(&raw) {
            return Err(SecretError::QueueFull);
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
                end_seq_no: self.seq.peer_seq(raw - 1),
            };
            self.send_action(action.into(), rng, out)?;
        }
        Ok(())
    }

    fn drain(
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

    fn process(
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
            A::DecryptedMessageActionNotifyLayer(l) => {
                self.peer_layer = l.layer;
                Ok(())
            }
            A::DecryptedMessageActionResend(r) => {
                self.serve_resend(r.start_seq_no, r.end_seq_no, rng, out)
            }
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

    /// "Upon receiving decryptedMessageActionResend, resend the messages in the range": each
    /// is encrypted again with the current key, keeping its sequence numbers.
    fn serve_resend(
        &mut self,
        start: i32,
        end: i32,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        let (Ok(a), Ok(b)) = (self.seq.my_raw(start), self.seq.my_raw(end)) else {
            return Ok(()); // a request with the wrong parity asks for nothing of ours
        };
        if a > b || b >= self.seq.raw_out || (b - a) as usize >= MAX_STORED {
            return Ok(());
        }
        let copies: Vec<(Vec<u8>, bool)> = self
            .sent
            .range(a..=b)
            .map(|(_, bytes)| (bytes.clone(), is_service(bytes)))
            .collect();
        for (bytes, service) in copies {
            let data = envelope::encrypt(&self.key, self.fingerprint, self.my_side(), &bytes, rng)?;
            out.push(ChatOutput::Send {
                random_id: random_i64(rng)?,
                data,
                service,
            });
        }
        Ok(())
    }

    pub(crate) fn abort(&mut self, e: SecretError, out: &mut Vec<ChatOutput>) {
        self.closed = true;
        self.wipe();
        out.push(ChatOutput::Closed {
            reason: CloseReason::Violation(e),
            discard: true,
        });
    }

    /// Ends the chat from our side: keys and stored messages are wiped. The caller calls
    /// messages.discardEncryption.
    pub fn close(&mut self) -> Vec<ChatOutput> {
        self.closed = true;
        self.wipe();
        vec![ChatOutput::Closed {
            reason: CloseReason::Local,
            discard: true,
        }]
    }

    /// The server said the chat is discarded (encryptedChatDiscarded).
    pub fn discarded(&mut self) -> Vec<ChatOutput> {
        self.closed = true;
        self.wipe();
        vec![ChatOutput::Closed {
            reason: CloseReason::Remote,
            discard: false,
        }]
    }

    fn wipe(&mut self) {
        self.old_key = None;
        self.rekey = Rekey::Idle;
        self.sent.clear();
        self.queue.clear();
    }
}

fn is_service(layer_bytes: &[u8]) -> bool {
    types::DecryptedMessageLayer::from_bytes(layer_bytes)
        .map(|l| {
            matches!(
                l.message,
                enums::DecryptedMessage::DecryptedMessageService(_)
            )
        })
        .unwrap_or(false)
}

pub(crate) fn random_i64(rng: &mut dyn RandomSource) -> Result<i64, SecretError> {
    let mut b = [0u8; 8];
    rng.fill(&mut b)?;
    Ok(i64::from_le_bytes(b))
}

fn with_random_id(
    mut m: enums::DecryptedMessage,
    rng: &mut dyn RandomSource,
) -> Result<enums::DecryptedMessage, SecretError> {
    use enums::DecryptedMessage as M;
    let id = match &mut m {
        M::DecryptedMessage(x) => &mut x.random_id,
        M::DecryptedMessageService(x) => &mut x.random_id,
        M::DecryptedMessage46(x) => &mut x.random_id,
        M::DecryptedMessage23(x) => &mut x.random_id,
        M::DecryptedMessage8(x) => &mut x.random_id,
        M::DecryptedMessageService8(x) => &mut x.random_id,
    };
    if *id == 0 {
        *id = random_i64(rng)?;
    }
    Ok(m)
}

/// The range a decryptedMessageActionResend asks for, if `m` is one.
fn resend_range(m: &enums::DecryptedMessage) -> Option<(i32, i32)> {
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
