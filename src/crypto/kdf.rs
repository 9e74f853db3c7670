//! MTProto 2.0 message key and AES key/iv derivation, shared by client-server messages and
//! secret chats.
//!
//! ```text
//!   msg_key_large = SHA256(substr(auth_key, 88+x, 32) + plaintext)
//!   msg_key       = substr(msg_key_large, 8, 16)
//!   sha256_a = SHA256(msg_key + substr(auth_key, x, 36))
//!   sha256_b = SHA256(substr(auth_key, 40+x, 36) + msg_key)
//!   aes_key  = substr(sha256_a, 0, 8) + substr(sha256_b, 8, 16) + substr(sha256_a, 24, 8)
//!   aes_iv   = substr(sha256_b, 0, 8) + substr(sha256_a, 8, 16) + substr(sha256_b, 24, 8)
//! ```
//! x = 0 for messages from client to server, 8 from server to client. In secret chats
//! x = 0 for messages from the chat's creator and 8 for the other side.
//! Spec: <https://core.telegram.org/mtproto/description#defining-aes-key-and-initialization-vector>.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::AuthKey;
use super::hash::sha256_concat;

/// Which side sent a message: selects x in the derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// x = 0: sent by the client (in a secret chat: by the chat's creator).
    Client,
    /// x = 8: sent by the server (in a secret chat: by the side that accepted).
    Server,
}

impl Side {
    /// The side of a secret chat's creator (x = 0).
    pub const CHAT_CREATOR: Side = Side::Client;
    /// The side of a secret chat's participant who accepted it (x = 8).
    pub const CHAT_ACCEPTOR: Side = Side::Server;

    /// The offset x.
    pub const fn x(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 8,
        }
    }
}

/// The AES-256-IGE key and iv of one message; wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MessageKeys {
    /// aes_key.
    pub key: [u8; 32],
    /// aes_iv.
    pub iv: [u8; 32],
}

impl core::fmt::Debug for MessageKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MessageKeys { .. }")
    }
}

/// msg_key of `plaintext` (the whole padded plaintext) sent by `side`.
// The auth key is a [u8; 256] and x = side.x() is 0 or 8 (an enum, never input), so every
// range below is fixed by the spec and ends at most at 120 + 8 <= 256.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub fn msg_key_for(auth_key: &AuthKey, side: Side, plaintext: &[u8]) -> [u8; 16] {
    let x = side.x();
    let k = auth_key.as_bytes();
    let large = sha256_concat(&[&k[88 + x..120 + x], plaintext]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&large[8..24]);
    out
}

/// aes_key and aes_iv for a message with `msg_key` sent by `side`.
// The auth key is a [u8; 256] and x = side.x() is 0 or 8 (an enum, never input), so every
// range below is fixed by the spec and ends at most at 76 + 8 <= 256.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub fn derive_aes_key_iv(auth_key: &AuthKey, msg_key: &[u8; 16], side: Side) -> MessageKeys {
    let x = side.x();
    let k = auth_key.as_bytes();
    let mut a = sha256_concat(&[msg_key, &k[x..x + 36]]);
    let mut b = sha256_concat(&[&k[40 + x..76 + x], msg_key]);
    let mut keys = MessageKeys {
        key: [0; 32],
        iv: [0; 32],
    };
    keys.key[..8].copy_from_slice(&a[..8]);
    keys.key[8..24].copy_from_slice(&b[8..24]);
    keys.key[24..].copy_from_slice(&a[24..]);
    keys.iv[..8].copy_from_slice(&b[..8]);
    keys.iv[8..24].copy_from_slice(&a[8..24]);
    keys.iv[24..].copy_from_slice(&b[24..]);
    a.zeroize();
    b.zeroize();
    keys
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::crypto::sha256;

    fn key() -> AuthKey {
        let bytes: Vec<u8> = (0..=255u8).collect();
        AuthKey::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn msg_key_follows_formula() {
        let k = key();
        let pt = b"sixteen byte msg";
        for side in [Side::Client, Side::Server] {
            let x = side.x();
            let mut buf = k.as_bytes()[88 + x..120 + x].to_vec();
            buf.extend_from_slice(pt);
            assert_eq!(msg_key_for(&k, side, pt)[..], sha256(&buf)[8..24]);
        }
        assert_ne!(
            msg_key_for(&k, Side::Client, pt),
            msg_key_for(&k, Side::Server, pt)
        );
    }

    #[test]
    fn key_iv_follow_formula() {
        let k = key();
        let mk = [0x42u8; 16];
        for side in [Side::Client, Side::Server] {
            let x = side.x();
            let a = sha256(&[&mk[..], &k.as_bytes()[x..x + 36]].concat());
            let b = sha256(&[&k.as_bytes()[40 + x..76 + x], &mk[..]].concat());
            let keys = derive_aes_key_iv(&k, &mk, side);
            assert_eq!(keys.key.to_vec(), [&a[..8], &b[8..24], &a[24..]].concat());
            assert_eq!(keys.iv.to_vec(), [&b[..8], &a[8..24], &b[24..]].concat());
        }
    }
}
