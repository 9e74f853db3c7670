// mtproto-wasm: the compiled TL schema as the JavaScript TL reader and writer
// (js/tl-reader.js, js/tl-writer.js) see it. The wasm describes its schema on demand
// (src/tl/layout.rs): the id tables once, the name tables once (writer), a constructor's
// layout when it is first met; nothing of the schema is kept in JavaScript otherwise.
import { tlReaderTables, tlCtorLayout, tlNameTables } from './mtproto_wasm.js';

export const MAX_DEPTH = 64;
// Constructor ids are handled as signed 32-bit numbers (small integers to the engine).
export const VECTOR_ID = 0x1cb5c415 | 0;
export const BOOL_TRUE_ID = 0x997275b5 | 0;
export const BOOL_FALSE_ID = 0xbc799737 | 0;
export const GZIP_PACKED_ID = 0x3072cfa1 | 0;
/** `fit` of a constructor that is no boxed type's (a function). */
export const NO_TYPE = 0xffffffff;

export function fail(message) { throw new Error(`TL: ${message}`); }
export const hex = (id) => `0x${(id >>> 0).toString(16).padStart(8, '0')}`;

// Whether this page lets us compile functions (a Content-Security-Policy without
// 'unsafe-eval' does not).
let compileOk;
export function canCompile() {
  if (compileOk === undefined) {
    try { compileOk = new Function('return 1')() === 1; } catch { compileOk = false; }
  }
  return compileOk;
}

// { n, ids (constructor index -> id), fit (-> the boxed type it belongs to, or NO_TYPE),
//   parts (per schema, API first: id -> index), any (id -> index, API first), byType }.
let idTables = null;
export function tables() {
  if (idTables !== null) return idTables;
  const t = tlReaderTables();
  let k = 0;
  const n = t[k++];
  const ids = new Int32Array(n);
  const fit = new Uint32Array(n);
  for (let i = 0; i < n; i++) { ids[i] = t[k++]; fit[i] = t[k++]; }
  const parts = [];
  for (let p = t[k++]; p > 0; p--) {
    const m = new Map();
    for (let c = t[k++]; c > 0; c--) { const id = t[k++] | 0; m.set(id, t[k++]); }
    parts.push(m);
  }
  const any = new Map();
  for (const m of parts) for (const [id, i] of m) if (!any.has(id)) any.set(id, i);
  const byType = new Map();
  for (let i = 0; i < n; i++) {
    if (fit[i] === NO_TYPE) continue;
    if (!byType.has(fit[i])) byType.set(fit[i], []);
    byType.get(fit[i]).push(i);
  }
  idTables = { n, ids, fit, parts, any, byType };
  return idTables;
}

// { parts (per schema: name -> index), any (name -> index, API first), nameOf (index -> name) }.
let nameTables = null;
export function names() {
  if (nameTables !== null) return nameTables;
  const parts = tlNameTables().split('\n').map((line) => {
    const m = new Map();
    const words = line === '' ? [] : line.split(' ');
    for (let k = 0; k < words.length; k += 2) m.set(words[k], Number(words[k + 1]));
    return m;
  });
  const any = new Map();
  const nameOf = new Map();
  for (const m of parts) {
    for (const [name, i] of m) {
      if (!any.has(name)) any.set(name, i);
      nameOf.set(i, name);
    }
  }
  nameTables = { parts, any, nameOf };
  return nameTables;
}

// A type code of a layout as a tree: { k, e (element), n (type or constructor index) }.
export function parseType(code) {
  let i = 0;
  const node = () => {
    const k = code[i++];
    if (k === 'V' || k === 'v') return { k, e: node() };
    if (k === 'T' || k === 'C') {
      const from = i;
      while (i < code.length && code[i] >= '0' && code[i] <= '9') i++;
      return { k, n: Number(code.slice(from, i)) };
    }
    return { k };
  };
  return node();
}

// The smallest encoding of one element of a type (min_size in codec.rs).
export const minSize = (node) => (node.k === 'l' || node.k === 'd' ? 8 : node.k === 'x' ? 16 : node.k === 'y' ? 32 : 4);

// Constructor index -> { name, part, params: [{ key, type, flags (a `#` field),
// cond: -1 | [F, bit] (flags.bit? of the `#` field at param index F, as the schema says),
// readCond: the same as the decoder counts it, null for never (F not a `#` field before
// this one among the first four) }] }.
export function layout(index) {
  const [name, part, ...tokens] = tlCtorLayout(index).split(' ');
  const params = tokens.map((tok) => {
    const [key, cond, code] = tok.split(':');
    const type = parseType(code);
    return { key, type, flags: type.k === '#', cond: cond === '-' ? -1 : cond.split('.').map(Number) };
  });
  const counted = params.map((p, j) => j).filter((j) => params[j].flags).slice(0, 4);
  params.forEach((p, j) => {
    p.readCond = p.cond === -1 ? -1 : counted.includes(p.cond[0]) && p.cond[0] < j ? p.cond : null;
  });
  return { name, part: Number(part), params };
}
