//! Generates typed Rust for the service (`mtproto`) and end-to-end (`secret`) schemas.

use crate::parser::{Def, ParsedSchema, TypeExpr, parse_type};
use std::collections::BTreeMap;
use std::fmt::Write;

/// `resPQ` -> `ResPQ`, `p_q_inner_data_dc` -> `PQInnerDataDc`, `help.configSimple` -> `HelpConfigSimple`.
pub fn rust_name(name: &str) -> String {
    let mut out = String::new();
    for seg in name.split(['.', '_']) {
        let mut cs = seg.chars();
        if let Some(c) = cs.next() {
            out.push(c.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    out
}

fn field_ident(name: &str) -> String {
    match name {
        "type" | "self" | "struct" | "enum" | "fn" | "match" | "mod" | "move" | "ref" | "loop"
        | "in" | "final" => {
            format!("r#{name}")
        }
        _ => name.to_string(),
    }
}

fn local(name: &str) -> String {
    format!("f_{name}")
}

struct Ctx<'a> {
    schema: &'a ParsedSchema,
    /// Boxed types kept as their raw TL bytes (`Vec<u8>`), read with `tl::codec::take_boxed`
    /// in `part` (a `PartKind` variant): types the core never looks inside, whose typed
    /// decoders would only add code to the wasm.
    opaque: &'a [&'a str],
    part: &'a str,
}

impl Ctx<'_> {
    fn bare_ctor(&self, name: &str) -> String {
        // `%Message` names a type with one constructor; `future_salt` names the constructor.
        if let Some(d) = self
            .schema
            .defs
            .iter()
            .find(|d| d.name == name && !d.is_function)
        {
            return rust_name(&d.name);
        }
        let ctors: Vec<&Def> = self
            .schema
            .defs
            .iter()
            .filter(|d| d.result == name && !d.is_function)
            .collect();
        match ctors.as_slice() {
            [one] => rust_name(&one.name),
            _ => panic!("bare type {name} does not name one constructor"),
        }
    }

    fn rust_type(&self, t: &TypeExpr) -> String {
        match t {
            TypeExpr::Nat => "u32".into(),
            TypeExpr::Generic(_) => "Vec<u8>".into(),
            TypeExpr::Vector { elem, .. } => format!("Vec<{}>", self.rust_type(elem)),
            TypeExpr::Named { name, bare } => match name.as_str() {
                "int" => "i32".into(),
                "long" => "i64".into(),
                "double" => "f64".into(),
                "int128" => "[u8; 16]".into(),
                "int256" => "[u8; 32]".into(),
                "string" => "String".into(),
                "bytes" => "Vec<u8>".into(),
                "Bool" | "true" => "bool".into(),
                "Object" => "Vec<u8>".into(),
                _ if !*bare && self.opaque.contains(&name.as_str()) => "Vec<u8>".into(),
                _ if *bare => format!("super::types::{}", self.bare_ctor(name)),
                _ => format!("super::enums::{}", rust_name(name)),
            },
        }
    }

    /// Statements writing the value behind the reference expression `v`.
    fn write(&self, t: &TypeExpr, v: &str) -> String {
        match t {
            TypeExpr::Nat => format!("write_u32(out, *{v});"),
            TypeExpr::Generic(_) => format!("out.extend_from_slice({v});"),
            TypeExpr::Vector { bare, elem } => {
                let head = if *bare {
                    "write_count"
                } else {
                    "write_vector_header"
                };
                format!(
                    "{head}(out, {v}.len()); for x in {v}.iter() {{ {} }}",
                    self.write(elem, "x")
                )
            }
            TypeExpr::Named { name, bare } => match name.as_str() {
                "int" => format!("write_i32(out, *{v});"),
                "long" => format!("write_i64(out, *{v});"),
                "double" => format!("write_f64(out, *{v});"),
                "int128" | "int256" => format!("out.extend_from_slice(&{v}[..]);"),
                "string" => format!("write_string(out, {v});"),
                "bytes" => format!("write_bytes(out, {v});"),
                "Bool" => format!("write_bool(out, *{v});"),
                "true" => String::new(),
                "Object" => format!("out.extend_from_slice({v});"),
                _ if !*bare && self.opaque.contains(&name.as_str()) => {
                    format!("out.extend_from_slice({v});")
                }
                _ if *bare => format!("{v}.serialize_bare(out);"),
                _ => format!("{v}.serialize(out);"),
            },
        }
    }

    fn min_size(t: &TypeExpr) -> usize {
        match t {
            TypeExpr::Named { name, .. } => match name.as_str() {
                "long" | "double" => 8,
                "int128" => 16,
                "int256" => 32,
                _ => 4,
            },
            _ => 4,
        }
    }

    /// An expression reading the value.
    fn read(&self, t: &TypeExpr, raw_len: Option<&str>) -> String {
        match t {
            TypeExpr::Nat => "r.read_u32()?".into(),
            TypeExpr::Generic(_) => "r.take_rest().to_vec()".into(),
            TypeExpr::Vector { bare, elem } => {
                let head = if *bare {
                    "read_count"
                } else {
                    "read_vector_header"
                };
                format!(
                    "{{ let n = r.{head}({})?; let mut xs = Vec::with_capacity(n); for _ in 0..n {{ xs.push({}); }} xs }}",
                    Self::min_size(elem),
                    self.read(elem, None)
                )
            }
            TypeExpr::Named { name, bare } => match name.as_str() {
                "int" => "r.read_i32()?".into(),
                "long" => "r.read_i64()?".into(),
                "double" => "r.read_f64()?".into(),
                "int128" => "r.read_int128()?".into(),
                "int256" => "r.read_int256()?".into(),
                "string" => "r.read_string_lossy()?".into(),
                "bytes" => "r.read_bytes_vec()?".into(),
                "Bool" => "r.read_bool()?".into(),
                "true" => "true".into(),
                "Object" => match raw_len {
                    Some(len) => format!(
                        "r.take(usize::try_from({len}).map_err(|_| TlError::LengthBeyondInput {{ length: usize::MAX, remaining: r.remaining() }})?)?.to_vec()"
                    ),
                    None => "r.take_rest().to_vec()".into(),
                },
                _ if !*bare && self.opaque.contains(&name.as_str()) => format!(
                    "crate::tl::codec::take_boxed(r, crate::tl::schema::PartKind::{}, {name:?})?.to_vec()",
                    self.part
                ),
                _ if *bare => format!(
                    "super::types::{}::deserialize_bare(r)?",
                    self.bare_ctor(name)
                ),
                _ => format!("super::enums::{}::deserialize(r)?", rust_name(name)),
            },
        }
    }

    fn struct_item(&self, def: &Def, code: &mut String) {
        let name = rust_name(&def.name);
        let kind = if def.is_function {
            "function"
        } else {
            "constructor"
        };
        let text = crate::parser::normalized_with_name(def, &def.name);
        let _ = writeln!(
            code,
            "/// TL {kind} `{}#{:08x}`: `{text}`.",
            def.name, def.id
        );
        let _ = writeln!(code, "#[derive(Debug, Clone, PartialEq)]");
        let _ = writeln!(code, "pub struct {name} {{");
        for p in &def.params {
            let t = parse_type(&p.ty);
            if t == TypeExpr::Nat {
                continue;
            }
            let ty = self.rust_type(&t);
            let ty = match (&p.cond, p.ty.as_str()) {
                (Some(_), "true") | (None, _) => ty,
                (Some(_), _) => format!("Option<{ty}>"),
            };
            let cond = p
                .cond
                .as_ref()
                .map(|(f, b)| format!("{f}.{b}?"))
                .unwrap_or_default();
            let _ = writeln!(code, "    /// `{}:{cond}{}`", p.name, p.ty);
            let _ = writeln!(code, "    pub {}: {ty},", field_ident(&p.name));
        }
        let _ = writeln!(code, "}}\n");
        let _ = writeln!(code, "impl {name} {{");
        let _ = writeln!(code, "    /// The constructor id.");
        let _ = writeln!(
            code,
            "    pub const CONSTRUCTOR_ID: u32 = {:#010x};",
            def.id
        );
        let _ = writeln!(code, "}}\n");
        let _ = writeln!(
            code,
            "impl Identifiable for {name} {{ const CONSTRUCTOR_ID: u32 = {:#010x}; }}\n",
            def.id
        );

        // serialize_bare
        let _ = writeln!(code, "impl BareSerializable for {name} {{");
        let _ = writeln!(code, "    fn serialize_bare(&self, out: &mut Vec<u8>) {{");
        let _ = writeln!(code, "        let _ = &out;");
        for p in &def.params {
            let t = parse_type(&p.ty);
            let f = field_ident(&p.name);
            if t == TypeExpr::Nat {
                let mut expr = String::from("0u32");
                for q in &def.params {
                    if let Some((flag, bit)) = &q.cond {
                        if flag == &p.name {
                            let fq = field_ident(&q.name);
                            let test = if q.ty == "true" {
                                format!("self.{fq}")
                            } else {
                                format!("self.{fq}.is_some()")
                            };
                            let _ = write!(expr, " | if {test} {{ 1 << {bit} }} else {{ 0 }}");
                        }
                    }
                }
                let _ = writeln!(code, "        write_u32(out, {expr});");
                continue;
            }
            match (&p.cond, p.ty.as_str()) {
                (Some(_), "true") => {}
                (Some(_), _) => {
                    let _ = writeln!(
                        code,
                        "        if let Some(v) = &self.{f} {{ {} }}",
                        self.write(&t, "v")
                    );
                }
                (None, _) => {
                    let _ = writeln!(
                        code,
                        "        {{ let v = &self.{f}; {} }}",
                        self.write(&t, "v")
                    );
                }
            }
        }
        let _ = writeln!(code, "    }}");
        // deserialize_bare
        let _ = writeln!(
            code,
            "    fn deserialize_bare(r: &mut Reader<'_>) -> Result<Self, TlError> {{"
        );
        let _ = writeln!(code, "        let _ = &r;");
        let mut prev: Option<&str> = None;
        for p in &def.params {
            let t = parse_type(&p.ty);
            let l = local(&p.name);
            // `message.body:Object` is exactly `bytes` long; other Object fields run to the end.
            let raw_len = if p.ty == "Object" && prev == Some("bytes") {
                Some(local("bytes"))
            } else {
                None
            };
            let read = self.read(&t, raw_len.as_deref());
            match &p.cond {
                Some((flag, bit)) if p.ty == "true" => {
                    let _ = writeln!(
                        code,
                        "        let {l} = {} & (1 << {bit}) != 0;",
                        local(flag)
                    );
                }
                Some((flag, bit)) => {
                    let _ = writeln!(
                        code,
                        "        let {l} = if {} & (1 << {bit}) != 0 {{ Some({read}) }} else {{ None }};",
                        local(flag)
                    );
                }
                None => {
                    let _ = writeln!(code, "        let {l} = {read};");
                }
            }
            prev = Some(&p.name);
        }
        let fields: Vec<String> = def
            .params
            .iter()
            .filter(|p| parse_type(&p.ty) != TypeExpr::Nat)
            .map(|p| format!("{}: {}", field_ident(&p.name), local(&p.name)))
            .collect();
        let _ = writeln!(code, "        Ok(Self {{ {} }})", fields.join(", "));
        let _ = writeln!(code, "    }}\n}}\n");

        let _ = writeln!(code, "impl Serializable for {name} {{");
        let _ = writeln!(
            code,
            "    fn serialize(&self, out: &mut Vec<u8>) {{ write_u32(out, Self::CONSTRUCTOR_ID); self.serialize_bare(out); }}"
        );
        let _ = writeln!(code, "}}\n");
        let _ = writeln!(code, "impl Deserializable for {name} {{");
        let _ = writeln!(
            code,
            "    fn deserialize(r: &mut Reader<'_>) -> Result<Self, TlError> {{"
        );
        let _ = writeln!(
            code,
            "        match r.read_u32()? {{ Self::CONSTRUCTOR_ID => Self::deserialize_bare(r), id => Err(TlError::UnknownConstructor {{ id }}) }}"
        );
        let _ = writeln!(code, "    }}\n}}\n");
        if def.is_function {
            if let TypeExpr::Named {
                name: ret,
                bare: false,
            } = parse_type(&def.result)
            {
                if !matches!(ret.as_str(), "Bool" | "Object") {
                    let _ = writeln!(
                        code,
                        "impl RemoteCall for {name} {{ type Return = super::enums::{}; }}\n",
                        rust_name(&ret)
                    );
                }
            }
        }
    }

    fn module(&self, code: &mut String) {
        let _ = writeln!(code, "/// One struct per constructor.");
        let _ = writeln!(code, "pub mod types {{");
        let _ = writeln!(
            code,
            "    use crate::tl::{{Reader, TlError, BareSerializable, Serializable, Deserializable, Identifiable}};"
        );
        let _ = writeln!(
            code,
            "    #[allow(unused_imports)] use crate::tl::writer::*;"
        );
        for def in self.schema.defs.iter().filter(|d| !d.is_function) {
            self.struct_item(def, code);
        }
        let _ = writeln!(code, "}}\n");

        let _ = writeln!(
            code,
            "/// One enum per boxed type, a variant per constructor."
        );
        let _ = writeln!(code, "pub mod enums {{");
        let _ = writeln!(
            code,
            "    use crate::tl::{{Reader, TlError, BareSerializable, Serializable, Deserializable}};"
        );
        let mut by_type: BTreeMap<&str, Vec<&Def>> = BTreeMap::new();
        for def in self.schema.defs.iter().filter(|d| !d.is_function) {
            by_type.entry(def.result.as_str()).or_default().push(def);
        }
        for (ty, ctors) in &by_type {
            let en = rust_name(ty);
            let _ = writeln!(code, "/// TL type `{ty}`.");
            let _ = writeln!(code, "#[derive(Debug, Clone, PartialEq)]");
            let _ = writeln!(code, "pub enum {en} {{");
            for c in ctors {
                let _ = writeln!(code, "    /// `{}`", c.name);
                let _ = writeln!(code, "    {0}(super::types::{0}),", rust_name(&c.name));
            }
            let _ = writeln!(code, "}}\n");
            let _ = writeln!(
                code,
                "impl Serializable for {en} {{ fn serialize(&self, out: &mut Vec<u8>) {{ match self {{"
            );
            for c in ctors {
                let _ = writeln!(
                    code,
                    "    Self::{}(x) => x.serialize(out),",
                    rust_name(&c.name)
                );
            }
            let _ = writeln!(code, "}} }} }}\n");
            let _ = writeln!(
                code,
                "impl Deserializable for {en} {{ fn deserialize(r: &mut Reader<'_>) -> Result<Self, TlError> {{ match r.read_u32()? {{"
            );
            for c in ctors {
                let cn = rust_name(&c.name);
                let _ = writeln!(
                    code,
                    "    super::types::{cn}::CONSTRUCTOR_ID => Ok(Self::{cn}(super::types::{cn}::deserialize_bare(r)?)),"
                );
            }
            let _ = writeln!(code, "    id => Err(TlError::UnknownConstructor {{ id }}),");
            let _ = writeln!(code, "}} }} }}\n");
            for c in ctors {
                let cn = rust_name(&c.name);
                let _ = writeln!(
                    code,
                    "impl From<super::types::{cn}> for {en} {{ fn from(x: super::types::{cn}) -> Self {{ Self::{cn}(x) }} }}"
                );
            }
        }
        let _ = writeln!(code, "}}\n");

        let _ = writeln!(
            code,
            "/// Decodes any constructor or function of this schema with the typed structs and"
        );
        let _ = writeln!(code, "/// encodes it again (used by the round-trip tests).");
        let _ = writeln!(code, "#[doc(hidden)]");
        let _ = writeln!(
            code,
            "pub fn reencode(bytes: &[u8]) -> Result<Vec<u8>, crate::tl::TlError> {{"
        );
        let _ = writeln!(code, "    use crate::tl::{{Deserializable, Serializable}};");
        let _ = writeln!(
            code,
            "    match crate::tl::Reader::new(bytes).read_u32()? {{"
        );
        for def in &self.schema.defs {
            let m = if def.is_function {
                "functions"
            } else {
                "types"
            };
            let _ = writeln!(
                code,
                "        {m}::{0}::CONSTRUCTOR_ID => Ok({m}::{0}::from_bytes(bytes)?.to_bytes()),",
                rust_name(&def.name)
            );
        }
        let _ = writeln!(
            code,
            "        id => Err(crate::tl::TlError::UnknownConstructor {{ id }}),"
        );
        let _ = writeln!(code, "    }}\n}}\n");
        let _ = writeln!(code, "/// One struct per function (query).");
        let _ = writeln!(code, "pub mod functions {{");
        let _ = writeln!(
            code,
            "    use crate::tl::{{Reader, TlError, BareSerializable, Serializable, Deserializable, Identifiable, RemoteCall}};"
        );
        let _ = writeln!(
            code,
            "    #[allow(unused_imports)] use crate::tl::writer::*;"
        );
        for def in self.schema.defs.iter().filter(|d| d.is_function) {
            self.struct_item(def, code);
        }
        let _ = writeln!(code, "}}\n");
    }
}

pub fn generate(mtproto: &ParsedSchema, secret: &ParsedSchema, api_layer: u32) -> String {
    let mut code =
        String::from("// @generated by build.rs from src/tl/schema/*.tl. Do not edit.\n\n");
    let _ = writeln!(code, "/// The API layer of the compiled-in API schema.");
    let _ = writeln!(code, "pub const API_LAYER: u32 = {api_layer};\n");
    let _ = writeln!(
        code,
        "/// The MTProto service schema (`src/tl/schema/mtproto.tl`)."
    );
    let _ = writeln!(code, "pub mod mtproto {{");
    Ctx {
        schema: mtproto,
        opaque: &[],
        part: "Mtproto",
    }
    .module(&mut code);
    let _ = writeln!(code, "}}\n");
    let _ = writeln!(
        code,
        "/// The end-to-end (secret chat) schema (`src/tl/schema/secret.tl`)."
    );
    let _ = writeln!(code, "pub mod secret {{");
    let _ = writeln!(code, "/// The newest layer of the end-to-end schema.");
    let _ = writeln!(
        code,
        "pub const LAYER: u32 = {};",
        secret.layer.unwrap_or(0)
    );
    // Media and entities pass through the core untouched (to JavaScript, which decodes
    // them with the schema-driven reader); their typed decoders were about 30 KB of wasm.
    Ctx {
        schema: secret,
        opaque: &["DecryptedMessageMedia", "MessageEntity"],
        part: "Secret",
    }
    .module(&mut code);
    let _ = writeln!(code, "}}");
    code
}
