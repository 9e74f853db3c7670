//! resPQ's pq must be "the product of two different odd prime numbers", split "such that
//! p < q": a square of a prime (p = q) and a product with 2 are refused before anything is
//! sent. The in-crate server side only ever picks such a pq. Natively and
//! (wasm-bindgen-test) in a browser.
//!
//! Spec: <https://core.telegram.org/mtproto/auth_key#dh-exchange-initiation>. Found by an
//! outside review (issue #19): before, pq = 9 (3 * 3) and pq = 2q were accepted.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::auth::server::{RsaPrivateKey, ServerAwaitingReqPq, ServerConfig};
use mtproto_wasm::auth::{AuthError, AwaitingResPq, HandshakeConfig};
use mtproto_wasm::crypto::{FixedRandom, PRODUCTION_KEY_FINGERPRINT, SeededRandom, factorize_pq};
use mtproto_wasm::tl::mtproto::{enums, functions, types};
use mtproto_wasm::tl::{Deserializable, Serializable};

const NONCE: [u8; 16] = [7; 16];

/// The client's answer to a resPQ carrying `pq` (big-endian, minimal bytes).
fn answer_to(pq: u64) -> Result<(), AuthError> {
    let (s, _) =
        AwaitingResPq::start(HandshakeConfig::new(2), &mut FixedRandom::new(NONCE)).unwrap();
    let bytes = pq.to_be_bytes();
    let skip = (pq.leading_zeros() / 8).min(7) as usize;
    let res = types::ResPQ {
        nonce: NONCE,
        server_nonce: [9; 16],
        pq: bytes[skip..].to_vec(),
        server_public_key_fingerprints: vec![PRODUCTION_KEY_FINGERPRINT as i64],
    };
    s.handle(&res.to_bytes(), &mut SeededRandom::new(2))
        .map(|_| ())
}

fn refused(pq: u64, p: u64, q: u64) {
    assert_eq!(
        answer_to(pq),
        Err(AuthError::PqNotDistinctOddPrimes { p, q }),
        "pq = {pq:#x}"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_square_of_a_prime_is_refused() {
    refused(9, 3, 3);
    refused(49, 7, 7);
    refused(0xFFFF_FFFB * 0xFFFF_FFFB, 0xFFFF_FFFB, 0xFFFF_FFFB);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_factor_of_two_is_refused() {
    refused(4, 2, 2);
    refused(6, 2, 3);
    refused(2 * 0x494C_553B, 2, 0x494C_553B);
    refused(2 * 0xFFFF_FFFB, 2, 0xFFFF_FFFB);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_different_odd_primes_still_work() {
    // The spec's example: 17ED48941A08F981 = 494C553B * 53911073.
    assert_eq!(answer_to(0x17ED_4894_1A08_F981), Ok(()));
    assert_eq!(answer_to(15), Ok(()));
    assert_eq!(answer_to(0xFFFF_FFFB * 0xFFFF_FFEF), Ok(()));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_server_side_picks_two_different_odd_primes_below_2_63() {
    let j: serde_json::Value =
        serde_json::from_str(include_str!("data/rsa_test_key.json")).unwrap();
    let h = |k: &str| hex::decode(j[k].as_str().unwrap()).unwrap();
    let key = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap();
    let req = functions::ReqPqMulti { nonce: NONCE }.to_bytes();
    for seed in 0..64 {
        let server = ServerAwaitingReqPq::new(ServerConfig::new(vec![key.clone()]));
        let (_, res) = server.handle(&req, &mut SeededRandom::new(seed)).unwrap();
        let enums::ResPQ::ResPQ(res) = enums::ResPQ::from_bytes(&res).unwrap();
        let pq = u64::from_be_bytes(res.pq.try_into().unwrap());
        assert!(pq < 1 << 63, "{pq:#x}");
        let (p, q) = factorize_pq(pq).unwrap();
        assert!(p < q && p % 2 == 1 && q % 2 == 1, "{p} * {q}");
    }
}
