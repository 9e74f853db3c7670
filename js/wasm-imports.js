// mtproto-wasm: JavaScript the wasm imports (wasm-bindgen copies this file into the package's
// snippets/ directory; src/js/imports.rs declares the imports).
//
// Two kinds of helper live here:
// - result builders: building a result object here takes one call from the wasm; setting its
//   properties one by one from Rust took a call per property, a key lookup each and about
//   2 µs per decryptMessage (issue #9);
// - readers of caller values (kind, items, entries, bytes): everything that may run the
//   caller's code (getters, Proxy traps, a Map's own iterator) runs here, and the wasm
//   imports these with `catch`, so what that code throws comes back to Rust as an error.
//   Thrown through the wasm instead, it would leave the Rust object in the middle of a
//   method borrowed for good ("recursive use of an object detected").

/**
 * The result of `decryptMessage`: the checked header and the body. `body` is a view of the
 * wasm memory (Rust wipes it after this call): copied here.
 */
export function decryptedMessage(salt, sessionId, msgId, seqNo, body) {
  return { salt, sessionId, msgId, seqNo, body: body.slice() };
}

/** More items than any vector an MTProto message (at most 1 MB, 4 bytes an item) can hold. */
const MAX_ITEMS = 1 << 20;

/**
 * What src/js/value.rs does with `v`: 0 refuse, 1 boolean, 2 number, 3 bigint, 4 string,
 * 5 array, 6 bytes (Uint8Array or ArrayBuffer), 7 Map, 8 other non-iterable object.
 */
export function tlKind(v) {
  switch (typeof v) {
    case 'boolean': return 1;
    case 'number': return 2;
    case 'bigint': return 3;
    case 'string': return 4;
    case 'object': if (v === null) return 0; break;
    default: return 0;
  }
  if (Array.isArray(v)) return 5;
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return 6;
  if (v instanceof Map) return 7;
  return Symbol.iterator in v ? 0 : 8;
}

/** A plain copy of the array `v` (holes stay holes). */
export function tlItems(v) {
  const n = v.length;
  if (!(n <= MAX_ITEMS)) throw new RangeError(`an array of ${n} items is longer than any TL vector in a message`);
  return Array.prototype.slice.call(v, 0, n);
}

/** `[key, value]` pairs: a Map's entries in insertion order, else the own enumerable string keys. */
export function tlEntries(v) {
  return v instanceof Map ? Array.from(v, (e) => [e[0], e[1]]) : Object.entries(v);
}

const U8 = Uint8Array.prototype;
/** Node's Buffer (a Uint8Array subclass) when it leaves `length` alone, else Uint8Array. */
const BUFFER = (() => {
  const p = globalThis.Buffer?.prototype;
  return p && Object.getPrototypeOf(p) === U8 && !Object.hasOwn(p, 'length') ? p : U8;
})();

/**
 * The bytes of `v` when it is a Uint8Array (or, with `buffers`, an ArrayBuffer), else
 * undefined; the wasm-bindgen glue then copies them into the wasm, sized by `length`. So the
 * result's `length` must be the real one: a plain Uint8Array or Buffer goes as it is (not a
 * Proxy: ArrayBuffer.isView looks at internal slots; no own `length`), anything else that
 * passes for one becomes a fresh view of its buffer. A `length` smaller than the data would
 * have the glue write past what it allocated.
 */
export function bytesOf(v, buffers) {
  if (ArrayBuffer.isView(v)) {
    const proto = Object.getPrototypeOf(v);
    if ((proto === U8 || proto === BUFFER) && !Object.hasOwn(v, 'length')) return v;
  }
  if (v instanceof Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (buffers && v instanceof ArrayBuffer) return new Uint8Array(v);
  return undefined;
}
