//! What a [`super::Session`] reports: events, counters and the state to save.

use std::collections::BTreeMap;

use super::error::SessionError;
use super::pending::RequestId;

/// Why a request failed without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// The caller cancelled it (`rpc_drop_answer` was sent if it was in flight).
    Cancelled,
    /// It was sent [`super::SessionConfig::max_sends`] times without being accepted.
    TooManyResends,
}

/// What the session reports to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The answer to a request (gzip_packed already inflated).
    RpcResult {
        /// The request.
        request: RequestId,
        /// The TL bytes of the result.
        body: Vec<u8>,
    },
    /// The request failed on the server (`rpc_error`).
    RpcError {
        /// The request.
        request: RequestId,
        /// `error_code`.
        code: i32,
        /// `error_message`.
        message: String,
    },
    /// The request ended without an answer.
    RequestFailed {
        /// The request.
        request: RequestId,
        /// Why.
        reason: FailureReason,
    },
    /// A message that is neither a service message nor an rpc_result (the `Updates` family).
    Update {
        /// Its TL bytes (gzip_packed already inflated).
        body: Vec<u8>,
    },
    /// The server created a new session: updates may have been missed (the app may call
    /// `updates.getDifference`).
    NewSessionCreated {
        /// The first msg_id of ours the new session covers.
        first_msg_id: i64,
        /// The server's unique id of the session.
        unique_id: i64,
        /// The new server salt (already in use).
        server_salt: u64,
    },
    /// We started a new session ourselves (bad_msg_notification 32/33, or a clock
    /// correction that would have made msg_ids go down); requests in flight are resent.
    SessionReset {
        /// The new session id.
        session_id: u64,
    },
    /// The clock offset was corrected from a server msg_id (bad_msg_notification 16/17).
    TimeCorrected {
        /// The new offset, server minus local, in ms.
        offset_ms: i64,
    },
    /// A pong arrived for one of our pings.
    Pong {
        /// The ping_id.
        ping_id: i64,
    },
    /// The keep-alive pong did not arrive in time: re-establish the connection.
    KeepAliveTimeout,
    /// `destroy_session_ok` / `destroy_session_none`.
    DestroySession {
        /// The session id.
        session_id: u64,
        /// `true` for destroy_session_ok.
        destroyed: bool,
    },
    /// An incoming packet or message failed a check and was dropped (and counted).
    ProtocolError {
        /// The check that failed.
        error: SessionError,
    },
}

/// Counters, for diagnostics.
#[derive(Debug, Clone, Default)]
pub struct SessionStats {
    /// Packets that passed every check.
    pub packets_accepted: u64,
    /// Packets or inner messages dropped, by [`SessionError::kind`].
    pub dropped: BTreeMap<&'static str, u64>,
    /// Messages sent again under a new msg_id.
    pub resent: u64,
    /// bad_msg_notification / bad_server_salt received, by error code.
    pub bad_msg: BTreeMap<i32, u64>,
    /// Packets sent.
    pub packets_sent: u64,
}

impl SessionStats {
    /// Total dropped.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }
}

/// The state to save and restore a session: [`super::Session::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    /// The current server salt.
    pub server_salt: u64,
    /// Server time minus local time, ms (`None` until known).
    pub time_offset_ms: Option<i64>,
    /// The session id.
    pub session_id: u64,
}
