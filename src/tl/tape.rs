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

const OBJECT: u32 = 1;
const INT: u32 = 2;
const LONG: u32 = 3;
const DOUBLE: u32 = 4;
const STRING: u32 = 5;
const BYTES: u32 = 6;
const TRUE: u32 = 7;
const FALSE: u32 = 8;
const VECTOR: u32 = 9;

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
    let mut out =
        Vec::with_capacity(12 + 4 * (w.words.len() + 2 * w.strings.len()) + w.bytes.len());
    for n in [w.words.len(), w.strings.len(), w.bytes.len()] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    for x in &w.words {
        out.extend_from_slice(&x.to_le_bytes());
    }
    for (off, len) in &w.strings {
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
    }
    out.extend_from_slice(&w.bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
