//! The seam between the network plumbing and the protocol.
//!
//! Every MTProto connection, raw TCP or WebSocket, is one duplex byte stream (WebSocket
//! message boundaries carry no meaning: "frames are not aligned to WebSocket messages").
//! The server creates one [`ConnectionHandler`] per connection through the
//! [`HandlerFactory`] held by the shared [`Dc`](crate::Dc), and drives it with the same
//! shape as the core's state machines:
//!
//! 1. [`ConnectionHandler::on_bytes`] with every chunk the client sent, in order;
//! 2. [`ConnectionHandler::on_push`] with every payload another part of the server queued
//!    for this connection with [`Dc::push`](crate::Dc::push) (an update for a user's session);
//! 3. [`ConnectionHandler::on_timeout`] once the instant of
//!    [`ConnectionHandler::poll_timeout`] has passed;
//! 4. [`ConnectionHandler::on_close`] once, when the connection ends for any reason.
//!
//! Each call returns the byte chunks to send, in order (for WebSocket each chunk becomes one
//! binary message). An `Err` closes this connection only, after sending
//! [`HandlerError::farewell`] if any (e.g. a transport error code such as -404).
//!
//! The MTProto handler plugs in as a [`HandlerFactory`] whose factory owns the DC's
//! protocol state (auth keys, sessions, users) behind an `Arc`, and whose handlers own a
//! connection's transport framer, obfuscation and session state. See [`crate::mtproto`].

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use crate::Dc;

/// A connection's id, unique for the server's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How the client reached the DC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Raw TCP: the MTProto transport bytes follow directly.
    Tcp,
    /// WebSocket at `/apiws` (`test: false`) or `/apiws_test` (`test: true`).
    WebSocket {
        /// The client asked for the test-DC path.
        test: bool,
    },
}

/// What the handler knows about its connection when it is created.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// The connection's id (the key for [`Dc::push`](crate::Dc::push)).
    pub id: ConnId,
    /// The client's address.
    pub peer: SocketAddr,
    /// TCP or WebSocket.
    pub transport: TransportKind,
}

/// A per-connection failure: the server sends `farewell` (if any) and closes this connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    /// Why, for the log.
    pub reason: String,
    /// Bytes to send before closing (already framed/encrypted by the handler).
    pub farewell: Option<Vec<u8>>,
}

impl HandlerError {
    /// An error that closes the connection without a last message.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            farewell: None,
        }
    }

    /// An error that sends `bytes` and then closes the connection.
    pub fn with_farewell(reason: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            reason: reason.into(),
            farewell: Some(bytes),
        }
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for HandlerError {}

/// Bytes to send, in order. For WebSocket each element becomes one binary message.
pub type Output = Vec<Vec<u8>>;

/// The protocol side of one connection. See the [module docs](self) for the call order.
pub trait ConnectionHandler: Send + 'static {
    /// Bytes the client sent (any split: a chunk may hold part of a packet or several).
    fn on_bytes(&mut self, bytes: &[u8], now: Instant) -> Result<Output, HandlerError>;

    /// A payload queued for this connection by [`Dc::push`](crate::Dc::push). The default
    /// sends it as is; the MTProto handler wraps it in an encrypted message.
    fn on_push(&mut self, payload: Vec<u8>, now: Instant) -> Result<Output, HandlerError> {
        let _ = now;
        Ok(vec![payload])
    }

    /// The next instant at which [`ConnectionHandler::on_timeout`] must be called, if any.
    #[must_use]
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// Called once `now` has reached [`ConnectionHandler::poll_timeout`]; a spurious call
    /// must do nothing.
    fn on_timeout(&mut self, now: Instant) -> Result<Output, HandlerError> {
        let _ = now;
        Ok(Vec::new())
    }

    /// The connection ended (client closed, error, limit, shutdown). Called once.
    fn on_close(&mut self) {}
}

/// Makes a handler for each new connection. Owned by the [`Dc`]; the DC-wide protocol
/// state lives in the factory.
pub trait HandlerFactory: Send + Sync + 'static {
    /// A handler for a new connection. `dc` lets the handler push to other connections.
    fn create(&self, info: &ConnInfo, dc: &Arc<Dc>) -> Box<dyn ConnectionHandler>;

    /// Sets a fault switch (`GET /__faults/NAME/VALUE`, `--fault NAME=VALUE`): the switches
    /// as JSON, or why not. See [`crate::faults`].
    fn control(&self, dc: &Dc, name: &str, value: &str) -> Result<String, String> {
        let _ = (dc, name, value);
        Err("this handler has no fault switches".into())
    }
}

/// Echoes every byte back: the handler of the network tests.
#[derive(Debug, Default)]
pub struct EchoHandler;

impl ConnectionHandler for EchoHandler {
    fn on_bytes(&mut self, bytes: &[u8], _now: Instant) -> Result<Output, HandlerError> {
        Ok(vec![bytes.to_vec()])
    }
}

/// Makes [`EchoHandler`]s.
#[derive(Debug, Default)]
pub struct EchoFactory;

impl HandlerFactory for EchoFactory {
    fn create(&self, _info: &ConnInfo, _dc: &Arc<Dc>) -> Box<dyn ConnectionHandler> {
        Box::new(EchoHandler)
    }
}

pub use crate::mtproto::{MtprotoFactory, MtprotoHandler};
