//! Build script: compiles the TL schemas into a compact binary blob and generates typed
//! Rust for the built-in service and end-to-end schemas.
//!
//! Inputs:
//! - `src/tl/schema/mtproto.tl` and `src/tl/schema/secret.tl` (written for this crate);
//! - the current API layer from the pinned npm package `@mtcute/tl` (MIT), read from
//!   `node_modules/@mtcute/tl/api-schema.json` (override with `MTPROTO_TL_API_SCHEMA`).
//!   The JSON is never copied into the repository; only the blob in `OUT_DIR` is derived.
//!
//! Outputs in `OUT_DIR`: `tl_schema.bin` (see `src/tl/schema/blob.rs` for the format) and
//! `tl_generated.rs` (included by `src/tl/generated.rs`).

#[path = "src/crypto/crc32.rs"]
#[allow(dead_code)]
mod crc32;

#[path = "src/tl/schema/parser.rs"]
#[allow(dead_code)]
mod parser;

#[path = "build/api_json.rs"]
mod api_json;
#[path = "build/blob.rs"]
mod blob;
#[path = "build/codegen.rs"]
mod codegen;

#[path = "src/tl/schema/exceptions.rs"]
mod exceptions;

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed=src/tl/schema");
    println!("cargo:rerun-if-changed=src/crypto/crc32.rs");
    println!("cargo:rerun-if-env-changed=MTPROTO_TL_API_SCHEMA");

    let load = |file: &str, exceptions: &[&str]| -> parser::ParsedSchema {
        let path = manifest.join("src/tl/schema").join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let schema = parser::parse(&text).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        if let Err(e) = parser::check_ids(&schema, exceptions) {
            panic!("{file}: {e:?}");
        }
        schema
    };
    let mtproto = load("mtproto.tl", exceptions::MTPROTO_ID_EXCEPTIONS);
    let secret = load("secret.tl", exceptions::SECRET_ID_EXCEPTIONS);

    let api_path = std::env::var_os("MTPROTO_TL_API_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("node_modules/@mtcute/tl/api-schema.json"));
    println!("cargo:rerun-if-changed={}", api_path.display());
    let api_text = std::fs::read_to_string(&api_path).unwrap_or_else(|e| {
        panic!(
            "\n\nmtproto-wasm needs the Telegram API schema at build time: {} ({e}).\n\
             Run the setup script (it runs `npm ci` at the repository root, which installs the\n\
             pinned @mtcute/tl package), or point MTPROTO_TL_API_SCHEMA at an api-schema.json.\n\n",
            api_path.display()
        )
    });
    let api = api_json::convert(&api_text);
    if let Err(e) = parser::check_ids(&api, exceptions::API_ID_EXCEPTIONS) {
        panic!("api-schema.json: {e:?}");
    }

    let parts = [(0u8, &api), (1u8, &mtproto), (2u8, &secret)];
    let blob = blob::write(&parts);
    std::fs::write(out.join("tl_schema.bin"), &blob).expect("write blob");

    let code = codegen::generate(&mtproto, &secret, api.layer.unwrap_or(0));
    std::fs::write(out.join("tl_generated.rs"), code).expect("write generated code");
}
