//! The one error type of the secret-chat layer.

use core::fmt;

use crate::crypto::CryptoError;
use crate::tl::TlError;

/// Everything that can go wrong in a secret chat.
///
/// An error returned by [`crate::secret::SecretChat::receive`] discards the one message and
/// the chat goes on. A violation found after decryption ([`SecretError::SeqParity`],
/// [`SecretError::InSeqNoAhead`], [`SecretError::InSeqNoBackwards`],
/// [`SecretError::ResendUnsatisfiable`]) ends the chat instead, as the spec says: `receive`
/// returns [`crate::secret::ChatOutput::Closed`] with it. [`SecretError::KeyFingerprintMismatch`]
/// from the first exchange means the chat must be discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// A crypto primitive failed (DH check, random source, ...).
    Crypto(CryptoError),
    /// A TL value could not be decoded or is not the expected type.
    Tl(TlError),
    /// The encrypted payload is shorter than fingerprint + msg_key + one block, or its
    /// encrypted part is not a multiple of 16 bytes.
    PacketTooShort(usize),
    /// The payload's key_fingerprint matches no key of this chat.
    UnknownKeyFingerprint(i64),
    /// msg_key does not match SHA256 of the decrypted plaintext (tampered, or MTProto 1.0).
    MsgKeyMismatch,
    /// The length field is not a multiple of 4 or leaves padding outside 12..=1024 bytes.
    BadLength,
    /// decryptedMessageLayer.random_bytes is shorter than 15 bytes.
    RandomBytesTooShort(usize),
    /// A message (its serialized decryptedMessageLayer, or an encrypted payload too long to
    /// hold one) is over [`crate::secret::MAX_MESSAGE_SIZE`]: refused before it is queued,
    /// stored or sent.
    MessageTooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// The peer's layer is below 73, where MTProto 2.0 starts.
    LayerTooOld(i32),
    /// A sequence number has the wrong parity or is negative: the chat is aborted.
    SeqParity,
    /// in_seq_no claims more of our messages than we have sent.
    InSeqNoAhead,
    /// in_seq_no went down.
    InSeqNoBackwards,
    /// The peer's key_fingerprint does not match the key we computed: the chat is aborted.
    KeyFingerprintMismatch,
    /// Too many out-of-order messages are queued, or too many resends asked.
    QueueFull,
    /// The peer's decryptedMessageActionResend asks for messages we cannot send again (never
    /// sent, no longer kept, the wrong parity, or an empty range): the chat is aborted.
    ResendUnsatisfiable {
        /// The request's start_seq_no.
        start_seq_no: i32,
        /// The request's end_seq_no.
        end_seq_no: i32,
    },
    /// The call does not fit the chat's state (e.g. sending before the chat is ready).
    WrongState(&'static str),
    /// A file's key fingerprint does not match its key and iv.
    FileFingerprintMismatch,
    /// A snapshot is malformed or of an unknown version.
    BadSnapshot(&'static str),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Crypto(e) => write!(f, "crypto: {e}"),
            Self::Tl(e) => write!(f, "TL: {e}"),
            Self::PacketTooShort(n) => write!(f, "encrypted message of {n} bytes is malformed"),
            Self::UnknownKeyFingerprint(fp) => write!(f, "no key with fingerprint {fp:#018x}"),
            Self::MsgKeyMismatch => f.write_str("msg_key does not match the plaintext"),
            Self::BadLength => f.write_str("bad length field or padding outside 12..1024 bytes"),
            Self::RandomBytesTooShort(n) => write!(f, "random_bytes has {n} bytes, need 15"),
            Self::MessageTooLarge { len } => write!(
                f,
                "secret message of {len} bytes is over the {} byte limit",
                crate::secret::MAX_MESSAGE_SIZE
            ),
            Self::LayerTooOld(l) => write!(f, "layer {l} is below 73 (MTProto 2.0)"),
            Self::SeqParity => f.write_str("sequence number parity violated"),
            Self::InSeqNoAhead => f.write_str("in_seq_no is ahead of what we sent"),
            Self::InSeqNoBackwards => f.write_str("in_seq_no went backwards"),
            Self::KeyFingerprintMismatch => f.write_str("key fingerprint mismatch"),
            Self::QueueFull => f.write_str("too many queued out-of-order messages"),
            Self::ResendUnsatisfiable {
                start_seq_no,
                end_seq_no,
            } => write!(
                f,
                "resend request {start_seq_no}..={end_seq_no} asks for messages we cannot resend"
            ),
            Self::WrongState(why) => write!(f, "not possible in this state: {why}"),
            Self::FileFingerprintMismatch => f.write_str("file key fingerprint mismatch"),
            Self::BadSnapshot(why) => write!(f, "bad secret chat snapshot: {why}"),
        }
    }
}

impl std::error::Error for SecretError {}

impl From<CryptoError> for SecretError {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

impl From<TlError> for SecretError {
    fn from(e: TlError) -> Self {
        Self::Tl(e)
    }
}
