//! Creating an authorization key: the client side of MTProto 2.0's handshake, a sans-IO
//! server side for the test DC, and the unencrypted message envelope both use.
//!
//! Spec: <https://core.telegram.org/mtproto/auth_key>,
//! <https://core.telegram.org/mtproto/security_guidelines>,
//! <https://core.telegram.org/mtproto/description#unencrypted-message>.
//!
//! ```text
//!  client                                                   server
//!  [AwaitingResPq]     req_pq_multi(nonce)              ->
//!                                                       <- resPQ(nonce, server_nonce, pq, fingerprints)
//!    pick a trusted key by fingerprint, factor pq, draw new_nonce
//!  [AwaitingDhParams]  req_DH_params(p, q, fp, RSA_PAD(p_q_inner_data_dc | _temp_dc)) ->
//!                                                       <- server_DH_params_ok(encrypted_answer)
//!                                                          | server_DH_params_fail
//!    tmp_aes_key/iv from new_nonce + server_nonce; check answer hash, nonces, dh_prime, g, g_a;
//!    draw b, g_b = g^b mod p, auth_key = g_a^b mod p
//!  [AwaitingDhGen]     set_client_DH_params(IGE(SHA1(client_DH_inner_data) + data + pad)) ->
//!                                                       <- dh_gen_ok | dh_gen_retry | dh_gen_fail
//!    check new_nonce_hash1/2/3; retry: new b, retry_id = previous aux_hash (at most
//!    MAX_DH_RETRIES times)
//!  [AuthResult]        auth_key, auth_key_id, server salt, time offset, expiry (temp keys)
//! ```
//!
//! Each client state is its own type ([`AwaitingResPq`], [`AwaitingDhParams`],
//! [`AwaitingDhGen`]) whose `handle` consumes it, so the steps cannot run out of order;
//! [`HandshakeMachine`] wraps them in a plain enum (with the unencrypted envelope and the
//! message ids) for callers that hold one value, such as the JavaScript `Handshake`.
//!
//! Randomness and time are always injected. Random draws, in order (so a recorded handshake
//! replays byte for byte with a `FixedRandom`):
//! 1. `start`: nonce (16 bytes);
//! 2. resPQ: new_nonce (32), then RSA_PAD: padding (192 - inner data length), then a
//!    32-byte temp_key per attempt;
//! 3. server_DH_params_ok: the Miller-Rabin bases, only if dh_prime is neither in the
//!    table of known primes nor in the cache; then b (256) — again while g_b fails its
//!    range check — then the client_DH_inner_data padding (0..15 bytes, to a multiple of 16);
//! 4. dh_gen_retry: b (256) and padding again.

// Handshake answers come from the network: no indexing that can panic, no arithmetic that
// can overflow (docs/limits.md, "Panics and arithmetic").
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod bind;
mod client;
mod error;
mod machine;
mod plain;
pub mod server;
mod server_key;
mod server_states;

pub use client::{
    AuthResult, AwaitingDhGen, AwaitingDhParams, AwaitingResPq, DhGenOutcome, HandshakeConfig,
    MAX_DH_RETRIES, p_q_inner_data,
};
pub use error::AuthError;
pub use machine::HandshakeMachine;
pub use plain::{MsgIdClock, PLAIN_HEADER_LEN, pack_plain, unpack_plain};

use zeroize::Zeroizing;

use crate::crypto::{sha1, sha1_concat};

/// tmp_aes_key (32 bytes) and tmp_aes_iv (32 bytes) for the server_DH_inner_data and
/// client_DH_inner_data encryption.
///
/// "tmp_aes_key := SHA1(new_nonce + server_nonce) + substr (SHA1(server_nonce + new_nonce),
/// 0, 12); tmp_aes_iv := substr (SHA1(server_nonce + new_nonce), 12, 8) + SHA1(new_nonce +
/// new_nonce) + substr (new_nonce, 0, 4);"
pub(crate) fn tmp_aes_key_iv(
    new_nonce: &[u8; 32],
    server_nonce: &[u8; 16],
) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let ns = Zeroizing::new(sha1_concat(&[new_nonce, server_nonce]));
    let sn = Zeroizing::new(sha1_concat(&[server_nonce, new_nonce]));
    let nn = Zeroizing::new(sha1_concat(&[new_nonce, new_nonce]));
    let mut key = Zeroizing::new([0u8; 32]);
    let mut iv = Zeroizing::new([0u8; 32]);
    // 20 + 12 and 8 + 20 + 4 bytes: each array is filled exactly.
    for (k, b) in key.iter_mut().zip(ns.iter().chain(sn.iter().take(12))) {
        *k = *b;
    }
    let iv_parts = sn
        .iter()
        .skip(12)
        .chain(nn.iter())
        .chain(new_nonce.iter().take(4));
    for (v, b) in iv.iter_mut().zip(iv_parts) {
        *v = *b;
    }
    (key, iv)
}

/// new_nonce_hash{1,2,3}: "the 128 lower-order bits of SHA1 (new_nonce + 1|2|3 +
/// auth_key_aux_hash)"; for server_DH_params_fail (`number` None): "the 128 lower-order bits
/// of SHA1 (new_nonce)".
pub(crate) fn new_nonce_hash(new_nonce: &[u8; 32], number: Option<u8>, aux_hash: u64) -> [u8; 16] {
    let h = match number {
        Some(n) => sha1_concat(&[new_nonce, &[n], &aux_hash.to_le_bytes()]),
        None => sha1(new_nonce),
    };
    let mut out = [0u8; 16];
    for (o, b) in out.iter_mut().zip(h.iter().skip(4)) {
        *o = *b;
    }
    out
}

/// The first server salt: "new_nonce[0..8] XOR server_nonce[0..8]", as the little-endian
/// integer sent in every encrypted message.
pub(crate) fn first_salt(new_nonce: &[u8; 32], server_nonce: &[u8; 16]) -> i64 {
    let mut salt = [0u8; 8];
    for ((s, a), b) in salt.iter_mut().zip(new_nonce).zip(server_nonce) {
        *s = a ^ b;
    }
    i64::from_le_bytes(salt)
}

/// Constant-time equality of two 16-byte values (nonces and nonce hashes).
pub(crate) fn ct_eq16(a: &[u8; 16], b: &[u8; 16]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}
