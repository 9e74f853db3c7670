//! Helpers shared by the transport integration tests.
#![allow(dead_code)]

use mtproto_wasm::crypto::RandomSource;
use mtproto_wasm::transport::{AcceptConfig, Framing, Incoming, TransportCodec, TransportConfig};

pub const FRAMINGS: [Framing; 4] = [
    Framing::Abridged,
    Framing::Intermediate,
    Framing::PaddedIntermediate,
    Framing::Full,
];

pub fn frame(payload: &[u8]) -> Incoming {
    Incoming::Frame {
        payload: payload.to_vec(),
        quick_ack: false,
    }
}

pub fn kat_header() -> Vec<u8> {
    (0..64u32).map(|i| ((i * 7 + 3) % 256) as u8).collect()
}

/// Checks frames against payloads: padded frames may keep up to 12 aligned padding bytes.
pub fn assert_frames(got: &[Incoming], want: &[&[u8]]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        let Incoming::Frame {
            payload,
            quick_ack: false,
        } = g
        else {
            panic!("{g:?}")
        };
        let ok = payload.starts_with(w) && payload.len() - w.len() <= 12 && payload.len() % 4 == 0;
        assert!(ok, "{payload:?} vs {w:?}");
    }
}

/// Every combination of framing, obfuscation and MTProxy secret.
pub fn configs() -> Vec<(TransportConfig, AcceptConfig)> {
    let mut out = Vec::new();
    for framing in FRAMINGS {
        out.push((TransportConfig::new(framing), AcceptConfig::default()));
        if framing == Framing::Full {
            continue;
        }
        out.push((
            TransportConfig::obfuscated(framing, -3),
            AcceptConfig::default(),
        ));
        let secret = vec![0x42; 16];
        let cfg = TransportConfig {
            secret: Some(secret.clone()),
            ..TransportConfig::obfuscated(framing, 10002)
        };
        out.push((
            cfg,
            AcceptConfig {
                secret: Some(secret),
                ..AcceptConfig::default()
            },
        ));
    }
    let mut dd = vec![0xdd];
    dd.extend([0x24; 16]);
    let cfg = TransportConfig {
        secret: Some(dd.clone()),
        ..TransportConfig::obfuscated(Framing::Intermediate, 5)
    };
    out.push((
        cfg,
        AcceptConfig {
            secret: Some(dd),
            ..AcceptConfig::default()
        },
    ));
    out
}

/// Connects a client and a server, delivering the client's first bytes one at a time.
pub fn pair(
    cfg: &TransportConfig,
    acc: &AcceptConfig,
    rng: &mut dyn RandomSource,
) -> (TransportCodec, TransportCodec) {
    let mut client = TransportCodec::new(cfg, rng).unwrap();
    let mut sent = client.header();
    let full = sent.is_empty();
    if full {
        // The full transport has no tag: the server detects it from the first frame.
        sent = client.pack(&[0; 8], rng).unwrap();
    }
    for n in 1..=sent.len() {
        if let Some(mut s) = TransportCodec::accept(&sent[..n], acc).unwrap() {
            s.feed(&sent[n..]).unwrap();
            if full {
                assert_eq!(s.poll().unwrap(), Some(frame(&[0; 8])));
            }
            assert_eq!(s.poll().unwrap(), None);
            return (client, s);
        }
    }
    panic!("the server never accepted {cfg:?}");
}
