//! The secret-chat receive path. Input: a mode byte, then
//! - 0: a raw encrypted payload (fingerprint, msg_key, ciphertext) for the chat;
//! - 1: a decryptedMessageLayer body, wrapped in a valid envelope from the peer, so the
//!   fuzzer gets past msg_key into the TL, sequence-number, resend and rekey logic;
//! - 2: up to 16 such bodies, each prefixed by a 2-byte little-endian length, fed in order.
//!
//! Never panics; a violation closes the chat, which then refuses input.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mtproto_wasm::crypto::{AuthKey, DhParams, SeededRandom, Side};
use mtproto_wasm::secret::{ChatInfo, OutgoingRequest, SecretChat, accept_request, envelope};

struct Fixture {
    dh: DhParams,
    key: AuthKey,
    snapshot: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let json = include_str!("../../tests/data/dh_prime.json");
        let start = json.find("\"prime\": \"").expect("prime") + 10;
        let hex = &json[start..start + 512];
        let p: Vec<u8> = (0..256).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex")).collect();
        let dh = DhParams::verify_uncached(&p, 3, &mut SeededRandom::new(1)).expect("prime");
        let mut r = SeededRandom::new(2);
        let info = |creator| ChatInfo { id: 1, access_hash: 2, creator, peer_id: 3 };
        let req = OutgoingRequest::new(&dh, &[], &mut r).expect("request");
        let (b, _, _) = accept_request(&dh, info(false), req.g_a(), &[], &mut r, 0).expect("accept");
        Fixture { key: b.key().clone(), snapshot: b.snapshot().to_vec(), dh }
    })
}

fn feed(f: &Fixture, chat: &mut SecretChat, rng: &mut SeededRandom, body: &[u8]) {
    let fp = chat.fingerprint();
    if let Ok(payload) = envelope::encrypt(&f.key, fp, Side::CHAT_CREATOR, body, rng) {
        let _ = chat.receive(&payload, &f.dh, rng, 0);
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Ok(mut chat) = SecretChat::restore(&f.snapshot, &f.dh) else { return };
    let mut rng = SeededRandom::new(7);
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            let _ = chat.receive(rest, &f.dh, &mut rng, 0);
        }
        1 => feed(f, &mut chat, &mut rng, rest),
        _ => {
            let mut r = rest;
            for _ in 0..16 {
                let Some((len, tail)) = r.split_first_chunk::<2>() else { break };
                let n = usize::from(u16::from_le_bytes(*len)).min(tail.len());
                feed(f, &mut chat, &mut rng, &tail[..n]);
                r = &tail[n..];
            }
        }
    }
    // The state stays consistent: a snapshot always restores.
    let snap = chat.snapshot();
    assert!(SecretChat::restore(&snap, &f.dh).is_ok());
});
