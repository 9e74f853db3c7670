//! Secret chats through the test DC, driven by the core's own secret-chat state machine on
//! both ends: request and accept, messages with qts, getDifference and receivedQueue, the
//! drop-one-message fault with its resend, files, discard, and every rpc_error path.

mod common;

use std::sync::Arc;

use common::client::{MtClient, Route, get, name, now_ms};
use common::{TestDc, start_with, within};
use mtproto_testdc::MtprotoFactory;
use mtproto_testdc::mtproto::MtprotoOptions;
use mtproto_testdc::mtproto::api::LOGIN_CODE;
use mtproto_wasm::crypto::{DhParams, DhPrimeCache, OsRandom};
use mtproto_wasm::secret::{
    ChatInfo, ChatOutput, FileKey, OutgoingRequest, SecretChat, accept_request,
};
use mtproto_wasm::session::SessionEvent;
use mtproto_wasm::tl::{self, Object, Value};
use mtproto_wasm::transport::Framing;

async fn start() -> (TestDc, Arc<MtprotoFactory>) {
    let factory = Arc::new(MtprotoFactory::new(MtprotoOptions::default()));
    let dc = start_with(factory.clone(), |_| {}).await;
    (dc, factory)
}

/// A signed-up user on its own connection: (client, user id, access_hash).
async fn user(dc: &TestDc, phone: &str) -> (MtClient, i64, i64) {
    let (mut c, _) = MtClient::ready(dc.port(), Route::tcp(Framing::Intermediate, true)).await;
    let sent = c
        .call(
            Object::new("auth.sendCode")
                .with("phone_number", phone)
                .with("api_id", 1)
                .with("api_hash", "x")
                .with("settings", Object::new("codeSettings")),
        )
        .await
        .unwrap();
    let r = c
        .call(
            Object::new("auth.signUp")
                .with("phone_number", phone)
                .with("phone_code_hash", get(&sent, "phone_code_hash").clone())
                .with("first_name", phone)
                .with("last_name", ""),
        )
        .await
        .unwrap();
    let _ = LOGIN_CODE;
    let u = get(&r, "user");
    let (Value::Long(id), Value::Long(hash)) =
        (get(u, "id").clone(), get(u, "access_hash").clone())
    else {
        panic!("user without id/hash")
    };
    (c, id, hash)
}

/// The next pushed update (the single update inside `updates`).
async fn next_update(c: &mut MtClient) -> Value {
    loop {
        if let Some(i) = c
            .events
            .iter()
            .position(|e| matches!(e, SessionEvent::Update { .. }))
        {
            let SessionEvent::Update { body } = c.events.remove(i) else {
                unreachable!()
            };
            let v = tl::decode_value(&body).unwrap();
            assert_eq!(name(&v), "updates");
            let Value::Vector(list) = get(&v, "updates").clone() else {
                panic!()
            };
            return list.into_iter().next().unwrap();
        }
        let frame = within(c.recv()).await.expect("connection closed");
        let s = c.session.as_mut().unwrap();
        s.handle_input(now_ms(), &frame);
        while let Some(e) = s.poll_event() {
            c.events.push(e);
        }
        c.flush().await;
    }
}

fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Bytes(b) => b.clone(),
        Value::String(s) => s.as_bytes().to_vec(),
        other => panic!("not bytes: {other:?}"),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => i64::from(*i),
        Value::Long(l) => *l,
        other => panic!("not an int: {other:?}"),
    }
}

async fn dh_config(c: &mut MtClient) -> (DhParams, Vec<u8>) {
    let cfg = c
        .call(
            Object::new("messages.getDhConfig")
                .with("version", 0)
                .with("random_length", 256),
        )
        .await
        .unwrap();
    let dh = DhParams::verify(
        &bytes(get(&cfg, "p")),
        int(get(&cfg, "g")) as u32,
        &mut OsRandom,
        &mut DhPrimeCache::new(),
    )
    .unwrap();
    (dh, bytes(get(&cfg, "random")))
}

fn input_chat(id: i32, hash: i64) -> Object {
    Object::new("inputEncryptedChat")
        .with("chat_id", id)
        .with("access_hash", hash)
}

struct Ends {
    a: MtClient,
    b: MtClient,
    ca: SecretChat,
    cb: SecretChat,
    dh: DhParams,
    id: i32,
    hash: i64,
    b_id: i64,
}

async fn open_chat(dc: &TestDc) -> Ends {
    let (mut a, a_id, _) = user(dc, "9996610001").await;
    let (mut b, b_id, b_hash) = user(dc, "9996610002").await;
    let (dh, random) = dh_config(&mut a).await;
    let req = OutgoingRequest::new(&dh, &random, &mut OsRandom).unwrap();
    let waiting = a
        .call(
            Object::new("messages.requestEncryption")
                .with(
                    "user_id",
                    Object::new("inputUser")
                        .with("user_id", b_id)
                        .with("access_hash", b_hash),
                )
                .with("random_id", 7)
                .with("g_a", req.g_a().to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(name(&waiting), "encryptedChatWaiting");
    let id = int(get(&waiting, "id")) as i32;
    let hash = int(get(&waiting, "access_hash"));

    let up = next_update(&mut b).await;
    assert_eq!(name(&up), "updateEncryption");
    let requested = get(&up, "chat");
    assert_eq!(name(requested), "encryptedChatRequested");
    assert_eq!(int(get(requested, "admin_id")), a_id);
    let (bdh, brandom) = dh_config(&mut b).await;
    let info_b = ChatInfo {
        id,
        access_hash: hash,
        creator: false,
        peer_id: a_id,
    };
    let (cb, g_b, fp) = accept_request(
        &bdh,
        info_b,
        &bytes(get(requested, "g_a")),
        &brandom,
        &mut OsRandom,
        0,
    )
    .unwrap();
    let accepted = b
        .call(
            Object::new("messages.acceptEncryption")
                .with("peer", input_chat(id, hash))
                .with("g_b", g_b)
                .with("key_fingerprint", fp),
        )
        .await
        .unwrap();
    assert_eq!(name(&accepted), "encryptedChat");

    let up = next_update(&mut a).await;
    let chat = get(&up, "chat");
    assert_eq!(name(chat), "encryptedChat");
    let info_a = ChatInfo {
        id,
        access_hash: hash,
        creator: true,
        peer_id: b_id,
    };
    let ca = req
        .complete(
            &dh,
            info_a,
            &bytes(get(chat, "g_a_or_b")),
            int(get(chat, "key_fingerprint")),
            0,
        )
        .unwrap();
    assert_eq!(ca.fingerprint(), cb.fingerprint());
    Ends {
        a,
        b,
        ca,
        cb,
        dh,
        id,
        hash,
        b_id,
    }
}

/// Sends every Send output of `outs` from `c`; returns the decrypted messages.
async fn send_all(c: &mut MtClient, id: i32, hash: i64, outs: Vec<ChatOutput>) -> Vec<ChatOutput> {
    let mut rest = Vec::new();
    for o in outs {
        match o {
            ChatOutput::Send {
                random_id,
                data,
                service,
            } => {
                let method = if service {
                    "messages.sendEncryptedService"
                } else {
                    "messages.sendEncrypted"
                };
                let r = c
                    .call(
                        Object::new(method)
                            .with("peer", input_chat(id, hash))
                            .with("random_id", random_id)
                            .with("data", data),
                    )
                    .await
                    .unwrap();
                assert_eq!(name(&r), "messages.sentEncryptedMessage");
            }
            other => rest.push(other),
        }
    }
    rest
}

fn texts(outs: &[ChatOutput]) -> Vec<String> {
    outs.iter()
        .filter_map(|o| match o {
            ChatOutput::Message(m) => match &**m {
                tl::secret::enums::DecryptedMessage::DecryptedMessage(m) => Some(m.message.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Receives one updateNewEncryptedMessage on `c` into `chat`; answers any resends.
async fn receive_one(
    c: &mut MtClient,
    chat: &mut SecretChat,
    dh: &DhParams,
    id: i32,
    hash: i64,
) -> (i64, Vec<ChatOutput>) {
    let up = next_update(c).await;
    assert_eq!(name(&up), "updateNewEncryptedMessage");
    let qts = int(get(&up, "qts"));
    let msg = get(&up, "message");
    let outs = chat
        .receive(&bytes(get(msg, "bytes")), dh, &mut OsRandom, 0)
        .unwrap();
    let rest = send_all(c, id, hash, outs).await;
    (qts, rest)
}

#[tokio::test]
async fn a_secret_chat_through_the_dc() {
    let (dc, factory) = start().await;
    let mut e = open_chat(&dc).await;
    let outs = e.ca.send_text("hello", &e.dh, &mut OsRandom, 0).unwrap();
    send_all(&mut e.a, e.id, e.hash, outs).await;
    // NotifyLayer first (a service message), then the text.
    let (q1, r1) = receive_one(&mut e.b, &mut e.cb, &e.dh, e.id, e.hash).await;
    let (q2, r2) = receive_one(&mut e.b, &mut e.cb, &e.dh, e.id, e.hash).await;
    assert_eq!((q1, q2), (1, 2));
    assert!(texts(&r1).is_empty());
    assert_eq!(texts(&r2), ["hello"]);

    // getDifference from qts 0 returns both; receivedQueue confirms them.
    let diff =
        e.b.call(
            Object::new("updates.getDifference")
                .with("pts", 0)
                .with("date", 0)
                .with("qts", 0),
        )
        .await
        .unwrap();
    assert_eq!(name(&diff), "updates.difference");
    let Value::Vector(enc) = get(&diff, "new_encrypted_messages").clone() else {
        panic!()
    };
    assert_eq!(enc.len(), 2);
    let st = e.b.call(Object::new("updates.getState")).await.unwrap();
    assert_eq!(int(get(&st, "qts")), 2);
    let Value::Vector(ids) =
        e.b.call(Object::new("messages.receivedQueue").with("max_qts", 2))
            .await
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(ids.len(), 2);
    let diff =
        e.b.call(
            Object::new("updates.getDifference")
                .with("pts", 1)
                .with("date", 0)
                .with("qts", 0),
        )
        .await
        .unwrap();
    assert_eq!(name(&diff), "updates.differenceEmpty");
    assert_eq!(
        e.b.call(Object::new("messages.receivedQueue").with("max_qts", 9))
            .await
            .unwrap_err()
            .1,
        "MAX_QTS_INVALID"
    );

    // The DC swallows the next message: B sees the hole, asks for a resend, A serves it.
    factory
        .state()
        .lock()
        .unwrap()
        .secret
        .drop_encrypted_messages = 1;
    let outs = e.ca.send_text("lost", &e.dh, &mut OsRandom, 0).unwrap();
    send_all(&mut e.a, e.id, e.hash, outs).await;
    let outs = e.ca.send_text("after", &e.dh, &mut OsRandom, 0).unwrap();
    send_all(&mut e.a, e.id, e.hash, outs).await;
    let (_, r) = receive_one(&mut e.b, &mut e.cb, &e.dh, e.id, e.hash).await; // "after", queued; Resend sent
    assert!(texts(&r).is_empty());
    assert_eq!(e.cb.queued(), 1);
    let (_, r) = receive_one(&mut e.a, &mut e.ca, &e.dh, e.id, e.hash).await; // A gets Resend, resends
    assert!(texts(&r).is_empty());
    let (_, r) = receive_one(&mut e.b, &mut e.cb, &e.dh, e.id, e.hash).await;
    assert_eq!(texts(&r), ["lost", "after"]);

    // Duplicate send (same random_id): same answer, no second delivery.
    let outs =
        e.cb.send_text("typing done", &e.dh, &mut OsRandom, 0)
            .unwrap();
    let ChatOutput::Send {
        random_id, data, ..
    } = outs.last().unwrap().clone()
    else {
        panic!()
    };
    for _ in 0..2 {
        let r =
            e.b.call(
                Object::new("messages.sendEncrypted")
                    .with("peer", input_chat(e.id, e.hash))
                    .with("random_id", random_id)
                    .with("data", data.clone()),
            )
            .await
            .unwrap();
        assert_eq!(name(&r), "messages.sentEncryptedMessage");
    }
    let (_, r) = receive_one(&mut e.a, &mut e.ca, &e.dh, e.id, e.hash).await;
    assert!(texts(&r).is_empty() || texts(&r) == ["typing done"]);

    // Typing and read receipts reach the peer.
    e.b.call(
        Object::new("messages.setEncryptedTyping")
            .with("peer", input_chat(e.id, e.hash))
            .with("typing", true),
    )
    .await
    .unwrap();
    e.b.call(
        Object::new("messages.readEncryptedHistory")
            .with("peer", input_chat(e.id, e.hash))
            .with("max_date", 5),
    )
    .await
    .unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let u = next_update(&mut e.a).await;
        seen.push(name(&u).to_string());
        if seen.contains(&"updateEncryptedMessagesRead".to_string())
            && seen.contains(&"updateEncryptedChatTyping".to_string())
        {
            break;
        }
    }
    assert!(
        seen.contains(&"updateEncryptedChatTyping".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"updateEncryptedMessagesRead".to_string()),
        "{seen:?}"
    );

    // Discard: the peer is told; sending afterwards fails.
    let r =
        e.a.call(
            Object::new("messages.discardEncryption")
                .with("delete_history", true)
                .with("chat_id", e.id),
        )
        .await
        .unwrap();
    assert_eq!(r, Value::Bool(true));
    let mut discarded = false;
    for _ in 0..4 {
        let u = next_update(&mut e.b).await;
        if name(&u) == "updateEncryption" {
            assert_eq!(name(get(&u, "chat")), "encryptedChatDiscarded");
            assert_eq!(get(get(&u, "chat"), "history_deleted"), &Value::Bool(true));
            discarded = true;
            break;
        }
    }
    assert!(discarded);
    let err =
        e.b.call(
            Object::new("messages.sendEncrypted")
                .with("peer", input_chat(e.id, e.hash))
                .with("random_id", 99)
                .with("data", vec![0u8; 64]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.1, "ENCRYPTION_DECLINED");
    let _ = e.b_id;
}

#[tokio::test]
async fn rpc_errors_of_the_secret_methods() {
    let (dc, _) = start().await;
    let mut e = open_chat(&dc).await;
    let (mut c, _, _) = user(&dc, "9996610003").await;
    let accept = Object::new("messages.acceptEncryption")
        .with("peer", input_chat(e.id, e.hash))
        .with("g_b", vec![1u8; 256])
        .with("key_fingerprint", 1i64);
    assert_eq!(
        e.b.call(accept.clone()).await.unwrap_err().1,
        "ENCRYPTION_ALREADY_ACCEPTED"
    );
    assert_eq!(c.call(accept).await.unwrap_err().1, "ENCRYPTION_ID_INVALID");
    let send = |id: i32, hash: i64| {
        Object::new("messages.sendEncrypted")
            .with("peer", input_chat(id, hash))
            .with("random_id", 1i64)
            .with("data", vec![0u8; 32])
    };
    assert_eq!(
        e.a.call(send(e.id, e.hash ^ 1)).await.unwrap_err().1,
        "CHAT_ID_INVALID"
    );
    assert_eq!(
        e.a.call(send(e.id + 100, e.hash)).await.unwrap_err().1,
        "ENCRYPTION_ID_INVALID"
    );
    assert_eq!(
        c.call(send(e.id, e.hash)).await.unwrap_err().1,
        "ENCRYPTION_ID_INVALID"
    );
    let request = |user: Object, g_a: Vec<u8>| {
        Object::new("messages.requestEncryption")
            .with("user_id", user)
            .with("random_id", 1)
            .with("g_a", g_a)
    };
    assert_eq!(
        e.a.call(request(Object::new("inputUserSelf"), vec![1; 256]))
            .await
            .unwrap_err()
            .1,
        "USER_ID_INVALID"
    );
    let peer = Object::new("inputUser")
        .with("user_id", e.b_id)
        .with("access_hash", 1i64);
    assert_eq!(
        e.a.call(request(peer, vec![1; 256])).await.unwrap_err().1,
        "USER_ID_INVALID"
    );
    let err =
        e.a.call(Object::new("messages.discardEncryption").with("chat_id", e.id))
            .await;
    assert_eq!(err.unwrap(), Value::Bool(true));
    assert_eq!(
        e.b.call(Object::new("messages.discardEncryption").with("chat_id", e.id))
            .await
            .unwrap_err()
            .1,
        "ENCRYPTION_ALREADY_DECLINED"
    );
}

#[tokio::test]
async fn an_encrypted_file_goes_up_and_comes_back() {
    let (dc, _) = start().await;
    let mut e = open_chat(&dc).await;
    let data: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
    let key = FileKey::random(&mut OsRandom).unwrap();
    let enc = key.encrypt(&data, &mut OsRandom).unwrap();
    let file_id = 555i64;
    for (n, part) in enc.chunks(512 * 1024).enumerate() {
        let r =
            e.a.call(
                Object::new("upload.saveFilePart")
                    .with("file_id", file_id)
                    .with("file_part", n as i32)
                    .with("bytes", part.to_vec()),
            )
            .await
            .unwrap();
        assert_eq!(r, Value::Bool(true));
    }
    let file = Object::new("inputEncryptedFileUploaded")
        .with("id", file_id)
        .with("parts", 2)
        .with("md5_checksum", mtproto_wasm::secret::file::md5_hex(&enc))
        .with("key_fingerprint", key.fingerprint());
    let r =
        e.a.call(
            Object::new("messages.sendEncryptedFile")
                .with("peer", input_chat(e.id, e.hash))
                .with("random_id", 42i64)
                .with("data", vec![0u8; 48])
                .with("file", file),
        )
        .await
        .unwrap();
    assert_eq!(name(&r), "messages.sentEncryptedFile");
    let up = next_update(&mut e.b).await;
    let f = get(get(&up, "message"), "file");
    assert_eq!(name(f), "encryptedFile");
    assert_eq!(int(get(f, "size")), enc.len() as i64);
    let loc = Object::new("inputEncryptedFileLocation")
        .with("id", get(f, "id").clone())
        .with("access_hash", get(f, "access_hash").clone());
    let mut got = Vec::new();
    let mut offset = 0i64;
    while (got.len() as i64) < int(get(f, "size")) {
        let r =
            e.b.call(
                Object::new("upload.getFile")
                    .with("location", loc.clone())
                    .with("offset", offset)
                    .with("limit", 512 * 1024),
            )
            .await
            .unwrap();
        let chunk = bytes(get(&r, "bytes"));
        assert!(!chunk.is_empty());
        offset += chunk.len() as i64;
        got.extend_from_slice(&chunk);
    }
    let fp = int(get(f, "key_fingerprint")) as i32;
    assert_eq!(
        FileKey::from_parts(&key.key, &key.iv)
            .unwrap()
            .decrypt(fp, &got, data.len())
            .unwrap(),
        data
    );
    let bad =
        e.b.call(
            Object::new("upload.getFile")
                .with("location", loc.clone())
                .with("offset", 0i64)
                .with("limit", 1000),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.1, "LIMIT_INVALID");
    let bad_loc = Object::new("inputEncryptedFileLocation")
        .with("id", get(f, "id").clone())
        .with("access_hash", 1i64);
    let bad =
        e.b.call(
            Object::new("upload.getFile")
                .with("location", bad_loc)
                .with("offset", 0i64)
                .with("limit", 1024),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.1, "FILE_ID_INVALID");
    // A wrong md5 is refused.
    e.a.call(
        Object::new("upload.saveFilePart")
            .with("file_id", 9i64)
            .with("file_part", 0)
            .with("bytes", vec![1u8; 1024]),
    )
    .await
    .unwrap();
    let file = Object::new("inputEncryptedFileUploaded")
        .with("id", 9i64)
        .with("parts", 1)
        .with("md5_checksum", "00")
        .with("key_fingerprint", 1);
    let err =
        e.a.call(
            Object::new("messages.sendEncryptedFile")
                .with("peer", input_chat(e.id, e.hash))
                .with("random_id", 43i64)
                .with("data", vec![0u8; 48])
                .with("file", file),
        )
        .await
        .unwrap_err();
    assert_eq!(err.1, "MD5_CHECKSUM_INVALID");
}
