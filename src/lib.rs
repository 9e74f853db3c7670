//! mtproto-wasm: Telegram's MTProto 2.0 as a sans-IO core, compiled to WebAssembly.
//!
//! The core never touches sockets, clocks or global randomness: bytes, time and random
//! bytes come in through arguments, bytes and events go out. Layers mirror the protocol:
//!
//! - [`crypto`]: AES-256-IGE/CTR, SHA-1/256, RSA_PAD, Diffie-Hellman checks, pq factorization,
//!   MTProto 2.0 key derivation.
//! - [`tl`]: TL binary serialization.
//! - [`auth`]: the auth-key handshake (client typed states, a sans-IO server side for the
//!   test DC).
//! - [`session`]: MTProto 2.0 sessions: encrypted messages, service messages, requests.
//! - [`client`]: [`client::ClientCore`], transport + handshake + session for the JS `Client`.
//! - [`transport`]: abridged, intermediate, padded intermediate and full framings, obfuscation.
//! - `js` (wasm32 only): the wasm-bindgen surface; the only module that touches JavaScript.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod client;
pub mod crypto;
pub mod secret;
pub mod session;
pub mod tl;
pub mod transport;

#[cfg(target_arch = "wasm32")]
mod js;
