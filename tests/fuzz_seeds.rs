//! Writes the fuzzers' seed corpora from real traffic of the code itself: the published
//! handshake messages, service messages, a secret-chat plaintext, an API answer, and
//! transport streams of every framing packed by our own codecs; and structured TL
//! (`seeds_structured`: 2,000 nested gzip_packed, 1,000 nested containers, vectors claiming
//! 2^31 elements, objects nested 60,000 deep, ...) in each TL-reading target's format.
//!
//! The writer is run by `scripts/fuzz.sh` (`FUZZ_SEED_DIR=... cargo test --test fuzz_seeds
//! -- --ignored`); ignored in the normal test run. The structured seeds also run in the
//! normal test run, natively, through the `tl_decode` and `client_core` targets' own code
//! (`fuzz/shared/`): each must fail cleanly or be handled, without a panic, quickly.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/shared/client_core.rs"]
mod client_core;
mod seeds_stateful;
mod seeds_structured;
#[path = "../fuzz/shared/tl_decode.rs"]
mod tl_decode;
#[path = "../fuzz/shared/tl_shapes.rs"]
mod tl_shapes;

use std::path::PathBuf;

use mtproto_wasm::crypto::{SeededRandom, aes_ige_decrypt};
use mtproto_wasm::tl::{self, Serializable, mtproto};
use mtproto_wasm::transport::{AcceptConfig, Framing, TransportCodec, TransportConfig};

const SAMPLE: &str = include_str!("data/auth_key_sample.json");
const SECRET_PLAINTEXT: &str = "3C0000008917E31B0FF1C770B657C36AF705BDACA4BE2C0B2E0000000100000062000000DE91B0360000000038507C7CD5FA6F7C000000000654657374313200";

fn sample(key: &str) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    hex::decode(v[key].as_str().unwrap()).unwrap()
}

fn tl_seeds() -> Vec<Vec<u8>> {
    let mut answer = sample("encrypted_answer");
    aes_ige_decrypt(&mut answer, &sample("tmp_aes_key"), &sample("tmp_aes_iv")).unwrap();
    let secret = hex::decode(SECRET_PLAINTEXT).unwrap();
    let pong = mtproto::types::Pong {
        msg_id: 5,
        ping_id: 7,
    }
    .to_bytes();
    let salt = mtproto::types::BadServerSalt {
        bad_msg_id: 1,
        bad_msg_seqno: 2,
        error_code: 48,
        new_server_salt: 3,
    }
    .to_bytes();
    let send = tl::encode_value(
        &tl::Object::new("messages.sendMessage")
            .with("peer", tl::Object::new("inputPeerSelf"))
            .with("message", "hi")
            .with("random_id", 1i64)
            .into(),
    )
    .unwrap();
    let gz = {
        let mut v = Vec::new();
        v.extend_from_slice(&tl::GZIP_PACKED_ID.to_le_bytes());
        tl::primitives::write_bytes(&mut v, &tl::gzip::gzip(&send));
        v
    };
    vec![
        sample("p_q_inner_data_dc"),
        sample("client_DH_inner_data"),
        answer[20..].to_vec(),
        secret[4..].to_vec(),
        pong,
        salt,
        send,
        gz,
    ]
}

fn framing(selector: u8) -> Framing {
    match selector % 4 {
        0 => Framing::Abridged,
        1 => Framing::Intermediate,
        2 => Framing::PaddedIntermediate,
        _ => Framing::Full,
    }
}

/// What a server sends to a client configured like the `transport_client` target does.
fn client_stream(selector: u8, payloads: &[Vec<u8>]) -> Option<Vec<u8>> {
    let framing = framing(selector);
    let obfuscated = selector & 4 != 0 && framing != Framing::Full;
    let mut config = if obfuscated {
        TransportConfig::obfuscated(framing, 2)
    } else {
        TransportConfig::new(framing)
    };
    config.max_frame_len = 1 << 16;
    let mut accept = AcceptConfig::default();
    if obfuscated && selector & 8 != 0 {
        config.secret = Some(vec![0x11; 16]);
        accept.secret = config.secret.clone();
    }
    let mut rng = SeededRandom::new(u64::from(selector) + 1);
    let mut client = TransportCodec::new(&config, &mut rng).ok()?;
    let mut first = client.header();
    first.extend(client.pack(&[0; 8], &mut rng).ok()?);
    let mut server = TransportCodec::accept(&first, &accept).ok()??;
    let mut out = vec![selector];
    for p in payloads {
        out.extend(server.pack(p, &mut rng).ok()?);
    }
    Some(out)
}

/// What a client sends first: header and frames, for the `transport_server` target.
fn server_stream(config: &TransportConfig, payloads: &[Vec<u8>]) -> Vec<u8> {
    let mut rng = SeededRandom::new(9);
    let mut client = TransportCodec::new(config, &mut rng).unwrap();
    let mut out = client.header();
    for p in payloads {
        out.extend(client.pack(p, &mut rng).unwrap());
    }
    out
}

#[test]
#[ignore = "writes the fuzz seed corpora; run by scripts/fuzz.sh"]
fn write_seed_corpora() {
    let dir = PathBuf::from(std::env::var("FUZZ_SEED_DIR").expect("FUZZ_SEED_DIR"));
    let write = |target: &str, seeds: &[Vec<u8>]| {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(d.join(format!("seed-{i:03}")), s).unwrap();
        }
    };
    let tl = tl_seeds();
    write("tl_decode", &tl);
    write("tl_typed", &tl);
    let frames: Vec<Vec<u8>> = tl.iter().filter(|s| s.len() % 4 == 0).cloned().collect();
    let client: Vec<Vec<u8>> = (0u8..16)
        .filter_map(|sel| client_stream(sel, &frames))
        .collect();
    write("transport_client", &client);
    let mut server = Vec::new();
    for f in [
        Framing::Abridged,
        Framing::Intermediate,
        Framing::PaddedIntermediate,
        Framing::Full,
    ] {
        server.push(server_stream(&TransportConfig::new(f), &frames));
        if f != Framing::Full {
            server.push(server_stream(&TransportConfig::obfuscated(f, 2), &frames));
        }
    }
    write("transport_server", &server);
    write("secret_receive", &secret_seeds());
    write("session_receive", &seeds_stateful::session_receive());
    write(
        "handshake_answers",
        &seeds_stateful::handshake_answers(&|k: &str| sample(k)),
    );
    let rsa: serde_json::Value =
        serde_json::from_str(include_str!("data/rsa_test_key.json")).unwrap();
    write("client_core", &seeds_stateful::client_core(&rsa));
    let programs: Vec<Vec<u8>> = seeds_structured::seeds()
        .into_iter()
        .map(|s| s.program)
        .collect();
    // The targets' folders exist now: the structured seeds join them.
    let shapes = |target: &str, script: &dyn Fn(&[u8]) -> Vec<u8>| {
        for (i, p) in programs.iter().enumerate() {
            std::fs::write(dir.join(target).join(format!("shape-{i:03}")), script(p)).unwrap();
        }
    };
    shapes("tl_decode", &|p| p.to_vec());
    shapes("tl_typed", &|p| p.to_vec());
    shapes("session_receive", &session_script);
    shapes("client_core", &client_core_script);
}

/// `session_receive`: op 6 (a packet whose body the program builds), delta 0, seq_no 1.
fn session_script(program: &[u8]) -> Vec<u8> {
    let mut v = vec![6, 0, 0, 1];
    v.extend_from_slice(&(program.len() as u16).to_le_bytes());
    v.extend_from_slice(program);
    v
}

/// `client_core`: a client from the valid blob (mode 1) connects and sends a ping and a
/// request (so the server end knows its session), then gets op 6: a message whose body
/// the program builds, sealed with the session key.
fn client_core_script(program: &[u8]) -> Vec<u8> {
    let mut v = vec![1, 0, 5, 0, 5, 1, 6];
    v.extend_from_slice(&(program.len() as u16).to_le_bytes());
    v.extend_from_slice(program);
    v
}

#[test]
fn structured_seeds_fail_cleanly_or_are_handled_quickly() {
    for seed in seeds_structured::seeds() {
        let start = std::time::Instant::now();
        let built = tl_shapes::build_with(&seed.program, tl_shapes::SEED_WORK, &mut |id| id);
        let decoded = tl::decode_value(&built);
        assert_eq!(
            decoded.is_err(),
            seed.decode_fails,
            "{}: {} bytes decode to {:?}",
            seed.name,
            built.len(),
            decoded.map(|_| "a value")
        );
        // As the fuzzers run it (the program's work cut to FUZZ_WORK), then at full depth.
        tl_decode::run(&seed.program);
        tl_decode::check(&built);
        let script = client_core_script(&seed.program);
        client_core::run(&script);
        let reported = client_core::run_with_work(&script, tl_shapes::SEED_WORK);
        let took = start.elapsed();
        println!(
            "{}: {} bytes, {took:?}: {reported:?}",
            seed.name,
            built.len()
        );
        assert_eq!(
            reported.first().map(String::as_str),
            Some(seed.client_reports),
            "{}",
            seed.name
        );
        assert!(took.as_secs() < 20, "{}: {took:?}", seed.name);
    }
}

/// decryptedMessageLayer bodies from the creator (mode 1 and 2 of `secret_receive`).
fn secret_seeds() -> Vec<Vec<u8>> {
    use mtproto_wasm::tl::secret::{enums, types};
    let layer = |out_seq: i32, message: enums::DecryptedMessage| {
        types::DecryptedMessageLayer {
            random_bytes: vec![1; 16],
            layer: 144,
            in_seq_no: 0,
            out_seq_no: out_seq,
            message,
        }
        .to_bytes()
    };
    let text = |t: &str| -> enums::DecryptedMessage {
        types::DecryptedMessage {
            no_webpage: false,
            silent: false,
            random_id: 1,
            ttl: 0,
            message: t.into(),
            media: None,
            entities: None,
            via_bot_name: None,
            reply_to_random_id: None,
            grouped_id: None,
        }
        .into()
    };
    let service = |action: enums::DecryptedMessageAction| -> enums::DecryptedMessage {
        types::DecryptedMessageService {
            random_id: 2,
            action,
        }
        .into()
    };
    let bodies = [
        layer(1, text("hello")),
        layer(
            1,
            service(types::DecryptedMessageActionNotifyLayer { layer: 144 }.into()),
        ),
        layer(3, text("after a hole")),
        layer(
            1,
            service(
                types::DecryptedMessageActionResend {
                    start_seq_no: 0,
                    end_seq_no: 0,
                }
                .into(),
            ),
        ),
        layer(
            1,
            service(
                types::DecryptedMessageActionRequestKey {
                    exchange_id: 5,
                    g_a: vec![2; 256],
                }
                .into(),
            ),
        ),
        layer(
            1,
            service(types::DecryptedMessageActionSetMessageTTL { ttl_seconds: 5 }.into()),
        ),
    ];
    let mut seeds: Vec<Vec<u8>> = bodies.iter().map(|b| [&[1u8][..], b].concat()).collect();
    let mut multi = vec![2u8];
    for b in [&bodies[2], &bodies[0]] {
        multi.extend_from_slice(&(b.len() as u16).to_le_bytes());
        multi.extend_from_slice(b);
    }
    seeds.push(multi);
    seeds
}
