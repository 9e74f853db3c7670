//! Each limit of [`mtproto_testdc::Limits`] has a test here (the HTTP head limit is in
//! http.rs).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use mtproto_testdc::ws::{close_code, opcode};
use mtproto_testdc::{EchoFactory, PushError};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn max_connections() {
    let dc = start_with(Arc::new(EchoFactory), |l| l.max_connections = 3).await;
    let mut open = Vec::new();
    for i in 0..3u8 {
        let mut s = dc.connect().await;
        tcp_round_trip(&mut s, &[0xef, i]).await;
        open.push(s);
    }
    // The fourth is accepted by the kernel and closed by the server at once.
    let mut extra = dc.connect().await;
    let _ = extra.write_all(&[0xef, 3]).await;
    assert!(read_to_close(&mut extra).await.is_empty());
    assert_eq!(dc.dc().active_sockets(), 3);
    // One leaves, one more fits.
    drop(open.pop());
    dc.wait_active(2).await;
    let mut again = dc.connect().await;
    tcp_round_trip(&mut again, &[0xef, 4]).await;
}

#[tokio::test]
async fn websocket_message_size() {
    let dc = start_with(Arc::new(EchoFactory), |l| l.max_message = 1024).await;
    let mut s = ws_connect(dc.port(), "/apiws").await;
    ws_send(&mut s, opcode::BINARY, &[5; 1024], true).await;
    assert_eq!(ws_recv_data(&mut s, 1024).await, [5; 1024]);
    // Over the limit in one frame.
    ws_send(&mut s, opcode::BINARY, &[5; 1025], true).await;
    ws_expect_close(&mut s, close_code::MESSAGE_TOO_BIG).await;
    // Over the limit across fragments.
    let mut s = ws_connect(dc.port(), "/apiws").await;
    ws_send(&mut s, opcode::BINARY, &[6; 1000], false).await;
    assert_eq!(ws_recv_data(&mut s, 1000).await.len(), 1000);
    ws_send(&mut s, opcode::CONTINUATION, &[6; 24], false).await;
    assert_eq!(ws_recv_data(&mut s, 24).await.len(), 24);
    ws_send(&mut s, opcode::CONTINUATION, &[6; 1], true).await;
    ws_expect_close(&mut s, close_code::MESSAGE_TOO_BIG).await;
}

#[tokio::test]
async fn default_message_limit_is_16_mib_plus_header() {
    let dc = start_echo().await;
    assert_eq!(dc.dc().limits().max_message, 16 * 1024 * 1024 + 64);
    let mut s = ws_connect(dc.port(), "/apiws").await;
    // Announce 16 MiB + 65 bytes: refused from the header, before any payload.
    let mut frame = vec![0x82, 0xff];
    frame.extend_from_slice(&(16u64 * 1024 * 1024 + 65).to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0, 0]);
    within(s.write_all(&frame)).await.unwrap();
    ws_expect_close(&mut s, close_code::MESSAGE_TOO_BIG).await;
}

#[tokio::test]
async fn slow_reader_is_dropped() {
    let dc = start_with(Arc::new(EchoFactory), |l| l.max_outbox_bytes = 256 * 1024).await;
    let mut reader = dc.connect().await;
    tcp_round_trip(&mut reader, &[0xef]).await;
    let mut s = dc.connect().await;
    // Send echo input and never read the echo: the server's queue for this client grows
    // until it passes the limit, then the server drops the connection and our writes fail.
    let chunk = vec![0xefu8; 64 * 1024];
    let mut sent = 0usize;
    let failed = loop {
        match tokio::time::timeout(STEP, s.write_all(&chunk))
            .await
            .expect("server never dropped the reader")
        {
            Ok(()) => sent += chunk.len(),
            Err(_) => break true,
        }
        if sent > 512 * 1024 * 1024 {
            break false;
        }
    };
    assert!(failed, "the server kept accepting {sent} bytes");
    dc.wait_active(1).await;
    tcp_round_trip(&mut reader, b"fine").await;
}

#[tokio::test]
async fn full_push_queue_drops_the_connection() {
    let dc = start_with(Arc::new(EchoFactory), |l| {
        l.push_queue = 4;
        l.max_outbox_bytes = 64 * 1024;
    })
    .await;
    let mut s = dc.connect().await;
    tcp_round_trip(&mut s, &[0xef]).await;
    let (id, _) = dc.dc().connections()[0];
    // The client reads nothing; every push is 16 KiB. Either the push queue fills
    // (QueueFull) or the outgoing queue passes its bound: both drop the connection.
    let mut outcome = Ok(());
    for _ in 0..100_000 {
        outcome = dc.dc().push(id, vec![1; 16 * 1024]);
        if outcome.is_err() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(
        matches!(outcome, Err(PushError::QueueFull | PushError::NotConnected)),
        "{outcome:?}"
    );
    dc.wait_active(0).await;
    assert_eq!(dc.dc().push(id, vec![1]), Err(PushError::NotConnected));
}

#[tokio::test]
async fn silent_connections_time_out() {
    let dc = start_with(Arc::new(EchoFactory), |l| {
        l.first_byte_timeout = Duration::from_millis(200);
        l.idle_timeout = Duration::from_millis(400);
    })
    .await;
    // Says nothing at all.
    let mut silent = dc.connect().await;
    // Starts an HTTP request and stops (slowloris).
    let mut slow = dc.connect().await;
    within(slow.write_all(b"GET / HTTP/1.1\r\nHost:"))
        .await
        .unwrap();
    // Two bytes that could still become "GET ".
    let mut undecided = dc.connect().await;
    within(undecided.write_all(b"GE")).await.unwrap();
    // An MTProto connection that goes quiet after one packet.
    let mut quiet = dc.connect().await;
    tcp_round_trip(&mut quiet, &[0xef, 1]).await;
    let mut ws = ws_connect(dc.port(), "/apiws").await;
    for s in [&mut silent, &mut slow, &mut undecided, &mut quiet, &mut ws] {
        let rest = read_to_close(s).await;
        assert!(rest.is_empty() || rest.starts_with(&[0x88]), "{rest:?}");
    }
    dc.wait_active(0).await;
}
