//! Every receive check of the session: a packet that fails it is dropped, counted and
//! reported as a protocol error, and the session keeps working afterwards.
//!
//! Spec: <https://core.telegram.org/mtproto/security_guidelines>,
//! <https://core.telegram.org/mtproto/description>.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod session_common;

use mtproto_wasm::crypto::{Side, aes_ige_encrypt, derive_aes_key_iv, msg_key_for};
use mtproto_wasm::session::envelope::plaintext;
use mtproto_wasm::session::msg_id::{MsgIdGenerator, MsgIdKind};
use mtproto_wasm::session::{MessageHeader, SessionEvent};
use mtproto_wasm::tl::mtproto::types;
use mtproto_wasm::tl::{Deserializable, Serializable};
use session_common::*;

/// A packet whose plaintext is given raw (valid msg_key), to break the length/padding rules.
fn raw_packet(pt: Vec<u8>) -> Vec<u8> {
    let k = auth_key();
    let msg_key = msg_key_for(&k, Side::Server, &pt);
    let keys = derive_aes_key_iv(&k, &msg_key, Side::Server);
    let mut ct = pt;
    aes_ige_encrypt(&mut ct, &keys.key, &keys.iv).unwrap();
    [&k.id().to_le_bytes()[..], &msg_key, &ct].concat()
}

fn update() -> Vec<u8> {
    answer(77)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_good_packet_is_accepted() {
    let mut p = Pair::new();
    p.assert_works();
    p.deliver(&[update()]);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: update() }]);
    assert_eq!(p.client.stats().dropped_total(), 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn too_short() {
    let mut p = Pair::new();
    let good = p.packet(&[update()]);
    p.feed(&good[..39]);
    p.assert_dropped("packet_too_short");
    p.feed(&[]);
    p.assert_dropped("packet_too_short");
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn wrong_auth_key_id() {
    let mut p = Pair::new();
    let mut bad = p.packet(&[update()]);
    bad[3] ^= 0x10;
    p.feed(&bad);
    p.assert_dropped("wrong_auth_key_id");
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn length_not_multiple_of_16() {
    let mut p = Pair::new();
    let good = p.packet(&[update()]);
    for extra in [1usize, 4, 15] {
        let mut bad = good.clone();
        bad.extend(std::iter::repeat_n(0u8, extra));
        p.feed(&bad);
        p.assert_dropped("ciphertext_not_block_aligned");
    }
    // Once the transport is declared padded, trailing bytes are trimmed instead.
    let mut p = Pair::with(|c| c.trim_transport_padding = true);
    let mut padded = p.packet(&[update()]);
    padded.extend([0u8; 12]);
    p.feed(&padded);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: update() }]);
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn tampered_anywhere_fails_msg_key() {
    let mut p = Pair::new();
    let good = p.packet(&[update()]);
    for at in [8, 23, 24, 40, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 1;
        p.feed(&bad);
        p.assert_dropped("msg_key_mismatch");
    }
    // Encrypted in the client direction (x = 0): a reflected packet fails too.
    let pt = plaintext(
        &MessageHeader {
            salt: SALT,
            session_id: SESSION_ID,
            msg_id: 1,
            seq_no: 1,
        },
        &update(),
    )
    .unwrap();
    let reflected = mtproto_wasm::session::encrypt_plaintext(
        &auth_key(),
        Side::Client,
        pt,
        64,
        &mut mtproto_wasm::crypto::SeededRandom::new(5),
    )
    .unwrap();
    p.feed(&reflected);
    p.assert_dropped("msg_key_mismatch");
    // The good packet still goes through after all that.
    p.feed(&good);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: update() }]);
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_length_field_and_padding() {
    let mut p = Pair::new();
    let header = p.header();
    let base = plaintext(&header, &update()).unwrap(); // 32 + 8 bytes
    // length negative, unaligned, beyond the data
    for length in [-8i32, 6, 4096] {
        let mut pt = base.clone();
        pt[28..32].copy_from_slice(&length.to_le_bytes());
        pt.resize(pt.len() + 24, 0);
        p.feed(&raw_packet(pt));
        p.assert_dropped("bad_length_field");
    }
    // padding 8 (< 12)
    let mut pt = base.clone();
    pt.resize(pt.len() + 8, 0);
    p.feed(&raw_packet(pt));
    p.assert_dropped("bad_padding");
    // padding 1032 (> 1024)
    let mut pt = base.clone();
    pt.resize(pt.len() + 1032, 0);
    p.feed(&raw_packet(pt));
    p.assert_dropped("bad_padding");
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn wrong_session_id() {
    let mut p = Pair::new();
    let mut h = p.header();
    h.session_id ^= 1;
    let bad = p.forged(h, &update());
    p.feed(&bad);
    p.assert_dropped("wrong_session_id");
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn even_msg_id() {
    let mut p = Pair::new();
    let mut h = p.header();
    h.msg_id &= !3;
    let bad = p.forged(h, &update());
    p.feed(&bad);
    p.assert_dropped("even_server_msg_id");
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn msg_id_out_of_window() {
    let mut p = Pair::new();
    let behind = MsgIdGenerator::new(-301_000).next(p.now, MsgIdKind::ServerInitiated);
    let mut h = p.header();
    h.msg_id = behind;
    let bad = p.forged(h, &update());
    p.feed(&bad);
    p.assert_dropped("msg_id_out_of_window");
    // Within the window: 29 s ahead is fine.
    let mut h = p.header();
    h.msg_id = MsgIdGenerator::new(29_000).next(p.now, MsgIdKind::ServerInitiated);
    let ok = p.forged(h, &update());
    p.feed(&ok);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: update() }]);
    // 31 s ahead: dropped too, and taken as proof that our clock estimate is behind
    // (a packet of this session that passed msg_key cannot be a replay if it is early).
    let ahead = MsgIdGenerator::new(31_000).next(p.now, MsgIdKind::ServerInitiated);
    let mut h = p.header();
    h.msg_id = ahead;
    let bad = p.forged(h, &update());
    p.feed(&bad);
    let events = p.events();
    assert!(
        matches!(
            events.as_slice(),
            [SessionEvent::ProtocolError { error }, SessionEvent::TimeCorrected { offset_ms }]
                if error.kind() == "msg_id_out_of_window" && (30_000..=32_000).contains(offset_ms)
        ),
        "{events:?}"
    );
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_answer_dropped_for_an_early_server_clock_is_recovered_without_a_second_run() {
    use mtproto_wasm::session::InvokeOptions;
    let mut p = Pair::new();
    let r = p
        .client
        .invoke(request(1), InvokeOptions::default())
        .unwrap();
    let sent = p.sent();
    let a = sent.iter().find(|m| m.body == request(1)).unwrap().msg_id;
    // The server's clock is 60 s ahead of the client's estimate: its answer is dropped.
    let mut h = p.header();
    h.msg_id = MsgIdGenerator::new(60_000).next(p.now, MsgIdKind::ServerResponse);
    let answer_packet = p.forged(h, &rpc_result(a, &answer(1)));
    p.feed(&answer_packet);
    assert!(
        p.events()
            .iter()
            .any(|e| matches!(e, SessionEvent::TimeCorrected { .. }))
    );
    // The client asks what became of its request (it does not run it again)...
    let sent = p.sent();
    let req = sent
        .iter()
        .find(|m| m.body.get(..4) == Some(&types::MsgsStateReq::CONSTRUCTOR_ID.to_le_bytes()[..]))
        .unwrap_or_else(|| panic!("no msgs_state_req: {sent:?}"));
    assert_eq!(
        types::MsgsStateReq::from_bytes(&req.body).unwrap().msg_ids,
        vec![a]
    );
    assert!(sent.iter().all(|m| m.body != request(1)));
    // ... the server says it answered; the client asks for the answer; it arrives in time.
    p.server.set_time_offset_ms(60_000);
    p.deliver(&[types::MsgsStateInfo {
        req_msg_id: req.msg_id,
        info: vec![4 | 8 | 32 | 64],
    }
    .to_bytes()]);
    let sent = p.sent();
    assert!(sent.iter().any(
        |m| m.body.get(..4) == Some(&types::MsgResendAnsReq::CONSTRUCTOR_ID.to_le_bytes()[..])
    ));
    p.deliver(&[rpc_result(a, &answer(1))]);
    let events = p.events();
    assert!(
        matches!(events.as_slice(), [SessionEvent::RpcResult { request, .. }] if *request == r),
        "{events:?}"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn window_is_not_enforced_before_time_sync() {
    let mut p = Pair::with(|c| c.time_offset_ms = None);
    let mut h = p.header();
    h.msg_id = MsgIdGenerator::new(3_600_000).next(p.now, MsgIdKind::ServerInitiated);
    let pkt = p.forged(h, &update());
    p.feed(&pkt);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: update() }]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn duplicates_and_replays_are_dropped() {
    let mut p = Pair::new();
    let pkt = p.packet(&[update()]);
    p.feed(&pkt);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: update() }]);
    p.feed(&pkt); // the very same packet
    p.assert_dropped("duplicate_msg_id");
    // The same msg_id re-encrypted (different padding): still a duplicate.
    let h = p.header();
    let first = p.forged(h, &update());
    let again = p.forged(h, &update());
    assert_ne!(first, again);
    p.feed(&first);
    assert_eq!(p.events().len(), 1);
    p.feed(&again);
    p.assert_dropped("duplicate_msg_id");
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn replayed_inner_message_in_a_new_container() {
    let mut p = Pair::new();
    let h = p.header();
    let inner_id = h.msg_id;
    let single = p.forged(h, &update());
    p.feed(&single);
    assert_eq!(p.events().len(), 1);
    // A container carrying the same inner msg_id and a new message.
    let new_id = p.server.next_msg_id(p.now, MsgIdKind::ServerInitiated);
    let container_id = p.server.next_msg_id(p.now, MsgIdKind::ServerInitiated);
    let body = types::MsgContainer {
        messages: vec![
            types::Message {
                msg_id: inner_id,
                seqno: 1,
                bytes: 8,
                body: update(),
            },
            types::Message {
                msg_id: new_id,
                seqno: 3,
                bytes: 8,
                body: answer(5),
            },
        ],
    }
    .to_bytes();
    let c = p.forged(
        MessageHeader {
            salt: SALT,
            session_id: SESSION_ID,
            msg_id: container_id,
            seq_no: 4,
        },
        &body,
    );
    p.feed(&c);
    let events = p.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(
        matches!(&events[0], SessionEvent::ProtocolError { error } if error.kind() == "duplicate_msg_id")
    );
    assert_eq!(events[1], SessionEvent::Update { body: answer(5) });
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn nested_container_and_bad_inner_ids() {
    let mut p = Pair::new();
    let a = p.server.next_msg_id(p.now, MsgIdKind::ServerInitiated);
    let inner_container = types::MsgContainer { messages: vec![] }.to_bytes();
    let outer_id = p.server.next_msg_id(p.now, MsgIdKind::ServerInitiated);
    let later = p.server.next_msg_id(p.now, MsgIdKind::ServerInitiated); // above the container
    let body = types::MsgContainer {
        messages: vec![
            types::Message {
                msg_id: a,
                seqno: 2,
                bytes: inner_container.len() as i32,
                body: inner_container,
            },
            types::Message {
                msg_id: later,
                seqno: 3,
                bytes: 8,
                body: update(),
            },
            types::Message {
                msg_id: a + 1, // even
                seqno: 3,
                bytes: 8,
                body: update(),
            },
        ],
    }
    .to_bytes();
    let pkt = p.forged(
        MessageHeader {
            salt: SALT,
            session_id: SESSION_ID,
            msg_id: outer_id,
            seq_no: 4,
        },
        &body,
    );
    p.feed(&pkt);
    let kinds: Vec<&str> = p
        .events()
        .iter()
        .map(|e| match e {
            SessionEvent::ProtocolError { error } => error.kind(),
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["bad_container", "bad_container", "even_server_msg_id"]
    );
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn malformed_bodies_never_panic() {
    let mut p = Pair::new();
    let bodies: Vec<Vec<u8>> = vec![
        types::RpcResult::CONSTRUCTOR_ID.to_le_bytes().to_vec(),
        [
            &types::MsgContainer::CONSTRUCTOR_ID.to_le_bytes()[..],
            &[0xff; 4],
        ]
        .concat(),
        [
            &types::MsgsAck::CONSTRUCTOR_ID.to_le_bytes()[..],
            &[1, 2, 3, 4],
        ]
        .concat(),
        [
            &mtproto_wasm::tl::GZIP_PACKED_ID.to_le_bytes()[..],
            &[4, 1, 2, 3, 4, 0, 0, 0],
        ]
        .concat(),
        types::BadServerSalt::CONSTRUCTOR_ID.to_le_bytes().to_vec(),
        types::FutureSalts::CONSTRUCTOR_ID.to_le_bytes().to_vec(),
    ];
    for b in &bodies {
        p.deliver(std::slice::from_ref(b));
        let events = p.events();
        assert!(
            matches!(&events[..], [SessionEvent::ProtocolError { error }] if error.kind() == "malformed_body"),
            "{events:?}"
        );
    }
    // Random bytes under a valid envelope: never a panic.
    let mut rng = mtproto_wasm::crypto::SeededRandom::new(9);
    for _ in 0..200 {
        let n = (rng.next_u64() % 64) as usize * 4;
        let mut b = vec![0u8; n];
        mtproto_wasm::crypto::RandomSource::fill(&mut rng, &mut b).unwrap();
        if let Some(first) = b.get_mut(..4) {
            let ids = [
                types::RpcResult::CONSTRUCTOR_ID,
                types::MsgContainer::CONSTRUCTOR_ID,
                types::FutureSalts::CONSTRUCTOR_ID,
                types::MsgsStateReq::CONSTRUCTOR_ID,
                mtproto_wasm::tl::GZIP_PACKED_ID,
            ];
            first.copy_from_slice(&ids[(rng.next_u64() % 5) as usize].to_le_bytes());
        }
        p.deliver(&[b]);
        let _ = p.events();
    }
    let _ = p.transmit_raw();
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn absurd_clock_corrections_never_panic() {
    for forged_id in [i64::MAX, 1, -1, i64::MIN + 1] {
        let mut p = Pair::with(|c| c.time_offset_ms = None);
        p.client.invoke(request(1), Default::default()).unwrap();
        let a = p.sent()[0].msg_id;
        let body = types::BadMsgNotification {
            bad_msg_id: a,
            bad_msg_seqno: 1,
            error_code: 16,
        }
        .to_bytes();
        let pkt = p.forged(
            MessageHeader {
                salt: SALT,
                session_id: SESSION_ID,
                msg_id: forged_id,
                seq_no: 1,
            },
            &body,
        );
        p.feed(&pkt);
        let _ = p.events();
        let _ = p.transmit_raw();
        p.advance(1000);
        let _ = p.transmit_raw();
        let _ = p.client.poll_timeout();
    }
}
