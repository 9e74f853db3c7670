//! TL bytes decoded straight into a tape ([`super::tape`]), without building a [`Value`]
//! first: the same rules as the schema-driven decoder of `codec.rs` (gzip_packed anywhere,
//! flags, `true` fields, boxed / bare types, untyped vectors, the depth limit), giving what a
//! [`Value`] holds (a `string` that is not UTF-8 becomes bytes) plus an ABSENT word for
//! each optional field not set. Errors are those of the Value decoder, without the field
//! path.
//!
//! [`Value`]: super::Value

use super::codec::{min_size, resolve_ctor, untyped_vector_len};
use super::error::TlError;
use super::gzip::{MAX_INFLATED, gunzip};
use super::reader::Reader;
use super::schema::{Ctor, Schema, Ty};
use super::tape::tag;
use super::{BOOL_FALSE_ID, BOOL_TRUE_ID, GZIP_PACKED_ID, MAX_DEPTH, VECTOR_ID};

struct TapeDecoder<'s> {
    schema: &'s Schema,
    words: Vec<u32>,
    bytes: Vec<u8>,
}

impl<'s> TapeDecoder<'s> {
    /// Sized for `input` bytes of TL: about one word per 4 bytes, strings at most as long.
    fn new(schema: &'s Schema, input: usize) -> Self {
        Self {
            schema,
            words: Vec::with_capacity(input / 2 + 16),
            bytes: Vec::with_capacity(input / 2),
        }
    }

    fn span(&mut self, tag: u32, b: &[u8]) {
        self.words
            .extend_from_slice(&[tag, self.bytes.len() as u32, b.len() as u32]);
        self.bytes.extend_from_slice(b);
    }

    fn object(
        &mut self,
        r: &mut Reader<'_>,
        expected: Option<u32>,
        part: Option<u8>,
        depth: usize,
    ) -> Result<(), TlError> {
        if depth > MAX_DEPTH {
            return Err(TlError::TooDeep);
        }
        let id = r.read_u32()?;
        match id {
            GZIP_PACKED_ID => {
                let data = gunzip(r.read_bytes()?, MAX_INFLATED)?;
                let mut inner = Reader::new(&data);
                self.object(&mut inner, expected, part, depth + 1)?;
                return inner.finish();
            }
            BOOL_TRUE_ID | BOOL_FALSE_ID if expected.is_none() => {
                self.words.push(if id == BOOL_TRUE_ID {
                    tag::TRUE
                } else {
                    tag::FALSE
                });
                return Ok(());
            }
            VECTOR_ID if expected.is_none() => return self.untyped_vector(r, depth + 1),
            _ => {}
        }
        let ctor = resolve_ctor(self.schema, id, expected, part, String::new)?;
        self.fields(r, ctor, depth)
    }

    fn untyped_vector(&mut self, r: &mut Reader<'_>, depth: usize) -> Result<(), TlError> {
        if depth > MAX_DEPTH {
            return Err(TlError::TooDeep);
        }
        let n = untyped_vector_len(self.schema, r)?;
        self.words.extend_from_slice(&[tag::VECTOR, n as u32]);
        for _ in 0..n {
            self.object(r, None, None, depth + 1)?;
        }
        Ok(())
    }

    fn fields(&mut self, r: &mut Reader<'_>, ctor: &'s Ctor, depth: usize) -> Result<(), TlError> {
        let index = self.schema.index_of(ctor).ok_or(TlError::SchemaBlob)?;
        self.words.extend_from_slice(&[tag::OBJECT, index]);
        let mut flags = [(usize::MAX, 0u32); 4];
        let mut nflags = 0;
        for (i, p) in ctor.params.iter().enumerate() {
            if p.ty == Ty::Flags {
                let v = r.read_u32()?;
                if let Some(slot) = flags.get_mut(nflags) {
                    *slot = (i, v);
                    nflags += 1;
                }
                continue;
            }
            if let Some((fi, bit)) = p.cond {
                let set = flags
                    .iter()
                    .find(|(pi, _)| *pi == usize::from(fi))
                    .is_some_and(|(_, f)| f & (1 << bit) != 0);
                if p.ty == Ty::True {
                    self.words.push(if set { tag::TRUE } else { tag::FALSE });
                    continue;
                }
                if !set {
                    self.words.push(tag::ABSENT);
                    continue;
                }
            }
            self.value(r, &p.ty, ctor.part, depth)?;
        }
        Ok(())
    }

    fn value(
        &mut self,
        r: &mut Reader<'_>,
        ty: &Ty,
        part: u8,
        depth: usize,
    ) -> Result<(), TlError> {
        match ty {
            Ty::Int | Ty::Flags => {
                let v = r.read_i32()?;
                self.words.extend_from_slice(&[tag::INT, v as u32]);
            }
            Ty::Long => {
                let v = r.read_i64()? as u64;
                self.words
                    .extend_from_slice(&[tag::LONG, v as u32, (v >> 32) as u32]);
            }
            Ty::Double => {
                let v = r.read_f64()?.to_bits();
                self.words
                    .extend_from_slice(&[tag::DOUBLE, v as u32, (v >> 32) as u32]);
            }
            Ty::String => {
                let b = r.read_bytes()?;
                let t = if core::str::from_utf8(b).is_ok() {
                    tag::STRING
                } else {
                    tag::BYTES
                };
                self.span(t, b);
            }
            Ty::Bytes => {
                let b = r.read_bytes()?;
                self.span(tag::BYTES, b);
            }
            Ty::Int128 => {
                let b = r.read_int128()?;
                self.span(tag::BYTES, &b);
            }
            Ty::Int256 => {
                let b = r.read_int256()?;
                self.span(tag::BYTES, &b);
            }
            Ty::Bool => {
                let b = r.read_bool()?;
                self.words.push(if b { tag::TRUE } else { tag::FALSE });
            }
            Ty::True => self.words.push(tag::TRUE),
            Ty::Object => self.object(r, None, None, depth + 1)?,
            Ty::Vector(e) | Ty::BareVector(e) => {
                if depth + 1 > MAX_DEPTH {
                    return Err(TlError::TooDeep);
                }
                let n = if matches!(ty, Ty::Vector(_)) {
                    r.read_vector_header(min_size(e))?
                } else {
                    r.read_count(min_size(e))?
                };
                self.words.extend_from_slice(&[tag::VECTOR, n as u32]);
                for _ in 0..n {
                    self.value(r, e, part, depth + 1)?;
                }
            }
            Ty::Boxed(t) => self.object(r, Some(*t), Some(part), depth + 1)?,
            Ty::Bare(c) => {
                if depth + 1 > MAX_DEPTH {
                    return Err(TlError::TooDeep);
                }
                let ctor = self.schema.ctor(*c).ok_or(TlError::SchemaBlob)?;
                self.fields(r, ctor, depth + 1)?;
            }
            Ty::BareName(_) => return Err(TlError::SchemaBlob),
        }
        Ok(())
    }

    fn finish(self) -> Vec<u8> {
        super::tape::assemble(&self.words, &self.bytes)
    }
}

/// The tape of exactly one boxed value (as [`super::decode_value`]; trailing bytes are an
/// error).
pub fn decode_tape(bytes: &[u8]) -> Result<Vec<u8>, TlError> {
    let mut d = TapeDecoder::new(Schema::get()?, bytes.len());
    let mut r = Reader::new(bytes);
    d.object(&mut r, None, None, 0)?;
    match bytes.len() - r.position() {
        0 => Ok(d.finish()),
        count => Err(TlError::TrailingBytes { count }),
    }
}

/// The tape of the result of calling `method` (as [`super::decode_result`]).
pub fn decode_result_tape(method: &str, bytes: &[u8]) -> Result<Vec<u8>, TlError> {
    let schema = Schema::get()?;
    let idx = schema
        .by_name(method, None)
        .ok_or_else(|| TlError::UnknownName {
            name: method.to_string(),
        })?;
    let ctor = schema.ctor(idx).ok_or(TlError::SchemaBlob)?;
    let mut d = TapeDecoder::new(schema, bytes.len());
    let inflated;
    let mut r = Reader::new(bytes);
    if r.peek_u32() == Some(GZIP_PACKED_ID) && !matches!(ctor.result, Ty::Boxed(_) | Ty::Object) {
        r.read_u32()?;
        let packed = r.read_bytes()?;
        r.finish()?;
        inflated = gunzip(packed, MAX_INFLATED)?;
        r = Reader::new(&inflated);
    }
    match &ctor.result {
        Ty::Object => d.object(&mut r, None, None, 0)?,
        ty => d.value(&mut r, ty, ctor.part, 0)?,
    }
    r.finish()?;
    Ok(d.finish())
}
