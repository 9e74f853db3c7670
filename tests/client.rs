//! `ClientCore` against the in-process `TestServer` (transport accept + server handshake +
//! server session), with a simulated clock: handshake, invoke, pong, rpc_error, updates,
//! reconnect mid-request, export/import without a second handshake, every chunking.
//! Natively and (wasm-bindgen-test) in a browser.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::auth::server::RsaPrivateKey;
use mtproto_wasm::client::server::TestServer;
use mtproto_wasm::client::{
    AppInfo, ClientConfig, ClientCore, ClientEvent, HANDSHAKE_TIMEOUT_MS, RequestId,
};
use mtproto_wasm::crypto::{RsaPublicKey, SeededRandom};
use mtproto_wasm::tl::{self, Object, Value};
use mtproto_wasm::transport::Framing;

const T0: u64 = 1_700_000_000_000;

fn key_json() -> serde_json::Value {
    serde_json::from_str(include_str!("data/rsa_test_key.json")).unwrap()
}

fn server(seed: u64) -> TestServer {
    let j = key_json();
    let h = |k: &str| hex::decode(j[k].as_str().unwrap()).unwrap();
    let key = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap();
    TestServer::new(key, 2, Box::new(SeededRandom::new(seed)))
}

fn config(framing: Framing) -> ClientConfig {
    let mut c = ClientConfig::new(2, AppInfo::new(12345));
    c.test_mode = true;
    c.framing = framing;
    let pem = key_json()["pem_pkcs1"].as_str().unwrap().to_string();
    c.rsa_keys.push(RsaPublicKey::from_pem(&pem).unwrap());
    c
}

#[derive(Clone, Copy, PartialEq)]
enum Chunks {
    Whole,
    Bytes,
    Coalesced,
}

struct Net {
    now: u64,
    client: ClientCore,
    server: TestServer,
    chunks: Chunks,
    events: Vec<ClientEvent>,
}

impl Net {
    fn new(framing: Framing, chunks: Chunks) -> Self {
        let client = ClientCore::new(config(framing), Box::new(SeededRandom::new(7)));
        Self::with(client, server(8), chunks)
    }

    fn with(client: ClientCore, server: TestServer, chunks: Chunks) -> Self {
        Self {
            now: T0,
            client,
            server,
            chunks,
            events: Vec::new(),
        }
    }

    fn connect(&mut self) {
        self.server.accept();
        self.client.connect(self.now).unwrap();
        self.pump();
    }

    fn drop_connection(&mut self) {
        self.client.on_transport_closed(self.now);
        self.server.close();
    }

    /// Moves bytes both ways until both sides are quiet; collects the client's events.
    fn pump(&mut self) {
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
                self.events.push(e);
            }
            if up.is_empty() && down.is_empty() {
                return;
            }
            self.now += 5;
        }
        panic!("no quiet point");
    }

    fn invoke(&mut self, v: Object) -> RequestId {
        let r = self
            .client
            .invoke(tl::encode_value(&Value::Object(v)).unwrap())
            .unwrap();
        self.pump();
        r
    }

    fn take_events(&mut self) -> Vec<ClientEvent> {
        core::mem::take(&mut self.events)
    }

    fn result(&mut self, request: RequestId) -> Object {
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

fn nearest() -> Object {
    Object::new("help.getNearestDc")
}

fn connected(n: &mut Net, new_key: bool) -> u64 {
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

fn handshake_and_requests(framing: Framing, chunks: Chunks) {
    let mut n = Net::new(framing, chunks);
    assert_eq!(n.client.auth_key_id(), 0);
    assert!(n.client.export_session().is_none());
    let queued = n
        .client
        .invoke(tl::encode_value(&nearest().into()).unwrap())
        .unwrap();
    n.connect();
    let evs = n.take_events();
    let Some(ClientEvent::Connected {
        auth_key_id,
        new_key: true,
    }) = evs.first()
    else {
        panic!("{evs:?}")
    };
    assert_eq!(*auth_key_id, n.client.auth_key_id());
    assert_ne!(*auth_key_id, 0);
    n.events = evs[1..].to_vec();
    let r = n.result(queued);
    assert_eq!(r.name, "nearestDc");
    assert_eq!(r.get("this_dc"), Some(&Value::Int(2)));
    assert_eq!(n.server.handshakes(), 1);
    // the first request is wrapped, later ones are not
    let r2 = n.invoke(nearest());
    assert_eq!(n.result(r2).name, "nearestDc");
    assert_eq!(
        n.server.requests(),
        [
            "invokeWithLayer/initConnection/help.getNearestDc",
            "help.getNearestDc"
        ]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn handshake_invoke_result_every_framing() {
    for framing in [
        Framing::Abridged,
        Framing::Intermediate,
        Framing::PaddedIntermediate,
    ] {
        handshake_and_requests(framing, Chunks::Whole);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn chunks_split_at_every_byte_and_coalesced() {
    handshake_and_requests(Framing::Intermediate, Chunks::Bytes);
    handshake_and_requests(Framing::PaddedIntermediate, Chunks::Coalesced);
    handshake_and_requests(Framing::Abridged, Chunks::Coalesced);
}

fn ready() -> Net {
    let mut n = Net::new(Framing::Intermediate, Chunks::Whole);
    n.connect();
    connected(&mut n, true);
    n
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ping_rpc_error_and_updates() {
    let mut n = ready();
    let p = n.invoke(Object::new("ping").with("ping_id", Value::Long(1)));
    let pong = n.result(p);
    assert_eq!(pong.name, "pong");
    assert_eq!(pong.get("ping_id"), Some(&Value::Long(1)));
    assert!(matches!(pong.get("msg_id"), Some(Value::Long(id)) if *id != 0));
    // ping is not wrapped in initConnection: the first API request still is
    assert!(n.server.requests().is_empty());

    n.server.fail_next(420, "FLOOD_WAIT_3");
    let r = n.invoke(nearest());
    let evs = n.take_events();
    assert_eq!(
        evs,
        [ClientEvent::RpcError {
            request: r,
            code: 420,
            message: "FLOOD_WAIT_3".into()
        }]
    );

    let update = tl::encode_value(&Object::new("updatesTooLong").into()).unwrap();
    n.server.push_update(n.now, &update).unwrap();
    n.pump();
    assert_eq!(n.take_events(), [ClientEvent::Update(update)]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reconnect_mid_request_resolves_exactly_once() {
    let mut n = ready();
    n.server.hold_next();
    let r = n.invoke(nearest());
    assert!(n.take_events().is_empty());
    n.drop_connection();
    // requests made while disconnected are queued
    let r2 = n
        .client
        .invoke(tl::encode_value(&nearest().into()).unwrap())
        .unwrap();
    assert_eq!(n.client.poll_transmit(), None);
    assert_eq!(n.client.poll_timeout(), None);
    n.now += 1_000;
    n.connect();
    let mut evs = n.take_events();
    assert_eq!(
        evs.remove(0),
        ClientEvent::Connected {
            auth_key_id: n.client.auth_key_id(),
            new_key: false
        }
    );
    n.events = evs;
    let mut got: Vec<RequestId> = n
        .events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Result { request, .. } => Some(*request),
            _ => None,
        })
        .collect();
    got.sort();
    assert_eq!(got, [r, r2], "{:?}", n.events);
    assert_eq!(n.server.handshakes(), 1);
    assert_eq!(n.server.requests().len(), 3);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn exported_session_needs_no_second_handshake() {
    let mut n = ready();
    let r = n.invoke(nearest());
    n.result(r);
    let blob = n.client.export_session().unwrap();
    assert_eq!(blob.len(), mtproto_wasm::client::BLOB_LEN);
    let id = n.client.auth_key_id();
    n.drop_connection();
    let client = ClientCore::from_session(
        config(Framing::Abridged),
        &blob,
        Box::new(SeededRandom::new(99)),
    )
    .unwrap();
    assert_eq!(client.auth_key_id(), id);
    let mut m = Net::with(client, n.server, Chunks::Whole);
    m.connect();
    assert_eq!(connected(&mut m, false), id);
    let r = m.invoke(nearest());
    assert_eq!(m.result(r).name, "nearestDc");
    assert_eq!(m.server.handshakes(), 1);
    // the new session starts with initConnection again
    assert_eq!(
        m.server.requests().last().unwrap(),
        "invokeWithLayer/initConnection/help.getNearestDc"
    );
    assert!(
        ClientCore::from_session(
            config(Framing::Abridged),
            &blob[1..],
            Box::new(SeededRandom::new(1))
        )
        .is_err()
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hostile_bytes_disconnect_without_panicking() {
    let mut n = ready();
    let mut rng = 0x1234_5678u64;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng as u8
        })
        .collect();
    n.client.handle_bytes(n.now, &garbage);
    let evs: Vec<_> = core::iter::from_fn(|| n.client.poll_event()).collect();
    assert!(
        evs.iter().any(|e| matches!(
            e,
            ClientEvent::Disconnect { .. } | ClientEvent::ProtocolError { .. }
        )),
        "{evs:?}"
    );
    // a bad body is refused, the client keeps working after a reconnect
    assert!(n.client.invoke(vec![1, 2, 3]).is_err());
    n.drop_connection();
    n.connect();
    connected(&mut n, false);
    let r = n.invoke(nearest());
    assert_eq!(n.result(r).name, "nearestDc");
    // a handshake answered with garbage: Disconnect, and the key is still absent
    let mut fresh = ClientCore::new(
        config(Framing::Intermediate),
        Box::new(SeededRandom::new(3)),
    );
    fresh.connect(T0).unwrap();
    while fresh.poll_transmit().is_some() {}
    fresh.handle_bytes(T0, &garbage);
    assert_eq!(fresh.auth_key_id(), 0);
    let mut ev = fresh.poll_event();
    if ev.is_none() {
        // the garbage announced a long frame: the handshake deadline ends it
        assert_eq!(fresh.poll_timeout(), Some(T0 + HANDSHAKE_TIMEOUT_MS));
        fresh.handle_timeout(T0 + HANDSHAKE_TIMEOUT_MS);
        ev = fresh.poll_event();
    }
    assert!(matches!(ev, Some(ClientEvent::Disconnect { .. })), "{ev:?}");
    assert!(!fresh.is_connected());
}
