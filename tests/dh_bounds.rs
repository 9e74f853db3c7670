//! g_a and g_b at the exact edges of their range, strict on both sides:
//! 1 < x < dh_prime - 1 and 2^(2048-64) < x < dh_prime - 2^(2048-64). One check
//! (`DhParams::check_public`) serves the handshake's g_a (client), g_b (server side) and
//! both secret-chat values; each path is fed the edge values here (the handshake's g_a also
//! in `tests/auth_kat.rs`). Natively and (wasm-bindgen-test) in a browser.
//!
//! Spec: <https://core.telegram.org/mtproto/security_guidelines#g-a-and-g-b-validation>,
//! <https://core.telegram.org/mtproto/auth_key#dh-key-exchange-complete>. Found by an outside
//! review (issue #19): before, 2^(2048-64) and dh_prime - 2^(2048-64) themselves passed.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::crypto::{CryptoError, DhParams, DhPrimeCache, FixedRandom, SeededRandom};
use mtproto_wasm::secret::{ChatInfo, OutgoingRequest, SecretError, accept_request};
use num_bigint::BigUint;

/// Telegram's dh_prime (tests/data/dh_prime.json), g = 3: in the known-prime table.
fn params() -> DhParams {
    let json: serde_json::Value = serde_json::from_str(include_str!("data/dh_prime.json")).unwrap();
    let p = hex::decode(json["prime"].as_str().unwrap()).unwrap();
    DhParams::verify(
        &p,
        3,
        &mut FixedRandom::new(vec![]),
        &mut DhPrimeCache::new(),
    )
    .unwrap()
}

/// 2^(2048-64) and dh_prime.
fn margin_and_p(params: &DhParams) -> (BigUint, BigUint) {
    (
        BigUint::from(1u32) << (2048 - 64),
        BigUint::from_bytes_be(&params.prime_be()),
    )
}

/// The values just inside the range and those at or beyond its edges.
fn edges(params: &DhParams) -> (Vec<BigUint>, Vec<BigUint>) {
    let (m, p) = margin_and_p(params);
    let inside = vec![&m + 1u32, &p - &m - 1u32, &m << 32u32];
    let outside = vec![
        BigUint::from(0u32),
        BigUint::from(1u32),
        BigUint::from(2u32),
        &m - 1u32,
        m.clone(),
        &p - &m,
        &p - &m + 1u32,
        &p - 2u32,
        &p - 1u32,
        p.clone(),
        &p + 1u32,
    ];
    (inside, outside)
}

/// Big-endian, 256 bytes (as values travel), or shorter when the number needs more.
fn be256(x: &BigUint) -> Vec<u8> {
    let b = x.to_bytes_be();
    let mut v = vec![0u8; 256usize.saturating_sub(b.len())];
    v.extend_from_slice(&b);
    v
}

fn info(creator: bool) -> ChatInfo {
    ChatInfo {
        id: 5,
        access_hash: 6,
        creator,
        peer_id: 7,
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn check_public_is_strict_at_both_edges() {
    let params = params();
    let (inside, outside) = edges(&params);
    for x in &inside {
        assert_eq!(params.check_public(&be256(x)), Ok(()), "{x:x}");
    }
    for x in &outside {
        assert_eq!(
            params.check_public(&be256(x)),
            Err(CryptoError::DhValueOutOfRange),
            "{x:x}"
        );
    }
}

/// The auth key (client: g_a^b; server side: g_b^a) is computed only from a value in range.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn shared_key_refuses_the_edges() {
    let params = params();
    let (inside, outside) = edges(&params);
    let exponent = [0x5Au8; 256];
    for x in &outside {
        assert_eq!(
            params.shared_key(&be256(x), &exponent).unwrap_err(),
            CryptoError::DhValueOutOfRange,
            "{x:x}"
        );
    }
    assert!(params.shared_key(&be256(&inside[0]), &exponent).is_ok());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn secret_chat_values_at_the_edges_are_refused() {
    let params = params();
    let (m, p) = margin_and_p(&params);
    let mut rng = SeededRandom::new(3);
    let refused = Err(SecretError::Crypto(CryptoError::DhValueOutOfRange));
    for x in [m.clone(), &p - &m] {
        // The acceptor checks g_a ...
        let r = accept_request(&params, info(false), &be256(&x), &[0; 256], &mut rng, 1);
        assert_eq!(r.map(|_| ()), refused, "g_a = {x:x}");
        // ... and the creator checks g_b.
        let req = OutgoingRequest::new(&params, &[0; 256], &mut rng).unwrap();
        let r = req.complete(&params, info(true), &be256(&x), 0, 1);
        assert_eq!(r.map(|_| ()), refused, "g_b = {x:x}");
    }
}
