//! A Rust MTProto client for the tests, built from the core's own client pieces:
//! `transport::TransportCodec`, `auth::HandshakeMachine`, `session::Session`.

use std::collections::VecDeque;
use std::time::{SystemTime, UNIX_EPOCH};

use mtproto_testdc::RsaKeyPair;
use mtproto_testdc::ws::opcode;
use mtproto_wasm::auth::{AuthResult, HandshakeConfig, HandshakeMachine};
use mtproto_wasm::crypto::{OsRandom, RsaPublicKey};
use mtproto_wasm::session::{InvokeOptions, Session, SessionConfig, SessionEvent};
use mtproto_wasm::tl::{self, Object, Value};
use mtproto_wasm::transport::{Framing, Incoming, TransportCodec, TransportConfig, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{within, ws_connect, ws_recv, ws_send};

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The public half of the fixed test key.
pub fn test_public_key() -> RsaPublicKey {
    let k = RsaKeyPair::fixed_test_key();
    RsaPublicKey::from_components(&k.n_bytes(), &k.e_bytes()).unwrap()
}

/// How to reach the DC.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub framing: Framing,
    pub obfuscated: bool,
    /// WebSocket path, or raw TCP.
    pub ws: Option<&'static str>,
}

impl Route {
    pub fn tcp(framing: Framing, obfuscated: bool) -> Self {
        Self {
            framing,
            obfuscated,
            ws: None,
        }
    }
}

pub struct MtClient {
    stream: TcpStream,
    ws: bool,
    codec: TransportCodec,
    framing: Framing,
    frames: VecDeque<Vec<u8>>,
    pub session: Option<Session>,
    /// Events seen while waiting for answers (other than the answers themselves).
    pub events: Vec<SessionEvent>,
    /// Server answers in the last handshake (3 normally, 4 after a dh_gen_retry).
    pub handshake_answers: usize,
}

impl MtClient {
    pub async fn connect(port: u16, route: Route) -> Self {
        let stream = match route.ws {
            Some(path) => ws_connect(port, path).await,
            None => within(TcpStream::connect(("127.0.0.1", port)))
                .await
                .unwrap(),
        };
        let config = if route.obfuscated {
            TransportConfig::obfuscated(route.framing, 2)
        } else {
            TransportConfig::new(route.framing)
        };
        let codec = TransportCodec::new(&config, &mut OsRandom).unwrap();
        let header = codec.header();
        let mut c = Self {
            stream,
            ws: route.ws.is_some(),
            codec,
            framing: route.framing,
            frames: VecDeque::new(),
            session: None,
            events: Vec::new(),
            handshake_answers: 0,
        };
        if !header.is_empty() {
            c.write(&header).await;
        }
        c
    }

    pub async fn write(&mut self, bytes: &[u8]) {
        if self.ws {
            ws_send(&mut self.stream, opcode::BINARY, bytes, true).await;
        } else {
            within(self.stream.write_all(bytes)).await.unwrap();
        }
    }

    /// Raw TCP only: writes `bytes`; false if the server already closed.
    pub async fn try_write(&mut self, bytes: &[u8]) -> bool {
        matches!(
            tokio::time::timeout(super::STEP, self.stream.write_all(bytes)).await,
            Ok(Ok(()))
        )
    }

    /// Raw TCP only: frames and writes `payload`; false if the server already closed.
    pub async fn try_send(&mut self, payload: &[u8]) -> bool {
        let bytes = self.codec.pack(payload, &mut OsRandom).unwrap();
        self.try_write(&bytes).await
    }

    pub async fn send(&mut self, payload: &[u8]) {
        let bytes = self.codec.pack(payload, &mut OsRandom).unwrap();
        self.write(&bytes).await;
    }

    /// The next packet; `Err(Closed)` when the server closed the connection.
    pub async fn recv(&mut self) -> Result<Vec<u8>, TransportError> {
        loop {
            if let Some(f) = self.frames.pop_front() {
                return Ok(f);
            }
            let chunk = if self.ws {
                let (op, data) = ws_recv(&mut self.stream).await;
                if op == opcode::CLOSE {
                    return Err(TransportError::Closed);
                }
                data
            } else {
                let mut buf = vec![0u8; 64 * 1024];
                let n = within(self.stream.read(&mut buf))
                    .await
                    .map_err(|_| TransportError::Closed)?;
                if n == 0 {
                    return Err(TransportError::Closed);
                }
                buf.truncate(n);
                buf
            };
            for inc in self.codec.unpack(&chunk)? {
                if let Incoming::Frame { payload, .. } = inc {
                    self.frames.push_back(payload);
                }
            }
        }
    }

    /// Runs the handshake with the fixed test key.
    pub async fn handshake(&mut self) -> AuthResult {
        self.handshake_with(|_| {}).await
    }

    /// Runs the handshake with the fixed test key and `tweak`ed options.
    pub async fn handshake_with(&mut self, tweak: impl FnOnce(&mut HandshakeConfig)) -> AuthResult {
        let mut config = HandshakeConfig::new(2);
        config.rsa_keys = vec![test_public_key()];
        tweak(&mut config);
        let (mut machine, first) =
            HandshakeMachine::start(config, &mut OsRandom, now_ms()).unwrap();
        self.send(&first).await;
        self.handshake_answers = 0;
        loop {
            let answer = self.recv().await.unwrap();
            self.handshake_answers += 1;
            match machine.handle(&answer, &mut OsRandom, now_ms()).unwrap() {
                Some(next) => self.send(&next).await,
                None => return machine.into_result().unwrap(),
            }
        }
    }

    /// Starts a session over `auth` (salt and clock from the handshake).
    pub fn start_session(&mut self, auth: &AuthResult, tweak: impl FnOnce(&mut SessionConfig)) {
        let mut config = SessionConfig::new(auth.auth_key.clone(), auth.server_salt as u64);
        config.time_offset_ms = Some(auth.time_offset * 1000);
        // Padded intermediate may leave aligned padding after the packet.
        config.trim_transport_padding = self.framing == Framing::PaddedIntermediate;
        tweak(&mut config);
        self.session = Some(Session::new(config, Box::new(OsRandom)).unwrap());
    }

    /// Connects, runs the handshake and starts a session.
    pub async fn ready(port: u16, route: Route) -> (Self, AuthResult) {
        let mut c = Self::connect(port, route).await;
        let auth = c.handshake().await;
        c.start_session(&auth, |_| {});
        (c, auth)
    }

    /// Sends whatever the session has queued.
    pub async fn flush(&mut self) {
        let mut out = Vec::new();
        let s = self.session.as_mut().unwrap();
        while let Some(p) = s.poll_transmit(now_ms()) {
            out.push(p);
        }
        for p in out {
            self.send(&p).await;
        }
    }

    /// Invokes `body` and waits for its answer: Ok(result bytes) or Err((code, message)).
    pub async fn invoke_raw(&mut self, body: Vec<u8>) -> Result<Vec<u8>, (i32, String)> {
        let id = self
            .session
            .as_mut()
            .unwrap()
            .invoke(body, InvokeOptions::default())
            .unwrap();
        loop {
            self.flush().await;
            while let Some(e) = self.session.as_mut().unwrap().poll_event() {
                match e {
                    SessionEvent::RpcResult { request, body } if request == id => return Ok(body),
                    SessionEvent::RpcError {
                        request,
                        code,
                        message,
                    } if request == id => return Err((code, message)),
                    SessionEvent::RequestFailed { request, reason } if request == id => {
                        panic!("request failed: {reason:?}")
                    }
                    other => self.events.push(other),
                }
            }
            let frame = self.recv().await.expect("connection closed while waiting");
            self.session
                .as_mut()
                .unwrap()
                .handle_input(now_ms(), &frame);
        }
    }

    /// Invokes a method given as a TL value; decodes the answer as a value.
    pub async fn call(&mut self, method: Object) -> Result<Value, (i32, String)> {
        let name = method.name.clone();
        let body = tl::encode_value(&Value::Object(method)).unwrap();
        let answer = self.invoke_raw(body).await?;
        Ok(tl::decode_result(&name, &answer).unwrap())
    }
}

/// A field of an object value.
pub fn get<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v:?}"))
        .get(name)
        .unwrap_or_else(|| panic!("no field {name} in {v:?}"))
}

/// The constructor name of an object value.
pub fn name(v: &Value) -> &str {
    &v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v:?}"))
        .name
}

/// A hand-driven session for forging client messages (bad ids, seq_nos, containers) with
/// the core's envelope functions, bypassing `Session`'s own policy.
pub struct RawSession {
    pub conn: MtClient,
    pub key: mtproto_wasm::crypto::AuthKey,
    pub salt: u64,
    pub session_id: u64,
    last_msg_id: i64,
    pub content_sent: i32,
    queue: VecDeque<(i64, i32, Vec<u8>)>,
}

impl RawSession {
    pub async fn open(port: u16) -> Self {
        let mut conn = MtClient::connect(port, Route::tcp(Framing::Intermediate, false)).await;
        let auth = conn.handshake().await;
        Self::over(conn, &auth)
    }

    pub fn over(conn: MtClient, auth: &AuthResult) -> Self {
        Self {
            conn,
            key: auth.auth_key.clone(),
            salt: auth.server_salt as u64,
            session_id: rand_u64(),
            last_msg_id: 0,
            content_sent: 0,
            queue: VecDeque::new(),
        }
    }

    /// A fresh client msg_id (divisible by 4, increasing).
    pub fn msg_id(&mut self) -> i64 {
        let t = now_ms() as i64;
        let mut id = ((t / 1000) << 32) | (((t % 1000) << 22) & !3);
        if id <= self.last_msg_id {
            id = self.last_msg_id + 4;
        }
        self.last_msg_id = id;
        id
    }

    /// The seq_no of the next message.
    pub fn seq(&mut self, content: bool) -> i32 {
        if content {
            self.content_sent += 1;
            self.content_sent * 2 - 1
        } else {
            self.content_sent * 2
        }
    }

    /// Sends one message with exactly this header.
    pub async fn send_raw(&mut self, msg_id: i64, seq_no: i32, body: &[u8]) -> Vec<u8> {
        let header = mtproto_wasm::session::MessageHeader {
            salt: self.salt,
            session_id: self.session_id,
            msg_id,
            seq_no,
        };
        let packet = mtproto_wasm::session::envelope::encrypt_message(
            &self.key,
            mtproto_wasm::crypto::Side::Client,
            &header,
            body,
            32,
            &mut OsRandom,
        )
        .unwrap();
        self.conn.send(&packet).await;
        packet
    }

    /// Sends a content-related message with fresh numbers; returns its msg_id.
    pub async fn send(&mut self, body: &[u8]) -> i64 {
        let id = self.msg_id();
        let seq = self.seq(true);
        self.send_raw(id, seq, body).await;
        id
    }

    /// The next messages from the server (a container unpacked): (msg_id, seq_no, body).
    pub async fn recv(&mut self) -> Vec<(i64, i32, Vec<u8>)> {
        use mtproto_wasm::tl::Deserializable;
        use mtproto_wasm::tl::mtproto::types::MsgContainer;
        let packet = self.conn.recv().await.unwrap();
        let m = mtproto_wasm::session::envelope::decrypt_message(
            &self.key,
            mtproto_wasm::crypto::Side::Server,
            &packet,
        )
        .unwrap();
        assert_eq!(m.header.session_id, self.session_id);
        assert_eq!(m.header.msg_id % 2, 1, "server msg_ids are odd");
        if m.body.get(..4) == Some(&MsgContainer::CONSTRUCTOR_ID.to_le_bytes()[..]) {
            MsgContainer::from_bytes(&m.body)
                .unwrap()
                .messages
                .into_iter()
                .map(|x| (x.msg_id, x.seqno, x.body))
                .collect()
        } else {
            vec![(m.header.msg_id, m.header.seq_no, m.body)]
        }
    }

    /// Receives until a message with constructor `id` arrives; returns it (msg_id, body).
    /// Every other message is collected in `seen`.
    pub async fn expect(&mut self, id: u32, seen: &mut Vec<Vec<u8>>) -> (i64, Vec<u8>) {
        loop {
            let (msg_id, _, body) = self.next().await;
            if body.get(..4) == Some(&id.to_le_bytes()[..]) {
                return (msg_id, body);
            }
            seen.push(body);
        }
    }

    /// The next message from the server, in order.
    pub async fn next(&mut self) -> (i64, i32, Vec<u8>) {
        loop {
            if let Some(m) = self.queue.pop_front() {
                return m;
            }
            let batch = self.recv().await;
            self.queue.extend(batch);
        }
    }

    /// The next message that is not new_session_created or msgs_ack.
    pub async fn next_reply(&mut self) -> Vec<u8> {
        use mtproto_wasm::tl::mtproto::types::{MsgsAck, NewSessionCreated};
        loop {
            let (_, _, body) = self.next().await;
            let id = body
                .get(..4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()));
            if id != Some(MsgsAck::CONSTRUCTOR_ID) && id != Some(NewSessionCreated::CONSTRUCTOR_ID)
            {
                return body;
            }
        }
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    mtproto_wasm::crypto::RandomSource::fill(&mut OsRandom, &mut b).unwrap();
    u64::from_le_bytes(b)
}
