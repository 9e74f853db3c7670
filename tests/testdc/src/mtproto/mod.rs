//! The MTProto server side of the test DC.
//!
//! Per connection ([`MtprotoHandler`]): the core's server transport
//! ([`TransportCodec::accept`]: every framing, obfuscated or not), then unencrypted
//! handshake packets (auth_key_id 0) for a [`ServerHandshakeMachine`], then encrypted
//! packets: the key is looked up in the DC's [`DcState`] (unknown: transport error -404 and
//! close), decrypted with the core's [`ServerSession`] and answered by [`service`].
//! DC-wide ([`MtprotoFactory`]): auth keys with their salts, sessions and signed-in user,
//! and users, behind one mutex.

pub mod api;
pub mod bind;
pub mod objects;
pub mod secret;
pub mod secret_state;
pub mod service;
pub mod state;
pub mod upload;

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mtproto_wasm::auth::server::{DhGenMode, RsaPrivateKey, ServerConfig, ServerHandshakeMachine};
use mtproto_wasm::crypto::OsRandom;
use mtproto_wasm::session::server::ServerSession;
use mtproto_wasm::transport::{AcceptConfig, Framing, Incoming, TransportCodec};

use crate::Dc;
use crate::faults::{self, Action, Faults};
use crate::handler::{ConnInfo, ConnectionHandler, HandlerError, HandlerFactory, Output};
use service::PacketCtx;
use state::DcState;

/// Handshakes one connection may run (a permanent and a temporary key, retries).
const MAX_HANDSHAKES_PER_CONN: u32 = 8;
/// The largest transport packet accepted from a client.
const MAX_PACKET: usize = 1 << 20;

/// Fault switches and options of the MTProto side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MtprotoOptions {
    /// Answer the first set_client_DH_params of each handshake with dh_gen_retry
    /// (`--dh-gen-retry-once`).
    pub dh_gen_retry_once: bool,
}

/// Makes [`MtprotoHandler`]s; owns the DC-wide protocol state.
#[derive(Default)]
pub struct MtprotoFactory {
    options: MtprotoOptions,
    state: Arc<Mutex<DcState>>,
    server_config: OnceLock<Option<Arc<ServerConfig>>>,
    faults: Arc<Mutex<Faults>>,
}

impl std::fmt::Debug for MtprotoFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MtprotoFactory")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl MtprotoFactory {
    /// The fault switches (tests set them directly too).
    pub fn faults(&self) -> Arc<Mutex<Faults>> {
        Arc::clone(&self.faults)
    }

    /// A factory with `options`.
    pub fn new(options: MtprotoOptions) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }

    /// The DC-wide state (tests inspect it).
    pub fn state(&self) -> Arc<Mutex<DcState>> {
        Arc::clone(&self.state)
    }

    fn server_config(&self, dc: &Dc) -> Option<Arc<ServerConfig>> {
        self.server_config
            .get_or_init(|| {
                let rsa = dc.rsa();
                let key = RsaPrivateKey::from_components(
                    &rsa.n_bytes(),
                    &rsa.e_bytes(),
                    &rsa.d.to_bytes_be(),
                )
                .ok()?;
                let mut config = ServerConfig::new(vec![key]);
                if self.options.dh_gen_retry_once {
                    config.dh_gen = DhGenMode::RetryOnce;
                }
                Some(Arc::new(config))
            })
            .clone()
    }
}

impl HandlerFactory for MtprotoFactory {
    fn control(&self, dc: &Dc, name: &str, value: &str) -> Result<String, String> {
        let action = faults::apply(&self.faults, name, value)?;
        let now = i64::try_from(now_ms() / 1000).unwrap_or(0);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match action {
            Action::None => {}
            Action::BadSalt => state.replace_salts(now),
            Action::ForgetSessions => state.forget_sessions(),
            Action::DropEncrypted(n) => state.secret.drop_encrypted_messages += n,
            Action::DuplicateEncrypted(n) => state.secret.duplicate_encrypted_messages += n,
            Action::CorruptEncrypted(n) => state.secret.corrupt_encrypted_messages += n,
            Action::RefuseBinds(n) => state.refuse_binds = n,
            Action::WipeKeys => state.forget_keys(),
            Action::Restart => {}
        }
        let counters = format!(
            ",\"refuse_binds\":{},\"auth_keys_made\":{}}}",
            state.refuse_binds, state.keys_made
        );
        drop(state);
        if matches!(action, Action::Restart | Action::WipeKeys) {
            for (id, _) in dc.connections() {
                dc.close(id);
            }
        }
        let mut json = self
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .to_json();
        json.pop(); // the closing brace: the counters follow
        json.push_str(&counters);
        Ok(json)
    }

    fn create(&self, info: &ConnInfo, dc: &Arc<Dc>) -> Box<dyn ConnectionHandler> {
        Box::new(MtprotoHandler {
            faults: Arc::clone(&self.faults),
            held: None,
            delayed: std::collections::VecDeque::new(),
            dc: Arc::clone(dc),
            info: info.clone(),
            state: Arc::clone(&self.state),
            config: self.server_config(dc),
            dc_id: dc.dc_id(),
            port: dc.addr().port(),
            first: Vec::new(),
            codec: None,
            handshake: None,
            handshakes: 0,
            decryptor: None,
            layer: None,
            current: None,
            ping_delay: None,
            deadline: None,
        })
    }
}

/// One MTProto connection.
pub struct MtprotoHandler {
    faults: Arc<Mutex<Faults>>,
    /// A packet held back by the `reorder` fault, and when to let it go anyway.
    held: Option<(Instant, Vec<u8>)>,
    /// Frames held back by the `delay_ms` fault.
    delayed: std::collections::VecDeque<(Instant, Vec<u8>)>,
    dc: Arc<Dc>,
    info: ConnInfo,
    state: Arc<Mutex<DcState>>,
    config: Option<Arc<ServerConfig>>,
    dc_id: i32,
    port: u16,
    /// Bytes before the transport was recognized.
    first: Vec<u8>,
    codec: Option<TransportCodec>,
    handshake: Option<ServerHandshakeMachine>,
    handshakes: u32,
    /// Decrypts packets of the connection's auth key (any session id).
    decryptor: Option<(u64, ServerSession)>,
    /// The layer of the last invokeWithLayer.
    layer: Option<i32>,
    /// (auth_key_id, session_id) of the last packet (for pushes).
    current: Option<(u64, u64)>,
    /// ping_delay_disconnect's delay, re-armed by every ping.
    ping_delay: Option<Duration>,
    deadline: Option<Instant>,
}

impl std::fmt::Debug for MtprotoHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MtprotoHandler")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Updates queued by API calls, resolved to the connections of their users.
fn take_pushes(state: &mut DcState) -> Vec<(crate::ConnId, Vec<u8>)> {
    let outbox = std::mem::take(&mut state.secret.outbox);
    let mut out = Vec::new();
    for (user, bytes) in outbox {
        for (conn, key) in &state.conn_keys {
            // A bound temporary key acts for its permanent key's user (PFS).
            if state.user_of_key(*key) == Some(user) {
                out.push((crate::ConnId(*conn), bytes.clone()));
            }
        }
    }
    out
}

impl Drop for MtprotoHandler {
    fn drop(&mut self) {
        self.lock().conn_keys.remove(&self.info.id.0);
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn err(info: &ConnInfo, why: impl std::fmt::Display) -> HandlerError {
    HandlerError::new(format!("{} ({:?}): {why}", info.id, info.transport))
}

impl MtprotoHandler {
    /// Unix ms on the server's clock (the `clock_offset` fault moves it).
    fn clock_ms(&self) -> u64 {
        let offset = self
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clock_offset;
        now_ms().saturating_add_signed(offset.saturating_mul(1000))
    }

    /// Frames encrypted packets, applying the fault switches on the way out.
    fn emit(&mut self, packets: Vec<Vec<u8>>) -> Result<Output, HandlerError> {
        let mut ready = Vec::new();
        let (delay, mut drop_after) = {
            let mut f = self.faults.lock().unwrap_or_else(|e| e.into_inner());
            for mut p in packets {
                if faults::take(&mut f.corrupt) {
                    faults::flip_bit(&mut p);
                }
                let dup = faults::take(&mut f.duplicate);
                if let Some((_, h)) = self.held.take() {
                    ready.push(p.clone());
                    ready.push(h);
                } else if faults::take(&mut f.reorder) {
                    let at = Instant::now() + Duration::from_millis(300);
                    self.held = Some((at, p.clone()));
                } else {
                    ready.push(p.clone());
                }
                if dup {
                    ready.push(p);
                }
            }
            (f.delay_ms, f.drop_after_frames)
        };
        let mut framed: Vec<Vec<u8>> = ready
            .iter()
            .map(|p| self.frame(p))
            .collect::<Result<_, _>>()?;
        // Frames of an obfuscated stream must leave in the order they were framed: while
        // anything is delayed, later frames queue behind it.
        if delay > 0 || !self.delayed.is_empty() {
            let last = self.delayed.back().map(|(at, _)| *at);
            let at = (Instant::now() + Duration::from_millis(u64::from(delay)))
                .max(last.unwrap_or_else(Instant::now));
            self.delayed.extend(framed.drain(..).map(|f| (at, f)));
        }
        if drop_after > 0 && !framed.is_empty() {
            let n = framed.len().min(drop_after as usize);
            drop_after -= n as u32;
            self.faults
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drop_after_frames = drop_after;
            if drop_after == 0 {
                let bytes: Vec<u8> = framed.drain(..n).flatten().collect();
                return Err(HandlerError::with_farewell(
                    "fault: drop_after_frames",
                    bytes,
                ));
            }
        }
        Ok(framed)
    }

    fn lock(&self) -> MutexGuard<'_, DcState> {
        // Every update is a single insert/remove or field write: a poisoned lock is usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn frame(&mut self, payload: &[u8]) -> Result<Vec<u8>, HandlerError> {
        let codec = self
            .codec
            .as_mut()
            .ok_or_else(|| err(&self.info, "no transport"))?;
        codec
            .pack(payload, &mut OsRandom)
            .map_err(|e| err(&self.info, format!("pack: {e}")))
    }

    fn unknown_key(&mut self, key_id: u64) -> HandlerError {
        let why = format!("unknown auth key {key_id:016x}: -404");
        match self
            .codec
            .as_mut()
            .map(|c| c.pack_transport_error(-404, &mut OsRandom))
        {
            Some(Ok(bytes)) => HandlerError::with_farewell(why, bytes),
            _ => err(&self.info, why),
        }
    }

    fn on_packet(&mut self, payload: &[u8]) -> Result<Output, HandlerError> {
        let key_id = payload
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| err(&self.info, "packet shorter than 8 bytes"))?;
        if key_id == 0 {
            return self.on_plain(payload);
        }
        let now_ms = self.clock_ms();
        let now = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
        if faults::take(
            &mut self
                .faults
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drop_at_request,
        ) {
            return Err(err(&self.info, "fault: drop_at_request"));
        }
        if self.decryptor.as_ref().is_none_or(|(id, _)| *id != key_id) {
            let key = self.lock().key_mut(key_id, now).map(|k| k.key.clone());
            let Some(key) = key else {
                return Err(self.unknown_key(key_id));
            };
            self.decryptor = Some((key_id, ServerSession::new(key, 0, 0, Box::new(OsRandom))));
        }
        if self.lock().key_mut(key_id, now).is_none() {
            return Err(self.unknown_key(key_id));
        }
        let Some((_, decryptor)) = self.decryptor.as_mut() else {
            return Ok(Vec::new());
        };
        decryptor.session_id = None;
        // Padded intermediate may leave up to 12 aligned padding bytes after the packet
        // (auth_key_id 8 + msg_key 16 + whole AES blocks): cut them off.
        let padded = self
            .codec
            .as_ref()
            .is_some_and(|c| c.framing() == Framing::PaddedIntermediate);
        let payload = match payload.len().checked_sub(24) {
            Some(rest) if padded => payload.get(..payload.len() - rest % 16).unwrap_or(payload),
            _ => payload,
        };
        let packet = match decryptor.decrypt(payload) {
            Ok(p) => p,
            // A packet that fails a check is dropped, like the core's client does.
            Err(_) => return Ok(Vec::new()),
        };
        let session_id = packet.header.session_id;
        self.current = Some((key_id, session_id));
        let dh_prime = self
            .config
            .as_ref()
            .map(|c| c.dh_prime.clone())
            .unwrap_or_default();
        let state = Arc::clone(&self.state);
        let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
        let mut ctx = PacketCtx {
            state: &mut guard,
            key_id,
            now_ms,
            layer: &mut self.layer,
            dc_id: self.dc_id,
            port: self.port,
            dh_prime: &dh_prime,
            ping_delay: None,
        };
        let packets = service::handle_packet(&mut ctx, packet);
        let ping = ctx.ping_delay;
        guard.conn_keys.insert(self.info.id.0, key_id);
        let pushes = take_pushes(&mut guard);
        drop(guard);
        for (conn, bytes) in pushes {
            // A full queue drops that connection; the update stays in the log.
            let _ = self.dc.push(conn, bytes);
        }
        match ping {
            Some(0) => {}
            Some(secs) => {
                // At most a day: the deadline must stay a sane Instant.
                let secs = u64::try_from(secs).unwrap_or(1).min(86_400);
                self.ping_delay = Some(Duration::from_secs(secs));
            }
            None => {}
        }
        if ping.is_some() {
            self.deadline = self.ping_delay.and_then(|d| Instant::now().checked_add(d));
        }
        self.emit(packets)
    }

    fn on_plain(&mut self, payload: &[u8]) -> Result<Output, HandlerError> {
        let config = self
            .config
            .clone()
            .ok_or_else(|| err(&self.info, "the RSA key is not usable"))?;
        let restart = self.handshake.as_ref().is_none_or(|h| h.result().is_some());
        let now_ms = now_ms();
        if restart {
            if self.handshakes >= MAX_HANDSHAKES_PER_CONN {
                return Err(err(&self.info, "too many handshakes"));
            }
            self.handshakes += 1;
            let mut machine = ServerHandshakeMachine::new((*config).clone());
            let answer = machine
                .handle(payload, &mut OsRandom, now_ms)
                .map_err(|e| err(&self.info, format!("handshake: {e}")))?;
            self.handshake = Some(machine);
            return Ok(vec![self.frame(&answer)?]);
        }
        let machine = self
            .handshake
            .as_mut()
            .ok_or_else(|| err(&self.info, "no handshake"))?;
        let answer = machine
            .handle(payload, &mut OsRandom, now_ms)
            .map_err(|e| err(&self.info, format!("handshake: {e}")))?;
        if let Some(r) = machine.result() {
            let now = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
            let (key, salt, expires) = (r.auth_key.clone(), r.server_salt as u64, r.expires_in);
            self.lock().add_key(key, salt, now, expires);
        }
        Ok(vec![self.frame(&answer)?])
    }
}

/// Whether the resPQ in `packet` (unencrypted envelope) has pq < 2^63.
#[cfg(test)]
fn pq_fits_i64(packet: &[u8]) -> bool {
    use mtproto_wasm::tl::Deserializable;
    use mtproto_wasm::tl::mtproto::types::ResPQ;
    mtproto_wasm::auth::unpack_plain(packet)
        .ok()
        .and_then(|(_, body)| ResPQ::from_bytes(body).ok())
        .is_some_and(|r| r.pq.len() < 8 || r.pq.first().is_some_and(|b| b & 0x80 == 0))
}

impl ConnectionHandler for MtprotoHandler {
    fn on_bytes(&mut self, bytes: &[u8], _now: Instant) -> Result<Output, HandlerError> {
        if self.codec.is_none() {
            self.first.extend_from_slice(bytes);
            let config = AcceptConfig {
                secret: None,
                max_frame_len: MAX_PACKET,
            };
            match TransportCodec::accept(&self.first, &config) {
                Ok(Some(codec)) => {
                    self.codec = Some(codec);
                    self.first = Vec::new();
                }
                Ok(None) if self.first.len() < 64 => return Ok(Vec::new()),
                Ok(None) => return Err(err(&self.info, "no transport recognized")),
                Err(e) => return Err(err(&self.info, format!("transport: {e}"))),
            }
        } else if let Some(codec) = self.codec.as_mut() {
            codec
                .feed(bytes)
                .map_err(|e| err(&self.info, format!("transport: {e}")))?;
        }
        let mut out = Vec::new();
        loop {
            let next = match self.codec.as_mut() {
                Some(c) => c.poll(),
                None => return Ok(out),
            };
            match next {
                Ok(Some(Incoming::Frame { payload, .. })) => {
                    out.extend(self.on_packet(&payload)?);
                }
                Ok(Some(_)) => {}
                Ok(None) => return Ok(out),
                Err(e) => return Err(err(&self.info, format!("transport: {e}"))),
            }
        }
    }

    fn on_push(&mut self, payload: Vec<u8>, _now: Instant) -> Result<Output, HandlerError> {
        let Some((key_id, session_id)) = self.current else {
            return Ok(Vec::new());
        };
        let state = Arc::clone(&self.state);
        let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
        let clock = self.clock_ms();
        let mut ctx = PacketCtx {
            state: &mut guard,
            key_id,
            now_ms: clock,
            layer: &mut self.layer,
            dc_id: self.dc_id,
            port: self.port,
            dh_prime: &[],
            ping_delay: None,
        };
        let packets = service::encrypt_push(&mut ctx, session_id, payload);
        drop(guard);
        self.emit(packets)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        [
            self.deadline,
            self.held.as_ref().map(|(at, _)| *at),
            self.delayed.front().map(|(at, _)| *at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn on_timeout(&mut self, now: Instant) -> Result<Output, HandlerError> {
        if let Some(d) = self.deadline {
            if now >= d {
                return Err(err(&self.info, "ping_delay_disconnect: no ping in time"));
            }
        }
        let mut out = Vec::new();
        if self.held.as_ref().is_some_and(|(at, _)| now >= *at) {
            if let Some((_, p)) = self.held.take() {
                out.push(self.frame(&p)?);
            }
        }
        while self.delayed.front().is_some_and(|(at, _)| now >= *at) {
            if let Some((_, f)) = self.delayed.pop_front() {
                out.push(f);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mtproto_wasm::tl::Serializable;
    use mtproto_wasm::tl::mtproto::types::ResPQ;

    fn res_pq(pq: Vec<u8>) -> Vec<u8> {
        let body = ResPQ {
            nonce: [1; 16],
            server_nonce: [2; 16],
            pq,
            server_public_key_fingerprints: vec![7],
        }
        .to_bytes();
        mtproto_wasm::auth::pack_plain(1, &body)
    }

    #[test]
    fn pq_must_fit_a_signed_64_bit_integer() {
        assert!(pq_fits_i64(&res_pq(vec![
            0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81
        ])));
        assert!(!pq_fits_i64(&res_pq(vec![0x80, 0, 0, 0, 0, 0, 0, 1])));
        assert!(pq_fits_i64(&res_pq(vec![0xff, 0xff, 0xff, 0xff])));
        assert!(!pq_fits_i64(b"junk"));
    }

    /// Some clients (Telethon) read pq as a signed 64-bit integer: the core's server side
    /// must always choose p, q < 2^31.
    #[test]
    fn the_server_side_always_sends_pq_below_2_63() {
        use mtproto_wasm::auth::server::{ServerConfig, ServerHandshakeMachine};
        use mtproto_wasm::crypto::SeededRandom;
        use mtproto_wasm::tl::mtproto::functions::ReqPqMulti;
        let rsa = crate::rsa::RsaKeyPair::fixed_test_key();
        let key = mtproto_wasm::auth::server::RsaPrivateKey::from_components(
            &rsa.n_bytes(),
            &rsa.e_bytes(),
            &rsa.d.to_bytes_be(),
        )
        .unwrap();
        let config = ServerConfig::new(vec![key]);
        let req = mtproto_wasm::auth::pack_plain(4, &ReqPqMulti { nonce: [3; 16] }.to_bytes());
        let mut rng = SeededRandom::new(5);
        for _ in 0..200 {
            let mut machine = ServerHandshakeMachine::new(config.clone());
            let answer = machine.handle(&req, &mut rng, 1_700_000_000_000).unwrap();
            assert!(pq_fits_i64(&answer));
        }
    }
}
