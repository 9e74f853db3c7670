//! decryptedMessageActionResend, both ways (<https://core.telegram.org/api/end-to-end/seq_no>):
//! - "decryptedMessageActionResend must always be interpreted immediately upon receipt in all
//!   cases, even if its out_seq_no>=C+1. Note that each decryptedMessageActionResend must only
//!   be handled once, it must not be interpreted again when we interpret messages in the
//!   queue." (Avoiding concurrent gaps)
//! - "If a local client receives decryptedMessageActionResend but is unable to satisfy the
//!   request, it must abort the secret chat." (Proper handling of gaps)

mod secret_common;

use mtproto_wasm::secret::{ChatOutput, CloseReason, SecretError};
use mtproto_wasm::tl::secret::{enums, types};
use secret_common::forge::{good, layer, sent, service, text};
use secret_common::{Pair, texts};

/// Both sides have announced their layer and exchanged one message: every later message is
/// exactly one payload.
fn settled(seed: u64) -> Pair {
    let mut p = Pair::new(seed);
    p.a_sends("a-hello");
    p.flush();
    p.b_sends("b-hello");
    p.flush();
    p
}

/// Leaves A and B each with a hole, and B holding A's resend request for B's hole behind
/// B's own hole. Returns A's resend request (already delivered to B once) and the payload B
/// lost (A's "a1").
fn crossed_holes(p: &mut Pair) -> Vec<u8> {
    p.a_sends("a1");
    p.to_b.clear(); // lost
    p.b_sends("b1");
    p.to_a.clear(); // lost
    p.b_sends("b2");
    let b2 = p.to_a.pop().unwrap();
    p.give_a(&b2).unwrap(); // A: hole at b1; b2 queued; Resend(b1) to B
    assert_eq!(p.a.chat.queued(), 1);
    assert_eq!(p.to_b.len(), 1);
    p.to_b.pop().unwrap()
}

#[test]
fn a_resend_request_waiting_behind_our_own_hole_is_served_once() {
    let mut p = settled(70);
    let resend = crossed_holes(&mut p);
    // B expects "a1" and gets A's next message, the resend request: it is served at once
    // (b1 again) and queued, and B asks for its own hole ("a1").
    p.give_b(&resend).unwrap();
    assert_eq!(p.b.chat.queued(), 1);
    assert_eq!(p.to_a.len(), 2, "b1 resent, and B's own resend request");
    // A gets b1 (its hole closes) and B's request, which it serves: "a1" again.
    for d in std::mem::take(&mut p.to_a) {
        p.give_a(&d).unwrap();
    }
    assert_eq!(texts(&p.a), ["b-hello", "b1", "b2"]);
    assert_eq!(p.to_b.len(), 1);
    // B gets "a1": its hole closes, and the queued resend request is processed in order
    // WITHOUT being served a second time.
    let a1 = p.to_b.pop().unwrap();
    p.give_b(&a1).unwrap();
    assert_eq!(texts(&p.b), ["a-hello", "a1"]);
    assert_eq!(p.b.chat.queued(), 0);
    assert!(
        p.to_a.is_empty(),
        "the resend request was served again: {} payloads",
        p.to_a.len()
    );
    p.flush();
    p.a_sends("a-after");
    p.b_sends("b-after");
    p.flush();
    assert_eq!(texts(&p.b), ["a-hello", "a1", "a-after"]);
    assert_eq!(texts(&p.a), ["b-hello", "b1", "b2", "b-after"]);
}

#[test]
fn a_queued_resend_request_that_arrives_twice_is_served_once() {
    let mut p = settled(71);
    let resend = crossed_holes(&mut p);
    p.give_b(&resend).unwrap();
    assert_eq!(p.to_a.len(), 2);
    p.to_a.clear();
    // The server delivers the same request again while it still waits in B's queue.
    p.give_b(&resend).unwrap();
    assert_eq!(p.b.chat.queued(), 1);
    assert!(p.to_a.is_empty(), "served twice");
}

fn ask(start: i32, end: i32) -> enums::DecryptedMessage {
    service(
        types::DecryptedMessageActionResend {
            start_seq_no: start,
            end_seq_no: end,
        }
        .into(),
    )
}

/// B after sending its layer notification (out_seq_no 0) and "b0" (2), none confirmed.
fn b_sent_two(seed: u64) -> Pair {
    let mut p = Pair::new(seed);
    p.b_sends("b0");
    assert_eq!(p.to_a.len(), 2);
    p.to_a.clear();
    p
}

/// Feeds B one message from A; returns B's outputs.
fn b_receives(p: &mut Pair, body: &[u8]) -> Vec<ChatOutput> {
    let key = p.a.chat.key().clone();
    p.b.chat
        .receive(&good(&key, body), &p.dh, &mut p.b.rng, p.now)
        .unwrap()
}

#[track_caller]
fn assert_aborted(p: &Pair, out: &[ChatOutput], start: i32, end: i32) {
    let want = ChatOutput::Closed {
        reason: CloseReason::Violation(SecretError::ResendUnsatisfiable {
            start_seq_no: start,
            end_seq_no: end,
        }),
        discard: true,
    };
    assert_eq!(out, [want], "resend {start}..={end}");
    assert!(p.b.chat.is_closed());
    assert_eq!(p.b.chat.stored(), 0, "the copies are wiped");
}

#[test]
fn a_resend_request_we_cannot_satisfy_aborts_the_chat() {
    // B's seq_nos are even and it sent 0 and 2.
    for (seed, (start, end)) in [
        (1, 1),   // the wrong parity: none of ours
        (0, 4),   // 4 was never sent
        (4, 4),   // nor here
        (2, 0),   // an empty (reversed) range
        (-2, 0),  // negative
        (0, 100), // far past what was sent
    ]
    .into_iter()
    .enumerate()
    {
        let mut p = b_sent_two(80 + seed as u64);
        let out = b_receives(&mut p, &layer(16, 144, 0, 1, ask(start, end)));
        assert_aborted(&p, &out, start, end);
    }
}

#[test]
fn a_resend_request_for_messages_the_peer_confirmed_aborts_the_chat() {
    let mut p = b_sent_two(90);
    // A's first message says it processed both of B's (in_seq_no 4): B drops their copies.
    b_receives(&mut p, &layer(16, 144, 4, 1, text("got both")));
    assert_eq!(p.b.chat.stored(), 0);
    let out = b_receives(&mut p, &layer(16, 144, 4, 3, ask(0, 2)));
    assert_aborted(&p, &out, 0, 2);
}

#[test]
fn an_out_of_order_resend_request_we_cannot_satisfy_aborts_the_chat_on_arrival() {
    let mut p = b_sent_two(91);
    // out_seq_no 3: A's message 1 arrives before its message 0.
    let out = b_receives(&mut p, &layer(16, 144, 0, 3, ask(0, 100)));
    assert_aborted(&p, &out, 0, 100);
}

#[test]
fn a_resend_request_we_can_satisfy_is_answered_and_the_chat_goes_on() {
    let mut p = b_sent_two(92);
    let out = b_receives(&mut p, &layer(16, 144, 0, 1, ask(0, 2)));
    assert_eq!(sent(&out).len(), 2, "both messages resent");
    // Each copy goes out the way it first did: the layer notification as a service message.
    let service: Vec<bool> = out
        .iter()
        .filter_map(|o| match o {
            ChatOutput::Send { service, .. } => Some(*service),
            _ => None,
        })
        .collect();
    assert_eq!(service, [true, false]);
    assert!(!p.b.chat.is_closed());
    let out = b_receives(&mut p, &layer(16, 144, 0, 3, ask(2, 2)));
    assert_eq!(sent(&out).len(), 1);
    assert!(!p.b.chat.is_closed());
}
