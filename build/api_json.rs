//! Converts @mtcute/tl's `api-schema.json` into parser definitions.
//!
//! Its shape: `{ "l": layer, "e": [entry], "u": {...} }`; an entry has `kind`
//! (`class`/`method`), `name`, `id`, `type`, optional `generics` `[{name,type}]`, optional
//! entry-level `typeModifiers.isVector` (a method returning `Vector<type>`), and `arguments`
//! `[{name, type, typeModifiers: {predicate: "flags.N", isVector, isBareVector}}]`. `int53`
//! is mtcute's name for a `long` whose values fit a JS number: `long` on the wire.

use crate::parser::{Def, Param, ParsedSchema};
use serde_json::Value;

fn wire_type(t: &str) -> String {
    if t == "int53" {
        "long".to_string()
    } else {
        t.to_string()
    }
}

fn wrap(ty: String, modifiers: Option<&Value>) -> String {
    let flag = |k: &str| {
        modifiers
            .and_then(|m| m.get(k))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    if flag("isBareVector") {
        format!("vector<{ty}>")
    } else if flag("isVector") {
        format!("Vector<{ty}>")
    } else {
        ty
    }
}

pub fn convert(text: &str) -> ParsedSchema {
    let json: Value = serde_json::from_str(text).expect("api-schema.json is not JSON");
    let layer = json
        .get("l")
        .and_then(Value::as_u64)
        .expect("api-schema.json: no layer `l`") as u32;
    let entries = json
        .get("e")
        .and_then(Value::as_array)
        .expect("api-schema.json: no entries `e`");
    let mut defs = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let s = |k: &str| {
            e.get(k)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("entry {i}: no `{k}`"))
        };
        let name = s("name").to_string();
        let id = e
            .get("id")
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("{name}: no id")) as u32;
        let generics = e
            .get("generics")
            .and_then(Value::as_array)
            .map(|gs| {
                gs.iter()
                    .map(|g| {
                        let f = |k: &str| {
                            g.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string()
                        };
                        (f("name"), f("type"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut params = Vec::new();
        for a in e
            .get("arguments")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let f = |k: &str| {
                a.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{name}: argument without `{k}`"))
            };
            let modifiers = a.get("typeModifiers");
            let cond = modifiers
                .and_then(|m| m.get("predicate"))
                .and_then(Value::as_str)
                .map(|p| {
                    let (flag, bit) = p
                        .split_once('.')
                        .unwrap_or_else(|| panic!("{name}: bad predicate {p}"));
                    (
                        flag.to_string(),
                        bit.parse::<u8>()
                            .unwrap_or_else(|_| panic!("{name}: bad predicate {p}")),
                    )
                });
            params.push(Param {
                name: f("name").to_string(),
                cond,
                ty: wrap(wire_type(f("type")), modifiers),
            });
        }
        let result = wrap(wire_type(s("type")), e.get("typeModifiers"));
        defs.push(Def {
            name,
            declared_id: Some(id),
            id,
            generics,
            params,
            result,
            is_function: s("kind") == "method",
            section_layer: None,
            line: i + 1,
        });
    }
    ParsedSchema {
        layer: Some(layer),
        defs,
    }
}
