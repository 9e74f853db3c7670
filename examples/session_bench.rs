//! Native session benchmark: `cargo run --release --example session_bench`.
//!
//! 1. encrypt + decrypt of a message with a 200-byte body (256-byte ciphertext, minimal
//!    padding) through the envelope, against the raw crypto it needs (2x msg_key SHA-256
//!    over 288 bytes, 2x key derivation = 4x SHA-256 over 52 bytes, AES-256-IGE both ways
//!    over 256 bytes), called directly;
//! 2. round trips per second of a small request: client `Session` -> in-process
//!    `ServerSession` -> rpc_result -> client event.

use std::hint::black_box;
use std::time::Instant;

use mtproto_wasm::crypto::{
    AuthKey, SeededRandom, Side, aes_ige_decrypt, aes_ige_encrypt, derive_aes_key_iv, msg_key_for,
};
use mtproto_wasm::session::envelope::{
    MessageHeader, decrypt_message_with_id, encrypt_message_with_id, plaintext,
};
use mtproto_wasm::session::server::ServerSession;
use mtproto_wasm::session::{InvokeOptions, Session, SessionConfig, SessionEvent};
use mtproto_wasm::tl::Serializable;
use mtproto_wasm::tl::mtproto::types;

fn per_op(n: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 {
        f();
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / f64::from(n));
    }
    best
}

fn main() {
    let key = AuthKey::from_bytes(&(0..=255u8).collect::<Vec<_>>()).unwrap();
    let id = key.id();
    let header = MessageHeader {
        salt: 1,
        session_id: 2,
        msg_id: 0x6000_0000_0000_0001,
        seq_no: 1,
    };
    let body = vec![7u8; 200];
    let mut rng = SeededRandom::new(1);

    let envelope = per_op(20_000, || {
        let p =
            encrypt_message_with_id(&key, id, Side::Client, &header, &body, 12, &mut rng).unwrap();
        black_box(decrypt_message_with_id(&key, id, Side::Client, &p).unwrap());
    });
    let mut pt = plaintext(&header, &body).unwrap();
    pt.resize(256, 0);
    let raw = per_op(20_000, || {
        let mut data = pt.clone();
        let mk = msg_key_for(&key, Side::Client, &data);
        let k = derive_aes_key_iv(&key, &mk, Side::Client);
        aes_ige_encrypt(&mut data, &k.key, &k.iv).unwrap();
        let k2 = derive_aes_key_iv(&key, &mk, Side::Client);
        aes_ige_decrypt(&mut data, &k2.key, &k2.iv).unwrap();
        black_box(msg_key_for(&key, Side::Client, &data));
    });
    println!(
        "envelope encrypt+decrypt, 200-byte body: {:.2} µs ({:.0}/s); raw crypto {:.2} µs; ratio {:.2}x",
        envelope * 1e6,
        1.0 / envelope,
        raw * 1e6,
        envelope / raw
    );

    let mut c = SessionConfig::new(key.clone(), 5);
    c.session_id = Some(9);
    c.time_offset_ms = Some(0);
    c.fetch_future_salts = false;
    c.ping_interval_ms = 0;
    let mut client = Session::new(c, Box::new(SeededRandom::new(2))).unwrap();
    let mut server = ServerSession::new(key, 5, 0, Box::new(SeededRandom::new(3)));
    let mut now = 1_700_000_000_000u64;
    let request = {
        let mut b = 0x7abe_77ecu32.to_le_bytes().to_vec(); // ping
        b.extend_from_slice(&1i64.to_le_bytes());
        b
    };
    let rt = per_op(5_000, || {
        now += 1;
        let r = client
            .invoke(request.clone(), InvokeOptions::default())
            .unwrap();
        while let Some(p) = client.poll_transmit(now) {
            let pk = server.decrypt(&p).unwrap();
            let answers: Vec<Vec<u8>> = pk
                .messages
                .iter()
                .filter(|m| m.seq_no & 1 == 1)
                .map(|m| {
                    types::RpcResult {
                        req_msg_id: m.msg_id,
                        result: types::Pong {
                            msg_id: m.msg_id,
                            ping_id: 1,
                        }
                        .to_bytes(),
                    }
                    .to_bytes()
                })
                .collect();
            let (reply, _) = server.encrypt(now, &answers).unwrap();
            client.handle_input(now, &reply);
        }
        match client.poll_event() {
            Some(SessionEvent::RpcResult { request, .. }) if request == r => {}
            e => panic!("{e:?}"),
        }
    });
    println!(
        "round trip session -> server session -> session: {:.2} µs ({:.0}/s)",
        rt * 1e6,
        1.0 / rt
    );
}
