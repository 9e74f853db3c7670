//! [`SessionConfig`]: the settings of a [`super::Session`].

use super::incoming;
use super::outgoing::{MAX_CONTAINER_BYTES, MAX_CONTAINER_MESSAGES};
use crate::crypto::AuthKey;

/// Settings of a [`super::Session`]. Times are in milliseconds.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The auth key.
    pub auth_key: AuthKey,
    /// The current server salt.
    pub server_salt: u64,
    /// The session id; a random one when `None`.
    pub session_id: Option<u64>,
    /// Server time minus local time, when known (from the handshake or a saved state):
    /// the msg_id window is only enforced once the time is known.
    pub time_offset_ms: Option<i64>,
    /// Keep-alive interval: a `ping_delay_disconnect` after this long; 0 disables it.
    pub ping_interval_ms: u64,
    /// How long to wait for the keep-alive pong before reporting
    /// [`super::SessionEvent::KeepAliveTimeout`]. The server is told to close the connection
    /// `ping_interval + pong_timeout` after the ping.
    pub pong_timeout_ms: u64,
    /// Acks wait at most this long for a message to ride on.
    pub ack_delay_ms: u64,
    /// Most messages in one container (the spec allows 1020).
    pub max_container_messages: usize,
    /// Most bytes of messages in one container.
    pub max_container_bytes: usize,
    /// Request bodies at least this long are sent as `gzip_packed` when that is smaller;
    /// 0 disables compression.
    pub gzip_threshold: usize,
    /// Largest random padding (12..=1024).
    pub max_padding: usize,
    /// How many recent server msg_ids to remember.
    pub recent_ids: usize,
    /// Fetch future salts ahead and switch to them on time.
    pub fetch_future_salts: bool,
    /// Trim 1..15 bytes after the encrypted packet (padded intermediate transport) instead of
    /// treating them as an unaligned packet.
    pub trim_transport_padding: bool,
    /// A request the server made us resend this many times (bad_msg_notification,
    /// bad_server_salt, msg_resend_req, ...) fails ([`super::FailureReason::TooManyResends`]).
    /// Resends after a reconnect do not count.
    pub max_sends: u32,
}

impl SessionConfig {
    /// Defaults: keep-alive every 60 s with 15 s to answer, acks within 500 ms, containers
    /// up to 1020 messages / ~1 MiB, gzip from 512 bytes, padding up to 256 bytes,
    /// 4096 recent ids, future salts on, strict packet length, 10 sends per request.
    pub fn new(auth_key: AuthKey, server_salt: u64) -> Self {
        Self {
            auth_key,
            server_salt,
            session_id: None,
            time_offset_ms: None,
            ping_interval_ms: 60_000,
            pong_timeout_ms: 15_000,
            ack_delay_ms: 500,
            max_container_messages: MAX_CONTAINER_MESSAGES,
            max_container_bytes: MAX_CONTAINER_BYTES,
            gzip_threshold: 512,
            max_padding: 256,
            recent_ids: incoming::DEFAULT_RECENT_IDS,
            fetch_future_salts: true,
            trim_transport_padding: false,
            max_sends: 10,
        }
    }
}
