//! The server side of the handshake, sans-IO, for the test DC and for tests.
//!
//! Spec: <https://core.telegram.org/mtproto/auth_key> (the server's half of each step).
//!
//! ```text
//!  ServerAwaitingReqPq     <- req_pq_multi | req_pq      -> resPQ (pq = p*q, two random 32-bit primes)
//!  ServerAwaitingReqDh     <- req_DH_params              -> server_DH_params_ok (g, dh_prime, g_a)
//!                                                           | server_DH_params_fail (if configured)
//!  ServerAwaitingClientDh  <- set_client_DH_params       -> dh_gen_ok | dh_gen_retry (once, if
//!                                                           configured) | dh_gen_fail (if configured)
//!  ServerAuthResult
//! ```
//! Accepts p_q_inner_data, _dc, _temp and _temp_dc, encrypted with RSA_PAD or the legacy
//! SHA1 scheme ([`RsaPrivateKey::decrypt_inner_data`]). Checks what a server must:
//! nonces, p and q, the key fingerprint, the client_DH_inner_data hash and retry_id, g_b's
//! range. [`ServerHandshakeMachine`] wraps the states with the unencrypted envelope.

pub use super::server_key::RsaPrivateKey;
pub use super::server_states::{
    ServerAuthResult, ServerAwaitingClientDh, ServerAwaitingReqDh, ServerAwaitingReqPq,
    ServerDhGenOutcome, ServerDhParamsOutcome,
};

use super::AuthError;
use super::plain::{MsgIdClock, pack_plain, unpack_plain};
use crate::crypto::RandomSource;
use crate::crypto::TELEGRAM_DH_PRIME;

/// How the server answers set_client_DH_params.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DhGenMode {
    /// dh_gen_ok.
    #[default]
    Ok,
    /// dh_gen_retry the first time, then dh_gen_ok.
    RetryOnce,
    /// dh_gen_fail.
    Fail,
}

/// The server's keys and behaviour.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The key pairs offered in resPQ (all their fingerprints, in this order).
    pub keys: Vec<RsaPrivateKey>,
    /// Extra fingerprints listed in resPQ before the keys' own (unknown keys, for tests).
    pub extra_fingerprints: Vec<u64>,
    /// dh_prime (big-endian, 256 bytes). Default: Telegram's current prime.
    pub dh_prime: Vec<u8>,
    /// g. Default 3.
    pub g: i32,
    /// Answer server_DH_params_fail instead of _ok.
    pub fail_dh_params: bool,
    /// How to answer set_client_DH_params.
    pub dh_gen: DhGenMode,
}

impl ServerConfig {
    /// A server with `keys`, Telegram's dh_prime, g = 3, answering dh_gen_ok.
    pub fn new(keys: Vec<RsaPrivateKey>) -> Self {
        Self {
            keys,
            extra_fingerprints: Vec::new(),
            dh_prime: TELEGRAM_DH_PRIME.to_vec(),
            g: 3,
            fail_dh_params: false,
            dh_gen: DhGenMode::Ok,
        }
    }
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // moved a handful of times per handshake: boxing buys nothing
enum State {
    ReqPq(ServerAwaitingReqPq),
    ReqDh(ServerAwaitingReqDh),
    ClientDh(ServerAwaitingClientDh),
    Done(ServerAuthResult),
    Closed(String),
}

/// A server handshake driven packet by packet (unencrypted envelopes in and out).
#[derive(Debug)]
pub struct ServerHandshakeMachine {
    state: State,
    clock: MsgIdClock,
}

impl ServerHandshakeMachine {
    /// A server waiting for req_pq_multi / req_pq.
    pub fn new(config: ServerConfig) -> Self {
        Self {
            state: State::ReqPq(ServerAwaitingReqPq::new(config)),
            clock: MsgIdClock::new(),
        }
    }

    /// Handles one client packet at unix time `now_ms`; returns the answer packet, if any.
    /// After dh_gen_ok, [`ServerHandshakeMachine::result`] holds the key. After
    /// server_DH_params_fail or dh_gen_fail (configured), or any error, the machine is
    /// closed.
    pub fn handle(
        &mut self,
        packet: &[u8],
        rng: &mut dyn RandomSource,
        now_ms: u64,
    ) -> Result<Vec<u8>, AuthError> {
        let state = core::mem::replace(&mut self.state, State::Closed(String::new()));
        let result = match state {
            State::Done(r) => {
                self.state = State::Done(r);
                return Err(AuthError::Finished);
            }
            State::Closed(first) => {
                let e = AuthError::Closed(first.clone());
                self.state = State::Closed(first);
                return Err(e);
            }
            State::ReqPq(s) => {
                Self::step(packet, |b| s.handle(b, rng)).map(|(n, o)| (State::ReqDh(n), o))
            }
            State::ReqDh(s) => {
                Self::step(packet, |b| s.handle(b, rng, now_ms)).map(|(n, o)| match n {
                    ServerDhParamsOutcome::Continue(n) => (State::ClientDh(n), o),
                    ServerDhParamsOutcome::Failed => {
                        (State::Closed("server_DH_params_fail sent".into()), o)
                    }
                })
            }
            State::ClientDh(s) => Self::step(packet, |b| s.handle(b, rng)).map(|(n, o)| match n {
                ServerDhGenOutcome::Done(r) => (State::Done(r), o),
                ServerDhGenOutcome::Retry(n) => (State::ClientDh(n), o),
                ServerDhGenOutcome::Failed => (State::Closed("dh_gen_fail sent".into()), o),
            }),
        };
        match result {
            Ok((state, body)) => {
                self.state = state;
                Ok(pack_plain(self.clock.next_server(now_ms), &body))
            }
            Err(e) => {
                self.state = State::Closed(e.to_string());
                Err(e)
            }
        }
    }

    fn step<T>(
        packet: &[u8],
        f: impl FnOnce(&[u8]) -> Result<(T, Vec<u8>), AuthError>,
    ) -> Result<(T, Vec<u8>), AuthError> {
        let (_msg_id, body) = unpack_plain(packet)?;
        f(body)
    }

    /// The key, after dh_gen_ok was sent.
    pub fn result(&self) -> Option<&ServerAuthResult> {
        match &self.state {
            State::Done(r) => Some(r),
            _ => None,
        }
    }
}
