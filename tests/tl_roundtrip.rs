//! TL engine tests: schema ids, round trips of every constructor and function, known
//! bytes (Telegram's published auth-key example, a secret-chat plaintext), every error,
//! and a random/mutated-input decoder run. Runs natively and under wasm-bindgen-test.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mtproto_wasm::tl::schema::{self, Schema, Ty, exceptions};
use mtproto_wasm::tl::{self, Object, TlError, Value, decode_value, encode_value};
use mtproto_wasm::tl::{BareSerializable, Deserializable, Serializable};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Value generation from the schema

struct Gen {
    schema: &'static Schema,
    all_flags: bool,
}

impl Gen {
    fn simplest_ctor(&self, part: u8, ty: u32) -> u32 {
        let p = &self.schema.parts[usize::from(part)];
        let mut best: Option<(usize, &str, u32)> = None;
        for &i in p.by_id.values() {
            let c = &self.schema.ctors[i as usize];
            if c.result == Ty::Boxed(ty) && !c.is_function {
                let cost = c.params.iter().filter(|p| p.cond.is_none()).count();
                let name = self.schema.str(c.name);
                if best.is_none_or(|(bc, bn, _)| (cost, name) < (bc, bn)) {
                    best = Some((cost, name, i));
                }
            }
        }
        best.unwrap_or_else(|| panic!("no constructor for {}", self.schema.str(ty)))
            .2
    }

    fn object(&self, idx: u32, depth: usize) -> Object {
        let c = &self.schema.ctors[idx as usize];
        assert!(
            depth < 40,
            "generator recursion at {}",
            self.schema.str(c.name)
        );
        let mut o = Object::new(self.schema.str(c.name));
        let flags_on = self.all_flags && depth < 2;
        for p in &c.params {
            let name = self.schema.str(p.name);
            match (&p.ty, p.cond) {
                (Ty::Flags, _) => {}
                (Ty::True, _) => o.fields.push((name.into(), Value::Bool(flags_on))),
                (_, Some(_)) if !flags_on => {}
                (ty, _) => o
                    .fields
                    .push((name.into(), self.value(ty, c.part, depth + 1))),
            }
        }
        o
    }

    fn value(&self, ty: &Ty, part: u8, depth: usize) -> Value {
        match ty {
            Ty::Int => Value::Int(-7),
            Ty::Long => Value::Long(-5_000_000_123),
            Ty::Double => Value::Double(1.5),
            Ty::String => Value::String("héllo".into()),
            Ty::Bytes => Value::Bytes(vec![1, 2, 3, 0xff]),
            Ty::Int128 => Value::Bytes((0..16).collect()),
            Ty::Int256 => Value::Bytes((0..32).collect()),
            Ty::Bool => Value::Bool(true),
            Ty::True => Value::Bool(true),
            Ty::Object => Value::Object(Object::new("inputPeerSelf")),
            Ty::Vector(_) | Ty::BareVector(_) if depth > 3 => Value::Vector(vec![]),
            Ty::Vector(e) | Ty::BareVector(e) => Value::Vector(vec![self.value(e, part, depth)]),
            Ty::Boxed(t) => Value::Object(self.object(self.simplest_ctor(part, *t), depth)),
            Ty::Bare(c) => {
                let mut o = self.object(*c, depth);
                o.name.clear();
                o.name
                    .push_str(self.schema.str(self.schema.ctors[*c as usize].name));
                Value::Object(o)
            }
            other => panic!("unexpected type {other:?}"),
        }
    }
}

fn round_trip_all(all_flags: bool) -> usize {
    let schema = Schema::get().unwrap();
    let g = Gen { schema, all_flags };
    let mut n = 0;
    for part in &schema.parts {
        for &idx in part.by_id.values() {
            let c = &schema.ctors[idx as usize];
            let name = schema.str(c.name);
            if name == "message" {
                continue; // only ever bare (inside msg_container); covered there
            }
            if name == "gzip_packed" {
                // Transparent in the dynamic codec: it decodes to the object it packs.
                let inner = Value::Object(Object::new("inputPeerSelf"));
                let packed = tl::gzip::gzip(&encode_value(&inner).unwrap());
                let v = Value::Object(Object::new("gzip_packed").with("packed_data", packed));
                let bytes = encode_value(&v).unwrap();
                assert_eq!(decode_value(&bytes).unwrap(), inner);
                assert_eq!(tl::mtproto::reencode(&bytes).unwrap(), bytes);
                n += 1;
                continue;
            }
            let v = Value::Object(g.object(idx, 0));
            let bytes =
                tl::encode_value_in(part.kind, &v).unwrap_or_else(|e| panic!("encode {name}: {e}"));
            assert_eq!(
                u32::from_le_bytes(bytes[..4].try_into().unwrap()),
                c.id,
                "{name}"
            );
            // Decode in the constructor's own schema (ids can repeat across schemas).
            let back = tl::decode_value_in(part.kind, &bytes)
                .unwrap_or_else(|e| panic!("decode {name}: {e}"));
            assert_eq!(back, v, "{name}");
            assert_eq!(
                tl::encode_value_in(part.kind, &back).unwrap(),
                bytes,
                "{name}"
            );
            // Typed `message.body` is exactly `message.bytes` long; the generated values do not
            // keep that invariant, so the two containers of `message` are checked elsewhere.
            let typed_skip = matches!(name, "msg_container" | "msg_copy");
            match part.kind {
                _ if typed_skip => {}
                schema::PartKind::Mtproto => {
                    assert_eq!(tl::mtproto::reencode(&bytes).unwrap(), bytes, "{name}")
                }
                schema::PartKind::Secret => {
                    assert_eq!(tl::secret::reencode(&bytes).unwrap(), bytes, "{name}")
                }
                schema::PartKind::Api => {}
            }
            n += 1;
        }
    }
    n
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_constructor_round_trips_with_all_flags() {
    assert!(round_trip_all(true) > 2000);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_constructor_round_trips_with_no_flags() {
    assert!(round_trip_all(false) > 2000);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn builtin_schema_ids_match_their_text() {
    let m = schema::parse_checked(schema::MTPROTO_TL, exceptions::MTPROTO_ID_EXCEPTIONS).unwrap();
    let s = schema::parse_checked(schema::SECRET_TL, exceptions::SECRET_ID_EXCEPTIONS).unwrap();
    assert!(m.defs.len() > 50);
    assert_eq!(s.layer, Some(144));
    // Without the exception list the special constructors are reported.
    let err = schema::parse_checked(schema::MTPROTO_TL, &[]).unwrap_err();
    assert!(
        matches!(err, TlError::SchemaIdMismatch { ref name, .. } if name == "msg_container"),
        "{err}"
    );
    for d in s.defs.iter().chain(&m.defs) {
        assert_eq!(d.id, d.declared_id.unwrap_or(d.id));
    }
    assert_eq!(tl::API_LAYER, 223);
}

// ---------------------------------------------------------------------------------------
// Known bytes

const KAT: &str = include_str!("data/auth_key_sample.json");

fn kat(key: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(KAT).unwrap();
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key}"))
        .to_string()
}

fn field<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.as_object()
        .unwrap()
        .get(name)
        .unwrap_or_else(|| panic!("{name}"))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn p_q_inner_data_dc_known_bytes() {
    let bytes = hex(&kat("p_q_inner_data_dc"));
    let v = decode_value(&bytes).unwrap();
    assert_eq!(v.as_object().unwrap().name, "p_q_inner_data_dc");
    assert_eq!(field(&v, "pq"), &Value::Bytes(hex(&kat("pq"))));
    assert_eq!(field(&v, "p"), &Value::Bytes(hex(&kat("p"))));
    assert_eq!(field(&v, "nonce"), &Value::Bytes(hex(&kat("nonce"))));
    assert_eq!(
        field(&v, "new_nonce"),
        &Value::Bytes(hex(&kat("new_nonce")))
    );
    assert_eq!(field(&v, "dc"), &Value::Int(2));
    assert_eq!(encode_value(&v).unwrap(), bytes);

    let typed = tl::mtproto::types::PQInnerDataDc::from_bytes(&bytes).unwrap();
    assert_eq!(typed.q, hex(&kat("q")));
    assert_eq!(typed.to_bytes(), bytes);
    let boxed = tl::mtproto::enums::PQInnerData::from_bytes(&bytes).unwrap();
    assert!(matches!(
        boxed,
        tl::mtproto::enums::PQInnerData::PQInnerDataDc(_)
    ));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn client_dh_inner_data_known_bytes() {
    let bytes = hex(&kat("client_DH_inner_data"));
    let v = decode_value(&bytes).unwrap();
    assert_eq!(v.as_object().unwrap().name, "client_DH_inner_data");
    assert_eq!(field(&v, "retry_id"), &Value::Long(0));
    assert_eq!(field(&v, "g_b"), &Value::Bytes(hex(&kat("g_b"))));
    assert_eq!(encode_value(&v).unwrap(), bytes);
    let typed = tl::mtproto::types::ClientDHInnerData::from_bytes(&bytes).unwrap();
    assert_eq!(typed.server_nonce.to_vec(), hex(&kat("server_nonce")));
    assert_eq!(typed.to_bytes(), bytes);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn server_dh_inner_data_from_encrypted_answer() {
    let mut answer = hex(&kat("encrypted_answer"));
    mtproto_wasm::crypto::aes_ige_decrypt(
        &mut answer,
        &hex(&kat("tmp_aes_key")),
        &hex(&kat("tmp_aes_iv")),
    )
    .unwrap();
    let (v, used) = tl::decode_value_prefix(&answer[20..]).unwrap();
    let inner = &answer[20..20 + used];
    assert_eq!(
        mtproto_wasm::crypto::sha1(inner).to_vec(),
        answer[..20].to_vec()
    );
    assert_eq!(v.as_object().unwrap().name, "server_DH_inner_data");
    assert_eq!(field(&v, "g"), &Value::Int(3));
    assert_eq!(field(&v, "server_time"), &Value::Int(1_707_425_105));
    assert_eq!(field(&v, "nonce"), &Value::Bytes(hex(&kat("nonce"))));
    assert_eq!(encode_value(&v).unwrap(), inner);
    let mut r = tl::Reader::new(&answer[20..]);
    let typed = tl::mtproto::types::ServerDHInnerData::deserialize(&mut r).unwrap();
    assert_eq!(typed.dh_prime.len(), 256);
    assert_eq!(typed.to_bytes(), inner);
}

const SECRET_PLAINTEXT: &str = "3C0000008917E31B0FF1C770B657C36AF705BDACA4BE2C0B2E0000000100000062000000DE91B0360000000038507C7CD5FA6F7C000000000654657374313200";

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn secret_chat_plaintext_known_bytes() {
    let all = hex(SECRET_PLAINTEXT);
    assert_eq!(u32::from_le_bytes(all[..4].try_into().unwrap()), 60);
    let bytes = &all[4..64];
    let v = decode_value(bytes).unwrap();
    let o = v.as_object().unwrap();
    assert_eq!(o.name, "decryptedMessageLayer");
    assert!(matches!(field(&v, "random_bytes"), Value::Bytes(b) if b.len() == 15));
    assert_eq!(field(&v, "layer"), &Value::Int(46));
    assert_eq!(field(&v, "in_seq_no"), &Value::Int(1));
    assert_eq!(field(&v, "out_seq_no"), &Value::Int(98));
    let msg = field(&v, "message");
    assert_eq!(msg.as_object().unwrap().name, "decryptedMessage46");
    assert_eq!(field(msg, "ttl"), &Value::Int(0));
    assert_eq!(field(msg, "message"), &Value::String("Test12".into()));
    assert!(msg.as_object().unwrap().get("media").is_none());
    assert_eq!(encode_value(&v).unwrap(), bytes);

    use tl::secret::{enums, types};
    let typed = types::DecryptedMessageLayer::from_bytes(bytes).unwrap();
    assert_eq!(typed.layer, 46);
    let enums::DecryptedMessage::DecryptedMessage46(m) = &typed.message else {
        panic!("{typed:?}")
    };
    assert_eq!(m.message, "Test12");
    assert_eq!(m.media, None);
    assert_eq!(typed.to_bytes(), bytes);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn layer_8_service_message_announcing_the_layer() {
    use tl::secret::{enums, types};
    let notify = types::DecryptedMessageService8 {
        random_id: 77,
        random_bytes: vec![9; 15],
        action: enums::DecryptedMessageAction::DecryptedMessageActionNotifyLayer(
            types::DecryptedMessageActionNotifyLayer { layer: 144 },
        ),
    };
    let bytes = notify.to_bytes();
    assert_eq!(&bytes[..4], &0xaa48_327du32.to_le_bytes());
    let v = decode_value(&bytes).unwrap();
    assert_eq!(v.as_object().unwrap().name, "decryptedMessageService8");
    assert_eq!(field(field(&v, "action"), "layer"), &Value::Int(144));
    assert_eq!(encode_value(&v).unwrap(), bytes);
    assert_eq!(
        enums::DecryptedMessage::from_bytes(&bytes).unwrap(),
        notify.into()
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn typed_handshake_and_service_messages() {
    use tl::mtproto::{enums, functions, types};
    let req = functions::ReqPqMulti { nonce: [7; 16] };
    let bytes = req.to_bytes();
    assert_eq!(&bytes[..4], &0xbe7e8ef1u32.to_le_bytes());
    assert_eq!(bytes.len(), 20);
    let res = types::ResPQ {
        nonce: [1; 16],
        server_nonce: [2; 16],
        pq: vec![0x17, 0xed],
        server_public_key_fingerprints: vec![-0x2f62_e27a_219b_027b],
    };
    let b = res.to_bytes();
    let enums::ResPQ::ResPQ(back) =
        <functions::ReqPqMulti as tl::RemoteCall>::Return::from_bytes(&b).unwrap();
    assert_eq!(back, res);
    // msg_container of two messages whose bodies are raw TL.
    let ping = functions::Ping { ping_id: 5 }.to_bytes();
    let ack = types::MsgsAck {
        msg_ids: vec![1, 2],
    }
    .to_bytes();
    let c = types::MsgContainer {
        messages: vec![
            types::Message {
                msg_id: 4,
                seqno: 1,
                bytes: ping.len() as i32,
                body: ping.clone(),
            },
            types::Message {
                msg_id: 8,
                seqno: 2,
                bytes: ack.len() as i32,
                body: ack.clone(),
            },
        ],
    };
    let cb = c.to_bytes();
    assert_eq!(types::MsgContainer::from_bytes(&cb).unwrap(), c);
    let dynamic = decode_value(&cb).unwrap();
    let msgs = field(&dynamic, "messages");
    let Value::Vector(items) = msgs else { panic!() };
    assert_eq!(
        field(field(&items[1], "body"), "msg_ids"),
        &Value::Vector(vec![Value::Long(1), Value::Long(2)])
    );
    assert_eq!(encode_value(&dynamic).unwrap(), cb);
    // rpc_result: the result is the rest of the input.
    let rr = types::RpcResult {
        req_msg_id: 9,
        result: ack.clone(),
    }
    .to_bytes();
    assert_eq!(types::RpcResult::from_bytes(&rr).unwrap().result, ack);
    // bare serialization has no id
    let mut bare = Vec::new();
    types::Pong {
        msg_id: 1,
        ping_id: 2,
    }
    .serialize_bare(&mut bare);
    assert_eq!(bare.len(), 16);
}

// ---------------------------------------------------------------------------------------
// The dynamic codec's conventions

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

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn send_message_encodes_and_decodes() {
    let bytes = encode_value(&send_message().into()).unwrap();
    assert_eq!(&bytes[..4], &0x545c_d15au32.to_le_bytes());
    let back = decode_value(&bytes).unwrap();
    let o = back.as_object().unwrap();
    assert_eq!(o.get("silent"), Some(&Value::Bool(false)));
    assert_eq!(o.get("reply_to"), None);
    assert_eq!(o.get("flags"), None);
    assert_eq!(field(field(&back, "peer"), "user_id"), &Value::Long(123));
    assert_eq!(encode_value(&back).unwrap(), bytes);
    // Setting a flag-true field sets its bit.
    let silent = send_message().with("silent", true);
    let b2 = encode_value(&silent.into()).unwrap();
    assert_eq!(u32::from_le_bytes(b2[4..8].try_into().unwrap()), 1 << 5);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn generic_queries_and_second_flags_field() {
    let q = Object::new("invokeWithLayer").with("layer", 223).with(
        "query",
        Object::new("initConnection")
            .with("api_id", 1)
            .with("device_model", "d")
            .with("system_version", "s")
            .with("app_version", "a")
            .with("system_lang_code", "en")
            .with("lang_pack", "")
            .with("lang_code", "en")
            .with("query", Object::new("help.getConfig")),
    );
    let bytes = encode_value(&q.clone().into()).unwrap();
    let back = decode_value(&bytes).unwrap();
    assert_eq!(encode_value(&back).unwrap(), bytes);
    assert_eq!(
        field(field(&back, "query"), "query")
            .as_object()
            .unwrap()
            .name,
        "help.getConfig"
    );
    // invokeAfterMsg wraps an mtproto-schema function too.
    let after = Object::new("invokeAfterMsg")
        .with("msg_id", 5i64)
        .with("query", Object::new("ping").with("ping_id", 1i64));
    let b = encode_value(&after.into()).unwrap();
    assert_eq!(encode_value(&decode_value(&b).unwrap()).unwrap(), b);
    // `channel` has flags and flags2.
    let ch = Object::new("channel")
        .with("id", 1i64)
        .with("title", "t")
        .with("photo", Object::new("chatPhotoEmpty"))
        .with("date", 0)
        .with("stories_hidden", true) // a flags2 bit
        .with("level", 3); // a flags2 optional field
    let b = encode_value(&ch.into()).unwrap();
    let back = decode_value(&b).unwrap();
    assert_eq!(field(&back, "stories_hidden"), &Value::Bool(true));
    assert_eq!(field(&back, "level"), &Value::Int(3));
    assert_eq!(encode_value(&back).unwrap(), b);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn lenient_inputs_and_lossless_strings() {
    // numbers for long, arrays of numbers for bytes, bytes for string
    let o = Object::new("inputPeerUser")
        .with("user_id", 5)
        .with("access_hash", 6.0);
    let canonical = Object::new("inputPeerUser")
        .with("user_id", 5i64)
        .with("access_hash", 6i64);
    assert_eq!(
        encode_value(&o.into()).unwrap(),
        encode_value(&canonical.into()).unwrap()
    );
    let b = Object::new("upload.saveFilePart")
        .with("file_id", 1i64)
        .with("file_part", 0)
        .with("bytes", Value::Vector(vec![Value::Int(1), Value::Int(255)]));
    let bytes = encode_value(&b.into()).unwrap();
    assert_eq!(
        field(&decode_value(&bytes).unwrap(), "bytes"),
        &Value::Bytes(vec![1, 255])
    );
    // A string field holding invalid UTF-8 decodes to bytes and re-encodes identically.
    let bad = Object::new("messages.sendMessage")
        .with("peer", Object::new("inputPeerSelf"))
        .with("message", Value::Bytes(vec![0xff, 0xfe, b'a']))
        .with("random_id", 1i64);
    let bytes = encode_value(&bad.into()).unwrap();
    let back = decode_value(&bytes).unwrap();
    assert_eq!(
        field(&back, "message"),
        &Value::Bytes(vec![0xff, 0xfe, b'a'])
    );
    assert_eq!(encode_value(&back).unwrap(), bytes);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn decode_result_uses_the_return_type() {
    let mut bytes = 0x1cb5_c415u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&2u32.to_le_bytes());
    bytes.extend_from_slice(&7i32.to_le_bytes());
    bytes.extend_from_slice(&(-1i32).to_le_bytes());
    let v = tl::decode_result("contacts.getContactIDs", &bytes).unwrap();
    assert_eq!(v, Value::Vector(vec![Value::Int(7), Value::Int(-1)]));
    // gzip_packed around it
    let mut gz = 0x3072_cfa1u32.to_le_bytes().to_vec();
    tl::primitives::write_bytes(&mut gz, &tl::gzip::gzip(&bytes));
    assert_eq!(tl::decode_result("contacts.getContactIDs", &gz).unwrap(), v);
    // A Bool result
    assert_eq!(
        tl::decode_result("auth.resetAuthorizations", &0x9972_75b5u32.to_le_bytes()),
        Ok(Value::Bool(true))
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn schema_blob_stays_small() {
    let blob = schema::blob_bytes();
    let gz = tl::gzip::gzip(blob).len();
    println!("schema blob: {} bytes, {gz} gzipped (level 6)", blob.len());
    assert!(blob.len() < 160_000, "{}", blob.len());
    assert!(gz < 80_000, "{gz}");
    let s = Schema::get().unwrap();
    assert_eq!(s.api_layer, 223);
    assert!(s.ctors.len() > 2400);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn raw_media_and_entities_are_checked_as_typed_ones_were() {
    // decryptedMessage keeps media and entities as raw TL (build/codegen.rs, `opaque`), read
    // by tl::codec::take_boxed: exactly one constructor of the end-to-end type.
    use tl::secret::enums;
    let geo = Object::new("decryptedMessageMediaGeoPoint")
        .with("lat", 1.5)
        .with("long", -2.5);
    let bold = Object::new("messageEntityBold")
        .with("offset", 0)
        .with("length", 2);
    let msg: Value = Object::new("decryptedMessage")
        .with("random_id", 5i64)
        .with("ttl", 0)
        .with("message", "hi")
        .with("media", geo.clone())
        .with("entities", Value::Vector(vec![bold.clone().into()]))
        .into();
    let bytes = encode_value(&msg).unwrap();
    let geo_bytes = encode_value(&geo.into()).unwrap();
    let bold_bytes = encode_value(&bold.into()).unwrap();
    let typed = enums::DecryptedMessage::from_bytes(&bytes).unwrap();
    let enums::DecryptedMessage::DecryptedMessage(m) = &typed else {
        panic!("{typed:?}")
    };
    assert_eq!(m.media.as_deref(), Some(&geo_bytes[..]));
    assert_eq!(m.entities, Some(vec![bold_bytes.clone()]));
    assert_eq!(typed.to_bytes(), bytes);

    // The media slot with something else in it: each refused.
    let at = bytes
        .windows(geo_bytes.len())
        .position(|w| w == &geo_bytes[..])
        .unwrap();
    let with_media = |media: &[u8]| [&bytes[..at], media, &bytes[at + geo_bytes.len()..]].concat();
    assert_eq!(
        enums::DecryptedMessage::from_bytes(&with_media(&geo_bytes)).unwrap(),
        typed
    );
    let mut gz = tl::GZIP_PACKED_ID.to_le_bytes().to_vec();
    tl::primitives::write_bytes(&mut gz, &tl::gzip::gzip(&geo_bytes));
    let input_peer_self = 0x7da0_7ec9u32.to_le_bytes(); // API only
    for (bad, why) in [
        (gz, "gzip_packed"),
        (input_peer_self.to_vec(), "an API constructor"),
        (bold_bytes.clone(), "a MessageEntity"),
        (geo_bytes[..12].to_vec(), "truncated"),
        (0x1234_5678u32.to_le_bytes().to_vec(), "an unknown id"),
    ] {
        assert!(
            enums::DecryptedMessage::from_bytes(&with_media(&bad)).is_err(),
            "{why}"
        );
        // and refused by take_boxed itself, the reader left where it was
        let mut r = tl::Reader::new(&bad);
        let got = tl::codec::take_boxed(&mut r, schema::PartKind::Secret, "DecryptedMessageMedia");
        assert!(got.is_err(), "{why}");
        assert_eq!(r.position(), 0, "{why}");
    }
    let mut r = tl::Reader::new(&bytes[at..]);
    let got = tl::codec::take_boxed(&mut r, schema::PartKind::Secret, "DecryptedMessageMedia");
    assert_eq!(got.unwrap(), &geo_bytes[..]);
    assert_eq!(r.position(), geo_bytes.len());
}

/// docs/tl.md, "Name clashes": at the top level a name resolves API first, so a service or
/// end-to-end constructor whose name the API also uses re-encodes through `encode_value_in`
/// with its own schema; `encode_value` takes the API one (found by fuzzing tl_decode).
#[test]
fn clashing_names_re_encode_in_their_own_schema() {
    // message#5bb8e511 msg_id:long seqno:int bytes:int body:Object (the service schema)
    let body = encode_value(&Object::new("help.getConfig").into()).unwrap();
    let mut bytes = 0x5bb8_e511u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&7i64.to_le_bytes());
    bytes.extend_from_slice(&1i32.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as i32).to_le_bytes());
    bytes.extend_from_slice(&body);
    let v = decode_value(&bytes).unwrap();
    assert_eq!(v.as_object().unwrap().name, "message");
    assert!(matches!(
        encode_value(&v),
        Err(TlError::MissingField { path }) if path == "message.id"
    ));
    assert_eq!(
        tl::encode_value_in(schema::PartKind::Mtproto, &v).unwrap(),
        bytes
    );
}
