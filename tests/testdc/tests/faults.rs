//! Every fault switch of the test DC (`src/faults.rs`), set through `GET /__faults/NAME/VALUE`
//! and seen from a client made of the core's own pieces.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::client::{MtClient, Route, name, now_ms};
use common::{TestDc, http_get, start_with, within};
use mtproto_testdc::MtprotoFactory;
use mtproto_testdc::mtproto::MtprotoOptions;
use mtproto_wasm::session::{InvokeOptions, SessionEvent};
use mtproto_wasm::tl::{self, Object, Value};
use mtproto_wasm::transport::Framing;

async fn start() -> (TestDc, Arc<MtprotoFactory>) {
    let factory = Arc::new(MtprotoFactory::new(MtprotoOptions::default()));
    let dc = start_with(factory.clone(), |_| {}).await;
    (dc, factory)
}

async fn fault(dc: &TestDc, name: &str, value: &str) -> String {
    let r = http_get(dc.port(), &format!("/__faults/{name}/{value}")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    String::from_utf8(r.body).unwrap()
}

async fn ready(dc: &TestDc) -> MtClient {
    MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, true))
        .await
        .0
}

async fn call_ok(c: &mut MtClient) {
    let v = within(c.call(Object::new("help.getNearestDc")))
        .await
        .unwrap();
    assert_eq!(name(&v), "nearestDc");
}

/// Sends `n` requests at once without waiting.
async fn send_many(c: &mut MtClient, n: usize) -> Vec<mtproto_wasm::session::RequestId> {
    let body = tl::encode_value(&Value::Object(Object::new("help.getNearestDc"))).unwrap();
    let ids = (0..n)
        .map(|_| {
            c.session
                .as_mut()
                .unwrap()
                .invoke(body.clone(), InvokeOptions::default())
                .unwrap()
        })
        .collect();
    c.flush().await;
    ids
}

/// Reads frames until `want` answers came, collecting every event; panics on a closed
/// connection.
async fn collect(c: &mut MtClient, want: usize) -> Vec<SessionEvent> {
    let mut events = Vec::new();
    while events
        .iter()
        .filter(|e| matches!(e, SessionEvent::RpcResult { .. }))
        .count()
        < want
    {
        let frame = within(c.recv()).await.expect("connection closed");
        let s = c.session.as_mut().unwrap();
        s.handle_input(now_ms(), &frame);
        while let Some(e) = s.poll_event() {
            events.push(e);
        }
        c.flush().await;
    }
    events
}

/// The connection closes (after whatever frames were already on their way).
async fn assert_closes(c: &mut MtClient) {
    for _ in 0..16 {
        if within(c.recv()).await.is_err() {
            return;
        }
    }
    panic!("the connection stayed open");
}

#[tokio::test]
async fn unknown_faults_and_bad_values_are_refused() {
    let (dc, _) = start().await;
    assert_eq!(http_get(dc.port(), "/__faults/explode/1").await.status, 400);
    assert_eq!(
        http_get(dc.port(), "/__faults/duplicate/many").await.status,
        400
    );
    let json = fault(&dc, "duplicate", "0").await;
    assert!(json.contains("\"duplicate\":0"), "{json}");
}

#[tokio::test]
async fn duplicated_packets_are_answered_once() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    fault(&dc, "duplicate", "1").await;
    let ids = send_many(&mut c, 1).await;
    let mut events = collect(&mut c, 1).await;
    // Read on until the duplicate has arrived too (the next answer follows it).
    call_ok(&mut c).await;
    events.append(&mut c.events);
    let answers = events
        .iter()
        .filter(|e| matches!(e, SessionEvent::RpcResult { request, .. } if *request == ids[0]))
        .count();
    assert_eq!(answers, 1);
}

#[tokio::test]
async fn a_corrupted_packet_is_dropped_and_the_connection_goes_on() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    fault(&dc, "corrupt", "1").await;
    send_many(&mut c, 1).await;
    let frame = within(c.recv()).await.unwrap();
    let s = c.session.as_mut().unwrap();
    s.handle_input(now_ms(), &frame);
    let mut saw_error = false;
    while let Some(e) = s.poll_event() {
        saw_error |= matches!(e, SessionEvent::ProtocolError { .. });
        assert!(!matches!(e, SessionEvent::RpcResult { .. }));
    }
    assert!(saw_error, "the flipped bit is caught by the msg_key check");
    call_ok(&mut c).await;
}

#[tokio::test]
async fn reordered_packets_all_arrive() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    fault(&dc, "reorder", "1").await;
    let ids = send_many(&mut c, 2).await;
    let events = collect(&mut c, 2).await;
    for id in ids {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, SessionEvent::RpcResult { request, .. } if *request == id))
        );
    }
}

#[tokio::test]
async fn delayed_frames_arrive_late() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    fault(&dc, "delay_ms", "300").await;
    let t0 = Instant::now();
    call_ok(&mut c).await;
    assert!(t0.elapsed() >= Duration::from_millis(300));
    fault(&dc, "delay_ms", "0").await;
    call_ok(&mut c).await;
}

#[tokio::test]
async fn drop_after_frames_closes_after_them() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    fault(&dc, "drop_after_frames", "1").await;
    send_many(&mut c, 1).await;
    assert!(within(c.recv()).await.is_ok(), "the one frame arrives");
    assert!(
        within(c.recv()).await.is_err(),
        "then the connection closes"
    );
}

#[tokio::test]
async fn drop_at_request_closes_without_an_answer() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    fault(&dc, "drop_at_request", "1").await;
    send_many(&mut c, 1).await;
    assert!(within(c.recv()).await.is_err());
}

#[tokio::test]
async fn bad_salt_is_recovered_by_the_session() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    call_ok(&mut c).await;
    fault(&dc, "bad_salt", "1").await;
    call_ok(&mut c).await;
}

#[tokio::test]
async fn a_clock_ten_minutes_off_is_corrected() {
    for offset in ["600", "-600"] {
        let (dc, _) = start().await;
        let mut c = ready(&dc).await;
        fault(&dc, "clock_offset", offset).await;
        call_ok(&mut c).await;
        call_ok(&mut c).await;
    }
}

#[tokio::test]
async fn forgotten_sessions_announce_a_new_session() {
    let (dc, _) = start().await;
    let mut c = ready(&dc).await;
    call_ok(&mut c).await;
    c.events.clear();
    fault(&dc, "forget_sessions", "1").await;
    call_ok(&mut c).await;
    assert!(
        c.events
            .iter()
            .any(|e| matches!(e, SessionEvent::NewSessionCreated { .. })),
        "{:?}",
        c.events
    );
}

#[tokio::test]
async fn restart_closes_connections_and_keeps_keys() {
    let (dc, factory) = start().await;
    let (mut c, auth) = MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    call_ok(&mut c).await;
    fault(&dc, "restart", "1").await;
    assert_closes(&mut c).await;
    assert!(
        factory
            .state()
            .lock()
            .unwrap()
            .keys
            .contains_key(&auth.auth_key_id)
    );
    let mut again = MtClient::connect(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    again.start_session(&auth, |_| {});
    call_ok(&mut again).await;
}

#[tokio::test]
async fn wiped_keys_get_404() {
    let (dc, _) = start().await;
    let (mut c, auth) = MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    call_ok(&mut c).await;
    fault(&dc, "wipe_keys", "1").await;
    assert_closes(&mut c).await;
    let mut again = MtClient::connect(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    again.start_session(&auth, |_| {});
    send_many(&mut again, 1).await;
    let e = within(again.recv()).await.unwrap_err();
    assert!(format!("{e:?}").contains("404"), "{e:?}");
}

#[tokio::test]
async fn secret_message_faults_set_the_relay_counters() {
    let (dc, factory) = start().await;
    fault(&dc, "drop_encrypted_messages", "2").await;
    fault(&dc, "duplicate_encrypted_messages", "3").await;
    fault(&dc, "corrupt_encrypted_messages", "4").await;
    let state = factory.state();
    let s = &state.lock().unwrap().secret;
    assert_eq!(
        (
            s.drop_encrypted_messages,
            s.duplicate_encrypted_messages,
            s.corrupt_encrypted_messages
        ),
        (2, 3, 4)
    );
}
