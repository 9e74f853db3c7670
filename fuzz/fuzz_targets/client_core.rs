//! `ClientCore` fed hostile server bytes in every state, with structured TL among them: the
//! script is `fuzz/shared/client_core.rs` (also run natively by `tests/fuzz_seeds.rs`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../shared/client_core.rs"]
mod client_core;
#[path = "../shared/tl_shapes.rs"]
mod tl_shapes;

fuzz_target!(|data: &[u8]| client_core::run(data));
