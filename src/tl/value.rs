//! The dynamic TL value and its serde shape (the JavaScript object convention).
//!
//! | TL                      | [`Value`]              | JavaScript (serde-wasm-bindgen)     |
//! |-------------------------|------------------------|-------------------------------------|
//! | constructor / method    | `Object`               | `{ _: 'name', field: ... }`         |
//! | `int`                   | `Int`                  | number                              |
//! | `long`                  | `Long`                 | bigint                              |
//! | `double`                | `Double`               | number                              |
//! | `string` (valid UTF-8)  | `String`               | string                              |
//! | `string` (not UTF-8)    | `Bytes`                | Uint8Array (lossless)               |
//! | `bytes`/`int128`/`int256` | `Bytes`              | Uint8Array                          |
//! | `Bool`, `flags.N?true`  | `Bool`                 | boolean                             |
//! | `Vector<T>`             | `Vector`               | Array                               |
//! | absent `flags.N?T`      | field omitted          | `undefined`                         |
//!
//! `#` flags fields never appear: they are computed from the optional fields on encode.
//! Encoding is lenient about numbers (any numeric kind whose value fits the TL type) and
//! accepts `Bytes` for `string` and arrays of numbers for `bytes`.

use core::fmt;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A dynamic TL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `Bool` or a `flags.N?true` field.
    Bool(bool),
    /// `int`.
    Int(i32),
    /// `long`.
    Long(i64),
    /// `double`.
    Double(f64),
    /// `string` that is valid UTF-8.
    String(String),
    /// `bytes`, `int128`, `int256`, or a `string` that is not valid UTF-8.
    Bytes(Vec<u8>),
    /// `Vector<T>` / `vector<T>`.
    Vector(Vec<Value>),
    /// A constructor or function with its fields.
    Object(Object),
}

/// A constructor or function call: its name and fields in schema order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    /// The `_` name (`messages.sendMessage`).
    pub name: String,
    /// Present fields, in order.
    pub fields: Vec<(String, Value)>,
}

impl Object {
    /// An object with no fields yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            fields: Vec::new(),
        }
    }

    /// Adds a field (builder style).
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// A field by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Long(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Double(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::Vector(v)
    }
}

impl Value {
    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i32(*i),
            Value::Long(l) => s.serialize_i64(*l),
            Value::Double(d) => s.serialize_f64(*d),
            Value::String(v) => s.serialize_str(v),
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::Vector(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(o) => o.serialize(s),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len() + 1))?;
        map.serialize_entry("_", &self.name)?;
        for (k, v) in &self.fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Visits one value `depth` levels deep; deeper than the codec's limit (plus slack for the
/// top object) is refused here already, so a hostile JS object cannot exhaust the stack.
#[derive(Clone, Copy)]
struct ValueVisitor {
    depth: usize,
}

const MAX_INPUT_DEPTH: usize = crate::tl::MAX_DEPTH + 2;

impl<'de> DeserializeSeed<'de> for ValueVisitor {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.depth > MAX_INPUT_DEPTH {
            return Err(de::Error::custom("TL value nested too deeply"));
        }
        d.deserialize_any(self)
    }
}

/// `null`/`undefined` -> `None`, anything else -> a value.
struct OptionalValue(ValueVisitor);

impl<'de> DeserializeSeed<'de> for OptionalValue {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalValue {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional TL value")
    }
    fn visit_none<E>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

fn int_value(v: i64) -> Value {
    match i32::try_from(v) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Long(v),
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TL value (object with `_`, number, bigint, string, bytes, array, boolean)")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(int_value(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        // A u64 beyond i64::MAX keeps its bit pattern: `long` is 64 bits on the wire.
        Ok(match i64::try_from(v) {
            Ok(i) => int_value(i),
            Err(_) => Value::Long(v as i64),
        })
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v).map(int_value).or_else(|_| {
            u64::try_from(v)
                .map(|u| Value::Long(u as i64))
                .map_err(|_| E::custom("integer out of 64-bit range"))
        })
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(|u| self.visit_u64::<E>(u))
            .map_err(|_| E::custom("integer out of 64-bit range"))?
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Double(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let inner = ValueVisitor {
            depth: self.depth + 1,
        };
        while let Some(v) = seq.next_element_seed(inner)? {
            items.push(v);
        }
        Ok(Value::Vector(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut name = None;
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "_" {
                name = Some(map.next_value::<String>()?);
            } else if let Some(v) = map.next_value_seed(OptionalValue(ValueVisitor {
                depth: self.depth + 1,
            }))? {
                // `null` / `undefined` fields count as absent.
                fields.push((key, v));
            }
        }
        // `_` may be left out for bare-typed fields, whose constructor is implied.
        let name = name.unwrap_or_default();
        Ok(Value::Object(Object { name, fields }))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        ValueVisitor { depth: 0 }.deserialize(d)
    }
}
