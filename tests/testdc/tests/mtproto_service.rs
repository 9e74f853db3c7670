//! Service messages and the server's checks, with forged client messages (the core's
//! envelope functions, bypassing the client `Session`'s policy).

mod common;

use std::sync::Arc;

use common::client::{RawSession, now_ms};
use common::{TestDc, start_with};
use mtproto_testdc::MtprotoFactory;
use mtproto_testdc::mtproto::api::LOGIN_CODE;
use mtproto_wasm::tl::mtproto::{functions, types};
use mtproto_wasm::tl::{self, Deserializable, Object, Serializable, Value};

async fn start() -> TestDc {
    start_with(Arc::new(MtprotoFactory::default()), |_| {}).await
}

fn ping(id: i64) -> Vec<u8> {
    functions::Ping { ping_id: id }.to_bytes()
}

fn bad_msg(body: &[u8]) -> types::BadMsgNotification {
    types::BadMsgNotification::from_bytes(body)
        .unwrap_or_else(|e| panic!("not a bad_msg_notification ({e:?}): {body:02x?}"))
}

fn pong(body: &[u8]) -> types::Pong {
    types::Pong::from_bytes(body).unwrap_or_else(|e| panic!("not a pong ({e:?}): {body:02x?}"))
}

fn container(msgs: &[(i64, i32, Vec<u8>)]) -> Vec<u8> {
    let mut out = types::MsgContainer::CONSTRUCTOR_ID.to_le_bytes().to_vec();
    out.extend_from_slice(&(msgs.len() as u32).to_le_bytes());
    for (id, seq, body) in msgs {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(&(body.len() as i32).to_le_bytes());
        out.extend_from_slice(body);
    }
    out
}

/// A raw session whose first exchange (new_session_created, pong) is done.
async fn opened(dc: &TestDc) -> RawSession {
    let mut s = RawSession::open(dc.port()).await;
    s.send(&ping(1)).await;
    let mut seen = Vec::new();
    let (_, body) = s.expect(types::Pong::CONSTRUCTOR_ID, &mut seen).await;
    assert_eq!(pong(&body).ping_id, 1);
    assert!(
        seen.iter()
            .any(|b| b[..4] == types::NewSessionCreated::CONSTRUCTOR_ID.to_le_bytes()),
        "no new_session_created"
    );
    s
}

#[tokio::test]
async fn bad_msg_ids_get_16_17_18() {
    let dc = start().await;
    let mut s = opened(&dc).await;
    let now = (now_ms() / 1000) as i64;
    let cases = [
        (s.msg_id() + 1, 18),
        ((now - 600) << 32, 16),
        ((now + 120) << 32, 17),
    ];
    for (id, code) in cases {
        let seq = s.seq(true);
        s.send_raw(id, seq, &ping(2)).await;
        let b = bad_msg(&s.next_reply().await);
        assert_eq!((b.bad_msg_id, b.error_code), (id, code));
    }
    // Still usable.
    s.send(&ping(3)).await;
    assert_eq!(pong(&s.next_reply().await).ping_id, 3);
}

#[tokio::test]
async fn bad_seq_nos_get_32_to_35() {
    let dc = start().await;
    let mut s = opened(&dc).await;
    // Content-related with an even seq_no: 35.
    let id = s.msg_id();
    s.send_raw(id, 20, &ping(2)).await;
    assert_eq!(bad_msg(&s.next_reply().await).error_code, 35);
    // msgs_ack with an odd seq_no: 34.
    let id = s.msg_id();
    let ack = types::MsgsAck { msg_ids: vec![1] }.to_bytes();
    s.send_raw(id, 21, &ack).await;
    assert_eq!(bad_msg(&s.next_reply().await).error_code, 34);
    // A higher msg_id with a lower seq_no: 32.
    let (a, b) = (s.msg_id(), s.msg_id());
    s.send_raw(a, 41, &ping(4)).await;
    assert_eq!(pong(&s.next_reply().await).ping_id, 4);
    s.send_raw(b, 39, &ping(5)).await;
    assert_eq!(bad_msg(&s.next_reply().await).error_code, 32);
    // A lower msg_id with a higher seq_no: 33.
    let (c, d) = (s.msg_id(), s.msg_id());
    s.send_raw(d, 51, &ping(6)).await;
    assert_eq!(pong(&s.next_reply().await).ping_id, 6);
    s.send_raw(c, 53, &ping(7)).await;
    assert_eq!(bad_msg(&s.next_reply().await).error_code, 33);
}

#[tokio::test]
async fn containers_good_and_bad() {
    let dc = start().await;
    let mut s = opened(&dc).await;
    let (i1, q1) = (s.msg_id(), s.seq(true));
    let (i2, q2) = (s.msg_id(), s.seq(true));
    let (c, cq) = (s.msg_id(), s.seq(false));
    s.send_raw(c, cq, &container(&[(i1, q1, ping(11)), (i2, q2, ping(12))]))
        .await;
    let mut ids = vec![
        pong(&s.next_reply().await).ping_id,
        pong(&s.next_reply().await).ping_id,
    ];
    ids.sort();
    assert_eq!(ids, [11, 12]);
    // An inner msg_id above the container's: 64.
    let (c, cq) = (s.msg_id(), s.seq(false));
    let (i3, q3) = (s.msg_id(), s.seq(true));
    s.send_raw(c, cq, &container(&[(i3, q3, ping(13))])).await;
    let b = bad_msg(&s.next_reply().await);
    assert_eq!((b.bad_msg_id, b.error_code), (c, 64));
}

#[tokio::test]
async fn duplicates_are_ignored_and_salt_is_checked() {
    let dc = start().await;
    let mut s = opened(&dc).await;
    let id = s.msg_id();
    let seq = s.seq(true);
    let packet = s.send_raw(id, seq, &ping(21)).await;
    assert_eq!(pong(&s.next_reply().await).ping_id, 21);
    s.conn.send(&packet).await; // the same packet again: no answer
    s.send(&ping(22)).await;
    assert_eq!(pong(&s.next_reply().await).ping_id, 22);
    // A wrong salt: bad_server_salt with the right one; the message is not processed.
    let good = s.salt;
    s.salt ^= 0x5555;
    let id = s.send(&ping(23)).await;
    let b = types::BadServerSalt::from_bytes(&s.next_reply().await).unwrap();
    assert_eq!((b.bad_msg_id, b.error_code), (id, 48));
    assert_eq!(b.new_server_salt as u64, good);
    s.salt = b.new_server_salt as u64;
    s.send(&ping(24)).await;
    assert_eq!(pong(&s.next_reply().await).ping_id, 24);
}

#[tokio::test]
async fn state_resend_salts_drop_and_destroy() {
    let dc = start().await;
    let mut s = opened(&dc).await;
    let p = s.send(&ping(31)).await;
    let mut seen = Vec::new();
    let (pong_id, body) = s.expect(types::Pong::CONSTRUCTOR_ID, &mut seen).await;
    assert_eq!(pong(&body).ping_id, 31);
    // msgs_state_req: received and acked, processing complete (4 + 8 + 32; a pong is no
    // rpc_result, so no +64); not yet received, too high (3).
    let future = s.msg_id() + (1 << 32);
    let req = s
        .send(
            &types::MsgsStateReq {
                msg_ids: vec![p, future],
            }
            .to_bytes(),
        )
        .await;
    let info = types::MsgsStateInfo::from_bytes(&s.next_reply().await).unwrap();
    assert_eq!((info.req_msg_id, info.info), (req, vec![44, 3]));
    // msg_resend_ans_req for a query whose answer is not kept: state 1, one byte per id.
    let req = s
        .send(
            &types::MsgResendAnsReq {
                msg_ids: vec![p, 12345],
            }
            .to_bytes(),
        )
        .await;
    let info = types::MsgsStateInfo::from_bytes(&s.next_reply().await).unwrap();
    assert_eq!((info.req_msg_id, info.info), (req, vec![1, 1]));
    // msg_resend_req: the pong again (under a new msg_id); an unknown id: state 1.
    s.send(
        &types::MsgResendReq {
            msg_ids: vec![pong_id],
        }
        .to_bytes(),
    )
    .await;
    let (again_id, again) = s.expect(types::Pong::CONSTRUCTOR_ID, &mut seen).await;
    assert_eq!(pong(&again).ping_id, 31);
    assert_ne!(again_id, pong_id);
    let req = s
        .send(
            &types::MsgResendReq {
                msg_ids: vec![12345],
            }
            .to_bytes(),
        )
        .await;
    let info = types::MsgsStateInfo::from_bytes(&s.next_reply().await).unwrap();
    assert_eq!((info.req_msg_id, info.info), (req, vec![1]));
    // get_future_salts: 3 salts of 30 minutes, the first valid now.
    let req = s
        .send(&functions::GetFutureSalts { num: 3 }.to_bytes())
        .await;
    let f = types::FutureSalts::from_bytes(&s.next_reply().await).unwrap();
    assert_eq!(f.req_msg_id, req);
    assert_eq!(f.salts.len(), 3);
    assert!(f.salts[0].valid_since <= f.now && f.now < f.salts[0].valid_until);
    for w in f.salts.windows(2) {
        assert_eq!(w[0].valid_until, w[1].valid_since);
        assert_eq!(w[1].valid_until - w[1].valid_since, 1800);
    }
    // rpc_drop_answer: the answer was already sent.
    let req = s
        .send(&functions::RpcDropAnswer { req_msg_id: p }.to_bytes())
        .await;
    let r = types::RpcResult::from_bytes(&s.next_reply().await).unwrap();
    assert_eq!(r.req_msg_id, p);
    assert_eq!(r.result, types::RpcAnswerUnknown {}.to_bytes());
    let _ = req;
    // destroy_session: another session of the same key.
    let (a_id, a_sent) = (s.session_id, s.content_sent);
    s.session_id ^= 0xabcdef;
    s.content_sent = 0;
    let b_id = s.session_id;
    s.send(&ping(32)).await;
    let (_, body) = s.expect(types::Pong::CONSTRUCTOR_ID, &mut seen).await;
    assert_eq!(pong(&body).ping_id, 32);
    (s.session_id, s.content_sent) = (a_id, a_sent);
    for expect_ok in [true, false] {
        s.send(
            &functions::DestroySession {
                session_id: b_id as i64,
            }
            .to_bytes(),
        )
        .await;
        let body = s.next_reply().await;
        let want = if expect_ok {
            types::DestroySessionOk::CONSTRUCTOR_ID
        } else {
            types::DestroySessionNone::CONSTRUCTOR_ID
        };
        assert_eq!(body[..4], want.to_le_bytes());
    }
}

async fn call(s: &mut RawSession, method: Object) -> Vec<u8> {
    let id = s
        .send(&tl::encode_value(&Value::Object(method)).unwrap())
        .await;
    let mut seen = Vec::new();
    let (_, body) = s.expect(types::RpcResult::CONSTRUCTOR_ID, &mut seen).await;
    let r = types::RpcResult::from_bytes(&body).unwrap();
    assert_eq!(r.req_msg_id, id);
    r.result
}

#[tokio::test]
async fn large_answers_are_gzip_packed() {
    let dc = start().await;
    let mut s = opened(&dc).await;
    let phone = "99966777";
    let sent = call(
        &mut s,
        Object::new("auth.sendCode")
            .with("phone_number", phone)
            .with("api_id", 1)
            .with("api_hash", "x")
            .with("settings", Object::new("codeSettings")),
    )
    .await;
    let sent = tl::decode_value(&sent).unwrap();
    let hash = sent
        .as_object()
        .unwrap()
        .get("phone_code_hash")
        .unwrap()
        .clone();
    let r = call(
        &mut s,
        Object::new("auth.signIn")
            .with("phone_number", phone)
            .with("phone_code_hash", hash.clone())
            .with("phone_code", LOGIN_CODE),
    )
    .await;
    assert_eq!(
        tl::decode_value(&r).unwrap().as_object().unwrap().name,
        "auth.authorizationSignUpRequired"
    );
    call(
        &mut s,
        Object::new("auth.signUp")
            .with("phone_number", phone)
            .with("phone_code_hash", hash)
            .with("first_name", "Big")
            .with("last_name", ""),
    )
    .await;
    let selves = vec![Value::Object(Object::new("inputUserSelf")); 100];
    let r = call(
        &mut s,
        Object::new("users.getUsers").with("id", Value::Vector(selves)),
    )
    .await;
    assert_eq!(r[..4], types::GzipPacked::CONSTRUCTOR_ID.to_le_bytes());
    let inflated = tl::gzip::gunzip(
        &types::GzipPacked::from_bytes(&r).unwrap().packed_data,
        1 << 20,
    )
    .unwrap();
    assert!(inflated.len() > 1024 && inflated.len() > r.len());
    let Value::Vector(users) = tl::decode_result("users.getUsers", &inflated).unwrap() else {
        panic!("not a vector")
    };
    assert_eq!(users.len(), 100);
}

#[tokio::test]
async fn hostile_input_never_hurts_other_connections() {
    use common::TestRng;
    use common::client::{MtClient, Route};
    use mtproto_wasm::transport::Framing;
    use tokio::io::AsyncWriteExt;

    let dc = start().await;
    let mut s = opened(&dc).await;
    let key_id = s.key.id().to_le_bytes();
    let mut rng = TestRng(0x0123_4567_89ab_cdef);
    for round in 0..120u64 {
        let framing = [
            Framing::Abridged,
            Framing::Intermediate,
            Framing::PaddedIntermediate,
            Framing::Full,
        ][(round % 4) as usize];
        let obfuscated = framing != Framing::Full && round % 3 == 0;
        let mut c = MtClient::connect(dc.port(), Route::tcp(framing, obfuscated)).await;
        for _ in 0..3 {
            let len = 4 * (1 + (rng.next_u64() % 300) as usize);
            let mut junk = rng.bytes(len);
            match rng.next_u64() % 4 {
                // An unencrypted packet: the handshake sees junk.
                0 if len >= 8 => junk[..8].fill(0),
                // A plain-looking req_pq_multi followed by junk.
                1 if len >= 40 => {
                    junk[..8].fill(0);
                    junk[16..20].copy_from_slice(&((len - 20) as u32).to_le_bytes());
                    junk[20..24].copy_from_slice(&0xbe7e_8ef1_u32.to_le_bytes());
                }
                // Our key id with garbage after it: dropped, the connection lives.
                2 if len >= 8 => junk[..8].copy_from_slice(&key_id),
                _ => {}
            }
            if !c.try_send(&junk).await {
                break;
            }
        }
        // Raw junk bytes, not even framed.
        let n = 1 + (rng.next_u64() % 200) as usize;
        let junk = rng.bytes(n);
        c.try_write(&junk).await;
        drop(c);
        if round % 20 == 0 {
            s.send(&ping(round as i64)).await;
            assert_eq!(pong(&s.next_reply().await).ping_id, round as i64);
        }
    }
    // A raw connection that sends random bytes before any tag.
    for _ in 0..20 {
        let mut t = dc.connect().await;
        let n = 1 + (rng.next_u64() % 500) as usize;
        let junk = rng.bytes(n);
        let _ = t.write_all(&junk).await;
    }
    s.send(&ping(999)).await;
    assert_eq!(pong(&s.next_reply().await).ping_id, 999);
}
