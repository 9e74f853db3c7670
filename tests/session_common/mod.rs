//! A `Pair` for session tests: the client [`Session`] and a scripted [`ServerSession`]
//! in memory, with a simulated clock. The server side is driven by the test: it reads what
//! the client sent and answers with typed TL, or forges bad packets.
#![allow(dead_code)]

use mtproto_wasm::crypto::{AuthKey, SeededRandom};
use mtproto_wasm::session::msg_id::MsgIdKind;
use mtproto_wasm::session::server::{ClientMessage, ClientPacket, ServerSession};
use mtproto_wasm::session::{
    InvokeOptions, MessageHeader, RequestId, Session, SessionConfig, SessionEvent,
};
use mtproto_wasm::tl::Serializable;
use mtproto_wasm::tl::mtproto::types;

/// 2023-11-14T22:13:20Z.
pub const T0: u64 = 1_700_000_000_000;
pub const SALT: u64 = 0x1111_2222_3333_4444;
pub const SESSION_ID: u64 = 0x5555_6666_7777_8888;

pub fn auth_key() -> AuthKey {
    let bytes: Vec<u8> = (0..256u32).map(|i| (i * 31 + 7) as u8).collect();
    AuthKey::from_bytes(&bytes).unwrap()
}

pub fn config() -> SessionConfig {
    let mut c = SessionConfig::new(auth_key(), SALT);
    c.session_id = Some(SESSION_ID);
    c.time_offset_ms = Some(0);
    c.fetch_future_salts = false;
    c.ping_interval_ms = 0;
    c
}

/// A request body: a made-up boxed method with a counter (4-byte aligned).
pub fn request(n: u32) -> Vec<u8> {
    let mut b = 0x1234_5678u32.to_le_bytes().to_vec();
    b.extend_from_slice(&n.to_le_bytes());
    b
}

/// A result body: `boolTrue` followed by nothing is a valid boxed object.
pub fn answer(n: u32) -> Vec<u8> {
    let mut b = 0x0abc_def0u32.to_le_bytes().to_vec();
    b.extend_from_slice(&n.to_le_bytes());
    b
}

pub fn rpc_result(req_msg_id: i64, result: &[u8]) -> Vec<u8> {
    types::RpcResult {
        req_msg_id,
        result: result.to_vec(),
    }
    .to_bytes()
}

pub struct Pair {
    pub now: u64,
    pub client: Session,
    pub server: ServerSession,
}

impl Pair {
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    pub fn with(f: impl FnOnce(&mut SessionConfig)) -> Self {
        let mut c = config();
        f(&mut c);
        let client = Session::new(c, Box::new(SeededRandom::new(11))).unwrap();
        let mut server = ServerSession::new(auth_key(), SALT, 0, Box::new(SeededRandom::new(22)));
        server.session_id = Some(SESSION_ID);
        Self {
            now: T0,
            client,
            server,
        }
    }

    /// Everything the client has to send now, raw.
    pub fn transmit_raw(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(p) = self.client.poll_transmit(self.now) {
            out.push(p);
            assert!(out.len() < 1000, "poll_transmit does not stop");
        }
        out
    }

    /// Everything the client has to send now, decrypted by the server.
    pub fn transmit(&mut self) -> Vec<ClientPacket> {
        let raw = self.transmit_raw();
        raw.iter()
            .map(|p| self.server.decrypt(p).unwrap())
            .collect()
    }

    /// The messages the client sends now, containers flattened, acks left out.
    pub fn sent(&mut self) -> Vec<ClientMessage> {
        self.transmit()
            .into_iter()
            .flat_map(|p| p.messages)
            .filter(|m| m.body[..4] != types::MsgsAck::CONSTRUCTOR_ID.to_le_bytes())
            .collect()
    }

    /// The server sends `bodies` (one packet, a container when several); returns their ids.
    pub fn deliver(&mut self, bodies: &[Vec<u8>]) -> Vec<i64> {
        let (packet, ids) = self.server.encrypt(self.now, bodies).unwrap();
        self.client.handle_input(self.now, &packet);
        ids
    }

    /// The server's packet for `bodies`, not delivered.
    pub fn packet(&mut self, bodies: &[Vec<u8>]) -> Vec<u8> {
        self.server.encrypt(self.now, bodies).unwrap().0
    }

    /// A packet with a forged header.
    pub fn forged(&mut self, header: MessageHeader, body: &[u8]) -> Vec<u8> {
        self.server.encrypt_with(&header, body).unwrap()
    }

    /// A good header with a fresh server msg_id.
    pub fn header(&mut self) -> MessageHeader {
        MessageHeader {
            salt: SALT,
            session_id: SESSION_ID,
            msg_id: self
                .server
                .next_msg_id(self.now, MsgIdKind::ServerInitiated),
            seq_no: self.server.next_seq_no(true),
        }
    }

    pub fn feed(&mut self, packet: &[u8]) {
        self.client.handle_input(self.now, packet);
    }

    pub fn events(&mut self) -> Vec<SessionEvent> {
        let mut v = Vec::new();
        while let Some(e) = self.client.poll_event() {
            v.push(e);
        }
        v
    }

    /// Moves the clock forward, running the client's timers on the way.
    pub fn advance(&mut self, ms: u64) {
        let end = self.now + ms;
        while let Some(t) = self.client.poll_timeout() {
            if t > end || t <= self.now {
                break;
            }
            self.now = t;
            self.client.handle_timeout(t);
        }
        self.now = end;
        self.client.handle_timeout(end);
    }

    pub fn invoke(&mut self, body: Vec<u8>) -> RequestId {
        self.client.invoke(body, InvokeOptions::default()).unwrap()
    }

    /// A full request/answer round trip; panics if the session does not work.
    pub fn assert_works(&mut self) {
        let _ = self.events();
        let n = (self.now % 100_000) as u32;
        let req = self.invoke(request(n));
        let sent = self.sent();
        let m = sent
            .iter()
            .find(|m| m.body == request(n))
            .expect("request sent");
        let id = m.msg_id;
        self.deliver(&[rpc_result(id, &answer(n))]);
        let events = self.events();
        assert!(
            events.contains(&SessionEvent::RpcResult {
                request: req,
                body: answer(n),
            }),
            "{events:?}"
        );
    }

    /// The events, which must be exactly one ProtocolError of this kind.
    pub fn assert_dropped(&mut self, kind: &str) {
        let events = self.events();
        assert_eq!(events.len(), 1, "{events:?}");
        match &events[0] {
            SessionEvent::ProtocolError { error } => assert_eq!(error.kind(), kind),
            e => panic!("expected a protocol error, got {e:?}"),
        }
        assert!(self.client.stats().dropped.get(kind).copied().unwrap_or(0) >= 1);
    }
}
