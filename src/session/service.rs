//! Incoming messages: containers, rpc_result, and every service message.
//!
//! Spec: <https://core.telegram.org/mtproto/service_messages>,
//! <https://core.telegram.org/mtproto/service_messages_about_messages>.
//!
//! | message | what the session does |
//! |---|---|
//! | `msg_container` | each inner message is checked (odd id, window, not a duplicate, no nested container) and handled |
//! | `gzip_packed` | inflated and handled; every gzip_packed of a packet shares one 16 MiB budget, and one that inflates to another gzip_packed is dropped (`NestedGzip`) |
//! | `rpc_result` | resolves the request of any of its msg_ids (gzip_packed inflated; `rpc_error` becomes [`SessionEvent::RpcError`]); unknown ids are ignored |
//! | `msgs_ack` | marks our messages acknowledged (they will not be resent on reconnect) |
//! | `bad_server_salt` | takes the new salt, resends the message (or the container's messages) under new ids |
//! | `bad_msg_notification` | 16/17: corrects the time offset from the notification's msg_id, resends; 32/33: new session, resends everything; 48: resends and fetches salts; 64: resends each message of the container alone; 18/19/20/34/35: resends |
//! | `new_session_created` | takes the salt, reports [`SessionEvent::NewSessionCreated`] |
//! | `future_salts` | stores the salts, switches to each on time, fetches more ahead |
//! | `pong` | [`SessionEvent::Pong`]; clears the keep-alive deadline |
//! | `msgs_state_req` | answers `msgs_state_info` from the recent-ids set |
//! | `msgs_state_info`, `msgs_all_info` | resends our messages reported as not received (states 1-3); for a request received (4) but unanswered and not still processing, asks for the lost answer with `msg_resend_ans_req` (and resends the request if the server no longer has it) |
//! | `msg_resend_req` | resends the listed messages of ours under new ids |
//! | `msg_detailed_info`, `msg_new_detailed_info` | acks the answer if already received, else asks for it with `msg_resend_req` |
//! | `destroy_session_ok/none` | [`SessionEvent::DestroySession`] |
//! | anything else | [`SessionEvent::Update`] |
//!
//! Content-related messages (odd seq_no) are acknowledged.

use super::error::SessionError;
use super::pending::Purpose;
use super::{Queued, Session, SessionEvent, Timer};
use crate::tl::mtproto::{enums, functions, types};
use crate::tl::{Deserializable, GZIP_PACKED_ID, Reader, Serializable, gzip};
use zeroize::{Zeroize, Zeroizing};

/// What all the `gzip_packed` of one packet may inflate to together: 16 MiB, the cap of one
/// ([`gzip::MAX_INFLATED`]). A container of many packed messages shares it.
pub const MAX_INFLATED_PER_PACKET: usize = gzip::MAX_INFLATED;

/// Salts are fetched again when the last one known expires within this time.
const SALT_REFETCH_MARGIN_MS: i64 = 3_600_000;

/// A salt's `valid_since` / `valid_until` (seconds, from the wire) in ms; an i32 times 1000
/// always fits an i64, so this never saturates.
fn secs_to_ms(secs: i32) -> i64 {
    i64::from(secs).saturating_mul(1000)
}
/// How many future salts to ask for.
const FUTURE_SALTS_WANTED: i32 = 32;

fn constructor(body: &[u8]) -> u32 {
    body.get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0)
}

/// Inflates one `gzip_packed` from the packet's budget ([`MAX_INFLATED_PER_PACKET`] for all
/// the gzip_packed of one packet together). Telegram packs a message or a result once: data
/// that inflates to another `gzip_packed` is refused, never unpacked again, so a packet costs
/// one inflation per gzip_packed it holds (work linear in its size) and no recursion.
fn inflate(body: &[u8], budget: &mut usize) -> Result<Zeroizing<Vec<u8>>, SessionError> {
    let packed = types::GzipPacked::from_bytes(body)?;
    let limit = (*budget).min(gzip::MAX_INFLATED);
    let inner = Zeroizing::new(gzip::gunzip(&packed.packed_data, limit)?);
    *budget = budget.saturating_sub(inner.len());
    if constructor(&inner) == GZIP_PACKED_ID {
        return Err(SessionError::NestedGzip);
    }
    Ok(inner)
}

impl Session {
    /// Handles one accepted message (`depth` 0 at the top, 1 inside a container).
    pub(super) fn process_message(&mut self, msg_id: i64, seq_no: i32, body: &[u8], depth: u8) {
        if seq_no & 1 == 1 {
            self.queue_ack(msg_id);
        }
        if let Err(e) = self.dispatch(msg_id, body, depth) {
            self.drop_input(e);
        }
    }

    fn dispatch(&mut self, msg_id: i64, body: &[u8], depth: u8) -> Result<(), SessionError> {
        match constructor(body) {
            types::MsgContainer::CONSTRUCTOR_ID => {
                if depth > 0 {
                    return Err(SessionError::BadContainer);
                }
                let c = types::MsgContainer::from_bytes(body)?;
                let window = self.window_now();
                for mut m in c.messages {
                    // Inner ids: odd, in the window, new; and below the container's own.
                    let check = if m.msg_id >= msg_id {
                        Err(SessionError::BadContainer)
                    } else {
                        self.recent.check(m.msg_id, window)
                    };
                    match check {
                        Ok(()) => {
                            self.recent.record(m.msg_id);
                            self.process_message(m.msg_id, m.seqno, &m.body, 1);
                        }
                        Err(e) => self.drop_input(e),
                    }
                    // The copy of the inner message (the packet's plaintext) is wiped.
                    m.body.zeroize();
                }
            }
            GZIP_PACKED_ID => {
                // `depth` is 0 or 1 and a gzip_packed never holds another (inflate), so
                // this recursion is at most one level deep.
                let inner = inflate(body, &mut self.inflate_budget)?;
                if constructor(&inner) == types::MsgContainer::CONSTRUCTOR_ID {
                    return Err(SessionError::BadContainer);
                }
                self.dispatch(msg_id, &inner, depth.max(1))?;
            }
            types::RpcResult::CONSTRUCTOR_ID => self.on_rpc_result(body)?,
            types::MsgsAck::CONSTRUCTOR_ID => {
                for id in types::MsgsAck::from_bytes(body)?.msg_ids {
                    self.pending.ack(id);
                }
            }
            types::BadServerSalt::CONSTRUCTOR_ID => {
                let b = types::BadServerSalt::from_bytes(body)?;
                let count = self.stats.bad_msg.entry(b.error_code).or_default();
                *count = count.saturating_add(1);
                self.salt = b.new_server_salt as u64;
                self.resend(b.bad_msg_id);
            }
            types::BadMsgNotification::CONSTRUCTOR_ID => {
                let b = types::BadMsgNotification::from_bytes(body)?;
                self.on_bad_msg(msg_id, b)?;
            }
            types::NewSessionCreated::CONSTRUCTOR_ID => {
                let n = types::NewSessionCreated::from_bytes(body)?;
                self.salt = n.server_salt as u64;
                self.events.push_back(SessionEvent::NewSessionCreated {
                    first_msg_id: n.first_msg_id,
                    unique_id: n.unique_id,
                    server_salt: n.server_salt as u64,
                });
            }
            types::FutureSalts::CONSTRUCTOR_ID => {
                let f = types::FutureSalts::from_bytes(body)?;
                self.on_future_salts(f);
            }
            types::Pong::CONSTRUCTOR_ID => {
                let p = types::Pong::from_bytes(body)?;
                self.on_pong(p);
            }
            types::MsgsStateReq::CONSTRUCTOR_ID => {
                let r = types::MsgsStateReq::from_bytes(body)?;
                self.answer_state_req(msg_id, &r.msg_ids);
            }
            types::MsgsStateInfo::CONSTRUCTOR_ID => {
                let i = types::MsgsStateInfo::from_bytes(body)?;
                match self.pending.sent.remove(&i.req_msg_id).map(|s| s.purpose) {
                    Some(Purpose::StateReq(ids)) => self.on_states(&ids, &i.info),
                    Some(Purpose::ResendAnsReq(ids)) => self.on_lost_answers(&ids, &i.info),
                    _ => {}
                }
            }
            types::MsgsAllInfo::CONSTRUCTOR_ID => {
                let i = types::MsgsAllInfo::from_bytes(body)?;
                self.on_states(&i.msg_ids, &i.info);
            }
            types::MsgResendReq::CONSTRUCTOR_ID => {
                for id in types::MsgResendReq::from_bytes(body)?.msg_ids {
                    self.resend(id);
                }
            }
            types::MsgResendAnsReq::CONSTRUCTOR_ID => {
                types::MsgResendAnsReq::from_bytes(body)?; // a client has no answers to resend
            }
            types::MsgDetailedInfo::CONSTRUCTOR_ID => {
                let d = types::MsgDetailedInfo::from_bytes(body)?;
                self.pending.ack(d.msg_id);
                self.on_detailed_info(d.answer_msg_id);
            }
            types::MsgNewDetailedInfo::CONSTRUCTOR_ID => {
                let d = types::MsgNewDetailedInfo::from_bytes(body)?;
                self.on_detailed_info(d.answer_msg_id);
            }
            types::DestroySessionOk::CONSTRUCTOR_ID | types::DestroySessionNone::CONSTRUCTOR_ID => {
                let (session_id, destroyed) = match enums::DestroySessionRes::from_bytes(body)? {
                    enums::DestroySessionRes::DestroySessionOk(x) => (x.session_id, true),
                    enums::DestroySessionRes::DestroySessionNone(x) => (x.session_id, false),
                };
                self.events.push_back(SessionEvent::DestroySession {
                    session_id: session_id as u64,
                    destroyed,
                });
            }
            types::MsgCopy::CONSTRUCTOR_ID => {} // deprecated; never sent by servers
            _ => {
                if body.len() < 4 {
                    return Err(SessionError::MalformedBody(crate::tl::TlError::Truncated {
                        offset: 0,
                    }));
                }
                self.events.push_back(SessionEvent::Update {
                    body: body.to_vec(),
                });
            }
        }
        Ok(())
    }

    fn on_rpc_result(&mut self, body: &[u8]) -> Result<(), SessionError> {
        let mut r = Reader::new(body);
        r.read_u32()?;
        let req_msg_id = r.read_i64()?;
        let mut result = r.take_rest().to_vec();
        if constructor(&result) == GZIP_PACKED_ID {
            result = core::mem::take(&mut *inflate(&result, &mut self.inflate_budget)?);
        }
        let Some(request) = self.pending.request_of(req_msg_id) else {
            // An answer to a service message of ours, or to a resolved request.
            let purpose = self
                .pending
                .sent
                .get(&req_msg_id)
                .map(|s| s.purpose.clone());
            match purpose {
                Some(Purpose::Ping(_) | Purpose::KeepAlive(_)) => {
                    match types::Pong::from_bytes(&result) {
                        Ok(p) if p.msg_id == req_msg_id => self.on_pong(p),
                        _ => {
                            self.pending.sent.remove(&req_msg_id);
                        }
                    }
                }
                Some(Purpose::FutureSalts) => {
                    self.pending.sent.remove(&req_msg_id);
                    if let Ok(f) = types::FutureSalts::from_bytes(&result) {
                        self.on_future_salts(f);
                    }
                }
                Some(_) => {
                    self.pending.sent.remove(&req_msg_id);
                }
                None => {}
            }
            // An answer nobody waits for (a duplicate) may hold the user's data too.
            result.zeroize();
            return Ok(());
        };
        if constructor(&result) == types::RpcError::CONSTRUCTOR_ID {
            let e = types::RpcError::from_bytes(&result)?;
            self.pending.resolve(request);
            self.events.push_back(SessionEvent::RpcError {
                request,
                code: e.error_code,
                message: e.error_message,
            });
        } else {
            self.pending.resolve(request);
            self.events.push_back(SessionEvent::RpcResult {
                request,
                body: result,
            });
        }
        Ok(())
    }

    fn on_bad_msg(
        &mut self,
        notice_msg_id: i64,
        b: types::BadMsgNotification,
    ) -> Result<(), SessionError> {
        let count = self.stats.bad_msg.entry(b.error_code).or_default();
        *count = count.saturating_add(1);
        match b.error_code {
            16 | 17 => {
                let offset_ms = self.ids.sync_from_server_msg_id(notice_msg_id, self.now);
                self.time_synced = true;
                self.events
                    .push_back(SessionEvent::TimeCorrected { offset_ms });
                if self
                    .ids
                    .clock_id(self.now, super::msg_id::MsgIdKind::Client)
                    <= self.ids.last()
                {
                    // Ids would have to go down: only a new session allows that.
                    return self.reset_session();
                }
                self.resend(b.bad_msg_id);
            }
            32 | 33 => return self.reset_session(),
            48 => {
                self.resend(b.bad_msg_id);
                self.request_salts();
            }
            64 => {
                let items = self.pending.take_for_resend(b.bad_msg_id);
                for s in items {
                    self.stats.resent = self.stats.resent.saturating_add(1);
                    match s.purpose {
                        Purpose::Request(r) => {
                            if self.pending.requeue(r) {
                                self.queue.push_back(Queued::Request(r, true));
                            }
                        }
                        purpose => self.queue.push_back(Queued::Service {
                            body: s.body,
                            purpose,
                            alone: true,
                        }),
                    }
                }
            }
            _ => self.resend(b.bad_msg_id),
        }
        Ok(())
    }

    /// Resends our message `msg_id` (or every message of the container) under new ids.
    fn resend(&mut self, msg_id: i64) {
        let items = self.pending.take_for_resend(msg_id);
        self.requeue_sent(items);
    }

    /// Whether `body` is (or is a container holding) a bad_msg_notification 16/17 about a
    /// message of ours still in flight.
    pub(super) fn is_time_fix_for_us(&self, body: &[u8]) -> bool {
        let about_us = |b: &[u8]| {
            types::BadMsgNotification::from_bytes(b).is_ok_and(|n| {
                matches!(n.error_code, 16 | 17) && self.pending.is_in_flight(n.bad_msg_id)
            })
        };
        if constructor(body) == types::MsgContainer::CONSTRUCTOR_ID {
            types::MsgContainer::from_bytes(body).is_ok_and(|mut c| {
                let fix = c.messages.iter().any(|m| about_us(&m.body));
                c.messages.iter_mut().for_each(|m| m.body.zeroize());
                fix
            })
        } else {
            about_us(body)
        }
    }

    fn on_pong(&mut self, p: types::Pong) {
        // A `ping` the caller sent with `invoke`: the pong is its answer.
        if let Some(request) = self.pending.request_of(p.msg_id) {
            self.pending.resolve(request);
            let body = p.to_bytes();
            self.events
                .push_back(SessionEvent::RpcResult { request, body });
            return;
        }
        let purpose = self.pending.sent.remove(&p.msg_id).map(|s| s.purpose);
        if self.keepalive_ping == Some(p.ping_id) {
            self.keepalive_ping = None;
            self.timers.stop(Timer::PongDeadline);
        }
        if !matches!(purpose, Some(Purpose::KeepAlive(_))) {
            self.events
                .push_back(SessionEvent::Pong { ping_id: p.ping_id });
        }
    }

    fn on_detailed_info(&mut self, answer_msg_id: i64) {
        if self.recent.contains(answer_msg_id) {
            self.queue_ack(answer_msg_id);
        } else {
            let body = types::MsgResendReq {
                msg_ids: vec![answer_msg_id],
            }
            .to_bytes();
            self.queue_service(body, Purpose::Other);
        }
    }

    fn answer_state_req(&mut self, req_msg_id: i64, ids: &[i64]) {
        let server_now = self.ids.server_time_ms(self.now);
        let info: Vec<u8> = ids
            .iter()
            .map(|&id| match self.recent.state_of(id, server_now) {
                super::incoming::IdState::Unknown => 1,
                super::incoming::IdState::NotReceived => 2,
                super::incoming::IdState::TooHigh => 3,
                super::incoming::IdState::Received => {
                    if self.acks.contains(&id) {
                        4
                    } else {
                        4 | 8
                    }
                }
            })
            .collect();
        let body = types::MsgsStateInfo { req_msg_id, info }.to_bytes();
        self.queue_service(body, Purpose::Other);
    }

    /// msgs_state_info about our messages: "1, 2, 3 = not received" -> resend; "4 = message
    /// received" for a request still unanswered: unless "+32 = being processed" without
    /// "+64 = response already generated", the answer was lost on the way (a dropped
    /// connection): ask for it again with msg_resend_ans_req.
    fn on_states(&mut self, ids: &[i64], info: &[u8]) {
        let mut lost = Vec::new();
        for (id, state) in ids.iter().zip(info) {
            if (1..=3).contains(&(state & 7)) {
                self.resend(*id);
            } else if state & 7 == 4 && self.pending.request_of(*id).is_some() {
                let processing = state & 32 != 0 && state & 64 == 0;
                if !processing {
                    lost.push(*id);
                }
            }
        }
        if !lost.is_empty() {
            let body = types::MsgResendAnsReq {
                msg_ids: lost.clone(),
            }
            .to_bytes();
            self.queue_service(body, Purpose::ResendAnsReq(lost));
        }
    }

    /// The server could not resend some answers (it reports them as unknown, or received
    /// without a response): the request itself goes out again.
    fn on_lost_answers(&mut self, ids: &[i64], info: &[u8]) {
        for (id, state) in ids.iter().zip(info) {
            if state & 64 == 0 && self.pending.request_of(*id).is_some() {
                self.resend(*id);
            }
        }
    }

    pub(super) fn send_state_req(&mut self, ids: Vec<i64>) {
        let body = types::MsgsStateReq {
            msg_ids: ids.clone(),
        }
        .to_bytes();
        self.queue_service(body, Purpose::StateReq(ids));
    }

    fn request_salts(&mut self) {
        if !self.salts_requested {
            self.salts_requested = true;
            let body = functions::GetFutureSalts {
                num: FUTURE_SALTS_WANTED,
            }
            .to_bytes();
            self.queue_service(body, Purpose::FutureSalts);
        }
    }

    /// Asks for future salts when enabled and the ones known run out within the margin.
    pub(super) fn maybe_request_salts(&mut self) {
        if !self.config.fetch_future_salts || self.salts_requested {
            return;
        }
        let server_now = self.ids.server_time_ms(self.now);
        let last_until = self
            .future_salts
            .iter()
            .map(|s| secs_to_ms(s.valid_until))
            .max()
            .unwrap_or(0);
        if last_until.saturating_sub(server_now) <= SALT_REFETCH_MARGIN_MS {
            self.request_salts();
        }
    }

    fn on_future_salts(&mut self, f: types::FutureSalts) {
        self.pending.sent.remove(&f.req_msg_id);
        self.salts_requested = false;
        let mut salts = f.salts;
        salts.retain(|s| s.valid_until > s.valid_since);
        salts.sort_by_key(|s| s.valid_since);
        salts.truncate(64);
        self.future_salts = salts;
        self.update_salt();
    }

    /// Switches to the salt valid now and arms the timer for the next switch or refetch.
    pub(super) fn update_salt(&mut self) {
        let server_now = self.ids.server_time_ms(self.now);
        self.future_salts
            .retain(|s| secs_to_ms(s.valid_until) > server_now);
        if let Some(s) = self
            .future_salts
            .iter()
            .rev()
            .find(|s| secs_to_ms(s.valid_since) <= server_now)
        {
            self.salt = s.salt as u64;
        }
        self.maybe_request_salts();
        // Next deadline: the next salt's start, or the refetch point.
        let next_start = self
            .future_salts
            .iter()
            .map(|s| secs_to_ms(s.valid_since))
            .find(|&t| t > server_now);
        let refetch = self
            .future_salts
            .iter()
            .map(|s| secs_to_ms(s.valid_until))
            .max()
            .map(|t| t.saturating_sub(SALT_REFETCH_MARGIN_MS));
        let local = |t: i64| u64::try_from(t.saturating_sub(self.ids.offset_ms())).unwrap_or(0);
        match (next_start, refetch) {
            (Some(a), Some(b)) => self
                .timers
                .set(Timer::Salt, local(a.min(b)).max(self.now.saturating_add(1))),
            (Some(a), None) | (None, Some(a)) => self
                .timers
                .set(Timer::Salt, local(a).max(self.now.saturating_add(1))),
            (None, None) => self.timers.stop(Timer::Salt),
        }
    }
}
