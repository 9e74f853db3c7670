//! Every client-side transport unpacker (each framing, plain and obfuscated, with and
//! without an MTProxy secret) on arbitrary server bytes cut at arbitrary points: never
//! panics, never allocates past the frame limit, and stays closed after an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtproto_wasm::crypto::SeededRandom;
use mtproto_wasm::transport::{Framing, TransportCodec, TransportConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let framing = match selector % 4 {
        0 => Framing::Abridged,
        1 => Framing::Intermediate,
        2 => Framing::PaddedIntermediate,
        _ => Framing::Full,
    };
    let obfuscated = selector & 4 != 0 && framing != Framing::Full;
    let mut config = if obfuscated {
        TransportConfig::obfuscated(framing, 2)
    } else {
        TransportConfig::new(framing)
    };
    config.max_frame_len = 1 << 16;
    if obfuscated && selector & 8 != 0 {
        config.secret = Some(vec![0x11; 16]);
    }
    let mut rng = SeededRandom::new(u64::from(selector) + 1);
    let Ok(mut codec) = TransportCodec::new(&config, &mut rng) else { return };
    let _ = codec.header();
    // Cut the input into chunks whose sizes come from the input itself.
    let mut pos = 0;
    let mut failed = false;
    while pos < rest.len() {
        let len = 1 + usize::from(rest[pos]) % 64;
        let end = (pos + len).min(rest.len());
        match codec.unpack(&rest[pos..end]) {
            Ok(frames) => {
                assert!(!failed, "a closed codec must not yield frames");
                for f in frames {
                    if let mtproto_wasm::transport::Incoming::Frame { payload, .. } = f {
                        assert!(payload.len() <= 1 << 16);
                    }
                }
            }
            Err(_) => failed = true,
        }
        pos = end;
    }
});
