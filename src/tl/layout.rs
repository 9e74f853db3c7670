//! The compiled schema described for the JavaScript TL reader (`js/tl-reader.js`), which
//! builds one reader function per constructor from these descriptions instead of keeping a
//! second copy of the schema. Everything here follows the decoder of `codec.rs`: the JS
//! reader must give the same objects and reject the same inputs.
//!
//! [`reader_tables`] (once): how constructor ids resolve.
//! ```text
//!   nctors, (id, fit) × nctors            fit: string index t of a constructor whose result is
//!                                         the boxed type t (not a function), else u32::MAX
//!   nparts, (count, (id, ctor) × count) × nparts     each part's id table, API first
//! ```
//! [`ctor_layout`] (once per constructor met): `name part param param ...`, each param
//! `field:cond:type`:
//! ```text
//!   cond  -    always present
//!         F.B  flags.B?: bit B of the `#` field at param index F (as the schema says: the
//!              decoder counts it only when that `#` field comes before, among the first
//!              four, and the encoder sets the bit in the `#` field at index F)
//!   type  i int  l long  d double  s string  b bytes  x int128  y int256  t true  B Bool
//!         # flags (a field of its own; an int where it is an element)  o Object (any boxed)
//!         V<type> Vector  v<type> bare vector  T<n> boxed type n (string index)
//!         C<n> bare constructor n  E unresolvable (the decoder fails)
//! ```
//! [`result_layout`]: `part type` of a method's result, for `decodeTlResult`.
//! [`name_tables`] (once, for the encoder): each part's names, `name index` pairs.

use super::error::TlError;
use super::schema::{Schema, Ty};
use core::fmt::Write;

/// The id tables (see the module docs).
pub fn reader_tables() -> Result<Vec<u32>, TlError> {
    let schema = Schema::get()?;
    let mut out = Vec::with_capacity(schema.ctors.len().saturating_mul(4).saturating_add(2));
    out.push(schema.ctors.len() as u32);
    for c in &schema.ctors {
        let fit = match c.result {
            Ty::Boxed(t) if !c.is_function => t,
            _ => u32::MAX,
        };
        out.extend_from_slice(&[c.id, fit]);
    }
    out.push(schema.parts.len() as u32);
    for p in &schema.parts {
        out.push(p.by_id.len() as u32);
        for (&id, &index) in &p.by_id {
            out.extend_from_slice(&[id, index]);
        }
    }
    Ok(out)
}

fn type_code(ty: &Ty, out: &mut String) {
    let _ = match ty {
        Ty::Int => write!(out, "i"),
        Ty::Long => write!(out, "l"),
        Ty::Double => write!(out, "d"),
        Ty::String => write!(out, "s"),
        Ty::Bytes => write!(out, "b"),
        Ty::Int128 => write!(out, "x"),
        Ty::Int256 => write!(out, "y"),
        Ty::True => write!(out, "t"),
        Ty::Bool => write!(out, "B"),
        Ty::Flags => write!(out, "#"),
        Ty::Object => write!(out, "o"),
        Ty::Vector(e) => {
            out.push('V');
            type_code(e, out);
            Ok(())
        }
        Ty::BareVector(e) => {
            out.push('v');
            type_code(e, out);
            Ok(())
        }
        Ty::Boxed(t) => write!(out, "T{t}"),
        Ty::Bare(c) => write!(out, "C{c}"),
        Ty::BareName(_) => write!(out, "E"),
    };
}

/// The layout of constructor `index` (see the module docs).
pub fn ctor_layout(index: u32) -> Option<String> {
    let schema = Schema::get().ok()?;
    let c = schema.ctor(index)?;
    let mut out = format!("{} {}", schema.str(c.name), c.part);
    for p in &c.params {
        let _ = write!(out, " {}:", schema.str(p.name));
        match p.cond {
            None => out.push('-'),
            Some((fi, bit)) => {
                let _ = write!(out, "{fi}.{bit}");
            }
        }
        out.push(':');
        type_code(&p.ty, &mut out);
    }
    Some(out)
}

/// `part type` of the result of `method` (any name the schema knows; as `decode_result`).
pub fn result_layout(method: &str) -> Result<String, TlError> {
    let schema = Schema::get()?;
    let c = schema.method(method)?;
    let mut out = format!("{} ", c.part);
    type_code(&c.result, &mut out);
    Ok(out)
}

/// Each part's name table (what `by_name` looks in), one line per part, API first, of
/// space-separated `name index` pairs.
pub fn name_tables() -> Result<String, TlError> {
    let schema = Schema::get()?;
    let mut out = String::new();
    for (n, p) in schema.parts.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        for (k, (name, index)) in p.by_name.iter().enumerate() {
            let sep = if k > 0 { " " } else { "" };
            let _ = write!(out, "{sep}{name} {index}");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(name: &str) -> u32 {
        Schema::get().unwrap().by_name(name, None).unwrap()
    }

    #[test]
    fn layouts_name_every_field_in_schema_order() {
        let schema = Schema::get().unwrap();
        let t = |n: &str| {
            schema
                .strings
                .iter()
                .position(|s| &**s == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        assert_eq!(
            ctor_layout(index("userProfilePhoto")).unwrap(),
            "userProfilePhoto 0 flags:-:# has_video:0.0:t personal:0.2:t photo_id:-:l \
             stripped_thumb:0.1:b dc_id:-:i"
        );
        let peer = t("Peer");
        let l = ctor_layout(index("messages.sendMessage")).unwrap();
        assert!(
            l.starts_with("messages.sendMessage 0 flags:-:# no_webpage:0.1:t"),
            "{l}"
        );
        assert!(
            l.contains(&format!(" entities:0.3:VT{}", t("MessageEntity"))),
            "{l}"
        );
        assert!(
            ctor_layout(index("message"))
                .unwrap()
                .contains(&format!(" peer_id:-:T{peer}"))
        );
        let service_message = schema.parts[1].by_name["message"];
        assert_eq!(
            ctor_layout(index("msg_container")).unwrap(),
            format!("msg_container 1 messages:-:vC{service_message}")
        );
        assert!(ctor_layout(u32::MAX).is_none());
        assert_eq!(result_layout("photos.deletePhotos").unwrap(), "0 Vl");
        assert_eq!(result_layout("invokeWithLayer").unwrap(), "0 o");
        assert!(result_layout("no.suchMethod").is_err());
        let names = name_tables().unwrap();
        let lines: Vec<&str> = names.split('\n').collect();
        assert_eq!(lines.len(), schema.parts.len());
        for (line, part) in lines.iter().zip(&schema.parts) {
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(words.len(), 2 * part.by_name.len());
            for pair in words.chunks(2) {
                assert_eq!(part.by_name[pair[0]].to_string(), pair[1]);
            }
        }
    }

    #[test]
    fn tables_list_every_constructor_and_each_part_s_ids() {
        let schema = Schema::get().unwrap();
        let t = reader_tables().unwrap();
        let n = t[0] as usize;
        assert_eq!(n, schema.ctors.len());
        let photo = index("userProfilePhoto") as usize;
        assert_eq!(t[1 + 2 * photo], schema.ctors[photo].id);
        let fit = t[2 + 2 * photo];
        assert_eq!(schema.str(fit), "UserProfilePhoto");
        assert_eq!(t[2 + 2 * index("messages.sendMessage") as usize], u32::MAX);
        let mut at = 1 + 2 * n;
        assert_eq!(t[at] as usize, schema.parts.len());
        at += 1;
        for p in &schema.parts {
            let count = t[at] as usize;
            assert_eq!(count, p.by_id.len());
            for k in 0..count {
                let (id, i) = (t[at + 1 + 2 * k], t[at + 2 + 2 * k]);
                assert_eq!(p.by_id[&id], i);
            }
            at += 1 + 2 * count;
        }
        assert_eq!(at, t.len());
    }
}
