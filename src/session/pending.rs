//! Pending requests and the messages sent but not yet answered.
//!
//! A request has a stable [`RequestId`] for the caller; each time it is (re)sent it gets a
//! new msg_id (never an old one: see "Four Attacks and a Proof for Telegram"). Every
//! msg_id a request ever had stays an alias until the request resolves, so an answer to
//! any of its copies resolves it, exactly once; later answers find nothing and are ignored.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use zeroize::Zeroizing;

/// A message body as the session keeps it: wiped when dropped (a request's body is the
/// caller's plaintext).
pub type Body = Zeroizing<Vec<u8>>;

/// The caller's handle on a request, stable across resends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Builds a request body that must contain the msg_id and session_id it travels with
/// (auth.bindTempAuthKey's `encrypted_message`). Called with `(msg_id, session_id)` each
/// time the request is sent; must return bodies of one length.
#[derive(Clone)]
pub struct BodyForMsgId(pub Arc<dyn Fn(i64, u64) -> Vec<u8> + Send + Sync>);

impl core::fmt::Debug for BodyForMsgId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BodyForMsgId(..)")
    }
}

/// One request of the caller.
#[derive(Debug, Clone)]
pub struct Request {
    /// The body as given (uncompressed, unwrapped).
    pub body: Body,
    /// The `gzip_packed` form, when it is smaller (computed on first send).
    pub gzipped: Option<Body>,
    /// Whether compression was tried.
    pub gzip_checked: bool,
    /// Send as `invokeAfterMsg` after this request.
    pub after: Option<RequestId>,
    /// The msg_id of the latest copy sent (None while queued and never sent).
    pub msg_id: Option<i64>,
    /// Whether the server acknowledged the latest copy.
    pub acked: bool,
    /// Whether it waits in the send queue.
    pub queued: bool,
    /// How many times it was sent.
    pub sends: u32,
    /// Rebuilds the body for each msg_id (never gzipped or wrapped).
    pub for_msg_id: Option<BodyForMsgId>,
}

/// Why a content message other than a caller's request was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A caller's request.
    Request(RequestId),
    /// `ping` with this ping_id (the caller's).
    Ping(i64),
    /// The keep-alive `ping_delay_disconnect` with this ping_id (never resent).
    KeepAlive(i64),
    /// `get_future_salts`.
    FutureSalts,
    /// `msgs_state_req` about these of our msg_ids.
    StateReq(Vec<i64>),
    /// `msg_resend_ans_req` for the answers to these requests (by msg_id).
    ResendAnsReq(Vec<i64>),
    /// `rpc_drop_answer` (its answer is ignored).
    DropAnswer,
    /// Anything else (answers to the server: msgs_state_info, msg_resend_req); not resent.
    Other,
}

/// A message we sent that may need a resend or an answer.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Why it was sent.
    pub purpose: Purpose,
    /// The body, to resend a service message (requests keep theirs in [`Request`]).
    pub body: Body,
}

/// The bookkeeping of requests and sent messages.
#[derive(Debug, Default)]
pub struct Pending {
    next_id: u64,
    /// Unresolved requests.
    pub requests: BTreeMap<RequestId, Request>,
    /// Every msg_id of an unresolved request.
    aliases: HashMap<i64, RequestId>,
    /// Sent content messages by msg_id.
    pub sent: HashMap<i64, Sent>,
    /// Containers sent: their inner msg_ids (the most recent [`CONTAINERS_KEPT`]).
    containers: BTreeMap<i64, Vec<i64>>,
    /// The last msg_id of recently resolved requests (for invokeAfterMsg), bounded.
    done: VecDeque<(RequestId, i64)>,
}

const DONE_KEPT: usize = 1024;
/// How many sent containers are remembered (to resend their messages on a notice about
/// the container's msg_id).
pub const CONTAINERS_KEPT: usize = 1024;

impl Pending {
    /// Registers a new request.
    pub fn add(&mut self, body: Body, after: Option<RequestId>) -> RequestId {
        self.next_id = self.next_id.wrapping_add(1); // a 64-bit counter: never wraps in practice
        let id = RequestId(self.next_id);
        self.requests.insert(
            id,
            Request {
                body,
                gzipped: None,
                gzip_checked: false,
                after,
                msg_id: None,
                acked: false,
                queued: true,
                sends: 0,
                for_msg_id: None,
            },
        );
        id
    }

    /// Records that `request` was sent as `msg_id`.
    pub fn mark_sent(&mut self, request: RequestId, msg_id: i64, body: Body) {
        if let Some(r) = self.requests.get_mut(&request) {
            r.msg_id = Some(msg_id);
            r.acked = false;
            r.queued = false;
            r.sends = r.sends.saturating_add(1);
            self.aliases.insert(msg_id, request);
        }
        self.sent.insert(
            msg_id,
            Sent {
                purpose: Purpose::Request(request),
                body,
            },
        );
    }

    /// The request that any copy `msg_id` belongs to.
    pub fn request_of(&self, msg_id: i64) -> Option<RequestId> {
        self.aliases.get(&msg_id).copied()
    }

    /// The msg_id to put in invokeAfterMsg for `request` (its latest copy).
    pub fn latest_msg_id(&self, request: RequestId) -> Option<i64> {
        self.requests
            .get(&request)
            .and_then(|r| r.msg_id)
            .or_else(|| {
                self.done
                    .iter()
                    .rev()
                    .find(|(r, _)| *r == request)
                    .map(|(_, m)| *m)
            })
    }

    /// Removes a request (resolved, failed or cancelled) and every alias; returns it.
    pub fn resolve(&mut self, request: RequestId) -> Option<Request> {
        let r = self.requests.remove(&request)?;
        self.aliases.retain(|_, v| *v != request);
        self.sent
            .retain(|_, s| s.purpose != Purpose::Request(request));
        if let Some(m) = r.msg_id {
            self.done.push_back((request, m));
            if self.done.len() > DONE_KEPT {
                self.done.pop_front();
            }
        }
        Some(r)
    }

    /// Whether `msg_id` is a message or container of ours not yet answered.
    pub fn is_in_flight(&self, msg_id: i64) -> bool {
        self.sent.contains_key(&msg_id) || self.containers.contains_key(&msg_id)
    }

    /// Records a container sent and its content-related messages.
    pub fn add_container(&mut self, msg_id: i64, inner: Vec<i64>) {
        self.containers.insert(msg_id, inner);
        while self.containers.len() > CONTAINERS_KEPT {
            self.containers.pop_first();
        }
    }

    /// Marks the message `msg_id` acknowledged; forgets fire-and-forget messages.
    pub fn ack(&mut self, msg_id: i64) {
        if let Some(req) = self.aliases.get(&msg_id).copied() {
            if let Some(r) = self.requests.get_mut(&req) {
                if r.msg_id == Some(msg_id) {
                    r.acked = true;
                }
            }
        }
        if matches!(
            self.sent.get(&msg_id).map(|s| &s.purpose),
            Some(Purpose::Other | Purpose::DropAnswer)
        ) {
            self.sent.remove(&msg_id);
        }
        self.containers.remove(&msg_id);
    }

    /// Takes out a sent message (and, for a container, its inner ones) for a resend:
    /// returns what to queue again. The old msg_ids are never used again.
    pub fn take_for_resend(&mut self, msg_id: i64) -> Vec<Sent> {
        let mut out = Vec::new();
        let ids = match self.containers.remove(&msg_id) {
            Some(inner) => inner,
            None => vec![msg_id],
        };
        for id in ids {
            if let Some(s) = self.sent.remove(&id) {
                if let Purpose::Request(r) = s.purpose {
                    match self.requests.get(&r) {
                        Some(req) if req.msg_id == Some(id) && !req.queued => {}
                        _ => continue, // resolved, or a newer copy exists
                    }
                }
                if s.purpose != Purpose::Other {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Every message sent and not yet answered, for a resend after a reconnect or a new
    /// session; `unacked_only` keeps the requests the server acknowledged.
    pub fn take_all_for_resend(&mut self, unacked_only: bool) -> Vec<Sent> {
        let mut ids: Vec<i64> = self
            .sent
            .iter()
            .filter(|(_, s)| match &s.purpose {
                Purpose::Request(r) => {
                    !unacked_only || self.requests.get(r).is_some_and(|q| !q.acked)
                }
                _ => true,
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        self.containers.clear();
        ids.into_iter()
            .flat_map(|id| self.take_for_resend(id))
            .collect()
    }

    /// Requests acknowledged by the server but not answered yet: (request, msg_id).
    pub fn acked_unanswered(&self) -> Vec<(RequestId, i64)> {
        self.requests
            .iter()
            .filter(|(_, r)| r.acked && !r.queued)
            .filter_map(|(id, r)| r.msg_id.map(|m| (*id, m)))
            .collect()
    }

    /// The latest msg_id of every request sent and not yet answered.
    pub fn in_flight_requests(&self) -> Vec<i64> {
        self.requests
            .values()
            .filter(|r| !r.queued)
            .filter_map(|r| r.msg_id)
            .collect()
    }

    /// Marks a request queued again (its copy in flight is superseded).
    pub fn requeue(&mut self, request: RequestId) -> bool {
        match self.requests.get_mut(&request) {
            Some(r) if !r.queued => {
                r.queued = true;
                true
            }
            _ => false,
        }
    }

    /// Forgets every sent service message and container (a new session).
    pub fn forget_services(&mut self) {
        self.sent
            .retain(|_, s| matches!(s.purpose, Purpose::Request(_)));
        self.containers.clear();
    }
}
