// Types for loader.js: picks the SIMD128 or the fallback wasm build at load time.
export * from './mtproto_wasm.js';
/** Whether this engine validates wasm SIMD128. */
export function simdSupported(): boolean;
/** The URL of the build to load: SIMD when `simd` (default: what the engine supports). */
export function wasmUrl(simd?: boolean): URL;
/** Initializes the module with the right build; `{ simd: false }` forces the fallback. */
export default function load(options?: { simd?: boolean }): Promise<unknown>;
