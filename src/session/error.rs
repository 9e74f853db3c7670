//! The one error type of the session layer, and what the caller does about each error.

use core::fmt;

use crate::crypto::CryptoError;
use crate::tl::TlError;

/// What the caller (or the session itself) does after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Discard the packet and carry on; the session keeps working.
    DropPacket,
    /// The session state cannot be trusted: start a new session (new session_id).
    NewSession,
    /// The connection is suspect: re-establish it (and call `Session::on_reconnect`).
    Reconnect,
    /// The auth key is not usable: a new auth key is needed.
    NewAuthKey,
    /// A mistake of the caller (an argument out of range); nothing was sent.
    FixCall,
}

/// Everything that can go wrong in the session layer.
///
/// Receive errors (every variant from [`SessionError::PacketTooShort`] to
/// [`SessionError::MalformedBody`]) are handled the same way by [`super::Session`]: the
/// packet is discarded, the error is counted and reported as a
/// [`super::SessionEvent::ProtocolError`], and the session keeps working.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The packet is shorter than auth_key_id + msg_key + one AES block (40 bytes).
    PacketTooShort {
        /// Its length.
        len: usize,
    },
    /// The packet's auth_key_id is not the one of our key.
    WrongAuthKeyId {
        /// The id in the packet.
        got: u64,
    },
    /// The encrypted part is not a multiple of 16 bytes.
    CiphertextNotBlockAligned {
        /// Its length.
        len: usize,
    },
    /// The msg_key recomputed from the decrypted data differs from the packet's.
    MsgKeyMismatch,
    /// The message length field is negative, not a multiple of 4, or beyond the data.
    BadLengthField {
        /// The field's value.
        length: i32,
    },
    /// The padding is outside 12..=1024 bytes.
    BadPadding {
        /// The padding length found.
        padding: usize,
    },
    /// The session_id is not ours.
    WrongSessionId {
        /// The id in the packet.
        got: u64,
    },
    /// A server msg_id must be odd.
    EvenServerMsgId {
        /// The id.
        msg_id: i64,
    },
    /// The msg_id is more than 30 s ahead of or 300 s behind the server time.
    MsgIdOutOfWindow {
        /// The id.
        msg_id: i64,
    },
    /// The msg_id was already received (a replay or a duplicate) or is below the window of
    /// remembered ids.
    DuplicateMsgId {
        /// The id.
        msg_id: i64,
    },
    /// A container inside a container, or a container whose inner ids are not valid.
    BadContainer,
    /// A `gzip_packed` whose data is another `gzip_packed` (Telegram packs once).
    NestedGzip,
    /// The body is not valid TL for what it claims to be.
    MalformedBody(TlError),
    /// The random source failed.
    Random(CryptoError),
    /// A caller argument is invalid (`what` says which and why).
    InvalidArgument(&'static str),
    /// A message is too large to send (more than [`super::outgoing::MAX_MESSAGE_SIZE`]).
    MessageTooLarge {
        /// Its size.
        len: usize,
    },
    /// [`super::MAX_PENDING_REQUESTS`] requests are unresolved already.
    TooManyPending,
}

impl SessionError {
    /// What to do next.
    pub fn action(&self) -> Action {
        match self {
            Self::Random(_)
            | Self::InvalidArgument(_)
            | Self::MessageTooLarge { .. }
            | Self::TooManyPending => Action::FixCall,
            _ => Action::DropPacket,
        }
    }

    /// Whether this is a receive check failure (the packet is dropped and counted).
    pub fn is_receive_error(&self) -> bool {
        self.action() == Action::DropPacket
    }

    /// A short stable name for counters (`"msg_key_mismatch"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PacketTooShort { .. } => "packet_too_short",
            Self::WrongAuthKeyId { .. } => "wrong_auth_key_id",
            Self::CiphertextNotBlockAligned { .. } => "ciphertext_not_block_aligned",
            Self::MsgKeyMismatch => "msg_key_mismatch",
            Self::BadLengthField { .. } => "bad_length_field",
            Self::BadPadding { .. } => "bad_padding",
            Self::WrongSessionId { .. } => "wrong_session_id",
            Self::EvenServerMsgId { .. } => "even_server_msg_id",
            Self::MsgIdOutOfWindow { .. } => "msg_id_out_of_window",
            Self::DuplicateMsgId { .. } => "duplicate_msg_id",
            Self::BadContainer => "bad_container",
            Self::NestedGzip => "nested_gzip",
            Self::MalformedBody(_) => "malformed_body",
            Self::Random(_) => "random",
            Self::InvalidArgument(_) => "invalid_argument",
            Self::MessageTooLarge { .. } => "message_too_large",
            Self::TooManyPending => "too_many_pending",
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PacketTooShort { len } => {
                write!(f, "encrypted packet too short: {len} bytes (minimum 40)")
            }
            Self::WrongAuthKeyId { got } => write!(f, "packet auth_key_id {got:016x} is not ours"),
            Self::CiphertextNotBlockAligned { len } => {
                write!(f, "encrypted data is {len} bytes, not a multiple of 16")
            }
            Self::MsgKeyMismatch => f.write_str("msg_key does not match the decrypted data"),
            Self::BadLengthField { length } => write!(
                f,
                "message length {length} is negative, unaligned or beyond the data"
            ),
            Self::BadPadding { padding } => {
                write!(f, "padding of {padding} bytes is outside 12..=1024")
            }
            Self::WrongSessionId { got } => write!(f, "session_id {got:016x} is not ours"),
            Self::EvenServerMsgId { msg_id } => {
                write!(f, "server msg_id {msg_id:#x} is even")
            }
            Self::MsgIdOutOfWindow { msg_id } => write!(
                f,
                "msg_id {msg_id:#x} is more than 30 s ahead or 300 s behind the server time"
            ),
            Self::DuplicateMsgId { msg_id } => {
                write!(f, "msg_id {msg_id:#x} was already received or is too old")
            }
            Self::BadContainer => f.write_str("invalid msg_container"),
            Self::NestedGzip => f.write_str("gzip_packed inside gzip_packed"),
            Self::MalformedBody(e) => write!(f, "malformed message body: {e}"),
            Self::Random(e) => write!(f, "random source: {e}"),
            Self::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            Self::MessageTooLarge { len } => write!(f, "message of {len} bytes is too large"),
            Self::TooManyPending => write!(
                f,
                "too many unresolved requests (at most {})",
                super::MAX_PENDING_REQUESTS
            ),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<TlError> for SessionError {
    fn from(e: TlError) -> Self {
        Self::MalformedBody(e)
    }
}
