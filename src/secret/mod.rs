//! Secret chats: Telegram's end-to-end encrypted chats, as a sans-IO state machine.
//!
//! - [`exchange`]: the first Diffie-Hellman exchange ([`OutgoingRequest`],
//!   [`accept_request`]).
//! - [`chat`]: a ready chat ([`SecretChat`]): state, send, layers, close; outputs
//!   [`ChatOutput`]. [`receive`]: decrypt, check, process in order, service actions.
//!   [`resend`]: holes, the out-of-order queue, resend requests both ways.
//! - [`rekey`]: perfect forward secrecy (key rotation after 100 messages or a week).
//! - [`envelope`]: one message's MTProto 2.0 encryption with the chat key.
//! - [`seq`]: sequence numbers; [`keys`]: fingerprint and key picture; [`file`]: encrypted
//!   files; [`snapshot`]: the whole chat state as bytes, to survive a reload.
//!
//! Time (`now`, unix seconds) and randomness come from the caller. See `docs/secret.md`.
//! Spec: <https://core.telegram.org/api/end-to-end>.
// Reads network bytes (and stored snapshots): no indexing that can panic, no arithmetic
// that can overflow (docs/limits.md, "Panics and arithmetic").
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

pub mod chat;
pub mod envelope;
pub mod error;
pub mod exchange;
pub mod file;
pub mod keys;
pub mod receive;
pub mod rekey;
pub mod resend;
pub mod seq;
pub mod snapshot;

pub use chat::{ChatInfo, ChatOutput, CloseReason, SecretChat};
pub use error::SecretError;
pub use exchange::{OutgoingRequest, accept_request};
pub use file::FileKey;
pub use keys::{key_fingerprint, visualization_grid, visualization_hash};
pub use resend::{MAX_QUEUED, MAX_STORED};

/// The end-to-end layer we speak.
pub const LAYER: i32 = crate::tl::secret::LAYER as i32;
/// The lowest layer we accept: MTProto 2.0 starts at layer 73.
pub const MIN_LAYER: i32 = 73;
/// Largest serialized decryptedMessageLayer a chat sends, receives or keeps (1 MiB). One
/// bound for all three, so whatever a chat holds (sent copies, queued messages) always fits
/// its snapshot: `SecretChat::restore` refuses a stored item over it, and nothing over it
/// is ever stored (a larger message is refused with [`SecretError::MessageTooLarge`] when it
/// arrives or is sent).
pub const MAX_MESSAGE_SIZE: usize = 1 << 20;
