//! The dynamic TL value and its JavaScript object convention (converted by hand in
//! `src/js/value.rs`).
//!
//! | TL                      | [`Value`]              | JavaScript                          |
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
