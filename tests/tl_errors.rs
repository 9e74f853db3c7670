//! Every TL error has a test, and random and mutated input never panics the decoder.
//! Runs natively and under wasm-bindgen-test (with fewer fuzz iterations there).

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::tl::schema::{self, Schema};
use mtproto_wasm::tl::{self, Object, TlError, Value, decode_value, encode_value};

fn send_message() -> Object {
    Object::new("messages.sendMessage")
        .with(
            "peer",
            Object::new("inputPeerUser")
                .with("user_id", 123i64)
                .with("access_hash", -1i64),
        )
        .with("message", "hi")
        .with("random_id", 1i64)
}

fn id_of(name: &str) -> u32 {
    let s = Schema::get().unwrap();
    s.ctors[s.by_name(name, None).unwrap() as usize].id
}

fn le(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn unknown_constructor_reports_hex_id() {
    let e = decode_value(&[0xef, 0xbe, 0xad, 0xde]).unwrap_err();
    assert_eq!(e, TlError::UnknownConstructor { id: 0xdead_beef });
    assert!(e.to_string().contains("0xdeadbeef"), "{e}");
    let e = encode_value(&Object::new("messages.noSuchMethod").into()).unwrap_err();
    assert!(matches!(e, TlError::UnknownName { .. }));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn missing_and_wrongly_typed_fields_have_paths() {
    let mut o = send_message();
    o.fields.retain(|(n, _)| n != "peer");
    let e = encode_value(&o.into()).unwrap_err();
    assert_eq!(
        e,
        TlError::MissingField {
            path: "messages.sendMessage.peer".into()
        }
    );
    assert!(e.to_string().contains("messages.sendMessage.peer"));

    let o = send_message().with("random_id", "x");
    let mut o2 = o.clone();
    o2.fields
        .retain(|(n, v)| n != "random_id" || *v == Value::from("x"));
    let e = encode_value(&o2.into()).unwrap_err();
    assert_eq!(
        e,
        TlError::WrongType {
            path: "messages.sendMessage.random_id".into(),
            expected: "long".into()
        }
    );

    let bad_peer = Object::new("messages.sendMessage")
        .with(
            "peer",
            Object::new("inputPeerUser")
                .with("user_id", "x")
                .with("access_hash", 1i64),
        )
        .with("message", "hi")
        .with("random_id", 1i64);
    let e = encode_value(&bad_peer.into()).unwrap_err();
    assert_eq!(
        e,
        TlError::WrongType {
            path: "messages.sendMessage.peer.user_id".into(),
            expected: "long".into()
        }
    );

    let wrong_ctor = Object::new("messages.sendMessage")
        .with(
            "peer",
            Object::new("messageEntityBold")
                .with("offset", 0)
                .with("length", 1),
        )
        .with("message", "hi")
        .with("random_id", 1i64);
    let e = encode_value(&wrong_ctor.into()).unwrap_err();
    assert!(
        matches!(e, TlError::UnexpectedConstructor { ref path, ref expected, .. }
        if path == "messages.sendMessage.peer" && expected == "InputPeer"),
        "{e}"
    );

    // int out of range, int128 of the wrong length, a vector where an object belongs
    let e = encode_value(
        &Object::new("ping")
            .with("ping_id", Value::Double(0.5))
            .into(),
    )
    .unwrap_err();
    assert!(matches!(e, TlError::WrongType { .. }));
    let e = encode_value(
        &Object::new("req_pq_multi")
            .with("nonce", vec![0u8; 15])
            .into(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        TlError::WrongType {
            path: "req_pq_multi.nonce".into(),
            expected: "int128".into()
        }
    );
    let e = encode_value(
        &Object::new("get_future_salts")
            .with("num", 1i64 << 40)
            .into(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        TlError::WrongType {
            path: "get_future_salts.num".into(),
            expected: "int".into()
        }
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn truncated_and_trailing() {
    let bytes = encode_value(&send_message().into()).unwrap();
    for cut in 0..bytes.len() {
        let e = decode_value(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(
                e,
                TlError::Truncated { .. } | TlError::LengthBeyondInput { .. }
            ),
            "{cut}: {e}"
        );
    }
    let mut long = bytes.clone();
    long.extend_from_slice(&[1, 2, 3, 4]);
    assert_eq!(
        decode_value(&long),
        Err(TlError::TrailingBytes { count: 4 })
    );
    // typed structs too
    let ping = tl::mtproto::functions::Ping { ping_id: 1 };
    let mut b = tl::Serializable::to_bytes(&ping);
    b.push(0);
    assert_eq!(
        <tl::mtproto::functions::Ping as tl::Deserializable>::from_bytes(&b),
        Err(TlError::TrailingBytes { count: 1 })
    );
    assert!(matches!(
        <tl::mtproto::functions::Ping as tl::Deserializable>::from_bytes(&b[..6]),
        Err(TlError::Truncated { .. })
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn nesting_deeper_than_64_is_an_error() {
    let bold = id_of("textBold");
    let empty = id_of("textEmpty");
    let nested = |n: usize| {
        let mut b = Vec::new();
        for _ in 0..n {
            b.extend_from_slice(&le(bold));
        }
        b.extend_from_slice(&le(empty));
        b
    };
    assert!(decode_value(&nested(30)).is_ok());
    assert_eq!(decode_value(&nested(70)), Err(TlError::TooDeep));
    assert_eq!(decode_value(&nested(100_000)), Err(TlError::TooDeep));
    let mut v = Value::Object(Object::new("textEmpty"));
    for _ in 0..70 {
        v = Object::new("textBold").with("text", v).into();
    }
    assert_eq!(encode_value(&v), Err(TlError::TooDeep));
    // vectors count as nesting too
    let mut v = Value::Vector(vec![]);
    for _ in 0..70 {
        v = Value::Vector(vec![v]);
    }
    assert_eq!(
        encode_value(
            &Object::new("invokeWithLayer")
                .with("layer", 1)
                .with("query", v)
                .into()
        ),
        Err(TlError::TooDeep)
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn lengths_beyond_the_input() {
    // msgs_ack with a vector claiming 2^28 longs
    let mut b = le(id_of("msgs_ack")).to_vec();
    b.extend_from_slice(&le(tl::VECTOR_ID));
    b.extend_from_slice(&le(1 << 28));
    b.extend_from_slice(&[0; 16]);
    assert!(matches!(
        decode_value(&b),
        Err(TlError::LengthBeyondInput {
            length: 268_435_456,
            remaining: 16
        })
    ));
    // a negative count
    let n = b.len();
    b[n - 20..n - 16].copy_from_slice(&le(u32::MAX));
    assert!(matches!(
        decode_value(&b),
        Err(TlError::LengthBeyondInput { .. })
    ));
    // rpc_error with a string of 0xffffff bytes
    let mut b = le(id_of("rpc_error")).to_vec();
    b.extend_from_slice(&le(400));
    b.extend_from_slice(&[0xfe, 0xff, 0xff, 0xff, b'a', b'b', 0, 0]);
    assert!(matches!(
        decode_value(&b),
        Err(TlError::LengthBeyondInput {
            length: 0xff_ffff,
            ..
        })
    ));
    // the typed decoder too
    assert!(matches!(
        <tl::mtproto::types::RpcError as tl::Deserializable>::from_bytes(&b),
        Err(TlError::LengthBeyondInput { .. })
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn gzip_bomb_is_an_error() {
    let bomb = tl::gzip::gzip(&vec![0u8; tl::gzip::MAX_INFLATED + 1]);
    assert!(bomb.len() < 40_000);
    let mut b = le(tl::GZIP_PACKED_ID).to_vec();
    tl::primitives::write_bytes(&mut b, &bomb);
    assert_eq!(
        decode_value(&b),
        Err(TlError::GzipTooLarge {
            limit: tl::gzip::MAX_INFLATED
        })
    );
    // garbage inside gzip_packed
    let mut b = le(tl::GZIP_PACKED_ID).to_vec();
    tl::primitives::write_bytes(
        &mut b,
        &[
            0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
    );
    assert!(matches!(decode_value(&b), Err(TlError::GzipInvalid { .. })));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn schema_errors() {
    let e = schema::parse_checked("foo#12345678 a:int = Foo;", &[]).unwrap_err();
    let TlError::SchemaIdMismatch {
        name,
        declared,
        computed,
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!((name.as_str(), *declared), ("foo", 0x1234_5678));
    assert_eq!(
        *computed,
        mtproto_wasm::crypto::crc32::crc32(b"foo a:int = Foo")
    );
    assert!(e.to_string().contains("0x12345678"));
    assert!(schema::parse_checked("foo#12345678 a:int = Foo;", &["foo"]).is_ok());
    for bad in [
        "foo a:int",
        "foo a = Foo;",
        "foo#xyz = Foo;",
        "foo x:flags.1?int = Foo;",
        "---bogus---",
    ] {
        assert!(
            matches!(
                schema::parse_checked(bad, &[]),
                Err(TlError::SchemaSyntax { .. })
            ),
            "{bad}"
        );
    }
    // An id computed for a definition without one; comments, sections, layers, multi-line.
    let s = schema::parse_checked(
        "// LAYER 7\n/* block\ncomment */ a x:int = A; // trailing\n===9===\nb#7957a1f8 y:Vector<long>\n  = B;\n---functions---\nc {X:Type} q:!X = X;",
        &[],
    )
    .unwrap();
    assert_eq!(s.layer, Some(7));
    assert_eq!(s.defs.len(), 3);
    assert_eq!(
        s.defs[0].id,
        mtproto_wasm::crypto::crc32::crc32(b"a x:int = A")
    );
    assert_eq!(s.defs[1].section_layer, Some(9));
    assert!(s.defs[2].is_function);
    assert_eq!(
        s.defs[2].id,
        mtproto_wasm::crypto::crc32::crc32(b"c X:Type q:!X = X")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn untyped_vector_in_object_position() {
    // rpc_result whose result is a Vector<int>: not decodable without the method
    let mut b = le(id_of("rpc_result")).to_vec();
    b.extend_from_slice(&5i64.to_le_bytes());
    b.extend_from_slice(&le(tl::VECTOR_ID));
    b.extend_from_slice(&le(1));
    b.extend_from_slice(&le(7));
    assert_eq!(decode_value(&b), Err(TlError::UntypedVector));
    // ... but a vector of boxed objects is.
    let mut b = le(id_of("rpc_result")).to_vec();
    b.extend_from_slice(&5i64.to_le_bytes());
    b.extend_from_slice(&le(tl::VECTOR_ID));
    b.extend_from_slice(&le(1));
    b.extend_from_slice(&le(id_of("inputPeerSelf")));
    let v = decode_value(&b).unwrap();
    assert_eq!(encode_value(&v).unwrap(), b);
}

// ---------------------------------------------------------------------------------------
// Random and mutated input

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let mut c = vec![encode_value(&send_message().into()).unwrap()];
    let container = tl::mtproto::types::MsgContainer {
        messages: vec![tl::mtproto::types::Message {
            msg_id: 4,
            seqno: 1,
            bytes: 12,
            body: tl::Serializable::to_bytes(&tl::mtproto::functions::Ping { ping_id: 5 }),
        }],
    };
    c.push(tl::Serializable::to_bytes(&container));
    let hexs = [
        "8917E31B0FF1C770B657C36AF705BDACA4BE2C0B2E0000000100000062000000DE91B0360000000038507C7CD5FA6F7C000000000654657374313200",
        "955FF5A908256595EDB7766797000000045A300D4B000000046A26DB65000000406709F612FADFBEC3F0289D0AA67EEFE11DBC3BC97D91A26154F932AF019943A8BBC849512DAC6C67B6EFD9157D6CA7377A1776307D84265C6BE9BDCF802AC102000000",
    ];
    for h in hexs {
        c.push(
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect(),
        );
    }
    let mut gz = tl::GZIP_PACKED_ID.to_le_bytes().to_vec();
    tl::primitives::write_bytes(&mut gz, &tl::gzip::gzip(&c[0]));
    c.push(gz);
    // every API/service/e2e constructor id followed by noise exercises many paths
    c
}

fn poke(input: &[u8]) {
    let _ = decode_value(input);
    let _ = tl::decode_value_in(schema::PartKind::Secret, input);
    let _ = tl::mtproto::reencode(input);
    let _ = tl::secret::reencode(input);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_million_random_and_mutated_inputs_never_panic() {
    let iterations: usize = if cfg!(target_arch = "wasm32") {
        20_000
    } else {
        1_000_000
    };
    let schema = Schema::get().unwrap();
    let ids: Vec<u32> = schema.ctors.iter().map(|c| c.id).collect();
    let corpus = corpus();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut buf = Vec::with_capacity(4096);
    for i in 0..iterations {
        buf.clear();
        match i % 4 {
            0 => {
                // a known constructor id followed by random bytes
                buf.extend_from_slice(&ids[rng.below(ids.len())].to_le_bytes());
                let n = rng.below(96);
                buf.extend((0..n).map(|_| rng.next() as u8));
            }
            1 => {
                let n = rng.below(64);
                buf.extend((0..n).map(|_| rng.next() as u8));
            }
            _ => {
                buf.extend_from_slice(&corpus[rng.below(corpus.len())]);
                for _ in 0..1 + rng.below(4) {
                    let len = buf.len();
                    match rng.below(5) {
                        0 if len > 0 => buf[rng.below(len)] ^= 1 << rng.below(8),
                        1 if len > 0 => buf[rng.below(len)] = rng.next() as u8,
                        2 => buf.truncate(rng.below(len + 1)),
                        3 if len >= 4 => {
                            let at = rng.below(len - 3) & !3;
                            let v = [
                                0u32,
                                u32::MAX,
                                0x7fff_ffff,
                                0xfe,
                                tl::VECTOR_ID,
                                ids[rng.below(ids.len())],
                            ];
                            buf[at..at + 4].copy_from_slice(&v[rng.below(v.len())].to_le_bytes());
                        }
                        _ => buf.extend((0..rng.below(8)).map(|_| rng.next() as u8)),
                    }
                }
            }
        }
        poke(&buf);
    }
}
