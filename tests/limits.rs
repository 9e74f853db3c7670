//! Every documented limit hit exactly (see `docs/limits.md`): the value at the limit is
//! accepted, one past it is refused or bounded, and nothing panics.
//!
//! - transport frames: `transport::DEFAULT_MAX_FRAME_LEN` / `TransportConfig::max_frame_len`;
//! - inflated `gzip_packed`: `tl::gzip::MAX_INFLATED` (also through the session);
//! - secret chats: `secret::MAX_QUEUED` out-of-order messages, `secret::MAX_STORED` sent
//!   messages kept for resends (a resend request past them aborts the chat),
//!   `secret::MAX_MESSAGE_SIZE` per message sent, received or kept;
//! - the session: `session::incoming::DEFAULT_RECENT_IDS` remembered server msg_ids and
//!   `session::MAX_MESSAGE_SIZE` per request body.
#![cfg(not(target_arch = "wasm32"))]

mod secret_common;
mod session_common;

use mtproto_wasm::crypto::SeededRandom;
use mtproto_wasm::secret::{MAX_QUEUED, MAX_STORED, SecretError};
use mtproto_wasm::session::SessionEvent;
use mtproto_wasm::tl::{self, TlError, gzip};
use mtproto_wasm::transport::{
    AcceptConfig, DEFAULT_MAX_FRAME_LEN, Framing, Incoming, TransportCodec, TransportConfig,
    TransportError,
};

/// A client codec and the server codec that accepted it, both with `max` as frame limit.
fn pair(framing: Framing, max: usize) -> (TransportCodec, TransportCodec, SeededRandom) {
    let mut rng = SeededRandom::new(1);
    let mut config = TransportConfig::new(framing);
    config.max_frame_len = max;
    let mut client = TransportCodec::new(&config, &mut rng).unwrap();
    let mut first = client.header();
    first.extend(client.pack(&[0; 8], &mut rng).unwrap());
    let accept = AcceptConfig {
        max_frame_len: max,
        ..AcceptConfig::default()
    };
    let mut server = TransportCodec::accept(&first, &accept).unwrap().unwrap();
    assert!(matches!(server.poll(), Ok(Some(Incoming::Frame { .. }))));
    (client, server, rng)
}

fn frames(items: Vec<Incoming>) -> Vec<Vec<u8>> {
    items
        .into_iter()
        .filter_map(|i| match i {
            Incoming::Frame { payload, .. } => Some(payload),
            _ => None,
        })
        .collect()
}

#[test]
fn a_frame_of_exactly_the_default_limit_passes_one_word_more_is_refused() {
    assert_eq!(DEFAULT_MAX_FRAME_LEN, 16 * 1024 * 1024);
    let (mut client, mut server, mut rng) = pair(Framing::Intermediate, DEFAULT_MAX_FRAME_LEN);
    let big = vec![0x5a; DEFAULT_MAX_FRAME_LEN];
    let bytes = client.pack(&big, &mut rng).unwrap();
    assert_eq!(frames(server.unpack(&bytes).unwrap()), vec![big]);
    // The sender refuses to frame more ...
    let over = vec![0x5a; DEFAULT_MAX_FRAME_LEN + 4];
    assert!(matches!(
        client.pack(&over, &mut rng),
        Err(TransportError::FrameTooLarge { .. })
    ));
    // ... and a receiver refuses a header announcing more, before any payload arrives.
    let header = ((DEFAULT_MAX_FRAME_LEN + 4) as u32).to_le_bytes();
    assert!(matches!(
        server.unpack(&header),
        Err(TransportError::FrameTooLarge { .. })
    ));
    // A codec that failed stays closed.
    assert!(server.unpack(&[0; 16]).is_err());
}

#[test]
fn a_configured_frame_limit_holds_for_every_framing() {
    const MAX: usize = 4096;
    for framing in [
        Framing::Abridged,
        Framing::Intermediate,
        Framing::PaddedIntermediate,
        Framing::Full,
    ] {
        let (mut client, mut server, mut rng) = pair(framing, MAX);
        let at = vec![7u8; MAX];
        let bytes = client.pack(&at, &mut rng).unwrap();
        let got = frames(server.unpack(&bytes).unwrap());
        assert_eq!(got.len(), 1, "{framing:?}");
        assert_eq!(got[0][..MAX], at[..], "{framing:?}");
        assert!(
            matches!(
                client.pack(&vec![7u8; MAX + 4], &mut rng),
                Err(TransportError::FrameTooLarge { .. })
            ),
            "{framing:?}"
        );
        // A bigger peer's frame, one word past our limit, is refused when it arrives.
        let (mut big_client, _, mut rng2) = pair(framing, MAX * 2);
        let (_, mut small_server, _) = pair(framing, MAX);
        let over = big_client.pack(&vec![7u8; MAX + 4], &mut rng2).unwrap();
        let refused = small_server.unpack(&over);
        assert!(
            matches!(refused, Err(TransportError::FrameTooLarge { .. })),
            "{framing:?}: {refused:?}"
        );
    }
}

#[test]
fn gzip_inflates_exactly_to_the_cap_and_not_one_byte_more() {
    assert_eq!(gzip::MAX_INFLATED, 16 << 20);
    let at = gzip::gzip(&vec![0u8; gzip::MAX_INFLATED]);
    assert_eq!(
        gzip::gunzip(&at, gzip::MAX_INFLATED).unwrap().len(),
        gzip::MAX_INFLATED
    );
    let over = gzip::gzip(&vec![0u8; gzip::MAX_INFLATED + 1]);
    assert_eq!(
        gzip::gunzip(&over, gzip::MAX_INFLATED),
        Err(TlError::GzipTooLarge {
            limit: gzip::MAX_INFLATED
        })
    );
    // The generic decoder applies the same cap to a gzip_packed object.
    let mut packed = tl::GZIP_PACKED_ID.to_le_bytes().to_vec();
    tl::primitives::write_bytes(&mut packed, &over);
    assert!(tl::decode_value(&packed).is_err());
}

#[test]
fn the_session_inflates_an_answer_up_to_the_cap_and_drops_one_past_it() {
    use session_common::{Pair, request, rpc_result};
    let mut p = Pair::new();
    let req = p.invoke(request(1));
    let id = p.sent()[0].msg_id;
    let gz = |len: usize| {
        // a boxed object: a constructor id then zeros
        let mut body = vec![0u8; len];
        body[..4].copy_from_slice(&0x0abc_def0u32.to_le_bytes());
        let mut v = tl::GZIP_PACKED_ID.to_le_bytes().to_vec();
        tl::primitives::write_bytes(&mut v, &gzip::gzip(&body));
        v
    };
    p.deliver(&[rpc_result(id, &gz(gzip::MAX_INFLATED + 4))]);
    let events = p.events();
    assert!(
        matches!(&events[..], [SessionEvent::ProtocolError { .. }]),
        "{events:?}"
    );
    assert_eq!(p.client.pending_requests(), 1, "the request still waits");
    p.deliver(&[rpc_result(id, &gz(gzip::MAX_INFLATED))]);
    let events = p.events();
    match &events[..] {
        [SessionEvent::RpcResult { request, body }] => {
            assert_eq!(*request, req);
            assert_eq!(body.len(), gzip::MAX_INFLATED);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn the_out_of_order_queue_takes_exactly_max_queued() {
    let mut p = secret_common::Pair::new(40);
    for i in 0..=MAX_QUEUED + 1 {
        p.a_sends(&format!("m{i}"));
    }
    let wire = std::mem::take(&mut p.to_b);
    // The first message is held back: everything after it waits in B's queue.
    let (first, rest) = wire.split_first().unwrap();
    let mut refused = 0;
    for d in rest {
        let before = p.b.chat.queued();
        match p.give_b(d) {
            Ok(()) => assert!(before < MAX_QUEUED, "accepted past the limit"),
            Err(e) => {
                assert_eq!(e, SecretError::QueueFull);
                assert_eq!(before, MAX_QUEUED);
                refused += 1;
            }
        }
        assert!(p.b.chat.queued() <= MAX_QUEUED);
    }
    assert_eq!(p.b.chat.queued(), MAX_QUEUED);
    assert!(refused >= 1);
    // The hole is filled: the queue drains in order and the chat goes on.
    p.give_b(first).unwrap();
    assert_eq!(p.b.chat.queued(), 0);
    assert!(!p.b.chat.is_closed());
}

#[test]
fn at_most_max_stored_sent_messages_are_kept_for_resends() {
    let mut p = secret_common::Pair::new(41);
    let mut sent = 0;
    while sent <= MAX_STORED {
        p.a_sends("unconfirmed");
        sent = p.to_b.len();
        assert_eq!(p.a.chat.stored(), sent.min(MAX_STORED));
    }
    assert!(sent > MAX_STORED);
    assert_eq!(p.a.chat.stored(), MAX_STORED);
    // Once the peer confirms what it received, those copies are dropped.
    p.flush();
    p.b_sends("ack");
    p.flush();
    p.a_sends("after");
    assert!(p.a.chat.stored() < MAX_STORED);
}

#[test]
fn a_resend_request_reaching_past_the_max_stored_kept_copies_aborts_the_chat() {
    use mtproto_wasm::secret::{ChatOutput, CloseReason};
    use mtproto_wasm::tl::secret::types::DecryptedMessageActionResend;
    use secret_common::forge::{from_b, layer, sent, service};
    let mut p = secret_common::Pair::new(42);
    while p.to_b.len() <= MAX_STORED {
        p.a_sends("unconfirmed");
    }
    // A (the creator: odd seq_nos) sent n messages and keeps the last MAX_STORED.
    let n = p.to_b.len() as i32;
    let oldest_kept = 2 * (n - MAX_STORED as i32) + 1;
    let last = 2 * (n - 1) + 1;
    let key = p.a.chat.key().clone();
    let ask = |start_seq_no, end_seq_no| {
        service(
            DecryptedMessageActionResend {
                start_seq_no,
                end_seq_no,
            }
            .into(),
        )
    };
    // At the limit: every kept copy is sent again.
    let out =
        p.a.chat
            .receive(
                &from_b(&key, &layer(16, 144, 1, 0, ask(oldest_kept, last))),
                &p.dh,
                &mut p.a.rng,
                p.now,
            )
            .unwrap();
    assert_eq!(sent(&out).len(), MAX_STORED);
    assert!(!p.a.chat.is_closed());
    // One further back: that copy is gone, the request cannot be satisfied.
    let out =
        p.a.chat
            .receive(
                &from_b(&key, &layer(16, 144, 1, 2, ask(oldest_kept - 2, last))),
                &p.dh,
                &mut p.a.rng,
                p.now,
            )
            .unwrap();
    assert_eq!(
        out,
        [ChatOutput::Closed {
            reason: CloseReason::Violation(SecretError::ResendUnsatisfiable {
                start_seq_no: oldest_kept - 2,
                end_seq_no: last,
            }),
            discard: true,
        }]
    );
}

/// A text message whose decryptedMessageLayer (16 random bytes, as the chat sends) is
/// exactly `len` bytes, and that layer with the given out_seq_no.
fn secret_text_of_layer_len(
    len: usize,
    out_seq: i32,
) -> (mtproto_wasm::tl::secret::enums::DecryptedMessage, Vec<u8>) {
    use secret_common::forge::{layer, text};
    let mut n = len - 64;
    loop {
        let m = text(&"x".repeat(n));
        let body = layer(16, 144, 0, out_seq, m.clone());
        match body.len() {
            l if l == len => return (m, body),
            l => n = n + len - l, // both lengths are multiples of 4: exact in one step
        }
    }
}

#[test]
fn a_secret_message_of_exactly_max_message_size_is_queued_one_word_more_is_refused_on_arrival() {
    use mtproto_wasm::secret::{MAX_MESSAGE_SIZE, SecretChat};
    use secret_common::forge::{good, layer, text};
    let mut p = secret_common::Pair::new(43);
    let key = p.a.chat.key().clone();
    // Out of order (A's message 0 is missing): both would wait in B's queue.
    let (_, at_limit) = secret_text_of_layer_len(MAX_MESSAGE_SIZE, 3);
    p.give_b(&good(&key, &at_limit)).unwrap();
    assert_eq!(p.b.chat.queued(), 1);
    let (_, over) = secret_text_of_layer_len(MAX_MESSAGE_SIZE + 4, 5);
    let refused = p.give_b(&good(&key, &over));
    // Whatever the chat holds restores (before: the queued message made restore fail).
    let restored = SecretChat::restore(&p.b.chat.snapshot(), &p.dh);
    assert!(restored.is_ok(), "{:?}", restored.err());
    assert_eq!(
        refused,
        Err(SecretError::MessageTooLarge {
            len: MAX_MESSAGE_SIZE + 4
        })
    );
    assert_eq!(p.b.chat.queued(), 1);
    // A payload too long to hold a layer within the limit is refused before decryption.
    let huge = good(&key, &layer(16, 144, 0, 7, text(&"y".repeat(2 << 20))));
    assert_eq!(
        p.give_b(&huge),
        Err(SecretError::MessageTooLarge { len: huge.len() })
    );
    // The hole fills: the message at the limit is delivered, after the restore too.
    p.b.chat = restored.unwrap();
    p.give_b(&good(&key, &layer(16, 144, 0, 1, text("first"))))
        .unwrap();
    let t = secret_common::texts(&p.b);
    assert_eq!(t.len(), 2);
    assert_eq!(t[0], "first");
    assert_eq!(p.b.chat.queued(), 0);
}

#[test]
fn a_secret_message_of_exactly_max_message_size_is_sent_one_word_more_is_refused() {
    use mtproto_wasm::secret::MAX_MESSAGE_SIZE;
    let mut p = secret_common::Pair::new(44);
    let (over, _) = secret_text_of_layer_len(MAX_MESSAGE_SIZE + 4, 0);
    let refused = p.a.chat.send(over, &p.dh, &mut p.a.rng, p.now);
    assert_eq!(
        refused,
        Err(SecretError::MessageTooLarge {
            len: MAX_MESSAGE_SIZE + 4
        })
    );
    // Nothing was counted or kept, not even the layer notification sent before a first
    // message.
    assert_eq!(p.a.chat.seq_numbers(), (1, 0));
    assert_eq!(p.a.chat.stored(), 0);
    let (at_limit, _) = secret_text_of_layer_len(MAX_MESSAGE_SIZE, 0);
    let outs = p.a.chat.send(at_limit, &p.dh, &mut p.a.rng, p.now).unwrap();
    assert_eq!(outs.len(), 2, "the layer notification, then the message");
    assert_eq!(p.a.chat.stored(), 2);
    for o in outs {
        if let mtproto_wasm::secret::ChatOutput::Send { data, .. } = o {
            p.give_b(&data).unwrap();
        }
    }
    assert_eq!(secret_common::texts(&p.b).len(), 1);
    let restored = mtproto_wasm::secret::SecretChat::restore(&p.a.chat.snapshot(), &p.dh);
    assert!(restored.is_ok(), "{:?}", restored.err());
}

#[test]
fn the_set_of_recent_server_ids_keeps_exactly_its_capacity() {
    use mtproto_wasm::session::SessionError;
    use mtproto_wasm::session::incoming::{DEFAULT_RECENT_IDS, RecentIds};
    let mut ids = RecentIds::new(DEFAULT_RECENT_IDS);
    let id = |i: usize| (i as i64) * 4 + 1;
    for i in 1..=DEFAULT_RECENT_IDS {
        ids.accept(id(i), None).unwrap();
    }
    assert_eq!(ids.len(), DEFAULT_RECENT_IDS);
    assert!(ids.contains(id(1)), "at the limit nothing is forgotten");
    ids.accept(id(DEFAULT_RECENT_IDS + 1), None).unwrap();
    assert_eq!(ids.len(), DEFAULT_RECENT_IDS);
    // One past: the smallest id is forgotten and from then on refused as a possible replay.
    assert!(matches!(
        ids.check(id(1), None),
        Err(SessionError::DuplicateMsgId { .. })
    ));
    assert!(ids.check(id(DEFAULT_RECENT_IDS + 2), None).is_ok());
}

#[test]
fn a_request_body_of_exactly_max_message_size_is_queued_one_word_more_is_refused() {
    use mtproto_wasm::session::{InvokeOptions, MAX_MESSAGE_SIZE, SessionError};
    let mut p = session_common::Pair::new();
    let body = |len: usize| {
        let mut b = vec![0u8; len];
        b[..4].copy_from_slice(&0x1234_5678u32.to_le_bytes());
        b
    };
    assert!(
        p.client
            .invoke(body(MAX_MESSAGE_SIZE), InvokeOptions::default())
            .is_ok()
    );
    assert!(matches!(
        p.client
            .invoke(body(MAX_MESSAGE_SIZE + 4), InvokeOptions::default()),
        Err(SessionError::MessageTooLarge { .. })
    ));
    assert_eq!(p.client.pending_requests(), 1);
}

#[test]
fn at_most_max_pending_requests_are_unresolved_at_once() {
    use mtproto_wasm::session::{InvokeOptions, MAX_PENDING_REQUESTS, SessionError};
    let mut p = session_common::Pair::new();
    let body = 0x1234_5678u32.to_le_bytes().to_vec();
    for _ in 0..MAX_PENDING_REQUESTS {
        p.client
            .invoke(body.clone(), InvokeOptions::default())
            .unwrap();
    }
    assert_eq!(
        p.client.invoke(body.clone(), InvokeOptions::default()),
        Err(SessionError::TooManyPending)
    );
    assert_eq!(p.client.pending_requests(), MAX_PENDING_REQUESTS);
    // one resolved (cancelled): room for one more
    assert!(p.client.cancel(mtproto_wasm::session::RequestId(1)));
    assert!(
        p.client
            .invoke(body.clone(), InvokeOptions::default())
            .is_ok()
    );

    // ClientCore counts the requests waiting for a connection too
    use mtproto_wasm::client::{AppInfo, ClientConfig, ClientCore};
    let mut c = ClientCore::new(
        ClientConfig::new(2, AppInfo::new(1)),
        Box::new(mtproto_wasm::crypto::SeededRandom::new(1)),
    );
    for _ in 0..MAX_PENDING_REQUESTS {
        c.invoke(body.clone()).unwrap();
    }
    let e = c.invoke(body).unwrap_err();
    assert!(
        e.to_string().contains("too many unresolved requests"),
        "{e}"
    );
}

/// The generic decoder spends one inflate budget (`tl::gzip::MAX_INFLATED`) over every
/// gzip_packed of one decode, nested ones included: nesting cannot multiply the cap.
#[test]
fn nested_gzip_in_the_generic_decoder_shares_one_inflate_budget() {
    use mtproto_wasm::tl::{Object, Value};
    // An object with `a_len` incompressible bytes in two gzip_packed levels: the outer
    // level inflates to about `a_len` bytes (the inner stream), the inner one to `a_len`.
    let twice_packed = |a_len: usize| {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let a: Vec<u8> = (0..a_len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let o = Object::new("inputCheckPasswordSRP")
            .with("srp_id", Value::Long(1))
            .with("A", Value::Bytes(a))
            .with("M1", Value::Bytes(Vec::new()));
        let plain = tl::encode_value(&Value::Object(o)).unwrap();
        let wrap = |body: &[u8]| {
            let mut v = tl::GZIP_PACKED_ID.to_le_bytes().to_vec();
            tl::primitives::write_bytes(&mut v, &gzip::gzip(body));
            v
        };
        wrap(&wrap(&plain))
    };
    let under = gzip::MAX_INFLATED / 2 - 4096;
    assert!(tl::decode_value(&twice_packed(under)).is_ok());
    let over = gzip::MAX_INFLATED / 2 + 4096; // each level under the cap, both over it
    assert!(matches!(
        tl::decode_value(&twice_packed(over)),
        Err(TlError::GzipTooLarge { .. })
    ));
}
