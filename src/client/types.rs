//! The configuration, request ids, events and errors of [`ClientCore`](super::ClientCore).

use super::AppInfo;
use crate::crypto::RsaPublicKey;
use crate::transport::Framing;

/// Settings of a [`ClientCore`](super::ClientCore).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The DC number (negative for media DCs).
    pub dc_id: i32,
    /// Test DCs.
    pub test_mode: bool,
    /// The framing under the (always on) obfuscation.
    pub framing: Framing,
    /// Server keys trusted besides the built-in ones.
    pub rsa_keys: Vec<RsaPublicKey>,
    /// What `initConnection` sends.
    pub app: AppInfo,
    /// Keep-alive interval (ms, 0: none); see [`SessionConfig::ping_interval_ms`](crate::session::SessionConfig::ping_interval_ms).
    pub ping_interval_ms: u64,
    /// Fetch future salts ahead; see [`SessionConfig::fetch_future_salts`](crate::session::SessionConfig::fetch_future_salts).
    pub fetch_future_salts: bool,
    /// Perfect forward secrecy: run the session over a temporary key bound to the
    /// permanent one, renewed before it expires (see [`pfs`](super::pfs)). Default on.
    pub pfs: bool,
    /// The lifetime asked for each temporary key, in seconds (at least
    /// [`MIN_TEMP_KEY_TTL_S`](super::pfs::MIN_TEMP_KEY_TTL_S); default one day).
    pub temp_key_ttl_s: i32,
}

impl ClientConfig {
    /// Intermediate framing, keep-alive every 60 s, future salts on.
    pub fn new(dc_id: i32, app: AppInfo) -> Self {
        Self {
            dc_id,
            test_mode: false,
            framing: Framing::Intermediate,
            rsa_keys: Vec::new(),
            app,
            ping_interval_ms: 60_000,
            fetch_future_salts: true,
            pfs: true,
            temp_key_ttl_s: super::pfs::DEFAULT_TEMP_KEY_TTL_S,
        }
    }
}

/// The caller's handle on a request, stable across resends and reconnects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// What a [`ClientCore`](super::ClientCore) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The connection carries encrypted traffic (after a handshake, or at once with a key).
    Connected {
        /// The key's id.
        auth_key_id: u64,
        /// Whether a handshake just made the key.
        new_key: bool,
    },
    /// A request's answer (TL bytes; a pong for an invoked `ping`).
    Result {
        /// The request.
        request: RequestId,
        /// Boxed TL of the result.
        body: Vec<u8>,
    },
    /// A request's `rpc_error`.
    RpcError {
        /// The request.
        request: RequestId,
        /// error_code.
        code: i32,
        /// error_message.
        message: String,
    },
    /// A request ended without an answer (cancelled, too many resends, bad body).
    RequestFailed {
        /// The request.
        request: RequestId,
        /// Why.
        reason: String,
    },
    /// A server-initiated message (the `Updates` family), TL bytes.
    Update(Vec<u8>),
    /// The connection is unusable (transport error, failed handshake, keep-alive timeout):
    /// close the transport, call [`ClientCore::on_transport_closed`](super::ClientCore::on_transport_closed) and reconnect.
    Disconnect {
        /// What happened.
        reason: String,
    },
    /// The session was renewed: the server created a new one (new_session_created) or we
    /// started one (bad_msg_notification 32/33, clock correction). Updates may have been
    /// missed: the app may call updates.getDifference.
    SessionReset {
        /// Whether the server announced it (new_session_created) rather than we.
        by_server: bool,
    },
    /// PFS: a temporary key was bound to the permanent key (after each connect that made
    /// one, and after each renewal).
    TempKeyBound {
        /// The temporary key's id.
        temp_auth_key_id: u64,
        /// When it expires (unix seconds, server clock).
        expires_at: i64,
    },
    /// An incoming packet was dropped; the connection keeps working.
    ProtocolError {
        /// What was wrong.
        message: String,
    },
    /// The client gave up: the server refused auth.bindTempAuthKey
    /// [`MAX_BIND_REFUSALS`](super::pfs::MAX_BIND_REFUSALS) times in a row (backing off
    /// between tries). Every request failed before this with the same error
    /// ([`ClientEvent::RpcError`]); close the transport and do not reconnect on your own.
    /// A later [`ClientCore::connect`](super::ClientCore::connect) tries again, after the
    /// current back-off.
    Fatal {
        /// The server's error_code (0 when the answer was not an rpc_error).
        code: i32,
        /// The server's error_message.
        message: String,
    },
}

/// Why a [`ClientCore`](super::ClientCore) call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError(pub String);

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClientError {}

pub(super) fn err(e: impl core::fmt::Display) -> ClientError {
    ClientError(e.to_string())
}
