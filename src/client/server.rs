//! [`TestServer`]: a tiny in-process MTProto server for tests of [`ClientCore`](super::ClientCore)
//! and of the JavaScript `Client` (exported as the hidden `__TestServer`). **Test-only**:
//! it trusts whatever it is given and implements just enough of a DC.
//!
//! Per connection: [`TransportCodec::accept`], then unencrypted packets go to a
//! [`ServerHandshakeMachine`] and encrypted ones to a [`ServerSession`] of the key (a new
//! one when the client's session id changes). It answers `ping`/`ping_delay_disconnect`
//! with `pong`, `get_future_salts`, and `help.getNearestDc` (unwrapping `invokeWithLayer` /
//! `initConnection`); other API methods get `rpc_error` 400. On demand: an `rpc_error` for
//! the next request ([`TestServer::fail_next`]), no answer ([`TestServer::hold_next`]), an
//! update ([`TestServer::push_update`]). Unknown auth keys get transport error -404.
//!
//! Temporary keys (PFS): a handshake with p_q_inner_data_temp_dc makes a temporary key;
//! `auth.bindTempAuthKey` over it is checked with [`verify_bind_message`]; until bound, API
//! methods other than the bind get `401 AUTH_KEY_UNREGISTERED`. A temporary key past its
//! expiry is forgotten (-404). [`TestServer::forget_key`] simulates a server that lost a key.

use std::collections::{HashMap, VecDeque};

use super::SharedRandom;
use crate::auth::bind::{BindInner, verify_bind_message};
use crate::auth::server::{RsaPrivateKey, ServerConfig, ServerHandshakeMachine};
use crate::crypto::{AuthKey, RandomSource};
use crate::session::SessionError;
use crate::session::server::ServerSession;
use crate::tl::mtproto::{functions, types};
use crate::tl::{self, Deserializable, Object, Serializable, Value};
use crate::transport::{AcceptConfig, Framing, Incoming, TransportCodec};

/// A test DC in memory. See the module docs.
pub struct TestServer {
    rsa: RsaPrivateKey,
    rng: SharedRandom,
    dc_id: i32,
    inbox: Vec<u8>,
    open: bool,
    codec: Option<TransportCodec>,
    handshake: Option<ServerHandshakeMachine>,
    keys: HashMap<u64, (AuthKey, u64)>,
    /// Temporary keys: expiry (unix s) and the permanent key bound, if any.
    temp: HashMap<u64, (i64, Option<u64>)>,
    sessions: HashMap<u64, ServerSession>,
    /// The key of the latest encrypted packet (where updates go).
    current: Option<u64>,
    out: VecDeque<Vec<u8>>,
    next_error: Option<(i32, String)>,
    /// The next binds refused with this rpc_error, and how many.
    refuse_binds: (u32, i32, String),
    hold: u32,
    handshakes: u32,
    requests: Vec<String>,
}

impl core::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TestServer")
            .field("handshakes", &self.handshakes)
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// A server with one RSA key, answering as DC `dc_id`.
    pub fn new(rsa: RsaPrivateKey, dc_id: i32, rng: Box<dyn RandomSource + Send>) -> Self {
        Self {
            rsa,
            rng: SharedRandom(std::sync::Arc::new(std::sync::Mutex::new(rng))),
            dc_id,
            inbox: Vec::new(),
            open: false,
            codec: None,
            handshake: None,
            keys: HashMap::new(),
            temp: HashMap::new(),
            sessions: HashMap::new(),
            current: None,
            out: VecDeque::new(),
            next_error: None,
            refuse_binds: (0, 0, String::new()),
            hold: 0,
            handshakes: 0,
            requests: Vec::new(),
        }
    }

    /// A new connection (the previous one, if any, is gone).
    pub fn accept(&mut self) {
        self.close();
        self.open = true;
    }

    /// The connection closed: unsent output is dropped.
    pub fn close(&mut self) {
        self.open = false;
        self.codec = None;
        self.inbox.clear();
        self.handshake = None;
        self.out.clear();
    }

    /// Whether a connection is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// How many handshakes finished.
    pub fn handshakes(&self) -> u32 {
        self.handshakes
    }

    /// The API requests received, as `invokeWithLayer/initConnection/help.getNearestDc`.
    pub fn requests(&self) -> &[String] {
        &self.requests
    }

    /// Forgets a key (its packets get -404 from now on).
    pub fn forget_key(&mut self, auth_key_id: u64) {
        self.keys.remove(&auth_key_id);
        self.temp.remove(&auth_key_id);
        self.sessions.remove(&auth_key_id);
    }

    /// The permanent key a temporary key is bound to.
    pub fn bound_to(&self, temp_auth_key_id: u64) -> Option<u64> {
        self.temp.get(&temp_auth_key_id).and_then(|t| t.1)
    }

    /// The temporary keys made so far and still known.
    pub fn temp_keys(&self) -> usize {
        self.temp.len()
    }

    /// The next API request is answered with this `rpc_error`.
    pub fn fail_next(&mut self, code: i32, message: &str) {
        self.next_error = Some((code, message.to_string()));
    }

    /// The next `count` auth.bindTempAuthKey are answered with this `rpc_error`.
    pub fn refuse_binds(&mut self, count: u32, code: i32, message: &str) {
        self.refuse_binds = (count, code, message.to_string());
    }

    /// Sends the transport error -404 now, as an attacker on the path could (the key stays
    /// known).
    pub fn forge_404(&mut self) -> Result<(), String> {
        let codec = self.codec.as_mut().ok_or("no connection")?;
        let bytes = codec
            .pack_transport_error(-404, &mut self.rng)
            .map_err(|e| e.to_string())?;
        self.out.push_back(bytes);
        Ok(())
    }

    /// The next API request is recorded but not answered.
    pub fn hold_next(&mut self) {
        self.hold = self.hold.saturating_add(1);
    }

    /// Sends `body` (boxed TL) as a server-initiated message on the latest session.
    pub fn push_update(&mut self, now: u64, body: &[u8]) -> Result<(), String> {
        let id = self.current.ok_or("no session yet")?;
        self.send_encrypted(now, id, vec![body.to_vec()])
    }

    /// The next bytes for the client.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// Bytes from the client. An error means the server drops the connection.
    pub fn handle_bytes(&mut self, now: u64, chunk: &[u8]) -> Result<(), String> {
        if !self.open {
            return Err("no connection".into());
        }
        let items = match self.codec.as_mut() {
            Some(codec) => codec.unpack(chunk).map_err(|e| e.to_string())?,
            None => {
                self.inbox.extend_from_slice(chunk);
                let Some(mut codec) = TransportCodec::accept(&self.inbox, &AcceptConfig::default())
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(());
                };
                self.inbox.clear();
                let mut items = Vec::new();
                while let Some(item) = codec.poll().map_err(|e| e.to_string())? {
                    items.push(item);
                }
                self.codec = Some(codec);
                items
            }
        };
        let padded = self
            .codec
            .as_ref()
            .is_some_and(|c| c.framing() == Framing::PaddedIntermediate);
        for item in items {
            if let Incoming::Frame { mut payload, .. } = item {
                let encrypted = payload.get(..8).is_some_and(|id| id != [0; 8]);
                if padded && encrypted && payload.len() > 24 {
                    // padded intermediate: cut to the encrypted packet (24 + 16k bytes)
                    payload.truncate((payload.len().saturating_sub(24) & !15).saturating_add(24));
                }
                self.packet(now, &payload)?;
            }
        }
        Ok(())
    }

    fn send_frame(&mut self, payload: &[u8]) -> Result<(), String> {
        let codec = self.codec.as_mut().ok_or("no connection")?;
        let bytes = codec
            .pack(payload, &mut self.rng)
            .map_err(|e| e.to_string())?;
        self.out.push_back(bytes);
        Ok(())
    }

    fn packet(&mut self, now: u64, payload: &[u8]) -> Result<(), String> {
        let key_id = payload
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or("short packet")?;
        if key_id == 0 {
            return self.handshake_packet(now, payload);
        }
        let secs = (now / 1000) as i64;
        let expired: Vec<u64> = self
            .temp
            .iter()
            .filter(|(_, t)| t.0 <= secs)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.forget_key(id);
        }
        let Some((auth_key, salt)) = self.keys.get(&key_id).cloned() else {
            let codec = self.codec.as_mut().ok_or("no connection")?;
            let bytes = codec
                .pack_transport_error(-404, &mut self.rng)
                .map_err(|e| e.to_string())?;
            self.out.push_back(bytes);
            return Ok(());
        };
        let rng = Box::new(self.rng.clone());
        let session = self
            .sessions
            .entry(key_id)
            .or_insert_with(|| ServerSession::new(auth_key.clone(), salt, 0, rng));
        let packet = match session.decrypt(payload) {
            Err(SessionError::WrongSessionId { .. }) => {
                // The client started a new session (a restart from a saved blob).
                *session = ServerSession::new(auth_key, salt, 0, Box::new(self.rng.clone()));
                session.decrypt(payload).map_err(|e| e.to_string())?
            }
            other => other.map_err(|e| e.to_string())?,
        };
        self.current = Some(key_id);
        let session_id = packet.header.session_id;
        for m in packet.messages {
            let ctx = Ctx {
                key_id,
                session_id,
                msg_id: m.msg_id,
            };
            if let Some(answer) = self.answer(now, ctx, &m.body)? {
                self.send_encrypted(now, key_id, vec![answer])?;
            }
        }
        Ok(())
    }

    fn handshake_packet(&mut self, now: u64, payload: &[u8]) -> Result<(), String> {
        let rsa = self.rsa.clone();
        let machine = self
            .handshake
            .get_or_insert_with(|| ServerHandshakeMachine::new(ServerConfig::new(vec![rsa])));
        let answer = machine
            .handle(payload, &mut self.rng, now)
            .map_err(|e| e.to_string())?;
        if let Some(r) = machine.result() {
            self.keys
                .insert(r.auth_key_id, (r.auth_key.clone(), r.server_salt as u64));
            if let Some(e) = r.expires_in {
                let expires = ((now / 1000) as i64).saturating_add(i64::from(e));
                self.temp.insert(r.auth_key_id, (expires, None));
            }
            self.handshakes = self.handshakes.saturating_add(1);
            self.handshake = None;
        }
        self.send_frame(&answer)
    }

    fn send_encrypted(
        &mut self,
        now: u64,
        key_id: u64,
        bodies: Vec<Vec<u8>>,
    ) -> Result<(), String> {
        let session = self.sessions.get_mut(&key_id).ok_or("no session")?;
        let (packet, _) = session.encrypt(now, &bodies).map_err(|e| e.to_string())?;
        self.send_frame(&packet)
    }

    /// The answer to one client message, if it gets one.
    fn answer(&mut self, now: u64, ctx: Ctx, body: &[u8]) -> Result<Option<Vec<u8>>, String> {
        let msg_id = ctx.msg_id;
        let id = body
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or("empty message")?;
        let secs = i32::try_from(now / 1000).unwrap_or(i32::MAX);
        let result = match id {
            functions::Ping::CONSTRUCTOR_ID => {
                let p = functions::Ping::from_bytes(body).map_err(|e| e.to_string())?;
                return Ok(Some(
                    types::Pong {
                        msg_id,
                        ping_id: p.ping_id,
                    }
                    .to_bytes(),
                ));
            }
            functions::PingDelayDisconnect::CONSTRUCTOR_ID => {
                let p =
                    functions::PingDelayDisconnect::from_bytes(body).map_err(|e| e.to_string())?;
                return Ok(Some(
                    types::Pong {
                        msg_id,
                        ping_id: p.ping_id,
                    }
                    .to_bytes(),
                ));
            }
            functions::GetFutureSalts::CONSTRUCTOR_ID => {
                let salt = self.keys.values().next().map_or(0, |k| k.1) as i64;
                types::FutureSalts {
                    req_msg_id: msg_id,
                    now: secs,
                    // a day of hourly salts (all the same value: this server ignores salts)
                    salts: (-60..24 * 3600 - 60)
                        .step_by(3600)
                        .map(|since| types::FutureSalt {
                            valid_since: secs.saturating_add(since),
                            valid_until: secs.saturating_add(since).saturating_add(3600),
                            salt,
                        })
                        .collect(),
                }
                .to_bytes()
            }
            _ if is_service_message(id) => return Ok(None),
            _ => match self.api_answer(now, ctx, body) {
                Some(r) => r,
                None => return Ok(None),
            },
        };
        Ok(Some(
            types::RpcResult {
                req_msg_id: msg_id,
                result,
            }
            .to_bytes(),
        ))
    }

    fn api_answer(&mut self, now: u64, ctx: Ctx, body: &[u8]) -> Option<Vec<u8>> {
        let mut names = Vec::new();
        let mut v = tl::decode_value(body).ok();
        while let Some(Value::Object(o)) = v {
            names.push(o.name.clone());
            v = match o.name.as_str() {
                "invokeWithLayer" | "initConnection" => o.get("query").cloned(),
                _ => None,
            };
        }
        let method = names.last().cloned().unwrap_or_else(|| "?".into());
        self.requests.push(names.join("/"));
        if self.hold > 0 {
            self.hold = self.hold.saturating_sub(1); // > 0
            return None;
        }
        if let Some((code, message)) = self.next_error.take() {
            return Some(rpc_error(code, &message));
        }
        if method == "auth.bindTempAuthKey" {
            return Some(self.bind(now, ctx, body));
        }
        if self.temp.get(&ctx.key_id).is_some_and(|t| t.1.is_none()) {
            return Some(rpc_error(401, "AUTH_KEY_UNREGISTERED"));
        }
        let answer = match method.as_str() {
            "help.getNearestDc" => tl::encode_value(&Value::Object(
                Object::new("nearestDc")
                    .with("country", Value::String("NL".into()))
                    .with("this_dc", Value::Int(self.dc_id))
                    .with("nearest_dc", Value::Int(self.dc_id)),
            ))
            .ok(),
            _ => None,
        };
        Some(answer.unwrap_or_else(|| rpc_error(400, "METHOD_NOT_IMPLEMENTED_BY_TEST_SERVER")))
    }
}

impl TestServer {
    /// auth.bindTempAuthKey over the temporary key `ctx.key_id`.
    fn bind(&mut self, now: u64, ctx: Ctx, body: &[u8]) -> Vec<u8> {
        if self.refuse_binds.0 > 0 {
            self.refuse_binds.0 = self.refuse_binds.0.saturating_sub(1); // > 0
            return rpc_error(self.refuse_binds.1, &self.refuse_binds.2);
        }
        let invalid = || rpc_error(400, "ENCRYPTED_MESSAGE_INVALID");
        let Ok(Value::Object(o)) = tl::decode_value(body) else {
            return invalid();
        };
        let long = |k: &str| match o.get(k) {
            Some(Value::Long(v)) => Some(*v),
            Some(Value::Int(v)) => Some(i64::from(*v)),
            _ => None,
        };
        let (Some(perm_id), Some(nonce), Some(expires_at)) =
            (long("perm_auth_key_id"), long("nonce"), long("expires_at"))
        else {
            return invalid();
        };
        let Some(Value::Bytes(encrypted)) = o.get("encrypted_message") else {
            return invalid();
        };
        let Some(&(_, bound)) = self.temp.get(&ctx.key_id) else {
            return rpc_error(400, "TEMP_AUTH_KEY_EMPTY");
        };
        if bound.is_some() {
            return rpc_error(400, "TEMP_AUTH_KEY_ALREADY_BOUND");
        }
        let perm = self
            .keys
            .get(&(perm_id as u64))
            .filter(|_| !self.temp.contains_key(&(perm_id as u64)));
        let (Some((perm_key, _)), Ok(expires_at)) = (perm, i32::try_from(expires_at)) else {
            return invalid();
        };
        if i64::from(expires_at) <= (now / 1000) as i64 {
            return rpc_error(400, "EXPIRES_AT_INVALID");
        }
        let expected = BindInner {
            nonce,
            temp_auth_key_id: ctx.key_id as i64,
            perm_auth_key_id: perm_id,
            temp_session_id: ctx.session_id as i64,
            expires_at,
        };
        if verify_bind_message(perm_key, encrypted, ctx.msg_id, &expected).is_err() {
            return invalid();
        }
        if let Some(t) = self.temp.get_mut(&ctx.key_id) {
            t.1 = Some(perm_id as u64);
        }
        tl::encode_value(&Value::Bool(true)).unwrap_or_default()
    }
}

/// Where a client message came from.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    key_id: u64,
    session_id: u64,
    msg_id: i64,
}

fn rpc_error(code: i32, message: &str) -> Vec<u8> {
    types::RpcError {
        error_code: code,
        error_message: message.to_string(),
    }
    .to_bytes()
}

/// Service messages the test server ignores (acks, state requests, ...).
fn is_service_message(id: u32) -> bool {
    [
        types::MsgsAck::CONSTRUCTOR_ID,
        types::MsgsStateReq::CONSTRUCTOR_ID,
        types::MsgsStateInfo::CONSTRUCTOR_ID,
        types::MsgsAllInfo::CONSTRUCTOR_ID,
        types::MsgResendReq::CONSTRUCTOR_ID,
        functions::RpcDropAnswer::CONSTRUCTOR_ID,
        functions::DestroySession::CONSTRUCTOR_ID,
    ]
    .contains(&id)
}
