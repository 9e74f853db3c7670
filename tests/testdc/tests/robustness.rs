//! Raw TCP, and hostile input: random bytes on every entry point and malformed
//! transports close only their own connection while another one keeps working.

mod common;

use std::sync::Arc;

use common::*;
use mtproto_testdc::MtprotoFactory;
use mtproto_testdc::ws::{close_code, opcode};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn raw_tcp_echo() {
    let dc = start_echo().await;
    let mut s = dc.connect().await;
    // Abridged tag, then a packet; any first byte that is not the start of an HTTP word
    // is raw MTProto.
    tcp_round_trip(&mut s, &[0xef, 0x01, 1, 2, 3, 4]).await;
    tcp_round_trip(&mut s, &[0u8; 100_000]).await;
    let mut t = dc.connect().await;
    tcp_round_trip(&mut t, &[0xee, 0xee, 0xee, 0xee]).await;
    // "GE" then not "T ": raw, decided on the third byte.
    let mut u = dc.connect().await;
    tcp_round_trip(&mut u, b"GEX!").await;
    assert_eq!(dc.dc().connections().len(), 3);
}

#[tokio::test]
async fn handler_error_sends_farewell_and_closes_only_that_connection() {
    let dc = start_with(Arc::new(StrictFactory), |_| {}).await;
    let mut good = dc.connect().await;
    tcp_round_trip(&mut good, &[0xef, 9, 9, 9]).await;
    let mut bad = dc.connect().await;
    within(bad.write_all(&[0x01, 2, 3, 4])).await.unwrap();
    assert_eq!(read_to_close(&mut bad).await, (-404i32).to_le_bytes());
    // Over WebSocket: the farewell as a binary message, then close 1008.
    let mut ws = ws_connect(dc.port(), "/apiws").await;
    ws_send(&mut ws, opcode::BINARY, &[7, 7], true).await;
    assert_eq!(
        ws_recv(&mut ws).await,
        (opcode::BINARY, (-404i32).to_le_bytes().to_vec())
    );
    ws_expect_close(&mut ws, close_code::POLICY_VIOLATION).await;
    tcp_round_trip(&mut good, &[1, 2, 3]).await;
}

#[tokio::test]
async fn mtproto_garbage_closes_and_others_live() {
    let dc = start_with(Arc::new(MtprotoFactory::default()), |_| {}).await;
    let mut s = dc.connect().await;
    // An abridged packet of 4 bytes: too short for an auth_key_id.
    within(s.write_all(&[0xef, 1, 2, 3, 4, 5])).await.unwrap();
    assert!(read_to_close(&mut s).await.is_empty());
    assert_eq!(http_get(dc.port(), "/info").await.status, 200);
}

#[tokio::test]
async fn random_bytes_everywhere() {
    let dc = start_with(Arc::new(StrictFactory), |_| {}).await;
    let port = dc.port();
    let mut keeper = dc.connect().await;
    tcp_round_trip(&mut keeper, &[0xef, 0, 0, 0]).await;
    let mut rng = TestRng(0x9e37_79b9_7f4a_7c15);
    for round in 0..150 {
        let len = 1 + (rng.next_u64() % 3000) as usize;
        let mut junk = rng.bytes(len);
        let mut s = dc.connect().await;
        match round % 3 {
            // Raw: anything but the tag the strict handler accepts.
            0 => {
                if junk[0] == 0xef {
                    junk[0] = 0;
                }
            }
            // HTTP words followed by junk.
            1 => {
                let word: &[u8] = [&b"GET "[..], b"HEAD", b"POST", b"OPTI"][round % 4];
                junk.splice(0..0, word.iter().copied());
            }
            // A valid WebSocket handshake, then junk frames.
            _ => {
                s = ws_connect(port, "/apiws").await;
            }
        }
        // Writing may fail once the server has closed: that is fine.
        let _ = within(s.write_all(&junk)).await;
        let _ = s.shutdown().await;
        read_to_close(&mut s).await;
    }
    // Still alive, still serving.
    tcp_round_trip(&mut keeper, b"after the storm").await;
    assert_eq!(http_get(port, "/").await.status, 200);
    drop(keeper);
    dc.wait_active(0).await;
}

#[tokio::test]
async fn malformed_websocket_frames_close_only_that_connection() {
    let dc = start_echo().await;
    let port = dc.port();
    let mut keeper = ws_connect(port, "/apiws").await;
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (vec![0x82, 0x03, 1, 2, 3], close_code::PROTOCOL_ERROR), // unmasked
        (vec![0xf2, 0x80, 0, 0, 0, 0], close_code::PROTOCOL_ERROR), // RSV bits
        (vec![0x80, 0x80, 0, 0, 0, 0], close_code::PROTOCOL_ERROR), // lone continuation
        (vec![0x09, 0x80, 0, 0, 0, 0], close_code::PROTOCOL_ERROR), // fragmented ping
        (vec![0x81, 0x80, 0, 0, 0, 0], close_code::UNSUPPORTED_DATA), // text
        (vec![0x8f, 0x80, 0, 0, 0, 0], close_code::PROTOCOL_ERROR), // reserved opcode
        (
            vec![0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            close_code::MESSAGE_TOO_BIG,
        ),
    ];
    for (bytes, code) in cases {
        let mut s = ws_connect(port, "/apiws").await;
        within(s.write_all(&bytes)).await.unwrap();
        ws_expect_close(&mut s, code).await;
    }
    ws_send(&mut keeper, opcode::BINARY, b"still here", true).await;
    assert_eq!(ws_recv_data(&mut keeper, 10).await, b"still here");
}

#[tokio::test]
async fn abrupt_disconnects_are_cleaned_up() {
    let dc = start_echo().await;
    for _ in 0..20 {
        let mut s = ws_connect(dc.port(), "/apiws").await;
        ws_send(&mut s, opcode::BINARY, &[1; 10], false).await; // half a message
        drop(s);
        let mut t = dc.connect().await;
        within(t.write_all(&[0xef])).await.unwrap();
        drop(t);
        let mut h = dc.connect().await;
        within(h.write_all(b"GET /index.ht")).await.unwrap();
        drop(h);
    }
    dc.wait_active(0).await;
    assert!(dc.dc().connections().is_empty());
}
