//! Secret chats end to end between two in-memory chats: exchange, messages, key rotation,
//! resends, duplicates, tampering, concurrent rotations, snapshots, files, discard.

mod secret_common;

use mtproto_wasm::crypto::SeededRandom;
use mtproto_wasm::secret::{
    ChatOutput, CloseReason, FileKey, OutgoingRequest, SecretChat, SecretError, accept_request,
    key_fingerprint, visualization_hash,
};
use secret_common::{NOW, Pair, dh, info, texts};

#[test]
fn exchange_gives_both_sides_the_same_key_and_picture() {
    let p = Pair::new(1);
    assert_eq!(p.a.chat.fingerprint(), p.b.chat.fingerprint());
    assert_eq!(p.a.chat.key().as_bytes(), p.b.chat.key().as_bytes());
    assert_eq!(
        visualization_hash(p.a.chat.key()),
        visualization_hash(p.b.chat.key())
    );
    assert!(p.a.chat.info().creator && !p.b.chat.info().creator);
}

#[test]
fn creator_rejects_a_wrong_fingerprint() {
    let dh = dh();
    let mut ra = SeededRandom::new(5);
    let mut rb = SeededRandom::new(6);
    let req = OutgoingRequest::new(&dh, &[], &mut ra).unwrap();
    let (_, g_b, fp) = accept_request(&dh, info(false), req.g_a(), &[], &mut rb, NOW).unwrap();
    let err = req
        .complete(&dh, info(true), &g_b, fp ^ 1, NOW)
        .unwrap_err();
    assert_eq!(err, SecretError::KeyFingerprintMismatch);
}

#[test]
fn g_a_and_g_b_out_of_range_are_rejected() {
    let dh = dh();
    let mut r = SeededRandom::new(7);
    let p = dh.prime_be();
    let mut p_minus_1 = p.clone();
    *p_minus_1.last_mut().unwrap() -= 1;
    for bad in [
        vec![1u8],
        vec![2u8],
        p_minus_1.clone(),
        p.clone(),
        vec![0xff; 256],
    ] {
        let e = accept_request(&dh, info(false), &bad, &[], &mut r, NOW).unwrap_err();
        assert!(matches!(e, SecretError::Crypto(_)), "{e:?}");
        let req = OutgoingRequest::new(&dh, &[], &mut r).unwrap();
        let e = req.complete(&dh, info(true), &bad, 0, NOW).unwrap_err();
        assert!(matches!(e, SecretError::Crypto(_)), "{e:?}");
    }
}

#[test]
fn three_hundred_messages_both_ways_with_key_rotation() {
    let mut p = Pair::new(2);
    let first = p.a.chat.fingerprint();
    for i in 0..300 {
        p.a_sends(&format!("a{i}"));
        p.flush();
        p.b_sends(&format!("b{i}"));
        p.flush();
    }
    let want_b: Vec<String> = (0..300).map(|i| format!("a{i}")).collect();
    let want_a: Vec<String> = (0..300).map(|i| format!("b{i}")).collect();
    assert_eq!(texts(&p.b), want_b);
    assert_eq!(texts(&p.a), want_a);
    // 600 user messages plus service messages, 100 per key: at least five rotations.
    assert!(p.a.key_changes.len() >= 5, "{}", p.a.key_changes.len());
    assert_eq!(p.a.key_changes, p.b.key_changes);
    assert_ne!(p.a.chat.fingerprint(), first);
    assert_eq!(p.a.chat.fingerprint(), p.b.chat.fingerprint());
    assert!(!p.a.chat.has_old_key() || !p.b.chat.has_old_key());
    assert_eq!(p.a.chat.stored(), 0, "every sent message was confirmed");
}

#[test]
fn a_dropped_message_is_resent_and_delivered_in_order() {
    let mut p = Pair::new(3);
    p.a_sends("one");
    p.flush();
    p.a_sends("two");
    let lost = p.to_b.pop().unwrap(); // the relay loses "two"
    drop(lost);
    p.a_sends("three");
    p.a_sends("four");
    p.flush();
    assert_eq!(texts(&p.b), ["one", "two", "three", "four"]);
    assert_eq!(p.b.chat.queued(), 0);
}

#[test]
fn a_lost_resend_request_is_asked_again_until_the_gap_is_filled() {
    let mut p = Pair::new(13);
    p.a_sends("one");
    p.flush();
    p.a_sends("two");
    p.a_sends("three");
    let mut wire = std::mem::take(&mut p.to_b);
    wire.remove(0); // "two" is lost
    for d in wire {
        p.give_b(&d).unwrap();
    }
    assert_eq!(texts(&p.b), ["one"]);
    assert_eq!(p.b.chat.queued(), 1);
    // B's resend request is lost as well: nothing more happens by itself.
    assert_eq!(p.to_a.len(), 1);
    p.to_a.clear();
    p.flush();
    assert_eq!(texts(&p.b), ["one"]);
    // Asked again (the app's timer): the gap is filled, in order.
    let outs = p.b.chat.request_missing(&mut p.b.rng).unwrap();
    assert_eq!(outs.len(), 1);
    for o in outs {
        if let ChatOutput::Send { data, .. } = o {
            p.to_a.push(data);
        }
    }
    // (B's lost request left a hole on A's side too; A's own resend request is served
    // by B at once although it waits behind B's hole.)
    p.flush();
    assert_eq!(texts(&p.b), ["one", "two", "three"]);
    assert_eq!(p.b.chat.queued(), 0);
    // No gap: nothing to ask.
    assert!(p.b.chat.request_missing(&mut p.b.rng).unwrap().is_empty());
}

#[test]
fn reordered_messages_are_delivered_in_order() {
    let mut p = Pair::new(4);
    for t in ["m1", "m2", "m3", "m4"] {
        p.a_sends(t);
    }
    let mut wire = std::mem::take(&mut p.to_b);
    wire.reverse();
    for d in wire {
        p.give_b(&d).unwrap();
    }
    p.flush();
    assert_eq!(texts(&p.b), ["m1", "m2", "m3", "m4"]);
}

#[test]
fn a_duplicate_is_dropped() {
    let mut p = Pair::new(5);
    p.a_sends("once");
    let d = p.to_b[0].clone();
    p.flush();
    p.give_b(&d).unwrap();
    p.flush();
    assert_eq!(texts(&p.b), ["once"]);
}

#[test]
fn a_tampered_message_is_discarded_and_the_chat_goes_on() {
    let mut p = Pair::new(6);
    p.a_sends("hello");
    let mut d = p.to_b.pop().unwrap();
    let mid = d.len() / 2;
    d[mid] ^= 0x40;
    assert_eq!(p.give_b(&d), Err(SecretError::MsgKeyMismatch));
    p.a_sends("again");
    p.flush(); // B sees the hole, asks for a resend, gets "hello"
    assert_eq!(texts(&p.b), ["hello", "again"]);
    assert!(!p.b.closed);
}

#[test]
fn concurrent_rotations_resolve_to_one_key() {
    let mut p = Pair::new(7);
    p.a_sends("x");
    p.flush();
    let mut out = Vec::new();
    p.a.chat.start_rekey(&p.dh, &mut p.a.rng, &mut out).unwrap();
    let mut out_b = Vec::new();
    p.b.chat
        .start_rekey(&p.dh, &mut p.b.rng, &mut out_b)
        .unwrap();
    for o in out {
        if let ChatOutput::Send { data, .. } = o {
            p.to_b.push(data);
        }
    }
    for o in out_b {
        if let ChatOutput::Send { data, .. } = o {
            p.to_a.push(data);
        }
    }
    p.flush();
    assert_eq!(p.a.key_changes.len(), 1);
    assert_eq!(p.a.key_changes, p.b.key_changes);
    assert_eq!(p.a.chat.fingerprint(), p.b.chat.fingerprint());
    assert!(!p.a.chat.rekey_in_progress() && !p.b.chat.rekey_in_progress());
    p.b_sends("after");
    p.flush();
    assert_eq!(texts(&p.a), ["after"]);
}

#[test]
fn snapshot_and_restore_mid_conversation_lose_nothing() {
    let mut p = Pair::new(8);
    for i in 0..95 {
        p.a_sends(&format!("a{i}"));
        p.flush();
    }
    // B has a hole and a queued message; a rotation is about to start.
    p.a_sends("lost");
    p.to_b.clear();
    p.a_sends("queued");
    let d = p.to_b.pop().unwrap();
    p.give_b(&d).unwrap();
    assert_eq!(p.b.chat.queued(), 1);
    let snap_a = p.a.chat.snapshot();
    let snap_b = p.b.chat.snapshot();
    p.a.chat = SecretChat::restore(&snap_a, &p.dh).unwrap();
    p.b.chat = SecretChat::restore(&snap_b, &p.dh).unwrap();
    assert_eq!(&p.b.chat.snapshot()[..], &snap_b[..]);
    p.flush();
    for i in 0..20 {
        p.b_sends(&format!("b{i}"));
        p.flush();
        p.a_sends(&format!("c{i}"));
        p.flush();
    }
    let t = texts(&p.b);
    assert_eq!(t[95], "lost");
    assert_eq!(t[96], "queued");
    assert_eq!(t.len(), 117);
    assert!(!p.a.key_changes.is_empty());
}

#[test]
fn discard_from_either_side_closes() {
    let mut p = Pair::new(9);
    let out = p.a.chat.close();
    assert!(matches!(
        out[..],
        [ChatOutput::Closed {
            reason: CloseReason::Local,
            discard: true
        }]
    ));
    assert!(p.a.chat.is_closed());
    assert!(matches!(
        p.a.chat.send_text("x", &p.dh, &mut p.a.rng, NOW),
        Err(SecretError::WrongState(_))
    ));
    let out = p.b.chat.discarded();
    assert!(matches!(
        out[..],
        [ChatOutput::Closed {
            reason: CloseReason::Remote,
            discard: false
        }]
    ));
    assert!(matches!(
        p.b.chat.receive(&[0; 64], &p.dh, &mut p.b.rng, NOW),
        Err(SecretError::WrongState(_))
    ));
}

#[test]
fn a_one_megabyte_file_round_trips_with_its_fingerprint() {
    let mut r = SeededRandom::new(10);
    let data: Vec<u8> = (0..1_000_003u32).map(|i| (i * 7 % 251) as u8).collect();
    let k = FileKey::random(&mut r).unwrap();
    let enc = k.encrypt(&data, &mut r).unwrap();
    assert_eq!(enc.len() % 16, 0);
    assert_ne!(&enc[..64], &data[..64]);
    let peer = FileKey::from_parts(&k.key, &k.iv).unwrap();
    assert_eq!(
        peer.decrypt(k.fingerprint(), &enc, data.len()).unwrap(),
        data
    );
    assert_eq!(
        peer.decrypt(k.fingerprint() ^ 1, &enc, data.len()),
        Err(SecretError::FileFingerprintMismatch)
    );
    assert_eq!(
        peer.decrypt(k.fingerprint(), &enc[1..], data.len()),
        Err(SecretError::BadLength)
    );
}

#[test]
fn ttl_is_announced_and_applied() {
    use mtproto_wasm::tl::secret::types;
    let mut p = Pair::new(11);
    let ttl = types::DecryptedMessageService {
        random_id: 0,
        action: types::DecryptedMessageActionSetMessageTTL { ttl_seconds: 30 }.into(),
    };
    let outs = p.a.chat.send(ttl.into(), &p.dh, &mut p.a.rng, NOW).unwrap();
    for o in outs {
        if let ChatOutput::Send { data, service, .. } = o {
            assert!(service);
            p.to_b.push(data);
        }
    }
    p.flush();
    assert_eq!(p.a.chat.ttl(), 30);
    assert_eq!(p.b.chat.ttl(), 30);
    assert_eq!(p.b.messages.len(), 1);
    assert_eq!(p.b.chat.peer_layer(), mtproto_wasm::secret::LAYER);
    assert_eq!(key_fingerprint(p.a.chat.key()), p.a.chat.fingerprint());
}
