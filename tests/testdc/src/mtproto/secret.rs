//! Secret chats on the server: it relays the Diffie-Hellman values and the encrypted
//! messages between the two users, never seeing a key. Every send also pushes an update to
//! the peer's connected sessions (through [`SecretState::outbox`]) and logs it for
//! updates.getDifference (qts for encrypted messages).
//!
//! Errors follow the method pages: ENCRYPTION_ID_INVALID (no such chat or not a
//! participant), CHAT_ID_INVALID (wrong access_hash), ENCRYPTION_ALREADY_ACCEPTED,
//! ENCRYPTION_ALREADY_DECLINED, USER_ID_INVALID, DH_G_A_INVALID / DH_G_B_INVALID (not 256
//! bytes), ENCRYPTION_DECLINED (sending to a discarded chat), MSG_WAIT_FAILED...

use mtproto_wasm::tl::{Object, Value};

use super::api::{ApiCtx, RpcFail, encode, fail, field, int_field};
use super::secret_state::{EncChat, MAX_CHATS_PER_USER, MAX_FILE, SecretState};
use super::state::{User, random_i64};

fn bytes_field<'v>(o: &'v Object, name: &str) -> Result<&'v [u8], RpcFail> {
    match field(o, name)? {
        Value::Bytes(b) => Ok(b),
        Value::String(s) => Ok(s.as_bytes()),
        _ => Err(fail(400, "INPUT_REQUEST_INVALID")),
    }
}

fn now32(ctx: &ApiCtx<'_>) -> i32 {
    i32::try_from(ctx.now).unwrap_or(i32::MAX)
}

fn ok_true() -> Result<Vec<u8>, RpcFail> {
    encode(&Value::Bool(true))
}

/// Wraps one update as `updates` and queues it for every session of `user`.
pub fn push(state: &mut SecretState, user: i64, update: Value, date: i32) {
    let updates = Object::new("updates")
        .with("updates", Value::Vector(vec![update]))
        .with("users", Value::Vector(Vec::new()))
        .with("chats", Value::Vector(Vec::new()))
        .with("date", date)
        .with("seq", 0);
    if let Ok(bytes) = mtproto_wasm::tl::encode_value(&Value::Object(updates)) {
        state.outbox.push((user, bytes));
    }
}

/// Logs and pushes a non-encrypted update.
fn notify(state: &mut SecretState, user: i64, update: Value, date: i32) {
    state.log(user, update.clone(), None);
    push(state, user, update, date);
}

fn chat_object(c: &EncChat, for_admin: bool) -> Value {
    if c.discarded {
        return Object::new("encryptedChatDiscarded")
            .with("id", c.id)
            .into();
    }
    match &c.accepted {
        None if for_admin => Object::new("encryptedChatWaiting")
            .with("id", c.id)
            .with("access_hash", c.access_hash)
            .with("date", c.date)
            .with("admin_id", c.admin_id)
            .with("participant_id", c.participant_id)
            .into(),
        None => Object::new("encryptedChatRequested")
            .with("id", c.id)
            .with("access_hash", c.access_hash)
            .with("date", c.date)
            .with("admin_id", c.admin_id)
            .with("participant_id", c.participant_id)
            .with("g_a", c.g_a.clone())
            .into(),
        Some((g_b, fp)) => Object::new("encryptedChat")
            .with("id", c.id)
            .with("access_hash", c.access_hash)
            .with("date", c.date)
            .with("admin_id", c.admin_id)
            .with("participant_id", c.participant_id)
            .with(
                "g_a_or_b",
                if for_admin {
                    g_b.clone()
                } else {
                    c.g_a.clone()
                },
            )
            .with("key_fingerprint", *fp)
            .into(),
    }
}

/// The chat named by an inputEncryptedChat, checked for the caller.
fn input_chat(ctx: &ApiCtx<'_>, o: &Object, me: &User) -> Result<EncChat, RpcFail> {
    let peer = field(o, "peer")?
        .as_object()
        .ok_or_else(|| fail(400, "INPUT_REQUEST_INVALID"))?;
    let id =
        i32::try_from(int_field(peer, "chat_id")?).map_err(|_| fail(400, "CHAT_ID_INVALID"))?;
    let hash = int_field(peer, "access_hash")?;
    let chat = ctx
        .state
        .secret
        .chats
        .get(&id)
        .ok_or_else(|| fail(400, "ENCRYPTION_ID_INVALID"))?;
    if chat.peer_of(me.id).is_none() {
        return Err(fail(400, "ENCRYPTION_ID_INVALID"));
    }
    if chat.access_hash != hash {
        return Err(fail(400, "CHAT_ID_INVALID"));
    }
    Ok(chat.clone())
}

/// messages.requestEncryption.
pub fn request(
    ctx: &mut ApiCtx<'_>,
    o: &Object,
    me: &User,
    peer: Option<User>,
) -> Result<Vec<u8>, RpcFail> {
    let peer = peer
        .filter(|p| p.id != me.id)
        .ok_or_else(|| fail(400, "USER_ID_INVALID"))?;
    let g_a = bytes_field(o, "g_a")?;
    if g_a.len() != 256 {
        return Err(fail(400, "DH_G_A_INVALID"));
    }
    let s = &mut ctx.state.secret;
    if s.chats_of(me.id) >= MAX_CHATS_PER_USER || s.chats_of(peer.id) >= MAX_CHATS_PER_USER {
        return Err(fail(400, "ENCRYPTION_OCCUPY_FAILED"));
    }
    s.last_chat_id += 1;
    let chat = EncChat {
        id: s.last_chat_id,
        access_hash: random_i64(),
        admin_id: me.id,
        participant_id: peer.id,
        date: now32(ctx),
        g_a: g_a.to_vec(),
        accepted: None,
        discarded: false,
    };
    let date = chat.date;
    let s = &mut ctx.state.secret;
    s.chats.insert(chat.id, chat.clone());
    let update = Object::new("updateEncryption")
        .with("chat", chat_object(&chat, false))
        .with("date", date);
    notify(s, peer.id, update.into(), date);
    encode(&chat_object(&chat, true))
}

/// messages.acceptEncryption.
pub fn accept(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    let chat = input_chat(ctx, o, me)?;
    if chat.discarded {
        return Err(fail(400, "ENCRYPTION_ALREADY_DECLINED"));
    }
    if chat.accepted.is_some() {
        return Err(fail(400, "ENCRYPTION_ALREADY_ACCEPTED"));
    }
    if chat.participant_id != me.id {
        return Err(fail(400, "ENCRYPTION_ID_INVALID"));
    }
    let g_b = bytes_field(o, "g_b")?;
    if g_b.len() != 256 {
        return Err(fail(400, "DH_G_B_INVALID"));
    }
    let fp = int_field(o, "key_fingerprint")?;
    let date = now32(ctx);
    let s = &mut ctx.state.secret;
    let Some(c) = s.chats.get_mut(&chat.id) else {
        return Err(fail(400, "ENCRYPTION_ID_INVALID"));
    };
    c.accepted = Some((g_b.to_vec(), fp));
    let chat = c.clone();
    let update = Object::new("updateEncryption")
        .with("chat", chat_object(&chat, true))
        .with("date", date);
    notify(s, chat.admin_id, update.into(), date);
    encode(&chat_object(&chat, false))
}

/// messages.discardEncryption.
pub fn discard(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    let id = i32::try_from(int_field(o, "chat_id")?).map_err(|_| fail(400, "CHAT_ID_INVALID"))?;
    let delete = matches!(o.get("delete_history"), Some(Value::Bool(true)));
    let date = now32(ctx);
    let s = &mut ctx.state.secret;
    let chat = s
        .chats
        .get_mut(&id)
        .ok_or_else(|| fail(400, "ENCRYPTION_ID_INVALID"))?;
    let Some(peer) = chat.peer_of(me.id) else {
        return Err(fail(400, "ENCRYPTION_ID_INVALID"));
    };
    if chat.discarded {
        return Err(fail(400, "ENCRYPTION_ALREADY_DECLINED"));
    }
    chat.discarded = true;
    let mut obj = Object::new("encryptedChatDiscarded").with("id", id);
    if delete {
        obj = obj.with("history_deleted", true);
    }
    let update: Value = Object::new("updateEncryption")
        .with("chat", obj)
        .with("date", date)
        .into();
    notify(s, peer, update, date);
    ok_true()
}

/// messages.sendEncrypted, sendEncryptedService and sendEncryptedFile.
pub fn send(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    let chat = input_chat(ctx, o, me)?;
    if chat.discarded || chat.accepted.is_none() {
        return Err(fail(400, "ENCRYPTION_DECLINED"));
    }
    let random_id = int_field(o, "random_id")?;
    let data = bytes_field(o, "data")?.to_vec();
    if data.len() > 64 * 1024 {
        return Err(fail(400, "DATA_TOO_LONG"));
    }
    if let Some(answer) = ctx.state.secret.sent.get(&(me.id, random_id)) {
        return Ok(answer.clone()); // the same send again: same answer, no second delivery
    }
    let date = now32(ctx);
    let service = o.name == "messages.sendEncryptedService";
    let file = match o.name.as_str() {
        "messages.sendEncryptedFile" => Some(super::upload::attach(ctx, field(o, "file")?, me)?),
        _ => None,
    };
    let answer = match &file {
        Some(f) => encode(
            &Object::new("messages.sentEncryptedFile")
                .with("date", date)
                .with("file", f.clone())
                .into(),
        )?,
        None => encode(
            &Object::new("messages.sentEncryptedMessage")
                .with("date", date)
                .into(),
        )?,
    };
    let s = &mut ctx.state.secret;
    s.remember_send((me.id, random_id), answer.clone());
    if s.drop_encrypted_messages > 0 {
        s.drop_encrypted_messages -= 1;
        return Ok(answer);
    }
    let mut data = data;
    if crate::faults::take(&mut s.corrupt_encrypted_messages) {
        crate::faults::flip_bit(&mut data);
    }
    let copies = if crate::faults::take(&mut s.duplicate_encrypted_messages) {
        2
    } else {
        1
    };
    let mut msg = Object::new(if service {
        "encryptedMessageService"
    } else {
        "encryptedMessage"
    })
    .with("random_id", random_id)
    .with("chat_id", chat.id)
    .with("date", date)
    .with("bytes", data);
    if !service {
        msg = msg.with(
            "file",
            file.unwrap_or_else(|| Object::new("encryptedFileEmpty").into()),
        );
    }
    let Some(peer) = chat.peer_of(me.id) else {
        return Err(fail(400, "ENCRYPTION_ID_INVALID"));
    };
    for _ in 0..copies {
        let (qts, _) = s.log(peer, msg.clone().into(), Some(random_id));
        let update = Object::new("updateNewEncryptedMessage")
            .with("message", msg.clone())
            .with("qts", qts.unwrap_or(0));
        push(s, peer, update.into(), date);
    }
    Ok(answer)
}

/// messages.readEncryptedHistory and messages.setEncryptedTyping.
pub fn read_or_typing(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    let chat = input_chat(ctx, o, me)?;
    let Some(peer) = chat.peer_of(me.id) else {
        return Err(fail(400, "ENCRYPTION_ID_INVALID"));
    };
    let date = now32(ctx);
    let s = &mut ctx.state.secret;
    if o.name == "messages.readEncryptedHistory" {
        let max_date = int_field(o, "max_date")?;
        let update = Object::new("updateEncryptedMessagesRead")
            .with("chat_id", chat.id)
            .with("max_date", i32::try_from(max_date).unwrap_or(i32::MAX))
            .with("date", date);
        notify(s, peer, update.into(), date);
    } else {
        // Typing is not kept for getDifference, as on Telegram.
        push(
            s,
            peer,
            Object::new("updateEncryptedChatTyping")
                .with("chat_id", chat.id)
                .into(),
            date,
        );
    }
    ok_true()
}

/// messages.receivedQueue: confirms encrypted updates up to max_qts, which are dropped.
pub fn received_queue(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    let max_qts = int_field(o, "max_qts")?;
    let u = ctx.state.secret.updates.entry(me.id).or_default();
    if max_qts > i64::from(u.qts) {
        return Err(fail(400, "MAX_QTS_INVALID"));
    }
    let mut ids = Vec::new();
    u.log.retain(|st| match st.qts {
        Some(q) if i64::from(q) <= max_qts => {
            ids.push(st.random_id.to_le_bytes().to_vec());
            false
        }
        _ => true,
    });
    // Vector<long>: the encoder wants a boxed object, so the vector is written by hand.
    Ok(super::objects::vector_bytes(&ids))
}

/// updates.getState.
pub fn get_state(ctx: &mut ApiCtx<'_>, me: &User) -> Result<Vec<u8>, RpcFail> {
    encode(&state_object(ctx, me).into())
}

fn state_object(ctx: &mut ApiCtx<'_>, me: &User) -> Object {
    let date = now32(ctx);
    let u = ctx.state.secret.updates.entry(me.id).or_default();
    Object::new("updates.state")
        .with("pts", u.pts)
        .with("qts", u.qts)
        .with("date", date)
        .with("seq", 0)
        .with("unread_count", 0)
}

/// updates.getDifference: encrypted messages after `qts` and other updates after `pts`.
pub fn get_difference(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    let pts = int_field(o, "pts")?;
    let qts = o.get("qts").and_then(|v| match v {
        Value::Int(q) => Some(i64::from(*q)),
        _ => None,
    });
    let date = now32(ctx);
    let u = ctx.state.secret.updates.entry(me.id).or_default();
    let mut enc = Vec::new();
    let mut other = Vec::new();
    for st in &u.log {
        match st.qts {
            Some(q) if qts.is_some_and(|want| i64::from(q) > want) => enc.push(st.update.clone()),
            None if i64::from(st.pts) > pts => other.push(st.update.clone()),
            _ => {}
        }
    }
    if enc.is_empty() && other.is_empty() {
        return encode(
            &Object::new("updates.differenceEmpty")
                .with("date", date)
                .with("seq", 0)
                .into(),
        );
    }
    let state = state_object(ctx, me);
    encode(
        &Object::new("updates.difference")
            .with("new_messages", Value::Vector(Vec::new()))
            .with("new_encrypted_messages", Value::Vector(enc))
            .with("other_updates", Value::Vector(other))
            .with("chats", Value::Vector(Vec::new()))
            .with("users", Value::Vector(Vec::new()))
            .with("state", state)
            .into(),
    )
}

/// Sizes the test API reports.
pub fn limits() -> (usize, usize) {
    (MAX_CHATS_PER_USER, MAX_FILE)
}
