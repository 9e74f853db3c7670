//! Every receive check of a secret chat, fed the bad value: the message is rejected (or the
//! chat aborted where the spec says so), and the chat keeps working otherwise.

mod secret_common;

use mtproto_wasm::crypto::{AuthKey, aes_ige_encrypt, sha1};
use mtproto_wasm::secret::{
    ChatOutput, CloseReason, MAX_QUEUED, SecretChat, SecretError, key_fingerprint,
};
use mtproto_wasm::tl::secret::{enums, types};
use secret_common::forge::{action_of, forge, from_b, good, layer, read_a, sent, service, text};
use secret_common::{NOW, Pair, texts};

/// MTProto 1.0 (msg_key = SHA1(plaintext without padding)[4..20], the old key derivation).
fn forge_v1(key: &AuthKey, body: &[u8]) -> Vec<u8> {
    let mut plain = (body.len() as u32).to_le_bytes().to_vec();
    plain.extend_from_slice(body);
    let mk: [u8; 16] = sha1(&plain)[4..20].try_into().unwrap();
    while plain.len() % 16 != 0 {
        plain.push(0);
    }
    let k = key.as_bytes();
    let a = sha1(&[&mk[..], &k[0..32]].concat());
    let b = sha1(&[&k[32..48], &mk[..], &k[48..64]].concat());
    let c = sha1(&[&k[64..96], &mk[..]].concat());
    let d = sha1(&[&mk[..], &k[96..128]].concat());
    let aes_key = [&a[0..8], &b[8..20], &c[4..16]].concat();
    let aes_iv = [&a[8..20], &b[0..8], &c[16..20], &d[0..8]].concat();
    aes_ige_encrypt(&mut plain, &aes_key, &aes_iv).unwrap();
    let mut out = key_fingerprint(key).to_le_bytes().to_vec();
    out.extend_from_slice(&mk);
    out.extend_from_slice(&plain);
    out
}

fn b_gets(p: &mut Pair, data: &[u8]) -> Result<(), SecretError> {
    p.give_b(data)
}

fn closed_for(p: &Pair) -> bool {
    p.b.closed && p.b.chat.is_closed()
}

#[test]
fn malformed_packets_are_rejected() {
    let mut p = Pair::new(20);
    assert_eq!(
        b_gets(&mut p, &[1; 10]),
        Err(SecretError::PacketTooShort(10))
    );
    let fp = p.b.chat.fingerprint().to_le_bytes();
    let mut d = fp.to_vec();
    d.extend_from_slice(&[0; 16]);
    assert_eq!(b_gets(&mut p, &d), Err(SecretError::PacketTooShort(24)));
    d.extend_from_slice(&[0; 15]);
    assert_eq!(b_gets(&mut p, &d), Err(SecretError::PacketTooShort(39)));
}

#[test]
fn unknown_fingerprint_is_rejected() {
    let mut p = Pair::new(21);
    let key = p.a.chat.key().clone();
    let mut d = good(&key, &layer(16, 144, 0, 1, text("x")));
    d[0] ^= 1;
    assert!(matches!(
        b_gets(&mut p, &d),
        Err(SecretError::UnknownKeyFingerprint(_))
    ));
}

#[test]
fn mtproto_1_messages_are_rejected() {
    let mut p = Pair::new(22);
    let key = p.a.chat.key().clone();
    let d = forge_v1(&key, &layer(16, 144, 0, 1, text("old")));
    assert_eq!(b_gets(&mut p, &d), Err(SecretError::MsgKeyMismatch));
    // The same body under MTProto 2.0 is accepted: only the scheme was wrong.
    b_gets(&mut p, &good(&key, &layer(16, 144, 0, 1, text("new")))).unwrap();
    assert_eq!(texts(&p.b), ["new"]);
}

#[test]
fn bad_length_fields_and_padding_are_rejected() {
    let mut p = Pair::new(23);
    let key = p.a.chat.key().clone();
    let body = layer(16, 144, 0, 1, text("pad"));
    let n = body.len() as u32;
    let base = 12 + (16 - (4 + body.len() + 12) % 16) % 16;
    for (len, pad) in [
        (n + 2, base),                   // not a multiple of 4
        (n + base as u32 - 8, base),     // leaves 8 bytes of padding
        (n, base + 1024),                // padding over 1024
        (n + 4096, base),                // longer than the plaintext
        (n.wrapping_sub(0x10000), base), // wraps
    ] {
        let d = forge(&key, &body, len, pad);
        if (4 + body.len() + pad) % 16 != 0 {
            continue;
        }
        assert_eq!(
            b_gets(&mut p, &d),
            Err(SecretError::BadLength),
            "len {len} pad {pad}"
        );
    }
    b_gets(&mut p, &good(&key, &body)).unwrap();
    assert_eq!(texts(&p.b), ["pad"]);
}

#[test]
fn padding_below_twelve_bytes_is_rejected() {
    let mut p = Pair::new(24);
    let key = p.a.chat.key().clone();
    // Find a message whose body leaves exactly 4 bytes of padding to a block boundary.
    for extra in 0..16 {
        let body = layer(16 + extra, 144, 0, 1, text("p"));
        if (4 + body.len() + 4) % 16 == 0 {
            let d = forge(&key, &body, body.len() as u32, 4);
            assert_eq!(b_gets(&mut p, &d), Err(SecretError::BadLength));
            return;
        }
    }
    panic!("no body length fitted");
}

#[test]
fn short_random_bytes_and_old_layers_are_rejected() {
    let mut p = Pair::new(25);
    let key = p.a.chat.key().clone();
    let d = good(&key, &layer(14, 144, 0, 1, text("r")));
    assert_eq!(
        b_gets(&mut p, &d),
        Err(SecretError::RandomBytesTooShort(14))
    );
    let d = good(&key, &layer(16, 46, 0, 1, text("r")));
    assert_eq!(b_gets(&mut p, &d), Err(SecretError::LayerTooOld(46)));
    assert!(!p.b.closed);
}

#[test]
fn wrong_parity_aborts_the_chat() {
    let mut p = Pair::new(26);
    let key = p.a.chat.key().clone();
    b_gets(
        &mut p,
        &good(&key, &layer(16, 144, 0, 2, text("even from the creator"))),
    )
    .unwrap();
    assert!(closed_for(&p));
    assert!(matches!(
        p.b.chat.receive(&[0; 64], &p.dh, &mut p.b.rng, NOW),
        Err(SecretError::WrongState(_))
    ));
}

#[test]
fn wrong_in_seq_parity_and_in_seq_ahead_abort_the_chat() {
    let mut p = Pair::new(27);
    let key = p.a.chat.key().clone();
    b_gets(
        &mut p,
        &good(&key, &layer(16, 144, 1, 1, text("odd in_seq"))),
    )
    .unwrap();
    assert!(closed_for(&p));
    let mut p = Pair::new(28);
    let key = p.a.chat.key().clone();
    b_gets(
        &mut p,
        &good(&key, &layer(16, 144, 4, 1, text("B never sent two"))),
    )
    .unwrap();
    assert!(closed_for(&p));
}

#[test]
fn in_seq_going_backwards_aborts_the_chat() {
    let mut p = Pair::new(29);
    p.b_sends("b0");
    p.b_sends("b1");
    p.to_a.clear();
    let key = p.a.chat.key().clone();
    b_gets(&mut p, &good(&key, &layer(16, 144, 4, 1, text("saw two")))).unwrap();
    assert!(!p.b.closed);
    b_gets(&mut p, &good(&key, &layer(16, 144, 2, 3, text("saw one?")))).unwrap();
    assert!(closed_for(&p));
    assert!(matches!(p.b.messages.len(), 1));
}

#[test]
fn the_out_of_order_queue_is_bounded() {
    let mut p = Pair::new(30);
    let key = p.a.chat.key().clone();
    let mut last = Ok(());
    for i in 1..=(MAX_QUEUED as i32 + 1) {
        last = b_gets(
            &mut p,
            &good(&key, &layer(16, 144, 0, 2 * i + 1, text("future"))),
        );
        if last.is_err() {
            break;
        }
    }
    assert_eq!(last, Err(SecretError::QueueFull));
    assert_eq!(p.b.chat.queued(), MAX_QUEUED);
}

fn is_abort(l: &types::DecryptedMessageLayer) -> bool {
    matches!(&l.message, enums::DecryptedMessage::DecryptedMessageService(s)
        if matches!(s.action, enums::DecryptedMessageAction::DecryptedMessageActionAbortKey(_)))
}

#[test]
fn accept_key_with_a_wrong_fingerprint_or_bad_g_b_is_aborted() {
    for bad_g_b in [false, true] {
        let mut p = Pair::new(32);
        let mut out = Vec::new();
        p.a.chat.start_rekey(&p.dh, &mut p.a.rng, &mut out).unwrap();
        let request = read_a(&p, &sent(&out)[0]);
        let enums::DecryptedMessage::DecryptedMessageService(s) = &request.message else {
            panic!()
        };
        let enums::DecryptedMessageAction::DecryptedMessageActionRequestKey(r) = &s.action else {
            panic!()
        };
        let g_b = if bad_g_b { vec![2] } else { r.g_a.clone() };
        let accept = types::DecryptedMessageActionAcceptKey {
            exchange_id: r.exchange_id,
            g_b,
            key_fingerprint: 1,
        };
        let key = p.a.chat.key().clone();
        let outs =
            p.a.chat
                .receive(
                    &from_b(&key, &layer(16, 144, 1, 0, service(accept.into()))),
                    &p.dh,
                    &mut p.a.rng,
                    NOW,
                )
                .unwrap();
        let replies = sent(&outs);
        assert_eq!(replies.len(), 1);
        assert!(is_abort(&read_a(&p, &replies[0])));
        assert!(
            !outs
                .iter()
                .any(|o| matches!(o, ChatOutput::KeyChanged { .. }))
        );
        assert!(!p.a.chat.rekey_in_progress());
        assert_eq!(p.a.chat.fingerprint(), key_fingerprint(&key));
    }
}

#[test]
fn request_key_with_a_bad_g_a_is_aborted() {
    let mut p = Pair::new(35);
    let key = p.a.chat.key().clone();
    let req = types::DecryptedMessageActionRequestKey {
        exchange_id: 77,
        g_a: vec![1],
    };
    let outs =
        p.a.chat
            .receive(
                &from_b(&key, &layer(16, 144, 1, 0, service(req.into()))),
                &p.dh,
                &mut p.a.rng,
                NOW,
            )
            .unwrap();
    let replies = sent(&outs);
    assert_eq!(replies.len(), 1);
    assert!(is_abort(&read_a(&p, &replies[0])));
    assert!(!p.a.chat.rekey_in_progress());
}

/// B starts a rotation and A accepts it (A's AcceptKey is dropped): the exchange_id and the
/// new key's fingerprint from A's AcceptKey.
fn a_accepted_bs_request(p: &mut Pair) -> (i64, i64) {
    p.b_rekeys();
    for d in std::mem::take(&mut p.to_a) {
        p.give_a(&d).unwrap();
    }
    assert!(p.a.chat.rekey_in_progress());
    let payload = p.to_b.pop().unwrap();
    let accept = read_a(p, &payload);
    p.to_b.clear();
    match action_of(&accept) {
        Some(enums::DecryptedMessageAction::DecryptedMessageActionAcceptKey(a)) => {
            (a.exchange_id, a.key_fingerprint)
        }
        other => panic!("{other:?}"),
    }
}

/// A receives B's CommitKey as B's message `out_seq` (having seen A's AcceptKey).
fn a_gets_commit(
    p: &mut Pair,
    out_seq: i32,
    exchange_id: i64,
    key_fingerprint: i64,
) -> Vec<ChatOutput> {
    let commit = types::DecryptedMessageActionCommitKey {
        exchange_id,
        key_fingerprint,
    };
    let key = p.a.chat.key().clone();
    p.a.chat
        .receive(
            &from_b(&key, &layer(16, 144, 3, out_seq, service(commit.into()))),
            &p.dh,
            &mut p.a.rng,
            NOW,
        )
        .unwrap()
}

fn aborted_id(p: &Pair, payload: &[u8]) -> Option<i64> {
    match action_of(&read_a(p, payload)) {
        Some(enums::DecryptedMessageAction::DecryptedMessageActionAbortKey(a)) => {
            Some(a.exchange_id)
        }
        _ => None,
    }
}

#[test]
fn commit_key_with_a_wrong_fingerprint_is_aborted() {
    let mut p = Pair::new(36);
    let (id, fp) = a_accepted_bs_request(&mut p);
    let key = p.a.chat.key().clone();
    let outs = a_gets_commit(&mut p, 2, id, fp ^ 1);
    let replies = sent(&outs);
    assert_eq!(replies.len(), 1);
    assert_eq!(aborted_id(&p, &replies[0]), Some(id));
    assert!(
        !outs
            .iter()
            .any(|o| matches!(o, ChatOutput::KeyChanged { .. }))
    );
    assert!(!p.a.chat.rekey_in_progress());
    assert_eq!(p.a.chat.fingerprint(), key_fingerprint(&key));
}

#[test]
fn a_commit_key_for_another_exchange_is_ignored_not_answered_with_its_exchange_id() {
    let mut p = Pair::new(37);
    let (id, fp) = a_accepted_bs_request(&mut p);
    let outs = a_gets_commit(&mut p, 2, id ^ 0x55, fp);
    assert!(outs.is_empty(), "{outs:?}");
    assert!(p.a.chat.rekey_in_progress(), "our accepted exchange stands");
    // The real commit still completes it.
    let outs = a_gets_commit(&mut p, 4, id, fp);
    assert!(outs.contains(&ChatOutput::KeyChanged { fingerprint: fp }));
    assert_eq!(p.a.chat.fingerprint(), fp);
    assert!(!p.a.chat.rekey_in_progress());
}

#[test]
fn a_commit_key_does_not_cancel_our_own_key_request() {
    use mtproto_wasm::crypto::SeededRandom;
    use mtproto_wasm::secret::exchange::DhHalf;
    for same_id in [false, true] {
        let mut p = Pair::new(38);
        p.a_rekeys();
        let payload = p.to_b.pop().unwrap();
        let request = read_a(&p, &payload);
        let Some(enums::DecryptedMessageAction::DecryptedMessageActionRequestKey(r)) =
            action_of(&request)
        else {
            panic!("{request:?}")
        };
        let (mine, g_a) = (r.exchange_id, r.g_a.clone());
        // A CommitKey while WE asked for the key: for another exchange, or (nonsense: the
        // one who asked commits) for ours. Neither cancels our request nor is answered.
        let stray = if same_id { mine } else { mine ^ 1 };
        let key = p.a.chat.key().clone();
        let commit = types::DecryptedMessageActionCommitKey {
            exchange_id: stray,
            key_fingerprint: 7,
        };
        let outs =
            p.a.chat
                .receive(
                    &from_b(&key, &layer(16, 144, 1, 0, service(commit.into()))),
                    &p.dh,
                    &mut p.a.rng,
                    NOW,
                )
                .unwrap();
        assert!(outs.is_empty(), "same id {same_id}: {outs:?}");
        assert!(p.a.chat.rekey_in_progress());
        // B's AcceptKey for our request still completes the rotation.
        let half = DhHalf::generate(&p.dh, &[], &mut SeededRandom::new(5)).unwrap();
        let new_fp = key_fingerprint(&half.shared_key(&p.dh, &g_a).unwrap());
        let accept = types::DecryptedMessageActionAcceptKey {
            exchange_id: mine,
            g_b: half.public().to_vec(),
            key_fingerprint: new_fp,
        };
        let outs =
            p.a.chat
                .receive(
                    &from_b(&key, &layer(16, 144, 1, 2, service(accept.into()))),
                    &p.dh,
                    &mut p.a.rng,
                    NOW,
                )
                .unwrap();
        assert!(outs.contains(&ChatOutput::KeyChanged {
            fingerprint: new_fp
        }));
        assert_eq!(p.a.chat.fingerprint(), new_fp);
    }
}

#[test]
fn a_peer_discard_is_reported_as_remote() {
    let mut p = Pair::new(33);
    let out = p.b.chat.discarded();
    assert_eq!(
        out,
        vec![ChatOutput::Closed {
            reason: CloseReason::Remote,
            discard: false
        }]
    );
}

#[test]
fn corrupted_snapshots_are_rejected() {
    let mut p = Pair::new(34);
    p.a_sends("s");
    p.flush();
    let snap = p.a.chat.snapshot().to_vec();
    assert!(SecretChat::restore(&snap, &p.dh).is_ok());
    for cut in 0..snap.len() {
        assert!(
            matches!(
                SecretChat::restore(&snap[..cut], &p.dh),
                Err(SecretError::BadSnapshot(_))
            ),
            "cut {cut}"
        );
    }
    let mut bad = snap.clone();
    bad[0] = b'X';
    assert_eq!(
        SecretChat::restore(&bad, &p.dh).unwrap_err(),
        SecretError::BadSnapshot("not a secret chat snapshot")
    );
    let mut bad = snap.clone();
    bad[4] = 9;
    assert_eq!(
        SecretChat::restore(&bad, &p.dh).unwrap_err(),
        SecretError::BadSnapshot("unknown version")
    );
    let mut bad = snap.clone();
    bad.push(0);
    assert_eq!(
        SecretChat::restore(&bad, &p.dh).unwrap_err(),
        SecretError::BadSnapshot("trailing bytes")
    );
}
