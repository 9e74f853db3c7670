//! A flat "tape" of a decoded [`Value`], for handing whole objects to JavaScript in one copy:
//! a JS walker (`js/tape.js`) builds the objects from it much faster than one
//! wasm-to-JS call per field.
//!
//! ```text
//!   header  u32 × 3: word count W, string count S, byte count B
//!   words   u32 × W: the value, prefix order (tags below)
//!   strings u32 × 2S: (offset, length) of each distinct string in `bytes`
//!   bytes   u8 × B: UTF-8 of the strings and raw bytes values, in the order met
//!
//!   1 OBJECT name count (key value)×count    6 BYTES offset length
//!   2 INT value                              7 TRUE
//!   3 LONG low high                          8 FALSE
//!   4 DOUBLE low high (IEEE 754 bits)        9 VECTOR count value×count
//!   5 STRING index                           name, key: string indexes
//! ```
//! Every string (constructor and field names too) is stored once per tape.

use std::collections::HashMap;

use super::value::{Object, Value};

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
}
use tag::*;

struct Writer<'a> {
    words: Vec<u32>,
    strings: Vec<(u32, u32)>,
    index: HashMap<&'a str, u32>,
    bytes: Vec<u8>,
}

impl<'a> Writer<'a> {
    fn string(&mut self, s: &'a str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push((self.bytes.len() as u32, s.len() as u32));
        self.bytes.extend_from_slice(s.as_bytes());
        self.index.insert(s, i);
        i
    }

    fn object(&mut self, o: &'a Object) {
        let name = self.string(&o.name);
        self.words
            .extend_from_slice(&[OBJECT, name, o.fields.len() as u32]);
        for (k, v) in &o.fields {
            let k = self.string(k);
            self.words.push(k);
            self.value(v);
        }
    }

    fn value(&mut self, v: &'a Value) {
        match v {
            Value::Object(o) => self.object(o),
            Value::Int(i) => self.words.extend_from_slice(&[INT, *i as u32]),
            Value::Long(l) => {
                let u = *l as u64;
                self.words
                    .extend_from_slice(&[LONG, u as u32, (u >> 32) as u32]);
            }
            Value::Double(d) => {
                let u = d.to_bits();
                self.words
                    .extend_from_slice(&[DOUBLE, u as u32, (u >> 32) as u32]);
            }
            Value::String(s) => {
                let i = self.string(s);
                self.words.extend_from_slice(&[STRING, i]);
            }
            Value::Bytes(b) => {
                self.words
                    .extend_from_slice(&[BYTES, self.bytes.len() as u32, b.len() as u32]);
                self.bytes.extend_from_slice(b);
            }
            Value::Bool(true) => self.words.push(TRUE),
            Value::Bool(false) => self.words.push(FALSE),
            Value::Vector(items) => {
                self.words.extend_from_slice(&[VECTOR, items.len() as u32]);
                for x in items {
                    self.value(x);
                }
            }
        }
    }
}

/// The tape of `v` (see the module docs).
pub fn to_tape(v: &Value) -> Vec<u8> {
    let mut w = Writer {
        words: Vec::new(),
        strings: Vec::new(),
        index: HashMap::new(),
        bytes: Vec::new(),
    };
    w.value(v);
    assemble(&w.words, &w.strings, &w.bytes)
}

/// Header, words, string table and bytes, as the module docs lay them out.
pub(crate) fn assemble(words: &[u32], strings: &[(u32, u32)], bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + 4 * (words.len() + 2 * strings.len()) + bytes.len());
    for n in [words.len(), strings.len(), bytes.len()] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    for x in words {
        out.extend_from_slice(&x.to_le_bytes());
    }
    for (off, len) in strings {
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
    }
    out.extend_from_slice(bytes);
    out
}

/// Reads a tape back into a [`Value`] (tests: the tape decoder against the Value decoder).
#[cfg(test)]
pub(crate) fn from_tape(t: &[u8]) -> Value {
    let u32_at = |i: usize| u32::from_le_bytes(t[i..i + 4].try_into().unwrap());
    let (nw, ns) = (u32_at(0) as usize, u32_at(4) as usize);
    let words: Vec<u32> = (0..nw).map(|i| u32_at(12 + 4 * i)).collect();
    let table = 12 + 4 * nw;
    let data = &t[table + 8 * ns..];
    let string = |i: u32| -> String {
        let (off, len) = (
            u32_at(table + 8 * i as usize) as usize,
            u32_at(table + 8 * i as usize + 4) as usize,
        );
        String::from_utf8(data[off..off + len].to_vec()).unwrap()
    };
    fn value(w: &[u32], p: &mut usize, data: &[u8], string: &dyn Fn(u32) -> String) -> Value {
        let mut next = || {
            *p += 1;
            w[*p - 1]
        };
        match next() {
            OBJECT => {
                let name = string(next());
                let n = next();
                let mut o = Object::new(name);
                for _ in 0..n {
                    let k = string(w[*p]);
                    *p += 1;
                    let v = value(w, p, data, string);
                    o.fields.push((k, v));
                }
                Value::Object(o)
            }
            INT => Value::Int(next() as i32),
            LONG => Value::Long((u64::from(next()) | u64::from(next()) << 32) as i64),
            DOUBLE => Value::Double(f64::from_bits(u64::from(next()) | u64::from(next()) << 32)),
            STRING => Value::String(string(next())),
            BYTES => {
                let (off, len) = (next() as usize, next() as usize);
                Value::Bytes(data[off..off + len].to_vec())
            }
            TRUE => Value::Bool(true),
            FALSE => Value::Bool(false),
            VECTOR => {
                let n = next();
                Value::Vector((0..n).map(|_| value(w, p, data, string)).collect())
            }
            t => panic!("tag {t}"),
        }
    }
    let mut p = 0;
    value(&words, &mut p, data, &string)
}

#[cfg(test)]
mod tests {
    use super::*;
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
            assert_eq!(from_tape(&to_tape(&want)), want);
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
            .take(3 + u32::from_le_bytes(t[..4].try_into().unwrap()) as usize)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn layout_and_strings_stored_once() {
        let v = Value::Object(
            Object::new("a")
                .with("x", Value::Int(-1))
                .with("y", Value::Long(-2))
                .with("s", Value::String("a".into()))
                .with("b", Value::Bytes(vec![9, 8]))
                .with(
                    "v",
                    Value::Vector(vec![Value::Bool(true), Value::Double(0.5)]),
                ),
        );
        let t = to_tape(&v);
        let w = words(&t);
        // header: words, strings (a x y s b v), bytes (6 names + 2 raw bytes)
        assert_eq!(&w[1..3], &[6, 8]);
        assert_eq!(
            &w[3..],
            &[
                OBJECT,
                0,
                5,
                1,
                INT,
                u32::MAX,
                2,
                LONG,
                u32::MAX - 1,
                u32::MAX,
                3,
                STRING,
                0,
                4,
                BYTES,
                5,
                2,
                5,
                VECTOR,
                2,
                TRUE,
                DOUBLE,
                0,
                0x3fe0_0000
            ]
        );
        // strings and raw bytes share one area, in the order they came
        assert_eq!(&t[t.len() - 8..], b"axysb\x09\x08v");
    }
}
