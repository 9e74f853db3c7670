//! Reading the compiled schema blob built by `build.rs`.
//!
//! ```text
//! blob     = "TLB1" varint(api_layer) varint(n) string*n varint(parts) part*
//! string   = varint(len) utf8
//! part     = varint(kind: 0 api, 1 mtproto, 2 secret) varint(layer) varint(n) def*n
//! def      = u32le(id) varint(name) u8(1 = function) typeref(result) varint(n) param*n
//! param    = varint(name) varint(cond) typeref
//! cond     = 0 (always present) | 1 + 32 * flags_param_index + bit
//! typeref  = 0 int | 1 long | 2 double | 3 string | 4 bytes | 5 int128 | 6 int256
//!          | 7 true | 8 Bool | 9 # | 10 Object/!X | 11 Vector<typeref> | 12 vector<typeref>
//!          | 13 + 2s boxed type named by string s | 14 + 2s bare type/constructor s
//! ```
//! Strings are ordered by how often they are referenced (most first), so the common field
//! names take one-byte indexes; everything else is varints, which gzips well.

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
        self.pos += 1;
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
            11 => Ty::Vector(Box::new(self.type_ref(depth + 1)?)),
            12 => Ty::BareVector(Box::new(self.type_ref(depth + 1)?)),
            n if n % 2 == 1 => Ty::Boxed((n - 13) / 2),
            n => Ty::BareName((n - 14) / 2),
        })
    }
}

/// Parses a blob into a [`Schema`].
pub fn load(buf: &[u8]) -> Result<Schema, TlError> {
    let mut c = Cur { buf, pos: 0 };
    if c.take(4)? != b"TLB1" {
        return Err(TlError::SchemaBlob);
    }
    let api_layer = c.varint()?;
    let n = c.varint()? as usize;
    let mut strings = Vec::with_capacity(n.min(buf.len()));
    for _ in 0..n {
        let len = c.varint()? as usize;
        let s = core::str::from_utf8(c.take(len)?).map_err(|_| TlError::SchemaBlob)?;
        strings.push(Box::<str>::from(s));
    }
    let nparts = c.varint()?;
    let mut ctors = Vec::new();
    let mut parts = Vec::new();
    for _ in 0..nparts {
        let kind = match c.varint()? {
            0 => PartKind::Api,
            1 => PartKind::Mtproto,
            2 => PartKind::Secret,
            _ => return Err(TlError::SchemaBlob),
        };
        let layer = c.varint()?;
        let count = c.varint()? as usize;
        let mut part = Part {
            kind,
            layer,
            by_id: HashMap::new(),
            by_name: HashMap::new(),
        };
        let part_index = u8::try_from(parts.len()).map_err(|_| TlError::SchemaBlob)?;
        for _ in 0..count {
            let idb = c.take(4)?;
            let id = u32::from_le_bytes([idb[0], idb[1], idb[2], idb[3]]);
            let name = c.varint()?;
            let is_function = c.byte()? == 1;
            let result = c.type_ref(0)?;
            let np = c.varint()? as usize;
            let mut params = Vec::with_capacity(np.min(64));
            for _ in 0..np {
                let pname = c.varint()?;
                let cond = match c.varint()? {
                    0 => None,
                    v => {
                        let v = v - 1;
                        Some((
                            u8::try_from(v / 32).map_err(|_| TlError::SchemaBlob)?,
                            (v % 32) as u8,
                        ))
                    }
                };
                let ty = c.type_ref(0)?;
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
