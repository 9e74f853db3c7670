//! gzip_packed in the session: one level, as Telegram sends it, is unpacked; a gzip_packed
//! inside a gzip_packed is dropped without unpacking further (no recursion, work linear in
//! the packet); all the gzip_packed of one packet share one inflate budget.
//!
//! Spec: <https://core.telegram.org/mtproto/serialize#gzip-packed>. Found by an outside
//! review: before, 2,000 nested levels in one 61 KB packet overflowed the stack.
//! These tests also run in headless Chromium (`wasm-pack test`).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod session_common;

use mtproto_wasm::session::{MAX_INFLATED_PER_PACKET, SessionEvent};

use mtproto_wasm::tl::mtproto::types;
use mtproto_wasm::tl::{Serializable, gzip};
use session_common::*;

fn packed(body: &[u8]) -> Vec<u8> {
    types::GzipPacked {
        packed_data: gzip::gzip(body),
    }
    .to_bytes()
}

/// `body` inside `levels` gzip_packed.
fn nested(body: &[u8], levels: usize) -> Vec<u8> {
    (0..levels).fold(body.to_vec(), |b, _| packed(&b))
}

/// The session still answers: a ping goes out and its pong comes back as an event.
fn assert_pings(p: &mut Pair) {
    let ping_id = p.client.ping();
    let sent = p.sent();
    let ping = sent.iter().find(|m| m.body[4..12] == ping_id.to_le_bytes());
    let msg_id = ping.expect("the ping is sent").msg_id;
    p.deliver(&[types::Pong { msg_id, ping_id }.to_bytes()]);
    assert_eq!(p.events(), vec![SessionEvent::Pong { ping_id }]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn one_level_of_gzip_is_unpacked() {
    let mut p = Pair::new();
    p.deliver(&[packed(&answer(7))]);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: answer(7) }]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_thousand_nested_levels_are_dropped_and_a_later_ping_is_answered() {
    let mut p = Pair::new();
    let body = nested(&answer(7), 2000);
    assert!(
        body.len() < 100_000,
        "one ordinary packet: {} bytes",
        body.len()
    );
    p.deliver(&[body]);
    p.assert_dropped("nested_gzip");
    assert_pings(&mut p);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_levels_are_dropped_as_a_message_and_as_a_result() {
    let mut p = Pair::new();
    p.deliver(&[nested(&answer(7), 2)]);
    p.assert_dropped("nested_gzip");
    // In an rpc_result the request keeps waiting for a good answer.
    let r = p.invoke(request(1));
    let id = p.sent()[0].msg_id;
    p.deliver(&[rpc_result(id, &nested(&answer(1), 2))]);
    p.assert_dropped("nested_gzip");
    p.deliver(&[rpc_result(id, &nested(&answer(1), 1))]);
    assert_eq!(
        p.events(),
        vec![SessionEvent::RpcResult {
            request: r,
            body: answer(1)
        }]
    );
    assert_pings(&mut p);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_gzip_packed_of_one_packet_share_one_budget() {
    let mut p = Pair::new();
    // Two messages of a container, each under the cap of one, together over it.
    let half = MAX_INFLATED_PER_PACKET / 2 + 4;
    let big: Vec<u8> = answer(1).into_iter().chain(vec![0u8; half - 4]).collect();
    p.deliver(&[packed(&big), packed(&big)]);
    let events = p.events();
    assert_eq!(events.len(), 2, "one update, one drop");
    assert_eq!(events[0], SessionEvent::Update { body: big.clone() });
    match &events[1] {
        SessionEvent::ProtocolError { error } => assert_eq!(error.kind(), "malformed_body"),
        e => panic!("{e:?}"),
    }
    // The budget is per packet: the next packet has all of it again.
    p.deliver(&[packed(&big)]);
    assert_eq!(p.events(), vec![SessionEvent::Update { body: big }]);
}
