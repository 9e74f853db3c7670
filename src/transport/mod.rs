//! MTProto transports: the framings that carry MTProto packets over a byte stream, and the
//! obfuscation layer underneath them.
//!
//! Spec: <https://core.telegram.org/mtproto/mtproto-transports>,
//! <https://core.telegram.org/mtproto/transports>.
//!
//! - [`Framing::Abridged`] (`abridged.rs`), [`Framing::Intermediate`] and
//!   [`Framing::PaddedIntermediate`] (`intermediate.rs`), [`Framing::Full`] (`full.rs`).
//! - Obfuscation (`obfuscated.rs`): the 64-byte header, the two AES-256-CTR streams and
//!   MTProxy secrets.
//! - [`TransportCodec`] (`codec.rs`) composes one framing with optional obfuscation, for the
//!   client ([`TransportCodec::new`]) and for the server ([`TransportCodec::accept`]).
//!
//! Sans-IO: the codec never reads a socket, a clock or a global RNG. Bytes come in through
//! [`TransportCodec::feed`], frames come out of [`TransportCodec::poll`]; randomness (header,
//! padding) is passed in as a [`RandomSource`](crate::crypto::RandomSource).
// Reads network bytes: no indexing that can panic, no arithmetic that can overflow
// (docs/limits.md, "Panics and arithmetic").
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

mod abridged;
mod codec;
mod config;
mod full;
mod intermediate;
mod obfuscated;

pub use codec::TransportCodec;
pub(crate) use config::parse_secret;
pub use config::{AcceptConfig, TransportConfig};

use crate::crypto::CryptoError;
use core::fmt;

/// The default limit on the payload length a peer may announce: 16 MiB.
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// The MTProto framing used on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// Tag `0xef`, length/4 in one byte (or `0x7f` + 3 bytes).
    Abridged,
    /// Tag `0xeeeeeeee`, 4-byte little-endian length.
    Intermediate,
    /// Tag `0xdddddddd`, 4-byte length, 0..15 random padding bytes after the payload.
    PaddedIntermediate,
    /// No tag: length, sequence number, payload, CRC32.
    Full,
}

impl Framing {
    /// The 4-byte protocol identifier placed at offset 56 of the obfuscation header
    /// (`None` for the full transport, which has no tag).
    pub fn tag(self) -> Option<[u8; 4]> {
        match self {
            Self::Abridged => Some([0xef; 4]),
            Self::Intermediate => Some([0xee; 4]),
            Self::PaddedIntermediate => Some([0xdd; 4]),
            Self::Full => None,
        }
    }

    /// The framing a 4-byte protocol identifier names.
    pub fn from_tag(tag: [u8; 4]) -> Option<Self> {
        match tag {
            [0xef, 0xef, 0xef, 0xef] => Some(Self::Abridged),
            [0xee, 0xee, 0xee, 0xee] => Some(Self::Intermediate),
            [0xdd, 0xdd, 0xdd, 0xdd] => Some(Self::PaddedIntermediate),
            _ => None,
        }
    }

    /// Whether the framing can carry quick-ack requests and answers (all but full).
    pub fn supports_quick_ack(self) -> bool {
        !matches!(self, Self::Full)
    }
}

/// Which end of the connection a codec speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the tag/header, may request quick acks, receives quick acks and server errors.
    Client,
    /// Reads the client's tag/header, sees quick-ack requests, sends quick acks.
    Server,
}

/// One item decoded from the byte stream by [`TransportCodec::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A complete MTProto packet.
    Frame {
        /// The packet. For padded intermediate, the `len % 4` trailing padding bytes are
        /// removed; up to 12 aligned padding bytes may remain (see `intermediate.rs`).
        payload: Vec<u8>,
        /// The client asked for a quick ack of this packet (server side only; always
        /// `false` on the client side).
        quick_ack: bool,
    },
    /// A quick-ack token from the server (client side only), with its top bit set, as
    /// the client computed it: the first 4 bytes of the msg_key SHA-256, little-endian,
    /// `| 0x8000_0000`.
    QuickAck(u32),
}

/// Everything that can go wrong in the transport layer.
///
/// Errors returned by [`TransportCodec::poll`]/[`TransportCodec::feed`]/[`TransportCodec::unpack`]
/// are fatal: the codec is closed afterwards (later calls return [`TransportError::Closed`])
/// and the connection must be dropped. Errors returned by `pack` (bad payload, randomness)
/// leave the codec usable; see [`TransportError::is_fatal`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// A frame's length exceeds the limit (announced by the peer, or given to `pack`).
    FrameTooLarge {
        /// The payload length announced or given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The server sent a transport error code instead of a packet: a negative 32-bit
    /// value (-404 auth key not found, -429 transport flood, -444 invalid DC, ...).
    ServerError(i32),
    /// Full transport: the CRC32 of a frame is wrong.
    BadCrc {
        /// The CRC computed over length, seq and payload.
        expected: u32,
        /// The CRC the frame carried.
        got: u32,
    },
    /// Full transport: the frame's sequence number is not the next one.
    BadSeq {
        /// The sequence number due.
        expected: u32,
        /// The one received.
        got: u32,
    },
    /// A length field is invalid for the framing (not a multiple of 4, too short...).
    BadLength {
        /// The length found.
        len: usize,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// `pack` was given a payload whose length is not a multiple of 4.
    PayloadNotAligned(usize),
    /// Server side: the client's first bytes name no supported transport.
    BadHeader(&'static str),
    /// An MTProxy secret is not 16 bytes or 0xdd followed by 16 bytes.
    BadSecret(&'static str),
    /// The configuration is inconsistent (e.g. obfuscated full transport, bad DC id).
    BadConfig(&'static str),
    /// The random source failed.
    Random(CryptoError),
    /// A fatal error happened earlier: the codec accepts no more input.
    Closed,
}

impl TransportError {
    /// The name of a known server transport error code.
    pub fn server_error_name(code: i32) -> Option<&'static str> {
        match code {
            -403 => Some("forbidden"),
            -404 => Some("auth key not found"),
            -429 => Some("transport flood"),
            -444 => Some("invalid DC"),
            _ => None,
        }
    }

    /// What the caller does next: `true` means drop the connection (every error that
    /// `feed`/`poll`/`unpack` return closes the codec, and [`TransportError::Closed`]).
    /// `false` marks errors that only come from `pack*`/`new`/`accept` arguments: fix the
    /// call; a codec that returned them is still usable. (`FrameTooLarge` from `pack` is
    /// reported `true` but leaves the codec usable too: `pack` never closes it.)
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            Self::PayloadNotAligned(_) | Self::Random(_) | Self::BadConfig(_) | Self::BadSecret(_)
        )
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FrameTooLarge { len, max } => {
                write!(f, "frame of {len} bytes exceeds the limit of {max} bytes")
            }
            Self::ServerError(code) => match Self::server_error_name(*code) {
                Some(name) => write!(f, "server transport error {code} ({name})"),
                None => write!(f, "server transport error {code}"),
            },
            Self::BadCrc { expected, got } => {
                write!(f, "bad CRC32: expected {expected:#010x}, got {got:#010x}")
            }
            Self::BadSeq { expected, got } => {
                write!(
                    f,
                    "bad transport sequence number: expected {expected}, got {got}"
                )
            }
            Self::BadLength { len, reason } => write!(f, "bad frame length {len}: {reason}"),
            Self::PayloadNotAligned(len) => {
                write!(f, "payload length {len} is not a multiple of 4")
            }
            Self::BadHeader(why) => write!(f, "bad transport header: {why}"),
            Self::BadSecret(why) => write!(f, "bad MTProxy secret: {why}"),
            Self::BadConfig(why) => write!(f, "bad transport configuration: {why}"),
            Self::Random(e) => write!(f, "randomness unavailable: {e}"),
            Self::Closed => f.write_str("the transport is closed after an earlier error"),
        }
    }
}

impl std::error::Error for TransportError {}

impl From<CryptoError> for TransportError {
    fn from(e: CryptoError) -> Self {
        Self::Random(e)
    }
}

/// Reads a little-endian u32 at `at`, if the bytes are there.
pub(crate) fn read_u32_le(buf: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = buf.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// The outcome of decoding at the front of the receive buffer.
#[derive(Debug)]
pub(crate) enum Decoded {
    /// Not enough bytes yet.
    NeedMore,
    /// An item, and how many buffered bytes it used.
    Item(Incoming, usize),
}

/// On the client side, a short packet carrying a negative int is a server error.
pub(crate) fn check_server_error(role: Role, payload: &[u8]) -> Result<(), TransportError> {
    if role == Role::Client && payload.len() == 4 {
        if let Some(v) = read_u32_le(payload, 0) {
            let code = v as i32;
            if code < 0 {
                return Err(TransportError::ServerError(code));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_known_codes() {
        assert_eq!(
            TransportError::ServerError(-404).to_string(),
            "server transport error -404 (auth key not found)"
        );
        assert_eq!(
            TransportError::ServerError(-1).to_string(),
            "server transport error -1"
        );
        assert!(TransportError::Closed.is_fatal());
        assert!(!TransportError::PayloadNotAligned(3).is_fatal());
    }
}
