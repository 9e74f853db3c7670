//! The outgoing side: the send queue, containers, gzip_packed, invokeAfterMsg and acks.
//!
//! Spec: <https://core.telegram.org/mtproto/service_messages> (msg_container, gzip_packed,
//! msgs_ack), <https://core.telegram.org/api/invoking#invokeaftermsg>. Several messages
//! ready at once travel in one `msg_container` (its msg_id is above those inside, its
//! seq_no even); acks ride along with anything sent, or go alone when the ack timer fires.

use super::envelope::{self, MessageHeader};
use super::msg_id::MsgIdKind;
use super::pending::{Body, Purpose, Request, RequestId, Sent};
use super::seq_no::is_content_related;
use super::{Queued, Session, SessionEvent, Timer};
use crate::crypto::Side;
use crate::tl::mtproto::types;
use crate::tl::writer::{write_bytes, write_i32, write_i64, write_u32};

/// Most messages in one container (the spec's limit).
pub const MAX_CONTAINER_MESSAGES: usize = 1020;
/// Most bytes of messages inside one container (about 1 MiB; more makes the server close
/// the connection).
pub const MAX_CONTAINER_BYTES: usize = 1_044_448;
/// Largest request body accepted by [`Session::invoke`].
pub const MAX_MESSAGE_SIZE: usize = 1 << 20;
/// Most msg_ids in one `msgs_ack`.
pub const MAX_ACKS_PER_MESSAGE: usize = 8192;
/// `invokeAfterMsg#cb9f372d msg_id:long query:!X = X` (API schema).
pub const INVOKE_AFTER_MSG_ID: u32 = 0xcb9f_372d;

/// `gzip_packed` around `body` if that is smaller.
pub fn gzip_if_smaller(body: &[u8]) -> Option<Body> {
    let gz = crate::tl::gzip::gzip(body);
    let mut out = Body::new(Vec::with_capacity(gz.len().saturating_add(8)));
    write_u32(&mut out, types::GzipPacked::CONSTRUCTOR_ID);
    write_bytes(&mut out, &gz);
    (out.len() < body.len()).then_some(out)
}

/// `invokeAfterMsg { msg_id, query }`.
pub fn invoke_after_msg(msg_id: i64, query: &[u8]) -> Body {
    let mut out = Body::new(Vec::with_capacity(query.len().saturating_add(12)));
    write_u32(&mut out, INVOKE_AFTER_MSG_ID);
    write_i64(&mut out, msg_id);
    out.extend_from_slice(query);
    out
}

/// Serializes a `msg_container` of (msg_id, seq_no, body).
pub fn container(messages: &[(i64, i32, Body)]) -> Body {
    let size = messages.iter().fold(0usize, |acc, m| {
        acc.saturating_add(16).saturating_add(m.2.len())
    });
    let mut out = Body::new(Vec::with_capacity(size.saturating_add(8)));
    write_u32(&mut out, types::MsgContainer::CONSTRUCTOR_ID);
    write_i32(&mut out, i32::try_from(messages.len()).unwrap_or(i32::MAX));
    for (id, seq, body) in messages {
        write_i64(&mut out, *id);
        write_i32(&mut out, *seq);
        write_i32(&mut out, i32::try_from(body.len()).unwrap_or(i32::MAX));
        out.extend_from_slice(body);
    }
    out
}

impl Session {
    /// The next encrypted packet to send (frame it and write it), or `None`. Call until
    /// `None` after every input.
    #[must_use]
    pub fn poll_transmit(&mut self, now: u64) -> Option<Vec<u8>> {
        self.advance(now);
        let acks_wanted = !self.acks.is_empty() && (self.ack_due || !self.queue.is_empty());
        let max_count = self
            .config
            .max_container_messages
            .clamp(1, MAX_CONTAINER_MESSAGES);
        let max_bytes = self.config.max_container_bytes.min(MAX_CONTAINER_BYTES);
        let reserve = usize::from(acks_wanted);
        let mut msgs: Vec<(i64, i32, Body)> = Vec::new();
        let mut inner_content = Vec::new();
        let mut size = 0usize;
        let mut alone_sent = false;
        while let Some(item) = self.queue.pop_front() {
            let alone = matches!(
                item,
                Queued::Service { alone: true, .. } | Queued::Request(_, true)
            );
            if (alone && !msgs.is_empty())
                || msgs.len().saturating_add(reserve) >= max_count.max(reserve.saturating_add(1))
            {
                self.queue.push_front(item);
                break;
            }
            let (body, purpose) = match &item {
                Queued::Request(r, _) => match self.request_wire_body(*r) {
                    Some(b) => (b, Purpose::Request(*r)),
                    None => continue, // resolved or cancelled meanwhile
                },
                Queued::Service { body, purpose, .. } => (body.clone(), purpose.clone()),
            };
            // Sizes of bodies held in memory: the sums cannot saturate.
            let with_body = size.saturating_add(16).saturating_add(body.len());
            if !msgs.is_empty() && with_body > max_bytes {
                self.queue.push_front(item);
                break;
            }
            size = with_body;
            let msg_id = self.ids.next(self.now, MsgIdKind::Client);
            let body = match &purpose {
                Purpose::Request(r) => match self.pending.requests.get(r) {
                    Some(Request {
                        for_msg_id: Some(build),
                        ..
                    }) => Body::new((build.0)(msg_id, self.session_id)),
                    _ => body,
                },
                _ => body,
            };
            let content = is_content_related(&body);
            let seq = self.seq.next(content);
            match purpose {
                Purpose::Request(r) => self.pending.mark_sent(r, msg_id, Body::default()),
                purpose if content => {
                    self.pending.sent.insert(
                        msg_id,
                        Sent {
                            purpose,
                            body: body.clone(),
                        },
                    );
                }
                _ => {}
            }
            if content {
                inner_content.push(msg_id);
            }
            msgs.push((msg_id, seq, body));
            if alone {
                alone_sent = true;
                break;
            }
        }
        if !alone_sent && !self.acks.is_empty() && (acks_wanted || !msgs.is_empty()) {
            let n = self.acks.len().min(MAX_ACKS_PER_MESSAGE);
            let ids: Vec<i64> = self.acks.drain(..n).collect();
            let body = Body::new(crate::tl::Serializable::to_bytes(&types::MsgsAck {
                msg_ids: ids,
            }));
            let msg_id = self.ids.next(self.now, MsgIdKind::Client);
            let seq = self.seq.next(false);
            msgs.push((msg_id, seq, body));
            if self.acks.is_empty() {
                self.ack_due = false;
                self.timers.stop(Timer::Ack);
            }
        }
        let (msg_id, seq_no, body) = match msgs.len() {
            0 => return None,
            1 => msgs.pop()?,
            _ => {
                let body = container(&msgs);
                let id = self.ids.next(self.now, MsgIdKind::Client);
                self.pending.add_container(id, inner_content);
                (id, self.seq.next(false), body)
            }
        };
        let header = MessageHeader {
            salt: self.salt,
            session_id: self.session_id,
            msg_id,
            seq_no,
        };
        match envelope::encrypt_message_with_id(
            &self.auth_key,
            self.auth_key_id,
            Side::Client,
            &header,
            &body,
            self.config.max_padding,
            &mut *self.rng,
        ) {
            Ok(packet) => {
                self.stats.packets_sent = self.stats.packets_sent.saturating_add(1);
                self.arm_keepalive();
                Some(packet)
            }
            Err(error) => {
                self.events.push_back(SessionEvent::ProtocolError { error });
                None
            }
        }
    }

    /// The body to send for a request now: gzip_packed when smaller, inside
    /// invokeAfterMsg when ordered after another request.
    fn request_wire_body(&mut self, r: RequestId) -> Option<Body> {
        let threshold = self.config.gzip_threshold;
        let req = self.pending.requests.get_mut(&r)?;
        if req.for_msg_id.is_some() {
            // Rebuilt with its msg_id in poll_transmit; the same length now.
            return Some(req.body.clone());
        }
        if !req.gzip_checked {
            req.gzip_checked = true;
            if threshold > 0 && req.body.len() >= threshold {
                req.gzipped = gzip_if_smaller(&req.body);
            }
        }
        let inner = req.gzipped.clone().unwrap_or_else(|| req.body.clone());
        let after = req.after;
        Some(match after.and_then(|a| self.pending.latest_msg_id(a)) {
            Some(m) => invoke_after_msg(m, &inner),
            None => inner,
        })
    }

    /// Queues an ack for a content-related message received.
    pub(super) fn queue_ack(&mut self, msg_id: i64) {
        self.acks.push(msg_id);
        self.timers.set_min(
            Timer::Ack,
            self.now.saturating_add(self.config.ack_delay_ms),
        );
        if self.acks.len() >= MAX_ACKS_PER_MESSAGE {
            self.ack_due = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_only_when_smaller() {
        assert!(gzip_if_smaller(&[1, 2, 3, 4]).is_none());
        let big = vec![0u8; 4096];
        let gz = gzip_if_smaller(&big).unwrap();
        assert!(gz.len() < 200);
        let v = crate::tl::decode_value(&[&gz[..]].concat());
        assert!(v.is_err() || v.is_ok()); // gzip_packed of zeros is not a TL object
    }

    #[test]
    fn wrappers_have_their_layout() {
        let w = invoke_after_msg(7, &[1, 2, 3, 4]);
        assert_eq!(&w[..4], &INVOKE_AFTER_MSG_ID.to_le_bytes());
        assert_eq!(&w[4..12], &7i64.to_le_bytes());
        let c = container(&[(4, 1, vec![9; 4].into()), (8, 3, vec![8; 8].into())]);
        let parsed = <types::MsgContainer as crate::tl::Deserializable>::from_bytes(&c).unwrap();
        assert_eq!(parsed.messages.len(), 2);
        assert_eq!(parsed.messages[1].body, vec![8; 8]);
    }
}
