//! Two secret chats wired through an in-memory relay that the tests can disturb.
#![allow(dead_code)]

pub mod forge;

use mtproto_wasm::crypto::{DhParams, SeededRandom};
use mtproto_wasm::secret::{ChatInfo, ChatOutput, OutgoingRequest, SecretChat, accept_request};
use mtproto_wasm::tl::secret::enums::DecryptedMessage;

pub fn dh() -> DhParams {
    let json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/dh_prime.json"
    ))
    .unwrap();
    let start = json.find("\"prime\": \"").unwrap() + 10;
    let hex = &json[start..start + 512];
    let p: Vec<u8> = (0..256)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    DhParams::verify_uncached(&p, 3, &mut SeededRandom::new(1)).unwrap()
}

pub const NOW: i64 = 1_700_000_000;

/// One side: the chat, its random source, what it received for the app.
pub struct Side {
    pub chat: SecretChat,
    pub rng: SeededRandom,
    pub messages: Vec<DecryptedMessage>,
    pub key_changes: Vec<i64>,
    pub closed: bool,
}

/// A: creator, B: acceptor. `to_a` / `to_b`: payloads in flight.
pub struct Pair {
    pub dh: DhParams,
    pub a: Side,
    pub b: Side,
    pub to_a: Vec<Vec<u8>>,
    pub to_b: Vec<Vec<u8>>,
    pub now: i64,
}

pub fn info(creator: bool) -> ChatInfo {
    ChatInfo {
        id: 77,
        access_hash: 0x1234,
        creator,
        peer_id: if creator { 2 } else { 1 },
    }
}

impl Pair {
    pub fn new(seed: u64) -> Self {
        let dh = dh();
        let mut ra = SeededRandom::new(seed);
        let mut rb = SeededRandom::new(seed + 1000);
        let req = OutgoingRequest::new(&dh, &[0x5a; 256], &mut ra).unwrap();
        let (b, g_b, fp) =
            accept_request(&dh, info(false), req.g_a(), &[0xa5; 256], &mut rb, NOW).unwrap();
        let a = req.complete(&dh, info(true), &g_b, fp, NOW).unwrap();
        let side = |chat, rng| Side {
            chat,
            rng,
            messages: vec![],
            key_changes: vec![],
            closed: false,
        };
        Pair {
            dh,
            a: side(a, ra),
            b: side(b, rb),
            to_a: vec![],
            to_b: vec![],
            now: NOW,
        }
    }

    fn route(outs: Vec<ChatOutput>, me: &mut Side, wire: &mut Vec<Vec<u8>>) {
        for o in outs {
            match o {
                ChatOutput::Send { data, .. } => wire.push(data),
                ChatOutput::Message(m) => me.messages.push(*m),
                ChatOutput::KeyChanged { fingerprint } => me.key_changes.push(fingerprint),
                ChatOutput::Closed { .. } => me.closed = true,
            }
        }
    }

    pub fn a_sends(&mut self, text: &str) {
        let outs = self
            .a
            .chat
            .send_text(text, &self.dh, &mut self.a.rng, self.now)
            .unwrap();
        Self::route(outs, &mut self.a, &mut self.to_b);
    }

    pub fn b_sends(&mut self, text: &str) {
        let outs = self
            .b
            .chat
            .send_text(text, &self.dh, &mut self.b.rng, self.now)
            .unwrap();
        Self::route(outs, &mut self.b, &mut self.to_a);
    }

    /// A starts a key rotation now (its RequestKey goes on the wire to B).
    pub fn a_rekeys(&mut self) {
        let mut out = Vec::new();
        self.a
            .chat
            .start_rekey(&self.dh, &mut self.a.rng, &mut out)
            .unwrap();
        Self::route(out, &mut self.a, &mut self.to_b);
    }

    /// B starts a key rotation now.
    pub fn b_rekeys(&mut self) {
        let mut out = Vec::new();
        self.b
            .chat
            .start_rekey(&self.dh, &mut self.b.rng, &mut out)
            .unwrap();
        Self::route(out, &mut self.b, &mut self.to_a);
    }

    /// Both sides replaced by what their snapshots restore.
    pub fn reload(&mut self) {
        let a = self.a.chat.snapshot();
        let b = self.b.chat.snapshot();
        self.a.chat = SecretChat::restore(&a, &self.dh).unwrap();
        self.b.chat = SecretChat::restore(&b, &self.dh).unwrap();
    }

    /// Delivers one payload to B; returns the receive error, if any.
    pub fn give_b(&mut self, data: &[u8]) -> Result<(), mtproto_wasm::secret::SecretError> {
        let outs = self
            .b
            .chat
            .receive(data, &self.dh, &mut self.b.rng, self.now)?;
        Self::route(outs, &mut self.b, &mut self.to_a);
        Ok(())
    }

    pub fn give_a(&mut self, data: &[u8]) -> Result<(), mtproto_wasm::secret::SecretError> {
        let outs = self
            .a
            .chat
            .receive(data, &self.dh, &mut self.a.rng, self.now)?;
        Self::route(outs, &mut self.a, &mut self.to_b);
        Ok(())
    }

    /// Delivers everything in flight, both ways, until the wire is quiet.
    pub fn flush(&mut self) {
        for _ in 0..1000 {
            if self.to_a.is_empty() && self.to_b.is_empty() {
                return;
            }
            for d in std::mem::take(&mut self.to_b) {
                self.give_b(&d).unwrap();
            }
            for d in std::mem::take(&mut self.to_a) {
                self.give_a(&d).unwrap();
            }
        }
        panic!("the relay never went quiet");
    }
}

/// A chat to put in a side's place (so the one taken out can be dropped by the test).
pub trait SnapshotRestored {
    fn snapshot_restored(&self, dh: &DhParams) -> SecretChat;
}

impl SnapshotRestored for SecretChat {
    fn snapshot_restored(&self, dh: &DhParams) -> SecretChat {
        SecretChat::restore(&self.snapshot(), dh).unwrap()
    }
}

/// The texts of the user messages a side received, in order.
pub fn texts(s: &Side) -> Vec<String> {
    s.messages
        .iter()
        .filter_map(|m| match m {
            DecryptedMessage::DecryptedMessage(m) => Some(m.message.clone()),
            _ => None,
        })
        .collect()
}
