//! The server side of a session: what the test DC (and the tests) use to read client
//! packets and answer them with the same envelope code, [`Side::Server`] direction.
//!
//! Deliberately small: it decrypts with every envelope check, unpacks one level of
//! container, numbers its own messages (odd ids: 1 mod 4 for responses, 3 mod 4 for
//! server-initiated messages; seq_no by content-relatedness) and encrypts single messages
//! or containers. Server policy (salts, bad_msg_notification, sessions per key) belongs to
//! its user.

use super::envelope::{self, MessageHeader};
use super::error::SessionError;
use super::msg_id::{MsgIdGenerator, MsgIdKind};
use super::outgoing::container;
use super::seq_no::{SeqNo, is_content_related};
use crate::crypto::{AuthKey, RandomSource, Side};
use crate::tl::Deserializable;
use crate::tl::mtproto::types;

/// One message from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMessage {
    /// msg_id.
    pub msg_id: i64,
    /// seq_no.
    pub seq_no: i32,
    /// The TL body.
    pub body: Vec<u8>,
}

/// A decrypted client packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPacket {
    /// The envelope header (salt, session_id, msg_id, seq_no of the packet).
    pub header: MessageHeader,
    /// Whether the packet was a `msg_container`.
    pub container: bool,
    /// The messages: the container's, or the one message.
    pub messages: Vec<ClientMessage>,
}

/// The server end of one session.
pub struct ServerSession {
    auth_key: AuthKey,
    auth_key_id: u64,
    /// The salt put in our packets.
    pub salt: u64,
    /// The client's session id (learned from the first packet when `None`).
    pub session_id: Option<u64>,
    ids: MsgIdGenerator,
    seq: SeqNo,
    rng: Box<dyn RandomSource + Send>,
    /// Largest padding used (12..=1024).
    pub max_padding: usize,
}

impl core::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerSession")
            .field("auth_key_id", &format_args!("{:016x}", self.auth_key_id))
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// A server session over `auth_key`, with `time_offset_ms` added to the clock (tests
    /// simulate a skewed server with it).
    pub fn new(
        auth_key: AuthKey,
        salt: u64,
        time_offset_ms: i64,
        rng: Box<dyn RandomSource + Send>,
    ) -> Self {
        Self {
            auth_key_id: auth_key.id(),
            auth_key,
            salt,
            session_id: None,
            ids: MsgIdGenerator::new(time_offset_ms),
            seq: SeqNo::new(),
            rng,
            max_padding: 64,
        }
    }

    /// Decrypts a client packet (every envelope check) and unpacks its container.
    /// A session id different from the known one is an error.
    pub fn decrypt(&mut self, packet: &[u8]) -> Result<ClientPacket, SessionError> {
        let m = envelope::decrypt_message_with_id(
            &self.auth_key,
            self.auth_key_id,
            Side::Client,
            packet,
        )?;
        match self.session_id {
            Some(id) if id != m.header.session_id => {
                return Err(SessionError::WrongSessionId {
                    got: m.header.session_id,
                });
            }
            _ => self.session_id = Some(m.header.session_id),
        }
        let is_container =
            m.body.get(..4) == Some(&types::MsgContainer::CONSTRUCTOR_ID.to_le_bytes()[..]);
        let messages = if is_container {
            types::MsgContainer::from_bytes(&m.body)?
                .messages
                .into_iter()
                .map(|x| ClientMessage {
                    msg_id: x.msg_id,
                    seq_no: x.seqno,
                    body: x.body,
                })
                .collect()
        } else {
            vec![ClientMessage {
                msg_id: m.header.msg_id,
                seq_no: m.header.seq_no,
                body: m.body,
            }]
        };
        Ok(ClientPacket {
            header: m.header,
            container: is_container,
            messages,
        })
    }

    /// Moves the server's clock (tests simulate a server clock that jumps with it).
    pub fn set_time_offset_ms(&mut self, offset_ms: i64) {
        self.ids.set_offset_ms(offset_ms);
    }

    /// A new server msg_id at `now`.
    pub fn next_msg_id(&mut self, now: u64, kind: MsgIdKind) -> i64 {
        self.ids.next(now, kind)
    }

    /// The next seq_no for a body.
    pub fn next_seq_no(&mut self, content_related: bool) -> i32 {
        self.seq.next(content_related)
    }

    /// Encrypts `bodies` at `now`: one message alone, several in a container. An
    /// `rpc_result` gets a response id, anything else a server-initiated id. Returns the
    /// packet and the msg_ids used (the container's last).
    pub fn encrypt(
        &mut self,
        now: u64,
        bodies: &[Vec<u8>],
    ) -> Result<(Vec<u8>, Vec<i64>), SessionError> {
        let mut msgs = Vec::with_capacity(bodies.len());
        for b in bodies {
            let kind = if b.get(..4) == Some(&types::RpcResult::CONSTRUCTOR_ID.to_le_bytes()[..]) {
                MsgIdKind::ServerResponse
            } else {
                MsgIdKind::ServerInitiated
            };
            let id = self.ids.next(now, kind);
            let seq = self.seq.next(is_content_related(b));
            msgs.push((id, seq, super::pending::Body::new(b.clone())));
        }
        let mut ids: Vec<i64> = msgs.iter().map(|m| m.0).collect();
        let (msg_id, seq_no, body) = if msgs.len() == 1 {
            msgs.pop()
                .ok_or(SessionError::InvalidArgument("no message"))?
        } else {
            let id = self.ids.next(now, MsgIdKind::ServerInitiated);
            ids.push(id);
            (id, self.seq.next(false), container(&msgs))
        };
        let header = MessageHeader {
            salt: self.salt,
            session_id: self.session_id.unwrap_or(0),
            msg_id,
            seq_no,
        };
        let packet = self.encrypt_with(&header, &body)?;
        Ok((packet, ids))
    }

    /// Encrypts one message with an arbitrary header (tests forge bad ones with it).
    pub fn encrypt_with(
        &mut self,
        header: &MessageHeader,
        body: &[u8],
    ) -> Result<Vec<u8>, SessionError> {
        envelope::encrypt_message_with_id(
            &self.auth_key,
            self.auth_key_id,
            Side::Server,
            header,
            body,
            self.max_padding,
            &mut *self.rng,
        )
    }
}
