//! auth.bindTempAuthKey's `encrypted_message`: building it (client) and checking it (server).
//!
//! Spec: <https://core.telegram.org/method/auth.bindTempAuthKey>,
//! <https://core.telegram.org/api/pfs>.
//!
//! ```text
//!   inner   = bind_auth_key_inner#75a3f765 nonce temp_auth_key_id perm_auth_key_id
//!                                          temp_session_id expires_at
//!   plain   = random(16: salt + session_id) ‖ msg_id (= the outer request's) ‖ seq_no 0
//!             ‖ length ‖ inner
//!   message = perm_auth_key_id ‖ msg_key_v1(plain) ‖ AES-256-IGE_v1(plain ‖ padding)
//! ```
//! Pure functions: the random bytes come in as arguments.

use core::fmt;

use subtle::ConstantTimeEq;

use crate::crypto::{AuthKey, CryptoError, Side, decrypt_v1, encrypt_v1, msg_key_v1};
use crate::tl::Serializable;
use crate::tl::mtproto::types;

/// bind_auth_key_inner's constructor id.
const BIND_INNER_ID: u32 = 0x75a3_f765;
/// Serialized bind_auth_key_inner: id + 4 longs + 1 int.
const BIND_INNER_LEN: usize = 40;
/// salt + session_id + msg_id + seq_no + length.
const HEADER_LEN: usize = 32;

/// The fields of bind_auth_key_inner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindInner {
    /// "Random long from the outer auth.bindTempAuthKey".
    pub nonce: i64,
    /// The temporary key's id.
    pub temp_auth_key_id: i64,
    /// The permanent key's id.
    pub perm_auth_key_id: i64,
    /// The session id of the temporary key's session that sends the request.
    pub temp_session_id: i64,
    /// When the temporary key expires (unix seconds, server clock).
    pub expires_at: i32,
}

/// Why a bind message was rejected (the test DC answers ENCRYPTED_MESSAGE_INVALID for all).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BindError {
    /// The message is too short, or its length is not 24 + a multiple of 16.
    BadLength(usize),
    /// Its auth_key_id is not the permanent key's.
    WrongAuthKeyId,
    /// msg_key does not match SHA1 of the decrypted plaintext.
    MsgKeyMismatch,
    /// The plaintext's length field or constructor is not a bind_auth_key_inner.
    Malformed,
    /// The inner msg_id is not the outer request's.
    MsgIdMismatch,
    /// The inner seq_no is not 0.
    SeqNoNotZero,
    /// nonce differs from the outer request's.
    NonceMismatch,
    /// temp_auth_key_id is not the key the request came with.
    TempAuthKeyIdMismatch,
    /// perm_auth_key_id differs from the outer request's.
    PermAuthKeyIdMismatch,
    /// temp_session_id is not the session the request came in.
    TempSessionIdMismatch,
    /// expires_at differs from the outer request's.
    ExpiresAtMismatch,
    /// A crypto failure (wrong padding length when building).
    Crypto(CryptoError),
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadLength(n) => write!(f, "bind message: bad length {n}"),
            Self::WrongAuthKeyId => {
                f.write_str("bind message: not encrypted with the permanent key")
            }
            Self::MsgKeyMismatch => f.write_str("bind message: msg_key mismatch"),
            Self::Malformed => f.write_str("bind message: not a bind_auth_key_inner"),
            Self::MsgIdMismatch => f.write_str("bind message: msg_id differs from the request's"),
            Self::SeqNoNotZero => f.write_str("bind message: seq_no is not 0"),
            Self::NonceMismatch => f.write_str("bind message: nonce mismatch"),
            Self::TempAuthKeyIdMismatch => f.write_str("bind message: temp_auth_key_id mismatch"),
            Self::PermAuthKeyIdMismatch => f.write_str("bind message: perm_auth_key_id mismatch"),
            Self::TempSessionIdMismatch => f.write_str("bind message: temp_session_id mismatch"),
            Self::ExpiresAtMismatch => f.write_str("bind message: expires_at mismatch"),
            Self::Crypto(e) => write!(f, "bind message: {e}"),
        }
    }
}

impl From<CryptoError> for BindError {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

/// Padding needed after a plaintext of `len` bytes (0..15, to a multiple of 16).
pub const fn bind_padding_len(len: usize) -> usize {
    len.wrapping_neg() % 16
}

/// The unpadded plaintext of a bind message.
fn bind_plaintext(inner: &BindInner, msg_id: i64, salt_session: &[u8; 16]) -> Vec<u8> {
    let body = types::BindAuthKeyInner {
        nonce: inner.nonce,
        temp_auth_key_id: inner.temp_auth_key_id,
        perm_auth_key_id: inner.perm_auth_key_id,
        temp_session_id: inner.temp_session_id,
        expires_at: inner.expires_at,
    }
    .to_bytes();
    let mut plain = Vec::with_capacity(HEADER_LEN.saturating_add(body.len()));
    plain.extend_from_slice(salt_session);
    plain.extend_from_slice(&msg_id.to_le_bytes());
    plain.extend_from_slice(&0i32.to_le_bytes());
    plain.extend_from_slice(&(body.len() as u32).to_le_bytes());
    plain.extend_from_slice(&body);
    plain
}

/// Builds `encrypted_message` for auth.bindTempAuthKey: "random:int128 msg_id seq_no=0
/// msg_len message_data padding", encrypted with the permanent key "using the MTProto v1
/// scheme". `salt_session` is the 16 random bytes, `padding` must be
/// [`bind_padding_len`]`(72)` = 8 random bytes.
pub fn build_bind_message(
    perm_key: &AuthKey,
    inner: &BindInner,
    msg_id: i64,
    salt_session: &[u8; 16],
    padding: &[u8],
) -> Result<Vec<u8>, BindError> {
    let plain = zeroize::Zeroizing::new(bind_plaintext(inner, msg_id, salt_session));
    Ok(encrypt_v1(perm_key, Side::Client, &plain, padding)?)
}

/// Server side: decrypts `encrypted` with `perm_key` and checks every field against what the
/// outer request and its transport said (`expected`, `outer_msg_id`).
///
/// "encrypted_message: Encrypted bind_auth_key_inner ... msg_id the same as that of the
/// outer request, seq_no 0"; each mismatch is its own [`BindError`].
pub fn verify_bind_message(
    perm_key: &AuthKey,
    encrypted: &[u8],
    outer_msg_id: i64,
    expected: &BindInner,
) -> Result<(), BindError> {
    let len = encrypted.len();
    if len < 24 + HEADER_LEN + BIND_INNER_LEN || len.saturating_sub(24) % 16 != 0 {
        return Err(BindError::BadLength(len));
    }
    let (key_id, msg_key, plain) = decrypt_v1(perm_key, Side::Client, encrypted)?;
    let field = |at: usize| -> [u8; 8] {
        let mut b = [0u8; 8];
        if let Some(s) = at.checked_add(8).and_then(|end| plain.get(at..end)) {
            b.copy_from_slice(s);
        }
        b
    };
    let int_at = |at: usize| -> u32 {
        let mut b = [0u8; 4];
        if let Some(s) = at.checked_add(4).and_then(|end| plain.get(at..end)) {
            b.copy_from_slice(s);
        }
        u32::from_le_bytes(b)
    };
    // Always compute msg_key before judging anything else, so failures look alike.
    let body_len = int_at(28) as usize;
    let unpadded = plain
        .get(..HEADER_LEN.saturating_add(body_len.min(BIND_INNER_LEN)))
        .unwrap_or_default();
    let key_ok: bool = msg_key_v1(unpadded).ct_eq(&msg_key).into();
    let id_ok: bool = key_id
        .to_le_bytes()
        .ct_eq(&perm_key.id().to_le_bytes())
        .into();
    if !id_ok {
        return Err(BindError::WrongAuthKeyId);
    }
    if !key_ok {
        return Err(BindError::MsgKeyMismatch);
    }
    if body_len != BIND_INNER_LEN || int_at(HEADER_LEN) != BIND_INNER_ID {
        return Err(BindError::Malformed);
    }
    if i64::from_le_bytes(field(16)) != outer_msg_id {
        return Err(BindError::MsgIdMismatch);
    }
    if int_at(24) != 0 {
        return Err(BindError::SeqNoNotZero);
    }
    let long =
        |i: usize| i64::from_le_bytes(field(i.saturating_mul(8).saturating_add(HEADER_LEN + 4)));
    if long(0) != expected.nonce {
        return Err(BindError::NonceMismatch);
    }
    if long(1) != expected.temp_auth_key_id {
        return Err(BindError::TempAuthKeyIdMismatch);
    }
    if long(2) != expected.perm_auth_key_id {
        return Err(BindError::PermAuthKeyIdMismatch);
    }
    if long(3) != expected.temp_session_id {
        return Err(BindError::TempSessionIdMismatch);
    }
    if int_at(HEADER_LEN + 36) as i32 != expected.expires_at {
        return Err(BindError::ExpiresAtMismatch);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // test code: a panic is a failure
mod tests {
    use super::*;

    const MSG_ID: i64 = 0x6000_0000_0000_0004;

    fn perm() -> AuthKey {
        AuthKey::from_bytes(&(0..=255u8).collect::<Vec<_>>()).unwrap()
    }

    fn inner() -> BindInner {
        BindInner {
            nonce: 0x1122_3344_5566_7788,
            temp_auth_key_id: 42,
            perm_auth_key_id: perm().id() as i64,
            temp_session_id: -7,
            expires_at: 1_700_086_400,
        }
    }

    fn build(inner: &BindInner, msg_id: i64) -> Vec<u8> {
        let pad = [9u8; 8];
        assert_eq!(bind_padding_len(HEADER_LEN + BIND_INNER_LEN), pad.len());
        build_bind_message(&perm(), inner, msg_id, &[5; 16], &pad).unwrap()
    }

    #[test]
    fn built_message_verifies() {
        let msg = build(&inner(), MSG_ID);
        assert_eq!(msg.len(), 24 + 80);
        assert_eq!(&msg[..8], &perm().id().to_le_bytes());
        assert_eq!(verify_bind_message(&perm(), &msg, MSG_ID, &inner()), Ok(()));
    }

    #[test]
    fn each_field_mismatch_is_its_own_error() {
        let msg = build(&inner(), MSG_ID);
        let check = |f: fn(&mut BindInner), want: BindError| {
            let mut e = inner();
            f(&mut e);
            assert_eq!(verify_bind_message(&perm(), &msg, MSG_ID, &e), Err(want));
        };
        check(|e| e.nonce += 1, BindError::NonceMismatch);
        check(
            |e| e.temp_auth_key_id += 1,
            BindError::TempAuthKeyIdMismatch,
        );
        check(
            |e| e.perm_auth_key_id += 1,
            BindError::PermAuthKeyIdMismatch,
        );
        check(|e| e.temp_session_id += 1, BindError::TempSessionIdMismatch);
        check(|e| e.expires_at += 1, BindError::ExpiresAtMismatch);
        assert_eq!(
            verify_bind_message(&perm(), &msg, MSG_ID + 4, &inner()),
            Err(BindError::MsgIdMismatch)
        );
    }

    #[test]
    fn tampering_and_wrong_keys_are_rejected() {
        let msg = build(&inner(), MSG_ID);
        let mut bad = msg.clone();
        bad[40] ^= 1;
        assert_eq!(
            verify_bind_message(&perm(), &bad, MSG_ID, &inner()),
            Err(BindError::MsgKeyMismatch)
        );
        let other = AuthKey::from_bytes(&[3u8; 256]).unwrap();
        assert_eq!(
            verify_bind_message(&other, &msg, MSG_ID, &inner()),
            Err(BindError::WrongAuthKeyId)
        );
        assert_eq!(
            verify_bind_message(&perm(), &msg[..msg.len() - 1], MSG_ID, &inner()),
            Err(BindError::BadLength(msg.len() - 1))
        );
        assert_eq!(
            verify_bind_message(&perm(), &[], MSG_ID, &inner()),
            Err(BindError::BadLength(0))
        );
    }

    #[test]
    fn nonzero_seq_no_and_wrong_body_are_rejected() {
        // Re-encrypt hand-made plaintexts with a valid msg_key to reach the inner checks.
        let mut plain = bind_plaintext(&inner(), MSG_ID, &[5; 16]);
        plain[24] = 1;
        let msg = encrypt_v1(&perm(), Side::Client, &plain, &[0; 8]).unwrap();
        assert_eq!(
            verify_bind_message(&perm(), &msg, MSG_ID, &inner()),
            Err(BindError::SeqNoNotZero)
        );
        let mut plain = bind_plaintext(&inner(), MSG_ID, &[5; 16]);
        plain[HEADER_LEN] ^= 0xff;
        let msg = encrypt_v1(&perm(), Side::Client, &plain, &[0; 8]).unwrap();
        assert_eq!(
            verify_bind_message(&perm(), &msg, MSG_ID, &inner()),
            Err(BindError::Malformed)
        );
    }

    #[test]
    fn wrong_padding_is_an_error_not_a_panic() {
        assert!(matches!(
            build_bind_message(&perm(), &inner(), MSG_ID, &[0; 16], &[0; 3]),
            Err(BindError::Crypto(_))
        ));
    }
}
