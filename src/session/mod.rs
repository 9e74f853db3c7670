//! The MTProto 2.0 session: encrypted messages over an established auth key, sans-IO.
//!
//! Spec: <https://core.telegram.org/mtproto/description>,
//! <https://core.telegram.org/mtproto/service_messages>,
//! <https://core.telegram.org/mtproto/service_messages_about_messages>,
//! <https://core.telegram.org/mtproto/security_guidelines>.
//!
//! - [`envelope`]: packet encryption/decryption with every envelope check (both sides).
//! - [`msg_id`], [`seq_no`]: identifiers and sequence numbers.
//! - [`incoming`]: the msg_id window and the set of recent ids.
//! - [`pending`]: requests (stable [`RequestId`]s) and sent messages.
//! - [`server`]: the server side of a session, for the test DC and tests.
//! - [`Session`]: the client state machine (outgoing queue and containers in `outgoing.rs`,
//!   service messages in `service.rs`).
// Reads network bytes: no indexing that can panic, no arithmetic that can overflow
// (docs/limits.md, "Panics and arithmetic").
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

mod config;
pub mod envelope;
mod error;
mod events;
#[cfg(feature = "fuzzing")]
mod fuzz_hook;
pub mod incoming;
pub mod msg_id;
mod outgoing;
pub mod pending;
pub mod seq_no;
pub mod server;
mod service;
mod timer;

pub use config::SessionConfig;
pub use envelope::{
    DecryptedMessage, MessageHeader, decrypt_message, encrypt_message, encrypt_plaintext,
};
pub use error::{Action, SessionError};
pub use events::{FailureReason, SessionEvent, SessionState, SessionStats};
pub use outgoing::{MAX_CONTAINER_BYTES, MAX_CONTAINER_MESSAGES, MAX_MESSAGE_SIZE};
pub use pending::{BodyForMsgId, RequestId};
pub use service::MAX_INFLATED_PER_PACKET;
pub use timer::Timer;

use std::collections::VecDeque;
use zeroize::Zeroizing;

use crate::crypto::{AuthKey, RandomSource, Side};
use incoming::RecentIds;
use msg_id::MsgIdGenerator;
use pending::{Pending, Purpose};
use seq_no::SeqNo;
use timer::Timers;

/// At most this many requests may be unresolved at once (in a [`Session`], and in a
/// `ClientCore` counting those waiting for a connection); the next `invoke` fails.
pub const MAX_PENDING_REQUESTS: usize = 10_000;

/// Options of one request.
#[derive(Debug, Clone, Copy, Default)]
pub struct InvokeOptions {
    /// Wrap in `invokeAfterMsg` so the server runs it after this request.
    pub after: Option<RequestId>,
}

/// What waits in the send queue.
#[derive(Debug, Clone)]
enum Queued {
    /// A request; `true` when it must travel alone (bad_msg_notification 64).
    Request(RequestId, bool),
    Service {
        body: pending::Body,
        purpose: Purpose,
        /// Must travel alone (bad_msg_notification 64).
        alone: bool,
    },
}

/// An MTProto 2.0 client session over one auth key.
///
/// Sans-IO: time (ms since the Unix epoch) and bytes come in, bytes and events go out.
/// Drive it like this, after every input:
///
/// 1. feed what arrives: [`Session::handle_input`] with each whole transport frame (the
///    framing layer has already cut it), [`Session::handle_timeout`] when the deadline of
///    [`Session::poll_timeout`] has passed; call [`Session::invoke`] / [`Session::cancel`]
///    for the app;
/// 2. drain [`Session::poll_transmit`] until `None` and send each packet (frame it first);
/// 3. re-read [`Session::poll_timeout`] and arm your timer;
/// 4. drain [`Session::poll_event`] until `None`.
///
/// After a new connection, call [`Session::on_reconnect`] and continue at step 2. Time
/// must not go backwards (a late `now` is treated as the latest seen).
pub struct Session {
    auth_key: AuthKey,
    auth_key_id: u64,
    config: SessionConfig,
    salt: u64,
    session_id: u64,
    ids: MsgIdGenerator,
    time_synced: bool,
    seq: SeqNo,
    recent: RecentIds,
    rng: Box<dyn RandomSource + Send>,
    queue: VecDeque<Queued>,
    acks: Vec<i64>,
    ack_due: bool,
    pending: Pending,
    future_salts: Vec<crate::tl::mtproto::types::FutureSalt>,
    salts_requested: bool,
    timers: Timers,
    events: VecDeque<SessionEvent>,
    stats: SessionStats,
    next_ping_id: i64,
    keepalive_ping: Option<i64>,
    /// Set while handling a clock-correction packet let through the time window.
    window_override: bool,
    /// What the gzip_packed of the packet being handled may still inflate to.
    inflate_budget: usize,
    now: u64,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("auth_key_id", &format_args!("{:016x}", self.auth_key_id))
            .field("session_id", &format_args!("{:016x}", self.session_id))
            .field("pending", &self.pending.requests.len())
            .field("queued", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A new session. `rng` supplies the session id (when not given), padding and ping ids:
    /// [`crate::crypto::OsRandom`] in production, a seeded source in tests.
    pub fn new(
        config: SessionConfig,
        mut rng: Box<dyn RandomSource + Send>,
    ) -> Result<Self, SessionError> {
        let session_id = match config.session_id {
            Some(id) => id,
            None => random_u64(&mut *rng)?,
        };
        let auth_key = config.auth_key.clone();
        Ok(Self {
            auth_key_id: auth_key.id(),
            auth_key,
            salt: config.server_salt,
            session_id,
            ids: MsgIdGenerator::new(config.time_offset_ms.unwrap_or(0)),
            time_synced: config.time_offset_ms.is_some(),
            seq: SeqNo::new(),
            recent: RecentIds::new(config.recent_ids),
            next_ping_id: (random_u64(&mut *rng)? >> 2) as i64,
            rng,
            queue: VecDeque::new(),
            acks: Vec::new(),
            ack_due: false,
            pending: Pending::default(),
            future_salts: Vec::new(),
            salts_requested: false,
            timers: Timers::default(),
            events: VecDeque::new(),
            stats: SessionStats::default(),
            keepalive_ping: None,
            window_override: false,
            inflate_budget: service::MAX_INFLATED_PER_PACKET,
            now: 0,
            config,
        })
    }

    /// Queues a request (`body`: the boxed TL of a method) and returns its id. It is sent
    /// by the next [`Session::poll_transmit`]; its outcome arrives as exactly one of
    /// [`SessionEvent::RpcResult`], [`SessionEvent::RpcError`] or
    /// [`SessionEvent::RequestFailed`].
    pub fn invoke(
        &mut self,
        body: Vec<u8>,
        opts: InvokeOptions,
    ) -> Result<RequestId, SessionError> {
        let body = pending::Body::new(body);
        if body.len() < 4 || body.len() % 4 != 0 {
            return Err(SessionError::InvalidArgument(
                "request body must be boxed TL (at least 4 bytes, a multiple of 4)",
            ));
        }
        if body.len() > MAX_MESSAGE_SIZE {
            return Err(SessionError::MessageTooLarge { len: body.len() });
        }
        if self.pending.requests.len() >= MAX_PENDING_REQUESTS {
            return Err(SessionError::TooManyPending);
        }
        let id = self.pending.add(body, opts.after);
        self.queue.push_back(Queued::Request(id, false));
        Ok(id)
    }

    /// Queues a request whose body depends on the msg_id and session_id it is sent with
    /// (auth.bindTempAuthKey: "msg_id the same as that of the outer request"). `build` is
    /// called again for every resend; it must return bodies of one length. Never gzipped,
    /// never wrapped in invokeAfterMsg.
    pub fn invoke_with_msg_id(&mut self, build: BodyForMsgId) -> Result<RequestId, SessionError> {
        let body = (build.0)(0, self.session_id);
        let id = self.invoke(body, InvokeOptions::default())?;
        if let Some(r) = self.pending.requests.get_mut(&id) {
            r.for_msg_id = Some(build);
        }
        Ok(id)
    }

    /// Cancels a request: it fails with [`FailureReason::Cancelled`] now; if a copy is in
    /// flight, `rpc_drop_answer` asks the server to drop the answer. Returns false if the
    /// request is unknown or already resolved.
    pub fn cancel(&mut self, request: RequestId) -> bool {
        let Some(r) = self.pending.resolve(request) else {
            return false;
        };
        self.queue
            .retain(|q| !matches!(q, Queued::Request(id, _) if *id == request));
        if let (Some(msg_id), false) = (r.msg_id, r.queued) {
            let body =
                crate::tl::Serializable::to_bytes(&crate::tl::mtproto::functions::RpcDropAnswer {
                    req_msg_id: msg_id,
                });
            self.queue_service(body, Purpose::DropAnswer);
        }
        self.events.push_back(SessionEvent::RequestFailed {
            request,
            reason: FailureReason::Cancelled,
        });
        true
    }

    /// Sends a `ping` (the answer is [`SessionEvent::Pong`]); returns the ping_id.
    pub fn ping(&mut self) -> i64 {
        let ping_id = self.take_ping_id();
        let body =
            crate::tl::Serializable::to_bytes(&crate::tl::mtproto::functions::Ping { ping_id });
        self.queue_service(body, Purpose::Ping(ping_id));
        ping_id
    }

    /// Feeds one whole transport frame (an encrypted packet) received at `now`.
    /// A packet failing any check is dropped, counted and reported as
    /// [`SessionEvent::ProtocolError`]; the session keeps working.
    pub fn handle_input(&mut self, now: u64, frame: &[u8]) {
        self.advance(now);
        let packet = if self.config.trim_transport_padding && frame.len() > 24 {
            // 24 header bytes, then whole 16-byte blocks (len > 24: no saturation).
            let keep = (frame.len().saturating_sub(24) & !15).saturating_add(24);
            frame.get(..keep).unwrap_or(frame)
        } else {
            frame
        };
        let msg = match envelope::decrypt_message_with_id(
            &self.auth_key,
            self.auth_key_id,
            Side::Server,
            packet,
        ) {
            Ok(m) => m,
            Err(e) => return self.drop_input(e),
        };
        // The plaintext is wiped when this call ends, whichever way it ends.
        let (header, body) = (msg.header, Zeroizing::new(msg.body));
        if header.session_id != self.session_id {
            return self.drop_input(SessionError::WrongSessionId {
                got: header.session_id,
            });
        }
        let mut window = self.window_now();
        if let Some(server_now) = window {
            let ahead = msg_id::msg_id_time_ms(header.msg_id)
                > server_now.saturating_add(incoming::MAX_AHEAD_MS);
            if ahead && !self.is_time_fix_for_us(&body) {
                return self.server_clock_ahead(header.msg_id);
            }
        }
        if let Err(e) = self.recent.check(header.msg_id, window) {
            // A clock-correction notice about a message of ours in flight is let through
            // the time window (not the duplicate check): with a wrong clock offset it is
            // exactly the message that arrives "out of the window".
            let is_fix = matches!(e, SessionError::MsgIdOutOfWindow { .. })
                && self.is_time_fix_for_us(&body);
            if !is_fix {
                return self.drop_input(e);
            }
            window = None;
            if let Err(e) = self.recent.check(header.msg_id, window) {
                return self.drop_input(e);
            }
        }
        self.window_override = window.is_none() && self.time_synced;
        self.recent.record(header.msg_id);
        self.stats.packets_accepted = self.stats.packets_accepted.saturating_add(1);
        self.arm_keepalive();
        self.inflate_budget = service::MAX_INFLATED_PER_PACKET;
        self.process_message(header.msg_id, header.seq_no, &body, 0);
        self.window_override = false;
        self.maybe_request_salts();
    }

    /// Runs the timers due at `now`. A call with nothing due does nothing.
    pub fn handle_timeout(&mut self, now: u64) {
        self.advance(now);
        let now = self.now;
        if self.timers.expire(Timer::Ack, now) && !self.acks.is_empty() {
            self.ack_due = true;
        }
        if self.timers.expire(Timer::PongDeadline, now) && self.keepalive_ping.take().is_some() {
            self.events.push_back(SessionEvent::KeepAliveTimeout);
        }
        if self.timers.expire(Timer::KeepAlive, now) {
            self.send_keepalive();
        }
        if self.timers.expire(Timer::Salt, now) {
            self.update_salt();
        }
    }

    /// The earliest timer deadline (ms since the epoch), if any.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let t = self.timers.next();
        if self.ack_due || !self.queue.is_empty() {
            // Something is ready now: poll_transmit will take it.
            return Some(t.map_or(self.now, |t| t.min(self.now)));
        }
        t
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// After a new connection: requests the server did not acknowledge are sent again
    /// (with new msg_ids), acknowledged ones still unanswered are asked about with
    /// `msgs_state_req`, the keep-alive restarts.
    pub fn on_reconnect(&mut self, now: u64) {
        self.advance(now);
        self.keepalive_ping = None;
        self.timers.stop(Timer::PongDeadline);
        self.timers.stop(Timer::KeepAlive);
        let acked: Vec<i64> = self
            .pending
            .acked_unanswered()
            .into_iter()
            .map(|(_, m)| m)
            .collect();
        let items = self.pending.take_all_for_resend(true);
        // A lost connection is not the request's fault: these resends do not count against
        // max_sends (the Client reconnects with backoff for as long as it lives).
        self.requeue_sent_after_reconnect(items);
        if !acked.is_empty() {
            self.send_state_req(acked);
        }
        if !self.acks.is_empty() {
            self.ack_due = true;
        }
    }

    /// The state to save (salt, time offset, session id); the auth key is the caller's.
    pub fn state(&self) -> SessionState {
        SessionState {
            server_salt: self.salt,
            time_offset_ms: self.time_synced.then(|| self.ids.offset_ms()),
            session_id: self.session_id,
        }
    }

    /// The counters.
    pub fn stats(&self) -> &SessionStats {
        &self.stats
    }

    /// The session id.
    pub fn session_id(&self) -> u64 {
        self.session_id
    }

    /// The server salt in use.
    pub fn server_salt(&self) -> u64 {
        self.salt
    }

    /// How many requests are unresolved.
    pub fn pending_requests(&self) -> usize {
        self.pending.requests.len()
    }

    // --- internals shared by outgoing.rs and service.rs ---------------------------------

    fn advance(&mut self, now: u64) {
        self.now = self.now.max(now);
    }

    fn window_now(&self) -> Option<i64> {
        self.time_synced.then(|| self.ids.server_time_ms(self.now))
    }

    /// An authenticated packet of this session more than 30 s ahead of our estimate of the
    /// server's clock. It is dropped like any packet outside the window, but it is also
    /// proof that the estimate fell behind (a replay can only be late, never early): the
    /// server accepts our ids up to 300 s old, so no bad_msg_notification would ever tell
    /// us, and every answer would be dropped from now on. The estimate moves forward to
    /// this msg_id, and the state of every request in flight is asked for, so answers lost
    /// this way are sent again (msgs_state_req -> msg_resend_ans_req) without running any
    /// request twice.
    fn server_clock_ahead(&mut self, msg_id: i64) {
        self.drop_input(SessionError::MsgIdOutOfWindow { msg_id });
        let offset_ms = self.ids.sync_from_server_msg_id(msg_id, self.now);
        self.events
            .push_back(SessionEvent::TimeCorrected { offset_ms });
        let in_flight = self.pending.in_flight_requests();
        if !in_flight.is_empty() {
            self.send_state_req(in_flight);
        }
    }

    fn drop_input(&mut self, error: SessionError) {
        let dropped = self.stats.dropped.entry(error.kind()).or_default();
        *dropped = dropped.saturating_add(1);
        self.events.push_back(SessionEvent::ProtocolError { error });
    }

    fn take_ping_id(&mut self) -> i64 {
        self.next_ping_id = self.next_ping_id.wrapping_add(1);
        self.next_ping_id
    }

    fn queue_service(&mut self, body: impl Into<pending::Body>, purpose: Purpose) {
        self.queue.push_back(Queued::Service {
            body: body.into(),
            purpose,
            alone: false,
        });
    }

    fn arm_keepalive(&mut self) {
        if self.config.ping_interval_ms > 0 && self.timers.get(Timer::KeepAlive).is_none() {
            self.timers.set(
                Timer::KeepAlive,
                self.now.saturating_add(self.config.ping_interval_ms),
            );
        }
    }

    fn send_keepalive(&mut self) {
        if self.config.ping_interval_ms == 0 {
            return;
        }
        let ping_id = self.take_ping_id();
        let delay = self
            .config
            .ping_interval_ms
            .saturating_add(self.config.pong_timeout_ms)
            / 1000;
        let body = crate::tl::Serializable::to_bytes(
            &crate::tl::mtproto::functions::PingDelayDisconnect {
                ping_id,
                disconnect_delay: i32::try_from(delay).unwrap_or(i32::MAX),
            },
        );
        self.queue_service(body, Purpose::KeepAlive(ping_id));
        if self.keepalive_ping.is_none() {
            self.timers.set(
                Timer::PongDeadline,
                self.now.saturating_add(self.config.pong_timeout_ms),
            );
        }
        self.keepalive_ping = Some(ping_id);
        self.timers.set(
            Timer::KeepAlive,
            self.now.saturating_add(self.config.ping_interval_ms),
        );
    }

    /// Puts taken-out sent messages back in the queue (they get new msg_ids). A request
    /// sent [`SessionConfig::max_sends`] times fails instead.
    fn requeue_sent(&mut self, items: Vec<pending::Sent>) {
        self.requeue(items, true);
    }

    /// Like [`Self::requeue_sent`], without the max_sends limit.
    fn requeue_sent_after_reconnect(&mut self, items: Vec<pending::Sent>) {
        self.requeue(items, false);
    }

    fn requeue(&mut self, items: Vec<pending::Sent>, limited: bool) {
        for s in items {
            self.stats.resent = self.stats.resent.saturating_add(1);
            match s.purpose {
                Purpose::Request(r) => {
                    let too_many = limited
                        && self
                            .pending
                            .requests
                            .get(&r)
                            .is_some_and(|q| q.sends >= self.config.max_sends);
                    if too_many {
                        self.pending.resolve(r);
                        self.events.push_back(SessionEvent::RequestFailed {
                            request: r,
                            reason: FailureReason::TooManyResends,
                        });
                    } else if self.pending.requeue(r) {
                        self.queue.push_back(Queued::Request(r, false));
                    }
                }
                Purpose::KeepAlive(_) => {
                    // a keep-alive is not worth resending: the next one will follow
                }
                purpose => self.queue_service(s.body, purpose),
            }
        }
    }

    /// Starts a new session: new id, seq_no from 0, ids may restart; everything in flight
    /// is sent again.
    fn reset_session(&mut self) -> Result<(), SessionError> {
        self.session_id = random_u64(&mut *self.rng)?;
        self.seq = SeqNo::new();
        self.ids.reset();
        self.recent.clear();
        self.acks.clear();
        self.ack_due = false;
        let items = self.pending.take_all_for_resend(false);
        self.pending.forget_services();
        self.requeue_sent(items);
        self.events.push_back(SessionEvent::SessionReset {
            session_id: self.session_id,
        });
        Ok(())
    }
}

fn random_u64(rng: &mut dyn RandomSource) -> Result<u64, SessionError> {
    let mut b = [0u8; 8];
    rng.fill(&mut b).map_err(SessionError::Random)?;
    Ok(u64::from_le_bytes(b))
}
