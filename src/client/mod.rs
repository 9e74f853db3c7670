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
//!
//! With [`ClientConfig::pfs`] (the default) the session runs over a temporary key bound to
//! the permanent one and renewed on the same connection before it expires: see [`pfs`].
// Reads network bytes and stored session blobs: no indexing that can panic, no arithmetic
// that can overflow (docs/limits.md, "Panics and arithmetic").
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

mod blob;
mod init;
pub mod pfs;
pub mod server;
mod types;

pub use blob::{BLOB_LEN, BLOB_LEN_WITH_TEMP_KEY, BlobError, SavedSession, SavedTempKey};
pub use init::{AppInfo, flood_wait_seconds, migrate_dc};
pub use types::{ClientConfig, ClientError, ClientEvent, RequestId};

use init::is_service_function;
use pfs::{Renewal, TempKey};
use types::err;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::auth::{HandshakeConfig, HandshakeMachine};
use crate::crypto::DhPrimeCache;
use crate::crypto::{AuthKey, CryptoError, RandomSource};
use crate::session::pending::Body;
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

/// The permanent key and what a session over it needs to continue after a restart.
#[derive(Debug, Clone)]
struct Key {
    auth_key: AuthKey,
    salt: u64,
    time_offset_ms: Option<i64>,
}

/// Which key a handshake makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Permanent,
    Temporary,
}

/// The client: see the module docs for the call order.
pub struct ClientCore {
    config: ClientConfig,
    rng: SharedRandom,
    codec: Option<TransportCodec>,
    /// The handshake that must finish before the session can run (deadline in ms).
    handshake: Option<(HandshakeMachine, u64, KeyKind)>,
    /// The permanent key.
    key: Option<Key>,
    /// With PFS: the temporary key the session runs over.
    temp: Option<TempKey>,
    /// With PFS: the next temporary key, while it is made or waits to take over.
    renewal: Option<Renewal>,
    /// With PFS: the session's auth.bindTempAuthKey request, until it is answered.
    binding: Option<session::RequestId>,
    /// dh_prime verdicts, lent to every handshake (permanent and temporary keys) so the
    /// server's prime is tested once per client.
    dh_cache: DhPrimeCache,
    /// Bind refusals in a row (any reason).
    bind_failures: u32,
    /// Bind refusals in a row for a reason other than the permanent key.
    bind_refusals: u32,
    /// After a refused bind: no new key before this time (ms); the wait doubles.
    bind_retry_at: Option<u64>,
    /// The next wait after a refused bind (ms).
    bind_backoff_ms: u64,
    /// Without PFS: the server answered -404 for the permanent key and no packet has
    /// decrypted since. The key is dropped only when a later connection gets -404 too (a
    /// -404 closes its connection, so the next one is always on a new connection): four
    /// unauthenticated bytes on one connection prove nothing.
    perm_key_404: bool,
    /// `Connected` waits for the bind; its `new_key`.
    connected_pending: Option<bool>,
    /// A permanent key was made since the last `Connected`.
    new_perm_key: bool,
    session: Option<Session>,
    /// Requests made before a session existed, in order.
    waiting: Vec<(RequestId, Body)>,
    /// Session request ids to ours.
    ids: HashMap<session::RequestId, RequestId>,
    /// The body of every request in a session, until it resolves (to submit it again in a
    /// new session when the key is lost).
    bodies: HashMap<RequestId, Body>,
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
            temp: None,
            renewal: None,
            binding: None,
            dh_cache: DhPrimeCache::new(),
            bind_failures: 0,
            bind_refusals: 0,
            bind_retry_at: None,
            bind_backoff_ms: pfs::BIND_BACKOFF_FIRST_MS,
            perm_key_404: false,
            connected_pending: None,
            new_perm_key: false,
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
        c.temp = saved.temp.map(|t| TempKey {
            auth_key: t.auth_key,
            salt: t.server_salt,
            expires_at: t.expires_at,
            bound: true,
        });
        Ok(c)
    }

    /// The DC number.
    pub fn dc_id(&self) -> i32 {
        self.config.dc_id
    }

    /// The (permanent) auth key id, 0 before a key exists.
    pub fn auth_key_id(&self) -> u64 {
        self.key.as_ref().map_or(0, |k| k.auth_key.id())
    }

    /// The id of the bound temporary key the session runs over (PFS), 0 when there is none.
    pub fn temp_auth_key_id(&self) -> u64 {
        self.temp
            .as_ref()
            .filter(|t| t.bound)
            .map_or(0, |t| t.auth_key.id())
    }

    /// When the temporary key expires (unix seconds, server clock), if there is a bound one.
    pub fn temp_key_expires_at(&self) -> Option<i64> {
        self.temp.as_ref().filter(|t| t.bound).map(|t| t.expires_at)
    }

    /// Whether a transport connection is open (between `connect` and `on_transport_closed`).
    pub fn is_connected(&self) -> bool {
        self.codec.is_some()
    }

    /// Whether encrypted traffic flows (connected, key ready and, with PFS, bound).
    pub fn is_ready(&self) -> bool {
        self.can_send() && self.binding.is_none()
    }

    /// Whether the session may send (the bind too).
    fn can_send(&self) -> bool {
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
        self.renewal = None;
        self.begin()
    }

    /// The transport closed (or was closed after [`ClientEvent::Disconnect`]). The key,
    /// the session and every unresolved request are kept for the next `connect`.
    pub fn on_transport_closed(&mut self, now: u64) {
        self.advance(now);
        self.codec = None;
        self.handshake = None;
        self.renewal = None;
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
                return self.on_key_unknown();
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
            let plain = payload.get(..8) == Some(&[0u8; 8][..]);
            if self.handshake.is_some() {
                // Encrypted packets still in flight from a session that was just dropped
                // (a refused bind) are not the handshake's business.
                if plain {
                    self.handshake_input(&payload);
                }
            } else if plain && matches!(self.renewal, Some(Renewal::Handshake(..))) {
                self.renewal_input(&payload);
            } else if let Some(s) = self.session.as_mut() {
                let accepted = s.stats().packets_accepted;
                s.handle_input(self.now, &payload);
                if s.stats().packets_accepted != accepted {
                    // The server knows the key: an earlier -404 was not its word.
                    self.perm_key_404 = false;
                }
                self.drain_session();
            }
        }
    }

    /// Runs what is due at `now` (session timers, the handshake deadline).
    pub fn handle_timeout(&mut self, now: u64) {
        self.advance(now);
        if let Some((_, deadline, _)) = &self.handshake {
            if self.now >= *deadline {
                self.disconnect("handshake timed out".into());
            }
        }
        let idle = self.codec.is_some() && self.handshake.is_none() && self.session.is_none();
        if idle && self.bind_retry_at.is_some_and(|t| self.now >= t) {
            if let Err(e) = self.begin() {
                self.disconnect(e.0);
            }
        }
        if let Some(s) = self.session.as_mut() {
            s.handle_timeout(self.now);
            self.drain_session();
        }
        self.renewal_tick();
    }

    /// The earliest deadline (ms since the epoch), if any.
    pub fn poll_timeout(&self) -> Option<u64> {
        if let Some((_, deadline, _)) = &self.handshake {
            return Some(*deadline);
        }
        self.codec.as_ref()?;
        if self.session.is_none() {
            return self.bind_retry_at;
        }
        let session = self.session.as_ref()?.poll_timeout();
        let renewal = match &self.renewal {
            Some(Renewal::Handshake(_, d) | Renewal::Staged(_, d)) => Some(*d),
            None => self.renew_at(),
        };
        match (session, renewal) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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
        if self.waiting.len().saturating_add(self.ids.len()) >= session::MAX_PENDING_REQUESTS {
            return Err(ClientError(format!(
                "too many unresolved requests (at most {})",
                session::MAX_PENDING_REQUESTS
            )));
        }
        self.next_id = self.next_id.wrapping_add(1); // a 64-bit counter: never wraps in practice
        let id = RequestId(self.next_id);
        if self.accepts_requests() {
            self.submit(id, body.into());
        } else {
            self.waiting.push((id, body.into()));
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
    /// With PFS it holds the bound temporary key too, so a restart needs no handshake.
    pub fn export_session(&self) -> Option<Vec<u8>> {
        let key = self.key.as_ref()?;
        let state = self.session.as_ref().map(Session::state);
        let offset = state
            .as_ref()
            .and_then(|st| st.time_offset_ms)
            .or(key.time_offset_ms);
        let temp = self.temp.as_ref().filter(|t| t.bound);
        let session_salt = state.as_ref().map(|st| st.server_salt);
        let perm_salt = match temp {
            Some(_) => key.salt,
            None => session_salt.unwrap_or(key.salt),
        };
        Some(
            SavedSession {
                dc_id: self.config.dc_id,
                test_mode: self.config.test_mode,
                auth_key: key.auth_key.clone(),
                server_salt: perm_salt,
                time_offset_ms: offset,
                temp: temp.map(|t| SavedTempKey {
                    auth_key: t.auth_key.clone(),
                    server_salt: session_salt.unwrap_or(t.salt),
                    expires_at: t.expires_at,
                }),
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
        self.drop_link();
        self.events.push_back(ClientEvent::Disconnect { reason });
    }

    /// The connection is given up: nothing more is read or sent on it.
    fn drop_link(&mut self) {
        self.codec = None;
        self.handshake = None;
        self.renewal = None;
    }

    /// On an open connection: the handshake that is missing, or the session. After a
    /// refused bind, nothing before the back-off ends (`handle_timeout` comes back).
    fn begin(&mut self) -> Result<(), ClientError> {
        if self.bind_retry_at.is_some_and(|t| self.now < t) {
            return Ok(());
        }
        self.bind_retry_at = None;
        if self.key.is_none() {
            return self.start_handshake(KeyKind::Permanent);
        }
        if self.config.pfs {
            let server_now = self.server_time_s();
            let usable = self
                .temp
                .as_ref()
                .is_some_and(|t| !t.bound || t.expires_at > server_now.saturating_add(5));
            if !usable {
                self.drop_temp();
            }
            if self.temp.is_none() {
                return self.start_handshake(KeyKind::Temporary);
            }
        }
        self.start_session()
    }

    fn handshake_config(&self, kind: KeyKind) -> HandshakeConfig {
        let mut hc = HandshakeConfig::new(self.config.dc_id);
        hc.test_mode = self.config.test_mode;
        hc.rsa_keys.extend(self.config.rsa_keys.iter().cloned());
        if kind == KeyKind::Temporary {
            hc.temp_key_expires_in = Some(self.config.temp_key_ttl_s);
        }
        hc
    }

    fn start_handshake(&mut self, kind: KeyKind) -> Result<(), ClientError> {
        let hc = self.handshake_config(kind);
        let (machine, packet) =
            HandshakeMachine::start(hc, &mut self.rng, self.now).map_err(err)?;
        let deadline = self.now.saturating_add(HANDSHAKE_TIMEOUT_MS);
        self.handshake = Some((machine, deadline, kind));
        self.send_frame(&packet);
        Ok(())
    }

    fn handshake_input(&mut self, packet: &[u8]) {
        let Some((machine, _, _)) = self.handshake.as_mut() else {
            return;
        };
        match machine.handle_with_cache(packet, &mut self.rng, self.now, &mut self.dh_cache) {
            Ok(Some(next)) => self.send_frame(&next),
            Ok(None) => {
                let Some((machine, _, kind)) = self.handshake.take() else {
                    return;
                };
                let Some(r) = machine.into_result() else {
                    return self.disconnect("handshake ended without a key".into());
                };
                let offset = Some(r.time_offset.saturating_mul(1000));
                match kind {
                    KeyKind::Permanent => {
                        // A new permanent key: whatever ran over the old one starts over.
                        self.drop_temp();
                        self.requeue_session();
                        self.key = Some(Key {
                            auth_key: r.auth_key,
                            salt: r.server_salt as u64,
                            time_offset_ms: offset,
                        });
                        self.new_perm_key = true;
                    }
                    KeyKind::Temporary => {
                        if let Some(k) = self.key.as_mut() {
                            k.time_offset_ms = offset;
                        }
                        self.temp = Some(TempKey {
                            auth_key: r.auth_key,
                            salt: r.server_salt as u64,
                            expires_at: r.expires_at.unwrap_or(0),
                            bound: false,
                        });
                    }
                }
                if let Err(e) = self.begin() {
                    self.disconnect(e.0);
                }
            }
            Err(e) => self.disconnect(format!("handshake: {e}")),
        }
    }

    /// With a key and a connection: creates the session if needed (a reconnect otherwise).
    /// Without PFS, or with a bound temporary key, the waiting requests go out and
    /// `Connected` is reported; otherwise auth.bindTempAuthKey goes first.
    fn start_session(&mut self) -> Result<(), ClientError> {
        let key = self.key.clone().ok_or(ClientError("no auth key".into()))?;
        let (auth_key, salt) = match (&self.temp, self.config.pfs) {
            (Some(t), true) => (t.auth_key.clone(), t.salt),
            (None, true) => return Err(ClientError("no temporary key".into())),
            (_, false) => (key.auth_key.clone(), key.salt),
        };
        match self.session.as_mut() {
            Some(s) => s.on_reconnect(self.now),
            None => {
                let mut sc = SessionConfig::new(auth_key, salt);
                sc.time_offset_ms = key.time_offset_ms;
                sc.ping_interval_ms = self.config.ping_interval_ms;
                sc.fetch_future_salts = self.config.fetch_future_salts;
                sc.trim_transport_padding = self.config.framing == Framing::PaddedIntermediate;
                let s = Session::new(sc, Box::new(self.rng.clone())).map_err(err)?;
                self.session = Some(s);
                self.needs_init = true;
            }
        }
        let unbound = self.temp.as_ref().is_some_and(|t| !t.bound) && self.config.pfs;
        if unbound {
            if self.binding.is_none() {
                let temp = self
                    .temp
                    .as_ref()
                    .ok_or(ClientError("no temporary key".into()))?;
                let build = pfs::bind_request(&key.auth_key, temp, &mut self.rng)?;
                let s = self
                    .session
                    .as_mut()
                    .ok_or(ClientError("no session".into()))?;
                self.binding = Some(s.invoke_with_msg_id(build).map_err(err)?);
            }
            self.connected_pending = Some(self.new_perm_key);
            self.pump();
            return Ok(());
        }
        let new_key = core::mem::take(&mut self.new_perm_key);
        self.session_ready(Some(new_key));
        Ok(())
    }

    /// The session may carry requests: the waiting ones go out; `Connected` when asked.
    fn session_ready(&mut self, connected: Option<bool>) {
        for (id, body) in core::mem::take(&mut self.waiting) {
            self.submit(id, body);
        }
        if let Some(new_key) = connected {
            self.new_perm_key = false;
            self.events.push_back(ClientEvent::Connected {
                auth_key_id: self.auth_key_id(),
                new_key,
            });
        }
        self.pump();
    }

    /// Whether a new request can go into the session now (not while a bind is in flight or
    /// a renewed key waits to take over).
    fn accepts_requests(&self) -> bool {
        self.session.is_some()
            && self.binding.is_none()
            && !matches!(self.renewal, Some(Renewal::Staged(..)))
    }

    /// The best known server time (unix seconds).
    fn server_time_s(&self) -> i64 {
        let offset = self
            .session
            .as_ref()
            .and_then(|s| s.state().time_offset_ms)
            .or(self.key.as_ref().and_then(|k| k.time_offset_ms))
            .unwrap_or(0);
        (self.now as i64).saturating_add(offset) / 1000
    }

    /// When the bound temporary key should be renewed (local ms), with PFS.
    fn renew_at(&self) -> Option<u64> {
        if !self.config.pfs || self.binding.is_some() {
            return None;
        }
        let t = self.temp.as_ref().filter(|t| t.bound)?;
        let offset = self
            .server_time_s()
            .saturating_mul(1000)
            .saturating_sub(self.now as i64);
        Some(t.renew_at(self.config.temp_key_ttl_s, offset))
    }

    /// Moves the session's unresolved requests back to the waiting list (they go out again
    /// in the next session) and drops the session.
    fn requeue_session(&mut self) {
        if let (Some(s), Some(k)) = (self.session.as_ref(), self.key.as_mut()) {
            if let Some(offset) = s.state().time_offset_ms {
                k.time_offset_ms = Some(offset);
            }
        }
        let mut again: Vec<RequestId> = self.ids.drain().map(|(_, id)| id).collect();
        again.sort();
        let mut requeue: Vec<(RequestId, Body)> = again
            .into_iter()
            .filter_map(|id| self.bodies.remove(&id).map(|b| (id, b)))
            .collect();
        requeue.append(&mut self.waiting);
        self.waiting = requeue;
        self.session = None;
        self.binding = None;
    }

    /// Forgets the temporary key (and the session over it).
    fn drop_temp(&mut self) {
        if self.temp.take().is_some() {
            self.requeue_session();
        }
        self.binding = None;
    }

    /// Starts, times out or completes a renewal, as due.
    fn renewal_tick(&mut self) {
        if !self.can_send() {
            return;
        }
        match &self.renewal {
            None => {
                if self.renew_at().is_some_and(|t| self.now >= t) {
                    let hc = self.handshake_config(KeyKind::Temporary);
                    match HandshakeMachine::start(hc, &mut self.rng, self.now) {
                        Ok((machine, packet)) => {
                            let deadline = self.now.saturating_add(HANDSHAKE_TIMEOUT_MS);
                            self.renewal = Some(Renewal::Handshake(Box::new(machine), deadline));
                            self.send_frame(&packet);
                        }
                        Err(e) => self.disconnect(format!("temporary key renewal: {e}")),
                    }
                }
            }
            Some(Renewal::Handshake(_, deadline)) => {
                if self.now >= *deadline {
                    self.disconnect("temporary key renewal: handshake timed out".into());
                }
            }
            Some(Renewal::Staged(..)) => self.maybe_switch(),
        }
    }

    fn renewal_input(&mut self, packet: &[u8]) {
        let Some(Renewal::Handshake(machine, _)) = self.renewal.as_mut() else {
            return;
        };
        match machine.handle_with_cache(packet, &mut self.rng, self.now, &mut self.dh_cache) {
            Ok(Some(next)) => self.send_frame(&next),
            Ok(None) => {
                let Some(Renewal::Handshake(machine, _)) = self.renewal.take() else {
                    return;
                };
                let Some(r) = machine.into_result() else {
                    return self.disconnect("temporary key renewal ended without a key".into());
                };
                let next = TempKey {
                    auth_key: r.auth_key,
                    salt: r.server_salt as u64,
                    expires_at: r.expires_at.unwrap_or(0),
                    bound: false,
                };
                let deadline = self.now.saturating_add(pfs::SWITCH_GRACE_MS);
                self.renewal = Some(Renewal::Staged(Box::new(next), deadline));
                self.maybe_switch();
            }
            Err(e) => self.disconnect(format!("temporary key renewal: {e}")),
        }
    }

    /// A staged key takes over once the old session has no request in flight (or at the
    /// deadline): a new session over it, bound first; waiting requests follow.
    fn maybe_switch(&mut self) {
        let due = match &self.renewal {
            Some(Renewal::Staged(_, deadline)) => {
                self.now >= *deadline
                    || self
                        .session
                        .as_ref()
                        .is_none_or(|s| s.pending_requests() == 0)
            }
            _ => false,
        };
        if !due {
            return;
        }
        let Some(Renewal::Staged(next, _)) = self.renewal.take() else {
            return;
        };
        self.requeue_session();
        self.temp = Some(*next);
        if let Err(e) = self.start_session() {
            self.disconnect(e.0);
        }
        // A renewal is not a new connection: no `Connected` when its bind succeeds.
        self.connected_pending = None;
    }

    /// "-404: the auth key is not known to the server". With PFS the key in use is the
    /// temporary one: it is dropped at once (the permanent key is tried again, and a refused
    /// bind then tells whether it is gone too). The permanent key is dropped only when a
    /// new connection (a new obfuscation header) gets -404 again before any packet
    /// decrypts: the four bytes are not authenticated, and anyone on the path could forge
    /// them to log the user out. The session's requests are kept either way.
    fn on_key_unknown(&mut self) {
        if self.config.pfs && self.temp.is_some() {
            self.drop_temp();
            return self.disconnect(
                "transport: temporary key unknown to the server (-404): a new one will be made"
                    .into(),
            );
        }
        if core::mem::replace(&mut self.perm_key_404, true) {
            self.perm_key_404 = false;
            self.requeue_session();
            self.key = None;
            self.disconnect(
                "transport: auth key unknown to the server (-404 on two connections): a new key will be created"
                    .into(),
            );
        } else {
            self.disconnect(
                "transport: the server answered -404 (auth key unknown): checking on a new connection"
                    .into(),
            );
        }
    }

    /// The bind's outcome: `None` = bound, `Some((code, message))` = refused (code 0 when
    /// the answer was not an rpc_error).
    fn bind_answered(&mut self, refused: Option<(i32, String)>) {
        self.binding = None;
        match refused {
            None => {
                if let Some(t) = self.temp.as_mut() {
                    t.bound = true;
                }
                self.bind_failures = 0;
                self.bind_refusals = 0;
                self.bind_backoff_ms = pfs::BIND_BACKOFF_FIRST_MS;
                if let Some(t) = self.temp.as_ref() {
                    self.events.push_back(ClientEvent::TempKeyBound {
                        temp_auth_key_id: t.auth_key.id(),
                        expires_at: t.expires_at,
                    });
                }
                let connected = self.connected_pending.take();
                self.session_ready(connected);
            }
            Some((code, reason)) => {
                self.bind_failures = self.bind_failures.saturating_add(1);
                let perm_key = pfs::blames_perm_key(&reason);
                if !perm_key {
                    self.bind_refusals = self.bind_refusals.saturating_add(1);
                }
                self.events.push_back(ClientEvent::ProtocolError {
                    message: format!("auth.bindTempAuthKey refused: {reason}"),
                });
                self.drop_temp();
                // Never again at once: each new key waits, 1 s doubling to 30 s.
                self.bind_retry_at = Some(self.now.saturating_add(self.bind_backoff_ms));
                self.bind_backoff_ms = self
                    .bind_backoff_ms
                    .saturating_mul(2)
                    .min(pfs::BIND_BACKOFF_MAX_MS);
                if self.bind_refusals >= pfs::MAX_BIND_REFUSALS
                    || self.bind_failures >= pfs::MAX_BIND_FAILURES_IN_A_ROW
                {
                    return self.give_up(code, reason);
                }
                if perm_key && self.bind_failures % pfs::MAX_BIND_FAILURES == 0 {
                    // The permanent key is gone on the server: a new login is needed.
                    self.key = None;
                }
            }
        }
    }

    /// Binds keep failing: every request fails with the server's error, then `Fatal`; the
    /// connection is dropped (the caller closes the transport and stays down).
    fn give_up(&mut self, code: i32, message: String) {
        self.bind_failures = 0;
        self.bind_refusals = 0;
        for (request, _) in core::mem::take(&mut self.waiting) {
            self.bodies.remove(&request);
            self.events.push_back(ClientEvent::RpcError {
                request,
                code,
                message: message.clone(),
            });
        }
        self.drop_link();
        self.out.clear();
        // The app's next `connect` waits too (the back-off the next refusal would have
        // had), so an app that reconnects on every error cannot make the storm either.
        self.bind_retry_at = Some(self.now.saturating_add(self.bind_backoff_ms));
        self.events.push_back(ClientEvent::Fatal { code, message });
    }

    fn submit(&mut self, id: RequestId, mut body: Body) {
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
            // Moved out to the session, which keeps it wiped on drop too.
            core::mem::take(&mut *body)
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
        if self.can_send() {
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
        let mut bind_outcome = None;
        while let Some(ev) = s.poll_event() {
            let ev = match ev {
                SessionEvent::RpcResult { request, body } if Some(request) == self.binding => {
                    bind_outcome = Some(if pfs::is_bool_true(&body) {
                        None
                    } else {
                        Some((0, "the answer is not boolTrue".to_string()))
                    });
                    continue;
                }
                SessionEvent::RpcError {
                    request,
                    code,
                    message,
                } if Some(request) == self.binding => {
                    bind_outcome = Some(Some((code, message)));
                    continue;
                }
                SessionEvent::RequestFailed { request, reason }
                    if Some(request) == self.binding =>
                {
                    bind_outcome = Some(Some((0, format!("{reason:?}"))));
                    continue;
                }
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
        if let Some(outcome) = bind_outcome {
            self.bind_answered(outcome);
        }
        if disconnect && self.codec.is_some() {
            self.disconnect("keep-alive timeout".into());
        } else if corrupted && self.codec.is_some() {
            self.disconnect("a corrupted packet (msg_key mismatch): reconnecting".into());
        }
        if matches!(self.renewal, Some(Renewal::Staged(..))) {
            self.maybe_switch();
        }
    }
}
