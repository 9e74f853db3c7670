//! One ready secret chat: its state, sending, layers and the end of the chat.
//!
//! Bytes in, outputs out: [`SecretChat::receive`] takes the `bytes` of an
//! encryptedMessage(Service); [`SecretChat::send`] takes a decryptedMessage. Both return
//! [`ChatOutput`]s: payloads for messages.sendEncrypted(Service), decrypted messages for the
//! app, key changes and the end of the chat. Receiving lives in `receive.rs`, holes and
//! resend requests in `resend.rs`, key rotation in `rekey.rs`.
//! Spec: <https://core.telegram.org/api/end-to-end>, <https://core.telegram.org/api/end-to-end/seq_no>.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use super::envelope;
use super::keys::{key_fingerprint, visualization_hash};
use super::rekey::Rekey;
use super::seq::SeqState;
use super::{LAYER, MAX_MESSAGE_SIZE, MIN_LAYER, SecretError};
use crate::crypto::{AuthKey, DhParams, RandomSource, Side};
use crate::tl::Serializable;
use crate::tl::secret::{enums, types};

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
    /// The decrypted decryptedMessageLayer, wiped when the entry is dropped.
    pub(crate) layer_bytes: Zeroizing<Vec<u8>>,
    pub(crate) fingerprint: i64,
}

/// A ready (or closed) secret chat. Its `Debug` shows the key's fingerprint and counts,
/// never key bytes or the plaintexts kept for resends.
pub struct SecretChat {
    pub(crate) info: ChatInfo,
    pub(crate) key: AuthKey,
    pub(crate) fingerprint: i64,
    pub(crate) picture: Option<[u8; 36]>,
    pub(crate) old_key: Option<AuthKey>,
    pub(crate) rekey: Rekey,
    pub(crate) seq: SeqState,
    pub(crate) peer_layer: i32,
    pub(crate) layer_notified: bool,
    pub(crate) key_uses: u32,
    pub(crate) key_since: i64,
    pub(crate) ttl: i32,
    pub(crate) resend_asked: u32,
    /// Our serialized decryptedMessageLayers by raw out_seq_no, wiped when dropped.
    pub(crate) sent: BTreeMap<u32, Zeroizing<Vec<u8>>>,
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
        let picture = Some(visualization_hash(&key));
        let seq = SeqState::new(info.creator);
        Self {
            info,
            key,
            fingerprint,
            picture,
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
    /// The current key. It changes at every rotation: the key picture comes from the original
    /// key instead ([`SecretChat::visualization`]).
    pub fn key(&self) -> &AuthKey {
        &self.key
    }
    /// The key picture ("key visualization", 36 bytes: SHA1(key)[0..16] ‖ SHA256(key)[0..20]
    /// of the chat's ORIGINAL key), computed once when the chat is made and kept for its whole
    /// life: rotations never change it, so it matches the peer's official client. `None` only
    /// for a chat restored from a version-1 snapshot taken after a rotation (the original key
    /// was wiped then, and version 1 did not keep the picture).
    /// Spec: <https://core.telegram.org/api/end-to-end/pfs#key-visualization>.
    pub fn visualization(&self) -> Option<[u8; 36]> {
        self.picture
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

    pub(super) fn peer_side(&self) -> Side {
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
        // Refused before anything is counted or sent, the layer notification included.
        let len = layer_len(&message);
        if len > MAX_MESSAGE_SIZE {
            return Err(SecretError::MessageTooLarge { len });
        }
        let mut out = Vec::new();
        if !self.layer_notified {
            out.extend(self.notify_layer(rng)?);
        }
        let message = with_random_id(message, rng)?;
        let ttl = match &message {
            enums::DecryptedMessage::DecryptedMessageService(s) => match &s.action {
                enums::DecryptedMessageAction::DecryptedMessageActionSetMessageTTL(t) => {
                    Some(t.ttl_seconds)
                }
                _ => None,
            },
            _ => None,
        };
        self.push(message, rng, &mut out)?;
        if let Some(ttl) = ttl {
            self.ttl = ttl;
        }
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
        let mut random_bytes = vec![0u8; RANDOM_BYTES];
        rng.fill(&mut random_bytes)?;
        let raw = self.seq.raw_out;
        let layer = types::DecryptedMessageLayer {
            random_bytes,
            layer: self.layer(),
            in_seq_no: self.seq.current_in(),
            out_seq_no: self.seq.next_out(),
            message,
        };
        // Kept for resends: wiped when the copy is dropped (confirmed, forgotten, closed).
        let bytes = Zeroizing::new(layer.to_bytes());
        if bytes.len() > MAX_MESSAGE_SIZE {
            return Err(SecretError::MessageTooLarge { len: bytes.len() });
        }
        let data = envelope::encrypt(&self.key, self.fingerprint, self.my_side(), &bytes, rng)?;
        let random_id = random_i64(rng)?;
        // Counted only once it can go out: a failure above leaves no hole for the peer.
        self.seq.take_out();
        self.store_sent(raw, bytes);
        self.key_uses = self.key_uses.saturating_add(1);
        out.push(ChatOutput::Send {
            random_id,
            data,
            service,
        });
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

/// Random bytes in every decryptedMessageLayer we send.
const RANDOM_BYTES: usize = 16;

/// The length of the decryptedMessageLayer `push` makes for `message`: constructor (4),
/// random_bytes as TL bytes (1 length byte, the bytes, padding to 4), layer, in_seq_no and
/// out_seq_no (4 each), then the message.
fn layer_len(message: &enums::DecryptedMessage) -> usize {
    const OVERHEAD: usize = 4 + (1 + RANDOM_BYTES).next_multiple_of(4) + 3 * 4;
    let message_len = Zeroizing::new(message.to_bytes()).len();
    message_len.saturating_add(OVERHEAD)
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
