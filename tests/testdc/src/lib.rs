//! mtproto-testdc: a local Telegram data center for tests and the demo.
//!
//! One listener on 127.0.0.1 serves everything (see [`server`] for how a connection is
//! sorted): HTTP for the demo page (`www/` at `/`, the built `pkg/` at `/pkg/`,
//! `GET /rsa.pem`, `GET /info`), WebSocket at `/apiws` and `/apiws_test` (subprotocol
//! `binary`), and raw MTProto over TCP. Every MTProto byte stream goes to a
//! [`ConnectionHandler`] made by the [`Dc`]'s [`HandlerFactory`]: that is the seam where the
//! protocol (the core's transports, handshake and sessions, server side) plugs in.
//!
//! Native only: tokio is used here, never in the wasm core.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod encoding;
pub mod faults;
pub mod handler;
pub mod http;
pub mod mtproto;
pub mod rsa;
pub mod server;
pub mod ws;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};

pub use handler::{
    ConnId, ConnInfo, ConnectionHandler, EchoFactory, EchoHandler, HandlerError, HandlerFactory,
    MtprotoFactory, TransportKind,
};
pub use rsa::RsaKeyPair;
pub use server::{ServerHandle, start};

/// Every bound that keeps a hostile or broken client from hurting the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open sockets at once (HTTP, WebSocket and TCP together); more are closed at accept.
    pub max_connections: usize,
    /// The largest WebSocket message (all fragments); a larger one closes with 1009. The
    /// MTProto handler should refuse transport packets above it too.
    pub max_message: usize,
    /// Bytes queued for a connection that its client has not read yet; past this the
    /// connection is dropped (a slow or stalled reader).
    pub max_outbox_bytes: usize,
    /// Payloads queued by [`Dc::push`] and not yet handled; past this the connection is
    /// dropped.
    pub push_queue: usize,
    /// The largest HTTP request head (request line and headers); past it: 431 and close.
    pub max_http_head: usize,
    /// Time for a new connection to show what it is (first bytes, and a whole HTTP request
    /// head); a connection that sends nothing is closed after it.
    pub first_byte_timeout: Duration,
    /// An MTProto connection that has sent nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Bytes read from a socket at a time.
    pub read_chunk: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_message: 16 * 1024 * 1024 + 64,
            max_outbox_bytes: 32 * 1024 * 1024,
            push_queue: 1024,
            max_http_head: 8 * 1024,
            first_byte_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            read_chunk: 64 * 1024,
        }
    }
}

/// How to run the DC.
#[derive(Debug, Clone)]
pub struct Config {
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The DC id this server plays (2 by default).
    pub dc_id: i32,
    /// The demo page's folder, served at `/`.
    pub www: PathBuf,
    /// The built wasm package, served at `/pkg/`.
    pub pkg: PathBuf,
    /// The limits.
    pub limits: Limits,
    /// Log connection errors to stderr.
    pub verbose: bool,
}

impl Config {
    /// Defaults for tests: a free port, DC 2, folders under the workspace root, quiet.
    pub fn for_tests() -> Self {
        let root = workspace_root();
        Self {
            port: 0,
            dc_id: 2,
            www: root.join("www"),
            pkg: root.join("pkg"),
            limits: Limits::default(),
            verbose: false,
        }
    }
}

/// The workspace root (two levels above this crate's manifest, fixed at compile time).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Why [`Dc::push`] did not queue a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// No open connection has this id.
    NotConnected,
    /// The connection's push queue is full: it is being dropped.
    QueueFull,
}

struct ConnEntry {
    transport: TransportKind,
    push: mpsc::Sender<Vec<u8>>,
    kill: Arc<Notify>,
}

/// The shared state of the DC: its identity, key, limits, the handler factory and the
/// registry of open MTProto connections (for pushing to them).
pub struct Dc {
    dc_id: i32,
    addr: SocketAddr,
    rsa: RsaKeyPair,
    fingerprint: u64,
    public_pem: String,
    factory: Arc<dyn HandlerFactory>,
    config: Config,
    next_id: AtomicU64,
    conns: Mutex<HashMap<ConnId, ConnEntry>>,
    active: watch::Sender<usize>,
}

impl std::fmt::Debug for Dc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dc")
            .field("dc_id", &self.dc_id)
            .field("addr", &self.addr)
            .field("fingerprint", &format_args!("{:#018x}", self.fingerprint))
            .finish_non_exhaustive()
    }
}

impl Dc {
    fn new(
        config: Config,
        addr: SocketAddr,
        rsa: RsaKeyPair,
        factory: Arc<dyn HandlerFactory>,
    ) -> Self {
        Self {
            dc_id: config.dc_id,
            addr,
            fingerprint: rsa.fingerprint(),
            public_pem: rsa.public_pem(),
            rsa,
            factory,
            config,
            next_id: AtomicU64::new(1),
            conns: Mutex::new(HashMap::new()),
            active: watch::channel(0).0,
        }
    }

    /// The DC id.
    pub fn dc_id(&self) -> i32 {
        self.dc_id
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's RSA key pair (the handshake decrypts `req_DH_params` with it).
    pub fn rsa(&self) -> &RsaKeyPair {
        &self.rsa
    }

    /// The MTProto fingerprint of the public key.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The PEM served at `/rsa.pem`.
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    /// The configuration the server started with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The JSON served at `/info`.
    pub fn info_json(&self) -> String {
        serde_json::json!({
            "dc": self.dc_id,
            "port": self.addr.port(),
            "rsa_fingerprint": format!("{:#018x}", self.fingerprint),
            "websocket_paths": ["/apiws", "/apiws_test"],
            "websocket_protocol": "binary",
        })
        .to_string()
    }

    fn conns(&self) -> MutexGuard<'_, HashMap<ConnId, ConnEntry>> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts
        // and removes), so a poisoned lock is still usable.
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `payload` for connection `id`; its handler's
    /// [`on_push`](ConnectionHandler::on_push) turns it into bytes. A full queue drops the
    /// connection (its client is not keeping up).
    pub fn push(&self, id: ConnId, payload: Vec<u8>) -> Result<(), PushError> {
        let conns = self.conns();
        let entry = conns.get(&id).ok_or(PushError::NotConnected)?;
        match entry.push.try_send(payload) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                entry.kill.notify_one();
                Err(PushError::QueueFull)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(PushError::NotConnected),
        }
    }

    /// Closes connection `id` (if open). Returns whether it was open.
    pub fn close(&self, id: ConnId) -> bool {
        self.conns().get(&id).map(|e| e.kill.notify_one()).is_some()
    }

    /// The open MTProto connections (TCP and WebSocket), by id.
    pub fn connections(&self) -> Vec<(ConnId, TransportKind)> {
        let mut v: Vec<_> = self
            .conns()
            .iter()
            .map(|(id, e)| (*id, e.transport))
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v
    }

    /// Open sockets of any kind right now.
    pub fn active_sockets(&self) -> usize {
        *self.active.borrow()
    }

    /// Watches the number of open sockets (for tests and monitoring).
    pub fn watch_active_sockets(&self) -> watch::Receiver<usize> {
        self.active.subscribe()
    }

    fn log(&self, args: std::fmt::Arguments<'_>) {
        if self.config.verbose {
            eprintln!("testdc: {args}");
        }
    }
}
