//! Layer negotiation (<https://core.telegram.org/api/end-to-end#updating-to-new-layers>):
//! - "Your client should always store the maximal layer that is known to be supported by
//!   the client on the other side of a secret chat ... This remote layer value must always be
//!   updated immediately after receiving any packet containing information of an upper
//!   layer": a decryptedMessageLayer's `layer`, or decryptedMessageActionNotifyLayer.
//! - "your client must notify the remote client about its local layer ... As soon as a new
//!   secret chat has been created, immediately after the secret key has been successfully
//!   exchanged."
//! - We send at min(our layer, the peer's), and never below 73, where MTProto 2.0 starts
//!   (the spec starts the remote layer at 46; a chat that cannot reach 73 is not supported
//!   here, and layers below 73 are refused on receipt).

mod secret_common;

use mtproto_wasm::secret::{LAYER, MIN_LAYER, SecretChat, SecretError};
use mtproto_wasm::tl::secret::{enums, types};
use secret_common::forge::{action_of, good, layer, read_a, read_b, sent, service, text};
use secret_common::{Pair, texts};

fn notify(layer: i32) -> enums::DecryptedMessage {
    service(types::DecryptedMessageActionNotifyLayer { layer }.into())
}

/// B receives A's message `out_seq` (in_seq_no 0) carrying `msg` at decryptedMessageLayer
/// `wire_layer`.
fn b_gets(p: &mut Pair, wire_layer: i32, out_seq: i32, msg: enums::DecryptedMessage) {
    let key = p.a.chat.key().clone();
    p.give_b(&good(&key, &layer(16, wire_layer, 0, out_seq, msg)))
        .unwrap();
}

/// The layer field of the message B sends next.
fn b_sends_at(p: &mut Pair) -> i32 {
    p.to_a.clear();
    p.b_sends("probe");
    let last = p.to_a.pop().unwrap();
    read_b(p, &last).layer
}

#[test]
fn our_layer_is_announced_before_the_first_message() {
    let mut p = Pair::new(100);
    p.a_sends("first");
    assert_eq!(p.to_b.len(), 2);
    let first = read_a(&p, &p.to_b[0]);
    assert!(matches!(
        action_of(&first),
        Some(enums::DecryptedMessageAction::DecryptedMessageActionNotifyLayer(n)) if n.layer == LAYER
    ));
    assert_eq!(first.out_seq_no, 1, "the very first message of the chat");
    // Only once.
    p.a_sends("second");
    assert_eq!(p.to_b.len(), 3);
}

#[test]
fn notify_layer_right_after_the_exchange_sends_our_layer_once() {
    let mut p = Pair::new(101);
    let out = p.a.chat.notify_layer(&mut p.a.rng).unwrap();
    let payloads = sent(&out);
    assert_eq!(payloads.len(), 1);
    assert!(matches!(
        action_of(&read_a(&p, &payloads[0])),
        Some(enums::DecryptedMessageAction::DecryptedMessageActionNotifyLayer(n)) if n.layer == LAYER
    ));
    p.to_b.extend(payloads);
    p.a_sends("then a message");
    assert_eq!(p.to_b.len(), 2, "no second notification");
}

#[test]
fn before_the_peer_announces_its_layer_we_send_at_73() {
    let mut p = Pair::new(102);
    assert_eq!(p.b.chat.layer(), MIN_LAYER);
    assert_eq!(b_sends_at(&mut p), MIN_LAYER);
}

#[test]
fn both_sides_settle_on_our_layer_after_the_notifications() {
    let mut p = Pair::new(103);
    p.a_sends("a");
    p.b_sends("b");
    p.flush();
    assert_eq!(p.a.chat.layer(), LAYER);
    assert_eq!(p.b.chat.layer(), LAYER);
    assert_eq!(b_sends_at(&mut p), LAYER);
}

#[test]
fn a_peer_at_a_lower_layer_sets_the_layer_we_send_at() {
    let mut p = Pair::new(104);
    b_gets(&mut p, MIN_LAYER, 1, notify(101));
    assert_eq!(p.b.chat.peer_layer(), 101);
    assert_eq!(p.b.chat.layer(), 101);
    assert_eq!(b_sends_at(&mut p), 101);
}

#[test]
fn a_peer_above_our_layer_does_not_take_us_past_ours() {
    let mut p = Pair::new(105);
    b_gets(&mut p, LAYER, 1, notify(LAYER + 50));
    assert_eq!(p.b.chat.peer_layer(), LAYER + 50);
    assert_eq!(p.b.chat.layer(), LAYER);
    assert_eq!(b_sends_at(&mut p), LAYER);
}

#[test]
fn the_highest_layer_seen_is_kept_a_lower_notification_does_not_lower_it() {
    let mut p = Pair::new(106);
    b_gets(&mut p, MIN_LAYER, 1, notify(101));
    b_gets(&mut p, MIN_LAYER, 3, notify(73));
    assert_eq!(p.b.chat.peer_layer(), 101);
    assert_eq!(p.b.chat.layer(), 101);
    // A notification below 73 does not lower it either.
    b_gets(&mut p, MIN_LAYER, 5, notify(46));
    assert_eq!(p.b.chat.layer(), 101);
    assert_eq!(b_sends_at(&mut p), 101);
}

#[test]
fn a_notification_below_73_leaves_the_layer_at_73() {
    let mut p = Pair::new(107);
    b_gets(&mut p, MIN_LAYER, 1, notify(46));
    assert_eq!(p.b.chat.peer_layer(), MIN_LAYER);
    assert_eq!(p.b.chat.layer(), MIN_LAYER);
}

#[test]
fn the_layer_field_of_any_message_raises_the_peers_layer() {
    let mut p = Pair::new(108);
    b_gets(&mut p, 110, 1, text("plain message at layer 110"));
    assert_eq!(p.b.chat.layer(), 110);
    // A later notification of a lower layer, or a message at a lower layer, keeps 110.
    b_gets(&mut p, 100, 3, notify(100));
    b_gets(&mut p, 90, 5, text("at 90"));
    assert_eq!(p.b.chat.layer(), 110);
    assert_eq!(texts(&p.b).len(), 2);
}

#[test]
fn a_message_waiting_behind_a_hole_counts_its_layer_on_arrival() {
    let mut p = Pair::new(109);
    // A's message 1 arrives before message 0: queued, but its layer is known at once.
    b_gets(&mut p, 120, 3, text("early"));
    assert_eq!(p.b.chat.queued(), 1);
    assert_eq!(p.b.chat.layer(), 120);
}

#[test]
fn the_peers_layer_survives_a_reload() {
    let mut p = Pair::new(110);
    b_gets(&mut p, MIN_LAYER, 1, notify(101));
    let restored = SecretChat::restore(&p.b.chat.snapshot(), &p.dh).unwrap();
    assert_eq!(restored.layer(), 101);
    assert_eq!(restored.peer_layer(), 101);
}

#[test]
fn messages_below_73_are_refused_and_change_nothing() {
    let mut p = Pair::new(111);
    let key = p.a.chat.key().clone();
    let r = p.give_b(&good(&key, &layer(16, 46, 0, 1, notify(LAYER))));
    assert_eq!(r, Err(SecretError::LayerTooOld(46)));
    assert_eq!(p.b.chat.layer(), MIN_LAYER);
    assert!(!p.b.chat.is_closed(), "refused, not a violation");
}
