//! [`HandshakeMachine`]: the typed client states in one plain enum, with the unencrypted
//! envelope and client message ids, for callers that keep a single value (the JS API, the
//! session).
//!
//! Call order: [`HandshakeMachine::start`] (send its packet), then [`HandshakeMachine::handle`]
//! (or [`HandshakeMachine::handle_with_cache`]) for each server packet (send what it
//! returns) until it returns `Ok(None)`; then [`HandshakeMachine::result`]. The first error closes the machine: every later `handle`
//! fails with [`AuthError::Closed`] carrying the first error's message.

use super::client::{AuthResult, AwaitingDhGen, AwaitingDhParams, AwaitingResPq, DhGenOutcome};
use super::plain::{MsgIdClock, pack_plain, unpack_plain};
use super::{AuthError, HandshakeConfig};
use crate::crypto::{DhPrimeCache, RandomSource};

/// Where a [`HandshakeMachine`] is.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
#[allow(clippy::large_enum_variant)] // moved a handful of times per handshake: boxing buys nothing
enum State {
    ResPq(AwaitingResPq),
    DhParams(AwaitingDhParams),
    DhGen(AwaitingDhGen),
    Done(AuthResult),
    Closed(String),
}

/// A client handshake driven packet by packet (unencrypted envelopes in and out).
/// With the `fuzzing` feature it is `Clone`, so a fuzz target can resume one step many
/// times without repeating the work before it.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct HandshakeMachine {
    state: State,
    clock: MsgIdClock,
    cache: DhPrimeCache,
}

impl HandshakeMachine {
    /// Starts a handshake at unix time `now_ms`; returns the machine and the first packet
    /// (req_pq_multi in its envelope). [`HandshakeMachine::handle`] then uses a fresh
    /// [`DhPrimeCache`] (with the known-prime table); an owner that runs many handshakes
    /// keeps one cache and lends it to [`HandshakeMachine::handle_with_cache`] instead.
    pub fn start(
        config: HandshakeConfig,
        rng: &mut dyn RandomSource,
        now_ms: u64,
    ) -> Result<(Self, Vec<u8>), AuthError> {
        Self::start_with_cache(config, DhPrimeCache::new(), rng, now_ms)
    }

    /// Like [`HandshakeMachine::start`], with a prime cache carried over from earlier
    /// handshakes for [`HandshakeMachine::handle`] (take it back with
    /// [`HandshakeMachine::into_cache`]; a machine dropped half-way loses it, which
    /// [`HandshakeMachine::handle_with_cache`] avoids).
    pub fn start_with_cache(
        config: HandshakeConfig,
        cache: DhPrimeCache,
        rng: &mut dyn RandomSource,
        now_ms: u64,
    ) -> Result<(Self, Vec<u8>), AuthError> {
        let (state, body) = AwaitingResPq::start(config, rng)?;
        let mut clock = MsgIdClock::new();
        let packet = pack_plain(clock.next(now_ms, 0), &body);
        let machine = Self {
            state: State::ResPq(state),
            clock,
            cache,
        };
        Ok((machine, packet))
    }

    /// Handles one server packet at unix time `now_ms`: `Ok(Some(packet))` is the next
    /// packet to send, `Ok(None)` means the key is ready ([`HandshakeMachine::result`]).
    /// dh_prime verdicts go to the machine's own cache (see
    /// [`HandshakeMachine::handle_with_cache`] for one shared across handshakes).
    ///
    /// Any error closes the machine, except [`AuthError::Finished`] (a packet after the
    /// end), which leaves the result in place.
    pub fn handle(
        &mut self,
        packet: &[u8],
        rng: &mut dyn RandomSource,
        now_ms: u64,
    ) -> Result<Option<Vec<u8>>, AuthError> {
        let mut cache = core::mem::take(&mut self.cache);
        let out = self.handle_with_cache(packet, rng, now_ms, &mut cache);
        self.cache = cache;
        out
    }

    /// Like [`HandshakeMachine::handle`], with the dh_prime verdicts read from and written
    /// to `cache`, which the caller keeps across handshakes (and lends to secret chats'
    /// [`crate::crypto::DhParams::verify`]): a prime is tested once per owner. Nothing is
    /// lost when a handshake is dropped half-way. The machine's own cache is not used.
    pub fn handle_with_cache(
        &mut self,
        packet: &[u8],
        rng: &mut dyn RandomSource,
        now_ms: u64,
        cache: &mut DhPrimeCache,
    ) -> Result<Option<Vec<u8>>, AuthError> {
        match &self.state {
            State::Done(_) => return Err(AuthError::Finished),
            State::Closed(first) => return Err(AuthError::Closed(first.clone())),
            _ => {}
        }
        let state = core::mem::replace(&mut self.state, State::Closed(String::new()));
        match Self::step(state, packet, rng, now_ms, cache) {
            Ok((next, body)) => {
                self.state = next;
                Ok(body.map(|b| pack_plain(self.clock.next(now_ms, 0), &b)))
            }
            Err(e) => {
                self.state = State::Closed(e.to_string());
                Err(e)
            }
        }
    }

    fn step(
        state: State,
        packet: &[u8],
        rng: &mut dyn RandomSource,
        now_ms: u64,
        cache: &mut DhPrimeCache,
    ) -> Result<(State, Option<Vec<u8>>), AuthError> {
        let (_msg_id, body) = unpack_plain(packet)?;
        Ok(match state {
            State::ResPq(s) => {
                let (next, out) = s.handle(body, rng)?;
                (State::DhParams(next), Some(out))
            }
            State::DhParams(s) => {
                let (next, out) = s.handle(body, rng, now_ms, cache)?;
                (State::DhGen(next), Some(out))
            }
            State::DhGen(s) => match s.handle(body, rng)? {
                DhGenOutcome::Done(result) => (State::Done(result), None),
                DhGenOutcome::Retry(next, out) => (State::DhGen(next), Some(out)),
            },
            State::Done(_) => return Err(AuthError::Finished),
            State::Closed(first) => return Err(AuthError::Closed(first)),
        })
    }

    /// The result, once `handle` has returned `Ok(None)`.
    pub fn result(&self) -> Option<&AuthResult> {
        match &self.state {
            State::Done(r) => Some(r),
            _ => None,
        }
    }

    /// Takes the result out (None before the end).
    pub fn into_result(self) -> Option<AuthResult> {
        match self.state {
            State::Done(r) => Some(r),
            _ => None,
        }
    }

    /// The message of the error that closed the machine, if one did.
    pub fn closed_by(&self) -> Option<&str> {
        match &self.state {
            State::Closed(first) => Some(first),
            _ => None,
        }
    }

    /// The prime cache, to carry into the next handshake.
    pub fn into_cache(self) -> DhPrimeCache {
        self.cache
    }
}
