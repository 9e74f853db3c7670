//! The JavaScript surface (wasm-bindgen). The only module that touches JavaScript: it
//! checks and converts arguments, calls the core, and turns errors into JS `Error`s. No
//! protocol logic lives here.
//!
//! Every argument from JavaScript is checked before use; a wrong type or size throws an
//! `Error` with a message that names the argument, and the module keeps working.
// Reads caller values and bytes from JavaScript: no indexing that can panic, no arithmetic
// that can overflow (docs/limits.md, "Panics and arithmetic").
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

mod args;
mod bench;
mod client;
mod crypto;
mod handshake;
mod imports;
mod secret;
mod session;
#[cfg(feature = "test-server")]
mod test_server;
mod tl;
mod transport;
mod value;

/// The size of the module's linear memory in bytes (it only grows): for memory budgets and
/// soak tests.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) as f64) * 65536.0
}
