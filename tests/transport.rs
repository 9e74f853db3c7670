//! Transport integration tests: exact bytes of every framing, obfuscation and MTProxy
//! vectors, and every error path. Runs natively and under wasm-bindgen-test in a browser.
//!
//! Expected bytes were computed independently: CRC-32 with Python's `zlib.crc32`, the
//! obfuscated streams with Python `cryptography` (AES-256-CTR, 128-bit big-endian counter)
//! and `hashlib.sha256` for the MTProxy keys, from the header `(7 * i + 3) % 256`.

use mtproto_wasm::crypto::{FixedRandom, SeededRandom};
use mtproto_wasm::transport::{
    AcceptConfig, Framing, TransportCodec, TransportConfig, TransportError,
};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::*;

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn plain_exact_bytes() {
    let p = [1, 2, 3, 4, 5, 6, 7, 8];
    let mut none = FixedRandom::new([]);
    let mut c = TransportCodec::new(&TransportConfig::new(Framing::Abridged), &mut none).unwrap();
    assert_eq!(c.header(), [0xef]);
    assert_eq!(c.pack(&p, &mut none).unwrap(), [2, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        c.pack_requesting_quick_ack(&p, &mut none).unwrap(),
        [0x82, 1, 2, 3, 4, 5, 6, 7, 8]
    );

    let mut c =
        TransportCodec::new(&TransportConfig::new(Framing::Intermediate), &mut none).unwrap();
    assert_eq!(c.header(), [0xee; 4]);
    assert_eq!(
        c.pack(&p, &mut none).unwrap(),
        [8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]
    );
    assert_eq!(
        c.pack_requesting_quick_ack(&p, &mut none).unwrap()[..4],
        [8, 0, 0, 0x80]
    );

    let cfg = TransportConfig::new(Framing::PaddedIntermediate);
    let mut c = TransportCodec::new(&cfg, &mut none).unwrap();
    assert_eq!(c.header(), [0xdd; 4]);
    // 0x13 % 16 = 3 padding bytes, then the padding itself.
    let mut rng = FixedRandom::new([0x13, 0xa1, 0xa2, 0xa3]);
    assert_eq!(
        c.pack(&p, &mut rng).unwrap(),
        [11, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xa1, 0xa2, 0xa3]
    );

    let mut c = TransportCodec::new(&TransportConfig::new(Framing::Full), &mut none).unwrap();
    assert!(c.header().is_empty());
    let first = c.pack(&p, &mut none).unwrap();
    assert_eq!(first[..8], [0x14, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(first[16..], [0xe0, 0x6e, 0x45, 0x84]);
    assert_eq!(
        c.pack(&[], &mut none).unwrap(),
        [0x0c, 0, 0, 0, 1, 0, 0, 0, 0x43, 0xad, 0x31, 0x8a]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn obfuscated_exact_bytes() {
    let header = hex::decode(
        "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b22\
         2930373e454c535a61686f767d8426a2e36bcbdb9f1d",
    )
    .unwrap();
    let cfg = TransportConfig::obfuscated(Framing::Abridged, 2);
    let mut c = TransportCodec::new(&cfg, &mut FixedRandom::new(kat_header())).unwrap();
    assert_eq!(c.header(), header);
    let mut none = FixedRandom::new([]);
    let up = c.pack(&[1, 2, 3, 4, 5, 6, 7, 8], &mut none).unwrap();
    assert_eq!(hex::encode(up), "92a478b7d99b937a61");
    let down = hex::decode("2265a8f55fc511ad08").unwrap();
    assert_eq!(c.unpack(&down).unwrap(), [frame(&[1, 2, 3, 4, 5, 6, 7, 8])]);
    // The server derives the same streams from the header.
    let mut s = TransportCodec::accept(&header, &AcceptConfig::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.framing(), s.dc_id(), s.is_obfuscated()),
        (Framing::Abridged, 2, true)
    );
    assert_eq!(
        s.unpack(&hex::decode("92a478b7d99b937a61").unwrap())
            .unwrap(),
        [frame(&[1, 2, 3, 4, 5, 6, 7, 8])]
    );
    assert_eq!(
        hex::encode(s.pack(&[1, 2, 3, 4, 5, 6, 7, 8], &mut none).unwrap()),
        "2265a8f55fc511ad08"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn mtproxy_exact_bytes_and_forced_padding() {
    let mut secret = vec![0xdd];
    secret.extend(0..16u8);
    // Asked for abridged without obfuscation: the 0xdd secret forces obfuscated padded.
    let cfg = TransportConfig {
        secret: Some(secret.clone()),
        dc_id: TransportConfig::encode_dc_id(4, true, true).unwrap(),
        ..TransportConfig::new(Framing::Abridged)
    };
    let mut rng = FixedRandom::new(kat_header().into_iter().chain([0x10]).collect::<Vec<_>>());
    let mut c = TransportCodec::new(&cfg, &mut rng).unwrap();
    assert_eq!(
        (c.framing(), c.is_obfuscated()),
        (Framing::PaddedIntermediate, true)
    );
    assert_eq!(
        hex::encode(c.header()),
        "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b22\
         2930373e454c535a61686f767d84e909a100b8b4510a"
    );
    let up = c.pack(&[1, 2, 3, 4, 5, 6, 7, 8], &mut rng).unwrap();
    assert_eq!(hex::encode(&up), "1a04d1dd05cfa008d51cea11");
    let down = hex::decode("2542bac7e3bc53b0d8fe15fa").unwrap();
    assert_eq!(c.unpack(&down).unwrap(), [frame(&[1, 2, 3, 4, 5, 6, 7, 8])]);

    let proxy = AcceptConfig {
        secret: Some(secret),
        ..AcceptConfig::default()
    };
    let mut s = TransportCodec::accept(&c.header(), &proxy)
        .unwrap()
        .unwrap();
    assert_eq!(s.dc_id(), -10004);
    assert_eq!(s.unpack(&up).unwrap(), [frame(&[1, 2, 3, 4, 5, 6, 7, 8])]);
    // Without the secret, or with another, the header does not decode.
    assert!(matches!(
        TransportCodec::accept(&c.header(), &AcceptConfig::default()),
        Err(TransportError::BadHeader(_))
    ));
    let other = AcceptConfig {
        secret: Some(vec![9; 16]),
        ..AcceptConfig::default()
    };
    assert!(matches!(
        TransportCodec::accept(&c.header(), &other),
        Err(TransportError::BadHeader(_))
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn pack_errors_leave_the_codec_usable() {
    let mut rng = SeededRandom::new(3);
    for (cfg, acc) in configs() {
        let cfg = TransportConfig {
            max_frame_len: 64,
            ..cfg
        };
        let (mut c, mut s) = pair(&cfg, &acc, &mut rng);
        assert_eq!(
            c.pack(&[1, 2, 3], &mut rng),
            Err(TransportError::PayloadNotAligned(3))
        );
        assert_eq!(
            c.pack(&[0; 68], &mut rng),
            Err(TransportError::FrameTooLarge { len: 68, max: 64 })
        );
        if c.framing() == Framing::PaddedIntermediate {
            let mut empty = FixedRandom::new([]);
            assert!(matches!(
                c.pack(&[0; 4], &mut empty),
                Err(TransportError::Random(_))
            ));
        }
        // The streams did not move: the next packet still goes through.
        let up = c.pack(&[5; 8], &mut rng).unwrap();
        assert_frames(&s.unpack(&up).unwrap(), &[&[5; 8]]);
        assert!(!c.is_closed());
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn oversized_announcement_is_refused_before_the_body() {
    let mut rng = SeededRandom::new(5);
    for (cfg, acc) in configs() {
        let acc = AcceptConfig {
            max_frame_len: 1024,
            ..acc
        };
        let (mut c, mut s) = pair(&cfg, &acc, &mut rng);
        let up = c.pack(&[0; 2048], &mut rng).unwrap();
        // Only the length prefix is delivered: the error comes before the body arrives.
        let head = &up[..4];
        assert!(
            matches!(s.unpack(head), Err(TransportError::FrameTooLarge { .. })),
            "{cfg:?}"
        );
        assert!(s.is_closed());
        assert_eq!(s.unpack(&up[4..]), Err(TransportError::Closed));
        assert_eq!(s.poll(), Err(TransportError::Closed));
    }
    // The default limit is 16 MiB: an intermediate length of 0x7fffffff is refused at once.
    let mut s = TransportCodec::accept(&[0xee; 4], &AcceptConfig::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        s.unpack(&[0xff, 0xff, 0xff, 0x7f]),
        Err(TransportError::FrameTooLarge {
            len: 0x7fff_ffff,
            max: 16 * 1024 * 1024
        })
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn frames_before_an_error_are_delivered_first() {
    let mut rng = SeededRandom::new(9);
    let cfg = TransportConfig::obfuscated(Framing::Intermediate, 2);
    let (mut c, mut s) = pair(&cfg, &AcceptConfig::default(), &mut rng);
    let mut down = s.pack(&[1; 8], &mut rng).unwrap();
    down.extend(s.pack(&[2; 8], &mut rng).unwrap());
    down.extend(s.pack_transport_error(-404, &mut rng).unwrap());
    down.extend(s.pack(&[3; 8], &mut rng).unwrap());
    assert_eq!(c.unpack(&down).unwrap(), [frame(&[1; 8]), frame(&[2; 8])]);
    assert!(c.is_closed());
    let e = c.unpack(&[]).unwrap_err();
    assert_eq!(e, TransportError::ServerError(-404));
    assert_eq!(
        e.to_string(),
        "server transport error -404 (auth key not found)"
    );
    assert_eq!(c.unpack(&[]), Err(TransportError::Closed));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn full_transport_crc_and_seq_errors() {
    let mut rng = SeededRandom::new(11);
    let cfg = TransportConfig::new(Framing::Full);
    let (mut c, mut s) = pair(&cfg, &AcceptConfig::default(), &mut rng);
    let mut up = c.pack(&[1; 8], &mut rng).unwrap();
    up[10] ^= 0x40;
    assert!(matches!(s.unpack(&up), Err(TransportError::BadCrc { .. })));
    let (mut c, mut s) = pair(&cfg, &AcceptConfig::default(), &mut rng);
    let _skipped = c.pack(&[1; 8], &mut rng).unwrap();
    let up = c.pack(&[2; 8], &mut rng).unwrap();
    assert_eq!(
        s.unpack(&up),
        Err(TransportError::BadSeq {
            expected: 1,
            got: 2
        })
    );
    // Client side: the server's frames are numbered from 0 too.
    let (mut c, mut s) = pair(&cfg, &AcceptConfig::default(), &mut rng);
    let _lost = s.pack(&[1; 8], &mut rng).unwrap();
    let down = s.pack(&[2; 8], &mut rng).unwrap();
    assert_eq!(
        c.unpack(&down),
        Err(TransportError::BadSeq {
            expected: 0,
            got: 1
        })
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn accept_rejects_what_it_cannot_speak() {
    let plain = AcceptConfig::default();
    for http in [&b"GET /apiws HTTP/1.1"[..], b"POST", b"HEAD /", b"OPTIONS"] {
        assert!(matches!(
            TransportCodec::accept(http, &plain),
            Err(TransportError::BadHeader(_))
        ));
    }
    // Partial tags wait for more bytes.
    assert!(TransportCodec::accept(&[], &plain).unwrap().is_none());
    assert!(
        TransportCodec::accept(&[0xee, 0xee], &plain)
            .unwrap()
            .is_none()
    );
    assert!(
        TransportCodec::accept(&[0x10, 0, 0, 0, 0], &plain)
            .unwrap()
            .is_none()
    );
    assert!(
        TransportCodec::accept(&[0x11; 63], &plain)
            .unwrap()
            .is_none()
    );
    // A TLS ClientHello is a forbidden header, not an obfuscated connection.
    let mut tls = vec![0x16, 0x03, 0x01, 0x02, 0x00];
    tls.resize(64, 1);
    assert!(matches!(
        TransportCodec::accept(&tls, &plain),
        Err(TransportError::BadHeader(_))
    ));
    // An MTProxy accepts only obfuscated connections.
    let proxy = AcceptConfig {
        secret: Some(vec![1; 16]),
        ..AcceptConfig::default()
    };
    let mut abridged = vec![0xef];
    abridged.resize(64, 4);
    assert!(matches!(
        TransportCodec::accept(&abridged, &proxy),
        Err(TransportError::BadHeader(_))
    ));
    assert!(
        TransportCodec::accept(&[0xee; 4], &proxy)
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        TransportCodec::accept(&[0xee; 64], &proxy),
        Err(TransportError::BadHeader(_))
    ));
    // A 0xdd secret requires padded intermediate.
    let mut dd = vec![0xdd];
    dd.extend([1; 16]);
    let cfg = TransportConfig {
        secret: Some(vec![1; 16]),
        ..TransportConfig::obfuscated(Framing::Abridged, 2)
    };
    let c = TransportCodec::new(&cfg, &mut SeededRandom::new(1)).unwrap();
    let dd_proxy = AcceptConfig {
        secret: Some(dd),
        ..AcceptConfig::default()
    };
    assert!(matches!(
        TransportCodec::accept(&c.header(), &dd_proxy),
        Err(TransportError::BadHeader(_))
    ));
    assert!(matches!(
        TransportCodec::accept(
            &[0; 8],
            &AcceptConfig {
                secret: Some(vec![0; 5]),
                ..AcceptConfig::default()
            }
        ),
        Err(TransportError::BadSecret(_))
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn client_config_errors() {
    let mut rng = SeededRandom::new(1);
    let full = TransportConfig::obfuscated(Framing::Full, 2);
    assert!(matches!(
        TransportCodec::new(&full, &mut rng),
        Err(TransportError::BadConfig(_))
    ));
    let bad = TransportConfig {
        secret: Some(vec![0xee; 17]),
        ..TransportConfig::new(Framing::Abridged)
    };
    assert!(matches!(
        TransportCodec::new(&bad, &mut rng),
        Err(TransportError::BadSecret(_))
    ));
    let cfg = TransportConfig::obfuscated(Framing::Abridged, 2);
    assert!(matches!(
        TransportCodec::new(&cfg, &mut FixedRandom::new([0; 10])),
        Err(TransportError::Random(_))
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn header_skips_forbidden_candidates() {
    // Candidates: first byte 0xef, then "POST", then bytes 4..8 zero, then an allowed one.
    let mut bytes = Vec::new();
    for prefix in [
        &[0xef, 1, 1, 1, 1, 1, 1, 1][..],
        b"POST1111",
        &[1, 2, 3, 4, 0, 0, 0, 0],
    ] {
        let mut cand = prefix.to_vec();
        cand.resize(64, 0x33);
        bytes.extend(cand);
    }
    let good = kat_header();
    bytes.extend(&good);
    let cfg = TransportConfig::obfuscated(Framing::PaddedIntermediate, 2);
    let c = TransportCodec::new(&cfg, &mut FixedRandom::new(bytes)).unwrap();
    assert_eq!(c.header()[..56], good[..56]);
}
