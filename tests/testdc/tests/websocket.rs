//! WebSocket at /apiws and /apiws_test: the handshake, binary echo, fragmentation,
//! ping/pong, close, and refused handshakes.

mod common;

use common::*;
use mtproto_testdc::TransportKind;
use mtproto_testdc::ws::{close_code, opcode};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn echo_over_apiws_and_apiws_test() {
    let dc = start_echo().await;
    let mut a = ws_connect(dc.port(), "/apiws").await;
    let mut b = ws_connect(dc.port(), "/apiws_test").await;
    ws_send(&mut a, opcode::BINARY, b"hello", true).await;
    assert_eq!(ws_recv(&mut a).await, (opcode::BINARY, b"hello".to_vec()));
    // Sizes around the 7/16/64-bit length forms.
    for len in [0usize, 125, 126, 65535, 65536, 200_000] {
        let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        ws_send(&mut b, opcode::BINARY, &data, true).await;
        assert_eq!(ws_recv_data(&mut b, len).await, data, "{len}");
    }
    let kinds: Vec<_> = dc.dc().connections().into_iter().map(|(_, k)| k).collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&TransportKind::WebSocket { test: false }));
    assert!(kinds.contains(&TransportKind::WebSocket { test: true }));
}

#[tokio::test]
async fn fragments_ping_and_close() {
    let dc = start_echo().await;
    let mut s = ws_connect(dc.port(), "/apiws").await;
    // A fragmented message with a ping between its fragments: the stream bytes arrive in
    // order, the ping is answered with a pong of the same payload.
    ws_send(&mut s, opcode::BINARY, b"abc", false).await;
    assert_eq!(ws_recv_data(&mut s, 3).await, b"abc");
    ws_send(&mut s, opcode::PING, b"p1", true).await;
    assert_eq!(ws_recv(&mut s).await, (opcode::PONG, b"p1".to_vec()));
    ws_send(&mut s, opcode::CONTINUATION, b"def", true).await;
    assert_eq!(ws_recv_data(&mut s, 3).await, b"def");
    ws_send(&mut s, opcode::PONG, b"", true).await;
    ws_send(&mut s, opcode::CLOSE, &1000u16.to_be_bytes(), true).await;
    ws_expect_close(&mut s, close_code::NORMAL).await;
    dc.wait_active(0).await;
}

#[tokio::test]
async fn refused_handshakes() {
    let dc = start_echo().await;
    let port = dc.port();
    // Without the binary subprotocol.
    let r = http_raw(port, upgrade_request("/apiws", None).as_bytes()).await;
    assert_eq!(r.status, 400);
    let r = http_raw(
        port,
        upgrade_request("/apiws", Some("chat, superchat")).as_bytes(),
    )
    .await;
    assert_eq!(r.status, 400);
    // A plain GET on the WebSocket path.
    let r = http_get(port, "/apiws").await;
    assert_eq!(r.status, 426);
    // Wrong version, bad key.
    let req = upgrade_request("/apiws_test", Some("binary")).replace("Version: 13", "Version: 8");
    assert_eq!(http_raw(port, req.as_bytes()).await.status, 426);
    let req =
        upgrade_request("/apiws", Some("binary")).replace("MDEyMzQ1Njc4OWFiY2RlZg==", "short");
    assert_eq!(http_raw(port, req.as_bytes()).await.status, 400);
    // An upgrade elsewhere is just a GET.
    assert_eq!(
        http_raw(port, upgrade_request("/nope", Some("binary")).as_bytes())
            .await
            .status,
        404
    );
    // The accepted one lists several subprotocols.
    let mut s = within(tokio::net::TcpStream::connect(("127.0.0.1", port)))
        .await
        .unwrap();
    within(s.write_all(upgrade_request("/apiws", Some("json, binary")).as_bytes()))
        .await
        .unwrap();
    let head = read_head(&mut s).await;
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
}

async fn read_head(s: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        within(s.read_exact(&mut b)).await.unwrap();
        head.push(b[0]);
    }
    String::from_utf8(head).unwrap()
}

#[tokio::test]
async fn frames_in_the_same_packet_as_the_upgrade() {
    // A client may send its first frame right behind the request head.
    let dc = start_echo().await;
    let mut s = within(tokio::net::TcpStream::connect(("127.0.0.1", dc.port())))
        .await
        .unwrap();
    let mut bytes = upgrade_request("/apiws", Some("binary")).into_bytes();
    mtproto_testdc::ws::encode_client_frame(&mut bytes, opcode::BINARY, b"early", [1, 2, 3, 4]);
    within(s.write_all(&bytes)).await.unwrap();
    read_head(&mut s).await;
    assert_eq!(ws_recv(&mut s).await, (opcode::BINARY, b"early".to_vec()));
}

#[tokio::test]
async fn push_reaches_a_connection() {
    let dc = start_echo().await;
    let mut s = ws_connect(dc.port(), "/apiws").await;
    ws_send(&mut s, opcode::BINARY, b"x", true).await;
    ws_recv_data(&mut s, 1).await; // registered for sure
    let (id, _) = dc.dc().connections()[0];
    dc.dc().push(id, b"update".to_vec()).unwrap();
    assert_eq!(ws_recv(&mut s).await, (opcode::BINARY, b"update".to_vec()));
    assert_eq!(
        dc.dc().push(mtproto_testdc::ConnId(9999), b"x".to_vec()),
        Err(mtproto_testdc::PushError::NotConnected)
    );
    assert!(dc.dc().close(id));
    assert!(read_to_close(&mut s).await.is_empty());
}
