//! TL schemas: the text parser, the built-in schemas, and the compiled schema the dynamic
//! codec runs on.
//!
//! Three schemas are compiled in (`build.rs`):
//! - **API**: the current Telegram API layer, from the pinned npm package `@mtcute/tl`
//!   at build time (never committed to the repository);
//! - **MTProto service** (`mtproto.tl`): handshake and service messages;
//! - **end-to-end** (`secret.tl`): secret-chat messages up to layer 144 with the older forms.
//!
//! Names: each schema keeps its own names. When a name or id exists in more than one schema
//! (`documentAttributeSticker` is in the API and, in an older form, in the end-to-end
//! schema), lookups inside a field resolve in the schema of the enclosing constructor first;
//! top-level lookups try API, then service, then end-to-end. The API's `Bool`, `Vector`
//! and `true` are built into the codec (`boolTrue`/`boolFalse` map to booleans).

use crate::tl::error::TlError;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

#[allow(unused_imports)]
use crate::crypto::crc32;

/// The compiled schema blob format and loader.
pub mod blob;
/// Constructors whose official id is not the hash of their text.
pub mod exceptions;
/// Schema text parser and id computation.
pub mod parser;

pub use parser::{Def, ParseError, ParsedSchema, TypeExpr};

/// The service schema text, as compiled in.
pub const MTPROTO_TL: &str = include_str!("mtproto.tl");
/// The end-to-end schema text, as compiled in.
pub const SECRET_TL: &str = include_str!("secret.tl");

static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tl_schema.bin"));

/// The compiled schema blob (for size measurements and tools).
pub fn blob_bytes() -> &'static [u8] {
    BLOB
}

impl From<ParseError> for TlError {
    fn from(e: ParseError) -> Self {
        match e {
            ParseError::Syntax { line, message } => TlError::SchemaSyntax { line, message },
            ParseError::IdMismatch {
                name,
                declared,
                computed,
            } => TlError::SchemaIdMismatch {
                name,
                declared,
                computed,
            },
        }
    }
}

/// Parses TL schema text and checks every declared id (except the names in `exceptions`).
pub fn parse_checked(text: &str, exceptions: &[&str]) -> Result<ParsedSchema, TlError> {
    let schema = parser::parse(text)?;
    parser::check_ids(&schema, exceptions)?;
    Ok(schema)
}

/// Which schema a constructor comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// The Telegram API.
    Api,
    /// The MTProto service schema.
    Mtproto,
    /// The end-to-end (secret chat) schema.
    Secret,
}

/// A field or result type, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `int`.
    Int,
    /// `long`.
    Long,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `int128`.
    Int128,
    /// `int256`.
    Int256,
    /// `true` (only under a flag).
    True,
    /// `Bool`.
    Bool,
    /// `#`.
    Flags,
    /// `Object`, `!X`, `X`: any boxed value.
    Object,
    /// `Vector<T>`.
    Vector(Box<Ty>),
    /// `vector<T>`.
    BareVector(Box<Ty>),
    /// A boxed type, by its name's string index.
    Boxed(u32),
    /// A bare constructor, by index into [`Schema::ctors`].
    Bare(u32),
    /// Unresolved bare name (only while loading).
    BareName(u32),
}

/// A field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// String index of the name.
    pub name: u32,
    /// `(index of the flags field, bit)`.
    pub cond: Option<(u8, u8)>,
    /// The type.
    pub ty: Ty,
}

/// A constructor or function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctor {
    /// Constructor id.
    pub id: u32,
    /// String index of the name.
    pub name: u32,
    /// Index into [`Schema::parts`].
    pub part: u8,
    /// A function (query) rather than a constructor.
    pub is_function: bool,
    /// Result type.
    pub result: Ty,
    /// Fields.
    pub params: Vec<Param>,
}

/// Constructor id -> index. Ids are CRC32 values, so a multiply spreading them over the
/// whole word is hash enough; SipHash cost a fifth of the TL decode time.
pub type IdMap = HashMap<u32, u32, BuildHasherDefault<IdHasher>>;

/// The hasher of [`IdMap`] (for `u32` keys). Not DoS-resistant, and it need not be: the
/// table is filled once from the compiled-in schema, so a hostile id is one lookup like any
/// other.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// One schema's lookup tables.
#[derive(Debug, Clone)]
pub struct Part {
    /// Which schema.
    pub kind: PartKind,
    /// Its layer (0 for the service schema).
    pub layer: u32,
    /// id -> index into [`Schema::ctors`].
    pub by_id: IdMap,
    /// name -> index into [`Schema::ctors`].
    pub by_name: HashMap<Box<str>, u32>,
}

/// The compiled, combined schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Layer of the API part.
    pub api_layer: u32,
    /// Names.
    pub strings: Vec<Box<str>>,
    /// All constructors and functions of all parts.
    pub ctors: Vec<Ctor>,
    /// API, service, end-to-end (in that order).
    pub parts: Vec<Part>,
}

impl Schema {
    /// The compiled-in schema, loaded on first use.
    pub fn get() -> Result<&'static Schema, TlError> {
        static SCHEMA: OnceLock<Result<Schema, TlError>> = OnceLock::new();
        SCHEMA
            .get_or_init(|| blob::load(BLOB))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A string by index.
    pub fn str(&self, i: u32) -> &str {
        self.strings.get(i as usize).map_or("?", |s| s)
    }

    /// A constructor by index.
    pub fn ctor(&self, i: u32) -> Option<&Ctor> {
        self.ctors.get(i as usize)
    }

    /// The index of a constructor of this schema (what [`Schema::ctor`] takes).
    pub fn index_of(&self, ctor: &Ctor) -> Option<u32> {
        let offset = (ctor as *const Ctor as usize).checked_sub(self.ctors.as_ptr() as usize)?;
        let i = offset.checked_div(core::mem::size_of::<Ctor>())?;
        let same = self.ctors.get(i).is_some_and(|c| core::ptr::eq(c, ctor));
        if same { u32::try_from(i).ok() } else { None }
    }

    /// Looks a constructor up by id, in `first`'s part first, then API, service, end-to-end.
    pub fn by_id(&self, id: u32, first: Option<u8>) -> Option<u32> {
        first
            .and_then(|p| self.parts.get(usize::from(p)))
            .and_then(|p| p.by_id.get(&id))
            .or_else(|| self.parts.iter().find_map(|p| p.by_id.get(&id)))
            .copied()
    }

    /// The constructor or method named `name` (any part), for decoding a method's result.
    pub fn method(&self, name: &str) -> Result<&Ctor, TlError> {
        let index = self
            .by_name(name, None)
            .ok_or_else(|| TlError::UnknownName {
                name: name.to_string(),
            })?;
        self.ctor(index).ok_or(TlError::SchemaBlob)
    }

    /// Looks a constructor up by name, in `first`'s part first, then API, service, end-to-end.
    pub fn by_name(&self, name: &str, first: Option<u8>) -> Option<u32> {
        first
            .and_then(|p| self.parts.get(usize::from(p)))
            .and_then(|p| p.by_name.get(name))
            .or_else(|| self.parts.iter().find_map(|p| p.by_name.get(name)))
            .copied()
    }
}
