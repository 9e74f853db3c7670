//! One decrypted client packet of a session: the checks a server makes (salt, msg_id,
//! seq_no, container), service messages, and API calls wrapped in rpc_result.
//! See core.telegram.org/mtproto/service_messages and /service_messages_about_messages.

use mtproto_wasm::session::seq_no::is_content_related;
use mtproto_wasm::session::server::ClientPacket;
use mtproto_wasm::tl::mtproto::{functions, types};
use mtproto_wasm::tl::{self, Deserializable, Serializable};

use super::api::{self, ApiCtx};
use super::state::{DcState, MAX_SESSIONS_PER_KEY, SessionData};

/// Answers larger than this are gzip_packed when that makes them smaller.
pub const GZIP_THRESHOLD: usize = 1024;
/// At most this many bodies per container sent.
const MAX_BODIES_PER_PACKET: usize = 64;

/// What the connection needs to answer a packet.
pub struct PacketCtx<'a> {
    /// The DC state.
    pub state: &'a mut DcState,
    /// The auth key of the packet.
    pub key_id: u64,
    /// Unix milliseconds.
    pub now_ms: u64,
    /// The layer of invokeWithLayer on this connection.
    pub layer: &'a mut Option<i32>,
    /// The DC id.
    pub dc_id: i32,
    /// The DC's port.
    pub port: u16,
    /// Telegram's dh_prime.
    pub dh_prime: &'a [u8],
    /// Set to the delay (seconds) of a ping_delay_disconnect; `Some(0)` re-arms a
    /// previous delay on a plain ping.
    pub ping_delay: Option<i32>,
}

enum Job {
    Reply(Vec<u8>),
    Api(i64, Vec<u8>),
    Destroy(i64),
    Salts(i64, i32),
}

fn ctor(body: &[u8]) -> u32 {
    body.get(..4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn bad_msg(msg_id: i64, seq_no: i32, code: i32) -> Vec<u8> {
    types::BadMsgNotification {
        bad_msg_id: msg_id,
        bad_msg_seqno: seq_no,
        error_code: code,
    }
    .to_bytes()
}

/// 18: a client msg_id must be divisible by 4; 16/17: more than 300 s behind or 30 s
/// ahead of the server clock.
pub fn msg_id_error(msg_id: i64, now_ms: u64) -> Option<i32> {
    if msg_id % 4 != 0 {
        return Some(18);
    }
    let now = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
    let t = msg_id >> 32;
    if t < now - 300 {
        Some(16)
    } else if t > now + 30 {
        Some(17)
    } else {
        None
    }
}

/// rpc_result around `result` (gzip_packed when large and smaller).
pub fn rpc_result(req_msg_id: i64, result: Vec<u8>) -> Vec<u8> {
    let result = if result.len() > GZIP_THRESHOLD {
        let packed = types::GzipPacked {
            packed_data: tl::gzip::gzip(&result),
        }
        .to_bytes();
        if packed.len() < result.len() {
            packed
        } else {
            result
        }
    } else {
        result
    };
    types::RpcResult { req_msg_id, result }.to_bytes()
}

/// Handles a decrypted packet; returns the encrypted answer packets (not yet framed).
pub fn handle_packet(ctx: &mut PacketCtx<'_>, packet: ClientPacket) -> Vec<Vec<u8>> {
    let now = i64::try_from(ctx.now_ms / 1000).unwrap_or(i64::MAX);
    let session_id = packet.header.session_id;
    let Some(key) = ctx.state.key_mut(ctx.key_id, now) else {
        return Vec::new();
    };
    let salt = key.current_salt(now);
    let salt_ok = key.salt_ok(packet.header.salt, now);
    if !key.sessions.contains_key(&session_id) && key.sessions.len() >= MAX_SESSIONS_PER_KEY {
        let oldest = key
            .sessions
            .iter()
            .min_by_key(|(_, s)| s.last_used)
            .map(|(id, _)| *id);
        if let Some(id) = oldest {
            key.sessions.remove(&id);
        }
    }
    let auth_key = key.key.clone();
    let sess = key
        .sessions
        .entry(session_id)
        .or_insert_with(|| SessionData::new(&auth_key, session_id, salt, now));
    sess.last_used = now;
    sess.server.salt = salt;
    let mut jobs = Vec::new();
    let outer = packet.header;
    if let Some(code) = msg_id_error(outer.msg_id, ctx.now_ms) {
        jobs.push(Job::Reply(bad_msg(outer.msg_id, outer.seq_no, code)));
    } else if !salt_ok {
        jobs.push(Job::Reply(
            types::BadServerSalt {
                bad_msg_id: outer.msg_id,
                bad_msg_seqno: outer.seq_no,
                error_code: 48,
                new_server_salt: salt as i64,
            }
            .to_bytes(),
        ));
    } else if packet.container
        && (outer.seq_no % 2 != 0
            || packet.messages.iter().any(|m| {
                m.msg_id >= outer.msg_id || ctor(&m.body) == types::MsgContainer::CONSTRUCTOR_ID
            }))
    {
        jobs.push(Job::Reply(bad_msg(outer.msg_id, outer.seq_no, 64)));
    } else if packet.container && sess.received.contains_key(&outer.msg_id) {
        jobs.push(Job::Reply(bad_msg(outer.msg_id, outer.seq_no, 19)));
    } else {
        if !sess.announced {
            sess.announced = true;
            let first = packet.messages.first().map_or(outer.msg_id, |m| m.msg_id);
            jobs.push(Job::Reply(
                types::NewSessionCreated {
                    first_msg_id: first,
                    unique_id: sess.unique_id,
                    server_salt: salt as i64,
                }
                .to_bytes(),
            ));
        }
        if packet.container {
            sess.remember(outer.msg_id, outer.seq_no, false);
        }
        let mut acks = Vec::new();
        for m in packet.messages {
            let content = is_content_related(&m.body);
            if let Some(code) = msg_id_error(m.msg_id, ctx.now_ms) {
                jobs.push(Job::Reply(bad_msg(m.msg_id, m.seq_no, code)));
                continue;
            }
            if sess.received.contains_key(&m.msg_id) {
                continue; // a duplicate: already handled
            }
            if sess.window_floor().is_some_and(|f| m.msg_id < f) {
                jobs.push(Job::Reply(bad_msg(m.msg_id, m.seq_no, 20)));
                continue;
            }
            let seq_code = match (content, m.seq_no % 2 != 0) {
                (true, false) => Some(35),
                (false, true) => Some(34),
                _ if content => {
                    let lower = sess.content_seq.range(..m.msg_id).next_back();
                    let higher = sess.content_seq.range(m.msg_id + 1..).next();
                    if lower.is_some_and(|(_, s)| *s >= m.seq_no) {
                        Some(32)
                    } else if higher.is_some_and(|(_, s)| *s <= m.seq_no) {
                        Some(33)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some(code) = seq_code {
                jobs.push(Job::Reply(bad_msg(m.msg_id, m.seq_no, code)));
                continue;
            }
            sess.remember(m.msg_id, m.seq_no, content);
            if content {
                acks.push(m.msg_id);
            }
            service(sess, &mut ctx.ping_delay, m.msg_id, m.body, 0, &mut jobs);
        }
        if !acks.is_empty() {
            jobs.push(Job::Reply(types::MsgsAck { msg_ids: acks }.to_bytes()));
        }
    }
    // API calls and session destruction need the whole state.
    let mut bodies = Vec::new();
    for job in jobs {
        match job {
            Job::Reply(b) => bodies.push(b),
            Job::Api(msg_id, body) => {
                let mut api_ctx = ApiCtx {
                    msg_id,
                    session_id,
                    state: ctx.state,
                    key_id: ctx.key_id,
                    dc_id: ctx.dc_id,
                    port: ctx.port,
                    layer: ctx.layer,
                    now,
                    dh_prime: ctx.dh_prime,
                };
                let result = match api::call(&mut api_ctx, &body) {
                    Ok(r) => r,
                    Err(e) => types::RpcError {
                        error_code: e.code,
                        error_message: e.message,
                    }
                    .to_bytes(),
                };
                bodies.push(rpc_result(msg_id, result));
            }
            Job::Salts(msg_id, num) => {
                let salts = ctx
                    .state
                    .key_mut(ctx.key_id, now)
                    .map(|k| k.future_salts(usize::try_from(num).unwrap_or(1), now))
                    .unwrap_or_default();
                let to32 = |t: i64| i32::try_from(t).unwrap_or(i32::MAX);
                bodies.push(
                    types::FutureSalts {
                        req_msg_id: msg_id,
                        now: to32(now),
                        salts: salts
                            .iter()
                            .map(|s| types::FutureSalt {
                                valid_since: to32(s.since),
                                valid_until: to32(s.until),
                                salt: s.salt as i64,
                            })
                            .collect(),
                    }
                    .to_bytes(),
                );
            }
            Job::Destroy(id) => {
                let id_u = id as u64;
                let existed = id_u != session_id
                    && ctx
                        .state
                        .key_mut(ctx.key_id, now)
                        .and_then(|k| k.sessions.remove(&id_u))
                        .is_some();
                bodies.push(if existed {
                    types::DestroySessionOk { session_id: id }.to_bytes()
                } else {
                    types::DestroySessionNone { session_id: id }.to_bytes()
                });
            }
        }
    }
    encrypt_all(ctx, session_id, now, &bodies)
}

fn encrypt_all(
    ctx: &mut PacketCtx<'_>,
    session_id: u64,
    now: i64,
    bodies: &[Vec<u8>],
) -> Vec<Vec<u8>> {
    let Some(sess) = ctx
        .state
        .key_mut(ctx.key_id, now)
        .and_then(|k| k.sessions.get_mut(&session_id))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for chunk in bodies.chunks(MAX_BODIES_PER_PACKET) {
        if let Ok((packet, ids)) = sess.server.encrypt(ctx.now_ms, chunk) {
            for (id, body) in ids.iter().zip(chunk) {
                sess.remember_sent(*id, body);
            }
            out.push(packet);
        }
    }
    out
}

/// Encrypts server-initiated bodies in session `session_id` of key `key_id` (pushes).
pub fn encrypt_push(ctx: &mut PacketCtx<'_>, session_id: u64, body: Vec<u8>) -> Vec<Vec<u8>> {
    let now = i64::try_from(ctx.now_ms / 1000).unwrap_or(i64::MAX);
    encrypt_all(ctx, session_id, now, &[body])
}

fn msgs_state(sess: &SessionData, ids: &[i64]) -> Vec<u8> {
    let max = sess
        .received
        .keys()
        .next_back()
        .copied()
        .unwrap_or(i64::MIN);
    let floor = sess.received.keys().next().copied().unwrap_or(i64::MAX);
    ids.iter()
        .map(|id| match sess.received.get(id) {
            // Queries run to completion at once here: "+32 = processing already complete";
            // "+64 = content-related response to message already generated" when it is kept.
            Some(true) => {
                let answered = answer_to(sess, *id).is_some();
                4 | 8 | 32 | if answered { 64 } else { 0 }
            }
            Some(false) => 4 | 16,
            None if *id > max => 3,
            None if *id < floor => 1,
            None => 2,
        })
        .collect()
}

/// The rpc_result we sent for the query `req_msg_id`, if still kept.
fn answer_to(sess: &SessionData, req_msg_id: i64) -> Option<&Vec<u8>> {
    sess.sent.iter().map(|(_, b)| b).find(|b| {
        b.get(..4) == Some(&types::RpcResult::CONSTRUCTOR_ID.to_le_bytes()[..])
            && b.get(4..12) == Some(&req_msg_id.to_le_bytes()[..])
    })
}

/// `body` with msg_resend_req's constructor (msg_resend_ans_req has the same fields).
fn with_ctor(body: &[u8]) -> Vec<u8> {
    let mut b = body.to_vec();
    if let Some(head) = b.get_mut(..4) {
        head.copy_from_slice(&types::MsgResendReq::CONSTRUCTOR_ID.to_le_bytes());
    }
    b
}

fn service(
    sess: &mut SessionData,
    ping_delay: &mut Option<i32>,
    msg_id: i64,
    body: Vec<u8>,
    depth: u8,
    jobs: &mut Vec<Job>,
) {
    let reply = |jobs: &mut Vec<Job>, b: Vec<u8>| jobs.push(Job::Reply(b));
    match ctor(&body) {
        functions::Ping::CONSTRUCTOR_ID => {
            if let Ok(p) = functions::Ping::from_bytes(&body) {
                if ping_delay.is_none() {
                    *ping_delay = Some(0);
                }
                reply(
                    jobs,
                    types::Pong {
                        msg_id,
                        ping_id: p.ping_id,
                    }
                    .to_bytes(),
                );
            }
        }
        functions::PingDelayDisconnect::CONSTRUCTOR_ID => {
            if let Ok(p) = functions::PingDelayDisconnect::from_bytes(&body) {
                *ping_delay = Some(p.disconnect_delay.max(1));
                reply(
                    jobs,
                    types::Pong {
                        msg_id,
                        ping_id: p.ping_id,
                    }
                    .to_bytes(),
                );
            }
        }
        types::MsgsAck::CONSTRUCTOR_ID | types::HttpWait::CONSTRUCTOR_ID => {}
        types::MsgsStateReq::CONSTRUCTOR_ID => {
            if let Ok(r) = types::MsgsStateReq::from_bytes(&body) {
                let info = msgs_state(sess, &r.msg_ids);
                reply(
                    jobs,
                    types::MsgsStateInfo {
                        req_msg_id: msg_id,
                        info,
                    }
                    .to_bytes(),
                );
            }
        }
        types::MsgResendReq::CONSTRUCTOR_ID | types::MsgResendAnsReq::CONSTRUCTOR_ID => {
            // msg_resend_req names our messages; msg_resend_ans_req names the client's
            // queries whose answers are wanted again. Both resend under new msg_ids; what
            // is not kept is reported in msgs_state_info, one byte per asked id.
            let answers = ctor(&body) == types::MsgResendAnsReq::CONSTRUCTOR_ID;
            if let Ok(r) = types::MsgResendReq::from_bytes(&with_ctor(&body)) {
                let ids: Vec<i64> = r.msg_ids.into_iter().take(64).collect();
                let mut info = Vec::with_capacity(ids.len());
                let mut missing = false;
                for id in &ids {
                    let found = if answers {
                        answer_to(sess, *id).cloned()
                    } else {
                        sess.sent
                            .iter()
                            .find(|(s, _)| s == id)
                            .map(|(_, b)| b.clone())
                    };
                    match found {
                        Some(b) => {
                            reply(jobs, b);
                            info.push(4 | 8 | 32 | 64);
                        }
                        None => {
                            missing = true;
                            info.push(1u8);
                        }
                    }
                }
                if missing {
                    reply(
                        jobs,
                        types::MsgsStateInfo {
                            req_msg_id: msg_id,
                            info,
                        }
                        .to_bytes(),
                    );
                }
            }
        }
        functions::GetFutureSalts::CONSTRUCTOR_ID => {
            if let Ok(g) = functions::GetFutureSalts::from_bytes(&body) {
                jobs.push(Job::Salts(msg_id, g.num));
            }
        }
        functions::DestroySession::CONSTRUCTOR_ID => {
            if let Ok(d) = functions::DestroySession::from_bytes(&body) {
                jobs.push(Job::Destroy(d.session_id));
            }
        }
        functions::RpcDropAnswer::CONSTRUCTOR_ID => {
            if let Ok(d) = functions::RpcDropAnswer::from_bytes(&body) {
                reply(
                    jobs,
                    rpc_result(d.req_msg_id, types::RpcAnswerUnknown {}.to_bytes()),
                );
            }
        }
        types::GzipPacked::CONSTRUCTOR_ID if depth == 0 => {
            let inner = types::GzipPacked::from_bytes(&body)
                .ok()
                .and_then(|g| tl::gzip::gunzip(&g.packed_data, 1 << 20).ok());
            match inner {
                Some(b) => service(sess, ping_delay, msg_id, b, 1, jobs),
                None => reply(
                    jobs,
                    rpc_result(msg_id, rpc_error(400, "INPUT_REQUEST_INVALID")),
                ),
            }
        }
        types::MsgContainer::CONSTRUCTOR_ID => reply(jobs, bad_msg(msg_id, 0, 64)),
        _ => jobs.push(Job::Api(msg_id, body)),
    }
}

/// An rpc_error body.
pub fn rpc_error(code: i32, message: &str) -> Vec<u8> {
    types::RpcError {
        error_code: code,
        error_message: message.to_string(),
    }
    .to_bytes()
}
