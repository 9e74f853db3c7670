//! The MTProto server side of the test DC, driven by a client made of the core's own
//! client pieces (see `common/client.rs`), over raw TCP and WebSocket.

mod common;

use std::sync::Arc;

use common::client::{MtClient, Route, get, name};
use common::{TestDc, start_with};
use mtproto_testdc::MtprotoFactory;
use mtproto_testdc::mtproto::MtprotoOptions;
use mtproto_testdc::mtproto::api::LOGIN_CODE;
use mtproto_wasm::session::SessionEvent;
use mtproto_wasm::tl::mtproto::functions;
use mtproto_wasm::tl::{Object, Serializable, Value};
use mtproto_wasm::transport::{Framing, TransportError};

async fn start() -> (TestDc, Arc<MtprotoFactory>) {
    start_opts(MtprotoOptions::default()).await
}

async fn start_opts(options: MtprotoOptions) -> (TestDc, Arc<MtprotoFactory>) {
    let factory = Arc::new(MtprotoFactory::new(options));
    let dc = start_with(factory.clone(), |_| {}).await;
    (dc, factory)
}

fn nearest() -> Object {
    Object::new("help.getNearestDc")
}

async fn check_nearest(c: &mut MtClient) {
    let v = c.call(nearest()).await.unwrap();
    assert_eq!(name(&v), "nearestDc");
    assert_eq!(get(&v, "country"), &Value::String("XX".into()));
    assert_eq!(get(&v, "this_dc"), &Value::Int(2));
    assert_eq!(get(&v, "nearest_dc"), &Value::Int(2));
}

#[tokio::test]
async fn handshake_and_call_over_every_tcp_framing() {
    let (dc, factory) = start().await;
    let mut n = 0;
    for framing in [
        Framing::Abridged,
        Framing::Intermediate,
        Framing::PaddedIntermediate,
        Framing::Full,
    ] {
        for obfuscated in [false, true] {
            if obfuscated && framing == Framing::Full {
                continue;
            }
            let (mut c, auth) = MtClient::ready(dc.port(), Route::tcp(framing, obfuscated)).await;
            assert_eq!(c.handshake_answers, 3);
            check_nearest(&mut c).await;
            n += 1;
            let state = factory.state();
            let state = state.lock().unwrap();
            assert!(state.keys.contains_key(&auth.auth_key_id), "{framing:?}");
            assert_eq!(state.keys.len(), n);
        }
    }
}

#[tokio::test]
async fn handshake_and_call_over_websocket() {
    let (dc, _) = start().await;
    for (path, framing) in [
        ("/apiws", Framing::Intermediate),
        ("/apiws", Framing::PaddedIntermediate),
        ("/apiws_test", Framing::Abridged),
    ] {
        let route = Route {
            framing,
            obfuscated: true,
            ws: Some(path),
        };
        let (mut c, _) = MtClient::ready(dc.port(), route).await;
        check_nearest(&mut c).await;
    }
}

#[tokio::test]
async fn ping_pong_and_new_session_created() {
    let (dc, _) = start().await;
    let (mut c, auth) = MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, false)).await;
    let ping_id = c.session.as_mut().unwrap().ping();
    check_nearest(&mut c).await;
    // The pong may come after the answer: wait for it.
    while !c
        .events
        .iter()
        .any(|e| matches!(e, SessionEvent::Pong { ping_id: p, .. } if *p == ping_id))
    {
        c.call(nearest()).await.unwrap();
    }
    let news = |c: &MtClient| {
        c.events
            .iter()
            .filter(|e| matches!(e, SessionEvent::NewSessionCreated { .. }))
            .count()
    };
    assert_eq!(news(&c), 1);
    // A second session over the same key, same connection: announced again.
    c.start_session(&auth, |_| {});
    check_nearest(&mut c).await;
    assert_eq!(news(&c), 2);
}

#[tokio::test]
async fn bad_server_salt_is_recovered() {
    let (dc, factory) = start().await;
    let mut c = MtClient::connect(dc.port(), Route::tcp(Framing::Abridged, true)).await;
    let auth = c.handshake().await;
    c.start_session(&auth, |cfg| cfg.server_salt = 0x1234_5678);
    check_nearest(&mut c).await;
    let salt = c.session.as_ref().unwrap().server_salt();
    assert_ne!(salt, 0x1234_5678);
    let state = factory.state();
    let mut state = state.lock().unwrap();
    let key = state.keys.get_mut(&auth.auth_key_id).unwrap();
    assert!(key.salt_ok(salt, (common::client::now_ms() / 1000) as i64));
}

#[tokio::test]
async fn skewed_client_clock_gets_bad_msg_16_and_recovers() {
    let (dc, _) = start().await;
    let mut c = MtClient::connect(dc.port(), Route::tcp(Framing::Intermediate, false)).await;
    let auth = c.handshake().await;
    // Our clock an hour behind: msg_ids too low (bad_msg_notification 16).
    c.start_session(&auth, |cfg| cfg.time_offset_ms = Some(-3_600_000));
    check_nearest(&mut c).await;
    assert!(
        c.events
            .iter()
            .any(|e| matches!(e, SessionEvent::TimeCorrected { .. })),
        "{:?}",
        c.events
    );
}

#[tokio::test]
async fn sign_in_flow_with_the_fixed_code() {
    let (dc, _) = start().await;
    let (mut c, _) =
        MtClient::ready(dc.port(), Route::tcp(Framing::PaddedIntermediate, true)).await;
    let phone = "+99966 12345";
    let me = Object::new("users.getUsers").with(
        "id",
        Value::Vector(vec![Object::new("inputUserSelf").into()]),
    );
    assert_eq!(
        c.call(me.clone()).await.unwrap_err(),
        (401, "AUTH_KEY_UNREGISTERED".into())
    );
    let send_code = Object::new("auth.sendCode")
        .with("phone_number", phone)
        .with("api_id", 1)
        .with("api_hash", "x")
        .with("settings", Object::new("codeSettings"));
    assert_eq!(
        c.call(
            Object::new("auth.sendCode")
                .with("phone_number", "+15550001")
                .with("api_id", 1)
                .with("api_hash", "x")
                .with("settings", Object::new("codeSettings"))
        )
        .await
        .unwrap_err()
        .1,
        "PHONE_NUMBER_INVALID"
    );
    let sent = c.call(send_code.clone()).await.unwrap();
    assert_eq!(name(&sent), "auth.sentCode");
    assert_eq!(name(get(&sent, "type")), "auth.sentCodeTypeApp");
    assert_eq!(get(get(&sent, "type"), "length"), &Value::Int(5));
    let hash = get(&sent, "phone_code_hash").clone();
    let sign_in = |code: &str| {
        Object::new("auth.signIn")
            .with("phone_number", phone)
            .with("phone_code_hash", hash.clone())
            .with("phone_code", code)
    };
    assert_eq!(
        c.call(sign_in("11111")).await.unwrap_err().1,
        "PHONE_CODE_INVALID"
    );
    let r = c.call(sign_in(LOGIN_CODE)).await.unwrap();
    assert_eq!(name(&r), "auth.authorizationSignUpRequired");
    let r = c
        .call(
            Object::new("auth.signUp")
                .with("phone_number", phone)
                .with("phone_code_hash", hash.clone())
                .with("first_name", "Test")
                .with("last_name", "User"),
        )
        .await
        .unwrap();
    assert_eq!(name(&r), "auth.authorization");
    let user = get(&r, "user");
    assert_eq!(get(user, "self"), &Value::Bool(true));
    assert_eq!(get(user, "phone"), &Value::String("9996612345".into()));
    let Value::Vector(users) = c.call(me.clone()).await.unwrap() else {
        panic!("not a vector")
    };
    assert_eq!(users.len(), 1);
    assert_eq!(get(&users[0], "id"), get(user, "id"));
    let username = get(user, "username").clone();
    let full = c
        .call(Object::new("users.getFullUser").with("id", Object::new("inputUserSelf")))
        .await
        .unwrap();
    assert_eq!(name(&full), "users.userFull");
    let resolved = c
        .call(Object::new("contacts.resolveUsername").with("username", username))
        .await
        .unwrap();
    assert_eq!(name(&resolved), "contacts.resolvedPeer");
    let st = c.call(Object::new("updates.getState")).await.unwrap();
    assert_eq!(name(&st), "updates.state");

    // Another key, same phone: the user exists now, signIn signs in directly.
    let (mut c2, _) = MtClient::ready(dc.port(), Route::tcp(Framing::Abridged, false)).await;
    let sent = c2.call(send_code).await.unwrap();
    let r = c2
        .call(
            Object::new("auth.signIn")
                .with("phone_number", phone)
                .with("phone_code_hash", get(&sent, "phone_code_hash").clone())
                .with("phone_code", LOGIN_CODE),
        )
        .await
        .unwrap();
    assert_eq!(name(&r), "auth.authorization");
    assert_eq!(get(get(&r, "user"), "id"), get(user, "id"));
}

#[tokio::test]
async fn dh_config_and_unknown_methods() {
    let (dc, _) = start().await;
    let (mut c, _) = MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    let v = c
        .call(
            Object::new("messages.getDhConfig")
                .with("version", 0)
                .with("random_length", 256),
        )
        .await
        .unwrap();
    assert_eq!(name(&v), "messages.dhConfig");
    assert_eq!(get(&v, "g"), &Value::Int(3));
    let Value::Bytes(p) = get(&v, "p") else {
        panic!()
    };
    assert_eq!(p.len(), 256);
    assert_eq!(&p[..4], &[0xc7, 0x1c, 0xae, 0xb9]);
    let Value::Bytes(r) = get(&v, "random") else {
        panic!()
    };
    assert_eq!(r.len(), 256);
    let v = c
        .call(
            Object::new("messages.getDhConfig")
                .with("version", 1)
                .with("random_length", 16),
        )
        .await
        .unwrap();
    assert_eq!(name(&v), "messages.dhConfigNotModified");
    // A method of the schema the DC does not implement.
    assert_eq!(
        c.call(Object::new("help.getSupport")).await.unwrap_err(),
        (400, "METHOD_INVALID".into())
    );
    // A constructor id no schema knows.
    assert_eq!(
        c.invoke_raw(vec![0xef, 0xbe, 0xad, 0xde])
            .await
            .unwrap_err(),
        (400, "INPUT_METHOD_INVALID".into())
    );
    // help.getConfig decodes with the layer-223 schema.
    let cfg = c
        .call(
            Object::new("invokeWithLayer").with("layer", 223).with(
                "query",
                Object::new("initConnection")
                    .with("api_id", 1)
                    .with("device_model", "test")
                    .with("system_version", "1")
                    .with("app_version", "1")
                    .with("system_lang_code", "en")
                    .with("lang_pack", "")
                    .with("lang_code", "en")
                    .with("query", Object::new("help.getConfig")),
            ),
        )
        .await
        .unwrap();
    assert_eq!(name(&cfg), "config");
    assert_eq!(get(&cfg, "this_dc"), &Value::Int(2));
}

#[tokio::test]
async fn unknown_auth_key_gets_404() {
    let (dc, _) = start().await;
    for obfuscated in [false, true] {
        let mut c =
            MtClient::connect(dc.port(), Route::tcp(Framing::Intermediate, obfuscated)).await;
        let mut packet = 0x1122_3344_5566_7788_u64.to_le_bytes().to_vec();
        packet.extend_from_slice(&[0u8; 72]);
        c.send(&packet).await;
        assert_eq!(c.recv().await, Err(TransportError::ServerError(-404)));
    }
}

#[tokio::test]
async fn ping_delay_disconnect_closes_the_connection() {
    let (dc, _) = start().await;
    let (mut c, _) = MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, false)).await;
    check_nearest(&mut c).await;
    let body = functions::PingDelayDisconnect {
        ping_id: 7,
        disconnect_delay: 1,
    }
    .to_bytes();
    let _ = c
        .session
        .as_mut()
        .unwrap()
        .invoke(body, Default::default())
        .unwrap();
    c.flush().await;
    // The pong, then the close after ~1 s without another ping.
    loop {
        match c.recv().await {
            Ok(_) => continue,
            Err(e) => {
                assert_eq!(e, TransportError::Closed);
                break;
            }
        }
    }
}

#[tokio::test]
async fn dh_gen_retry_once_fault_switch() {
    let (dc, factory) = start_opts(MtprotoOptions {
        dh_gen_retry_once: true,
    })
    .await;
    let (mut c, auth) = MtClient::ready(dc.port(), Route::tcp(Framing::Abridged, false)).await;
    // resPQ, server_DH_params_ok, dh_gen_retry, dh_gen_ok.
    assert_eq!(c.handshake_answers, 4);
    check_nearest(&mut c).await;
    let state = factory.state();
    let state = state.lock().unwrap();
    assert!(state.keys.contains_key(&auth.auth_key_id));
    assert_eq!(state.keys.len(), 1);
}

#[tokio::test]
async fn pushes_reach_the_session_as_updates() {
    let (dc, _) = start().await;
    let (mut c, _) = MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    check_nearest(&mut c).await;
    let conns = dc.dc().connections();
    assert_eq!(conns.len(), 1);
    let body =
        mtproto_wasm::tl::encode_value(&Value::Object(Object::new("updatesTooLong"))).unwrap();
    dc.dc().push(conns[0].0, body.clone()).unwrap();
    loop {
        let frame = c.recv().await.unwrap();
        let s = c.session.as_mut().unwrap();
        s.handle_input(common::client::now_ms(), &frame);
        let mut found = false;
        while let Some(e) = s.poll_event() {
            found |= matches!(e, SessionEvent::Update { body: ref b } if *b == body);
        }
        if found {
            break;
        }
    }
}

#[tokio::test]
async fn temporary_keys_are_stored_with_their_expiry() {
    let (dc, factory) = start().await;
    let mut c = MtClient::connect(dc.port(), Route::tcp(Framing::Abridged, true)).await;
    let auth = c
        .handshake_with(|cfg| cfg.temp_key_expires_in = Some(3600))
        .await;
    assert!(auth.expires_at.is_some());
    c.start_session(&auth, |_| {});
    check_nearest(&mut c).await;
    let state = factory.state();
    let state = state.lock().unwrap();
    let key = &state.keys[&auth.auth_key_id];
    assert_eq!(key.expires_at.map(|e| e - key.created), Some(3600));
}
