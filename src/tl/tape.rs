//! A flat "tape" of decoded TL, for handing whole objects to JavaScript in one copy: the
//! JS side (`fromTape` in `js/client.js`) builds the objects from it much faster than one
//! wasm-to-JS call per field. [`super::tape_decode`] writes it straight from TL bytes.
//!
//! ```text
//!   header  u32 × 2: word count W, byte count B
//!   words   u32 × W: the value, prefix order (tags below)
//!   bytes   u8 × B: UTF-8 of the strings and the raw bytes values, in the order met
//!
//!   1 OBJECT ctor value×P                    6 BYTES offset length
//!   2 INT value                              7 TRUE
//!   3 LONG low high                          8 FALSE
//!   4 DOUBLE low high (IEEE 754 bits)        9 VECTOR count value×count
//!   5 STRING offset length                  10 ABSENT (an optional field not set)
//! ```
//! `ctor` is the constructor's index in the compiled schema; its P values are its fields in
//! schema order without the `#` fields (`tlCtorShape(ctor)` gives the JS side the name and
//! field names once, so no name travels in a tape).

/// The tags of the words.
pub(crate) mod tag {
    pub const OBJECT: u32 = 1;
    pub const INT: u32 = 2;
    pub const LONG: u32 = 3;
    pub const DOUBLE: u32 = 4;
    pub const STRING: u32 = 5;
    pub const BYTES: u32 = 6;
    pub const TRUE: u32 = 7;
    pub const FALSE: u32 = 8;
    pub const VECTOR: u32 = 9;
    pub const ABSENT: u32 = 10;
}

/// Header, words and bytes, as the module docs lay them out.
pub(crate) fn assemble(words: &[u32], bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + 4 * words.len() + bytes.len());
    out.extend_from_slice(&(words.len() as u32).to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    for x in words {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.extend_from_slice(bytes);
    out
}

/// The name and the field names (`#` fields left out) of constructor `ctor`, space
/// separated: what the JS side needs to build that constructor's objects from a tape.
pub fn ctor_shape(ctor: u32) -> Option<String> {
    let schema = super::schema::Schema::get().ok()?;
    let c = schema.ctor(ctor)?;
    let mut out = schema.str(c.name).to_string();
    for p in c.params.iter().filter(|p| p.ty != super::schema::Ty::Flags) {
        out.push(' ');
        out.push_str(schema.str(p.name));
    }
    Some(out)
}

/// Reads a tape back into a [`Value`] (tests: the tape decoder against the Value decoder;
/// absent fields are left out, as the Value decoder does).
#[cfg(test)]
pub(crate) fn from_tape(t: &[u8]) -> super::Value {
    use super::value::{Object, Value};
    use tag::*;
    let u32_at = |i: usize| u32::from_le_bytes(t[i..i + 4].try_into().unwrap());
    let nw = u32_at(0) as usize;
    let words: Vec<u32> = (0..nw).map(|i| u32_at(8 + 4 * i)).collect();
    let data = &t[8 + 4 * nw..];
    fn value(w: &[u32], p: &mut usize, data: &[u8]) -> Option<Value> {
        let mut next = || {
            *p += 1;
            w[*p - 1]
        };
        Some(match next() {
            OBJECT => {
                let shape = ctor_shape(next()).unwrap();
                let mut names = shape.split(' ');
                let mut o = Object::new(names.next().unwrap());
                for k in names {
                    if let Some(v) = value(w, p, data) {
                        o.fields.push((k.to_string(), v));
                    }
                }
                Value::Object(o)
            }
            INT => Value::Int(next() as i32),
            LONG => Value::Long((u64::from(next()) | u64::from(next()) << 32) as i64),
            DOUBLE => Value::Double(f64::from_bits(u64::from(next()) | u64::from(next()) << 32)),
            STRING => {
                let (off, len) = (next() as usize, next() as usize);
                Value::String(String::from_utf8(data[off..off + len].to_vec()).unwrap())
            }
            BYTES => {
                let (off, len) = (next() as usize, next() as usize);
                Value::Bytes(data[off..off + len].to_vec())
            }
            TRUE => Value::Bool(true),
            FALSE => Value::Bool(false),
            VECTOR => {
                let n = next();
                Value::Vector((0..n).map(|_| value(w, p, data).unwrap()).collect())
            }
            ABSENT => return None,
            t => panic!("tag {t}"),
        })
    }
    let mut p = 0;
    let v = value(&words, &mut p, data).unwrap();
    assert_eq!(p, words.len(), "words left over");
    v
}

#[cfg(test)]
mod tests {
    use super::tag::*;
    use super::*;
    use crate::tl::value::{Object, Value};
    use crate::tl::{decode_result, decode_value, encode_value};

    #[test]
    fn the_tape_decoder_gives_what_the_value_decoder_gives() {
        let msg = |i: i32| {
            Object::new("message")
                .with("out", Value::Bool(i % 2 == 0))
                .with("id", Value::Int(i))
                .with(
                    "peer_id",
                    Object::new("peerUser").with("user_id", Value::Long(-7 - i64::from(i))),
                )
                .with("date", Value::Int(1_700_000_000))
                .with("message", Value::String(format!("hé {i} ✓")))
                .with(
                    "entities",
                    Value::Vector(vec![
                        Object::new("messageEntityBold")
                            .with("offset", Value::Int(0))
                            .with("length", Value::Int(2))
                            .into(),
                    ]),
                )
                .into()
        };
        let samples = [
            Object::new("messages.messages")
                .with("messages", Value::Vector((0..20).map(msg).collect()))
                .with("topics", Value::Vector(vec![]))
                .with("chats", Value::Vector(vec![]))
                .with("users", Value::Vector(vec![])),
            Object::new("geoPoint")
                .with("long", Value::Double(-0.125))
                .with("lat", Value::Double(51.5))
                .with("access_hash", Value::Long(i64::MIN)),
            Object::new("req_pq_multi").with("nonce", Value::Bytes((0..16).collect())),
        ];
        for o in samples {
            let bytes = encode_value(&Value::Object(o)).unwrap();
            let want = decode_value(&bytes).unwrap();
            let tape = super::super::tape_decode::decode_tape(&bytes).unwrap();
            assert_eq!(from_tape(&tape), want);
            // trailing bytes and truncation fail the same way as the Value decoder
            let mut longer = bytes.clone();
            longer.extend_from_slice(&[0; 4]);
            assert!(super::super::tape_decode::decode_tape(&longer).is_err());
            assert!(super::super::tape_decode::decode_tape(&bytes[..bytes.len() - 4]).is_err());
        }
        // a method result: Vector<long>, also gzip_packed
        let longs = [
            0x15, 0xc4, 0xb5, 0x1c, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff,
        ];
        let want = decode_result("photos.deletePhotos", &longs).unwrap();
        let tape =
            super::super::tape_decode::decode_result_tape("photos.deletePhotos", &longs).unwrap();
        assert_eq!(from_tape(&tape), want);
        let mut gz = Vec::new();
        crate::tl::writer::write_u32(&mut gz, crate::tl::GZIP_PACKED_ID);
        crate::tl::writer::write_bytes(&mut gz, &crate::tl::gzip::gzip(&longs));
        let tape =
            super::super::tape_decode::decode_result_tape("photos.deletePhotos", &gz).unwrap();
        assert_eq!(from_tape(&tape), want);
    }

    fn words(t: &[u8]) -> Vec<u32> {
        t.chunks(4)
            .take(2 + u32::from_le_bytes(t[..4].try_into().unwrap()) as usize)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn layout_every_field_in_schema_order_and_no_names() {
        let schema = crate::tl::schema::Schema::get().unwrap();
        let idx = |n: &str| schema.by_name(n, None).unwrap();
        // userProfilePhoto flags:# has_video:flags.0?true personal:flags.2?true photo_id:long
        //   stripped_thumb:flags.1?bytes dc_id:int
        let photo = Object::new("userProfilePhoto")
            .with("photo_id", Value::Long(-2))
            .with("dc_id", Value::Int(-1));
        let t =
            super::super::tape_decode::decode_tape(&encode_value(&Value::Object(photo)).unwrap())
                .unwrap();
        assert_eq!(
            words(&t),
            [
                10,
                0,
                OBJECT,
                idx("userProfilePhoto"),
                FALSE,
                FALSE,
                LONG,
                u32::MAX - 1,
                u32::MAX,
                ABSENT,
                INT,
                u32::MAX
            ]
        );
        assert_eq!(
            ctor_shape(idx("userProfilePhoto")).unwrap(),
            "userProfilePhoto has_video personal photo_id stripped_thumb dc_id"
        );
        // strings and raw bytes share one area, in the order they came
        let url = Object::new("messageEntityTextUrl")
            .with("offset", Value::Int(0))
            .with("length", Value::Int(1))
            .with("url", Value::String("é".into()));
        let data = Object::new("secureData")
            .with("data", Value::Bytes(vec![9]))
            .with("data_hash", Value::Bytes(vec![]))
            .with("secret", Value::Bytes(vec![8, 7]));
        let geo = Object::new("geoPoint")
            .with("long", Value::Double(0.5))
            .with("lat", Value::Double(-2.0))
            .with("access_hash", Value::Long(1));
        let mut bytes = vec![0x15, 0xc4, 0xb5, 0x1c, 3, 0, 0, 0];
        for o in [url, data, geo] {
            bytes.extend(encode_value(&o.into()).unwrap());
        }
        let t = super::super::tape_decode::decode_tape(&bytes).unwrap();
        #[rustfmt::skip]
        assert_eq!(words(&t), [
            34, 5,
            VECTOR, 3,
            OBJECT, idx("messageEntityTextUrl"), INT, 0, INT, 1, STRING, 0, 2,
            OBJECT, idx("secureData"), BYTES, 2, 1, BYTES, 3, 0, BYTES, 3, 2,
            OBJECT, idx("geoPoint"), DOUBLE, 0, 0x3fe0_0000, DOUBLE, 0, 0xc000_0000,
            LONG, 1, 0, ABSENT,
        ]);
        assert_eq!(&t[t.len() - 5..], "é\x09\x08\x07".as_bytes());
    }
}
