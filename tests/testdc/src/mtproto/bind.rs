//! auth.bindTempAuthKey: binds the temporary key the request comes over to a permanent key,
//! after checking the bind_auth_key_inner message encrypted (MTProto 1.0) with the
//! permanent key (`mtproto_wasm::auth::bind::verify_bind_message`).
//! Spec: <https://core.telegram.org/method/auth.bindTempAuthKey>, <https://core.telegram.org/api/pfs>.
//!
//! Errors: ENCRYPTED_MESSAGE_INVALID (the inner message does not decrypt or a field does not
//! match), TEMP_AUTH_KEY_EMPTY (the request did not come over a temporary key, or the
//! permanent key is unknown), TEMP_AUTH_KEY_ALREADY_BOUND, EXPIRES_AT_INVALID.

use mtproto_wasm::auth::bind::{BindInner, verify_bind_message};
use mtproto_wasm::tl::{Object, Value};

use super::api::{ApiCtx, RpcFail, encode, fail, int_field};

/// auth.bindTempAuthKey.
pub fn bind_temp_auth_key(ctx: &mut ApiCtx<'_>, o: &Object) -> Result<Vec<u8>, RpcFail> {
    // Fault switch `refuse_binds`: a server that refuses binds for no reason the client
    // can fix (the client must back off and give up, not make key after key).
    if crate::faults::take(&mut ctx.state.refuse_binds) {
        return Err(fail(400, "TEMP_AUTH_KEY_ALREADY_BOUND"));
    }
    let perm_id = int_field(o, "perm_auth_key_id")?;
    let nonce = int_field(o, "nonce")?;
    let expires_at =
        i32::try_from(int_field(o, "expires_at")?).map_err(|_| fail(400, "EXPIRES_AT_INVALID"))?;
    let encrypted = match o.get("encrypted_message") {
        Some(Value::Bytes(b)) => b.clone(),
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => return Err(fail(400, "ENCRYPTED_MESSAGE_INVALID")),
    };
    let temp = ctx
        .state
        .keys
        .get(&ctx.key_id)
        .ok_or_else(|| fail(400, "TEMP_AUTH_KEY_EMPTY"))?;
    if temp.expires_at.is_none() {
        return Err(fail(400, "TEMP_AUTH_KEY_EMPTY"));
    }
    if temp.bound_to.is_some() {
        return Err(fail(400, "TEMP_AUTH_KEY_ALREADY_BOUND"));
    }
    if i64::from(expires_at) <= ctx.now {
        return Err(fail(400, "EXPIRES_AT_INVALID"));
    }
    let perm = ctx
        .state
        .keys
        .get(&(perm_id as u64))
        .filter(|k| k.expires_at.is_none())
        .ok_or_else(|| fail(400, "TEMP_AUTH_KEY_EMPTY"))?;
    let expected = BindInner {
        nonce,
        temp_auth_key_id: ctx.key_id as i64,
        perm_auth_key_id: perm_id,
        temp_session_id: ctx.session_id as i64,
        expires_at,
    };
    verify_bind_message(&perm.key, &encrypted, ctx.msg_id, &expected)
        .map_err(|_| fail(400, "ENCRYPTED_MESSAGE_INVALID"))?;
    if let Some(t) = ctx.state.keys.get_mut(&ctx.key_id) {
        t.bound_to = Some(perm_id as u64);
    }
    encode(&Value::Bool(true))
}
