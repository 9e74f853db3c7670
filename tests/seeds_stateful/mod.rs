//! Seeds of the stateful fuzz targets (`session_receive`, `handshake_answers`,
//! `client_core`), in each target's script format (see the target's header). The messages
//! are the code's own typed TL; the handshake seeds replay Telegram's published sample and
//! a whole handshake of `ClientCore` with the in-crate server.

use mtproto_wasm::auth::server::{RsaPrivateKey, ServerConfig, ServerHandshakeMachine};
use mtproto_wasm::client::{AppInfo, ClientConfig, ClientCore};
use mtproto_wasm::crypto::{RsaPublicKey, SeededRandom, sha1_concat};
use mtproto_wasm::tl::mtproto::types;
use mtproto_wasm::tl::{self, Deserializable, Reader, Serializable};
use mtproto_wasm::transport::{AcceptConfig, Incoming, TransportCodec};

const T0: u64 = 1_700_000_000_000;

/// A placeholder the targets replace by the msg_id of a message the client sent.
fn sent(k: u32) -> i64 {
    ((0x5EED_5EEDu64 << 32) | u64::from(k)) as i64
}

/// A placeholder `session_receive` replaces by a fresh server msg_id `d` ms from now.
fn server_id(d: u16) -> i64 {
    ((0x5EED_5EEEu64 << 32) | u64::from(d)) as i64
}

fn with_len16(op: u8, head: &[u8], body: &[u8]) -> Vec<u8> {
    let mut v = vec![op];
    v.extend_from_slice(head);
    v.extend_from_slice(&(body.len() as u16).to_le_bytes());
    v.extend_from_slice(body);
    v
}

/// `session_receive` packet step: op 0/1, delta 0, seq_no.
fn packet(response: bool, seq_no: u8, body: &[u8]) -> Vec<u8> {
    with_len16(u8::from(response), &[0, 0, seq_no], body)
}

fn rpc_result(req: i64, result: Vec<u8>) -> Vec<u8> {
    types::RpcResult {
        req_msg_id: req,
        result,
    }
    .to_bytes()
}

fn gzip_packed(data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&tl::GZIP_PACKED_ID.to_le_bytes());
    tl::primitives::write_bytes(&mut v, &tl::gzip::gzip(data));
    v
}

/// Server messages a session meets, naming the client's messages by placeholder.
pub fn server_messages() -> Vec<(bool, Vec<u8>)> {
    let answer = [0x0abc_def0u32.to_le_bytes(), 7u32.to_le_bytes()].concat();
    let error = types::RpcError {
        error_code: 420,
        error_message: "FLOOD_WAIT_3".into(),
    }
    .to_bytes();
    let bad = |code: i32| {
        types::BadMsgNotification {
            bad_msg_id: sent(0),
            bad_msg_seqno: 1,
            error_code: code,
        }
        .to_bytes()
    };
    let container = types::MsgContainer {
        messages: vec![
            types::Message {
                msg_id: server_id(1),
                seqno: 1,
                bytes: 28,
                body: rpc_result(sent(1), answer.clone()),
            },
            types::Message {
                msg_id: server_id(2),
                seqno: 2,
                bytes: 20,
                body: types::MsgsAck {
                    msg_ids: vec![sent(0)],
                }
                .to_bytes(),
            },
        ],
    }
    .to_bytes();
    let mut out = vec![
        (true, rpc_result(sent(0), answer.clone())),
        (true, rpc_result(sent(1), error)),
        (true, rpc_result(sent(0), gzip_packed(&answer.repeat(64)))),
        (false, container),
        (
            false,
            types::MsgsAck {
                msg_ids: vec![sent(0), sent(1)],
            }
            .to_bytes(),
        ),
        (
            false,
            types::Pong {
                msg_id: sent(2),
                ping_id: 1,
            }
            .to_bytes(),
        ),
        (
            false,
            types::BadServerSalt {
                bad_msg_id: sent(0),
                bad_msg_seqno: 1,
                error_code: 48,
                new_server_salt: 99,
            }
            .to_bytes(),
        ),
        (
            false,
            types::NewSessionCreated {
                first_msg_id: sent(0),
                unique_id: 5,
                server_salt: 77,
            }
            .to_bytes(),
        ),
        (
            true,
            types::FutureSalts {
                req_msg_id: sent(2),
                now: 1_700_000_000,
                salts: vec![types::FutureSalt {
                    valid_since: 1_699_999_000,
                    valid_until: 1_700_003_600,
                    salt: 42,
                }],
            }
            .to_bytes(),
        ),
        (
            false,
            types::MsgDetailedInfo {
                msg_id: sent(0),
                answer_msg_id: server_id(9),
                bytes: 16,
                status: 0,
            }
            .to_bytes(),
        ),
        (
            false,
            types::MsgNewDetailedInfo {
                answer_msg_id: server_id(9),
                bytes: 16,
                status: 0,
            }
            .to_bytes(),
        ),
        (
            false,
            types::MsgsStateReq {
                msg_ids: vec![sent(0), server_id(3)],
            }
            .to_bytes(),
        ),
        (
            false,
            types::MsgResendReq {
                msg_ids: vec![sent(1)],
            }
            .to_bytes(),
        ),
        (false, types::DestroySessionOk { session_id: 1 }.to_bytes()),
        (false, answer),
    ];
    for code in [16, 17, 18, 19, 20, 32, 33, 34, 35, 48, 64] {
        out.push((false, bad(code)));
    }
    out
}

/// `session_receive`: each server message alone, then scripts mixing packets with
/// requests, time, cancels and reconnects.
pub fn session_receive() -> Vec<Vec<u8>> {
    let msgs = server_messages();
    let mut seeds: Vec<Vec<u8>> = msgs
        .iter()
        .enumerate()
        .map(|(i, (resp, body))| packet(*resp, (2 * i + 1) as u8, body))
        .collect();
    let mut script = Vec::new();
    for (i, (resp, body)) in msgs.iter().enumerate() {
        script.extend(packet(*resp, (2 * i + 1) as u8, body));
        script.extend([3, i as u8]); // invoke
        script.extend([2, 0x40, 0]); // ~1 s
        if i % 5 == 4 {
            script.extend([5, 1]); // reconnect
            script.extend([3, 0xff]); // ping
        }
    }
    seeds.push(script);
    seeds.push(vec![2, 0xff, 0xff, 2, 0xff, 0xff, 4, 3, 1, 2, 3]);
    seeds.push([&[5, 0][..], &packet(true, 1, &msgs[0].1)].concat());
    seeds
}

/// `handshake_answers`: the sample's answers at each step, and the _fail / _retry variants.
pub fn handshake_answers(sample: &dyn Fn(&str) -> Vec<u8>) -> Vec<Vec<u8>> {
    let arr16 = |v: Vec<u8>| -> [u8; 16] { v.try_into().unwrap() };
    let (nonce, server_nonce, new_nonce) = (
        arr16(sample("nonce")),
        arr16(sample("server_nonce")),
        sample("new_nonce"),
    );
    let res_pq = types::ResPQ {
        nonce,
        server_nonce,
        pq: sample("pq"),
        server_public_key_fingerprints: vec![0xD09D_1D85_DE64_FD85u64 as i64],
    }
    .to_bytes();
    let dh_ok = types::ServerDHParamsOk {
        nonce,
        server_nonce,
        encrypted_answer: sample("encrypted_answer"),
    }
    .to_bytes();
    let dh_fail = types::ServerDHParamsFail {
        nonce,
        server_nonce,
        new_nonce_hash: arr16(mtproto_wasm::crypto::sha1(&new_nonce)[4..].to_vec()),
    }
    .to_bytes();
    let aux = sample("auth_key_aux_hash");
    let hash = |n: u8| arr16(sha1_concat(&[&new_nonce, &[n], &aux])[4..].to_vec());
    let gen_ok = types::DhGenOk {
        nonce,
        server_nonce,
        new_nonce_hash1: hash(1),
    }
    .to_bytes();
    let gen_retry = types::DhGenRetry {
        nonce,
        server_nonce,
        new_nonce_hash2: hash(2),
    }
    .to_bytes();
    let gen_fail = types::DhGenFail {
        nonce,
        server_nonce,
        new_nonce_hash3: hash(3),
    }
    .to_bytes();
    let mut plain = sample("encrypted_answer");
    mtproto_wasm::crypto::aes_ige_decrypt(
        &mut plain,
        &sample("tmp_aes_key"),
        &sample("tmp_aes_iv"),
    )
    .unwrap();
    let inner = types::ServerDHInnerData::deserialize(&mut Reader::new(&plain[20..]))
        .unwrap()
        .to_bytes();
    let prefixed = |bodies: &[&Vec<u8>]| {
        let mut v = vec![4u8];
        for b in bodies {
            v.extend_from_slice(&(b.len() as u16).to_le_bytes());
            v.extend_from_slice(b);
        }
        v
    };
    vec![
        [&[0u8][..], &res_pq].concat(),
        [&[1u8][..], &mtproto_wasm::auth::pack_plain(1, &res_pq)].concat(),
        [&[2u8][..], &dh_ok].concat(),
        [&[2u8][..], &dh_fail].concat(),
        [&[3u8][..], &inner].concat(),
        prefixed(&[&gen_ok]),
        prefixed(&[&gen_retry, &gen_ok]),
        prefixed(&[&gen_fail]),
        prefixed(&[&gen_ok, &gen_ok]),
    ]
}

/// The config `client_core` uses (it trusts the test RSA key).
fn client_config(rsa: &serde_json::Value) -> ClientConfig {
    let h = |k: &str| hex::decode(rsa[k].as_str().unwrap()).unwrap();
    let mut config = ClientConfig::new(2, AppInfo::new(1));
    config.ping_interval_ms = 60_000;
    config.pfs = false; // the target's modes below 128
    config
        .rsa_keys
        .push(RsaPublicKey::from_components(&h("n"), &h("e")).unwrap());
    config
}

/// Unpacks what a client sent with a server transport end (accepting the connection on
/// first use), as `client_core` does.
fn server_frames(
    codec: &mut Option<TransportCodec>,
    inbox: &mut Vec<u8>,
    bytes: &[u8],
) -> Vec<Vec<u8>> {
    let mut items = Vec::new();
    match codec.as_mut() {
        Some(c) => items = c.unpack(bytes).unwrap(),
        None => {
            inbox.extend_from_slice(bytes);
            if let Some(mut c) = TransportCodec::accept(inbox, &AcceptConfig::default()).unwrap() {
                while let Some(item) = c.poll().unwrap() {
                    items.push(item);
                }
                *codec = Some(c);
            }
        }
    }
    items
        .into_iter()
        .filter_map(|i| match i {
            Incoming::Frame { payload, .. } => Some(payload),
            _ => None,
        })
        .collect()
}

/// `client_core`: a whole handshake of a new client (mode 0) answered by the in-crate
/// server, as a script of frames; the same followed by a ping; a client from a blob
/// (mode 1) receiving the session's server messages; blobs (mode 2).
pub fn client_core(rsa: &serde_json::Value) -> Vec<Vec<u8>> {
    let h = |k: &str| hex::decode(rsa[k].as_str().unwrap()).unwrap();
    let private = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap();
    // Mode 0: the target's client is seeded with the mode byte, so this one replays.
    let mut client = ClientCore::new(client_config(rsa), Box::new(SeededRandom::new(0)));
    let mut server = ServerHandshakeMachine::new(ServerConfig::new(vec![private]));
    let mut server_rng = SeededRandom::new(1);
    let (mut codec, mut inbox) = (None, Vec::new());
    let mut script = vec![0u8, 0]; // mode 0, connect
    client.connect(T0).unwrap();
    for _ in 0..3 {
        let mut answers = Vec::new();
        while let Some(bytes) = client.poll_transmit() {
            for frame in server_frames(&mut codec, &mut inbox, &bytes) {
                answers.push(server.handle(&frame, &mut server_rng, T0).unwrap());
            }
        }
        for a in answers {
            script.extend(with_len16(2, &[], &a));
            let c = codec.as_mut().unwrap();
            let packed = c.pack(&a, &mut server_rng).unwrap();
            client.handle_bytes(T0, &packed);
        }
    }
    assert!(client.is_ready(), "the seed handshake completes");
    let mut seeds = vec![script.clone()];
    script.extend([5, 0, 4, 0x20, 0]); // invoke a ping, let time pass
    seeds.push(script);

    let blob = mtproto_wasm::client::SavedSession {
        dc_id: 2,
        test_mode: false,
        auth_key: mtproto_wasm::crypto::AuthKey::from_bytes(
            &(0..256u32).map(|i| (i * 31 + 7) as u8).collect::<Vec<_>>(),
        )
        .unwrap(),
        server_salt: 0x1111_2222_3333_4444,
        time_offset_ms: Some(0),
        temp: None,
    }
    .to_bytes();
    let mut session = vec![1u8, 0, 5, 0, 5, 1];
    for (_, body) in server_messages() {
        session.extend(with_len16(3, &[], &body));
    }
    seeds.push(session);
    seeds.push(vec![
        1, 0, 5, 1, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 0, 1, 5, 3, 0, 5, 2,
    ]);
    seeds.push(
        [
            &[2u8][..],
            &(blob.len() as u16).to_le_bytes(),
            &blob,
            &[0, 5, 0],
        ]
        .concat(),
    );
    seeds
}
