//! The wasm-bindgen surface: converts between JavaScript and Rust types only; the protocol
//! logic stays in the core modules.

mod transport;
