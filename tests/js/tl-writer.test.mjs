// The JavaScript TL writer (js/tl-writer.js) against the Rust encoder, randomized
// (tests/js/tl-writer-check.mjs): compiled writers in this process, interpreted writers in a
// Node that refuses code generation from strings, through the CommonJS copy in pkg-node/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crossCheckEncode } from './tl-writer-check.mjs';
import { runWithoutCodegen } from './no-codegen.mjs';
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
  const check = JSON.stringify(new URL('./tl-writer-check.mjs', import.meta.url).href);
  const out = runWithoutCodegen(`
    const { crossCheckEncode } = await import(${check});
    return crossCheckEncode({ wasm, encodeTl: client.encodeTl, syntheticMessages, seed: ${seed},
      objects: 200, perObject: 10 });`);
  assert.equal(out.compiled, false);
  assert.ok(out.result.encoded > 800 && out.result.rejected > 1500, JSON.stringify(out.result));
});

test('what decodeTl gives encodes back to the same bytes; a big answer grows the buffer', () => {
  const bytes = wasm.tlEncode(syntheticMessages(1000, 500));
  assert.deepEqual(encodeTl(decodeTl(bytes)), bytes);
  assert.deepEqual(encodeTl({ _: 'help.getNearestDc' }), wasm.tlEncode({ _: 'help.getNearestDc' }));
  assert.throws(() => encodeTl({ _: 'messages.sendMessage', message: 'x', random_id: 1n }), /peer/);
  assert.throws(() => encodeTl(undefined), /null/);
});
