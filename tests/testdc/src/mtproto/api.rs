//! The Telegram API methods the test DC implements, dispatched on the decoded
//! `tl::Value`'s name. See the README's test-DC section for the login rules.
//!
//! - Test phone numbers start with `99966` (a leading `+` and spaces are ignored); any
//!   other number gets `PHONE_NUMBER_INVALID`.
//! - The login code is always [`LOGIN_CODE`] (`22222`).
//! - `auth.signIn` with the right code signs the auth key in if the phone has a user, else
//!   answers `auth.authorizationSignUpRequired`; `auth.signUp` creates the user.
//! - Methods of a signed-in user without one: 401 `AUTH_KEY_UNREGISTERED`.
//! - Anything else: 400 `METHOD_INVALID`; a body our layer-223 schema cannot decode: 400
//!   `INPUT_METHOD_INVALID`.

use mtproto_wasm::tl::{self, Object, Value};

use super::state::{DcState, User, random_bytes};
use super::{objects, secret, upload};

/// The login code of every test phone number.
pub const LOGIN_CODE: &str = "22222";
/// The prefix of test phone numbers.
pub const TEST_PHONE_PREFIX: &str = "99966";

/// An rpc_error to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcFail {
    /// error_code.
    pub code: i32,
    /// error_message.
    pub message: String,
}

pub(crate) fn fail(code: i32, message: &str) -> RpcFail {
    RpcFail {
        code,
        message: message.to_string(),
    }
}

/// What a call needs to know.
pub struct ApiCtx<'a> {
    /// The DC state.
    pub state: &'a mut DcState,
    /// The caller's auth key.
    pub key_id: u64,
    /// The DC id.
    pub dc_id: i32,
    /// The port (for `config`).
    pub port: u16,
    /// The layer from invokeWithLayer (per connection).
    pub layer: &'a mut Option<i32>,
    /// Unix seconds.
    pub now: i64,
    /// Telegram's dh_prime.
    pub dh_prime: &'a [u8],
    /// msg_id of the request.
    pub msg_id: i64,
    /// session_id of the request.
    pub session_id: u64,
}

/// Decodes and answers one API call: the TL bytes of the result, or an error.
pub fn call(ctx: &mut ApiCtx<'_>, body: &[u8]) -> Result<Vec<u8>, RpcFail> {
    let value = tl::decode_value(body).map_err(|_| fail(400, "INPUT_METHOD_INVALID"))?;
    let Value::Object(obj) = value else {
        return Err(fail(400, "INPUT_METHOD_INVALID"));
    };
    dispatch(ctx, &obj, 0)
}

pub(crate) fn field<'v>(o: &'v Object, name: &str) -> Result<&'v Value, RpcFail> {
    o.get(name)
        .ok_or_else(|| fail(400, "INPUT_REQUEST_INVALID"))
}

fn str_field<'v>(o: &'v Object, name: &str) -> Result<&'v str, RpcFail> {
    match field(o, name)? {
        Value::String(s) => Ok(s),
        _ => Err(fail(400, "INPUT_REQUEST_INVALID")),
    }
}

pub(crate) fn int_field(o: &Object, name: &str) -> Result<i64, RpcFail> {
    match field(o, name)? {
        Value::Int(i) => Ok(i64::from(*i)),
        Value::Long(l) => Ok(*l),
        _ => Err(fail(400, "INPUT_REQUEST_INVALID")),
    }
}

pub(crate) fn encode(v: &Value) -> Result<Vec<u8>, RpcFail> {
    tl::encode_value(v).map_err(|e| fail(500, &format!("INTERNAL_ENCODE_FAILED: {e}")))
}

fn dispatch(ctx: &mut ApiCtx<'_>, o: &Object, depth: usize) -> Result<Vec<u8>, RpcFail> {
    if depth > 8 {
        return Err(fail(400, "INPUT_REQUEST_TOO_DEEP"));
    }
    let inner = |ctx: &mut ApiCtx<'_>, o: &Object| match o.get("query") {
        Some(Value::Object(q)) => dispatch(ctx, q, depth + 1),
        _ => Err(fail(400, "INPUT_REQUEST_INVALID")),
    };
    match o.name.as_str() {
        "invokeWithLayer" => {
            if let Some(Value::Int(l)) = o.get("layer") {
                *ctx.layer = Some(*l);
            }
            inner(ctx, o)
        }
        "initConnection" | "invokeAfterMsg" | "invokeAfterMsgs" | "invokeWithoutUpdates" => {
            inner(ctx, o)
        }
        "auth.bindTempAuthKey" => super::bind::bind_temp_auth_key(ctx, o),
        "help.getConfig" => encode(&objects::config(ctx.now, ctx.dc_id, ctx.port)),
        "help.getNearestDc" => encode(&Value::Object(
            Object::new("nearestDc")
                .with("country", "XX")
                .with("this_dc", ctx.dc_id)
                .with("nearest_dc", ctx.dc_id),
        )),
        "auth.sendCode" => send_code(ctx, o),
        "auth.signIn" => sign_in(ctx, o),
        "auth.signUp" => sign_up(ctx, o),
        "messages.getDhConfig" => dh_config(ctx, o),
        "users.getUsers"
        | "users.getFullUser"
        | "contacts.resolveUsername"
        | "updates.getState"
        | "updates.getDifference"
        | "messages.requestEncryption"
        | "messages.acceptEncryption"
        | "messages.discardEncryption"
        | "messages.sendEncrypted"
        | "messages.sendEncryptedService"
        | "messages.sendEncryptedFile"
        | "messages.readEncryptedHistory"
        | "messages.setEncryptedTyping"
        | "messages.receivedQueue"
        | "upload.saveFilePart"
        | "upload.saveBigFilePart"
        | "upload.getFile" => {
            let me = signed_in(ctx)?;
            user_method(ctx, o, &me)
        }
        _ => Err(fail(400, "METHOD_INVALID")),
    }
}

fn signed_in(ctx: &mut ApiCtx<'_>) -> Result<User, RpcFail> {
    ctx.state
        .user_of_key(ctx.key_id)
        .and_then(|id| ctx.state.users.get(&id))
        .cloned()
        .ok_or_else(|| fail(401, "AUTH_KEY_UNREGISTERED"))
}

fn normalize_phone(p: &str) -> String {
    p.chars().filter(char::is_ascii_digit).take(32).collect()
}

fn test_phone(o: &Object) -> Result<String, RpcFail> {
    let phone = normalize_phone(str_field(o, "phone_number")?);
    if !phone.starts_with(TEST_PHONE_PREFIX) {
        return Err(fail(400, "PHONE_NUMBER_INVALID"));
    }
    Ok(phone)
}

fn check_hash(ctx: &ApiCtx<'_>, o: &Object, phone: &str) -> Result<(), RpcFail> {
    let hash = str_field(o, "phone_code_hash")?;
    match ctx.state.codes.get(phone) {
        Some(h) if h == hash => Ok(()),
        _ => Err(fail(400, "PHONE_CODE_EXPIRED")),
    }
}

fn send_code(ctx: &mut ApiCtx<'_>, o: &Object) -> Result<Vec<u8>, RpcFail> {
    let phone = test_phone(o)?;
    let hash: String = random_bytes(8).iter().map(|b| format!("{b:02x}")).collect();
    ctx.state.add_code(&phone, hash.clone());
    encode(&Value::Object(
        Object::new("auth.sentCode")
            .with(
                "type",
                Object::new("auth.sentCodeTypeApp").with("length", 5),
            )
            .with("phone_code_hash", hash),
    ))
}

fn authorization(ctx: &mut ApiCtx<'_>, user: &User) -> Result<Vec<u8>, RpcFail> {
    // Signing in over a bound temporary key authorizes the permanent key.
    let key_id = ctx
        .state
        .keys
        .get(&ctx.key_id)
        .and_then(|k| k.bound_to)
        .unwrap_or(ctx.key_id);
    match ctx.state.keys.get_mut(&key_id) {
        Some(k) => k.user_id = Some(user.id),
        None => return Err(fail(401, "AUTH_KEY_UNREGISTERED")),
    }
    let u = objects::user(user, true);
    let mut out = encode(&Value::Object(
        Object::new("auth.authorization").with("user", u.clone()),
    ))?;
    objects::patch_users(&mut out, &[u], *ctx.layer);
    Ok(out)
}

fn sign_in(ctx: &mut ApiCtx<'_>, o: &Object) -> Result<Vec<u8>, RpcFail> {
    let phone = test_phone(o)?;
    check_hash(ctx, o, &phone)?;
    match o.get("phone_code") {
        Some(Value::String(c)) if c == LOGIN_CODE => {}
        Some(_) => return Err(fail(400, "PHONE_CODE_INVALID")),
        None => return Err(fail(400, "PHONE_CODE_EMPTY")),
    }
    let existing = ctx
        .state
        .phones
        .get(&phone)
        .and_then(|id| ctx.state.users.get(id))
        .cloned();
    match existing {
        Some(user) => authorization(ctx, &user),
        None => encode(&Value::Object(Object::new(
            "auth.authorizationSignUpRequired",
        ))),
    }
}

fn sign_up(ctx: &mut ApiCtx<'_>, o: &Object) -> Result<Vec<u8>, RpcFail> {
    let phone = test_phone(o)?;
    check_hash(ctx, o, &phone)?;
    let first = str_field(o, "first_name")?;
    if first.trim().is_empty() {
        return Err(fail(400, "FIRSTNAME_INVALID"));
    }
    let last = str_field(o, "last_name").unwrap_or("");
    let user = ctx
        .state
        .create_user(&phone, first, last)
        .ok_or_else(|| fail(500, "USERS_TOO_MANY"))?;
    authorization(ctx, &user)
}

fn dh_config(ctx: &mut ApiCtx<'_>, o: &Object) -> Result<Vec<u8>, RpcFail> {
    let version = int_field(o, "version")?;
    let len = int_field(o, "random_length")?;
    let len = usize::try_from(len)
        .ok()
        .filter(|l| *l <= 1024)
        .ok_or_else(|| fail(400, "RANDOM_LENGTH_INVALID"))?;
    let random = random_bytes(len);
    if version == 1 {
        return encode(&Value::Object(
            Object::new("messages.dhConfigNotModified").with("random", random),
        ));
    }
    encode(&Value::Object(
        Object::new("messages.dhConfig")
            .with("g", 3)
            .with("p", ctx.dh_prime.to_vec())
            .with("version", 1)
            .with("random", random),
    ))
}

fn resolve_input_user(ctx: &ApiCtx<'_>, v: &Value, me: &User) -> Option<User> {
    let o = v.as_object()?;
    match o.name.as_str() {
        "inputUserSelf" => Some(me.clone()),
        "inputUser" => {
            let id = int_field(o, "user_id").ok()?;
            let hash = int_field(o, "access_hash").ok()?;
            ctx.state
                .users
                .get(&id)
                .filter(|u| u.access_hash == hash || u.id == me.id)
                .cloned()
        }
        _ => None,
    }
}

fn user_method(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    match o.name.as_str() {
        "users.getUsers" => {
            let Value::Vector(ids) = field(o, "id")? else {
                return Err(fail(400, "INPUT_REQUEST_INVALID"));
            };
            if ids.len() > 200 {
                return Err(fail(400, "LIMIT_INVALID"));
            }
            let mut items = Vec::new();
            let mut users = Vec::new();
            for v in ids {
                if let Some(u) = resolve_input_user(ctx, v, me) {
                    let value = objects::user(&u, u.id == me.id);
                    items.push(encode(&value)?);
                    users.push(value);
                }
            }
            let mut out = objects::vector_bytes(&items);
            objects::patch_users(&mut out, &users, *ctx.layer);
            Ok(out)
        }
        "users.getFullUser" => {
            let u = resolve_input_user(ctx, field(o, "id")?, me)
                .ok_or_else(|| fail(400, "USER_ID_INVALID"))?;
            let uv = objects::user(&u, u.id == me.id);
            let mut out = encode(&Value::Object(
                Object::new("users.userFull")
                    .with("full_user", objects::user_full(&u))
                    .with("chats", Value::Vector(Vec::new()))
                    .with("users", Value::Vector(vec![uv.clone()])),
            ))?;
            objects::patch_users(&mut out, &[uv], *ctx.layer);
            Ok(out)
        }
        "contacts.resolveUsername" => {
            let name = str_field(o, "username")?.trim_start_matches('@');
            let u = ctx
                .state
                .users
                .values()
                .find(|u| u.username.eq_ignore_ascii_case(name))
                .cloned()
                .ok_or_else(|| fail(400, "USERNAME_NOT_OCCUPIED"))?;
            let uv = objects::user(&u, u.id == me.id);
            let mut out = encode(&Value::Object(
                Object::new("contacts.resolvedPeer")
                    .with("peer", Object::new("peerUser").with("user_id", u.id))
                    .with("chats", Value::Vector(Vec::new()))
                    .with("users", Value::Vector(vec![uv.clone()])),
            ))?;
            objects::patch_users(&mut out, &[uv], *ctx.layer);
            Ok(out)
        }
        "updates.getState" => secret::get_state(ctx, me),
        "updates.getDifference" => secret::get_difference(ctx, o, me),
        "messages.requestEncryption" => {
            let peer = resolve_input_user(ctx, field(o, "user_id")?, me);
            secret::request(ctx, o, me, peer)
        }
        "messages.acceptEncryption" => secret::accept(ctx, o, me),
        "messages.discardEncryption" => secret::discard(ctx, o, me),
        "messages.sendEncrypted"
        | "messages.sendEncryptedService"
        | "messages.sendEncryptedFile" => secret::send(ctx, o, me),
        "messages.readEncryptedHistory" | "messages.setEncryptedTyping" => {
            secret::read_or_typing(ctx, o, me)
        }
        "messages.receivedQueue" => secret::received_queue(ctx, o, me),
        "upload.saveFilePart" | "upload.saveBigFilePart" => upload::save_part(ctx, o, me),
        "upload.getFile" => upload::get_file(ctx, o),
        _ => Err(fail(400, "METHOD_INVALID")),
    }
}
