//! Perfect forward secrecy: the session runs over a temporary key, bound to the permanent
//! key with auth.bindTempAuthKey and renewed before it expires.
//!
//! Spec: <https://core.telegram.org/api/pfs>,
//! <https://core.telegram.org/method/auth.bindTempAuthKey>.
//!
//! ```text
//!   no perm key ── handshake ──▶ perm key ── handshake (p_q_inner_data_temp_dc) ──▶ temp key
//!   temp key ── session over it, first request auth.bindTempAuthKey ──▶ bound: requests flow
//!   renew_at ── handshake on the same connection ──▶ staged key ── old session idle
//!            (or SWITCH_GRACE_MS) ──▶ new session over the staged key, bind, continue
//! ```
//! The permanent key only ever encrypts the bind message; every other packet uses the
//! temporary key, so a later leak of the permanent key does not expose past traffic.

use std::sync::Arc;

use super::ClientError;
use super::types::err;
use crate::auth::HandshakeMachine;
use crate::auth::bind::{BindInner, bind_padding_len, build_bind_message};
use crate::crypto::{AuthKey, RandomSource};
use crate::session::BodyForMsgId;
use crate::tl::{self, Object, Value};

/// The shortest lifetime a temporary key may be asked for (seconds).
pub const MIN_TEMP_KEY_TTL_S: i32 = 60;
/// The default lifetime of a temporary key: one day.
pub const DEFAULT_TEMP_KEY_TTL_S: i32 = 86_400;
/// How long a staged new key waits for the old session to go idle before it takes over.
pub const SWITCH_GRACE_MS: u64 = 10_000;
/// Bind refusals in a row after which the permanent key is presumed unknown to the server
/// (and replaced: the login is lost). The first refusal only replaces the temporary key.
pub const MAX_BIND_FAILURES: u32 = 2;
/// Refusals in a row for another reason than the permanent key
/// ([`blames_perm_key`]) after which the client gives up: `ClientEvent::Fatal` with the
/// server's error, and every request fails with it.
pub const MAX_BIND_REFUSALS: u32 = 3;
/// Refusals in a row of any kind after which the client gives up (a server that refuses
/// every new permanent key too).
pub const MAX_BIND_FAILURES_IN_A_ROW: u32 = 4;
/// The wait before the next temporary key after a refused bind: 1 s, doubled after each
/// refusal in a row up to [`BIND_BACKOFF_MAX_MS`] (as the JavaScript Client's reconnects).
pub const BIND_BACKOFF_FIRST_MS: u64 = 1_000;
/// The longest wait between two binds.
pub const BIND_BACKOFF_MAX_MS: u64 = 30_000;

/// `boolTrue`.
const BOOL_TRUE: u32 = 0x9972_75b5;
/// Serialized bind_auth_key_inner plus its 32-byte message header.
const BIND_PLAINTEXT_LEN: usize = 72;

/// A temporary key and what its session needs.
#[derive(Debug, Clone)]
pub(super) struct TempKey {
    pub auth_key: AuthKey,
    pub salt: u64,
    /// Unix seconds, server clock.
    pub expires_at: i64,
    /// Whether auth.bindTempAuthKey succeeded.
    pub bound: bool,
}

impl TempKey {
    /// When to start making the next key: local ms since the epoch. A quarter of the
    /// lifetime early (10 s to 1 h), so the renewal never races the expiry.
    pub fn renew_at(&self, ttl_s: i32, time_offset_ms: i64) -> u64 {
        let margin = i64::from((ttl_s / 4).clamp(10, 3600));
        let server_ms = self.expires_at.saturating_sub(margin).saturating_mul(1000);
        server_ms.saturating_sub(time_offset_ms).max(0) as u64
    }
}

/// A renewal in progress.
pub(super) enum Renewal {
    /// The handshake of the next key runs on the current connection (deadline in ms).
    Handshake(Box<HandshakeMachine>, u64),
    /// The next key is ready; it takes over when the session is idle or at the deadline.
    Staged(Box<TempKey>, u64),
}

/// Whether an answer body is `boolTrue`.
pub(super) fn is_bool_true(body: &[u8]) -> bool {
    body.get(..4) == Some(&BOOL_TRUE.to_le_bytes()[..])
}

/// Whether a bind refusal points at the permanent key (rather than the temporary one).
pub(super) fn blames_perm_key(message: &str) -> bool {
    matches!(message, "ENCRYPTED_MESSAGE_INVALID" | "TEMP_AUTH_KEY_EMPTY")
}

/// The auth.bindTempAuthKey request binding `temp` to `perm`, rebuilt for every msg_id and
/// session id it is sent with ("msg_id the same as that of the outer request";
/// "temp_session_id: session id which will be used to invoke auth.bindTempAuthKey").
pub(super) fn bind_request(
    perm: &AuthKey,
    temp: &TempKey,
    rng: &mut dyn RandomSource,
) -> Result<BodyForMsgId, ClientError> {
    let mut random = [0u8; 8 + 16];
    rng.fill(&mut random).map_err(err)?;
    let mut padding = vec![0u8; bind_padding_len(BIND_PLAINTEXT_LEN)];
    rng.fill(&mut padding).map_err(err)?;
    let mut nonce = [0u8; 8];
    let mut salt_session = [0u8; 16];
    nonce.copy_from_slice(&random[..8]);
    salt_session.copy_from_slice(&random[8..]);
    let nonce = i64::from_le_bytes(nonce);
    let expires_at = i32::try_from(temp.expires_at).map_err(err)?;
    let base = BindInner {
        nonce,
        temp_auth_key_id: temp.auth_key.id() as i64,
        perm_auth_key_id: perm.id() as i64,
        temp_session_id: 0,
        expires_at,
    };
    let perm = perm.clone();
    Ok(BodyForMsgId(Arc::new(move |msg_id, session_id| {
        let inner = BindInner {
            temp_session_id: session_id as i64,
            ..base
        };
        let encrypted =
            build_bind_message(&perm, &inner, msg_id, &salt_session, &padding).unwrap_or_default();
        let request = Object::new("auth.bindTempAuthKey")
            .with("perm_auth_key_id", Value::Long(base.perm_auth_key_id))
            .with("nonce", Value::Long(nonce))
            .with("expires_at", Value::Int(expires_at))
            .with("encrypted_message", Value::Bytes(encrypted));
        tl::encode_value(&Value::Object(request)).unwrap_or_default()
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::bind::verify_bind_message;
    use crate::crypto::SeededRandom;

    fn key(b: u8) -> AuthKey {
        AuthKey::from_bytes(&[b; 256]).unwrap()
    }

    #[test]
    fn the_bind_body_carries_the_msg_id_and_session_id_it_is_sent_with() {
        let perm = key(1);
        let temp = TempKey {
            auth_key: key(2),
            salt: 0,
            expires_at: 1_700_086_400,
            bound: false,
        };
        let build = bind_request(&perm, &temp, &mut SeededRandom::new(3)).unwrap();
        let a = (build.0)(0x6000_0000_0000_0004, 77);
        let b = (build.0)(0x6000_0000_0000_0008, 77);
        assert_eq!(a.len(), b.len());
        let Value::Object(o) = tl::decode_value(&a).unwrap() else {
            panic!()
        };
        let Some(Value::Bytes(enc)) = o.get("encrypted_message") else {
            panic!()
        };
        let Some(Value::Long(nonce)) = o.get("nonce") else {
            panic!()
        };
        let expected = BindInner {
            nonce: *nonce,
            temp_auth_key_id: temp.auth_key.id() as i64,
            perm_auth_key_id: perm.id() as i64,
            temp_session_id: 77,
            expires_at: 1_700_086_400,
        };
        verify_bind_message(&perm, enc, 0x6000_0000_0000_0004, &expected).unwrap();
        assert!(verify_bind_message(&perm, enc, 0x6000_0000_0000_0008, &expected).is_err());
        let other_session = BindInner {
            temp_session_id: 78,
            ..expected
        };
        assert!(verify_bind_message(&perm, enc, 0x6000_0000_0000_0004, &other_session).is_err());
    }

    #[test]
    fn renewal_starts_a_quarter_of_the_lifetime_early_within_bounds() {
        let t = TempKey {
            auth_key: key(2),
            salt: 0,
            expires_at: 1_000_000,
            bound: true,
        };
        assert_eq!(t.renew_at(86_400, 0), (1_000_000 - 3600) * 1000);
        assert_eq!(t.renew_at(60, 0), (1_000_000 - 15) * 1000);
        assert_eq!(t.renew_at(60, 5000), (1_000_000 - 15) * 1000 - 5000);
        assert!(is_bool_true(&BOOL_TRUE.to_le_bytes()));
        assert!(blames_perm_key("ENCRYPTED_MESSAGE_INVALID"));
        assert!(!blames_perm_key("FLOOD_WAIT_3"));
    }
}
