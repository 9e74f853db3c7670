//! TL schema text parser and constructor-id computation.
//!
//! Spec: <https://core.telegram.org/mtproto/TL>, <https://core.telegram.org/mtproto/TL-abstract-types>.
//!
//! Understood syntax: `name#id {X:Type} field:Type field:flags.N?Type = Result;`, definitions
//! spanning lines, `//` and `/* */` comments, `---functions---` / `---types---` sections,
//! `// LAYER N` (the schema's layer) and `===N===` (the layer of the definitions that follow,
//! as on the end-to-end schema page). Built-in definitions (`int ? = Int;`,
//! `vector {t:Type} # [ t ] = Vector t;`, `int128 4*[ int ] = Int128;`) are recognized and
//! skipped: the engine implements those types natively.
//!
//! The id of a definition is the CRC32 of its normalized text: id removed, `bytes` written
//! as `string`, `<`/`>` replaced (`Vector<long>` -> `Vector long`), `{`/`}` dropped, and
//! `name:flags.N?true` fields omitted. [`check_ids`] compares it with the declared id.
//!
//! This file is also compiled into the build script (`#[path]`), so it uses only `std`
//! and `super::crc32`.

use super::crc32::crc32;

/// A schema parse or id-check failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Text that does not parse.
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A declared id that differs from the computed one.
    IdMismatch {
        /// The definition's name.
        name: String,
        /// `#id` in the text.
        declared: u32,
        /// CRC32 of the normalized definition.
        computed: u32,
    },
}

/// One field of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Field name.
    pub name: String,
    /// `flags.N?`: the flags field and the bit.
    pub cond: Option<(String, u8)>,
    /// The type text without the condition (`Vector<long>`, `#`, `!X`, `%Message`).
    pub ty: String,
}

/// One constructor or function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Def {
    /// Name, with namespace (`messages.sendMessage`).
    pub name: String,
    /// The `#id` written in the text, if any.
    pub declared_id: Option<u32>,
    /// The declared id, or the computed one when none is declared.
    pub id: u32,
    /// `{X:Type}` parameters.
    pub generics: Vec<(String, String)>,
    /// Fields in order.
    pub params: Vec<Param>,
    /// The result type text (`ResPQ`, `Vector<long>`, `X`).
    pub result: String,
    /// Defined under `---functions---`.
    pub is_function: bool,
    /// The `===N===` section the definition appears in.
    pub section_layer: Option<u32>,
    /// 1-based line of the definition's start.
    pub line: usize,
}

/// A parsed schema file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedSchema {
    /// From a `// LAYER N` comment.
    pub layer: Option<u32>,
    /// Definitions in file order.
    pub defs: Vec<Def>,
}

/// The structure of a type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    /// `#`: a flags word.
    Nat,
    /// `!X`: a generic query.
    Generic(String),
    /// A named type; `bare` for `%T` or lowercase names (`int`, `future_salt`).
    Named {
        /// Name without `%`.
        name: String,
        /// Serialized without constructor id.
        bare: bool,
    },
    /// `Vector<T>` (boxed) or `vector<T>` (bare).
    Vector {
        /// `vector<T>`: no constructor id, just the count.
        bare: bool,
        /// Element type.
        elem: Box<TypeExpr>,
    },
}

/// Parses the type part of a field (after any `flags.N?`).
pub fn parse_type(s: &str) -> TypeExpr {
    let s = s.trim();
    if s == "#" {
        return TypeExpr::Nat;
    }
    if let Some(g) = s.strip_prefix('!') {
        return TypeExpr::Generic(g.to_string());
    }
    for (prefix, bare) in [("Vector<", false), ("vector<", true)] {
        if let Some(inner) = s.strip_prefix(prefix).and_then(|r| r.strip_suffix('>')) {
            return TypeExpr::Vector {
                bare,
                elem: Box::new(parse_type(inner)),
            };
        }
    }
    if let Some(name) = s.strip_prefix('%') {
        return TypeExpr::Named {
            name: name.to_string(),
            bare: true,
        };
    }
    // The last namespace segment decides: `storage.FileType` is boxed, `int` is bare.
    let last = s.rsplit('.').next().unwrap_or(s);
    let bare = last.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    TypeExpr::Named {
        name: s.to_string(),
        bare,
    }
}

fn syntax(line: usize, message: impl Into<String>) -> ParseError {
    ParseError::Syntax {
        line,
        message: message.into(),
    }
}

fn strip_comments(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, raw) in text.lines().enumerate() {
        let mut line = String::new();
        let mut rest = raw;
        loop {
            if in_block {
                match rest.split_once("*/") {
                    Some((_, after)) => {
                        in_block = false;
                        rest = after;
                    }
                    None => break,
                }
            } else {
                match (rest.split_once("//"), rest.split_once("/*")) {
                    // A block comment opens before any line comment.
                    (lc, Some((before, after)))
                        if lc.is_none_or(|(l, _)| before.len() < l.len()) =>
                    {
                        line.push_str(before);
                        in_block = true;
                        rest = after;
                    }
                    (Some((before, comment)), _) => {
                        line.push_str(before);
                        // Keep `// LAYER N` visible to the caller as a marker line.
                        let comment = comment.trim();
                        if let Some(n) = comment.strip_prefix("LAYER") {
                            line = format!("@LAYER {}", n.trim());
                        }
                        break;
                    }
                    (None, _) => {
                        line.push_str(rest);
                        break;
                    }
                }
            }
        }
        out.push((i.saturating_add(1), line));
    }
    out
}

/// `t` without `mark` at both ends, when something is left between them (`---types---`).
fn enclosed<'a>(t: &'a str, mark: &str) -> Option<&'a str> {
    t.strip_prefix(mark)?
        .strip_suffix(mark)
        .filter(|inner| !inner.is_empty())
}

fn parse_u32(s: &str, radix: u32, line: usize) -> Result<u32, ParseError> {
    u32::from_str_radix(s, radix).map_err(|_| syntax(line, format!("bad number `{s}`")))
}

/// Parses schema text. Ids are taken as declared (computed when absent); see [`check_ids`].
pub fn parse(text: &str) -> Result<ParsedSchema, ParseError> {
    let mut schema = ParsedSchema::default();
    let mut is_function = false;
    let mut section_layer = None;
    let mut buf = String::new();
    let mut buf_line = 0;
    for (line_no, line) in strip_comments(text) {
        let t = line.trim();
        if let Some(n) = t.strip_prefix("@LAYER") {
            schema.layer = Some(parse_u32(n.trim(), 10, line_no)?);
            continue;
        }
        if let Some(section) = enclosed(t, "---") {
            match section {
                "functions" => is_function = true,
                "types" => is_function = false,
                other => return Err(syntax(line_no, format!("unknown section `{other}`"))),
            }
            continue;
        }
        if let Some(layer) = enclosed(t, "===") {
            section_layer = Some(parse_u32(layer, 10, line_no)?);
            continue;
        }
        let mut rest = t;
        while !rest.is_empty() {
            if buf.trim().is_empty() {
                buf_line = line_no;
            }
            match rest.split_once(';') {
                Some((def, after)) => {
                    buf.push(' ');
                    buf.push_str(def);
                    let def_text = core::mem::take(&mut buf);
                    if let Some(def) =
                        parse_def(def_text.trim(), buf_line, is_function, section_layer)?
                    {
                        schema.defs.push(def);
                    }
                    rest = after.trim_start();
                }
                None => {
                    buf.push(' ');
                    buf.push_str(rest);
                    rest = "";
                }
            }
        }
    }
    if !buf.trim().is_empty() {
        return Err(syntax(buf_line, "definition without a closing `;`"));
    }
    Ok(schema)
}

fn parse_def(
    text: &str,
    line: usize,
    is_function: bool,
    section_layer: Option<u32>,
) -> Result<Option<Def>, ParseError> {
    if text.is_empty() {
        return Ok(None);
    }
    let (lhs, rhs) = text
        .split_once('=')
        .ok_or_else(|| syntax(line, "definition without `=`"))?;
    let mut tokens = lhs.split_whitespace();
    let head = tokens
        .next()
        .ok_or_else(|| syntax(line, "definition without a name"))?;
    let rest: Vec<&str> = tokens.collect();
    // Built-ins: `int ? = Int`, `vector {t:Type} # [ t ] = Vector t`, `int128 4*[ int ] = Int128`.
    if rest.iter().any(|t| *t == "?" || t.contains('[')) {
        return Ok(None);
    }
    let (name, declared_id) = match head.split_once('#') {
        Some((n, id)) => (n, Some(parse_u32(id, 16, line)?)),
        None => (head, None),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(syntax(line, format!("bad name `{name}`")));
    }
    let mut generics = Vec::new();
    let mut params = Vec::new();
    for tok in rest {
        if let Some(g) = tok.strip_prefix('{').and_then(|g| g.strip_suffix('}')) {
            let (n, t) = g
                .split_once(':')
                .ok_or_else(|| syntax(line, format!("bad generic `{tok}`")))?;
            generics.push((n.to_string(), t.to_string()));
            continue;
        }
        let (pname, ty) = tok
            .split_once(':')
            .ok_or_else(|| syntax(line, format!("bad field `{tok}`")))?;
        if pname.is_empty() || ty.is_empty() {
            return Err(syntax(line, format!("bad field `{tok}`")));
        }
        let (cond, ty) = match ty.split_once('?') {
            Some((c, t)) => {
                let (flag, bit) = c
                    .split_once('.')
                    .ok_or_else(|| syntax(line, format!("bad condition `{c}`")))?;
                let bit = parse_u32(bit, 10, line)?;
                if bit > 31 {
                    return Err(syntax(line, format!("flag bit {bit} out of range")));
                }
                if !params.iter().any(|p: &Param| p.name == flag && p.ty == "#") {
                    return Err(syntax(
                        line,
                        format!("condition on unknown flags field `{flag}`"),
                    ));
                }
                (Some((flag.to_string(), bit as u8)), t)
            }
            None => (None, ty),
        };
        params.push(Param {
            name: pname.to_string(),
            cond,
            ty: ty.to_string(),
        });
    }
    let result = rhs.split_whitespace().collect::<Vec<_>>().join(" ");
    if result.is_empty() {
        return Err(syntax(line, "definition without a result type"));
    }
    let mut def = Def {
        name: name.to_string(),
        declared_id,
        id: 0,
        generics,
        params,
        result,
        is_function,
        section_layer,
        line,
    };
    def.id = declared_id.unwrap_or_else(|| compute_id(&def));
    Ok(Some(def))
}

fn normalize_type(ty: &str) -> String {
    let ty = if ty == "bytes" { "string" } else { ty };
    ty.replace('<', " ").replace('>', "")
}

/// The normalized text whose CRC32 is the id, with `name` in place of the definition's name.
pub fn normalized_with_name(def: &Def, name: &str) -> String {
    let mut s = String::from(name);
    for (n, t) in &def.generics {
        s.push(' ');
        s.push_str(n);
        s.push(':');
        s.push_str(t);
    }
    for p in &def.params {
        if p.cond.is_some() && p.ty == "true" {
            continue;
        }
        s.push(' ');
        s.push_str(&p.name);
        s.push(':');
        if let Some((flag, bit)) = &p.cond {
            s.push_str(&format!("{flag}.{bit}?"));
        }
        s.push_str(&normalize_type(&p.ty));
    }
    s.push_str(" = ");
    s.push_str(&normalize_type(&def.result));
    s
}

/// CRC32 of the normalized definition.
pub fn compute_id(def: &Def) -> u32 {
    crc32(normalized_with_name(def, &def.name).as_bytes())
}

/// Checks every declared id against the computed one.
///
/// Two documented departures: names listed in `exceptions` are skipped (constructors whose
/// official id is not the hash of their text), and a name ending in a layer number
/// (`decryptedMessage8`, the layer-8 form kept beside the current `decryptedMessage`) is
/// hashed without that number, as it was published.
pub fn check_ids(schema: &ParsedSchema, exceptions: &[&str]) -> Result<(), ParseError> {
    for def in &schema.defs {
        let Some(declared) = def.declared_id else {
            continue;
        };
        if exceptions.contains(&def.name.as_str()) {
            continue;
        }
        let computed = compute_id(def);
        if computed == declared {
            continue;
        }
        let base = def.name.trim_end_matches(|c: char| c.is_ascii_digit());
        if base.len() < def.name.len()
            && crc32(normalized_with_name(def, base).as_bytes()) == declared
        {
            continue;
        }
        return Err(ParseError::IdMismatch {
            name: def.name.clone(),
            declared,
            computed,
        });
    }
    Ok(())
}
