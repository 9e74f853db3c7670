//! The body of the `client_core` target, shared with `tests/fuzz_seeds.rs` (which runs seeds
//! through it natively): `ClientCore` (transport + handshake + session) fed hostile server
//! bytes in every state. Input: a mode byte, then a script.
//!
//! The client trusts the test RSA key of `tests/data/rsa_test_key.json` besides the
//! built-in ones, so seeds can replay a whole handshake with the in-crate server.
//!
//! Mode byte `m`: PFS on when `m >= 128`; `m % 3`: `0` a new client (no key: `connect` starts the handshake); `1` a client from a
//! valid session blob (key known: `connect` starts the session); `2` a client from a fuzzed
//! blob (u16 LE length, blob) into `ClientCore::from_session`.
//!
//! Steps (op byte, then its data), up to 48:
//! - `0`: `connect`;
//! - `1`: a raw chunk (u8 length, bytes): breaks the obfuscation and framing;
//! - `2`: a frame (u16 LE length, payload) packed by the server end of the transport, so it
//!   passes the obfuscation and reaches the handshake or the session;
//! - `3`: a message (u16 LE length, body) sealed by the server end of the session with the
//!   blob's key (mode 1), so it passes msg_key; `5EED5EED_xxxxxxxx` words become msg_ids the
//!   client sent;
//! - `4`: time moves on (u16 LE * 32 ms) and the timers run;
//! - `5`: the app (u8): invoke a ping or an API request, cancel, transport closed, export;
//! - `6`: like `3`, with the body built by [`crate::tl_shapes`] from a program (u16 LE
//!   length, program): nested gzip_packed and containers, huge vector counts, deep objects.
//!
//! After every step the client's output is read back by the server ends and its events are
//! drained. Never panics; a request resolves at most once.
use std::collections::HashSet;

use mtproto_wasm::client::{
    AppInfo, ClientConfig, ClientCore, ClientEvent, RequestId, SavedSession,
};
use mtproto_wasm::crypto::{AuthKey, RsaPublicKey, SeededRandom};
use mtproto_wasm::session::msg_id::MsgIdKind;
use mtproto_wasm::session::server::ServerSession;
use mtproto_wasm::transport::{AcceptConfig, Incoming, TransportCodec};

const T0: u64 = 1_700_000_000_000;
const SALT: u64 = 0x1111_2222_3333_4444;
const SENT_ID: u32 = 0x5EED_5EED;
const SERVER_ID: u32 = 0x5EED_5EEE;

fn key() -> AuthKey {
    let bytes: Vec<u8> = (0..256u32).map(|i| (i * 31 + 7) as u8).collect();
    AuthKey::from_bytes(&bytes).expect("256 bytes")
}

fn test_rsa_key() -> RsaPublicKey {
    static K: std::sync::OnceLock<RsaPublicKey> = std::sync::OnceLock::new();
    K.get_or_init(|| {
        let json = include_str!("../../tests/data/rsa_test_key.json");
        let hex = |name: &str| -> Vec<u8> {
            let tag = format!("\"{name}\": \"");
            let start = json.find(&tag).expect("field") + tag.len();
            let end = start + json[start..].find('"').expect("end");
            let h = &json[start..end];
            (0..h.len() / 2)
                .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex"))
                .collect()
        };
        RsaPublicKey::from_components(&hex("n"), &hex("e")).expect("test key")
    })
    .clone()
}

fn blob() -> Vec<u8> {
    SavedSession {
        dc_id: 2,
        test_mode: false,
        auth_key: key(),
        server_salt: SALT,
        time_offset_ms: Some(0),
        temp: None,
    }
    .to_bytes()
}

struct Run {
    now: u64,
    client: ClientCore,
    rng: SeededRandom,
    inbox: Vec<u8>,
    codec: Option<TransportCodec>,
    session: ServerSession,
    sent: Vec<i64>,
    requests: Vec<RequestId>,
    resolved: HashSet<RequestId>,
    /// What the client reported: protocol errors' messages, "update", "result".
    log: Vec<String>,
}

impl Run {
    fn drain(&mut self) {
        while let Some(bytes) = self.client.poll_transmit() {
            self.read_client(&bytes);
        }
        while let Some(ev) = self.client.poll_event() {
            match &ev {
                ClientEvent::ProtocolError { message } => self.log.push(message.clone()),
                ClientEvent::Update(_) => self.log.push("update".into()),
                ClientEvent::Result { .. } => self.log.push("result".into()),
                _ => {}
            }
            let request = match ev {
                ClientEvent::Result { request, .. }
                | ClientEvent::RpcError { request, .. }
                | ClientEvent::RequestFailed { request, .. } => request,
                ClientEvent::Disconnect { .. } => {
                    self.client.on_transport_closed(self.now);
                    self.codec = None;
                    continue;
                }
                _ => continue,
            };
            assert!(self.resolved.insert(request), "a request resolved twice");
        }
        if self.sent.len() > 256 {
            self.sent.drain(..128);
        }
    }

    /// The server ends read what the client sent: transport, then session (msg_ids).
    fn read_client(&mut self, bytes: &[u8]) {
        let mut frames = Vec::new();
        match self.codec.as_mut() {
            Some(codec) => match codec.unpack(bytes) {
                Ok(items) => frames = items,
                Err(_) => self.codec = None,
            },
            None => {
                self.inbox.extend_from_slice(bytes);
                if let Ok(Some(mut codec)) =
                    TransportCodec::accept(&self.inbox, &AcceptConfig::default())
                {
                    self.inbox.clear();
                    while let Ok(Some(item)) = codec.poll() {
                        frames.push(item);
                    }
                    self.codec = Some(codec);
                }
            }
        }
        for item in frames {
            if let Incoming::Frame { payload, .. } = item {
                let known = self.session.session_id.take();
                match self.session.decrypt(&payload) {
                    Ok(p) => self.sent.extend(p.messages.iter().map(|m| m.msg_id)),
                    Err(_) => self.session.session_id = known,
                }
            }
        }
    }

    fn send_frame(&mut self, payload: &[u8], split: usize) {
        let Some(codec) = self.codec.as_mut() else {
            return;
        };
        if let Ok(bytes) = codec.pack(payload, &mut self.rng) {
            let (a, b) = bytes.split_at(split.min(bytes.len()));
            self.client.handle_bytes(self.now, a);
            self.client.handle_bytes(self.now, b);
        }
    }

    /// A structured body's msg_id placeholder: a message the client sent, or a fresh
    /// server msg_id.
    fn resolve(&mut self, placeholder: u64) -> u64 {
        match (placeholder >> 32) as u32 {
            SENT_ID if !self.sent.is_empty() => {
                self.sent[(placeholder as u32 as usize) % self.sent.len()] as u64
            }
            SERVER_ID => self
                .session
                .next_msg_id(self.now, MsgIdKind::ServerInitiated) as u64,
            _ => placeholder,
        }
    }

    fn patch(&self, body: &mut [u8]) {
        if self.sent.is_empty() {
            return;
        }
        let mut i = 0;
        while i + 8 <= body.len() {
            let word = u64::from_le_bytes(body[i..i + 8].try_into().expect("8 bytes"));
            if (word >> 32) as u32 == SENT_ID {
                let id = self.sent[(word as u32 as usize) % self.sent.len()];
                body[i..i + 8].copy_from_slice(&id.to_le_bytes());
                i += 8;
            } else {
                i += 4;
            }
        }
    }
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, tail) = data.split_at_checked(n)?;
    *data = tail;
    Some(head)
}

fn take_u16<'a>(data: &mut &'a [u8]) -> Option<&'a [u8]> {
    let h = take(data, 2)?;
    let n = usize::from(u16::from_le_bytes([h[0], h[1]])).min(data.len());
    take(data, n)
}

/// The target: runs one input, structured bodies built within `tl_shapes::FUZZ_WORK`.
pub fn run(data: &[u8]) {
    run_with_work(data, crate::tl_shapes::FUZZ_WORK);
}

/// [`run`] with structured bodies built within `work`. Returns what the client reported
/// (protocol errors' messages, "update", "result"), for the native runs of the seeds.
pub fn run_with_work(data: &[u8], work: usize) -> Vec<String> {
    let Some((&mode, mut data)) = data.split_first() else {
        return Vec::new();
    };
    let mut config = ClientConfig::new(2, AppInfo::new(1));
    config.ping_interval_ms = 60_000;
    config.rsa_keys.push(test_rsa_key());
    // Modes 128..: with PFS (temporary key, bind, renewal); below: the permanent key
    // carries the session, as the seeds script it.
    config.pfs = mode >= 128;
    let rng = Box::new(SeededRandom::new(u64::from(mode)));
    let client = match mode % 3 {
        0 => ClientCore::new(config, rng),
        1 => match ClientCore::from_session(config, &blob(), rng) {
            Ok(c) => c,
            Err(_) => panic!("the valid blob must load"),
        },
        _ => {
            let Some(b) = take_u16(&mut data) else {
                return Vec::new();
            };
            match ClientCore::from_session(config, b, rng) {
                Ok(c) => {
                    let again = c.export_session();
                    assert!(again.is_some(), "a loaded blob exports");
                    c
                }
                Err(_) => return Vec::new(),
            }
        }
    };
    let mut run = Run {
        now: T0,
        client,
        rng: SeededRandom::new(3),
        inbox: Vec::new(),
        codec: None,
        session: ServerSession::new(key(), SALT, 0, Box::new(SeededRandom::new(4))),
        sent: Vec::new(),
        requests: Vec::new(),
        resolved: HashSet::new(),
        log: Vec::new(),
    };
    for _ in 0..48 {
        let Some(&[op]) = take(&mut data, 1) else {
            break;
        };
        match op % 7 {
            0 => {
                run.codec = None;
                run.inbox.clear();
                let _ = run.client.connect(run.now);
            }
            1 => {
                let Some(&[n]) = take(&mut data, 1) else {
                    break;
                };
                let n = usize::from(n).min(data.len());
                let Some(chunk) = take(&mut data, n) else {
                    break;
                };
                run.client.handle_bytes(run.now, chunk);
            }
            2 => {
                let Some(p) = take_u16(&mut data) else { break };
                run.send_frame(p, usize::from(op >> 3));
            }
            3 | 6 => {
                let Some(b) = take_u16(&mut data) else { break };
                let mut body = match op % 7 {
                    3 => {
                        let mut body = b.to_vec();
                        run.patch(&mut body);
                        body
                    }
                    _ => crate::tl_shapes::build_with(b, work, &mut |id| run.resolve(id)),
                };
                body.truncate(body.len() - body.len() % 4);
                if run.session.session_id.is_some() {
                    if let Ok((packet, _)) = run.session.encrypt(run.now, &[body]) {
                        run.send_frame(&packet, usize::from(op >> 3));
                    }
                }
            }
            4 => {
                let Some(h) = take(&mut data, 2) else { break };
                run.now += u64::from(u16::from_le_bytes([h[0], h[1]])) * 32;
                run.client.handle_timeout(run.now);
            }
            _ => {
                let Some(&[n]) = take(&mut data, 1) else {
                    break;
                };
                match n % 5 {
                    // ping#7abe77ec ping_id:long
                    0 => {
                        let body = [&0x7abe_77ecu32.to_le_bytes()[..], &[n; 8]].concat();
                        if let Ok(r) = run.client.invoke(body) {
                            run.requests.push(r);
                        }
                    }
                    // help.getNearestDc#1fb33026
                    1 => {
                        if let Ok(r) = run.client.invoke(0x1fb3_3026u32.to_le_bytes().to_vec()) {
                            run.requests.push(r);
                        }
                    }
                    2 => {
                        if let Some(&r) = run.requests.get(usize::from(n / 5)) {
                            let _ = run.client.cancel(r);
                        }
                    }
                    3 => {
                        run.client.on_transport_closed(run.now);
                        run.codec = None;
                    }
                    _ => {
                        let _ = run.client.export_session();
                        let _ = run.client.poll_timeout();
                    }
                }
            }
        }
        run.drain();
    }
    run.log
}
