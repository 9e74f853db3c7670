//! The `ClientCore` test harness: a client and the in-process `TestServer` with a simulated
//! clock (`Net`), for tests/client.rs and tests/client_keys.rs.
#![allow(dead_code)]

use mtproto_wasm::auth::server::RsaPrivateKey;
use mtproto_wasm::client::server::TestServer;
use mtproto_wasm::client::{AppInfo, ClientConfig, ClientCore, ClientEvent, RequestId};
use mtproto_wasm::crypto::{RsaPublicKey, SeededRandom};
use mtproto_wasm::tl::{self, Object, Value};
use mtproto_wasm::transport::Framing;

pub const T0: u64 = 1_700_000_000_000;

pub fn key_json() -> serde_json::Value {
    serde_json::from_str(include_str!("../data/rsa_test_key.json")).unwrap()
}

pub fn server(seed: u64) -> TestServer {
    let j = key_json();
    let h = |k: &str| hex::decode(j[k].as_str().unwrap()).unwrap();
    let key = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap();
    TestServer::new(key, 2, Box::new(SeededRandom::new(seed)))
}

pub fn config(framing: Framing) -> ClientConfig {
    let mut c = ClientConfig::new(2, AppInfo::new(12345));
    c.test_mode = true;
    c.framing = framing;
    let pem = key_json()["pem_pkcs1"].as_str().unwrap().to_string();
    c.rsa_keys.push(RsaPublicKey::from_pem(&pem).unwrap());
    c
}

#[derive(Clone, Copy, PartialEq)]
pub enum Chunks {
    Whole,
    Bytes,
    Coalesced,
}

pub struct Net {
    pub now: u64,
    pub client: ClientCore,
    pub server: TestServer,
    pub chunks: Chunks,
    pub events: Vec<ClientEvent>,
    /// `TempKeyBound` events, kept apart: (temp key id, expires_at).
    pub bound: Vec<(u64, i64)>,
}

impl Net {
    pub fn new(framing: Framing, chunks: Chunks) -> Self {
        let client = ClientCore::new(config(framing), Box::new(SeededRandom::new(7)));
        Self::with(client, server(8), chunks)
    }

    pub fn with(client: ClientCore, server: TestServer, chunks: Chunks) -> Self {
        Self {
            now: T0,
            client,
            server,
            chunks,
            events: Vec::new(),
            bound: Vec::new(),
        }
    }

    pub fn connect(&mut self) {
        self.server.accept();
        self.client.connect(self.now).unwrap();
        self.pump();
    }

    pub fn drop_connection(&mut self) {
        self.client.on_transport_closed(self.now);
        self.server.close();
    }

    /// Moves bytes both ways until both sides are quiet; collects the client's events.
    pub fn pump(&mut self) {
        for _ in 0..100 {
            let mut up = Vec::new();
            while let Some(b) = self.client.poll_transmit() {
                up.push(b);
            }
            for b in &up {
                if self.chunks == Chunks::Bytes {
                    for x in b.chunks(1) {
                        self.server.handle_bytes(self.now, x).unwrap();
                    }
                } else {
                    self.server.handle_bytes(self.now, b).unwrap();
                }
            }
            let mut down = Vec::new();
            while let Some(b) = self.server.poll_transmit() {
                down.push(b);
            }
            match self.chunks {
                Chunks::Whole => down
                    .iter()
                    .for_each(|b| self.client.handle_bytes(self.now, b)),
                Chunks::Bytes => down
                    .iter()
                    .flatten()
                    .for_each(|x| self.client.handle_bytes(self.now, &[*x])),
                Chunks::Coalesced => self.client.handle_bytes(self.now, &down.concat()),
            }
            while let Some(e) = self.client.poll_event() {
                match e {
                    ClientEvent::TempKeyBound {
                        temp_auth_key_id,
                        expires_at,
                    } => self.bound.push((temp_auth_key_id, expires_at)),
                    e => self.events.push(e),
                }
            }
            if up.is_empty() && down.is_empty() {
                return;
            }
            self.now += 5;
        }
        panic!("no quiet point");
    }

    pub fn invoke(&mut self, v: Object) -> RequestId {
        let r = self
            .client
            .invoke(tl::encode_value(&Value::Object(v)).unwrap())
            .unwrap();
        self.pump();
        r
    }

    pub fn take_events(&mut self) -> Vec<ClientEvent> {
        core::mem::take(&mut self.events)
    }

    pub fn result(&mut self, request: RequestId) -> Object {
        let evs = self.take_events();
        let bodies: Vec<_> = evs
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Result { request: r, body } if *r == request => Some(body),
                _ => None,
            })
            .collect();
        assert_eq!(bodies.len(), 1, "{evs:?}");
        match tl::decode_value(bodies[0]).unwrap() {
            Value::Object(o) => o,
            v => panic!("{v:?}"),
        }
    }
}

pub fn nearest() -> Object {
    Object::new("help.getNearestDc")
}

pub fn connected(n: &mut Net, new_key: bool) -> u64 {
    let evs = n.take_events();
    match evs.as_slice() {
        [
            ClientEvent::Connected {
                auth_key_id,
                new_key: k,
            },
        ] if *k == new_key => *auth_key_id,
        _ => panic!("{evs:?}"),
    }
}

pub fn pfs_net(ttl_s: i32) -> Net {
    let mut c = config(Framing::Intermediate);
    c.temp_key_ttl_s = ttl_s;
    c.ping_interval_ms = 0;
    let client = ClientCore::new(c, Box::new(SeededRandom::new(7)));
    let mut n = Net::with(client, server(8), Chunks::Whole);
    n.connect();
    connected(&mut n, true);
    n
}

impl Net {
    /// Runs the client's timers up to `t` (each deadline in turn), moving bytes after each.
    pub fn advance_to(&mut self, t: u64) {
        for _ in 0..10_000 {
            match self.client.poll_timeout() {
                Some(d) if d <= t => {
                    self.now = self.now.max(d);
                    self.client.handle_timeout(self.now);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = self.now.max(t);
        self.client.handle_timeout(self.now);
        self.pump();
    }

    pub fn results(&self) -> Vec<RequestId> {
        let mut v: Vec<RequestId> = self
            .events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Result { request, .. } => Some(*request),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    pub fn binds(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| *r == "auth.bindTempAuthKey")
            .count()
    }
}
