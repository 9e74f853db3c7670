// mtproto-wasm: the TL reader in JavaScript (decodeTl, decodeTlResult). One reader function
// per constructor, built on first use from the layout the wasm's compiled schema describes
// (tlCtorLayout; format in src/tl/layout.rs): compiled with `new Function` where the page
// allows it, interpreted from the same layout where a Content-Security-Policy does not.
// The objects are those of tlDecode, except that every field is a key (an unset optional
// one is undefined), so all objects of a constructor share one shape; the inputs rejected
// are those the Rust decoder (src/tl/codec.rs) rejects: truncation, unknown ids,
// constructors of the wrong type, counts beyond the input, nesting deeper than 64.
import { tlCtorLayout, tlResultLayout, tlGunzip } from './mtproto_wasm.js';
import {
  MAX_DEPTH, VECTOR_ID, BOOL_TRUE_ID, BOOL_FALSE_ID, GZIP_PACKED_ID, fail, hex, canCompile, tables, parseType,
  minSize, layout,
} from './tl-schema.js';

// --- The input being read ----------------------------------------------------------------
let buf; // the bytes (a gzip_packed's data while reading inside it)
let view;
let pos = 0;
let end = 0;

function setInput(bytes, dataView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)) {
  buf = bytes;
  view = dataView;
  pos = 0;
  end = bytes.length;
  winFrom = winTo = 0;
  winText = '';
}

function tooDeep() { fail(`nested deeper than ${MAX_DEPTH}`); }
function truncated() { fail('the input ends too early'); }

// Reads past the end throw a RangeError from the DataView (turned into an Error at the top).
function id32() { const p = pos; pos = p + 4; return view.getInt32(p, true); }
function int() { const p = pos; pos = p + 4; return view.getInt32(p, true); }
function long() { const p = pos; pos = p + 8; return view.getBigInt64(p, true); }
function double() { const p = pos; pos = p + 8; return view.getFloat64(p, true); }

function bool() {
  const id = id32();
  if (id === BOOL_TRUE_ID) return true;
  if (id === BOOL_FALSE_ID) return false;
  return fail(`expected a Bool, got ${hex(id)}`);
}

// A `bytes`/`string` header and padding: leaves `spanAt` at the data, returns its length.
let spanAt = 0;
function span() {
  const p = pos;
  if (p >= end) truncated();
  let n = buf[p];
  let head = 1;
  if (n === 254) {
    if (p + 4 > end) truncated();
    n = buf[p + 1] | buf[p + 2] << 8 | buf[p + 3] << 16;
    head = 4;
  } else if (n === 255) {
    fail('a length starting with 0xff');
  }
  const next = p + ((head + n + 3) & ~3);
  if (next > end) truncated();
  spanAt = p + head;
  pos = next;
  return n;
}

function bytes() { const n = span(); return buf.slice(spanAt, spanAt + n); }
function raw(n) { const p = pos; if (p + n > end) truncated(); pos = p + n; return buf.slice(p, p + n); }

// `string`: a JS string when the bytes are UTF-8 (what Rust's from_utf8 accepts), else the
// bytes as a Uint8Array (as the Rust decoder).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function string() {
  const n = span();
  const s = spanAt;
  const e = s + n;
  let i = s;
  for (; i + 4 <= e; i += 4) if ((view.getInt32(i, true) & 0x80808080) !== 0) break;
  while (i < e && buf[i] < 0x80) i++;
  if (i === e) return ascii(s, e);
  if (n > 256) {
    try { return strictUtf8.decode(buf.subarray(s, e)); } catch { return buf.slice(s, e); }
  }
  return utf8(s, e) ?? buf.slice(s, e);
}

// ASCII strings are cut out of a window of the input decoded at once (one TextDecoder call
// costs as much as a short string's worth of work). The window's other bytes are masked to
// ASCII first, so that the window is a one-byte string and so are the strings cut from it
// (a string may keep its window, at most WINDOW bytes, alive).
const WINDOW = 4096;
const asciiDecoder = new TextDecoder();
let scratch = new Uint8Array(WINDOW);
let winText = '';
let winFrom = 0;
let winTo = 0;
function ascii(s, e) {
  if (s < winFrom || e > winTo) {
    const to = Math.min(end, Math.max(e, s + WINDOW));
    const n = to - s;
    if (scratch.length < n) scratch = new Uint8Array((n + 3) & ~3);
    scratch.set(buf.subarray(s, to));
    const words = new Uint32Array(scratch.buffer, 0, (n + 3) >> 2);
    for (let k = 0; k < words.length; k++) words[k] &= 0x7f7f7f7f;
    winText = asciiDecoder.decode(scratch.subarray(0, n));
    winFrom = s;
    winTo = to;
  }
  return winText.substring(s - winFrom, e - winFrom);
}

// UTF-8 to a string, or null where it is not well-formed (overlong forms, surrogates, above
// U+10FFFF, cut sequences), for short strings where TextDecoder costs more than this.
const units = [];
function utf8(s, e) {
  units.length = 0;
  for (let i = s; i < e;) {
    const b = buf[i++];
    if (b < 0x80) { units.push(b); continue; }
    let need, cp, min;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 0x0f; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 0x07; min = 0x10000; }
    else return null;
    if (i + need > e) return null;
    for (let k = 0; k < need; k++) {
      const c = buf[i++];
      if ((c & 0xc0) !== 0x80) return null;
      cp = cp << 6 | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else units.push(cp);
  }
  return String.fromCharCode.apply(null, units);
}

// A vector count, checked against what is left (`min`: the smallest element, in bytes).
function count(min) {
  const n = int();
  if (n < 0 || n * min > end - pos) fail(`a count of ${n} beyond the input`);
  return n;
}

function vectorCount(min) {
  const id = id32();
  if (id !== VECTOR_ID) fail(`expected a Vector, got ${hex(id)}`);
  return count(min);
}

// --- Readers' state: constructor index -> reader, (type, part) -> dispatcher ---------------
let readers = null;
const dispatchers = new Map();
function schema() {
  if (readers === null) readers = new Array(tables().n).fill(null);
  return tables();
}

// The constructor `id` read where boxed type `t` stands in a constructor of `part`: that
// part's id table first, then any part's, then a same-id constructor of `t` in any part
// (resolve_ctor in codec.rs). -1: no such id; -2: not of type t.
function resolve(id, t, part) {
  const { parts, any, fit } = tables();
  const i = parts[part]?.get(id) ?? any.get(id);
  if (i === undefined) return -1;
  if (fit[i] === t) return i;
  for (const m of parts) {
    const j = m.get(id);
    if (j !== undefined && fit[j] === t) return j;
  }
  return -2;
}

// id -> constructor index for every id that may stand where type t does (gzip_packed aside).
function idsOfType(t, part) {
  const { ids, byType } = tables();
  const out = new Map();
  for (const c of byType.get(t) ?? []) {
    const id = ids[c];
    if (id === GZIP_PACKED_ID || out.has(id)) continue;
    const i = resolve(id, t, part);
    if (i >= 0) out.set(id, i);
  }
  return out;
}

function wrongId(id, t, part) {
  if (resolve(id, t, part) === -1) fail(`unknown constructor ${hex(id)}`);
  const { any, parts } = tables();
  const i = parts[part]?.get(id) ?? any.get(id);
  fail(`constructor ${tlCtorLayout(i).split(' ')[0]} (${hex(id)}) where another type is expected`);
}

// What the gzip_packed of one decode may still inflate to, together (as codec.rs: nested
// levels spend from one budget, so they cost at most 16 MiB in all).
const MAX_INFLATED = 16 << 20;
let inflateLeft = MAX_INFLATED;
function gunzip(packed) {
  const data = tlGunzip(packed, inflateLeft);
  inflateLeft -= data.length;
  return data;
}

// A gzip_packed's data, read by `read` at depth `d` to its last byte.
function inGzip(read, d) {
  const n = span();
  const data = gunzip(buf.subarray(spanAt, spanAt + n));
  const saved = [buf, view, pos, end];
  setInput(data);
  const v = read(d);
  if (pos !== end) fail(`${end - pos} bytes left in a gzip_packed`);
  [buf, view, pos, end] = saved;
  winFrom = winTo = 0; // the string window was cut from the data
  return v;
}

// A boxed value where the schema says Object (or at the top): any constructor, Bool, Vector.
function anyObject(d) {
  if (d > MAX_DEPTH) tooDeep();
  const id = id32();
  if (id === GZIP_PACKED_ID) return inGzip(anyObject, d + 1);
  if (id === BOOL_TRUE_ID) return true;
  if (id === BOOL_FALSE_ID) return false;
  if (id === VECTOR_ID) return untypedVector(d + 1);
  const i = tables().any.get(id);
  if (i === undefined) fail(`unknown constructor ${hex(id)}`);
  return (readers[i] ?? reader(i))(d);
}

// A Vector where the schema says Object: its first element must be a boxed value we know.
function untypedVector(d) {
  if (d > MAX_DEPTH) tooDeep();
  const n = count(4);
  if (n > 0) {
    const first = view.getInt32(pos, true);
    if (first !== BOOL_TRUE_ID && first !== BOOL_FALSE_ID && first !== VECTOR_ID
      && first !== GZIP_PACKED_ID && !tables().any.has(first)) fail('a Vector of bare values where an Object is expected');
  }
  const a = new Array(n);
  for (let k = 0; k < n; k++) a[k] = anyObject(d + 1);
  return a;
}

// --- Compiled readers ----------------------------------------------------------------------
const helpers = { int, long, double, bool, bytes, raw, string, count, vectorCount, anyObject, tooDeep, fail };
const helperNames = Object.keys(helpers).join(', ');

// Statements that read a value of `node` into `target`, for a field of a constructor at
// depth `d + k` (as codec.rs counts: a boxed value one deeper, vector elements one deeper).
function gen(node, k, target, ctx) {
  const deeper = `d + ${k + 1}`;
  switch (node.k) {
    case 'i': case '#': return `${target} = int();`;
    case 'l': return `${target} = long();`;
    case 'd': return `${target} = double();`;
    case 's': return `${target} = string();`;
    case 'b': return `${target} = bytes();`;
    case 'x': return `${target} = raw(16);`;
    case 'y': return `${target} = raw(32);`;
    case 't': return `${target} = true;`;
    case 'B': return `${target} = bool();`;
    case 'o': return `${target} = anyObject(${deeper});`;
    case 'T': {
      const name = `D${ctx.dispatchers.length}`;
      ctx.dispatchers.push(dispatcher(node.n, ctx.part));
      return `${target} = ${name}(${deeper});`;
    }
    case 'C':
      return `if (${deeper} > ${MAX_DEPTH}) tooDeep(); ${target} = (R[${node.n}] ?? reader(${node.n}))(${deeper});`;
    case 'V': case 'v': {
      const id = ctx.vars++;
      const count = node.k === 'V' ? 'vectorCount' : 'count';
      return `if (${deeper} > ${MAX_DEPTH}) tooDeep(); { const n${id} = ${count}(${minSize(node.e)}); `
        + `const a${id} = new Array(n${id}); for (let i${id} = 0; i${id} < n${id}; i${id}++) { `
        + `${gen(node.e, k + 1, `a${id}[i${id}]`, ctx)} } ${target} = a${id}; }`;
    }
    default: return 'fail("a type the schema cannot resolve");';
  }
}

function compile(body, ctx) {
  const make = new Function('h', 'R', 'reader', 'D', `'use strict'; const { ${helperNames} } = h; `
    + `const [${ctx.dispatchers.map((_, i) => `D${i}`).join(', ')}] = D; ${body}`);
  return make(helpers, readers, reader, ctx.dispatchers);
}

function compileCtor(index) {
  const { name, part, params } = layout(index);
  const ctx = { part, dispatchers: [], vars: 0 };
  const lines = [];
  const keys = [];
  params.forEach((p, j) => {
    if (p.flags) { lines.push(`const f${j} = int();`); return; }
    keys.push(`${JSON.stringify(p.key)}: v${j}`);
    if (p.readCond === -1) {
      lines.push(`let v${j}; ${gen(p.type, 0, `v${j}`, ctx)}`);
    } else if (p.readCond === null) {
      lines.push(`const v${j} = ${p.type.k === 't' ? 'false' : 'undefined'};`);
    } else {
      const test = `(f${p.readCond[0]} & ${(1 << p.readCond[1]) | 0}) !== 0`;
      lines.push(p.type.k === 't' ? `const v${j} = ${test};`
        : `let v${j}; if (${test}) { ${gen(p.type, 0, `v${j}`, ctx)} }`);
    }
  });
  const fn = name.replace(/[^A-Za-z0-9_]/g, '_');
  return compile(`return function read_${fn}(d) { ${lines.join('\n')}\n`
    + `return { _: ${JSON.stringify(name)}${keys.map((k) => `, ${k}`).join('')} }; };`, ctx);
}

// --- Interpreted readers (no code generation): the same reads, in the same order ------------
function value(node, d, part) {
  switch (node.k) {
    case 'i': case '#': return int();
    case 'l': return long();
    case 'd': return double();
    case 's': return string();
    case 'b': return bytes();
    case 'x': return raw(16);
    case 'y': return raw(32);
    case 't': return true;
    case 'B': return bool();
    case 'o': return anyObject(d + 1);
    case 'T': return dispatcher(node.n, part)(d + 1);
    case 'C':
      if (d + 1 > MAX_DEPTH) tooDeep();
      return (readers[node.n] ?? reader(node.n))(d + 1);
    case 'V': case 'v': {
      if (d + 1 > MAX_DEPTH) tooDeep();
      const n = node.k === 'V' ? vectorCount(minSize(node.e)) : count(minSize(node.e));
      const a = new Array(n);
      for (let i = 0; i < n; i++) a[i] = value(node.e, d + 1, part);
      return a;
    }
    default: return fail('a type the schema cannot resolve');
  }
}

// Objects start as copies of a template holding every key, `true` fields false and the
// others undefined, and get only the fields present. Objects built key by key from `{}` turn
// into slow dictionaries past a dozen keys, while JSON.parse (no code generation) gives the
// template a fast shape that its copies keep.
function interpretCtor(index) {
  const { name, part, params } = layout(index);
  const fields = params.filter((p) => !p.flags);
  const template = JSON.parse(`{"_":${JSON.stringify(name)}${fields.map((p) => `,${JSON.stringify(p.key)}:false`).join('')}}`);
  for (const p of fields) if (p.type.k !== 't') template[p.key] = undefined;
  return (d) => {
    const o = { ...template };
    const flags = [];
    for (let j = 0; j < params.length; j++) {
      const p = params[j];
      if (p.flags) { flags[j] = int(); continue; }
      if (p.readCond === -1) o[p.key] = value(p.type, d, part);
      else if (p.readCond !== null && (flags[p.readCond[0]] & (1 << p.readCond[1])) !== 0) o[p.key] = p.type.k === 't' ? true : value(p.type, d, part);
    }
    return o;
  };
}

// --- Readers, by constructor and by type ---------------------------------------------------
// Constructor index -> (depth) => object: its fields, without the id.
function reader(index) {
  const r = canCompile() ? compileCtor(index) : interpretCtor(index);
  readers[index] = r;
  return r;
}

// (depth) => object: a boxed value of type t in a constructor of `part`.
function dispatcher(t, part) {
  schema();
  const key = t * 4 + part;
  let D = dispatchers.get(key);
  if (D !== undefined) return D;
  const ids = idsOfType(t, part);
  const miss = (id, d) => (id === GZIP_PACKED_ID ? inGzip(D, d + 1) : wrongId(id, t, part));
  if (canCompile()) {
    const cases = [...ids].map(([id, i]) => `case ${id}: return (R[${i}] ?? reader(${i}))(d);`);
    const make = new Function('id32', 'R', 'reader', 'miss', 'tooDeep',
      `return function dispatch_${t}_${part}(d) { if (d > ${MAX_DEPTH}) tooDeep(); const id = id32(); `
      + `switch (id) { ${cases.join(' ')} } return miss(id, d); };`);
    D = make(id32, readers, reader, miss, tooDeep);
  } else {
    D = (d) => {
      if (d > MAX_DEPTH) tooDeep();
      const id = id32();
      const i = ids.get(id);
      return i === undefined ? miss(id, d) : (readers[i] ?? reader(i))(d);
    };
  }
  dispatchers.set(key, D);
  return D;
}

// Method name -> { read: (depth) => value, boxed }, for decodeTlResult.
const resultReaders = new Map();
function resultReader(method) {
  let r = resultReaders.get(method);
  if (r !== undefined) return r;
  const [partText, code] = tlResultLayout(method).split(' ');
  const part = Number(partText);
  const node = parseType(code);
  schema();
  let read;
  if (canCompile()) {
    const ctx = { part, dispatchers: [], vars: 0 };
    read = compile(`return function read_result(d) { let v; ${gen(node, 0, 'v', ctx)} return v; };`, ctx);
  } else {
    read = (d) => value(node, d, part);
  }
  r = { read, boxed: node.k === 'T' || node.k === 'o' };
  resultReaders.set(method, r);
  return r;
}

// --- Entry points -----------------------------------------------------------------------------
function input(bytes) {
  if (bytes instanceof Uint8Array && bytes.constructor === Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (Array.isArray(bytes)) return Uint8Array.from(bytes);
  throw new TypeError('bytes must be a Uint8Array');
}

function run(bytes, read) {
  schema();
  inflateLeft = MAX_INFLATED;
  try {
    setInput(input(bytes));
    const v = read();
    if (pos !== end) fail(`${end - pos} bytes left after the value`);
    return v;
  } catch (e) {
    // A DataView read past the end.
    if (e instanceof RangeError && pos > end) throw new Error('TL: the input ends too early', { cause: e });
    throw e;
  } finally {
    setInput(EMPTY, EMPTY_VIEW); // keep no reference to the input
  }
}
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

// Decodes boxed TL bytes into JS objects (as tlDecode; every field a key).
export function decodeTl(bytes) {
  return run(bytes, () => anyObject(0));
}

// Decodes the result of `method` (as tlDecodeResult: needed where the result is not
// self-describing, such as Vector<long>).
export function decodeTlResult(method, bytes) {
  const r = resultReader(String(method));
  return run(bytes, () => {
    // gzip_packed may wrap any result; boxed results handle it themselves.
    if (!r.boxed && end >= 4 && view.getInt32(0, true) === GZIP_PACKED_ID) {
      pos = 4;
      const n = span();
      if (pos !== end) fail(`${end - pos} bytes left after the value`);
      setInput(gunzip(buf.subarray(spanAt, spanAt + n)));
    }
    return r.read(0);
  });
}
