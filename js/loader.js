// mtproto-wasm loader: picks the wasm build at load time.
//
//   import load, { aesIgeEncrypt } from 'mtproto-wasm/loader.js';
//   await load();                      // SIMD128 build if the engine has SIMD, else the other
//
// The package ships two builds of the same Rust code: mtproto_wasm_bg.wasm (wasm SIMD128:
// the vector-permute AES) and mtproto_wasm_bg.nosimd.wasm (no SIMD instruction; AES from the
// RustCrypto `aes` crate). Both have the same imports and exports, so one wasm-bindgen glue
// file (mtproto_wasm.js) drives either; scripts/build.sh checks that the two builds' glue
// files are byte-identical. Calling the glue's own `init()` directly loads the SIMD build.
import init from './mtproto_wasm.js';

export * from './mtproto_wasm.js';

// (module (func (result v128) i32.const 0 i8x16.splat)): valid only where SIMD128 is.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //       type 0: [] -> [v128]
  0x03, 0x02, 0x01, 0x00, //                         func 0: type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // i32.const 0; i8x16.splat; end
]);

/** Whether this engine validates wasm SIMD128. */
export function simdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** The URL of the build to load: SIMD when `simd` (default: what the engine supports). */
export function wasmUrl(simd = simdSupported()) {
  return new URL(simd ? './mtproto_wasm_bg.wasm' : './mtproto_wasm_bg.nosimd.wasm', import.meta.url);
}

/** Initializes the module with the right build; `{ simd: false }` forces the fallback. */
export default function load({ simd } = {}) {
  return init({ module_or_path: wasmUrl(simd) });
}
