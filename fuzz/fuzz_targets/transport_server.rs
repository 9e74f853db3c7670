//! The server-side transport detection and unpacking (the test DC's first contact with a
//! client) on arbitrary client bytes: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtproto_wasm::transport::{AcceptConfig, TransportCodec};

fuzz_target!(|data: &[u8]| {
    let config = AcceptConfig { max_frame_len: 1 << 16, ..AcceptConfig::default() };
    // Grow the accepted prefix byte by byte, as a server reading slowly would.
    for n in 0..=data.len().min(80) {
        match TransportCodec::accept(&data[..n], &config) {
            Ok(Some(mut codec)) => {
                let _ = codec.unpack(&data[n..]);
                let _ = codec.unpack(&data[n..]);
                return;
            }
            Ok(None) => continue,
            Err(_) => return,
        }
    }
});
