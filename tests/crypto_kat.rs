//! Known-answer tests of the crypto layer, natively and (wasm-bindgen-test) in a browser.
//!
//! Sources (named in each file's `about`):
//! - `tests/data/auth_key_sample.json`: Telegram's published handshake example,
//!   <https://core.telegram.org/mtproto/samples-auth_key> (Feb 2024 version);
//! - `tests/data/aes.json`: AES-256-IGE / AES-256-CTR vectors (tgcrypto, cryptg, ECB reference);
//! - `tests/data/dh_primes.json`: a prime that is not a safe prime, made for these tests.
//!
//! Spec pages: <https://core.telegram.org/mtproto/auth_key>,
//! <https://core.telegram.org/mtproto/security_guidelines>.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::crypto::{
    AesCtr256, AuthKey, CryptoError, DhParams, DhPrimeCache, FixedRandom,
    PRODUCTION_KEY_FINGERPRINT, RSA_PAD_MAX_DATA, RandomSource, SeededRandom, aes_ige_decrypt,
    aes_ige_encrypt, builtin_keys, factorize_pq, find_key, mod_pow, sha1, sha1_concat,
};
use num_bigint::BigUint;
use num_traits::One;
use serde_json::Value;

fn sample() -> Value {
    serde_json::from_str(include_str!("data/auth_key_sample.json")).unwrap()
}

fn aes_vectors() -> Value {
    serde_json::from_str(include_str!("data/aes.json")).unwrap()
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn field(name: &str) -> Vec<u8> {
    unhex(&sample()[name])
}

fn no_rng() -> FixedRandom {
    FixedRandom::new(vec![])
}

fn num(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

fn pow2(e: u32) -> BigUint {
    BigUint::one() << e
}

/// tmp_aes_key and tmp_aes_iv from new_nonce and server_nonce (auth_key, step 5):
/// key = SHA1(new_nonce + server_nonce) + substr(SHA1(server_nonce + new_nonce), 0, 12);
/// iv = substr(SHA1(server_nonce + new_nonce), 12, 8) + SHA1(new_nonce + new_nonce)
///      + substr(new_nonce, 0, 4).
fn tmp_aes_key_iv() -> (Vec<u8>, Vec<u8>) {
    let (new_nonce, server_nonce) = (field("new_nonce"), field("server_nonce"));
    let ns = sha1_concat(&[&new_nonce, &server_nonce]);
    let sn = sha1_concat(&[&server_nonce, &new_nonce]);
    let nn = sha1_concat(&[&new_nonce, &new_nonce]);
    let key = [&ns[..], &sn[..12]].concat();
    let iv = [&sn[12..], &nn[..], &new_nonce[..4]].concat();
    (key, iv)
}

/// A TL `bytes` value at `*at`; advances past it and its padding.
fn read_tl_bytes(data: &[u8], at: &mut usize) -> Vec<u8> {
    let (len, header) = match data[*at] {
        254 => (
            usize::from(data[*at + 1])
                | usize::from(data[*at + 2]) << 8
                | usize::from(data[*at + 3]) << 16,
            4,
        ),
        n => (usize::from(n), 1),
    };
    let value = data[*at + header..*at + header + len].to_vec();
    *at += (header + len).div_ceil(4) * 4;
    value
}

/// server_DH_inner_data#b5890dba nonce:int128 server_nonce:int128 g:int dh_prime:string
/// g_a:string server_time:int, parsed from the decrypted answer (after its 20-byte hash).
struct ServerDhInner {
    nonce: Vec<u8>,
    server_nonce: Vec<u8>,
    g: u32,
    dh_prime: Vec<u8>,
    g_a: Vec<u8>,
    server_time: i32,
    len: usize,
}

fn decrypted_answer() -> Vec<u8> {
    let (key, iv) = tmp_aes_key_iv();
    let mut answer = field("encrypted_answer");
    aes_ige_decrypt(&mut answer, &key, &iv).unwrap();
    answer
}

fn server_dh_inner() -> ServerDhInner {
    let answer = decrypted_answer();
    let body = &answer[20..];
    assert_eq!(body[..4], 0xb589_0dbau32.to_le_bytes());
    let mut at = 4 + 16 + 16 + 4;
    let g = u32::from_le_bytes(body[36..40].try_into().unwrap());
    let dh_prime = read_tl_bytes(body, &mut at);
    let g_a = read_tl_bytes(body, &mut at);
    let server_time = i32::from_le_bytes(body[at..at + 4].try_into().unwrap());
    ServerDhInner {
        nonce: body[4..20].to_vec(),
        server_nonce: body[20..36].to_vec(),
        g,
        dh_prime,
        g_a,
        server_time,
        len: at + 4,
    }
}

fn sample_params() -> DhParams {
    let inner = server_dh_inner();
    DhParams::verify(
        &inner.dh_prime,
        inner.g,
        &mut no_rng(),
        &mut DhPrimeCache::new(),
    )
    .unwrap()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn aes_ige_vectors() {
    for v in aes_vectors()["ige_encrypt"].as_array().unwrap() {
        let (key, iv) = (unhex(&v["key"]), unhex(&v["iv"]));
        let (plain, cipher) = (unhex(&v["plaintext"]), unhex(&v["ciphertext"]));
        let mut data = plain.clone();
        aes_ige_encrypt(&mut data, &key, &iv).unwrap();
        assert_eq!(data, cipher);
        aes_ige_decrypt(&mut data, &key, &iv).unwrap();
        assert_eq!(data, plain);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn aes_ctr_vectors_split_anywhere() {
    for v in aes_vectors()["ctr"].as_array().unwrap() {
        let (key, iv) = (unhex(&v["key"]), unhex(&v["iv"]));
        let (plain, cipher) = (unhex(&v["plaintext"]), unhex(&v["ciphertext"]));
        for split in [0, 1, 15, 16, 17, 31, 32, 33, plain.len()] {
            let mut data = plain.clone();
            let mut ctr = AesCtr256::new(&key, &iv).unwrap();
            let (a, b) = data.split_at_mut(split);
            ctr.apply(a);
            ctr.apply(b);
            assert_eq!(data, cipher, "encrypt, split at {split}");
            let mut ctr = AesCtr256::new(&key, &iv).unwrap();
            let (a, b) = data.split_at_mut(split);
            ctr.apply(a);
            ctr.apply(b);
            assert_eq!(data, plain, "decrypt, split at {split}");
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn pq_splits_into_p_and_q() {
    let be64 = |name: &str| {
        let b = field(name);
        b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x))
    };
    let (pq, p, q) = (be64("pq"), be64("p"), be64("q"));
    assert_eq!(p * q, pq);
    assert_eq!(factorize_pq(pq), Ok((p, q)));
    // p_q_inner_data_dc carries pq, p and q as TL strings, and fits RSA_PAD.
    let inner = field("p_q_inner_data_dc");
    assert!(inner.len() <= RSA_PAD_MAX_DATA);
    let mut at = 4;
    assert_eq!(read_tl_bytes(&inner, &mut at), field("pq"));
    assert_eq!(read_tl_bytes(&inner, &mut at), field("p"));
    assert_eq!(read_tl_bytes(&inner, &mut at), field("q"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn server_key_fingerprint_and_rsa_pad_output() {
    let fingerprints: Vec<u64> = sample()["fingerprints_in_resPQ_LE_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| u64::from_le_bytes(unhex(f).try_into().unwrap()))
        .collect();
    assert!(fingerprints.contains(&PRODUCTION_KEY_FINGERPRINT));
    let keys = builtin_keys();
    let key = find_key(&keys, &fingerprints).unwrap();
    assert_eq!(key.fingerprint(), PRODUCTION_KEY_FINGERPRINT);
    // The temp_key is not published: the encrypted data can only be checked for shape.
    let encrypted = field("rsa_pad_encrypted_data");
    assert_eq!(encrypted.len(), 256);
    assert!(num(&encrypted) < num(&key.n_be()));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn tmp_aes_key_and_iv() {
    let (key, iv) = tmp_aes_key_iv();
    assert_eq!(key, field("tmp_aes_key"));
    assert_eq!(iv, field("tmp_aes_iv"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn answer_decrypts_and_hash_covers_exactly_the_inner_data() {
    let answer = decrypted_answer();
    let inner = server_dh_inner();
    assert_eq!(sha1(&answer[20..20 + inner.len]), answer[..20]);
    assert!(
        answer.len() - 20 - inner.len < 16,
        "padding must be under 16 bytes"
    );
    assert_eq!(inner.nonce, field("nonce"));
    assert_eq!(inner.server_nonce, field("server_nonce"));
    assert_eq!(u64::from(inner.g), sample()["g"].as_u64().unwrap());
    assert_eq!(
        i64::from(inner.server_time),
        sample()["server_time"].as_i64().unwrap()
    );
    assert_eq!(inner.dh_prime.len(), 256);
    assert_eq!(inner.dh_prime[..4], [0xC7, 0x1C, 0xAE, 0xB9]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sample_prime_is_known_and_proven_safe() {
    let inner = server_dh_inner();
    // Through the table of known primes: no randomness used, nothing cached.
    let mut cache = DhPrimeCache::new();
    let params = DhParams::verify(&inner.dh_prime, 3, &mut no_rng(), &mut cache).unwrap();
    assert!(cache.is_empty());
    assert_eq!(params.prime_be(), inner.dh_prime);
    assert_eq!(params.g(), 3);
    // And the full test, as if the prime were new.
    let mut rng = SeededRandom::new(2024);
    assert_eq!(
        DhParams::verify_uncached(&inner.dh_prime, 3, &mut rng),
        Ok(params.clone())
    );
    let mut cache = DhPrimeCache::without_known_primes();
    assert_eq!(
        DhParams::verify(&inner.dh_prime, 3, &mut rng, &mut cache),
        Ok(params)
    );
    assert_eq!(cache.len(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn dh_values_and_auth_key() {
    let s = sample();
    let inner = server_dh_inner();
    let params = sample_params();
    params.check_public(&inner.g_a).unwrap();
    let b = field("b");
    let g_b = params.public_value(&b);
    assert_eq!(g_b, field("g_b"));
    params.check_public(&g_b).unwrap();
    assert_eq!(mod_pow(&[3], &b, &inner.dh_prime).unwrap(), g_b);
    let auth_key = params.shared_key(&inner.g_a, &b).unwrap();
    assert_eq!(auth_key.as_bytes()[..], field("auth_key")[..]);
    let id_bytes: [u8; 8] = field("auth_key_id_sha1_12_20").try_into().unwrap();
    assert_eq!(auth_key.id(), u64::from_le_bytes(id_bytes));
    let aux: [u8; 8] = field("auth_key_aux_hash").try_into().unwrap();
    assert_eq!(auth_key.aux_hash(), u64::from_le_bytes(aux));
    assert_eq!(sha1(auth_key.as_bytes())[..8], aux);
    // new_nonce_hash1 = the 128 lower-order bits of SHA1(new_nonce + [1] + auth_key_aux_hash).
    let hash = sha1_concat(&[&field("new_nonce"), &[1], &aux]);
    assert_eq!(hash[4..], field("new_nonce_hash1")[..]);
    // server_salt = substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8).
    let salt: Vec<u8> = (0..8)
        .map(|i| field("new_nonce")[i] ^ field("server_nonce")[i])
        .collect();
    assert_eq!(salt, field("server_salt_bytes"));
    assert_eq!(
        AuthKey::from_bytes(&field("auth_key")).unwrap().id(),
        auth_key.id()
    );
    assert_eq!(s["dc"], 2);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn client_dh_inner_data_encrypts_to_the_sample() {
    // client_DH_inner_data#6643b654 nonce:int128 server_nonce:int128 retry_id:long g_b:string
    let mut inner = 0x6643_b654u32.to_le_bytes().to_vec();
    inner.extend(field("nonce"));
    inner.extend(field("server_nonce"));
    inner.extend(0u64.to_le_bytes());
    mtproto_wasm::tl::primitives::write_bytes(&mut inner, &field("g_b"));
    assert_eq!(inner, field("client_DH_inner_data"));
    // data_with_hash := SHA1(data) + data + (0-15 random bytes), to a multiple of 16.
    let mut data = sha1(&inner).to_vec();
    data.extend(&inner);
    data.extend(field("client_DH_inner_data_padding"));
    assert_eq!(data.len() % 16, 0);
    let (key, iv) = tmp_aes_key_iv();
    aes_ige_encrypt(&mut data, &key, &iv).unwrap();
    assert_eq!(data, field("set_client_DH_params_encrypted_data"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_primes_each_get_their_own_error() {
    let p = num(&server_dh_inner().dh_prime);
    let verify = |prime: &BigUint, g: u32| {
        DhParams::verify_uncached(&prime.to_bytes_be(), g, &mut SeededRandom::new(7))
    };
    // Composite, right size (g = 4 has no residue condition).
    assert_eq!(verify(&(&p + 2u32), 4), Err(CryptoError::DhPrimeNotPrime));
    assert_eq!(
        verify(&(pow2(2048) - 1u32), 4),
        Err(CryptoError::DhPrimeNotPrime)
    );
    // Wrong sizes: 2047 and 2049 bits.
    assert_eq!(verify(&(&p >> 1u32), 4), Err(CryptoError::DhPrimeWrongSize));
    assert_eq!(
        verify(&((&p << 1u32) + 1u32), 4),
        Err(CryptoError::DhPrimeWrongSize)
    );
    // Prime, but (p-1)/2 is not: also through a cache, which then remembers the verdict.
    let json: Value = serde_json::from_str(include_str!("data/dh_primes.json")).unwrap();
    let not_safe = unhex(&json["prime_not_safe"]);
    assert_eq!(verify(&num(&not_safe), 2), Err(CryptoError::DhPrimeNotSafe));
    let mut cache = DhPrimeCache::new();
    let mut rng = SeededRandom::new(8);
    let result = DhParams::verify(&not_safe, 2, &mut rng, &mut cache);
    assert_eq!(result, Err(CryptoError::DhPrimeNotSafe));
    let again = DhParams::verify(&not_safe, 2, &mut no_rng(), &mut cache);
    assert_eq!(again, Err(CryptoError::DhPrimeNotSafe));
    // That verdict costs at most the one Miller-Rabin base that shows (p-1)/2 composite
    // (256 + 8 random bytes), not rounds on p: a server sending such primes cannot make the
    // client spend 40 exponentiations on each.
    struct Counting(SeededRandom, usize);
    impl RandomSource for Counting {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
            self.1 += buf.len();
            self.0.fill(buf)
        }
    }
    let mut counting = Counting(SeededRandom::new(9), 0);
    let result = DhParams::verify_uncached(&not_safe, 2, &mut counting);
    assert_eq!(result, Err(CryptoError::DhPrimeNotSafe));
    assert!(counting.1 <= 256 + 8, "{} random bytes drawn", counting.1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn generators_for_the_sample_prime() {
    let prime = server_dh_inner().dh_prime;
    let verify = |g| DhParams::verify(&prime, g, &mut no_rng(), &mut DhPrimeCache::new());
    // The sample prime is 3 mod 8, 2 mod 3, 3 mod 5, 11 mod 24 and 6 mod 7.
    for g in [2, 5, 6] {
        assert_eq!(verify(g), Err(CryptoError::DhGeneratorCondition), "g = {g}");
    }
    for g in [3, 4, 7] {
        assert!(verify(g).is_ok(), "g = {g}");
    }
    for g in [0, 1, 8] {
        assert_eq!(
            verify(g),
            Err(CryptoError::DhGeneratorOutOfRange),
            "g = {g}"
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn public_value_bounds() {
    let params = sample_params();
    let p = num(&params.prime_be());
    let margin = pow2(2048 - 64);
    for bad in [
        BigUint::one(),
        &p - 1u32,
        &margin - 1u32,
        margin.clone(),
        &p - &margin,
        &p - &margin + 1u32,
    ] {
        assert_eq!(
            params.check_public(&bad.to_bytes_be()),
            Err(CryptoError::DhValueOutOfRange)
        );
    }
    for good in [&margin + 1u32, &p - &margin - 1u32] {
        assert_eq!(params.check_public(&good.to_bytes_be()), Ok(()));
    }
    let b = field("b");
    assert_eq!(
        params.shared_key(&[1], &b).unwrap_err(),
        CryptoError::DhValueOutOfRange
    );
}
