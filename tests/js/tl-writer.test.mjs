// The JavaScript TL writer (js/tl-writer.js) against the Rust encoder, randomized
// (tests/js/tl-writer-check.mjs): compiled writers in this process, interpreted writers in a
// Node that refuses code generation from strings, through the CommonJS copy in pkg-node/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { crossCheckEncode } from './tl-writer-check.mjs';
import { syntheticMessages } from '../../bench/lib/tl-sample.mjs';

const wasm = await import('../../pkg/mtproto_wasm.js');
wasm.initSync({ module: readFileSync(new URL('../../pkg/mtproto_wasm_bg.wasm', import.meta.url)) });
const { encodeTl, decodeTl } = await import('../../pkg/client.js');

test('compiled writers: the same bytes as tlEncode, or both throw (random objects and mutants)', () => {
  const seed = Number(process.env.TL_SEED ?? Date.now() % 1e9);
  const stats = crossCheckEncode({ wasm, encodeTl, syntheticMessages, seed, objects: 400, perObject: 10 });
  assert.ok(stats.encoded > 1500 && stats.rejected > 2000, JSON.stringify(stats));
});

test('interpreted writers (no code generation): the same bytes as tlEncode, or both throw', () => {
  const seed = Number(process.env.TL_SEED ?? Date.now() % 1e9) + 1;
  const script = `
    const { createRequire } = await import('node:module');
    const require = createRequire(${JSON.stringify(new URL('../../', import.meta.url).pathname)});
    let compiled = true; try { new Function('return 1'); } catch { compiled = false; }
    const wasm = require('./pkg-node/mtproto_wasm.js');
    const { encodeTl } = require('./pkg-node/client.cjs');
    const { crossCheckEncode } = await import(${JSON.stringify(new URL('./tl-writer-check.mjs', import.meta.url).href)});
    const { syntheticMessages } = await import(${JSON.stringify(new URL('../../bench/lib/tl-sample.mjs', import.meta.url).href)});
    const stats = crossCheckEncode({ wasm, encodeTl, syntheticMessages, seed: ${seed}, objects: 200, perObject: 10 });
    process.stdout.write(JSON.stringify({ compiled, stats }));`;
  const out = JSON.parse(execFileSync(process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script]).toString());
  assert.equal(out.compiled, false);
  assert.ok(out.stats.encoded > 800 && out.stats.rejected > 1500, JSON.stringify(out.stats));
});

test('what decodeTl gives encodes back to the same bytes; a big answer grows the buffer', () => {
  const bytes = wasm.tlEncode(syntheticMessages(1000, 500));
  assert.deepEqual(encodeTl(decodeTl(bytes)), bytes);
  assert.deepEqual(encodeTl({ _: 'help.getNearestDc' }), wasm.tlEncode({ _: 'help.getNearestDc' }));
  assert.throws(() => encodeTl({ _: 'messages.sendMessage', message: 'x', random_id: 1n }), /peer/);
  assert.throws(() => encodeTl(undefined), /null/);
});
