//! The schema-driven codec: [`Value`] <-> TL bytes over the combined schema.
// `ok_or_else` on purpose where clippy would take `ok_or`: an eagerly built `TlError` is
// dropped on every successful read (its drop glue showed as a fifth of TL decode time).
#![allow(clippy::unnecessary_lazy_evaluations)]

use super::error::TlError;
use super::gzip::{MAX_INFLATED, gunzip};
use super::reader::Reader;
use super::schema::{Ctor, PartKind, Schema, Ty};
use super::value::{Object, Value};
use super::writer::*;
use super::{BOOL_FALSE_ID, BOOL_TRUE_ID, GZIP_PACKED_ID, MAX_DEPTH, VECTOR_ID};

#[derive(Clone, Copy)]
enum Seg<'a> {
    Name(&'a str),
    Index(usize),
}

fn join(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Name(n) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(n);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn ty_name(schema: &Schema, ty: &Ty) -> String {
    match ty {
        Ty::Int => "int".into(),
        Ty::Long => "long".into(),
        Ty::Double => "double".into(),
        Ty::String => "string".into(),
        Ty::Bytes => "bytes".into(),
        Ty::Int128 => "int128".into(),
        Ty::Int256 => "int256".into(),
        Ty::True => "true".into(),
        Ty::Bool => "Bool".into(),
        Ty::Flags => "#".into(),
        Ty::Object => "Object".into(),
        Ty::Vector(e) => format!("Vector<{}>", ty_name(schema, e)),
        Ty::BareVector(e) => format!("vector<{}>", ty_name(schema, e)),
        Ty::Boxed(s) | Ty::BareName(s) => schema.str(*s).into(),
        Ty::Bare(c) => schema.ctor(*c).map_or("?", |c| schema.str(c.name)).into(),
    }
}

/// The smallest encoding of one element of `ty` (bounds a vector count by the bytes left).
fn min_size(ty: &Ty) -> usize {
    match ty {
        Ty::Long | Ty::Double => 8,
        Ty::Int128 => 16,
        Ty::Int256 => 32,
        _ => 4,
    }
}

// ---------------------------------------------------------------------------------------
// Encoding

struct Encoder {
    schema: &'static Schema,
    out: Vec<u8>,
    path: Vec<Seg<'static>>,
}

impl Encoder {
    fn wrong(&self, schema_ty: &Ty) -> TlError {
        TlError::WrongType {
            path: join(&self.path),
            expected: ty_name(self.schema, schema_ty),
        }
    }

    fn object(
        &mut self,
        v: &Value,
        expected: Option<u32>,
        part: Option<u8>,
        depth: usize,
    ) -> Result<(), TlError> {
        if depth > MAX_DEPTH {
            return Err(TlError::TooDeep);
        }
        let obj = match v {
            Value::Object(o) => o,
            Value::Bool(b) if expected.is_none() => {
                write_bool(&mut self.out, *b);
                return Ok(());
            }
            Value::Vector(items) if expected.is_none() => {
                write_vector_header(&mut self.out, items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.object(item, None, part, depth.saturating_add(1))?;
                    self.path.pop();
                }
                return Ok(());
            }
            _ => {
                return Err(TlError::WrongType {
                    path: join(&self.path),
                    expected: expected.map_or("Object".into(), |t| self.schema.str(t).to_string()),
                });
            }
        };
        if obj.name.is_empty() {
            self.path.push(Seg::Name("_"));
            return Err(TlError::MissingField {
                path: join(&self.path),
            });
        }
        let schema = self.schema;
        let idx = schema
            .by_name(&obj.name, part)
            .ok_or_else(|| TlError::UnknownName {
                name: obj.name.clone(),
            })?;
        let mut ctor = schema.ctor(idx).ok_or(TlError::SchemaBlob)?;
        if let Some(t) = expected {
            if ctor.result != Ty::Boxed(t) || ctor.is_function {
                // The same name may exist with the right type in another schema.
                let other = schema
                    .parts
                    .iter()
                    .filter_map(|p| p.by_name.get(obj.name.as_str()))
                    .filter_map(|&i| schema.ctor(i))
                    .find(|c| c.result == Ty::Boxed(t) && !c.is_function);
                ctor = other.ok_or_else(|| TlError::UnexpectedConstructor {
                    path: join(&self.path),
                    found: obj.name.clone(),
                    expected: schema.str(t).to_string(),
                })?;
            }
        }
        if self.path.is_empty() {
            self.path.push(Seg::Name(schema.str(ctor.name)));
        }
        write_u32(&mut self.out, ctor.id);
        self.fields(ctor, obj, depth)
    }

    fn fields(&mut self, ctor: &'static Ctor, obj: &Object, depth: usize) -> Result<(), TlError> {
        let schema = self.schema;
        let present = |name: &str| match obj.get(name) {
            Some(Value::Bool(false)) => false,
            Some(_) => true,
            None => false,
        };
        for (i, p) in ctor.params.iter().enumerate() {
            let name = schema.str(p.name);
            if p.ty == Ty::Flags {
                let mut flags = 0u32;
                for q in &ctor.params {
                    if let Some((fi, bit)) = q.cond {
                        let qname = schema.str(q.name);
                        let set = if q.ty == Ty::True {
                            present(qname)
                        } else {
                            obj.get(qname).is_some()
                        };
                        if usize::from(fi) == i && set {
                            flags |= 1 << bit;
                        }
                    }
                }
                write_u32(&mut self.out, flags);
                continue;
            }
            let value = obj.get(name);
            self.path.push(Seg::Name(name));
            match (p.cond, value) {
                (Some(_), _) if p.ty == Ty::True => {
                    if !matches!(value, None | Some(Value::Bool(_))) {
                        return Err(self.wrong(&p.ty));
                    }
                }
                (Some(_), None) => {}
                (_, Some(v)) => self.value(v, &p.ty, ctor.part, depth)?,
                (None, None) => {
                    return Err(TlError::MissingField {
                        path: join(&self.path),
                    });
                }
            }
            self.path.pop();
        }
        Ok(())
    }

    fn int_of(&self, v: &Value, ty: &Ty) -> Result<i64, TlError> {
        match v {
            Value::Int(i) => Ok(i64::from(*i)),
            Value::Long(l) => Ok(*l),
            Value::Double(d) if d.fract() == 0.0 && d.abs() <= 9_007_199_254_740_992.0 => {
                Ok(*d as i64)
            }
            _ => Err(self.wrong(ty)),
        }
    }

    fn raw_bytes<'a>(&self, v: &'a Value, ty: &Ty) -> Result<std::borrow::Cow<'a, [u8]>, TlError> {
        match v {
            Value::Bytes(b) => Ok(b.as_slice().into()),
            Value::Vector(items) => items
                .iter()
                .map(|x| match x {
                    Value::Int(i) => u8::try_from(*i).map_err(|_| self.wrong(ty)),
                    Value::Double(d) if d.fract() == 0.0 && (0.0..=255.0).contains(d) => {
                        Ok(*d as u8)
                    }
                    _ => Err(self.wrong(ty)),
                })
                .collect::<Result<Vec<u8>, _>>()
                .map(Into::into),
            _ => Err(self.wrong(ty)),
        }
    }

    fn value(&mut self, v: &Value, ty: &Ty, part: u8, depth: usize) -> Result<(), TlError> {
        match ty {
            Ty::Int => {
                let i = self.int_of(v, ty)?;
                // Accept the signed and the unsigned 32-bit range (ids are often written unsigned).
                if !(-(1i64 << 31)..(1i64 << 32)).contains(&i) {
                    return Err(self.wrong(ty));
                }
                write_u32(&mut self.out, i as u32);
            }
            Ty::Long => {
                let l = self.int_of(v, ty)?;
                write_i64(&mut self.out, l);
            }
            Ty::Double => match v {
                Value::Double(d) => write_f64(&mut self.out, *d),
                Value::Int(i) => write_f64(&mut self.out, f64::from(*i)),
                Value::Long(l) => write_f64(&mut self.out, *l as f64),
                _ => return Err(self.wrong(ty)),
            },
            Ty::String => match v {
                Value::String(s) => write_bytes(&mut self.out, s.as_bytes()),
                _ => {
                    let b = self.raw_bytes(v, ty)?;
                    write_bytes(&mut self.out, &b);
                }
            },
            Ty::Bytes => {
                let b = self.raw_bytes(v, ty)?;
                write_bytes(&mut self.out, &b);
            }
            Ty::Int128 | Ty::Int256 => {
                let want = if *ty == Ty::Int128 { 16 } else { 32 };
                let b = self.raw_bytes(v, ty)?;
                if b.len() != want {
                    return Err(self.wrong(ty));
                }
                self.out.extend_from_slice(&b);
            }
            Ty::Bool => match v {
                Value::Bool(b) => write_bool(&mut self.out, *b),
                _ => return Err(self.wrong(ty)),
            },
            Ty::True | Ty::Flags => {}
            Ty::Object => self.object(v, None, None, depth.saturating_add(1))?,
            Ty::Vector(e) | Ty::BareVector(e) => {
                let Value::Vector(items) = v else {
                    return Err(self.wrong(ty));
                };
                if depth >= MAX_DEPTH {
                    return Err(TlError::TooDeep);
                }
                if matches!(ty, Ty::Vector(_)) {
                    write_vector_header(&mut self.out, items.len());
                } else {
                    write_count(&mut self.out, items.len());
                }
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.value(item, e, part, depth.saturating_add(1))?;
                    self.path.pop();
                }
            }
            Ty::Boxed(t) => self.object(v, Some(*t), Some(part), depth.saturating_add(1))?,
            Ty::Bare(c) => {
                let Value::Object(obj) = v else {
                    return Err(self.wrong(ty));
                };
                let ctor = self.schema.ctor(*c).ok_or(TlError::SchemaBlob)?;
                if !obj.name.is_empty() && obj.name != self.schema.str(ctor.name) {
                    return Err(TlError::UnexpectedConstructor {
                        path: join(&self.path),
                        found: obj.name.clone(),
                        expected: self.schema.str(ctor.name).to_string(),
                    });
                }
                if depth >= MAX_DEPTH {
                    return Err(TlError::TooDeep);
                }
                self.fields(ctor, obj, depth.saturating_add(1))?;
            }
            Ty::BareName(_) => return Err(TlError::SchemaBlob),
        }
        Ok(())
    }
}

/// Encodes a value (normally an [`Object`]: a constructor or a method call, boxed) to TL.
///
/// Names are looked up in the API schema first, then the service and end-to-end schemas.
pub fn encode_value(v: &Value) -> Result<Vec<u8>, TlError> {
    encode_with(v, None)
}

/// Like [`encode_value`], but names are looked up in `kind`'s schema first (for the few
/// end-to-end constructors whose names the API reuses with another definition).
pub fn encode_value_in(kind: PartKind, v: &Value) -> Result<Vec<u8>, TlError> {
    encode_with(v, Some(kind))
}

fn part_index(schema: &Schema, kind: Option<PartKind>) -> Option<u8> {
    let kind = kind?;
    schema
        .parts
        .iter()
        .position(|p| p.kind == kind)
        .and_then(|i| u8::try_from(i).ok())
}

fn encode_with(v: &Value, kind: Option<PartKind>) -> Result<Vec<u8>, TlError> {
    let schema = Schema::get()?;
    let mut enc = Encoder {
        schema,
        out: Vec::new(),
        path: Vec::new(),
    };
    enc.object(v, None, part_index(schema, kind), 0)?;
    Ok(enc.out)
}

// ---------------------------------------------------------------------------------------
// Decoding

struct Decoder<'s> {
    schema: &'s Schema,
    path: Vec<Seg<'s>>,
    /// What the gzip_packed of this one decode may still inflate to, together (each level of
    /// nesting spends from it, so nested gzip costs at most [`MAX_INFLATED`] in all).
    inflate_left: usize,
}

impl<'s> Decoder<'s> {
    fn object(
        &mut self,
        r: &mut Reader<'_>,
        expected: Option<u32>,
        part: Option<u8>,
        depth: usize,
    ) -> Result<Value, TlError> {
        if depth > MAX_DEPTH {
            return Err(TlError::TooDeep);
        }
        let id = r.read_u32()?;
        match id {
            GZIP_PACKED_ID => {
                let packed = r.read_bytes()?;
                let data = gunzip(packed, self.inflate_left)?;
                // gunzip returns at most the limit: the subtraction never saturates.
                self.inflate_left = self.inflate_left.saturating_sub(data.len());
                let mut inner = Reader::new(&data);
                let v = self.object(&mut inner, expected, part, depth.saturating_add(1))?;
                inner.finish()?;
                return Ok(v);
            }
            BOOL_TRUE_ID | BOOL_FALSE_ID if expected.is_none() => {
                return Ok(Value::Bool(id == BOOL_TRUE_ID));
            }
            VECTOR_ID if expected.is_none() => {
                return self.untyped_vector(r, depth.saturating_add(1));
            }
            _ => {}
        }
        let schema = self.schema;
        let ctor = resolve_ctor(schema, id, expected, part, || join(&self.path))?;
        if self.path.is_empty() {
            self.path.push(Seg::Name(schema.str(ctor.name)));
        }
        self.fields(r, ctor, depth).map(Value::Object)
    }

    /// A `Vector` where the schema says `Object`: elements must be boxed objects.
    fn untyped_vector(&mut self, r: &mut Reader<'_>, depth: usize) -> Result<Value, TlError> {
        if depth > MAX_DEPTH {
            return Err(TlError::TooDeep);
        }
        let n = untyped_vector_len(self.schema, r)?;
        let mut items = Vec::with_capacity(n);
        for i in 0..n {
            self.path.push(Seg::Index(i));
            items.push(self.object(r, None, None, depth.saturating_add(1))?);
            self.path.pop();
        }
        Ok(Value::Vector(items))
    }

    fn fields(
        &mut self,
        r: &mut Reader<'_>,
        ctor: &'s Ctor,
        depth: usize,
    ) -> Result<Object, TlError> {
        let schema = self.schema;
        // (index of a `#` field, its value); constructors have at most two.
        let mut flags = [(usize::MAX, 0u32); 4];
        let mut nflags = 0;
        let mut obj = Object {
            name: schema.str(ctor.name).to_string(),
            fields: Vec::with_capacity(ctor.params.len()),
        };
        for (i, p) in ctor.params.iter().enumerate() {
            let name = schema.str(p.name);
            if p.ty == Ty::Flags {
                let v = r.read_u32()?;
                if let Some(slot) = flags.get_mut(nflags) {
                    *slot = (i, v);
                    nflags = nflags.saturating_add(1);
                }
                continue;
            }
            if let Some((fi, bit)) = p.cond {
                let set = flags
                    .iter()
                    .find(|(pi, _)| *pi == usize::from(fi))
                    .is_some_and(|(_, f)| f & (1 << bit) != 0);
                if p.ty == Ty::True {
                    obj.fields.push((name.to_string(), Value::Bool(set)));
                    continue;
                }
                if !set {
                    continue;
                }
            }
            self.path.push(Seg::Name(name));
            let v = self.value(r, &p.ty, ctor.part, depth)?;
            self.path.pop();
            obj.fields.push((name.to_string(), v));
        }
        Ok(obj)
    }

    fn value(
        &mut self,
        r: &mut Reader<'_>,
        ty: &Ty,
        part: u8,
        depth: usize,
    ) -> Result<Value, TlError> {
        Ok(match ty {
            Ty::Int => Value::Int(r.read_i32()?),
            Ty::Long => Value::Long(r.read_i64()?),
            Ty::Double => Value::Double(r.read_f64()?),
            Ty::String => {
                let b = r.read_bytes()?;
                match core::str::from_utf8(b) {
                    Ok(s) => Value::String(s.to_string()),
                    Err(_) => Value::Bytes(b.to_vec()),
                }
            }
            Ty::Bytes => Value::Bytes(r.read_bytes()?.to_vec()),
            Ty::Int128 => Value::Bytes(r.read_int128()?.to_vec()),
            Ty::Int256 => Value::Bytes(r.read_int256()?.to_vec()),
            Ty::Bool => Value::Bool(r.read_bool()?),
            Ty::True => Value::Bool(true),
            Ty::Flags => Value::Int(r.read_i32()?),
            Ty::Object => self.object(r, None, None, depth.saturating_add(1))?,
            Ty::Vector(e) | Ty::BareVector(e) => {
                if depth >= MAX_DEPTH {
                    return Err(TlError::TooDeep);
                }
                let n = if matches!(ty, Ty::Vector(_)) {
                    r.read_vector_header(min_size(e))?
                } else {
                    r.read_count(min_size(e))?
                };
                let mut items = Vec::with_capacity(n);
                for i in 0..n {
                    self.path.push(Seg::Index(i));
                    items.push(self.value(r, e, part, depth.saturating_add(1))?);
                    self.path.pop();
                }
                Value::Vector(items)
            }
            Ty::Boxed(t) => self.object(r, Some(*t), Some(part), depth.saturating_add(1))?,
            Ty::Bare(c) => {
                if depth >= MAX_DEPTH {
                    return Err(TlError::TooDeep);
                }
                let ctor = self.schema.ctor(*c).ok_or(TlError::SchemaBlob)?;
                Value::Object(self.fields(r, ctor, depth.saturating_add(1))?)
            }
            Ty::BareName(_) => return Err(TlError::SchemaBlob),
        })
    }
}

/// The constructor `id` read where `expected` (a boxed type) or anything (`None`) may stand:
/// looked up in `part` first, then, if it does not fit `expected`, a same-id constructor of
/// another part that does. `path` names the place for the error.
fn resolve_ctor(
    schema: &Schema,
    id: u32,
    expected: Option<u32>,
    part: Option<u8>,
    path: impl FnOnce() -> String,
) -> Result<&Ctor, TlError> {
    let idx = schema
        .by_id(id, part)
        .ok_or_else(|| TlError::UnknownConstructor { id })?;
    let ctor = schema.ctor(idx).ok_or(TlError::SchemaBlob)?;
    let Some(t) = expected else {
        return Ok(ctor);
    };
    if ctor.result == Ty::Boxed(t) && !ctor.is_function {
        return Ok(ctor);
    }
    schema
        .parts
        .iter()
        .filter_map(|p| p.by_id.get(&id))
        .filter_map(|&i| schema.ctor(i))
        .find(|c| c.result == Ty::Boxed(t) && !c.is_function)
        .ok_or_else(|| TlError::UnexpectedConstructor {
            path: path(),
            found: schema.str(ctor.name).to_string(),
            expected: schema.str(t).to_string(),
        })
}

/// The count of a `Vector` where the schema says `Object`; its first element must be a
/// boxed value the schema knows.
fn untyped_vector_len(schema: &Schema, r: &mut Reader<'_>) -> Result<usize, TlError> {
    let n = r.read_count(4)?;
    if n > 0 {
        let first = r.peek_u32().ok_or_else(|| TlError::Truncated {
            offset: r.position(),
        })?;
        let known = matches!(
            first,
            BOOL_TRUE_ID | BOOL_FALSE_ID | VECTOR_ID | GZIP_PACKED_ID
        ) || schema.by_id(first, None).is_some();
        if !known {
            return Err(TlError::UntypedVector);
        }
    }
    Ok(n)
}

/// Decodes one boxed value from the start of `bytes`; returns it and the bytes consumed.
pub fn decode_value_prefix(bytes: &[u8]) -> Result<(Value, usize), TlError> {
    decode_prefix_with(bytes, None)
}

fn decode_prefix_with(bytes: &[u8], kind: Option<PartKind>) -> Result<(Value, usize), TlError> {
    let schema = Schema::get()?;
    let mut r = Reader::new(bytes);
    let mut dec = Decoder {
        schema,
        path: Vec::new(),
        inflate_left: MAX_INFLATED,
    };
    let v = dec.object(&mut r, None, part_index(schema, kind), 0)?;
    Ok((v, r.position()))
}

/// The bytes of one boxed value of the type `type_name` of `kind`'s schema at the reader's
/// position, checked by the schema-driven decoder, which the reader then moves past.
///
/// The typed structs (`build/codegen.rs`) use it for types they keep as raw TL, such as the
/// end-to-end `DecryptedMessageMedia`: the core never looks inside them, and typed
/// decoders for every media constructor made a tenth of the wasm's code.
pub fn take_boxed<'a>(
    r: &mut Reader<'a>,
    kind: PartKind,
    type_name: &str,
) -> Result<&'a [u8], TlError> {
    let schema = Schema::get()?;
    let expected = schema
        .strings
        .iter()
        .position(|s| &**s == type_name)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or(TlError::SchemaBlob)?;
    let part = part_index(schema, Some(kind));
    // As a typed decoder: the constructor must be one of this schema's (no gzip_packed, no
    // same-named type of another schema).
    let id = r.peek_u32().ok_or(TlError::Truncated {
        offset: r.position(),
    })?;
    let own = part
        .and_then(|p| schema.parts.get(usize::from(p)))
        .is_some_and(|p| p.by_id.contains_key(&id));
    if !own {
        return Err(TlError::UnknownConstructor { id });
    }
    let mut sub = Reader::new(r.rest());
    let mut dec = Decoder {
        schema,
        path: Vec::new(),
        inflate_left: MAX_INFLATED,
    };
    dec.object(&mut sub, Some(expected), part, 0)?;
    r.take(sub.position())
}

/// Like [`decode_value`], but ids are looked up in `kind`'s schema first.
pub fn decode_value_in(kind: PartKind, bytes: &[u8]) -> Result<Value, TlError> {
    let (v, used) = decode_prefix_with(bytes, Some(kind))?;
    match bytes.len().saturating_sub(used) {
        0 => Ok(v),
        count => Err(TlError::TrailingBytes { count }),
    }
}

/// Decodes exactly one boxed value (a constructor or a method call); trailing bytes are an error.
pub fn decode_value(bytes: &[u8]) -> Result<Value, TlError> {
    let (v, used) = decode_value_prefix(bytes)?;
    match bytes.len().saturating_sub(used) {
        0 => Ok(v),
        count => Err(TlError::TrailingBytes { count }),
    }
}

/// Decodes the result of calling `method` (the `result` of its `rpc_result`), using the
/// method's declared return type — needed for `Vector<long>` and other bare-element results.
pub fn decode_result(method: &str, bytes: &[u8]) -> Result<Value, TlError> {
    let schema = Schema::get()?;
    let ctor = schema.method(method)?;
    let mut dec = Decoder {
        schema,
        path: vec![Seg::Name(schema.str(ctor.name))],
        inflate_left: MAX_INFLATED,
    };
    let inflated;
    let mut r = Reader::new(bytes);
    // gzip_packed may wrap any result; boxed results handle it themselves.
    if r.peek_u32() == Some(GZIP_PACKED_ID) && !matches!(ctor.result, Ty::Boxed(_) | Ty::Object) {
        r.read_u32()?;
        let packed = r.read_bytes()?;
        r.finish()?;
        inflated = gunzip(packed, dec.inflate_left)?;
        dec.inflate_left = dec.inflate_left.saturating_sub(inflated.len());
        r = Reader::new(&inflated);
    }
    let v = match &ctor.result {
        // A generic method (`invokeWithLayer`) returns whatever its query returns.
        Ty::Object => dec.object(&mut r, None, None, 0)?,
        ty => dec.value(&mut r, ty, ctor.part, 0)?,
    };
    r.finish()?;
    Ok(v)
}
