//! The one error type of the TL layer.

use core::fmt;

/// Everything that can go wrong while encoding, decoding or loading a TL schema.
///
/// Hostile input never panics: it ends in one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlError {
    /// A constructor id that no loaded schema knows.
    UnknownConstructor {
        /// The id read from the input.
        id: u32,
    },
    /// A constructor or method name (`_` of an object) that no loaded schema knows.
    UnknownName {
        /// The name given.
        name: String,
    },
    /// A constructor that exists but is not of the type the field expects.
    UnexpectedConstructor {
        /// Where: `messages.sendMessage.peer`.
        path: String,
        /// The constructor found.
        found: String,
        /// The type expected there.
        expected: String,
    },
    /// A required field is absent from an object being encoded.
    MissingField {
        /// Where: `messages.sendMessage.peer`.
        path: String,
    },
    /// A field holds a value of the wrong kind (or out of range) for its TL type.
    WrongType {
        /// Where: `messages.sendMessage.random_id`.
        path: String,
        /// The TL type the schema declares.
        expected: String,
    },
    /// The input ended inside a value.
    Truncated {
        /// Byte offset where more input was needed.
        offset: usize,
    },
    /// Bytes left after a complete top-level value.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// Objects or vectors nested deeper than [`MAX_DEPTH`](crate::tl::MAX_DEPTH).
    TooDeep,
    /// A vector count or a bytes length larger than what the rest of the input can hold.
    LengthBeyondInput {
        /// The length announced.
        length: usize,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// A `gzip_packed` payload that inflates to more than the allowed size.
    GzipTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// A `gzip_packed` payload that is not a valid gzip member.
    GzipInvalid {
        /// What is wrong.
        reason: &'static str,
    },
    /// A vector inside an `Object` position whose element type cannot be inferred.
    UntypedVector,
    /// A schema definition whose declared id differs from the CRC32 of its text.
    SchemaIdMismatch {
        /// The constructor or method.
        name: String,
        /// The `#id` in the text.
        declared: u32,
        /// CRC32 of the normalized definition.
        computed: u32,
    },
    /// Schema text that does not parse.
    SchemaSyntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The compiled-in schema blob is damaged (a build problem, never input).
    SchemaBlob,
}

impl fmt::Display for TlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownConstructor { id } => write!(f, "unknown TL constructor {id:#010x}"),
            Self::UnknownName { name } => write!(f, "unknown TL constructor or method `{name}`"),
            Self::UnexpectedConstructor {
                path,
                found,
                expected,
            } => {
                write!(f, "{path}: constructor `{found}` is not of type {expected}")
            }
            Self::MissingField { path } => write!(f, "missing field {path}"),
            Self::WrongType { path, expected } => {
                write!(f, "{path}: expected a value of type {expected}")
            }
            Self::Truncated { offset } => write!(f, "truncated TL input at byte {offset}"),
            Self::TrailingBytes { count } => write!(f, "{count} trailing bytes after the TL value"),
            Self::TooDeep => write!(f, "TL value nested deeper than {}", crate::tl::MAX_DEPTH),
            Self::LengthBeyondInput { length, remaining } => {
                write!(
                    f,
                    "TL length {length} exceeds the {remaining} remaining input bytes"
                )
            }
            Self::GzipTooLarge { limit } => write!(f, "gzip_packed inflates beyond {limit} bytes"),
            Self::GzipInvalid { reason } => write!(f, "invalid gzip_packed data: {reason}"),
            Self::UntypedVector => {
                write!(f, "vector of unknown element type in an Object position")
            }
            Self::SchemaIdMismatch {
                name,
                declared,
                computed,
            } => write!(
                f,
                "TL schema: `{name}` declares id {declared:#010x} but its definition hashes to {computed:#010x}"
            ),
            Self::SchemaSyntax { line, message } => write!(f, "TL schema line {line}: {message}"),
            Self::SchemaBlob => write!(f, "the compiled TL schema blob is damaged"),
        }
    }
}

impl std::error::Error for TlError {}
