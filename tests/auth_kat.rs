//! The client handshake replayed against Telegram's published example, and every check of
//! the security guidelines fed a bad answer built from it. Natively and (wasm-bindgen-test)
//! in a browser.
//!
//! Source: `tests/data/auth_key_sample.json`, <https://core.telegram.org/mtproto/samples-auth_key>
//! (Feb 2024 version). Spec: <https://core.telegram.org/mtproto/auth_key>,
//! <https://core.telegram.org/mtproto/security_guidelines>.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::auth::{
    AuthError, AwaitingDhGen, AwaitingDhParams, AwaitingResPq, DhGenOutcome, HandshakeConfig,
    HandshakeMachine, MAX_DH_RETRIES, p_q_inner_data, pack_plain, unpack_plain,
};
use mtproto_wasm::crypto::{
    AuthKey, CryptoError, DhPrimeCache, FixedRandom, PRODUCTION_KEY_FINGERPRINT, SeededRandom,
    aes_ige_decrypt, aes_ige_encrypt, builtin_keys, mod_pow, rsa_pad_attempt, sha1, sha1_concat,
};
use mtproto_wasm::tl::mtproto::{enums, functions, types};
use mtproto_wasm::tl::{Deserializable, Reader, Serializable};
use serde_json::Value;

fn sample() -> Value {
    serde_json::from_str(include_str!("data/auth_key_sample.json")).unwrap()
}

fn field(name: &str) -> Vec<u8> {
    hex::decode(sample()[name].as_str().unwrap()).unwrap()
}

fn arr<const N: usize>(name: &str) -> [u8; N] {
    field(name).try_into().unwrap()
}

const NOW_MS: u64 = 1_707_425_100_250; // 4.75 s before the sample's server_time

fn nonce() -> [u8; 16] {
    arr("nonce")
}
fn server_nonce() -> [u8; 16] {
    arr("server_nonce")
}
fn new_nonce() -> [u8; 32] {
    arr("new_nonce")
}

fn res_pq() -> Vec<u8> {
    let fps = sample()["fingerprints_in_resPQ_LE_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            i64::from_le_bytes(
                hex::decode(v.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap(),
            )
        })
        .collect();
    types::ResPQ {
        nonce: nonce(),
        server_nonce: server_nonce(),
        pq: field("pq"),
        server_public_key_fingerprints: fps,
    }
    .to_bytes()
}

/// temp_keys for RSA_PAD: candidates until the first that gives a value below the modulus
/// (the published temp_key is unknown), and the encrypted_data that one produces.
fn temp_keys() -> (Vec<u8>, [u8; 256]) {
    let key = &builtin_keys()[0];
    let (inner, padding) = (
        field("p_q_inner_data_dc"),
        field("rsa_pad_random_padding_bytes"),
    );
    let mut used = Vec::new();
    for i in 0u8.. {
        let tk = [i.wrapping_mul(37).wrapping_add(11); 32];
        used.extend_from_slice(&tk);
        if let Some(enc) = rsa_pad_attempt(&inner, &padding, &tk, key).unwrap() {
            return (used, enc);
        }
    }
    unreachable!()
}

/// Every random byte of the sample, in the documented draw order.
fn sample_random() -> Vec<u8> {
    [
        &nonce()[..],
        &new_nonce(),
        &field("rsa_pad_random_padding_bytes"),
        &temp_keys().0,
        &field("b"),
        &field("client_DH_inner_data_padding"),
    ]
    .concat()
}

fn after_res_pq() -> AwaitingDhParams {
    let (s, _) =
        AwaitingResPq::start(HandshakeConfig::new(2), &mut FixedRandom::new(nonce())).unwrap();
    let mut rng = FixedRandom::new(
        [
            &new_nonce()[..],
            &field("rsa_pad_random_padding_bytes"),
            &temp_keys().0,
        ]
        .concat(),
    );
    s.handle(&res_pq(), &mut rng).unwrap().0
}

fn dh_ok(encrypted_answer: Vec<u8>) -> Vec<u8> {
    types::ServerDHParamsOk {
        nonce: nonce(),
        server_nonce: server_nonce(),
        encrypted_answer,
    }
    .to_bytes()
}

fn b_rng() -> FixedRandom {
    FixedRandom::new([field("b"), field("client_DH_inner_data_padding")].concat())
}

fn handle_dh(
    answer: &[u8],
    rng: &mut dyn mtproto_wasm::crypto::RandomSource,
) -> Result<(AwaitingDhGen, Vec<u8>), AuthError> {
    after_res_pq().handle(answer, rng, NOW_MS, &mut DhPrimeCache::new())
}

fn after_dh_params() -> AwaitingDhGen {
    handle_dh(&dh_ok(field("encrypted_answer")), &mut b_rng())
        .unwrap()
        .0
}

/// The sample's server_DH_inner_data.
fn sample_inner() -> types::ServerDHInnerData {
    let mut plain = field("encrypted_answer");
    aes_ige_decrypt(&mut plain, &field("tmp_aes_key"), &field("tmp_aes_iv")).unwrap();
    types::ServerDHInnerData::deserialize(&mut Reader::new(&plain[20..])).unwrap()
}

/// server_DH_params_ok carrying `inner` with a correct hash and `pad` padding bytes.
fn answer_with(inner: &types::ServerDHInnerData, pad: usize) -> Vec<u8> {
    let body = inner.to_bytes();
    let mut data = [&sha1(&body)[..], &body].concat();
    data.resize(data.len() + pad, 0xAB);
    aes_ige_encrypt(&mut data, &field("tmp_aes_key"), &field("tmp_aes_iv")).unwrap();
    dh_ok(data)
}

fn hash_n(n: u8, aux: u64) -> [u8; 16] {
    sha1_concat(&[&new_nonce(), &[n], &aux.to_le_bytes()])[4..]
        .try_into()
        .unwrap()
}

fn sample_aux() -> u64 {
    u64::from_le_bytes(arr("auth_key_aux_hash"))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn inner_data_is_the_samples() {
    let (p, q) = (0x5A30_0D4B, 0x6A26_DB65);
    let config = HandshakeConfig::new(2);
    let inner = p_q_inner_data(
        &config,
        &field("pq"),
        p,
        q,
        &nonce(),
        &server_nonce(),
        &new_nonce(),
    );
    assert_eq!(*inner, field("p_q_inner_data_dc"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn typed_states_reproduce_the_sample() {
    let (s, req) =
        AwaitingResPq::start(HandshakeConfig::new(2), &mut FixedRandom::new(nonce())).unwrap();
    assert_eq!(req, functions::ReqPqMulti { nonce: nonce() }.to_bytes());
    let mut rng = FixedRandom::new(
        [
            &new_nonce()[..],
            &field("rsa_pad_random_padding_bytes"),
            &temp_keys().0,
        ]
        .concat(),
    );
    let (s, req) = s.handle(&res_pq(), &mut rng).unwrap();
    assert_eq!(rng.remaining(), 0);
    let req = functions::ReqDHParams::from_bytes(&req).unwrap();
    assert_eq!((req.p, req.q), (field("p"), field("q")));
    assert_eq!(
        req.public_key_fingerprint as u64,
        PRODUCTION_KEY_FINGERPRINT
    );
    // RSA_PAD of exactly the sample's p_q_inner_data_dc with the sample's padding.
    assert_eq!(req.encrypted_data, temp_keys().1);
    let mut rng = b_rng();
    let (s, set) = s
        .handle(
            &dh_ok(field("encrypted_answer")),
            &mut rng,
            NOW_MS,
            &mut DhPrimeCache::new(),
        )
        .unwrap();
    assert_eq!(rng.remaining(), 0);
    let want = functions::SetClientDHParams {
        nonce: nonce(),
        server_nonce: server_nonce(),
        encrypted_data: field("set_client_DH_params_encrypted_data"),
    };
    assert_eq!(set, want.to_bytes());
    let ok = types::DhGenOk {
        nonce: nonce(),
        server_nonce: server_nonce(),
        new_nonce_hash1: arr("new_nonce_hash1"),
    };
    let DhGenOutcome::Done(r) = s
        .handle(&ok.to_bytes(), &mut FixedRandom::new(vec![]))
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.auth_key.as_bytes()[..], field("auth_key"));
    assert_eq!(
        r.auth_key_id,
        u64::from_le_bytes(arr("auth_key_id_sha1_12_20"))
    );
    assert_eq!(r.auth_key.aux_hash(), sample_aux());
    assert_eq!(r.server_salt.to_le_bytes(), arr::<8>("server_salt_bytes"));
    assert_eq!(
        (r.server_time, r.time_offset, r.expires_at),
        (1_707_425_105, 5, None)
    );
    assert!(!format!("{r:?}").contains("ACA2547B"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn machine_reproduces_the_sample_in_envelopes() {
    let mut rng = FixedRandom::new(sample_random());
    let (mut m, first) =
        HandshakeMachine::start(HandshakeConfig::new(2), &mut rng, NOW_MS).unwrap();
    let (id1, body) = unpack_plain(&first).unwrap();
    assert_eq!((id1 % 4, id1 >> 32), (0, 1_707_425_100));
    assert_eq!(body, functions::ReqPqMulti { nonce: nonce() }.to_bytes());
    let server = |body: &[u8]| pack_plain(0x65C4_F2D1_0000_0001, body);
    let req = m
        .handle(&server(&res_pq()), &mut rng, NOW_MS)
        .unwrap()
        .unwrap();
    let mut padded = server(&dh_ok(field("encrypted_answer")));
    padded.extend([0; 12]); // padded intermediate transport padding
    let set = m.handle(&padded, &mut rng, NOW_MS + 1).unwrap().unwrap();
    let (id3, body) = unpack_plain(&set).unwrap();
    assert!(id3 > unpack_plain(&req).unwrap().0);
    assert_eq!(
        functions::SetClientDHParams::from_bytes(body)
            .unwrap()
            .encrypted_data,
        field("set_client_DH_params_encrypted_data")
    );
    let ok = types::DhGenOk {
        nonce: nonce(),
        server_nonce: server_nonce(),
        new_nonce_hash1: arr("new_nonce_hash1"),
    };
    assert_eq!(
        m.handle(&server(&ok.to_bytes()), &mut rng, NOW_MS).unwrap(),
        None
    );
    assert_eq!(
        m.result().unwrap().auth_key.as_bytes()[..],
        field("auth_key")
    );
    assert_eq!(
        m.handle(&server(&ok.to_bytes()), &mut rng, NOW_MS),
        Err(AuthError::Finished)
    );
    assert!(m.result().is_some());
}

// --- resPQ -------------------------------------------------------------------------------

fn res_pq_error(mutate: impl FnOnce(&mut types::ResPQ)) -> AuthError {
    let enums::ResPQ::ResPQ(mut res) = enums::ResPQ::from_bytes(&res_pq()).unwrap();
    mutate(&mut res);
    let (s, _) =
        AwaitingResPq::start(HandshakeConfig::new(2), &mut FixedRandom::new(nonce())).unwrap();
    s.handle(&res.to_bytes(), &mut SeededRandom::new(1))
        .unwrap_err()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn res_pq_checks() {
    assert_eq!(res_pq_error(|r| r.nonce[0] ^= 1), AuthError::NonceMismatch);
    let e = res_pq_error(|r| r.server_public_key_fingerprints = vec![1, -2]);
    assert_eq!(
        e,
        AuthError::NoTrustedKey {
            fingerprints: vec![1, u64::MAX - 1]
        }
    );
    assert!(e.to_string().contains("0x0000000000000001"), "{e}");
    assert_eq!(
        res_pq_error(|r| r.pq = vec![0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]),
        AuthError::Crypto(CryptoError::PqNotAProduct)
    );
    assert_eq!(res_pq_error(|r| r.pq = vec![1; 9]), AuthError::BadPq);
    assert_eq!(res_pq_error(|r| r.pq = vec![]), AuthError::BadPq);
    let (s, _) =
        AwaitingResPq::start(HandshakeConfig::new(2), &mut FixedRandom::new(nonce())).unwrap();
    let dh = dh_ok(field("encrypted_answer"));
    assert!(matches!(
        s.handle(&dh, &mut SeededRandom::new(1)),
        Err(AuthError::Tl(_))
    ));
}

// --- server_DH_params --------------------------------------------------------------------

fn dh_error(answer: &[u8]) -> AuthError {
    handle_dh(answer, &mut SeededRandom::new(3)).unwrap_err()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn server_dh_params_outer_checks() {
    let ok = |nonce, server_nonce| {
        types::ServerDHParamsOk {
            nonce,
            server_nonce,
            encrypted_answer: field("encrypted_answer"),
        }
        .to_bytes()
    };
    let mut bad = nonce();
    bad[15] ^= 0x80;
    assert_eq!(dh_error(&ok(bad, server_nonce())), AuthError::NonceMismatch);
    assert_eq!(dh_error(&ok(nonce(), bad)), AuthError::ServerNonceMismatch);
    let mut enc = field("encrypted_answer");
    enc.pop();
    assert_eq!(
        dh_error(&dh_ok(enc.clone())),
        AuthError::BadEncryptedAnswerLength(591)
    );
    enc.truncate(16);
    assert_eq!(
        dh_error(&dh_ok(enc)),
        AuthError::BadEncryptedAnswerLength(16)
    );
    // A flipped ciphertext bit garbles the hash (or the TL after it).
    let mut enc = field("encrypted_answer");
    enc[300] ^= 1;
    let e = dh_error(&dh_ok(enc));
    assert!(
        matches!(e, AuthError::AnswerHashMismatch | AuthError::Tl(_)),
        "{e:?}"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn server_dh_params_fail_is_checked_and_reported() {
    let fail = |hash: [u8; 16]| {
        types::ServerDHParamsFail {
            nonce: nonce(),
            server_nonce: server_nonce(),
            new_nonce_hash: hash,
        }
        .to_bytes()
    };
    let good: [u8; 16] = sha1(&new_nonce())[4..].try_into().unwrap();
    assert_eq!(dh_error(&fail(good)), AuthError::DhParamsFail);
    assert_eq!(dh_error(&fail([0; 16])), AuthError::NewNonceHashMismatch);
    let mut f = types::ServerDHParamsFail {
        nonce: nonce(),
        server_nonce: server_nonce(),
        new_nonce_hash: good,
    };
    f.server_nonce[0] ^= 1;
    assert_eq!(dh_error(&f.to_bytes()), AuthError::ServerNonceMismatch);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn answer_hash_covers_exactly_the_inner_data() {
    let inner = sample_inner();
    // A valid re-encryption is accepted (proves the helper), with 0 and 15 padding bytes...
    let len = 20 + inner.to_bytes().len();
    let pad = (16 - len % 16) % 16;
    assert!(handle_dh(&answer_with(&inner, pad), &mut b_rng()).is_ok());
    // ...16 more padding bytes are refused.
    assert_eq!(
        dh_error(&answer_with(&inner, pad + 16)),
        AuthError::AnswerPaddingTooLong(pad + 16)
    );
    // The hash of something else.
    let body = inner.to_bytes();
    let mut data = [&sha1(&body[1..])[..], &body].concat();
    data.resize(data.len().div_ceil(16) * 16, 0);
    aes_ige_encrypt(&mut data, &field("tmp_aes_key"), &field("tmp_aes_iv")).unwrap();
    assert_eq!(dh_error(&dh_ok(data)), AuthError::AnswerHashMismatch);
}

fn inner_error(mutate: impl FnOnce(&mut types::ServerDHInnerData)) -> AuthError {
    let mut inner = sample_inner();
    mutate(&mut inner);
    let len = 20 + inner.to_bytes().len();
    dh_error(&answer_with(&inner, (16 - len % 16) % 16))
}

fn big(bytes: &[u8]) -> num_bigint::BigUint {
    num_bigint::BigUint::from_bytes_be(bytes)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn inner_data_checks() {
    let c = AuthError::Crypto;
    assert_eq!(inner_error(|i| i.nonce[3] ^= 1), AuthError::NonceMismatch);
    assert_eq!(
        inner_error(|i| i.server_nonce[3] ^= 1),
        AuthError::ServerNonceMismatch
    );
    let p = big(&sample_inner().dh_prime);
    // dh_prime: composite (g = 4: no residue condition), not a safe prime, wrong sizes.
    assert_eq!(
        inner_error(|i| {
            i.dh_prime = (&p + 2u32).to_bytes_be();
            i.g = 4
        }),
        c(CryptoError::DhPrimeNotPrime)
    );
    let json: Value = serde_json::from_str(include_str!("data/dh_primes.json")).unwrap();
    let not_safe = hex::decode(json["prime_not_safe"].as_str().unwrap()).unwrap();
    assert_eq!(
        inner_error(|i| {
            i.dh_prime = not_safe;
            i.g = 2
        }),
        c(CryptoError::DhPrimeNotSafe)
    );
    assert_eq!(
        inner_error(|i| i.dh_prime = (&p >> 1u32).to_bytes_be()),
        c(CryptoError::DhPrimeWrongSize)
    );
    assert_eq!(
        inner_error(|i| i.dh_prime = ((&p << 1u32) + 1u32).to_bytes_be()),
        c(CryptoError::DhPrimeWrongSize)
    );
    // g: its residue condition (the sample prime is 3 mod 8: g = 2 fails), and its range.
    assert_eq!(
        inner_error(|i| i.g = 2),
        c(CryptoError::DhGeneratorCondition)
    );
    for g in [-1, 0, 1, 8] {
        assert_eq!(
            inner_error(|i| i.g = g),
            c(CryptoError::DhGeneratorOutOfRange),
            "{g}"
        );
    }
    // g_a: 1, p - 1, and at or just beyond the strict bounds 2^1984 < g_a < p - 2^1984.
    let margin = num_bigint::BigUint::from(1u32) << 1984u32;
    for g_a in [
        vec![1],
        (&p - 1u32).to_bytes_be(),
        (&margin - 1u32).to_bytes_be(),
        margin.to_bytes_be(),
        (&p - &margin).to_bytes_be(),
        (&p - &margin + 1u32).to_bytes_be(),
    ] {
        assert_eq!(
            inner_error(|i| i.g_a = g_a),
            c(CryptoError::DhValueOutOfRange)
        );
    }
}

// --- dh_gen_* ----------------------------------------------------------------------------

fn gen_error(answer: Vec<u8>) -> AuthError {
    after_dh_params().handle(&answer, &mut b_rng()).unwrap_err()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn dh_gen_checks() {
    let (n, sn, aux) = (nonce(), server_nonce(), sample_aux());
    let ok = |nonce, server_nonce, h| {
        types::DhGenOk {
            nonce,
            server_nonce,
            new_nonce_hash1: h,
        }
        .to_bytes()
    };
    assert_eq!(
        gen_error(ok(n, sn, hash_n(2, aux))),
        AuthError::NewNonceHashMismatch
    );
    assert_eq!(
        gen_error(ok(n, sn, [0; 16])),
        AuthError::NewNonceHashMismatch
    );
    let mut bad = n;
    bad[0] ^= 1;
    assert_eq!(
        gen_error(ok(bad, sn, hash_n(1, aux))),
        AuthError::NonceMismatch
    );
    assert_eq!(
        gen_error(ok(n, bad, hash_n(1, aux))),
        AuthError::ServerNonceMismatch
    );
    let fail = |h| {
        types::DhGenFail {
            nonce: n,
            server_nonce: sn,
            new_nonce_hash3: h,
        }
        .to_bytes()
    };
    assert_eq!(gen_error(fail(hash_n(3, aux))), AuthError::DhGenFail);
    assert_eq!(
        gen_error(fail(hash_n(1, aux))),
        AuthError::NewNonceHashMismatch
    );
    let retry = |h| {
        types::DhGenRetry {
            nonce: n,
            server_nonce: sn,
            new_nonce_hash2: h,
        }
        .to_bytes()
    };
    assert_eq!(
        gen_error(retry(hash_n(1, aux))),
        AuthError::NewNonceHashMismatch
    );
    assert!(matches!(gen_error(res_pq()), AuthError::Tl(_)));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn dh_gen_retry_sends_the_previous_aux_hash_and_is_bounded() {
    // Every retry draws the sample's b again, so the key (and new_nonce_hash2) repeat.
    let retry = types::DhGenRetry {
        nonce: nonce(),
        server_nonce: server_nonce(),
        new_nonce_hash2: hash_n(2, sample_aux()),
    }
    .to_bytes();
    let mut state = after_dh_params();
    for n in 1..=MAX_DH_RETRIES {
        let DhGenOutcome::Retry(next, set) = state.handle(&retry, &mut b_rng()).unwrap() else {
            panic!()
        };
        assert_eq!(next.retries(), n);
        let mut data = functions::SetClientDHParams::from_bytes(&set)
            .unwrap()
            .encrypted_data;
        aes_ige_decrypt(&mut data, &field("tmp_aes_key"), &field("tmp_aes_iv")).unwrap();
        let inner = types::ClientDHInnerData::deserialize(&mut Reader::new(&data[20..])).unwrap();
        assert_eq!(inner.retry_id as u64, sample_aux());
        assert_eq!(inner.g_b, field("g_b"));
        state = next;
    }
    assert_eq!(
        state.handle(&retry, &mut b_rng()).unwrap_err(),
        AuthError::TooManyRetries
    );
    // The key itself: g_a^b mod p.
    let key = mod_pow(&sample_inner().g_a, &field("b"), &sample_inner().dh_prime).unwrap();
    assert_eq!(
        AuthKey::from_be_padded(&key).unwrap().aux_hash(),
        sample_aux()
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn machine_closes_on_the_first_error() {
    let mut rng = FixedRandom::new(sample_random());
    let (mut m, _) = HandshakeMachine::start(HandshakeConfig::new(2), &mut rng, NOW_MS).unwrap();
    let e = m.handle(&[0; 10], &mut rng, NOW_MS).unwrap_err();
    assert!(matches!(e, AuthError::BadPlainMessage(_)));
    let again = m
        .handle(&pack_plain(1, &res_pq()), &mut rng, NOW_MS)
        .unwrap_err();
    assert_eq!(again, AuthError::Closed(e.to_string()));
    assert!(
        again
            .to_string()
            .starts_with("handshake closed: bad unencrypted message")
    );
    assert!(m.result().is_none());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hostile_bytes_never_panic() {
    let mut rng = SeededRandom::new(9);
    let answers = [res_pq(), dh_ok(field("encrypted_answer"))];
    for (step, answer) in answers.iter().enumerate() {
        for cut in (0..answer.len()).step_by(7) {
            let mut bytes = answer[..cut].to_vec();
            if cut % 2 == 1 {
                bytes.extend((0..cut % 13).map(|i| i as u8));
            }
            if step == 0 {
                let (s, _) =
                    AwaitingResPq::start(HandshakeConfig::new(2), &mut FixedRandom::new(nonce()))
                        .unwrap();
                assert!(s.handle(&bytes, &mut rng).is_err());
            } else {
                assert!(handle_dh(&bytes, &mut rng).is_err());
            }
        }
    }
    for cut in 0..40 {
        let ok = types::DhGenOk {
            nonce: nonce(),
            server_nonce: server_nonce(),
            new_nonce_hash1: arr("new_nonce_hash1"),
        }
        .to_bytes();
        if cut < ok.len() {
            assert!(after_dh_params().handle(&ok[..cut], &mut rng).is_err());
        }
    }
}
