//! The dynamic TL decoder on arbitrary bytes and on structured TL built from them
//! (`fuzz/shared/tl_decode.rs` says what is checked; `fuzz/shared/tl_shapes.rs` how the
//! structure is built).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../shared/tl_decode.rs"]
mod tl_decode;
#[path = "../shared/tl_shapes.rs"]
mod tl_shapes;

fuzz_target!(|data: &[u8]| tl_decode::run(data));
