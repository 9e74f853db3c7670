//! Scripted tests of every service message, requests, containers, acks and timers.
//!
//! Spec: <https://core.telegram.org/mtproto/service_messages>,
//! <https://core.telegram.org/mtproto/service_messages_about_messages>.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod session_common;

use std::collections::HashSet;

use mtproto_wasm::session::msg_id::{MsgIdGenerator, MsgIdKind, msg_id_time_ms};
use mtproto_wasm::session::server::ClientMessage;
use mtproto_wasm::session::{FailureReason, InvokeOptions, SessionEvent};
use mtproto_wasm::tl::mtproto::{functions, types};
use mtproto_wasm::tl::{Deserializable, Serializable};
use session_common::*;

fn id_of(body: &[u8]) -> u32 {
    u32::from_le_bytes(body[..4].try_into().unwrap())
}

fn find(msgs: &[ClientMessage], body: &[u8]) -> i64 {
    msgs.iter()
        .find(|m| m.body == body)
        .unwrap_or_else(|| panic!("not sent: {msgs:?}"))
        .msg_id
}

fn bad_msg(bad_msg_id: i64, code: i32) -> Vec<u8> {
    types::BadMsgNotification {
        bad_msg_id,
        bad_msg_seqno: 1,
        error_code: code,
    }
    .to_bytes()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rpc_result_resolves_exactly_once() {
    let mut p = Pair::new();
    let r = p.invoke(request(1));
    let sent = p.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].seq_no, 1);
    assert_eq!(sent[0].msg_id % 4, 0);
    let id = sent[0].msg_id;
    p.deliver(&[rpc_result(id, &answer(1))]);
    assert_eq!(
        p.events(),
        vec![SessionEvent::RpcResult {
            request: r,
            body: answer(1)
        }]
    );
    p.deliver(&[rpc_result(id, &answer(2))]);
    assert_eq!(p.events(), vec![]);
    assert_eq!(p.client.pending_requests(), 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn gzipped_results_and_rpc_errors() {
    let mut p = Pair::new();
    let big: Vec<u8> = answer(3).into_iter().chain(vec![0u8; 4000]).collect();
    let gz = types::GzipPacked {
        packed_data: mtproto_wasm::tl::gzip::gzip(&big),
    }
    .to_bytes();
    let err = types::RpcError {
        error_code: 420,
        error_message: "FLOOD_WAIT_3".into(),
    }
    .to_bytes();
    let gz_err = types::GzipPacked {
        packed_data: mtproto_wasm::tl::gzip::gzip(&err),
    }
    .to_bytes();
    let r1 = p.invoke(request(1));
    let r2 = p.invoke(request(2));
    let r3 = p.invoke(request(3));
    let sent = p.sent();
    let (a, b, c) = (
        find(&sent, &request(1)),
        find(&sent, &request(2)),
        find(&sent, &request(3)),
    );
    p.deliver(&[
        rpc_result(a, &gz),
        rpc_result(b, &err),
        rpc_result(c, &gz_err),
    ]);
    let e = p.events();
    assert_eq!(
        e,
        vec![
            SessionEvent::RpcResult {
                request: r1,
                body: big
            },
            SessionEvent::RpcError {
                request: r2,
                code: 420,
                message: "FLOOD_WAIT_3".into()
            },
            SessionEvent::RpcError {
                request: r3,
                code: 420,
                message: "FLOOD_WAIT_3".into()
            },
        ]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn several_requests_travel_in_one_container() {
    let mut p = Pair::new();
    for i in 0..3 {
        p.invoke(request(i));
    }
    let packets = p.transmit();
    assert_eq!(packets.len(), 1);
    let c = &packets[0];
    assert!(c.container);
    assert_eq!(c.header.seq_no % 2, 0);
    let seqs: Vec<i32> = c.messages.iter().map(|m| m.seq_no).collect();
    assert_eq!(seqs, [1, 3, 5]);
    assert!(c.messages.windows(2).all(|w| w[0].msg_id < w[1].msg_id));
    assert!(c.messages.iter().all(|m| m.msg_id < c.header.msg_id));
    assert_eq!(c.header.salt, SALT);
    assert_eq!(c.header.session_id, SESSION_ID);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn container_limits_split_batches() {
    let mut p = Pair::with(|c| c.max_container_messages = 10);
    for i in 0..25 {
        p.invoke(request(i));
    }
    let packets = p.transmit();
    let sizes: Vec<usize> = packets.iter().map(|c| c.messages.len()).collect();
    assert_eq!(sizes, [10, 10, 5]);
    // byte limit
    let mut p = Pair::with(|c| {
        c.max_container_bytes = 3000;
        c.gzip_threshold = 0;
    });
    for _ in 0..4 {
        p.invoke(vec![0x11; 1000]);
    }
    let sizes: Vec<usize> = p.transmit().iter().map(|c| c.messages.len()).collect();
    assert_eq!(sizes, [2, 2]);
    // the spec maximum
    let mut p = Pair::new();
    for i in 0..1100 {
        p.invoke(request(i));
    }
    let sizes: Vec<usize> = p.transmit().iter().map(|c| c.messages.len()).collect();
    assert_eq!(sizes, [1020, 80]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn msg_ids_strictly_increase_and_are_never_reused() {
    let mut p = Pair::new();
    let mut seen = HashSet::new();
    let mut last = 0;
    for round in 0..20u32 {
        p.invoke(request(round));
        for pkt in p.transmit() {
            for m in &pkt.messages {
                assert!(seen.insert(m.msg_id), "reused {}", m.msg_id);
            }
            assert!(seen.insert(pkt.header.msg_id) || !pkt.container);
            assert!(pkt.header.msg_id > last);
            last = pkt.header.msg_id;
            // bad_server_salt every other round forces resends.
            if round % 2 == 0 {
                let id = pkt.header.msg_id;
                p.deliver(&[types::BadServerSalt {
                    bad_msg_id: id,
                    bad_msg_seqno: 1,
                    error_code: 48,
                    new_server_salt: round as i64,
                }
                .to_bytes()]);
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn acks_on_a_timer_and_piggy_backed() {
    let mut p = Pair::new();
    let ids = p.deliver(&[answer(9)]);
    assert!(p.transmit().is_empty(), "acks wait for the timer");
    assert_eq!(p.client.poll_timeout(), Some(p.now + 500));
    p.advance(500);
    let pk = p.transmit();
    assert_eq!(pk.len(), 1);
    assert_eq!(
        types::MsgsAck::from_bytes(&pk[0].messages[0].body)
            .unwrap()
            .msg_ids,
        ids
    );
    assert_eq!(pk[0].header.seq_no % 2, 0, "acks are not content-related");
    // piggy-backed on a request
    let ids = p.deliver(&[answer(10)]);
    p.invoke(request(1));
    let pk = p.transmit();
    assert_eq!(pk.len(), 1);
    assert!(pk[0].container);
    let ack = pk[0]
        .messages
        .iter()
        .find(|m| id_of(&m.body) == types::MsgsAck::CONSTRUCTOR_ID)
        .unwrap();
    assert_eq!(types::MsgsAck::from_bytes(&ack.body).unwrap().msg_ids, ids);
    // service messages that are not content-related (acks) are not acked
    p.deliver(&[types::MsgsAck { msg_ids: vec![1] }.to_bytes()]);
    p.advance(1000);
    assert!(p.transmit().is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reconnect_resends_unacked_and_asks_about_acked() {
    let mut p = Pair::new();
    let r1 = p.invoke(request(1));
    let r2 = p.invoke(request(2));
    let sent = p.sent();
    let (a, b) = (find(&sent, &request(1)), find(&sent, &request(2)));
    p.deliver(&[types::MsgsAck { msg_ids: vec![a] }.to_bytes()]);
    p.client.on_reconnect(p.now);
    let again = p.sent();
    let b2 = find(&again, &request(2));
    assert_ne!(b2, b, "a resend gets a new msg_id");
    let state_req = again
        .iter()
        .find(|m| id_of(&m.body) == types::MsgsStateReq::CONSTRUCTOR_ID)
        .unwrap();
    assert_eq!(
        types::MsgsStateReq::from_bytes(&state_req.body)
            .unwrap()
            .msg_ids,
        vec![a]
    );
    assert!(again.iter().all(|m| m.body != request(1)));
    // the server says it never got `a`: it is resent
    p.deliver(&[types::MsgsStateInfo {
        req_msg_id: state_req.msg_id,
        info: vec![2],
    }
    .to_bytes()]);
    let a2 = find(&p.sent(), &request(1));
    assert!(a2 > b2);
    // an answer to the OLD copy of request 2 resolves it; the new copy's answer is ignored
    p.deliver(&[rpc_result(b, &answer(2)), rpc_result(b2, &answer(3))]);
    p.deliver(&[rpc_result(a2, &answer(1))]);
    assert_eq!(
        p.events(),
        vec![
            SessionEvent::RpcResult {
                request: r2,
                body: answer(2)
            },
            SessionEvent::RpcResult {
                request: r1,
                body: answer(1)
            },
        ]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_server_salt_takes_the_salt_and_resends_the_container() {
    let mut p = Pair::new();
    p.invoke(request(1));
    p.invoke(request(2));
    let pk = p.transmit();
    let container_id = pk[0].header.msg_id;
    p.deliver(&[types::BadServerSalt {
        bad_msg_id: container_id,
        bad_msg_seqno: 2,
        error_code: 48,
        new_server_salt: 0x7777,
    }
    .to_bytes()]);
    assert_eq!(p.client.server_salt(), 0x7777);
    let pk2 = p.transmit();
    assert_eq!(pk2.len(), 1);
    assert_eq!(pk2[0].header.salt, 0x7777);
    let bodies: Vec<&Vec<u8>> = pk2[0]
        .messages
        .iter()
        .filter(|m| id_of(&m.body) == 0x1234_5678)
        .map(|m| &m.body)
        .collect();
    assert_eq!(bodies, [&request(1), &request(2)]);
    let old: HashSet<i64> = pk[0].messages.iter().map(|m| m.msg_id).collect();
    assert!(pk2[0].messages.iter().all(|m| !old.contains(&m.msg_id)));
    assert_eq!(p.client.stats().bad_msg.get(&48), Some(&1));
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_msg_16_corrects_the_clock_and_resends() {
    // The client starts with no time sync; the server is 10 minutes ahead.
    let mut p = Pair::with(|c| c.time_offset_ms = None);
    p.server = mtproto_wasm::session::server::ServerSession::new(
        auth_key(),
        SALT,
        600_000,
        Box::new(mtproto_wasm::crypto::SeededRandom::new(3)),
    );
    p.server.session_id = Some(SESSION_ID);
    let r = p.invoke(request(1));
    let a = find(&p.sent(), &request(1));
    p.deliver(&[bad_msg(a, 16)]);
    let e = p.events();
    assert!(
        matches!(e[..], [SessionEvent::TimeCorrected { offset_ms }] if (offset_ms - 600_000).abs() < 5)
    );
    let a2 = find(&p.sent(), &request(1));
    assert!((msg_id_time_ms(a2) - (p.now as i64 + 600_000)).abs() < 5);
    assert_eq!(p.client.state().time_offset_ms.map(|o| o / 1000), Some(600));
    p.deliver(&[rpc_result(a2, &answer(1))]);
    assert_eq!(
        p.events(),
        vec![SessionEvent::RpcResult {
            request: r,
            body: answer(1)
        }]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_msg_17_with_a_fast_clock_starts_a_new_session() {
    let mut p = Pair::with(|c| c.time_offset_ms = None);
    // server 10 minutes behind
    p.server = mtproto_wasm::session::server::ServerSession::new(
        auth_key(),
        SALT,
        -600_000,
        Box::new(mtproto_wasm::crypto::SeededRandom::new(3)),
    );
    p.server.session_id = Some(SESSION_ID);
    p.invoke(request(1));
    let a = find(&p.sent(), &request(1));
    p.deliver(&[bad_msg(a, 17)]);
    let e = p.events();
    assert!(matches!(e[0], SessionEvent::TimeCorrected { .. }));
    let SessionEvent::SessionReset { session_id } = e[1] else {
        panic!("{e:?}")
    };
    assert_ne!(session_id, SESSION_ID);
    p.server.session_id = Some(session_id);
    let pk = p.transmit();
    let m = &pk[0].messages[0];
    assert_eq!(m.body, request(1));
    assert_eq!(m.seq_no, 1, "a new session counts from the start");
    assert!((msg_id_time_ms(m.msg_id) - (p.now as i64 - 600_000)).abs() < 5);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_msg_32_33_start_a_new_session() {
    for code in [32, 33] {
        let mut p = Pair::new();
        p.invoke(request(1));
        p.invoke(request(2));
        let sent = p.sent();
        let a = find(&sent, &request(1));
        p.deliver(&[bad_msg(a, code)]);
        let e = p.events();
        let [SessionEvent::SessionReset { session_id }] = e[..] else {
            panic!("{e:?}")
        };
        p.server.session_id = Some(session_id);
        let again = p.sent();
        let seqs: Vec<i32> = again.iter().map(|m| m.seq_no).collect();
        assert_eq!(seqs, [1, 3]);
        assert_eq!(p.client.session_id(), session_id);
        p.assert_works();
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_msg_48_resends_and_fetches_salts() {
    let mut p = Pair::new();
    p.invoke(request(1));
    let a = find(&p.sent(), &request(1));
    p.deliver(&[bad_msg(a, 48)]);
    let again = p.sent();
    assert!(find(&again, &request(1)) > a);
    assert!(
        again
            .iter()
            .any(|m| id_of(&m.body) == functions::GetFutureSalts::CONSTRUCTOR_ID)
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_msg_64_resends_each_message_alone() {
    let mut p = Pair::new();
    p.invoke(request(1));
    p.invoke(request(2));
    let pk = p.transmit();
    p.deliver(&[bad_msg(pk[0].header.msg_id, 64)]);
    let pk2 = p.transmit();
    let singles: Vec<bool> = pk2.iter().map(|c| c.container).collect();
    assert_eq!(singles, [false, false], "each request alone");
    p.advance(500); // the ack of the notification follows on its timer
    assert_eq!(p.transmit().len(), 1);
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn other_bad_msg_codes_resend() {
    for code in [18, 19, 20, 34, 35] {
        let mut p = Pair::new();
        p.invoke(request(1));
        let a = find(&p.sent(), &request(1));
        p.deliver(&[bad_msg(a, code)]);
        assert!(find(&p.sent(), &request(1)) > a);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn too_many_resends_fail_the_request() {
    let mut p = Pair::with(|c| c.max_sends = 3);
    let r = p.invoke(request(1));
    for _ in 0..3 {
        let a = find(&p.sent(), &request(1));
        p.deliver(&[bad_msg(a, 20)]);
    }
    assert_eq!(
        p.events(),
        vec![SessionEvent::RequestFailed {
            request: r,
            reason: FailureReason::TooManyResends
        }]
    );
    assert!(p.sent().is_empty());
}

/// Reconnects with request 1 acked but unanswered; returns (its msg_id, the state_req).
fn acked_then_reconnected(p: &mut Pair) -> (i64, ClientMessage) {
    p.invoke(request(1));
    let a = find(&p.sent(), &request(1));
    p.deliver(&[types::MsgsAck { msg_ids: vec![a] }.to_bytes()]);
    p.client.on_reconnect(p.now);
    let state_req = p
        .sent()
        .into_iter()
        .find(|m| id_of(&m.body) == types::MsgsStateReq::CONSTRUCTOR_ID)
        .unwrap();
    (a, state_req)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_answer_lost_with_the_connection_is_asked_for_again() {
    // "4 = message received", "+32 = processing complete", "+64 = response generated":
    // the answer exists but never arrived (the connection dropped): msg_resend_ans_req.
    let mut p = Pair::new();
    let (a, state_req) = acked_then_reconnected(&mut p);
    p.deliver(&[types::MsgsStateInfo {
        req_msg_id: state_req.msg_id,
        info: vec![4 | 8 | 32 | 64],
    }
    .to_bytes()]);
    let sent = p.sent();
    let ask = sent
        .iter()
        .find(|m| id_of(&m.body) == types::MsgResendAnsReq::CONSTRUCTOR_ID)
        .unwrap_or_else(|| panic!("no msg_resend_ans_req: {sent:?}"));
    assert_eq!(
        types::MsgResendAnsReq::from_bytes(&ask.body)
            .unwrap()
            .msg_ids,
        vec![a]
    );
    assert!(sent.iter().all(|m| m.body != request(1)), "not re-executed");
    p.deliver(&[rpc_result(a, &answer(1))]);
    assert!(matches!(
        p.events().as_slice(),
        [SessionEvent::RpcResult { body, .. }] if *body == answer(1)
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_query_still_processing_is_waited_for_and_an_answer_the_server_lost_means_a_resend() {
    let mut p = Pair::new();
    let (_, state_req) = acked_then_reconnected(&mut p);
    // "+32 = being processed", no response yet: nothing to do but wait
    p.deliver(&[types::MsgsStateInfo {
        req_msg_id: state_req.msg_id,
        info: vec![4 | 8 | 32],
    }
    .to_bytes()]);
    assert!(p.sent().is_empty());

    let mut p = Pair::new();
    let (a, state_req) = acked_then_reconnected(&mut p);
    p.deliver(&[types::MsgsStateInfo {
        req_msg_id: state_req.msg_id,
        info: vec![4 | 8],
    }
    .to_bytes()]);
    let ask = p
        .sent()
        .into_iter()
        .find(|m| id_of(&m.body) == types::MsgResendAnsReq::CONSTRUCTOR_ID)
        .unwrap();
    // the server no longer has the answer: the request goes out again, under a new msg_id
    p.deliver(&[types::MsgsStateInfo {
        req_msg_id: ask.msg_id,
        info: vec![1],
    }
    .to_bytes()]);
    let again = find(&p.sent(), &request(1));
    assert!(again > a);
    p.deliver(&[rpc_result(again, &answer(1))]);
    assert_eq!(p.events().len(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn resends_after_reconnects_do_not_count_against_max_sends() {
    let mut p = Pair::with(|c| c.max_sends = 3);
    let r = p.invoke(request(1));
    for _ in 0..10 {
        assert!(find(&p.sent(), &request(1)) != 0);
        let now = p.now;
        p.client.on_reconnect(now);
    }
    assert!(p.events().is_empty());
    let a = find(&p.sent(), &request(1));
    p.deliver(&[rpc_result(a, &answer(1))]);
    assert!(matches!(
        p.events().as_slice(),
        [SessionEvent::RpcResult { request, .. }] if *request == r
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn new_session_created_is_reported() {
    let mut p = Pair::new();
    p.deliver(&[types::NewSessionCreated {
        first_msg_id: 42,
        unique_id: 7,
        server_salt: 0x99,
    }
    .to_bytes()]);
    assert_eq!(
        p.events(),
        vec![SessionEvent::NewSessionCreated {
            first_msg_id: 42,
            unique_id: 7,
            server_salt: 0x99
        }]
    );
    assert_eq!(p.client.server_salt(), 0x99);
    p.invoke(request(1));
    assert_eq!(p.transmit()[0].header.salt, 0x99);
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn future_salts_are_fetched_and_switched_on_time() {
    let mut p = Pair::with(|c| c.fetch_future_salts = true);
    p.deliver(&[answer(1)]); // the first packet from the server triggers the fetch
    let sent = p.sent();
    let get = sent
        .iter()
        .find(|m| id_of(&m.body) == functions::GetFutureSalts::CONSTRUCTOR_ID)
        .expect("get_future_salts");
    let now_s = (p.now / 1000) as i32;
    let salts = vec![
        types::FutureSalt {
            valid_since: now_s - 10,
            valid_until: now_s + 1800,
            salt: 0xA,
        },
        types::FutureSalt {
            valid_since: now_s + 1800,
            valid_until: now_s + 3600,
            salt: 0xB,
        },
        types::FutureSalt {
            valid_since: now_s + 3600,
            valid_until: now_s + 7200,
            salt: 0xC,
        },
    ];
    p.deliver(&[types::FutureSalts {
        req_msg_id: get.msg_id,
        now: now_s,
        salts,
    }
    .to_bytes()]);
    assert_eq!(p.client.server_salt(), 0xA);
    p.advance(1_800_000);
    assert_eq!(p.client.server_salt(), 0xB);
    assert!(
        !p.sent()
            .iter()
            .any(|m| id_of(&m.body) == functions::GetFutureSalts::CONSTRUCTOR_ID)
    );
    p.advance(1_800_000);
    assert_eq!(p.client.server_salt(), 0xC);
    // within an hour of the last salt's end: fetched again
    let sent = p.sent();
    assert!(
        sent.iter()
            .any(|m| id_of(&m.body) == functions::GetFutureSalts::CONSTRUCTOR_ID)
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ping_and_pong() {
    let mut p = Pair::new();
    let ping_id = p.client.ping();
    let sent = p.sent();
    let ping = functions::Ping::from_bytes(&sent[0].body).unwrap();
    assert_eq!(ping.ping_id, ping_id);
    p.deliver(&[types::Pong {
        msg_id: sent[0].msg_id,
        ping_id,
    }
    .to_bytes()]);
    assert_eq!(p.events(), vec![SessionEvent::Pong { ping_id }]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn keep_alive_with_ping_delay_disconnect() {
    let mut p = Pair::with(|c| {
        c.ping_interval_ms = 60_000;
        c.pong_timeout_ms = 15_000;
    });
    p.assert_works();
    p.advance(60_000);
    let sent = p.sent();
    let ping = functions::PingDelayDisconnect::from_bytes(&sent[0].body).unwrap();
    assert_eq!(ping.disconnect_delay, 75);
    p.deliver(&[types::Pong {
        msg_id: sent[0].msg_id,
        ping_id: ping.ping_id,
    }
    .to_bytes()]);
    assert_eq!(p.events(), vec![], "keep-alive pongs are not reported");
    // the next ping goes unanswered
    p.advance(60_000);
    assert!(!p.sent().is_empty());
    p.advance(14_999);
    assert_eq!(p.events(), vec![]);
    p.advance(1);
    assert_eq!(p.events(), vec![SessionEvent::KeepAliveTimeout]);
    // after a reconnect the keep-alive starts again
    p.client.on_reconnect(p.now);
    p.assert_works();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn msgs_state_req_is_answered() {
    let mut p = Pair::new();
    let got = p.deliver(&[answer(1)])[0];
    let unknown_low = 5; // below everything remembered? no: floor is 0, so "not received"
    let too_high = MsgIdGenerator::new(120_000).next(p.now, MsgIdKind::ServerInitiated);
    let ids = p.deliver(&[types::MsgsStateReq {
        msg_ids: vec![got, unknown_low, too_high],
    }
    .to_bytes()]);
    let sent = p.sent();
    let info = sent
        .iter()
        .find(|m| id_of(&m.body) == types::MsgsStateInfo::CONSTRUCTOR_ID)
        .unwrap();
    let info = types::MsgsStateInfo::from_bytes(&info.body).unwrap();
    assert_eq!(info.req_msg_id, ids[0]);
    assert_eq!(info.info[0] & 7, 4);
    assert_eq!(info.info[1], 2);
    assert_eq!(info.info[2], 3);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn msgs_all_info_and_msg_resend_req_resend_ours() {
    let mut p = Pair::new();
    p.invoke(request(1));
    p.invoke(request(2));
    let sent = p.sent();
    let (a, b) = (find(&sent, &request(1)), find(&sent, &request(2)));
    p.deliver(&[types::MsgsAllInfo {
        msg_ids: vec![a, b],
        info: vec![4, 2],
    }
    .to_bytes()]);
    let again = p.sent();
    assert!(find(&again, &request(2)) > b);
    assert!(again.iter().all(|m| m.body != request(1)));
    p.deliver(&[types::MsgResendReq { msg_ids: vec![a] }.to_bytes()]);
    assert!(find(&p.sent(), &request(1)) > a);
    // a resend request for an unknown id does nothing
    p.deliver(&[types::MsgResendReq { msg_ids: vec![12] }.to_bytes()]);
    assert!(p.sent().is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn detailed_info_acks_or_asks_for_the_answer() {
    let mut p = Pair::new();
    p.invoke(request(1));
    let a = find(&p.sent(), &request(1));
    let received = p.deliver(&[answer(5)])[0];
    let missing = MsgIdGenerator::new(0).next(p.now, MsgIdKind::ServerResponse) + 400;
    p.deliver(&[
        types::MsgDetailedInfo {
            msg_id: a,
            answer_msg_id: received,
            bytes: 8,
            status: 0,
        }
        .to_bytes(),
        types::MsgNewDetailedInfo {
            answer_msg_id: missing,
            bytes: 8,
            status: 0,
        }
        .to_bytes(),
    ]);
    let pk = p.transmit();
    let all: Vec<&ClientMessage> = pk.iter().flat_map(|c| &c.messages).collect();
    let resend = all
        .iter()
        .find(|m| id_of(&m.body) == types::MsgResendReq::CONSTRUCTOR_ID)
        .unwrap();
    assert_eq!(
        types::MsgResendReq::from_bytes(&resend.body)
            .unwrap()
            .msg_ids,
        vec![missing]
    );
    let ack = all
        .iter()
        .find(|m| id_of(&m.body) == types::MsgsAck::CONSTRUCTOR_ID)
        .unwrap();
    assert!(
        types::MsgsAck::from_bytes(&ack.body)
            .unwrap()
            .msg_ids
            .contains(&received)
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn destroy_session_answers_are_reported() {
    let mut p = Pair::new();
    p.deliver(&[
        types::DestroySessionOk { session_id: 5 }.to_bytes(),
        types::DestroySessionNone { session_id: 6 }.to_bytes(),
    ]);
    assert_eq!(
        p.events(),
        vec![
            SessionEvent::DestroySession {
                session_id: 5,
                destroyed: true
            },
            SessionEvent::DestroySession {
                session_id: 6,
                destroyed: false
            },
        ]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn updates_are_passed_out_gzipped_or_not() {
    let mut p = Pair::new();
    let upd = answer(8);
    let gz = types::GzipPacked {
        packed_data: mtproto_wasm::tl::gzip::gzip(&upd),
    }
    .to_bytes();
    p.deliver(&[upd.clone(), gz]);
    assert_eq!(
        p.events(),
        vec![
            SessionEvent::Update { body: upd.clone() },
            SessionEvent::Update { body: upd }
        ]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn cancel_sends_rpc_drop_answer_and_fails_once() {
    let mut p = Pair::new();
    let r = p.invoke(request(1));
    let a = find(&p.sent(), &request(1));
    assert!(p.client.cancel(r));
    assert!(!p.client.cancel(r));
    assert_eq!(
        p.events(),
        vec![SessionEvent::RequestFailed {
            request: r,
            reason: FailureReason::Cancelled
        }]
    );
    let sent = p.sent();
    let drop = functions::RpcDropAnswer::from_bytes(&sent[0].body).unwrap();
    assert_eq!(drop.req_msg_id, a);
    // the late answer and the drop's own answer are ignored
    p.deliver(&[
        rpc_result(a, &answer(1)),
        rpc_result(
            sent[0].msg_id,
            &types::RpcAnswerDroppedRunning {}.to_bytes(),
        ),
    ]);
    assert_eq!(p.events(), vec![]);
    // cancelling a request not sent yet sends nothing
    let r2 = p.invoke(request(2));
    assert!(p.client.cancel(r2));
    assert!(p.sent().is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn invoke_after_msg_wraps_with_the_current_msg_id() {
    let mut p = Pair::new();
    let r1 = p.invoke(request(1));
    let _r2 = p
        .client
        .invoke(request(2), InvokeOptions { after: Some(r1) })
        .unwrap();
    let sent = p.sent();
    let a = find(&sent, &request(1));
    let wrapped = &sent[1].body;
    assert_eq!(id_of(wrapped), 0xcb9f_372d);
    assert_eq!(i64::from_le_bytes(wrapped[4..12].try_into().unwrap()), a);
    assert_eq!(&wrapped[12..], &request(2)[..]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn large_requests_are_gzipped_when_smaller() {
    let mut p = Pair::new();
    let big: Vec<u8> = request(1).into_iter().chain(vec![0u8; 4096]).collect();
    p.invoke(big.clone());
    let sent = p.sent();
    assert_eq!(id_of(&sent[0].body), mtproto_wasm::tl::GZIP_PACKED_ID);
    let packed = types::GzipPacked::from_bytes(&sent[0].body).unwrap();
    assert_eq!(
        mtproto_wasm::tl::gzip::gunzip(&packed.packed_data, 1 << 20).unwrap(),
        big
    );
    // incompressible: sent as is
    let mut rnd = vec![0u8; 2048];
    mtproto_wasm::crypto::RandomSource::fill(
        &mut mtproto_wasm::crypto::SeededRandom::new(1),
        &mut rnd,
    )
    .unwrap();
    p.invoke(rnd.clone());
    assert_eq!(p.sent()[0].body, rnd);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn invalid_invoke_arguments() {
    let mut p = Pair::new();
    assert!(
        p.client
            .invoke(vec![1, 2, 3], InvokeOptions::default())
            .is_err()
    );
    assert!(p.client.invoke(vec![], InvokeOptions::default()).is_err());
    assert!(
        p.client
            .invoke(vec![0; (1 << 20) + 4], InvokeOptions::default())
            .is_err()
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_clock_fix_passes_the_window_only_when_it_is_about_our_message() {
    // The client believes it is synced (offset 0) but the server is 10 minutes behind:
    // every server message is out of the window (it could be a replay), except the notice
    // about our request (bad_msg_notification 17: our msg_id too high).
    let server = |offset| {
        let mut s = mtproto_wasm::session::server::ServerSession::new(
            auth_key(),
            SALT,
            offset,
            Box::new(mtproto_wasm::crypto::SeededRandom::new(3)),
        );
        s.session_id = Some(SESSION_ID);
        s
    };
    let mut p = Pair::new();
    p.server = server(-600_000);
    p.deliver(&[answer(1)]);
    p.assert_dropped("msg_id_out_of_window");
    p.deliver(&[bad_msg(12345, 17)]); // not about a message of ours
    p.assert_dropped("msg_id_out_of_window");
    p.invoke(request(1));
    let a = find(&p.sent(), &request(1));
    p.deliver(&[bad_msg(a, 17)]);
    let e = p.events();
    assert!(
        matches!(e[..], [SessionEvent::TimeCorrected { .. }, ..]),
        "{e:?}"
    );
    // our ids must go down now: that takes a new session (the server learns its id)
    p.server.session_id = None;
    let a2 = find(&p.sent(), &request(1));
    p.deliver(&[rpc_result(a2, &answer(1))]);
    assert!(matches!(p.events()[..], [SessionEvent::RpcResult { .. }]));

    // 10 minutes ahead instead: the first packet is dropped but moves the clock forward
    // (an early packet cannot be a replay); what follows is in the window.
    let mut p = Pair::new();
    p.server = server(600_000);
    p.deliver(&[answer(1)]);
    let e = p.events();
    assert!(
        matches!(
            e[..],
            [SessionEvent::ProtocolError { .. }, SessionEvent::TimeCorrected { offset_ms }]
                if (599_000..=601_000).contains(&offset_ms)
        ),
        "{e:?}"
    );
    p.deliver(&[answer(2)]);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: answer(2) }]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn keep_alive_pong_inside_rpc_result_and_reconnect_do_not_leak() {
    let mut p = Pair::with(|c| c.ping_interval_ms = 60_000);
    p.assert_works();
    p.advance(60_000);
    let sent = p.sent();
    let ping = functions::PingDelayDisconnect::from_bytes(&sent[0].body).unwrap();
    p.deliver(&[rpc_result(
        sent[0].msg_id,
        &types::Pong {
            msg_id: sent[0].msg_id,
            ping_id: ping.ping_id,
        }
        .to_bytes(),
    )]);
    assert_eq!(p.events(), vec![]);
    // an unanswered keep-alive is not resent after a reconnect
    p.advance(60_000);
    assert_eq!(p.sent().len(), 1);
    p.client.on_reconnect(p.now);
    assert!(p.sent().is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn lossy_duplicating_reordering_link_resolves_every_request_exactly_once() {
    use mtproto_wasm::crypto::SeededRandom;
    use std::collections::HashMap;
    let mut p = Pair::new();
    let mut rng = SeededRandom::new(2024);
    let mut chance = move |percent: u64| rng.next_u64() % 100 < percent;
    let mut requests = HashMap::new();
    let mut results: HashMap<_, Vec<Vec<u8>>> = HashMap::new();
    let mut outbox: Vec<Vec<u8>> = Vec::new();
    let collect = |p: &mut Pair, results: &mut HashMap<_, Vec<Vec<u8>>>| {
        for e in p.events() {
            match e {
                SessionEvent::RpcResult { request, body } => {
                    results.entry(request).or_default().push(body)
                }
                SessionEvent::ProtocolError { error } => {
                    assert_eq!(error.kind(), "duplicate_msg_id", "{error}")
                }
                e => panic!("unexpected {e:?}"),
            }
        }
    };
    for round in 0..200u32 {
        p.now += 50;
        if round < 100 && chance(60) {
            let n = round;
            requests.insert(p.invoke(request(n)), n);
        }
        for packet in p.transmit_raw() {
            if chance(25) {
                continue; // lost on the way to the server
            }
            let pk = p.server.decrypt(&packet).unwrap();
            for m in pk.messages {
                if m.body[..4] == 0x1234_5678u32.to_le_bytes() {
                    let n = u32::from_le_bytes(m.body[4..8].try_into().unwrap());
                    let (reply, _) = p
                        .server
                        .encrypt(p.now, &[rpc_result(m.msg_id, &answer(n))])
                        .unwrap();
                    outbox.push(reply);
                }
            }
        }
        // deliver a random part of the outbox, out of order, some twice, some lost
        let mut keep = Vec::new();
        while let Some(pkt) = outbox.pop() {
            if chance(30) {
                keep.insert(0, pkt); // later, after newer ones
                continue;
            }
            if chance(15) {
                continue; // lost
            }
            p.feed(&pkt);
            if chance(15) {
                p.feed(&pkt); // duplicated by the network
            }
        }
        outbox = keep;
        collect(&mut p, &mut results);
        if round % 10 == 9 {
            p.client.on_reconnect(p.now);
        }
    }
    // a clean link until everything resolves
    for _ in 0..20 {
        if p.client.pending_requests() == 0 {
            break;
        }
        p.now += 1000;
        p.client.on_reconnect(p.now);
        for packet in p.transmit_raw() {
            let pk = p.server.decrypt(&packet).unwrap();
            for m in pk.messages {
                if m.body[..4] == 0x1234_5678u32.to_le_bytes() {
                    let n = u32::from_le_bytes(m.body[4..8].try_into().unwrap());
                    let reply = p.packet(&[rpc_result(m.msg_id, &answer(n))]);
                    p.feed(&reply);
                }
            }
        }
        collect(&mut p, &mut results);
    }
    assert!(requests.len() > 40);
    assert_eq!(p.client.pending_requests(), 0);
    for (r, n) in &requests {
        assert_eq!(results.get(r), Some(&vec![answer(*n)]), "request {n}");
    }
    assert_eq!(results.len(), requests.len());
}
