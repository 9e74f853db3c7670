//! [`ClientCore`]: transport + handshake + session in one sans-IO state machine, the core
//! of the JavaScript `Client`. See `docs/client.md`.
//!
//! Call order (time is ms since the Unix epoch, never going backwards):
//! 1. the transport is open: [`ClientCore::connect`];
//! 2. bytes arrive: [`ClientCore::handle_bytes`]; the deadline of
//!    [`ClientCore::poll_timeout`] passes: [`ClientCore::handle_timeout`]; the app calls
//!    [`ClientCore::invoke`] at any time (queued while there is no key or no connection);
//! 3. send every [`ClientCore::poll_transmit`] (already framed and obfuscated), re-arm the
//!    timer from [`ClientCore::poll_timeout`], drain [`ClientCore::poll_event`];
//! 4. the transport closed: [`ClientCore::on_transport_closed`], then reconnect and
//!    [`ClientCore::connect`] again (same key, same session: unanswered requests are resent).
//!    [`ClientEvent::Disconnect`] asks the caller to close the transport itself.

mod blob;
mod init;
pub mod server;
mod types;

pub use blob::{BLOB_LEN, BlobError, SavedSession};
pub use init::{AppInfo, flood_wait_seconds, migrate_dc};
pub use types::{ClientConfig, ClientError, ClientEvent, RequestId};

use init::is_service_function;
use types::err;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::auth::{HandshakeConfig, HandshakeMachine};
use crate::crypto::{AuthKey, CryptoError, RandomSource};
use crate::session::{self, InvokeOptions, Session, SessionConfig, SessionError, SessionEvent};
use crate::transport::{Framing, Incoming, TransportCodec, TransportConfig, TransportError};

/// A handshake that has not finished after this long is abandoned (the connection is
/// dropped with [`ClientEvent::Disconnect`]).
pub const HANDSHAKE_TIMEOUT_MS: u64 = 30_000;

/// One random source shared by the handshake, the transport and the session.
#[derive(Clone)]
struct SharedRandom(Arc<Mutex<Box<dyn RandomSource + Send>>>);

impl RandomSource for SharedRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        let mut rng = self.0.lock().map_err(|_| CryptoError::RandomUnavailable)?;
        rng.fill(buf)
    }
}

/// The key and what the session needs to continue after a restart.
#[derive(Debug, Clone)]
struct Key {
    auth_key: AuthKey,
    salt: u64,
    time_offset_ms: Option<i64>,
}

/// The client: see the module docs for the call order.
pub struct ClientCore {
    config: ClientConfig,
    rng: SharedRandom,
    codec: Option<TransportCodec>,
    handshake: Option<(HandshakeMachine, u64)>,
    key: Option<Key>,
    session: Option<Session>,
    /// Requests made before a session existed, in order.
    waiting: Vec<(RequestId, Vec<u8>)>,
    /// Session request ids to ours.
    ids: HashMap<session::RequestId, RequestId>,
    /// The body of every request in a session, until it resolves (to submit it again in a
    /// new session when the key is lost).
    bodies: HashMap<RequestId, Vec<u8>>,
    next_id: u64,
    /// Whether the next request of the session still needs the initConnection wrapper.
    needs_init: bool,
    out: VecDeque<Vec<u8>>,
    events: VecDeque<ClientEvent>,
    now: u64,
}

impl core::fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientCore")
            .field("dc_id", &self.config.dc_id)
            .field("auth_key_id", &self.auth_key_id())
            .field("connected", &self.codec.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientCore {
    /// A client with no key yet (the first [`ClientCore::connect`] runs the handshake).
    /// `rng`: [`crate::crypto::OsRandom`] in production.
    pub fn new(config: ClientConfig, rng: Box<dyn RandomSource + Send>) -> Self {
        Self {
            config,
            rng: SharedRandom(Arc::new(Mutex::new(rng))),
            codec: None,
            handshake: None,
            key: None,
            session: None,
            waiting: Vec::new(),
            ids: HashMap::new(),
            bodies: HashMap::new(),
            next_id: 0,
            needs_init: true,
            out: VecDeque::new(),
            events: VecDeque::new(),
            now: 0,
        }
    }

    /// A client reusing the key of an [`ClientCore::export_session`] blob (no handshake).
    /// The blob's DC and test flag replace the config's.
    pub fn from_session(
        mut config: ClientConfig,
        blob: &[u8],
        rng: Box<dyn RandomSource + Send>,
    ) -> Result<Self, ClientError> {
        let saved = SavedSession::from_bytes(blob).map_err(err)?;
        config.dc_id = saved.dc_id;
        config.test_mode = saved.test_mode;
        let mut c = Self::new(config, rng);
        c.key = Some(Key {
            auth_key: saved.auth_key,
            salt: saved.server_salt,
            time_offset_ms: saved.time_offset_ms,
        });
        Ok(c)
    }

    /// The DC number.
    pub fn dc_id(&self) -> i32 {
        self.config.dc_id
    }

    /// The auth key id, 0 before a key exists.
    pub fn auth_key_id(&self) -> u64 {
        self.key.as_ref().map_or(0, |k| k.auth_key.id())
    }

    /// Whether a transport connection is open (between `connect` and `on_transport_closed`).
    pub fn is_connected(&self) -> bool {
        self.codec.is_some()
    }

    /// Whether encrypted traffic flows (connected, key ready).
    pub fn is_ready(&self) -> bool {
        self.codec.is_some() && self.handshake.is_none() && self.session.is_some()
    }

    /// The transport is open: queues the obfuscation header and the first handshake packet,
    /// or (with a key) whatever the session has to send.
    pub fn connect(&mut self, now: u64) -> Result<(), ClientError> {
        self.advance(now);
        let dc = u16::try_from(self.config.dc_id.unsigned_abs()).map_err(err)?;
        let wire_dc =
            TransportConfig::encode_dc_id(dc, self.config.test_mode, self.config.dc_id < 0)
                .map_err(err)?;
        let tc = TransportConfig::obfuscated(self.config.framing, wire_dc);
        let codec = TransportCodec::new(&tc, &mut self.rng).map_err(err)?;
        self.out.clear();
        self.out.push_back(codec.header());
        self.codec = Some(codec);
        self.handshake = None;
        if self.key.is_none() {
            let mut hc = HandshakeConfig::new(self.config.dc_id);
            hc.test_mode = self.config.test_mode;
            hc.rsa_keys.extend(self.config.rsa_keys.iter().cloned());
            let (machine, packet) =
                HandshakeMachine::start(hc, &mut self.rng, self.now).map_err(err)?;
            self.handshake = Some((machine, self.now.saturating_add(HANDSHAKE_TIMEOUT_MS)));
            self.send_frame(&packet);
            return Ok(());
        }
        self.start_session(false)
    }

    /// The transport closed (or was closed after [`ClientEvent::Disconnect`]). The key,
    /// the session and every unresolved request are kept for the next `connect`.
    pub fn on_transport_closed(&mut self, now: u64) {
        self.advance(now);
        self.codec = None;
        self.handshake = None;
        self.out.clear();
    }

    /// Bytes from the transport: any chunking (frames split or coalesced).
    pub fn handle_bytes(&mut self, now: u64, chunk: &[u8]) {
        self.advance(now);
        let Some(codec) = self.codec.as_mut() else {
            return;
        };
        let items = match codec.unpack(chunk) {
            Ok(items) => items,
            // "-404: the auth key is not known to the server" (or no longer): it is useless;
            // the next connection makes a new one.
            Err(TransportError::ServerError(-404)) if self.handshake.is_none() => {
                self.key = None;
                // The session dies with the key: its unfinished requests go to the next one.
                let mut again: Vec<RequestId> = self.ids.drain().map(|(_, id)| id).collect();
                again.sort();
                let mut requeue: Vec<(RequestId, Vec<u8>)> = again
                    .into_iter()
                    .filter_map(|id| self.bodies.remove(&id).map(|b| (id, b)))
                    .collect();
                requeue.append(&mut self.waiting);
                self.waiting = requeue;
                self.session = None;
                return self.disconnect(
                    "transport: auth key unknown to the server (-404): a new key will be created"
                        .into(),
                );
            }
            Err(e) => return self.disconnect(format!("transport: {e}")),
        };
        for item in items {
            let Incoming::Frame { payload, .. } = item else {
                continue;
            };
            if self.codec.is_none() {
                return;
            }
            if self.handshake.is_some() {
                self.handshake_input(&payload);
            } else if let Some(s) = self.session.as_mut() {
                s.handle_input(self.now, &payload);
                self.drain_session();
            }
        }
    }

    /// Runs what is due at `now` (session timers, the handshake deadline).
    pub fn handle_timeout(&mut self, now: u64) {
        self.advance(now);
        if let Some((_, deadline)) = &self.handshake {
            if self.now >= *deadline {
                self.disconnect("handshake timed out".into());
            }
        }
        if let Some(s) = self.session.as_mut() {
            s.handle_timeout(self.now);
            self.drain_session();
        }
    }

    /// The earliest deadline (ms since the epoch), if any.
    pub fn poll_timeout(&self) -> Option<u64> {
        if let Some((_, deadline)) = &self.handshake {
            return Some(*deadline);
        }
        self.codec.as_ref()?;
        self.session.as_ref()?.poll_timeout()
    }

    /// The next bytes for the transport (framed and obfuscated, in order).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.out.is_empty() && self.is_ready() {
            self.pump();
        }
        self.out.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        if self.events.is_empty() && self.is_ready() {
            self.pump();
        }
        self.events.pop_front()
    }

    /// Queues a request (`body`: a boxed TL function, or `ping`) and returns its id. The
    /// first request of a session is wrapped in invokeWithLayer(initConnection(...)).
    pub fn invoke(&mut self, body: Vec<u8>) -> Result<RequestId, ClientError> {
        if body.len() < 4 || body.len() % 4 != 0 {
            return Err(ClientError(
                "request body must be boxed TL (at least 4 bytes, a multiple of 4)".into(),
            ));
        }
        if body.len() > session::MAX_MESSAGE_SIZE {
            return Err(ClientError("request body too large".into()));
        }
        self.next_id += 1;
        let id = RequestId(self.next_id);
        if self.session.is_some() {
            self.submit(id, body);
        } else {
            self.waiting.push((id, body));
        }
        Ok(id)
    }

    /// Cancels a request; false if it is unknown or already resolved.
    pub fn cancel(&mut self, request: RequestId) -> bool {
        if let Some(i) = self.waiting.iter().position(|(r, _)| *r == request) {
            self.waiting.remove(i);
            self.events.push_back(ClientEvent::RequestFailed {
                request,
                reason: "cancelled".into(),
            });
            return true;
        }
        let found = self
            .ids
            .iter()
            .find(|(_, r)| **r == request)
            .map(|(s, _)| *s);
        match (found, self.session.as_mut()) {
            (Some(sid), Some(s)) => {
                let ok = s.cancel(sid);
                self.drain_session();
                ok
            }
            _ => false,
        }
    }

    /// The session blob (see [`blob`](self::SavedSession)), or `None` before a key exists.
    pub fn export_session(&self) -> Option<Vec<u8>> {
        let key = self.key.as_ref()?;
        let (salt, offset) = match &self.session {
            Some(s) => {
                let st = s.state();
                (st.server_salt, st.time_offset_ms)
            }
            None => (key.salt, key.time_offset_ms),
        };
        Some(
            SavedSession {
                dc_id: self.config.dc_id,
                test_mode: self.config.test_mode,
                auth_key: key.auth_key.clone(),
                server_salt: salt,
                time_offset_ms: offset,
            }
            .to_bytes(),
        )
    }

    // --- internals ----------------------------------------------------------------------

    fn advance(&mut self, now: u64) {
        self.now = self.now.max(now);
    }

    fn send_frame(&mut self, payload: &[u8]) {
        let Some(codec) = self.codec.as_mut() else {
            return;
        };
        match codec.pack(payload, &mut self.rng) {
            Ok(bytes) => self.out.push_back(bytes),
            Err(e) => self.disconnect(format!("transport: {e}")),
        }
    }

    fn disconnect(&mut self, reason: String) {
        self.codec = None;
        self.handshake = None;
        self.events.push_back(ClientEvent::Disconnect { reason });
    }

    fn handshake_input(&mut self, packet: &[u8]) {
        let Some((machine, _)) = self.handshake.as_mut() else {
            return;
        };
        match machine.handle(packet, &mut self.rng, self.now) {
            Ok(Some(next)) => self.send_frame(&next),
            Ok(None) => {
                let Some((machine, _)) = self.handshake.take() else {
                    return;
                };
                let Some(r) = machine.into_result() else {
                    return self.disconnect("handshake ended without a key".into());
                };
                self.key = Some(Key {
                    auth_key: r.auth_key,
                    salt: r.server_salt as u64,
                    time_offset_ms: Some(r.time_offset.saturating_mul(1000)),
                });
                self.session = None;
                if let Err(e) = self.start_session(true) {
                    self.disconnect(e.0);
                }
            }
            Err(e) => self.disconnect(format!("handshake: {e}")),
        }
    }

    /// With a key and a connection: creates the session if needed (a reconnect otherwise),
    /// submits the waiting requests, reports `Connected`.
    fn start_session(&mut self, new_key: bool) -> Result<(), ClientError> {
        let key = self.key.clone().ok_or(ClientError("no auth key".into()))?;
        match self.session.as_mut() {
            Some(s) => s.on_reconnect(self.now),
            None => {
                let mut sc = SessionConfig::new(key.auth_key.clone(), key.salt);
                sc.time_offset_ms = key.time_offset_ms;
                sc.ping_interval_ms = self.config.ping_interval_ms;
                sc.fetch_future_salts = self.config.fetch_future_salts;
                sc.trim_transport_padding = self.config.framing == Framing::PaddedIntermediate;
                let s = Session::new(sc, Box::new(self.rng.clone())).map_err(err)?;
                self.session = Some(s);
                self.needs_init = true;
            }
        }
        for (id, body) in core::mem::take(&mut self.waiting) {
            self.submit(id, body);
        }
        self.events.push_back(ClientEvent::Connected {
            auth_key_id: key.auth_key.id(),
            new_key,
        });
        self.pump();
        Ok(())
    }

    fn submit(&mut self, id: RequestId, body: Vec<u8>) {
        self.bodies.insert(id, body.clone());
        let body = if self.needs_init && !is_service_function(&body) {
            match self.config.app.wrap(&body) {
                Ok(b) => {
                    self.needs_init = false;
                    b
                }
                Err(e) => {
                    let reason = format!("initConnection: {e}");
                    self.events.push_back(ClientEvent::RequestFailed {
                        request: id,
                        reason,
                    });
                    return;
                }
            }
        } else {
            body
        };
        let Some(s) = self.session.as_mut() else {
            return;
        };
        match s.invoke(body, InvokeOptions::default()) {
            Ok(sid) => {
                self.ids.insert(sid, id);
            }
            Err(e) => {
                self.bodies.remove(&id);
                self.events.push_back(ClientEvent::RequestFailed {
                    request: id,
                    reason: e.to_string(),
                })
            }
        }
    }

    /// Session output to the transport, session events to ours.
    fn pump(&mut self) {
        if self.codec.is_some() && self.handshake.is_none() {
            let mut packets = Vec::new();
            if let Some(s) = self.session.as_mut() {
                while let Some(p) = s.poll_transmit(self.now) {
                    packets.push(p);
                }
            }
            for p in packets {
                self.send_frame(&p);
            }
        }
        self.drain_events();
    }

    fn drain_session(&mut self) {
        self.pump();
    }

    fn drain_events(&mut self) {
        let Some(s) = self.session.as_mut() else {
            return;
        };
        let mut disconnect = false;
        let mut corrupted = false;
        while let Some(ev) = s.poll_event() {
            let ev = match ev {
                SessionEvent::RpcResult { request, body } => {
                    match self.ids.remove(&request).inspect(|r| {
                        self.bodies.remove(r);
                    }) {
                        Some(request) => ClientEvent::Result { request, body },
                        None => continue,
                    }
                }
                SessionEvent::RpcError {
                    request,
                    code,
                    message,
                } => match self.ids.remove(&request).inspect(|r| {
                    self.bodies.remove(r);
                }) {
                    Some(request) => ClientEvent::RpcError {
                        request,
                        code,
                        message,
                    },
                    None => continue,
                },
                SessionEvent::RequestFailed { request, reason } => {
                    match self.ids.remove(&request).inspect(|r| {
                        self.bodies.remove(r);
                    }) {
                        Some(request) => ClientEvent::RequestFailed {
                            request,
                            reason: format!("{reason:?}"),
                        },
                        None => continue,
                    }
                }
                SessionEvent::Update { body } => ClientEvent::Update(body),
                SessionEvent::NewSessionCreated { .. } => {
                    ClientEvent::SessionReset { by_server: true }
                }
                SessionEvent::SessionReset { .. } => ClientEvent::SessionReset { by_server: false },
                SessionEvent::KeepAliveTimeout => {
                    disconnect = true;
                    continue;
                }
                SessionEvent::ProtocolError { error } => {
                    // A packet that fails msg_key on an authenticated stream means the stream
                    // is damaged: its answers are lost, so the connection is re-established
                    // (pending requests are then resent or asked about).
                    if matches!(error, SessionError::MsgKeyMismatch) {
                        corrupted = true;
                    }
                    ClientEvent::ProtocolError {
                        message: error.to_string(),
                    }
                }
                _ => continue,
            };
            self.events.push_back(ev);
        }
        if disconnect && self.codec.is_some() {
            self.disconnect("keep-alive timeout".into());
        } else if corrupted && self.codec.is_some() {
            self.disconnect("a corrupted packet (msg_key mismatch): reconnecting".into());
        }
    }
}
