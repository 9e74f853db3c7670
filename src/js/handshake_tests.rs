//! wasm-bindgen tests of `Handshake` against the sans-IO server, in-process.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::Handshake;
use crate::auth::server::{RsaPrivateKey, ServerConfig, ServerHandshakeMachine};
use crate::crypto::SeededRandom;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = include_str!("../../tests/data/rsa_test_key.json");

fn key_json() -> serde_json::Value {
    serde_json::from_str(KEY).unwrap()
}

fn server() -> ServerHandshakeMachine {
    let j = key_json();
    let h = |k: &str| hex::decode(j[k].as_str().unwrap()).unwrap();
    let key = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap();
    ServerHandshakeMachine::new(ServerConfig::new(vec![key]))
}

fn options(extra: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    let pem = key_json()["pem_pkcs1"].as_str().unwrap().to_string();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&o, &k.into(), v).unwrap();
    set("dcId", &JsValue::from_f64(2.0));
    set("rsaKeys", &Array::of1(&pem.into()).into());
    for (k, v) in extra {
        set(k, v);
    }
    o.into()
}

fn message(e: JsError) -> String {
    js_sys::Error::from(JsValue::from(e)).message().into()
}

fn field(o: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(o, &k.into()).unwrap()
}

/// Runs `hs` against `srv`; returns how many packets the client sent.
fn drive(hs: &mut Handshake, srv: &mut ServerHandshakeMachine) -> usize {
    let mut rng = SeededRandom::new(4);
    let now = js_sys::Date::now() as u64;
    let mut packet = hs.start().unwrap();
    for sent in 1..10 {
        let answer = srv.handle(&packet, &mut rng, now).unwrap();
        let next = hs
            .handle(&Uint8Array::from(answer.as_slice()).into())
            .unwrap();
        if next.is_null() {
            return sent;
        }
        packet = next.dyn_into::<Uint8Array>().unwrap().to_vec();
    }
    panic!("no end");
}

#[wasm_bindgen_test]
fn temporary_key_against_the_server() {
    let mut hs = Handshake::new(&options(&[
        ("testMode", JsValue::TRUE),
        ("tempKeyExpiresIn", JsValue::from_f64(3600.0)),
    ]))
    .unwrap();
    assert!(hs.result().unwrap().is_undefined());
    let mut srv = server();
    assert_eq!(drive(&mut hs, &mut srv), 3);
    assert!(hs.done());
    let r = hs.result().unwrap();
    let s = srv.result().unwrap();
    let key = field(&r, "authKey")
        .dyn_into::<Uint8Array>()
        .unwrap()
        .to_vec();
    assert_eq!(key, s.auth_key.as_bytes());
    assert_eq!(
        u64::try_from(field(&r, "authKeyId")).unwrap(),
        s.auth_key_id
    );
    assert_eq!(
        i64::try_from(field(&r, "serverSalt")).unwrap(),
        s.server_salt
    );
    // The server's clock was read before the client's: 0 or -1 s (a second boundary).
    let offset = field(&r, "timeOffset").as_f64().unwrap();
    assert!((-2.0..=0.0).contains(&offset), "{offset}");
    assert_eq!(
        field(&r, "expiresAt").as_f64(),
        Some((s.server_time + 3600) as f64)
    );
    assert_eq!((s.dc, s.expires_in), (Some(10_002), Some(3600)));
    // After the end: an error, the result stays.
    let e = hs
        .handle(&Uint8Array::new_with_length(30).into())
        .unwrap_err();
    assert!(message(e).contains("already finished"));
    assert!(hs.done());
}

#[wasm_bindgen_test]
fn permanent_key_has_no_expiry() {
    let mut hs = Handshake::new(&options(&[])).unwrap();
    drive(&mut hs, &mut server());
    assert!(field(&hs.result().unwrap(), "expiresAt").is_undefined());
}

#[wasm_bindgen_test]
fn bad_answer_closes_and_order_is_enforced() {
    let mut hs = Handshake::new(&options(&[])).unwrap();
    let e = hs
        .handle(&Uint8Array::new_with_length(32).into())
        .unwrap_err();
    assert!(message(e).contains("call start() first"));
    let first = hs.start().unwrap();
    assert!(message(hs.start().unwrap_err()).contains("already called"));
    assert_eq!(first.len(), 40);
    let e = hs.handle(&JsValue::from_str("x")).unwrap_err();
    assert_eq!(message(e), "packet must be a Uint8Array");
    let e = hs
        .handle(&Uint8Array::new_with_length(32).into())
        .unwrap_err();
    let first_error = message(e);
    assert!(
        first_error.starts_with("bad handshake answer"),
        "{first_error}"
    );
    let e = hs
        .handle(&Uint8Array::new_with_length(32).into())
        .unwrap_err();
    assert_eq!(message(e), format!("handshake closed: {first_error}"));
}

#[wasm_bindgen_test]
fn bad_options_throw() {
    let bad = |o: JsValue| message(Handshake::new(&o).err().unwrap());
    assert!(bad(JsValue::UNDEFINED).contains("options must be an object"));
    assert!(bad(js_sys::Object::new().into()).contains("dcId"));
    assert!(bad(options(&[("dcId", JsValue::from_f64(1.5))])).contains("dcId"));
    assert!(bad(options(&[("dcId", JsValue::from_f64(0.0))])).contains("dcId"));
    assert!(bad(options(&[("testMode", JsValue::from_f64(1.0))])).contains("testMode"));
    assert!(
        bad(options(&[("tempKeyExpiresIn", JsValue::from_f64(0.0))])).contains("tempKeyExpiresIn")
    );
    assert!(bad(options(&[("rsaKeys", JsValue::from_str("pem"))])).contains("array"));
    let keys =
        Array::of1(&"-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----".into());
    assert!(bad(options(&[("rsaKeys", keys.into())])).contains("rsaKeys[0]"));
    // Without the test key the server's fingerprint is unknown.
    let mut hs = Handshake::new(&options(&[("rsaKeys", Array::new().into())])).unwrap();
    let mut srv = server();
    let answer = srv
        .handle(&hs.start().unwrap(), &mut SeededRandom::new(1), 0)
        .unwrap();
    let e = hs
        .handle(&Uint8Array::from(answer.as_slice()).into())
        .unwrap_err();
    assert!(message(e).contains("no trusted RSA key"));
}
