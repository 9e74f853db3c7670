// The randomized cross-check of the JavaScript TL writer (encodeTl, js/tl-writer.js) against
// the Rust encoder (tlEncode): random objects of random constructors of the whole schema
// (the generator of tl-reader-check.mjs), and mutants of them: fields removed, fields and
// `_` replaced by values of every kind (wrong types, numbers at the edges of int, long and
// the safe integers, bigints beyond 64 bits, bytes of the wrong length, arrays of
// non-bytes, Maps, Sets, Symbols, functions, lone surrogates, nesting around the depth
// limit). For every input both must give the same bytes or both must throw. Keys that are
// no field of the constructor get only values tlEncode can convert, and objects have no
// inherited properties: encodeTl does not look at the first and sees the second
// (js/tl-writer.js). No Node imports.
import { random, loadSchema, generator, Skip, hexOf, outcome } from './tl-reader-check.mjs';

// Values of every kind a field may be given.
function oddValues(schema, g) {
  const pick = () => schema.layout(g.pick(schema.constructors)).name;
  return [
    null, undefined, 0, -0, 1, -1, 255, 256, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32,
    2 ** 53 - 1, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1.5, NaN, Infinity, -Infinity, 1e300,
    0n, 5n, -5n, 255n, 256n, 2n ** 31n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 63n), -(2n ** 63n) - 1n,
    '', 'x', 'é', '\ud800 lone', 'x\udc00', 'a'.repeat(84), 'é'.repeat(84), '✓'.repeat(84), '✓'.repeat(85), '✓'.repeat(86),
    'a'.repeat(253), 'a'.repeat(254), 'é'.repeat(127), 'a'.repeat(100) + '✓', 'ü'.repeat(300),
    true, false, [], [1, 2, 3], [0, 255], [256], [-1], [1.5], [1n, 2n], [2n ** 63n], ['a'], [null], [[1]], [{ _: pick() }],
    new Uint8Array(0), new Uint8Array(3), new Uint8Array(16), new Uint8Array(32), new Uint8Array(300).fill(7),
    new Uint8Array(16).buffer, new Int8Array(4), new DataView(new ArrayBuffer(4)),
    {}, { _: pick() }, { _: pick() }, { _: 'no.suchThing' }, { _: 5 }, { _: null }, { _: undefined }, { _: '' },
    new Map([['_', pick()]]), new Map([[1, 2]]), new Set([1]), new Date(0), Symbol('s'), () => 1,
    { _: 'inputPeerEmpty' }, { _: 'peerUser', user_id: 1n }, { _: 'boolTrue' }, { _: 'help.getConfig' },
  ];
}

const clone = (v) => (Array.isArray(v) ? v.map(clone) : v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype
  ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) : v);

// Every plain object inside `o` that encodeTl reads, with the fields it reads there, for
// choosing what to mutate. A name resolves as in js/tl-writer.js (the enclosing object's
// schema part first, then API, service, end-to-end), so an end-to-end object whose name an
// API constructor also has is read with the API fields, and its other keys are not looked
// at: no odd value may go there. `fields` is null for an object without a name.
function objectsIn(o, schema, part = null, out = []) {
  if (Array.isArray(o)) o.forEach((x) => objectsIn(x, schema, part, out));
  else if (o !== null && typeof o === 'object' && Object.getPrototypeOf(o) === Object.prototype) {
    const r = typeof o._ === 'string' ? schema.resolve(o._, part) : null;
    out.push({ obj: o, fields: r && r.fields });
    for (const [k, x] of Object.entries(o)) if (!r || r.fields.has(k)) objectsIn(x, schema, r ? r.part : part, out);
  }
  return out;
}

function mutant(o, schema, g, odd) {
  const m = clone(o);
  const { obj: t, fields } = g.pick(objectsIn(m, schema));
  const keys = Object.keys(t);
  const read = fields ? keys.filter((k) => k === '_' || fields.has(k)) : keys;
  const r = g.int(7);
  if (r === 0 && keys.length) delete t[g.pick(keys)];
  else if (r <= 2 && read.length) t[g.pick(read)] = g.pick(odd);
  else if (r === 3) t._ = g.pick([schema.layout(g.pick(schema.constructors)).name, schema.layout(g.int(schema.n)).name, '', undefined]);
  else if (r === 4) {
    // a `#` field's value is ignored, but must be a value tlEncode can convert; on an object
    // without one, `flags` is no field and gets only such values
    const convertible = [0, 5, 'x', [1], { a: 1 }, null, 5n, { _: 'x', b: [2] }];
    t.flags = g.pick(fields?.has('flags') ? [...convertible, Symbol('f'), 2n ** 64n, { _: 5 }, [null], { a: () => 1 }] : convertible);
  }
  else if (r === 5) t.unknown_field = g.pick([1, 'x', [1, 2], { a: [true] }, null, 5n]);
  else {
    const k = g.pick(keys.filter((x) => x !== '_'));
    if (k !== undefined) t[k] = g.pick([[t[k]], { _: schema.layout(g.pick(schema.constructors)).name }, [], 1, true]);
  }
  return m;
}

export function crossCheckEncode({ wasm, encodeTl, syntheticMessages, seed = 1, objects = 300, perObject = 10 }) {
  const schema = loadSchema(wasm);
  // name -> constructor index, per schema part (API, service, end-to-end)
  const names = wasm.tlNameTables().split('\n').map((line) => {
    const m = new Map();
    const w = line.split(' ');
    for (let k = 0; k + 1 < w.length; k += 2) m.set(w[k], Number(w[k + 1]));
    return m;
  });
  schema.resolve = (name, first) => {
    const order = first === null ? [0, 1, 2] : [first, 0, 1, 2];
    for (const part of order) {
      const i = names[part]?.get(name);
      if (i !== undefined) return { part: Number(wasm.tlCtorLayout(i).split(' ')[1]), fields: new Set(schema.layout(i).params.map((p) => p.key)) };
    }
    return null;
  };
  const rnd = random(seed);
  const g = generator(schema, rnd);
  const odd = oddValues(schema, g);
  const stats = { inputs: 0, encoded: 0, rejected: 0 };
  const show = (v) => { try { return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `u8[${hexOf(x)}]` : typeof x === 'symbol' ? String(x) : x)); } catch { return String(v); } };
  const agree = (value, what) => {
    const a = outcome(() => encodeTl(value));
    const b = outcome(() => wasm.tlEncode(value));
    stats.inputs++;
    const where = () => `${what} (seed ${seed}): ${show(value)?.slice(0, 2000)}`;
    if (a.bad) throw new Error(`${where()}: ${a.error.message}`);
    if (a.ok !== b.ok) {
      throw new Error(`${where()}: encodeTl ${a.ok ? `gave ${hexOf(a.value)}` : `threw (${a.error.message})`}, `
        + `tlEncode ${b.ok ? `gave ${hexOf(b.value)}` : `threw (${b.error.message})`}`);
    }
    if (a.ok) {
      if (a.value.constructor !== Uint8Array || hexOf(a.value) !== hexOf(b.value)) {
        throw new Error(`${where()}: encodeTl gave ${hexOf(a.value)}, tlEncode ${hexOf(b.value)}`);
      }
      stats.encoded++;
    } else {
      stats.rejected++;
    }
  };

  for (const n of [0, 1, 3, 20]) agree(syntheticMessages(n, Math.max(1, n >> 1)), `syntheticMessages(${n})`);
  for (const v of [...odd, [true, false], [{ _: 'help.getConfig' }, [true]]]) agree(v, 'a top-level value');
  for (let made = 0, tries = 0; made < objects && tries < objects * 20; tries++) {
    let o;
    try { o = g.object(g.int(schema.n), 0); } catch (e) { if (e instanceof Skip) continue; throw e; }
    made++;
    agree(o, o._);
    for (let k = 0; k < perObject; k++) agree(mutant(o, schema, g, odd), `${o._}, mutant ${k}`);
  }
  // Each odd value in fields of each kind: strings, int128 / int256, a bare object (`_` may
  // be left out, else must name it), a bare object's fields, an Object field.
  const bytes16 = new Uint8Array(16);
  for (const x of odd) {
    agree({ _: 'nearestDc', country: x, this_dc: 1, nearest_dc: 2 }, 'a string field');
    agree({ _: 'req_pq_multi', nonce: x }, 'an int128 field');
    agree({ _: 'p_q_inner_data', pq: 'x', p: 'y', q: 'z', nonce: bytes16, server_nonce: bytes16, new_nonce: x }, 'an int256 field');
    agree({ _: 'future_salts', req_msg_id: 1n, now: 2, salts: [x] }, 'a bare object');
    agree({ _: 'future_salts', req_msg_id: 1n, now: 2, salts: [{ _: x, valid_since: 3, valid_until: 4, salt: 5n }] }, 'a bare object\'s _');
    agree({ _: 'future_salts', req_msg_id: 1n, now: x, salts: [{ valid_since: x, valid_until: 4, salt: x }] }, 'int and long fields');
    agree({ _: 'msg_container', messages: [{ _: 'message', msg_id: 1n, seqno: 1, bytes: 4, body: x }] }, 'an Object field');
    agree({ _: 'geoPoint', long: x, lat: 1, access_hash: 1n }, 'a double field');
    agree({ _: 'inputPeerUser', user_id: x, access_hash: x }, 'long fields');
    agree({ _: 'userProfilePhoto', flags: x, photo_id: 1n, dc_id: 2 }, 'a flags field');
    agree({ _: 'userProfilePhoto', flags: [x], photo_id: 1n, dc_id: 2 }, 'a flags field holding an array');
    agree({ _: 'userProfilePhoto', has_video: x, photo_id: 1n, stripped_thumb: x, dc_id: 2 }, 'a true field and a bytes field');
  }
  for (const salt of [new Map([['valid_since', 3], ['valid_until', 4], ['salt', 5n]]), new Set(), new Date(0), new Int8Array(2),
    { _: undefined, valid_since: 3, valid_until: 4, salt: 5n }]) {
    agree({ _: 'future_salts', req_msg_id: 1n, now: 2, salts: [salt] }, 'a bare object of another kind');
  }

  // Nesting around the depth limit: Object fields, untyped arrays, bare fields.
  for (let depth = 60; depth <= 68; depth++) {
    let q = { _: 'help.getConfig' };
    for (let i = 0; i < depth; i++) q = { _: 'invokeWithLayer', layer: 223, query: q };
    agree(q, `invokeWithLayer × ${depth}`);
    let a = [true];
    for (let i = 0; i < depth - 30; i++) a = [a];
    agree({ _: 'invokeWithLayer', layer: 1, query: a }, `arrays × ${depth - 30}`);
    let r = { _: 'users.getUsers', id: [] };
    for (let i = 0; i < depth; i++) r = { _: 'invokeWithLayer', layer: 223, query: r };
    agree(r, `invokeWithLayer × ${depth} over an empty Vector`);
    let s = { _: 'future_salts', req_msg_id: 1n, now: 2, salts: [{ valid_since: 3, valid_until: 4, salt: 5n }] };
    for (let i = 0; i < depth; i++) s = { _: 'invokeWithLayer', layer: 223, query: s };
    agree(s, `invokeWithLayer × ${depth} over a bare vector of bare objects`);
    let deepFlags = { _: 'help.getConfig', flags: 1 };
    let junk = 1;
    for (let i = 0; i < depth; i++) junk = { a: junk };
    deepFlags = { _: 'userProfilePhoto', photo_id: 1n, dc_id: 2, flags: junk };
    agree(deepFlags, `a flags field holding objects × ${depth}`);
  }
  return stats;
}
