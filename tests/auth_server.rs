//! The client handshake against the sans-IO server side (`auth::server`), in memory:
//! permanent and temporary keys, test-DC numbering, dh_gen_retry, the configured failures,
//! an extra trusted PEM key, and the legacy (pre-RSA_PAD) encryption older clients use.
//! Natively and (wasm-bindgen-test) in a browser.
//!
//! Key: `tests/data/rsa_test_key.json`, a throwaway key pair made for these tests.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::auth::server::{
    DhGenMode, RsaPrivateKey, ServerAwaitingReqPq, ServerConfig, ServerDhParamsOutcome,
    ServerHandshakeMachine,
};
use mtproto_wasm::auth::{AuthError, HandshakeConfig, HandshakeMachine, unpack_plain};
use mtproto_wasm::crypto::{RsaPublicKey, SeededRandom, builtin_keys, mod_pow, sha1};
use mtproto_wasm::tl::Serializable;
use mtproto_wasm::tl::mtproto::{enums, functions, types};
use serde_json::Value;

fn test_key_json() -> Value {
    serde_json::from_str(include_str!("data/rsa_test_key.json")).unwrap()
}

fn test_key() -> RsaPrivateKey {
    let j = test_key_json();
    let h = |k: &str| hex::decode(j[k].as_str().unwrap()).unwrap();
    RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap()
}

fn test_pem() -> String {
    test_key_json()["pem_pkcs1"].as_str().unwrap().to_string()
}

fn client_config(dc: i32) -> HandshakeConfig {
    let mut c = HandshakeConfig::new(dc);
    c.rsa_keys
        .push(RsaPublicKey::from_pem(&test_pem()).unwrap());
    c
}

const NOW: u64 = 1_700_000_000_000;

/// Runs a handshake to the end; returns the client's and the server's machines, or the
/// first error (from either side).
fn run(
    client: HandshakeConfig,
    server: ServerConfig,
    seed: u64,
) -> Result<(HandshakeMachine, ServerHandshakeMachine), AuthError> {
    let mut crng = SeededRandom::new(seed);
    let mut srng = SeededRandom::new(seed + 1000);
    let (mut c, mut packet) = HandshakeMachine::start(client, &mut crng, NOW)?;
    let mut s = ServerHandshakeMachine::new(server);
    for _ in 0..10 {
        let answer = s.handle(&packet, &mut srng, NOW + 3_000)?;
        match c.handle(&answer, &mut crng, NOW + 10)? {
            Some(next) => packet = next,
            None => return Ok((c, s)),
        }
    }
    panic!("handshake did not end");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn permanent_key_on_a_test_dc() {
    let mut config = client_config(2);
    config.test_mode = true;
    let (c, s) = run(config, ServerConfig::new(vec![test_key()]), 1).unwrap();
    let (c, s) = (c.result().unwrap(), s.result().unwrap());
    assert_eq!(c.auth_key.as_bytes(), s.auth_key.as_bytes());
    assert_eq!(
        (c.auth_key_id, c.server_salt),
        (s.auth_key_id, s.server_salt)
    );
    assert_eq!(s.dc, Some(10_002));
    assert_eq!((s.expires_in, c.expires_at), (None, None));
    assert_eq!((c.time_offset, c.server_time), (3, 1_700_000_003));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn temporary_key_and_media_dc() {
    let mut config = client_config(-4);
    config.temp_key_expires_in = Some(86_400);
    config.test_mode = true;
    let (c, s) = run(config, ServerConfig::new(vec![test_key()]), 2).unwrap();
    let (c, s) = (c.result().unwrap(), s.result().unwrap());
    assert_eq!((s.dc, s.expires_in), (Some(-10_004), Some(86_400)));
    assert_eq!(c.expires_at, Some(1_700_000_003 + 86_400));
    assert_eq!(c.auth_key.as_bytes(), s.auth_key.as_bytes());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn retry_once_then_ok() {
    let mut server = ServerConfig::new(vec![test_key()]);
    server.dh_gen = DhGenMode::RetryOnce;
    server.extra_fingerprints = vec![7, 8];
    let (c, s) = run(client_config(1), server, 3).unwrap();
    assert_eq!(
        c.result().unwrap().auth_key.as_bytes(),
        s.result().unwrap().auth_key.as_bytes()
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn configured_failures_reach_the_client() {
    let mut server = ServerConfig::new(vec![test_key()]);
    server.fail_dh_params = true;
    let e = run(client_config(1), server, 4).unwrap_err();
    assert_eq!(e, AuthError::DhParamsFail);
    let mut server = ServerConfig::new(vec![test_key()]);
    server.dh_gen = DhGenMode::Fail;
    assert_eq!(
        run(client_config(1), server, 5).unwrap_err(),
        AuthError::DhGenFail
    );
    // Only built-in keys trusted: the test server's key is not among them.
    let e = run(
        HandshakeConfig::new(1),
        ServerConfig::new(vec![test_key()]),
        6,
    )
    .unwrap_err();
    assert!(matches!(e, AuthError::NoTrustedKey { .. }), "{e:?}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn server_rejects_bad_client_messages() {
    let mut crng = SeededRandom::new(7);
    let mut srng = SeededRandom::new(8);
    let (mut c, first) = HandshakeMachine::start(client_config(2), &mut crng, NOW).unwrap();
    let mut s = ServerHandshakeMachine::new(ServerConfig::new(vec![test_key()]));
    let res = s.handle(&first, &mut srng, NOW).unwrap();
    let req = c.handle(&res, &mut crng, NOW).unwrap().unwrap();
    // A corrupted encrypted_data: the server refuses it and closes.
    let mut bad = req.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let e = s.handle(&bad, &mut srng, NOW).unwrap_err();
    assert!(matches!(e, AuthError::BadClientMessage(_)), "{e:?}");
    assert!(matches!(
        s.handle(&req, &mut srng, NOW),
        Err(AuthError::Closed(_))
    ));
}

/// The legacy scheme: data_with_hash = SHA1(data) + data + padding to 255 bytes, raw RSA.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn server_accepts_legacy_p_q_inner_data() {
    let mut rng = SeededRandom::new(9);
    let key = test_key();
    let server = ServerAwaitingReqPq::new(ServerConfig::new(vec![key.clone()]));
    let nonce = [5u8; 16];
    let (server, res) = server
        .handle(&functions::ReqPq { nonce }.to_bytes(), &mut rng)
        .unwrap();
    let enums::ResPQ::ResPQ(res) =
        <enums::ResPQ as mtproto_wasm::tl::Deserializable>::from_bytes(&res).unwrap();
    let pq = u64::from_be_bytes(res.pq.clone().try_into().unwrap());
    let (p, q) = mtproto_wasm::crypto::factorize_pq(pq).unwrap();
    let (p, q) = (p.to_be_bytes().to_vec(), q.to_be_bytes().to_vec());
    let data = types::PQInnerData {
        pq: res.pq.clone(),
        p: p[4..].to_vec(),
        q: q[4..].to_vec(),
        nonce,
        server_nonce: res.server_nonce,
        new_nonce: [9; 32],
    }
    .to_bytes();
    let mut with_hash = [&sha1(&data)[..], &data].concat();
    with_hash.resize(255, 0x3C);
    let n = key.public().n_be();
    let encrypted_data = mod_pow(&with_hash, &key.public().e_be(), &n).unwrap();
    let req = functions::ReqDHParams {
        nonce,
        server_nonce: res.server_nonce,
        p: p[4..].to_vec(),
        q: q[4..].to_vec(),
        public_key_fingerprint: key.fingerprint() as i64,
        encrypted_data,
    };
    let (next, answer) = server.handle(&req.to_bytes(), &mut rng, NOW).unwrap();
    assert!(matches!(next, ServerDhParamsOutcome::Continue(_)));
    let ok = <enums::ServerDHParams as mtproto_wasm::tl::Deserializable>::from_bytes(&answer);
    assert!(matches!(ok, Ok(enums::ServerDHParams::ServerDHParamsOk(_))));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn answers_are_plain_server_messages() {
    let mut rng = SeededRandom::new(10);
    let (_, first) = HandshakeMachine::start(client_config(2), &mut rng, NOW).unwrap();
    let mut s = ServerHandshakeMachine::new(ServerConfig::new(vec![test_key()]));
    let res = s.handle(&first, &mut rng, NOW).unwrap();
    let (msg_id, body) = unpack_plain(&res).unwrap();
    assert_eq!(msg_id % 4, 1);
    let enums::ResPQ::ResPQ(r) =
        <enums::ResPQ as mtproto_wasm::tl::Deserializable>::from_bytes(body).unwrap();
    assert_eq!(
        r.server_public_key_fingerprints,
        [test_key().fingerprint() as i64]
    );
    assert!(
        builtin_keys()
            .iter()
            .all(|k| k.fingerprint() != test_key().fingerprint())
    );
}
