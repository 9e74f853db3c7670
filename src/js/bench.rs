//! Hidden exports for `bench/run.mjs` (not part of the API; names start with `__`).
//!
//! - `__handshakeReplay(nonce, newNonce, rsaPadding, b, clientPadding, resPq, dhAnswer,
//!   dhGen, nowMs)`: all client computation of one handshake, replaying given random bytes
//!   against server answers prepared beforehand (TL bodies); returns the auth key. RSA_PAD's
//!   temp_key is drawn from a fixed seed (the published one is unknown).
//! - `__rsaPad(data)`: RSA_PAD with the production key.
//! - `__dhVerify(prime, g, useKnownPrimes)`: the dh_prime/g check with the known-prime table
//!   (a fresh cache), or the full Miller-Rabin tests.

use wasm_bindgen::prelude::*;

use super::args::{bytes, error};
use crate::auth::{AwaitingResPq, DhGenOutcome, HandshakeConfig};
use crate::crypto::{
    DhParams, DhPrimeCache, FixedRandom, OsRandom, RandomSource, SeededRandom, builtin_keys,
    rsa_pad_encrypt,
};

#[doc(hidden)]
#[wasm_bindgen(js_name = __handshakeReplay)]
#[allow(clippy::too_many_arguments)]
pub fn handshake_replay(
    nonce: &JsValue,
    new_nonce: &JsValue,
    rsa_padding: &JsValue,
    b: &JsValue,
    client_padding: &JsValue,
    res_pq: &JsValue,
    dh_answer: &JsValue,
    dh_gen: &JsValue,
    now_ms: f64,
) -> Result<Vec<u8>, JsError> {
    let config = HandshakeConfig::new(2);
    let (s, _) = AwaitingResPq::start(config, &mut FixedRandom::new(bytes("nonce", nonce)?))
        .map_err(error)?;
    let mut temp_keys = vec![0u8; 32 * 64];
    SeededRandom::new(1).fill(&mut temp_keys).map_err(error)?;
    let first = [
        bytes("newNonce", new_nonce)?,
        bytes("rsaPadding", rsa_padding)?,
        temp_keys,
    ];
    let (s, _) = s
        .handle(
            &bytes("resPq", res_pq)?,
            &mut FixedRandom::new(first.concat()),
        )
        .map_err(error)?;
    let mut rng =
        FixedRandom::new([bytes("b", b)?, bytes("clientPadding", client_padding)?].concat());
    let now = if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    };
    let (s, _) = s
        .handle(
            &bytes("dhAnswer", dh_answer)?,
            &mut rng,
            now,
            &mut DhPrimeCache::new(),
        )
        .map_err(error)?;
    match s
        .handle(&bytes("dhGen", dh_gen)?, &mut rng)
        .map_err(error)?
    {
        DhGenOutcome::Done(r) => Ok(r.auth_key.as_bytes().to_vec()),
        DhGenOutcome::Retry(..) => Err(JsError::new("dh_gen_retry")),
    }
}

#[doc(hidden)]
#[wasm_bindgen(js_name = __rsaPad)]
pub fn rsa_pad(data: &JsValue) -> Result<Vec<u8>, JsError> {
    let key = builtin_keys()
        .into_iter()
        .next()
        .ok_or_else(|| JsError::new("no key"))?;
    Ok(rsa_pad_encrypt(&bytes("data", data)?, &key, &mut OsRandom)
        .map_err(error)?
        .to_vec())
}

#[doc(hidden)]
#[wasm_bindgen(js_name = __dhVerify)]
pub fn dh_verify(prime: &JsValue, g: u32, use_known_primes: bool) -> Result<(), JsError> {
    let prime = bytes("prime", prime)?;
    if use_known_primes {
        DhParams::verify(&prime, g, &mut OsRandom, &mut DhPrimeCache::new()).map_err(error)?;
    } else {
        DhParams::verify_uncached(&prime, g, &mut OsRandom).map_err(error)?;
    }
    Ok(())
}
