// The randomized cross-check of the JavaScript TL reader (decodeTl / decodeTlResult,
// js/tl-reader.js) against the Rust decoder (tlDecode / tlDecodeResult): random objects of
// random constructors of the whole schema (built from the wasm's own layouts, encoded by
// tlEncode), some inside gzip_packed, deep nesting around the depth limit, and thousands of
// mutants of them (truncated, bytes and words overwritten with ids and counts, words
// inserted and removed). For every input both must give the same value (decodeTl keeps unset
// optional fields as undefined keys; tlDecode leaves them out) or both must throw. Used by
// tests/js/tl-reader.test.mjs in this process (compiled readers) and in a Node that refuses
// code generation (interpreted readers), and by tests/js/tl-page.mjs in headless Chromium.
// No Node imports.

const VECTOR_ID = 0x1cb5c415;
const BOOL_TRUE_ID = 0x997275b5;
const BOOL_FALSE_ID = 0xbc799737;
const GZIP_PACKED_ID = 0x3072cfa1;

// mulberry32: a small seeded generator, so a failure can be replayed from its seed.
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The schema as the wasm describes it to the reader (format in src/tl/layout.rs).
export function loadSchema(wasm) {
  const t = wasm.tlReaderTables();
  const n = t[0];
  const ids = [];
  const byType = new Map();
  const constructors = [];
  for (let i = 0; i < n; i++) {
    ids.push(t[1 + 2 * i]);
    const fit = t[2 + 2 * i];
    if (fit === 0xffffffff) continue;
    constructors.push(i);
    if (!byType.has(fit)) byType.set(fit, []);
    byType.get(fit).push(i);
  }
  const layouts = new Map();
  const layout = (i) => {
    if (!layouts.has(i)) {
      const [name, , ...tokens] = wasm.tlCtorLayout(i).split(' ');
      layouts.set(i, { name, params: tokens.map((tok) => { const [key, cond, type] = tok.split(':'); return { key, cond, type }; }) });
    }
    return layouts.get(i);
  };
  return { n, ids, byType, constructors, layout };
}

export class Skip extends Error {}

// Random values in our JS convention for a layout type code (`code` from position `at`).
export function generator(schema, rnd) {
  const int = (k) => Math.floor(rnd() * k);
  const pick = (xs) => xs[int(xs.length)];
  const bytes = (n) => Uint8Array.from({ length: n }, () => int(256));
  const words = ['a', 'hello', 'Ünïcødé', '✓ done', 'emoji 😀', '', 'x'.repeat(300), 'mixed é and ascii text that is rather long'];
  const string = () => {
    const r = rnd();
    if (r < 0.5) return Array.from({ length: int(80) }, () => String.fromCharCode(32 + int(95))).join('');
    if (r < 0.8) return pick(words);
    if (r < 0.9) return bytes(int(40)); // a string field given raw bytes: often not UTF-8
    return new TextEncoder().encode(pick(words)).subarray(0, int(12)); // cut UTF-8
  };
  const number = () => pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), int(1e6), -int(1e9)]);
  const long = () => pick([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(int(2 ** 32)) * BigInt(int(2 ** 31)) - 7n]);
  const double = () => pick([0, -0, 0.5, -1e300, 3.14159, NaN, Infinity, int(1e6)]);

  // A constructor's fields; deep down, optional fields stay unset so the objects end.
  function object(index, depth) {
    if (depth > 7) throw new Skip();
    const { name, params } = schema.layout(index);
    const o = { _: name };
    for (const p of params) {
      if (p.type === '#') continue;
      if (p.cond !== '-') {
        if (p.type === 't') { o[p.key] = rnd() < 0.5; continue; }
        if (depth > 3 || rnd() < 0.5) continue;
      }
      o[p.key] = value(p.type, 0, depth).v;
    }
    return o;
  }

  // The constructor of boxed type t to build, the simplest ones deep down.
  function ofType(t, depth) {
    const cs = schema.byType.get(t);
    if (!cs) throw new Skip();
    if (depth < 3) return pick(cs);
    const weight = (c) => schema.layout(c).params.filter((p) => p.cond === '-' && /^[TCVvo]/.test(p.type)).length;
    return cs.reduce((a, b) => (weight(b) < weight(a) ? b : a));
  }

  function value(code, at, depth) {
    const k = code[at];
    switch (k) {
      case 'i': case '#': return { v: number(), at: at + 1 };
      case 'l': return { v: long(), at: at + 1 };
      case 'd': return { v: double(), at: at + 1 };
      case 's': return { v: string(), at: at + 1 };
      case 'b': return { v: bytes(int(300)), at: at + 1 };
      case 'x': return { v: bytes(16), at: at + 1 };
      case 'y': return { v: bytes(32), at: at + 1 };
      case 't': return { v: true, at: at + 1 };
      case 'B': return { v: rnd() < 0.5, at: at + 1 };
      case 'o': return { v: object(depth > 2 ? schema.constructors[0] : pick(schema.constructors), depth + 1), at: at + 1 };
      case 'T': case 'C': {
        const m = /^\d+/.exec(code.slice(at + 1));
        const n = Number(m[0]);
        return { v: object(k === 'T' ? ofType(n, depth) : n, depth + 1), at: at + 1 + m[0].length };
      }
      case 'V': case 'v': {
        const len = depth > 3 ? 0 : int(4);
        let next = at + 1;
        const a = [];
        for (let i = 0; i < len; i++) { const e = value(code, at + 1, depth + 1); a.push(e.v); next = e.at; }
        if (len === 0) next = skipType(code, at + 1);
        return { v: a, at: next };
      }
      default: throw new Skip();
    }
  }
  const skipType = (code, at) => (code[at] === 'V' || code[at] === 'v' ? skipType(code, at + 1)
    : code[at] === 'T' || code[at] === 'C' ? at + 1 + /^\d+/.exec(code.slice(at + 1))[0].length : at + 1);

  return { object, value, int, pick, bytes, ofType };
}

// --- Byte helpers ---------------------------------------------------------------------------
const u32le = (x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
const concat = (...parts) => Uint8Array.from(parts.flatMap((p) => [...p]));
function tlBytes(b) {
  const head = b.length < 254 ? [b.length] : [254, b.length & 0xff, (b.length >> 8) & 0xff, b.length >> 16];
  const out = [...head, ...b];
  while (out.length % 4) out.push(0);
  return out;
}
const gzipPacked = (gzip, inner) => concat(u32le(GZIP_PACKED_ID), tlBytes(gzip(inner)));
export const hexOf = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function indexOf(hay, needle) {
  outer: for (let i = 0; i + needle.length <= hay.length; i += 4) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// Mutants of valid bytes: what a hostile or broken peer could send.
function mutants(bytes, g, schema, count) {
  const out = [];
  const aligned = () => 4 * g.int(Math.max(1, bytes.length >> 2));
  const specials = [VECTOR_ID, BOOL_TRUE_ID, BOOL_FALSE_ID, GZIP_PACKED_ID, 0, 1, 2, 3, 0x7fffffff, 0xffffffff, 0x40000000, 64, 1000];
  for (let k = 0; k < count; k++) {
    const b = Uint8Array.from(bytes);
    const r = g.int(8);
    if (r === 0) { out.push(b.subarray(0, g.int(b.length))); continue; }
    if (r === 1 && b.length) { b[g.int(b.length)] ^= 1 << g.int(8); out.push(b); continue; }
    if (r === 2 && b.length) { b[g.int(b.length)] = g.pick([g.int(256), 0xfe, 0xff, 0xfd]); out.push(b); continue; }
    if (r === 3 && b.length >= 4) { b.set(u32le(g.pick(specials)), aligned()); out.push(b); continue; }
    if (r === 4 && b.length >= 4) { b.set(u32le(schema.ids[g.int(schema.n)]), aligned()); out.push(b); continue; }
    if (r === 5) { const at = aligned(); out.push(concat(b.subarray(0, at), u32le(g.pick(specials)), b.subarray(at))); continue; }
    if (r === 6 && b.length >= 4) { const at = aligned(); out.push(concat(b.subarray(0, at), b.subarray(at + 4))); continue; }
    out.push(concat(b, g.bytes(g.int(2) * 4 + g.int(4))));
  }
  return out;
}

// --- Comparing -------------------------------------------------------------------------------
// decodeTl's value against tlDecode's: equal, with undefined keys of the first left out and
// the other keys in the same order.
function same(a, b, path = '') {
  const fail = (why) => { throw new Error(`${path || 'value'}: ${why}`); };
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.constructor !== Uint8Array) fail('not both Uint8Array');
    if (hexOf(a) !== hexOf(b)) fail(`bytes ${hexOf(a)} != ${hexOf(b)}`);
    return;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) fail('arrays differ');
    a.forEach((x, i) => same(x, b[i], `${path}[${i}]`));
    return;
  }
  if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object') fail('object vs not');
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b);
    if (ka.join() !== kb.join()) fail(`keys ${ka} != ${kb}`);
    for (const k of ka) same(a[k], b[k], `${path}.${k}`);
    return;
  }
  if (!Object.is(a, b)) fail(`${String(a)} != ${String(b)}`);
}

export function outcome(fn) {
  try { return { ok: true, value: fn() }; } catch (e) {
    if (!(e instanceof Error)) return { ok: false, error: new Error(`threw a non-Error: ${e}`), bad: true };
    return { ok: false, error: e };
  }
}

// Runs the check; returns counts; throws on the first disagreement, with the bytes.
export function crossCheck({ wasm, decodeTl, decodeTlResult, gzip, syntheticMessages, seed = 1, objects = 300, perObject = 10 }) {
  const schema = loadSchema(wasm);
  const rnd = random(seed);
  const g = generator(schema, rnd);
  const stats = { inputs: 0, decoded: 0, rejected: 0 };
  const idOf = (name) => schema.ids[[...Array(schema.n).keys()].find((i) => schema.layout(i).name === name)];

  const agree = (bytes, ours, theirs, what) => {
    const a = outcome(ours);
    const b = outcome(theirs);
    stats.inputs++;
    const where = () => `${what} (seed ${seed}), bytes ${hexOf(bytes)}`;
    if (a.bad) throw new Error(`${where()}: ${a.error.message}`);
    if (a.ok !== b.ok) {
      throw new Error(`${where()}: the JS reader ${a.ok ? 'accepted' : `rejected (${a.error.message})`}, `
        + `the Rust decoder ${b.ok ? 'accepted' : `rejected (${b.error.message})`}`);
    }
    if (a.ok) {
      try { same(a.value, b.value); } catch (e) { throw new Error(`${where()}: ${e.message}`); }
      stats.decoded++;
    } else {
      stats.rejected++;
    }
  };
  const boxed = (bytes, what) => agree(bytes, () => decodeTl(bytes), () => wasm.tlDecode(bytes), what);
  const result = (method, bytes, what) => agree(bytes, () => decodeTlResult(method, bytes),
    () => wasm.tlDecodeResult(method, bytes), `${what} as the result of ${method}`);

  const valid = [];
  for (const n of [0, 1, 3, 20]) valid.push([`syntheticMessages(${n})`, wasm.tlEncode(syntheticMessages(n, Math.max(1, n >> 1)))]);
  // Random objects of random constructors and functions.
  for (let made = 0, tries = 0; made < objects && tries < objects * 20; tries++) {
    const index = g.int(schema.n);
    let o;
    let bytes;
    try { o = g.object(index, 0); bytes = wasm.tlEncode(o); } catch { continue; }
    made++;
    valid.push([o._, bytes]);
    // The same inside gzip_packed, at the top and in place of a field's object.
    if (rnd() < 0.1) valid.push([`gzip_packed ${o._}`, gzipPacked(gzip, bytes)]);
    if (rnd() < 0.02) valid.push([`gzip_packed ${o._} and 4 more bytes inside`, gzipPacked(gzip, concat(bytes, [0, 0, 0, 0]))]);
    const inner = Object.values(o).find((v) => v !== null && typeof v === 'object' && typeof v._ === 'string');
    if (inner && rnd() < 0.5) {
      let sub;
      try { sub = wasm.tlEncode(inner); } catch { continue; }
      const at = indexOf(bytes, sub);
      if (at > 0) valid.push([`${o._} with a gzip_packed ${inner._}`, concat(bytes.subarray(0, at), gzipPacked(gzip, sub), bytes.subarray(at + sub.length))]);
    }
  }
  for (const [what, bytes] of valid) {
    boxed(bytes, what);
    mutants(bytes, g, schema, perObject).forEach((m, k) => boxed(m, `${what}, mutant ${k}`));
  }

  // Method results, as the method declares them (Vector<long>, Vector<T>, boxed types).
  const methods = [];
  for (let i = 0; i < schema.n; i++) {
    const name = schema.layout(i).name;
    let code;
    try { code = wasm.tlResultLayout(name).split(' ')[1]; } catch { continue; }
    if (/^(T\d+|VT\d+|Vl|Vi|VB|Vs|o)$/.test(code)) methods.push([name, code]);
  }
  for (let k = 0; k < objects; k++) {
    const [method, code] = g.pick(methods);
    let bytes;
    try {
      if (code === 'o') bytes = wasm.tlEncode(g.object(g.pick(schema.constructors), 1));
      else if (code[0] === 'T') bytes = wasm.tlEncode(g.object(g.ofType(Number(code.slice(1)), 1), 1));
      else {
        const items = Array.from({ length: g.int(4) }, () => g.value(code, 1, 1).v);
        const encode = (x) => (code[1] === 'T' ? [...wasm.tlEncode(x)]
          : code[1] === 'l' ? [...new Uint8Array(BigInt64Array.of(x).buffer)]
            : code[1] === 'i' ? u32le(x) : code[1] === 'B' ? u32le(x ? BOOL_TRUE_ID : BOOL_FALSE_ID)
              : tlBytes(typeof x === 'string' ? new TextEncoder().encode(x) : x));
        bytes = concat(u32le(VECTOR_ID), u32le(items.length), ...items.map(encode));
      }
    } catch {
      continue; // no value of that type could be built, or tlEncode refused it
    }
    const all = [bytes, gzipPacked(gzip, bytes), gzipPacked(gzip, concat(bytes, [1, 2, 3, 4])),
      concat(gzipPacked(gzip, bytes), [0, 0, 0, 0]), ...mutants(bytes, g, schema, perObject)];
    all.forEach((b, i) => result(method, b, `result ${k}.${i}`));
    boxed(bytes, `result ${k} as a boxed value`);
  }
  result('no.suchMethod', Uint8Array.of(0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0), 'an unknown method');

  // Lengths: 0xfe with 3 length bytes, 0xff (reserved: an error even with the bytes there).
  for (const head of [[0xfd], [0xfe, 0xfd, 0, 0], [0xfe, 0, 1, 0], [0xfe, 0xff, 0, 0], [0xff], [0xff, 0, 1, 0], [0xfe, 1, 0, 0]]) {
    for (const more of [0, 3, 255, 256, 260]) {
      boxed(concat(u32le(idOf('nearestDc')), head, new Uint8Array(more).fill(0x41), u32le(1), u32le(2)), `a string with the header ${head} and ${more} bytes`);
    }
  }

  // Strings near the edges of UTF-8: well-formed sequences of each length around one that
  // is not (overlong forms, surrogates, above U+10FFFF, lone or missing continuation bytes),
  // short, after 70 ASCII bytes, and longer than 256 bytes (with and without a BOM).
  const cont = () => g.pick([0x80, 0xbf, 0x80 + g.int(64)]);
  const range = (lo, hi) => g.pick([lo, hi, lo + g.int(hi - lo + 1)]);
  const good = [() => [g.int(128)], () => [range(0xc2, 0xdf), cont()], () => [0xe0, range(0xa0, 0xbf), cont()],
    () => [range(0xe1, 0xec), cont(), cont()], () => [0xed, range(0x80, 0x9f), cont()], () => [range(0xee, 0xef), cont(), cont()],
    () => [0xf0, range(0x90, 0xbf), cont(), cont()], () => [range(0xf1, 0xf3), cont(), cont(), cont()],
    () => [0xf4, range(0x80, 0x8f), cont(), cont()]];
  const bad = [() => [range(0xc0, 0xc1), cont()], () => [0xe0, range(0x80, 0x9f), cont()], () => [0xed, range(0xa0, 0xbf), cont()],
    () => [0xf0, range(0x80, 0x8f), cont(), cont()], () => [0xf4, range(0x90, 0xbf), cont(), cont()], () => [range(0xf5, 0xff)],
    () => [cont()], () => g.pick(good)().slice(0, -1), () => [range(0xc2, 0xf4), g.int(128)]];
  const utf8 = new TextEncoder();
  const prefixes = [[], utf8.encode('a'.repeat(70)), utf8.encode('é'.repeat(130)), utf8.encode('\ufeffé'), utf8.encode('\ufeff' + 'é'.repeat(130))];
  for (let k = 0; k < objects * 8; k++) {
    const pieces = Array.from({ length: g.int(4) }, () => g.pick(good)());
    if (rnd() < 0.7) pieces.splice(g.int(pieces.length + 1), 0, g.pick(bad)());
    const country = concat(g.pick(prefixes), ...pieces);
    boxed(wasm.tlEncode({ _: 'nearestDc', country, this_dc: 1, nearest_dc: 2 }), `a string of bytes ${hexOf(country)}`);
  }

  // Nesting around the depth limit: invokeWithLayer in invokeWithLayer (Object fields) over
  // queries with a Vector (empty or not), a bare vector of bare objects, a boxed field; Vector in Vector
  // (untyped); gzip_packed in gzip_packed.
  const bottoms = [
    wasm.tlEncode({ _: 'help.getConfig' }),
    wasm.tlEncode({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }),
    wasm.tlEncode({ _: 'users.getUsers', id: [] }),
    wasm.tlEncode({ _: 'future_salts', req_msg_id: 1n, now: 2, salts: [{ _: 'future_salt', valid_since: 3, valid_until: 4, salt: 5n }] }),
    wasm.tlEncode({ _: 'msg_container', messages: [{ _: 'message', msg_id: 1n, seqno: 1, bytes: 4, body: true }] }),
    wasm.tlEncode({ _: 'help.getAppUpdate', source: 'x' }),
    wasm.tlEncode({ _: 'account.getNotifySettings', peer: { _: 'inputNotifyUsers' } }),
  ];
  for (let depth = 55; depth <= 70; depth++) {
    const layers = Array.from({ length: depth }, () => [...u32le(idOf('invokeWithLayer')), ...u32le(223)]).flat();
    for (const bottom of bottoms) boxed(concat(layers, bottom), `invokeWithLayer × ${depth} over ${hexOf(bottom)}`);
    // gzip_packed counts one deeper, where any value stands and where a boxed type does
    boxed(concat(layers, gzipPacked(gzip, bottoms[0])), `invokeWithLayer × ${depth} over a gzip_packed`);
    boxed(concat(layers, u32le(idOf('account.getNotifySettings')), gzipPacked(gzip, wasm.tlEncode({ _: 'inputNotifyUsers' }))),
      `invokeWithLayer × ${depth} over a gzip_packed field`);
    // each untyped Vector counts twice (the Vector, then its element)
    const vectors = Array.from({ length: depth - 25 }, () => [...u32le(VECTOR_ID), ...u32le(1)]).flat();
    boxed(concat(vectors, u32le(BOOL_TRUE_ID)), `Vector × ${depth - 25}`);
    boxed(concat(vectors, u32le(VECTOR_ID), u32le(0)), `Vector × ${depth - 25} over an empty one`);
    boxed(concat(u32le(VECTOR_ID), u32le(2), layers, bottoms[1], layers, bottoms[2]), `Vector of 2 × invokeWithLayer × ${depth}`);
  }
  let nested = Uint8Array.from(u32le(BOOL_TRUE_ID));
  for (let i = 0; i < 8; i++) {
    nested = gzipPacked(gzip, nested);
    boxed(nested, `gzip_packed × ${i + 1}`);
  }
  return stats;
}
