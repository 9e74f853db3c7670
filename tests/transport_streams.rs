//! Transport integration tests: client <-> server round trips for every framing x
//! obfuscation x MTProxy combination, and a property test of random streams chunked at
//! random points. Runs natively and under wasm-bindgen-test in a browser.

use mtproto_wasm::crypto::{RandomSource, SeededRandom};
use mtproto_wasm::transport::{Incoming, TransportError};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::*;

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn round_trip_every_combination() {
    let mut rng = SeededRandom::new(7);
    for (cfg, acc) in configs() {
        let (mut c, mut s) = pair(&cfg, &acc, &mut rng);
        assert_eq!(s.framing(), c.framing(), "{cfg:?}");
        assert_eq!(s.is_obfuscated(), c.is_obfuscated());
        if c.is_obfuscated() {
            assert_eq!(s.dc_id(), cfg.dc_id);
        }
        let big: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
        for payload in [&[1u8, 2, 3, 4][..], &big, &[]] {
            let up = c.pack(payload, &mut rng).unwrap();
            assert_frames(&s.unpack(&up).unwrap(), &[payload]);
            let down = s.pack(payload, &mut rng).unwrap();
            assert_frames(&c.unpack(&down).unwrap(), &[payload]);
        }
        if c.framing().supports_quick_ack() {
            let up = c.pack_requesting_quick_ack(&[9; 40], &mut rng).unwrap();
            let got = s.unpack(&up).unwrap();
            assert!(
                matches!(
                    &got[..],
                    [Incoming::Frame {
                        quick_ack: true,
                        ..
                    }]
                ),
                "{cfg:?}"
            );
            let ack = s.pack_quick_ack(0x0123_4567, &mut rng).unwrap();
            assert_eq!(
                c.unpack(&ack).unwrap(),
                [Incoming::QuickAck(0x8123_4567)],
                "{cfg:?}"
            );
        } else {
            assert!(s.pack_quick_ack(1, &mut rng).is_err());
        }
        // A transport error from the server closes the client.
        for code in [-404, -429, -444] {
            let (mut c, mut s) = pair(&cfg, &acc, &mut rng);
            let e = s.pack_transport_error(code, &mut rng).unwrap();
            assert_eq!(
                c.unpack(&e),
                Err(TransportError::ServerError(code)),
                "{cfg:?}"
            );
            assert!(c.is_closed());
            assert_eq!(c.unpack(&[]), Err(TransportError::Closed));
            assert_eq!(c.pack(&[0; 4], &mut rng), Err(TransportError::Closed));
        }
    }
}

fn next(rng: &mut SeededRandom, below: u64) -> usize {
    (rng.next_u64() % below) as usize
}

/// Splits `stream` at random points (including empty and one-byte chunks).
fn chunks(stream: &[u8], rng: &mut SeededRandom) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        let n = match next(rng, 4) {
            0 => next(rng, 2),
            1 => next(rng, 8),
            2 => next(rng, 300),
            _ => next(rng, 5000),
        }
        .min(rest.len());
        let (a, b) = rest.split_at(n);
        out.push(a.to_vec());
        rest = b;
    }
    out
}

/// A random packet; `allow_empty` is false towards the client, where the padding after an
/// empty padded packet would be read as a server error code.
fn random_payload(rng: &mut SeededRandom, allow_empty: bool) -> Vec<u8> {
    let words = match next(rng, 5) {
        0 => usize::from(!allow_empty),
        1 => 1 + next(rng, 6),
        2 => 120 + next(rng, 20), // around the abridged 127-word boundary
        _ => next(rng, 1500),
    };
    let mut p = vec![0u8; words * 4];
    rng.fill(&mut p).unwrap();
    if let Some(b) = p.get_mut(3) {
        *b &= 0x7f; // a negative first int in a short packet would read as a server error
    }
    p
}

/// Property test: long random streams of random frames, chunked at random points, are
/// reassembled exactly in both directions for every configuration.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn random_chunking_reassembles_exactly() {
    for seed in 1..=4u64 {
        let mut rng = SeededRandom::new(seed);
        for (cfg, acc) in configs() {
            let (mut c, mut s) = pair(&cfg, &acc, &mut rng);
            let qa = c.framing().supports_quick_ack();
            // Client -> server, some packets asking for a quick ack.
            let mut stream = Vec::new();
            let mut sent = Vec::new();
            for _ in 0..150 {
                let p = random_payload(&mut rng, true);
                let ask = qa && next(&mut rng, 3) == 0;
                stream.extend(
                    if ask {
                        c.pack_requesting_quick_ack(&p, &mut rng)
                    } else {
                        c.pack(&p, &mut rng)
                    }
                    .unwrap(),
                );
                sent.push((p, ask));
            }
            let mut got = Vec::new();
            for chunk in chunks(&stream, &mut rng) {
                got.extend(s.unpack(&chunk).unwrap());
            }
            assert_eq!(got.len(), sent.len(), "{cfg:?}");
            for (g, (p, ask)) in got.iter().zip(&sent) {
                let Incoming::Frame { payload, quick_ack } = g else {
                    panic!("{g:?}")
                };
                assert_eq!(quick_ack, ask);
                assert_frames(&[frame(payload)], &[p]);
            }
            // Server -> client, frames and quick acks interleaved.
            let mut stream = Vec::new();
            let mut sent = Vec::new();
            for i in 0..150u32 {
                if qa && next(&mut rng, 4) == 0 {
                    stream.extend(s.pack_quick_ack(i, &mut rng).unwrap());
                    sent.push(Err(i | 0x8000_0000));
                } else {
                    let p = random_payload(&mut rng, false);
                    stream.extend(s.pack(&p, &mut rng).unwrap());
                    sent.push(Ok(p));
                }
            }
            let mut got = Vec::new();
            for chunk in chunks(&stream, &mut rng) {
                got.extend(c.unpack(&chunk).unwrap());
            }
            assert_eq!(got.len(), sent.len(), "{cfg:?}");
            for (g, want) in got.iter().zip(&sent) {
                match want {
                    Ok(p) => assert_frames(std::slice::from_ref(g), &[p]),
                    Err(token) => assert_eq!(g, &Incoming::QuickAck(*token)),
                }
            }
        }
    }
}
