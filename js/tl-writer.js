// mtproto-wasm: the TL writer in JavaScript (encodeTl). One writer function per constructor,
// built on first use from the layout the wasm's compiled schema describes (tlCtorLayout;
// src/tl/layout.rs): compiled with `new Function` where the page allows it, interpreted from
// the same layout where a Content-Security-Policy does not. The bytes are those of tlEncode
// and the values refused are those it refuses, with two differences: encodeTl reads only
// the fields of each constructor, while tlEncode first converts the whole object to Rust
// (src/js/value.rs), so it also refuses a key that is no field when its value cannot be
// converted (a function, a Symbol, a Set, a bigint beyond 64 bits, nesting deeper than 66);
// and encodeTl reads fields as properties (`o.field`), inherited ones included, where
// tlEncode sees own enumerable ones only.
// The rules are those of src/tl/codec.rs (Encoder) over what src/tl/value.rs makes of a JS
// value: null and undefined fields are absent, a number that is a safe integer is an
// integer, a bigint is 64 bits, Uint8Array / ArrayBuffer / arrays of 0..255 are bytes.
import {
  MAX_DEPTH, VECTOR_ID, BOOL_TRUE_ID, BOOL_FALSE_ID, NO_TYPE, fail, canCompile, tables, names, layout,
} from './tl-schema.js';

const ANY = -1; // no expected type (the top, an Object field): any constructor or function
const MAX_INPUT_DEPTH = MAX_DEPTH + 2; // value.rs: how deep a JS value may nest at all
const TWO_53 = 2 ** 53;
const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;

// --- The output ----------------------------------------------------------------------------
let out = new Uint8Array(1024);
let dv = new DataView(out.buffer);
let wpos = 0;

function room(n) {
  if (wpos + n <= out.length) return;
  let size = out.length * 2;
  while (size < wpos + n) size *= 2;
  const bigger = new Uint8Array(size);
  bigger.set(out.subarray(0, wpos));
  out = bigger;
  dv = new DataView(bigger.buffer);
}

function u32(x) { room(4); dv.setInt32(wpos, x, true); wpos += 4; }

function wrong(what) { fail(`expected ${what}`); }
function tooDeep() { fail(`nested deeper than ${MAX_DEPTH}`); }
function missing(key) { fail(`missing field ${key}`); }
function bigint64(v) { if (v < INT64_MIN || v >= UINT64_END) fail('a bigint beyond 64 bits'); }

// --- Values (value.rs turns a JS value into a Value, codec.rs writes it) -----------------
// A number that value.rs makes an integer, or one int_of accepts as a double (±2^53).
const integral = (v) => Number.isSafeInteger(v) || v === TWO_53 || v === -TWO_53;

function int(v) {
  let i;
  if (typeof v === 'number') {
    if ((v | 0) === v) { room(4); dv.setInt32(wpos, v, true); wpos += 4; return; }
    if (!integral(v)) wrong('an int');
    i = v;
  } else if (typeof v === 'bigint') {
    bigint64(v);
    i = Number(BigInt.asIntN(64, v));
  } else {
    wrong('an int');
  }
  // the signed or the unsigned 32-bit range
  if (i < -2147483648 || i >= 4294967296) wrong('an int');
  u32(i >>> 0);
}

function long(v) {
  room(8);
  if (typeof v === 'bigint') {
    bigint64(v);
    dv.setBigInt64(wpos, v, true); // 2^63..2^64-1 keep their 64 bits
  } else if (typeof v === 'number' && integral(v)) {
    const hi = Math.floor(v / 4294967296);
    dv.setUint32(wpos, v - hi * 4294967296, true);
    dv.setInt32(wpos + 4, hi, true);
  } else {
    wrong('a long');
  }
  wpos += 8;
}

function double(v) {
  let x;
  if (typeof v === 'number') x = v === 0 ? 0 : v; // -0 is an integer to value.rs: 0
  else if (typeof v === 'bigint') { bigint64(v); x = Number(BigInt.asIntN(64, v)); }
  else wrong('a double');
  room(8);
  dv.setFloat64(wpos, x, true);
  wpos += 8;
}

function bool(v) {
  if (typeof v !== 'boolean') wrong('a boolean');
  u32(v ? BOOL_TRUE_ID : BOOL_FALSE_ID);
}

// The bytes of a `bytes` value: Uint8Array, ArrayBuffer, or an array of integers 0..255.
function bytesOf(v, what) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (!Array.isArray(v)) wrong(what);
  const b = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === 'number' ? Number.isSafeInteger(x) && x >= 0 && x <= 255 : typeof x === 'bigint' && x >= 0n && x <= 255n) {
      b[i] = Number(x);
    } else {
      if (x == null) fail('null in an array');
      if (typeof x === 'bigint') bigint64(x);
      wrong(what);
    }
  }
  return b;
}

function header(n) {
  if (n <= 253) { out[wpos++] = n; return 1; }
  out[wpos] = 254; out[wpos + 1] = n & 0xff; out[wpos + 2] = (n >> 8) & 0xff; out[wpos + 3] = (n >> 16) & 0xff;
  wpos += 4;
  return 4;
}

function pad(head, n) {
  for (let k = (4 - ((head + n) & 3)) & 3; k > 0; k--) out[wpos++] = 0;
}

function writeBytes(b) {
  room(b.length + 8);
  const head = header(b.length);
  out.set(b, wpos);
  wpos += b.length;
  pad(head, b.length);
}

function bytes(v) { writeBytes(bytesOf(v, 'bytes')); }

function raw(v, n) {
  const b = bytesOf(v, `${n} bytes`);
  if (b.length !== n) wrong(`${n} bytes`);
  room(n);
  out.set(b, wpos);
  wpos += n;
}

// `string`: a string as UTF-8 (lone surrogates become U+FFFD, as wasm-bindgen passes
// strings), or bytes.
const utf8 = new TextEncoder();
function string(v) {
  if (typeof v !== 'string') { writeBytes(bytesOf(v, 'a string')); return; }
  const n = v.length;
  room(3 * n + 8);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: up to 84 units the 1-byte header fits.
  const at = wpos + (n <= 84 ? 1 : 4);
  let p = at;
  let i = 0;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80) break;
    out[p++] = c;
  }
  if (i < n) p += utf8.encodeInto(i === 0 ? v : v.slice(i), out.subarray(p)).written;
  const len = p - at;
  if (n > 84 && len <= 253) out.copyWithin(wpos + 1, at, p); // the short header after all
  const head = header(len);
  wpos += len;
  pad(head, len);
}

// What value.rs accepts at all, for values codec.rs then ignores (a `#` field's, a `true`
// field's): anything but functions, Symbols, iterables other than arrays, Uint8Array and
// Map, bigints beyond 64 bits, `_` that is not a string, nesting deeper than 66.
function convertible(v, depth) {
  if (depth > MAX_INPUT_DEPTH) fail('nested too deeply');
  if (v == null) fail('null where a value is needed');
  switch (typeof v) {
    case 'boolean': case 'number': case 'string': return;
    case 'bigint': bigint64(v); return;
    case 'object': {
      if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) convertible(v[i], depth + 1); return; }
      if (v instanceof Uint8Array || v instanceof ArrayBuffer) return;
      for (const [k, x] of entries(v)) {
        if (k === '_') { if (typeof x !== 'string') fail('_ must be a string'); } else if (x != null) convertible(x, depth + 1);
      }
      return;
    }
    default: fail(`a ${typeof v} is no TL value`);
  }
}

// The keys and values of an object as value.rs sees them: a Map's (string keys), or own
// enumerable ones; other iterables are refused.
function entries(v) {
  if (v instanceof Map) {
    for (const k of v.keys()) if (typeof k !== 'string') fail('a Map key that is not a string');
    return [...v];
  }
  if (Symbol.iterator in v) fail('an iterable that is not an array');
  return Object.entries(v);
}

// An object as codec.rs sees an Object value, or null when the value is something else.
function asObject(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array || v instanceof ArrayBuffer) return null;
  if (v instanceof Map || Symbol.iterator in v) return Object.fromEntries(entries(v));
  return v;
}

// Its `_`: a string, '' when there is none.
function nameOf(o) {
  const name = o._;
  if (typeof name === 'string') return name;
  if (name === undefined && !Object.prototype.hasOwnProperty.call(o, '_')) return '';
  return fail('_ must be a string');
}

// --- Constructors by name -------------------------------------------------------------------
// The constructor `name` where boxed type t (or ANY) stands in a constructor of `part` (-1:
// none): that part's names first, then API, service, end-to-end; where it is not of type t,
// a same-name constructor of t in any part (codec.rs). -1: unknown; -2: not of type t.
function resolve(name, t, part) {
  const { parts, any } = names();
  const i = (part >= 0 ? parts[part].get(name) : undefined) ?? any.get(name);
  if (i === undefined) return -1;
  if (t === ANY) return i;
  const { fit } = tables();
  if (fit[i] === t) return i;
  for (const m of parts) {
    const j = m.get(name);
    if (j !== undefined && fit[j] === t) return j;
  }
  return -2;
}

function unknown(name, t, part) {
  if (name === '') fail('missing field _');
  fail(resolve(name, t, part) === -1 ? `unknown constructor ${name}` : `${name} where another type is expected`);
}

// A boxed value: Bool and arrays only where any value may stand.
function object(v, t, part, d) {
  if (d > MAX_DEPTH) tooDeep();
  const o = asObject(v);
  if (o === null) {
    if (t === ANY && typeof v === 'boolean') { u32(v ? BOOL_TRUE_ID : BOOL_FALSE_ID); return; }
    if (t === ANY && Array.isArray(v)) {
      u32(VECTOR_ID);
      u32(v.length);
      for (let i = 0; i < v.length; i++) object(v[i], ANY, part, d + 1);
      return;
    }
    if (v == null) fail('null where a value is needed');
    if (typeof v === 'bigint') bigint64(v);
    wrong('a TL object');
  }
  const name = nameOf(o);
  const i = t === ANY ? resolve(name, ANY, part) : byName(t, part).get(name) ?? -1;
  if (i < 0 || name === '') unknown(name, t, part);
  u32(tables().ids[i]);
  (writers[i] ?? writer(i))(o, d);
}

// A bare constructor's fields (`_` may be left out).
function bare(v, index, d) {
  const o = asObject(v);
  if (o === null) { if (v == null) fail('null where a value is needed'); wrong('a TL object'); }
  const name = nameOf(o);
  const want = ctorNames[index] ??= layout(index).name;
  if (name !== '' && name !== want) fail(`${name} where ${want} is expected`);
  if (d > MAX_DEPTH) tooDeep();
  (writers[index] ?? writer(index))(o, d);
}

const ctorNames = [];

// (type, part) -> name -> constructor index, for every name that may stand there.
const typeNames = new Map();
function byName(t, part) {
  const key = t * 4 + part + 1;
  let m = typeNames.get(key);
  if (m !== undefined) return m;
  m = new Map();
  const { nameOf: names_ } = names();
  for (const c of tables().byType.get(t) ?? []) {
    const name = names_.get(c);
    if (name === undefined || m.has(name)) continue;
    const i = resolve(name, t, part);
    if (i >= 0) m.set(name, i);
  }
  typeNames.set(key, m);
  return m;
}

// --- Interpreted writers ----------------------------------------------------------------------
function value(node, v, part, d) {
  switch (node.k) {
    case 'i': int(v); return;
    case 'l': long(v); return;
    case 'd': double(v); return;
    case 's': string(v); return;
    case 'b': bytes(v); return;
    case 'x': raw(v, 16); return;
    case 'y': raw(v, 32); return;
    case 'B': bool(v); return;
    case 't': case '#': convertible(v, d + 1); return; // nothing on the wire
    case 'o': object(v, ANY, -1, d + 1); return;
    case 'T': object(v, node.n, part, d + 1); return;
    case 'C': bare(v, node.n, d + 1); return;
    case 'V': case 'v': {
      if (!Array.isArray(v)) { if (v == null) fail('null where a value is needed'); wrong('an array'); }
      if (d + 1 > MAX_DEPTH) tooDeep();
      if (node.k === 'V') u32(VECTOR_ID);
      u32(v.length);
      for (let i = 0; i < v.length; i++) value(node.e, v[i], part, d + 1);
      return;
    }
    default: fail('a type the schema cannot resolve');
  }
}

function interpretCtor(index) {
  const { part, params } = layout(index);
  // per `#` field: the fields whose presence sets its bits
  const bits = params.map((p, j) => params.filter((q) => q.cond !== -1 && q.cond[0] === j)
    .map((q) => ({ key: q.key, mask: 1 << q.cond[1], isTrue: q.type.k === 't' })));
  return (o, d) => {
    for (let j = 0; j < params.length; j++) {
      const p = params[j];
      const v = o[p.key];
      if (p.flags) {
        if (v != null) convertible(v, d + 1);
        let f = 0;
        for (const b of bits[j]) {
          const x = o[b.key];
          if (x != null && (!b.isTrue || x !== false)) f |= b.mask;
        }
        u32(f);
      } else if (p.cond !== -1 && p.type.k === 't') {
        if (v != null && typeof v !== 'boolean') wrong('a boolean');
      } else if (v != null) {
        value(p.type, v, part, d);
      } else if (p.cond === -1) {
        missing(p.key);
      }
    }
  };
}

// --- Compiled writers ---------------------------------------------------------------------------
const helpers = { u32, int, long, double, bool, bytes, raw, string, convertible, object, bare, wrong, fail, missing, tooDeep };
const helperNames = Object.keys(helpers).join(', ');

// Statements that write `v` as `node` for a field of a constructor at depth `d + k`.
function gen(node, k, v, ctx) {
  const deeper = `d + ${k + 1}`;
  switch (node.k) {
    case 'i': return `int(${v});`;
    case 'l': return `long(${v});`;
    case 'd': return `double(${v});`;
    case 's': return `string(${v});`;
    case 'b': return `bytes(${v});`;
    case 'x': return `raw(${v}, 16);`;
    case 'y': return `raw(${v}, 32);`;
    case 'B': return `bool(${v});`;
    case 't': case '#': return `convertible(${v}, ${deeper});`;
    case 'o': return `object(${v}, ${ANY}, -1, ${deeper});`;
    case 'T': return `object(${v}, ${node.n}, ${ctx.part}, ${deeper});`;
    case 'C': return `bare(${v}, ${node.n}, ${deeper});`;
    case 'V': case 'v': {
      const id = ctx.vars++;
      return `if (!Array.isArray(${v})) { if (${v} == null) fail('null where a value is needed'); wrong('an array'); } `
        + `if (${deeper} > ${MAX_DEPTH}) tooDeep(); ${node.k === 'V' ? `u32(${VECTOR_ID}); ` : ''}u32(${v}.length); `
        + `for (let i${id} = 0; i${id} < ${v}.length; i${id}++) { const e${id} = ${v}[i${id}]; ${gen(node.e, k + 1, `e${id}`, ctx)} }`;
    }
    default: return 'fail("a type the schema cannot resolve");';
  }
}

function compileCtor(index) {
  const { name, part, params } = layout(index);
  const ctx = { part, vars: 0 };
  const lines = params.map((p, j) => `const v${j} = o[${JSON.stringify(p.key)}];`);
  params.forEach((p, j) => {
    if (p.flags) {
      const bits = params.map((q, m) => {
        if (q.cond === -1 || q.cond[0] !== j) return '';
        const set = q.type.k === 't' ? `v${m} != null && v${m} !== false` : `v${m} != null`;
        return ` if (${set}) f |= ${(1 << q.cond[1]) | 0};`;
      });
      lines.push(`if (v${j} != null) convertible(v${j}, d + 1); { let f = 0;${bits.join('')} u32(f); }`);
    } else if (p.cond !== -1 && p.type.k === 't') {
      lines.push(`if (v${j} != null && typeof v${j} !== 'boolean') wrong('a boolean');`);
    } else if (p.cond !== -1) {
      lines.push(`if (v${j} != null) { ${gen(p.type, 0, `v${j}`, ctx)} }`);
    } else {
      lines.push(`if (v${j} == null) missing(${JSON.stringify(p.key)}); ${gen(p.type, 0, `v${j}`, ctx)}`);
    }
  });
  const make = new Function('h', `'use strict'; const { ${helperNames} } = h; `
    + `return function write_${name.replace(/[^A-Za-z0-9_]/g, '_')}(o, d) { ${lines.join('\n')} };`);
  return make(helpers);
}

// Constructor index -> (object, depth) => writes its fields.
let writers = [];
function writer(index) {
  if (writers.length === 0) writers = new Array(tables().n).fill(null);
  const w = canCompile() ? compileCtor(index) : interpretCtor(index);
  writers[index] = w;
  return w;
}

// --- Entry point ----------------------------------------------------------------------------------
// Encodes a TL object (`{ _: 'messages.sendMessage', ... }`, a method call or a constructor)
// to its boxed bytes, as tlEncode.
export function encodeTl(obj) {
  if (obj == null) fail('null where a value is needed');
  const saved = [out, dv, wpos]; // a getter that encodes too gets its own buffer
  if (wpos !== 0) { out = new Uint8Array(1024); dv = new DataView(out.buffer); }
  wpos = 0;
  try {
    object(obj, ANY, -1, 0);
    return out.slice(0, wpos);
  } finally {
    [out, dv, wpos] = saved;
    if (out.length > 1 << 20) { out = new Uint8Array(1024); dv = new DataView(out.buffer); } // keep no huge buffer
  }
}
