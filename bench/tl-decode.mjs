// decodeTl (the JS TL reader, js/tl-reader.js) against @mtcute/core's generated reader on the
// messages.messages answers of bench/run.mjs (bench/lib/tl-sample.mjs): median µs per decode.
// Needs pkg/ built (scripts/build.sh). `node bench/tl-decode.mjs [rounds]`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { makeMeasure } from './lib/measure.mjs';
import { syntheticMessages } from './lib/tl-sample.mjs';

const require = createRequire(import.meta.url);
const ours = await import('../pkg/mtproto_wasm.js');
ours.initSync({ module: readFileSync(new URL('../pkg/mtproto_wasm_bg.wasm', import.meta.url)) });
const { decodeTl } = await import('../pkg/client.js');
const { TlBinaryReader } = await import('@mtcute/tl-runtime');
const { __tlReaderMap } = require('@mtcute/tl/binary/reader.js');

const measure = makeMeasure(false);
const rounds = Number(process.argv[2] ?? 3);
const big = (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x);
for (const n of [1, 10, 100, 1000]) {
  const bytes = ours.tlEncode(syntheticMessages(n, Math.max(1, n >> 1)));
  if (JSON.stringify(decodeTl(bytes), big) !== JSON.stringify(ours.tlDecode(bytes), big)) throw new Error('decodeTl differs from tlDecode');
  const us = [], them = [];
  for (let r = 0; r < rounds; r++) {
    us.push(measure(() => decodeTl(bytes)) * 1e6);
    them.push(measure(() => TlBinaryReader.deserializeObject(__tlReaderMap, bytes)) * 1e6);
  }
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const [a, b] = [med(us), med(them)];
  console.log(`${String(n).padStart(4)} messages (${bytes.length} bytes): decodeTl ${a.toFixed(2)} µs, mtcute ${b.toFixed(2)} µs, ratio ${(b / a).toFixed(2)}x`);
}
