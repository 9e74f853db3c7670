//! Reading the compiled schema blob built by `build.rs`.
//!
//! ```text
//! blob     = "TLB3" varint(api_layer) varint(n) name*n varint(m) string*m
//!            varint(parts) part* stream(ids) stream(heads) stream(pnames) stream(conds) stream(ptypes)
//! name     = varint(shared prefix with the previous name) varint(len) utf8   (table A)
//! string   = varint(len) utf8                                                (table B)
//! part     = varint(kind: 0 api, 1 mtproto, 2 secret) varint(layer) varint(count)
//! stream   = varint(len) bytes
//! ```
//! The definitions of all parts, in order, are stored column-wise across the five streams:
//! ```text
//! ids      = u32le per definition
//! heads    = per definition: u8(1 = function) typeref(result) varint(param count)
//! pnames   = per param: varint(name)
//! conds    = per param: varint(cond)
//! ptypes   = per param: typeref
//! cond     = 0 (always present) | 1 + 32 * flags_param_index + bit
//! typeref  = 0 int | 1 long | 2 double | 3 string | 4 bytes | 5 int128 | 6 int256
//!          | 7 true | 8 Bool | 9 # | 10 Object/!X | 11 Vector<typeref> | 12 vector<typeref>
//!          | 13 + 2s boxed type named by string s | 14 + 2s bare type/constructor s
//! ```
//! String indexes run over table A then table B. Table A holds one name per definition, in
//! definition order (each part sorted by name), so a definition's name is implicit and
//! neighbouring names share prefixes. Table B holds field and type names ordered by use
//! (most used first), so common field names take one-byte indexes.

use super::{Ctor, Param, Part, PartKind, Schema, Ty};
use crate::tl::error::TlError;
use std::collections::HashMap;

struct Cur<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cur<'_> {
    fn byte(&mut self) -> Result<u8, TlError> {
        let b = *self.buf.get(self.pos).ok_or(TlError::SchemaBlob)?;
        self.pos = self.pos.saturating_add(1); // < buf.len(): `get` succeeded
        Ok(b)
    }
    fn varint(&mut self) -> Result<u32, TlError> {
        let mut v: u32 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            v |= u32::from(b & 0x7f)
                .checked_shl(shift)
                .ok_or(TlError::SchemaBlob)?;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(TlError::SchemaBlob)
    }
    fn take(&mut self, n: usize) -> Result<&[u8], TlError> {
        let end = self.pos.checked_add(n).ok_or(TlError::SchemaBlob)?;
        let s = self.buf.get(self.pos..end).ok_or(TlError::SchemaBlob)?;
        self.pos = end;
        Ok(s)
    }
    fn type_ref(&mut self, depth: u8) -> Result<Ty, TlError> {
        if depth > 8 {
            return Err(TlError::SchemaBlob);
        }
        Ok(match self.varint()? {
            0 => Ty::Int,
            1 => Ty::Long,
            2 => Ty::Double,
            3 => Ty::String,
            4 => Ty::Bytes,
            5 => Ty::Int128,
            6 => Ty::Int256,
            7 => Ty::True,
            8 => Ty::Bool,
            9 => Ty::Flags,
            10 => Ty::Object,
            11 => Ty::Vector(Box::new(self.type_ref(depth.saturating_add(1))?)),
            12 => Ty::BareVector(Box::new(self.type_ref(depth.saturating_add(1))?)),
            n if n % 2 == 1 => Ty::Boxed(n.checked_sub(13).ok_or(TlError::SchemaBlob)? / 2),
            n => Ty::BareName(n.checked_sub(14).ok_or(TlError::SchemaBlob)? / 2),
        })
    }
}

/// Parses a blob into a [`Schema`].
pub fn load(buf: &[u8]) -> Result<Schema, TlError> {
    let mut c = Cur { buf, pos: 0 };
    if c.take(4)? != b"TLB3" {
        return Err(TlError::SchemaBlob);
    }
    let api_layer = c.varint()?;
    let n = c.varint()? as usize;
    let mut strings: Vec<Box<str>> = Vec::with_capacity(n.min(buf.len()));
    let mut prev = String::new();
    for _ in 0..n {
        let shared = c.varint()? as usize;
        let len = c.varint()? as usize;
        let suffix = core::str::from_utf8(c.take(len)?).map_err(|_| TlError::SchemaBlob)?;
        let mut name = prev.get(..shared).ok_or(TlError::SchemaBlob)?.to_string();
        name.push_str(suffix);
        strings.push(name.as_str().into());
        prev = name;
    }
    let m = c.varint()? as usize;
    for _ in 0..m {
        let len = c.varint()? as usize;
        let s = core::str::from_utf8(c.take(len)?).map_err(|_| TlError::SchemaBlob)?;
        strings.push(Box::<str>::from(s));
    }
    let nparts = c.varint()?;
    let mut headers = Vec::new();
    for _ in 0..nparts {
        let kind = match c.varint()? {
            0 => PartKind::Api,
            1 => PartKind::Mtproto,
            2 => PartKind::Secret,
            _ => return Err(TlError::SchemaBlob),
        };
        headers.push((kind, c.varint()?, c.varint()? as usize));
    }
    let mut stream = || -> Result<Cur<'_>, TlError> {
        let len = c.varint()? as usize;
        let start = c.pos;
        c.take(len)?;
        Ok(Cur {
            buf: buf.get(start..c.pos).ok_or(TlError::SchemaBlob)?,
            pos: 0,
        })
    };
    let (mut ids, mut heads, mut pnames, mut conds, mut ptypes) =
        (stream()?, stream()?, stream()?, stream()?, stream()?);
    let mut ctors = Vec::new();
    let mut parts = Vec::new();
    for (kind, layer, count) in headers {
        let mut part = Part {
            kind,
            layer,
            by_id: super::IdMap::default(),
            by_name: HashMap::new(),
        };
        let part_index = u8::try_from(parts.len()).map_err(|_| TlError::SchemaBlob)?;
        for _ in 0..count {
            let idb = ids.take(4)?.first_chunk::<4>().ok_or(TlError::SchemaBlob)?;
            let id = u32::from_le_bytes(*idb);
            let name = u32::try_from(ctors.len()).map_err(|_| TlError::SchemaBlob)?;
            let is_function = heads.byte()? == 1;
            let result = heads.type_ref(0)?;
            let np = heads.varint()? as usize;
            let mut params = Vec::with_capacity(np.min(64));
            for _ in 0..np {
                let pname = pnames.varint()?;
                let cond = match conds.varint()? {
                    0 => None,
                    v => {
                        let v = v.checked_sub(1).ok_or(TlError::SchemaBlob)?;
                        Some((
                            u8::try_from(v / 32).map_err(|_| TlError::SchemaBlob)?,
                            (v % 32) as u8,
                        ))
                    }
                };
                let ty = ptypes.type_ref(0)?;
                params.push(Param {
                    name: pname,
                    cond,
                    ty,
                });
            }
            let index = u32::try_from(ctors.len()).map_err(|_| TlError::SchemaBlob)?;
            let name_str = strings
                .get(name as usize)
                .ok_or(TlError::SchemaBlob)?
                .clone();
            part.by_id.insert(id, index);
            part.by_name.insert(name_str, index);
            ctors.push(Ctor {
                id,
                name,
                part: part_index,
                is_function,
                result,
                params,
            });
        }
        parts.push(part);
    }
    let mut schema = Schema {
        api_layer,
        strings,
        ctors,
        parts,
    };
    resolve_bare(&mut schema)?;
    Ok(schema)
}

/// Turns `BareName(s)` into `Bare(ctor)`: `s` names a constructor of the same part, or a
/// type with exactly one constructor (`%Message`).
fn resolve_bare(schema: &mut Schema) -> Result<(), TlError> {
    fn fix(
        ty: &mut Ty,
        part: usize,
        schema_parts: &[Part],
        ctors: &[Ctor],
        strings: &[Box<str>],
    ) -> Result<(), TlError> {
        match ty {
            Ty::Vector(e) | Ty::BareVector(e) => fix(e, part, schema_parts, ctors, strings),
            Ty::BareName(s) => {
                let name = strings.get(*s as usize).ok_or(TlError::SchemaBlob)?;
                let p = schema_parts.get(part).ok_or(TlError::SchemaBlob)?;
                let found = match p.by_name.get(name) {
                    Some(&i) => i,
                    None => {
                        let mut it = p.by_name.values().filter(|&&i| {
                            ctors
                                .get(i as usize)
                                .is_some_and(|c| c.result == Ty::Boxed(*s))
                        });
                        match (it.next(), it.next()) {
                            (Some(&i), None) => i,
                            _ => return Err(TlError::SchemaBlob),
                        }
                    }
                };
                *ty = Ty::Bare(found);
                Ok(())
            }
            _ => Ok(()),
        }
    }
    let mut ctors = core::mem::take(&mut schema.ctors);
    let snapshot = ctors.clone();
    for c in &mut ctors {
        let part = usize::from(c.part);
        fix(
            &mut c.result,
            part,
            &schema.parts,
            &snapshot,
            &schema.strings,
        )?;
        for p in &mut c.params {
            fix(&mut p.ty, part, &schema.parts, &snapshot, &schema.strings)?;
        }
    }
    schema.ctors = ctors;
    Ok(())
}
