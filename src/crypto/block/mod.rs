//! AES-256 block cipher for IGE and CTR, with a backend chosen at compile time.
//!
//! - wasm32 with `target_feature = "simd128"`: [`vperm`], a constant-time vector-permute
//!   AES after Mike Hamburg, "Accelerating AES with Vector Permute Instructions"
//!   (CHES 2009, <https://shiftleft.com/mirrors/www.hamburg.org/vpaes.pdf>): the S-box is a
//!   GF(2^8) inversion through GF(16), as 16-entry `i8x16.swizzle` lookups by nibble.
//!   Its constants are computed at compile time from the field maths ([`tables`]).
//! - everything else (native, wasm without SIMD): [`soft`], RustCrypto's `aes` crate.
//!
//! The wasm package ships both wasm builds and picks one at load time (`pkg/loader.js`,
//! see `scripts/build.sh`). [`vperm`] is also compiled for native unit tests, over a
//! portable emulation of the vector type ([`v128`]), and checked against the `aes` crate.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod soft;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod tables;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod v128;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod vperm;

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) use soft::{Aes256Block, ige_decrypt, ige_encrypt};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use vperm::{Aes256Block, ige_decrypt, ige_encrypt};
