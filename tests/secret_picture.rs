//! The key picture (key visualization) of a secret chat is the ORIGINAL key's, for the
//! chat's whole life: "The key visualization on the clients uses the first 128-bits of the
//! SHA-1 of the original key created when the Secret Chat was first established, followed
//! by the first 160 bits of the SHA-256 of the key in use when the secret chat was updated
//! to layer 46 (coincides with the original key if chat was created using layer 46)"
//! (<https://core.telegram.org/api/end-to-end/pfs#key-visualization>). Our chats start at
//! layer 73 or later, so both parts come from the original key. The peer's official client
//! shows that picture: ours must match it after any number of rotations and reloads.
//!
//! `tests/data/secret_snapshot_v1_*.hex` are version-1 snapshots (before the picture was
//! stored) of B in `Pair::new(60)`, written by the code of commit 8a9a91a: `fresh` after
//! "before any rotation" and "reply"; `rekeyed` after a rotation A started and one more
//! message.

mod secret_common;

use mtproto_wasm::secret::{SecretChat, visualization_hash};
use secret_common::Pair;

fn original_picture(p: &Pair) -> [u8; 36] {
    let picture = visualization_hash(p.a.chat.key());
    assert_eq!(p.a.chat.visualization(), Some(picture));
    assert_eq!(p.b.chat.visualization(), Some(picture));
    picture
}

/// Both sides show `picture`, and the current key is no longer the one it comes from.
#[track_caller]
fn both_show(p: &Pair, picture: [u8; 36]) {
    assert_ne!(
        visualization_hash(p.a.chat.key()),
        picture,
        "the key changed"
    );
    assert_eq!(p.a.chat.key().as_bytes(), p.b.chat.key().as_bytes());
    assert_eq!(p.a.chat.visualization(), Some(picture), "A's picture");
    assert_eq!(p.b.chat.visualization(), Some(picture), "B's picture");
}

#[test]
fn the_picture_stays_the_original_keys_after_a_rotation_we_start() {
    let mut p = Pair::new(61);
    let picture = original_picture(&p);
    p.a_sends("hello");
    p.flush();
    p.a_rekeys();
    p.flush();
    assert_eq!(p.a.key_changes.len(), 1);
    assert_eq!(p.b.key_changes.len(), 1);
    both_show(&p, picture);
}

#[test]
fn the_picture_stays_the_original_keys_after_a_rotation_the_peer_starts() {
    let mut p = Pair::new(62);
    let picture = original_picture(&p);
    p.b_rekeys();
    p.flush();
    assert_eq!(p.a.key_changes.len(), 1);
    both_show(&p, picture);
    // A second rotation, from the other side.
    p.a_rekeys();
    p.flush();
    assert_eq!(p.a.key_changes.len(), 2);
    both_show(&p, picture);
}

#[test]
fn the_picture_survives_a_reload_and_a_rotation_after_it() {
    let mut p = Pair::new(63);
    let picture = original_picture(&p);
    p.a_rekeys();
    p.flush();
    p.reload();
    both_show(&p, picture);
    // Rotations after the reload still keep the original picture.
    p.b_rekeys();
    p.flush();
    p.a_sends("after");
    p.flush();
    assert_eq!(p.a.key_changes.len(), 2);
    both_show(&p, picture);
    p.reload();
    both_show(&p, picture);
}

#[test]
fn a_fresh_chat_reloaded_keeps_its_picture() {
    let mut p = Pair::new(64);
    let picture = original_picture(&p);
    p.reload();
    assert_eq!(p.a.chat.visualization(), Some(picture));
    assert_eq!(p.b.chat.visualization(), Some(picture));
}

fn v1(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let hex = std::fs::read_to_string(path).unwrap();
    hex::decode(hex.trim()).unwrap()
}

#[test]
fn a_version_1_snapshot_of_a_chat_never_rotated_gives_the_original_picture() {
    let p = Pair::new(60);
    let picture = original_picture(&p);
    let chat = SecretChat::restore(&v1("secret_snapshot_v1_fresh.hex"), &p.dh).unwrap();
    assert_eq!(chat.fingerprint(), p.b.chat.fingerprint());
    assert_eq!(chat.visualization(), Some(picture));
    // And it is written back in the current version, picture included.
    let again = SecretChat::restore(&chat.snapshot(), &p.dh).unwrap();
    assert_eq!(again.visualization(), Some(picture));
}

#[test]
fn a_version_1_snapshot_of_a_rotated_chat_gives_no_picture_rather_than_a_wrong_one() {
    let p = Pair::new(60);
    let chat = SecretChat::restore(&v1("secret_snapshot_v1_rekeyed.hex"), &p.dh).unwrap();
    // The original key is gone (wiped at the rotation): its picture cannot be recomputed.
    assert_ne!(chat.fingerprint(), p.b.chat.fingerprint());
    assert_eq!(chat.visualization(), None);
    let again = SecretChat::restore(&chat.snapshot(), &p.dh).unwrap();
    assert_eq!(again.visualization(), None);
}
