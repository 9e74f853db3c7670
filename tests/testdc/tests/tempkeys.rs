//! auth.bindTempAuthKey on the test DC: a temporary key bound to a permanent one acts for
//! the permanent key's user; every error of the method page.

mod common;

use std::sync::Arc;

use common::client::{MtClient, RawSession, Route, now_ms};
use common::{TestDc, start_with};
use mtproto_testdc::MtprotoFactory;
use mtproto_testdc::mtproto::MtprotoOptions;
use mtproto_wasm::auth::AuthResult;
use mtproto_wasm::auth::bind::{BindInner, build_bind_message};
use mtproto_wasm::tl::mtproto::types::RpcResult;
use mtproto_wasm::tl::{self, Deserializable, Object, Value};
use mtproto_wasm::transport::Framing;

async fn start() -> TestDc {
    start_with(
        Arc::new(MtprotoFactory::new(MtprotoOptions::default())),
        |_| {},
    )
    .await
}

async fn temp_session(dc: &TestDc) -> (RawSession, AuthResult) {
    let mut conn = MtClient::connect(dc.port(), Route::tcp(Framing::Intermediate, false)).await;
    let auth = conn
        .handshake_with(|h| h.temp_key_expires_in = Some(3600))
        .await;
    let raw = RawSession::over(conn, &auth);
    (raw, auth)
}

/// Sends `method` over the raw session with msg_id `msg_id`; the decoded result or the
/// rpc_error message.
async fn call_raw(
    raw: &mut RawSession,
    msg_id: i64,
    name: &str,
    method: Object,
) -> Result<Value, String> {
    let body = tl::encode_value(&Value::Object(method)).unwrap();
    let seq = raw.seq(true);
    raw.send_raw(msg_id, seq, &body).await;
    let mut seen = Vec::new();
    let (_, reply) = raw.expect(RpcResult::CONSTRUCTOR_ID, &mut seen).await;
    let r = RpcResult::from_bytes(&reply).unwrap();
    assert_eq!(r.req_msg_id, msg_id);
    let decoded = if r.result.get(..4) == Some(&0x2144_ca19u32.to_le_bytes()[..]) {
        tl::decode_value(&r.result).unwrap()
    } else {
        tl::decode_result(name, &r.result).unwrap()
    };
    match decoded {
        Value::Object(o) if o.name == "rpc_error" => match o.get("error_message") {
            Some(Value::String(m)) => Err(m.clone()),
            other => panic!("{other:?}"),
        },
        v => Ok(v),
    }
}

fn bind_request(
    perm: &AuthResult,
    temp: &AuthResult,
    raw: &RawSession,
    msg_id: i64,
    nonce: i64,
    tweak: impl FnOnce(&mut BindInner),
) -> Object {
    let expires_at = (now_ms() / 1000) as i32 + 3600;
    let mut inner = BindInner {
        nonce,
        temp_auth_key_id: temp.auth_key_id as i64,
        perm_auth_key_id: perm.auth_key_id as i64,
        temp_session_id: raw.session_id as i64,
        expires_at,
    };
    tweak(&mut inner);
    let encrypted = build_bind_message(&perm.auth_key, &inner, msg_id, &[7; 16], &[9; 8]).unwrap();
    Object::new("auth.bindTempAuthKey")
        .with("perm_auth_key_id", perm.auth_key_id as i64)
        .with("nonce", nonce)
        .with("expires_at", expires_at)
        .with("encrypted_message", encrypted)
}

#[tokio::test]
async fn a_bound_temp_key_acts_for_the_permanent_keys_user() {
    let dc = start().await;
    let (mut perm_conn, perm) =
        MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    let sent = perm_conn
        .call(
            Object::new("auth.sendCode")
                .with("phone_number", "9996640001")
                .with("api_id", 1)
                .with("api_hash", "x")
                .with("settings", Object::new("codeSettings")),
        )
        .await
        .unwrap();
    let hash = sent
        .as_object()
        .unwrap()
        .get("phone_code_hash")
        .unwrap()
        .clone();
    perm_conn
        .call(
            Object::new("auth.signUp")
                .with("phone_number", "9996640001")
                .with("phone_code_hash", hash)
                .with("first_name", "Perm")
                .with("last_name", ""),
        )
        .await
        .unwrap();

    let (mut raw, temp) = temp_session(&dc).await;
    let me = || {
        Object::new("users.getUsers").with(
            "id",
            Value::Vector(vec![Object::new("inputUserSelf").into()]),
        )
    };
    let id = raw.msg_id();
    assert_eq!(
        call_raw(&mut raw, id, "users.getUsers", me())
            .await
            .unwrap_err(),
        "AUTH_KEY_UNREGISTERED"
    );

    // A wrong nonce inside the encrypted message.
    let id = raw.msg_id();
    let bad = bind_request(&perm, &temp, &raw, id, 5, |i| i.nonce = 6);
    assert_eq!(
        call_raw(&mut raw, id, "auth.bindTempAuthKey", bad)
            .await
            .unwrap_err(),
        "ENCRYPTED_MESSAGE_INVALID"
    );
    // The inner msg_id must be the outer one.
    let id = raw.msg_id();
    let other = bind_request(&perm, &temp, &raw, id + 4, 5, |_| {});
    assert_eq!(
        call_raw(&mut raw, id, "auth.bindTempAuthKey", other)
            .await
            .unwrap_err(),
        "ENCRYPTED_MESSAGE_INVALID"
    );
    // Another session id.
    let id = raw.msg_id();
    let bad = bind_request(&perm, &temp, &raw, id, 5, |i| i.temp_session_id ^= 1);
    assert_eq!(
        call_raw(&mut raw, id, "auth.bindTempAuthKey", bad)
            .await
            .unwrap_err(),
        "ENCRYPTED_MESSAGE_INVALID"
    );

    let id = raw.msg_id();
    let good = bind_request(&perm, &temp, &raw, id, 5, |_| {});
    assert_eq!(
        call_raw(&mut raw, id, "auth.bindTempAuthKey", good)
            .await
            .unwrap(),
        Value::Bool(true)
    );
    let id = raw.msg_id();
    let Value::Vector(users) = call_raw(&mut raw, id, "users.getUsers", me())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        users.len(),
        1,
        "the temporary key now acts for the permanent key's user"
    );

    let id = raw.msg_id();
    let again = bind_request(&perm, &temp, &raw, id, 7, |_| {});
    assert_eq!(
        call_raw(&mut raw, id, "auth.bindTempAuthKey", again)
            .await
            .unwrap_err(),
        "TEMP_AUTH_KEY_ALREADY_BOUND"
    );
}

#[tokio::test]
async fn binding_needs_a_temporary_key_and_a_known_permanent_key() {
    let dc = start().await;
    let mut conn = MtClient::connect(dc.port(), Route::tcp(Framing::Intermediate, false)).await;
    let perm = conn.handshake().await;
    let mut raw = RawSession::over(conn, &perm);
    // Over the permanent key itself.
    let id = raw.msg_id();
    let req = bind_request(&perm, &perm, &raw, id, 1, |_| {});
    assert_eq!(
        call_raw(&mut raw, id, "auth.bindTempAuthKey", req)
            .await
            .unwrap_err(),
        "TEMP_AUTH_KEY_EMPTY"
    );
    // To a permanent key the DC does not know.
    let (mut raw, temp) = temp_session(&dc).await;
    let unknown = AuthResult {
        auth_key_id: perm.auth_key_id ^ 1,
        ..perm.clone()
    };
    let id = raw.msg_id();
    let req = bind_request(&unknown, &temp, &raw, id, 1, |_| {});
    assert_eq!(
        call_raw(&mut raw, id, "auth.bindTempAuthKey", req)
            .await
            .unwrap_err(),
        "TEMP_AUTH_KEY_EMPTY"
    );
}

#[tokio::test]
async fn the_refuse_binds_switch_refuses_that_many_binds_and_counts_keys() {
    let dc = start().await;
    let status = || async {
        let r = common::http_get(dc.port(), "/__faults/status/0").await;
        assert_eq!(r.status, 200);
        String::from_utf8(r.body).unwrap()
    };
    assert!(status().await.contains("\"auth_keys_made\":0"));
    let mut conn = MtClient::connect(dc.port(), Route::tcp(Framing::Intermediate, false)).await;
    let perm = conn.handshake().await;
    drop(conn);
    let r = common::http_get(dc.port(), "/__faults/refuse_binds/1").await;
    let json = String::from_utf8(r.body).unwrap();
    assert!(json.contains("\"refuse_binds\":1"), "{json}");
    let (mut raw, temp) = temp_session(&dc).await;
    let json = status().await;
    assert!(json.contains("\"auth_keys_made\":2"), "{json}");
    // A valid bind, refused once by the switch, then accepted.
    for want in [
        Err("TEMP_AUTH_KEY_ALREADY_BOUND".to_string()),
        Ok(Value::Bool(true)),
    ] {
        let id = raw.msg_id();
        let good = bind_request(&perm, &temp, &raw, id, 5, |_| {});
        assert_eq!(
            call_raw(&mut raw, id, "auth.bindTempAuthKey", good).await,
            want
        );
    }
    assert!(status().await.contains("\"refuse_binds\":0"));
}
