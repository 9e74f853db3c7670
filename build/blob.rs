//! Writes the schema blob; the format is documented in `src/tl/schema/blob.rs`.

use crate::parser::{Def, ParsedSchema, TypeExpr, parse_type};
use std::collections::HashMap;

fn varint(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

struct Strings {
    index: HashMap<String, u32>,
}

fn type_strings(t: &TypeExpr, generics: &[String], out: &mut Vec<String>) {
    match t {
        TypeExpr::Vector { elem, .. } => type_strings(elem, generics, out),
        TypeExpr::Named { name, .. } if primitive(name, generics).is_none() => {
            out.push(name.clone())
        }
        _ => {}
    }
}

fn primitive(name: &str, generics: &[String]) -> Option<u32> {
    Some(match name {
        "int" => 0,
        "long" => 1,
        "double" => 2,
        "string" => 3,
        "bytes" => 4,
        "int128" => 5,
        "int256" => 6,
        "true" => 7,
        "Bool" => 8,
        "Object" => 10,
        n if generics.iter().any(|g| g == n) => 10,
        _ => return None,
    })
}

fn type_ref(out: &mut Vec<u8>, t: &TypeExpr, generics: &[String], strings: &Strings) {
    match t {
        TypeExpr::Nat => varint(out, 9),
        TypeExpr::Generic(_) => varint(out, 10),
        TypeExpr::Vector { bare, elem } => {
            varint(out, if *bare { 12 } else { 11 });
            type_ref(out, elem, generics, strings);
        }
        TypeExpr::Named { name, bare } => match primitive(name, generics) {
            Some(code) => varint(out, code),
            None => {
                let s = strings.index[name.as_str()];
                varint(out, 13 + 2 * s + u32::from(*bare));
            }
        },
    }
}

fn generic_names(def: &Def) -> Vec<String> {
    def.generics.iter().map(|(n, _)| n.clone()).collect()
}

pub fn write(parts: &[(u8, &ParsedSchema)]) -> Vec<u8> {
    // Table A: constructor names, one per definition, each part sorted by name (so the name
    // of definition i is string i, and neighbours share prefixes). Table B: field and type
    // names, most used first, so the common ones get 1-byte indexes.
    let sorted: Vec<(u8, Vec<&Def>)> = parts
        .iter()
        .map(|(kind, schema)| {
            let mut defs: Vec<&Def> = schema.defs.iter().collect();
            defs.sort_by(|a, b| a.name.cmp(&b.name));
            (*kind, defs)
        })
        .collect();
    let names: Vec<&str> = sorted
        .iter()
        .flat_map(|(_, defs)| defs.iter().map(|d| d.name.as_str()))
        .collect();

    let mut freq: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut bump = |s: &str| {
        let e = freq.entry(s.to_string()).or_insert_with(|| {
            order.push(s.to_string());
            0
        });
        *e += 1;
    };
    for (_, defs) in &sorted {
        for def in defs {
            let g = generic_names(def);
            let mut ts = Vec::new();
            type_strings(&parse_type(&def.result), &g, &mut ts);
            for p in &def.params {
                bump(&p.name);
                type_strings(&parse_type(&p.ty), &g, &mut ts);
            }
            for t in ts {
                bump(&t);
            }
        }
    }
    order.sort_by(|a, b| freq[b].cmp(&freq[a]).then_with(|| a.cmp(b)));
    let mut index: HashMap<String, u32> = HashMap::new();
    for (i, s) in order.iter().enumerate() {
        index.insert(s.clone(), (names.len() + i) as u32);
    }
    // Bare references to a constructor name may use table A.
    for (i, n) in names.iter().enumerate() {
        index.entry((*n).to_string()).or_insert(i as u32);
    }
    let strings = Strings { index };

    let mut out = b"TLB3".to_vec();
    varint(
        &mut out,
        parts.first().and_then(|(_, s)| s.layer).unwrap_or(0),
    );
    varint(&mut out, names.len() as u32);
    let mut prev: &str = "";
    for n in &names {
        let shared = prev
            .bytes()
            .zip(n.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        varint(&mut out, shared as u32);
        varint(&mut out, (n.len() - shared) as u32);
        out.extend_from_slice(&n.as_bytes()[shared..]);
        prev = n;
    }
    varint(&mut out, order.len() as u32);
    for s in &order {
        varint(&mut out, s.len() as u32);
        out.extend_from_slice(s.as_bytes());
    }
    // Definitions are stored column-wise: five streams, each gzipping on its own statistics.
    let [mut ids, mut heads, mut pnames, mut conds, mut ptypes] =
        [(); 5].map(|()| Vec::<u8>::new());
    varint(&mut out, parts.len() as u32);
    for ((kind, schema), (_, defs)) in parts.iter().zip(&sorted) {
        varint(&mut out, u32::from(*kind));
        varint(&mut out, schema.layer.unwrap_or(0));
        varint(&mut out, defs.len() as u32);
        for def in defs {
            let g = generic_names(def);
            ids.extend_from_slice(&def.id.to_le_bytes());
            heads.push(u8::from(def.is_function));
            type_ref(&mut heads, &parse_type(&def.result), &g, &strings);
            varint(&mut heads, def.params.len() as u32);
            for p in &def.params {
                varint(&mut pnames, strings.index[p.name.as_str()]);
                let cond = match &p.cond {
                    None => 0,
                    Some((flag, bit)) => {
                        let idx = def
                            .params
                            .iter()
                            .position(|q| &q.name == flag)
                            .unwrap_or_else(|| panic!("{}: unknown flags field {flag}", def.name));
                        1 + idx as u32 * 32 + u32::from(*bit)
                    }
                };
                varint(&mut conds, cond);
                type_ref(&mut ptypes, &parse_type(&p.ty), &g, &strings);
            }
        }
    }
    for stream in [ids, heads, pnames, conds, ptypes] {
        varint(&mut out, stream.len() as u32);
        out.extend_from_slice(&stream);
    }
    out
}
