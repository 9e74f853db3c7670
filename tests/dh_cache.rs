//! One dh_prime verdict cache kept by its owner and lent (`&mut`) to every handshake and
//! every secret-chat DH: a prime is tested once, later exchanges reuse the verdict.
//! Natively and (wasm-bindgen-test) in a browser.
//!
//! Spec: <https://core.telegram.org/mtproto/security_guidelines#validation-of-dh-parameters>:
//! "After g and p have been checked by the client, it makes sense to cache the result, so as
//! not to repeat lengthy computations in future." Found by an outside review (issue #19):
//! before, every handshake and every secret chat started from an empty cache.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::auth::server::{RsaPrivateKey, ServerConfig, ServerHandshakeMachine};
use mtproto_wasm::auth::{HandshakeConfig, HandshakeMachine};
use mtproto_wasm::crypto::{DhParams, DhPrimeCache, FixedRandom, RsaPublicKey, SeededRandom};

const NOW: u64 = 1_700_000_000_000;

fn keys() -> (RsaPrivateKey, RsaPublicKey) {
    let j: serde_json::Value =
        serde_json::from_str(include_str!("data/rsa_test_key.json")).unwrap();
    let h = |k: &str| hex::decode(j[k].as_str().unwrap()).unwrap();
    let private = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap();
    let public = RsaPublicKey::from_components(&h("n"), &h("e")).unwrap();
    (private, public)
}

/// One whole handshake against the in-crate server, with `cache` lent to the client.
fn handshake(seed: u64, cache: &mut DhPrimeCache) {
    let (private, public) = keys();
    let mut config = HandshakeConfig::new(2);
    config.rsa_keys.push(public);
    let (mut crng, mut srng) = (SeededRandom::new(seed), SeededRandom::new(seed + 100));
    let (mut client, mut packet) = HandshakeMachine::start(config, &mut crng, NOW).unwrap();
    let mut server = ServerHandshakeMachine::new(ServerConfig::new(vec![private]));
    for _ in 0..4 {
        let answer = server.handle(&packet, &mut srng, NOW).unwrap();
        match client
            .handle_with_cache(&answer, &mut crng, NOW, cache)
            .unwrap()
        {
            Some(next) => packet = next,
            None => break,
        }
    }
    assert!(client.result().is_some(), "the handshake finishes");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_handshakes_lent_one_cache_test_the_prime_once() {
    // Without the known-prime table, so the first handshake must really test the prime.
    let mut cache = DhPrimeCache::without_known_primes();
    assert_eq!(cache.primality_tests_run(), 0);
    handshake(1, &mut cache);
    assert_eq!((cache.primality_tests_run(), cache.len()), (1, 1));
    handshake(2, &mut cache);
    assert_eq!(
        (cache.primality_tests_run(), cache.len()),
        (1, 1),
        "the second handshake reused the verdict"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn secret_chat_dh_configs_reuse_the_verdict_of_a_handshake() {
    let mut cache = DhPrimeCache::without_known_primes();
    handshake(3, &mut cache);
    let json: serde_json::Value = serde_json::from_str(include_str!("data/dh_prime.json")).unwrap();
    let p = hex::decode(json["prime"].as_str().unwrap()).unwrap();
    // messages.getDhConfig answers: no randomness is needed once the verdict is cached.
    for g in [3, 4, 7] {
        DhParams::verify(&p, g, &mut FixedRandom::new(vec![]), &mut cache).unwrap();
    }
    assert_eq!(cache.primality_tests_run(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_machine_started_with_its_own_cache_still_hands_it_back() {
    let mut cache = DhPrimeCache::without_known_primes();
    handshake(4, &mut cache);
    let (mut rng, config) = (SeededRandom::new(5), HandshakeConfig::new(2));
    let (machine, _) = HandshakeMachine::start_with_cache(config, cache, &mut rng, NOW).unwrap();
    let cache = machine.into_cache();
    assert_eq!((cache.primality_tests_run(), cache.len()), (1, 1));
}
