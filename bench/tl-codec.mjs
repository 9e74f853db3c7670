// The JavaScript TL reader and writer (decodeTl / encodeTl: js/tl-reader.js, js/tl-writer.js)
// against @mtcute/core's generated reader and writer on the messages.messages answers of
// bench/run.mjs (bench/lib/tl-sample.mjs): median µs per call, and tlEncode (the Rust codec) for
// reference. Needs pkg/ built (scripts/build.sh). `node bench/tl-codec.mjs [rounds]`; add
// --disallow-code-generation-from-strings before the script for the interpreted readers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { makeMeasure } from './lib/measure.mjs';
import { syntheticMessages } from './lib/tl-sample.mjs';

const require = createRequire(import.meta.url);
const ours = await import('../pkg/mtproto_wasm.js');
ours.initSync({ module: readFileSync(new URL('../pkg/mtproto_wasm_bg.wasm', import.meta.url)) });
const { decodeTl, encodeTl } = await import('../pkg/client.js');
const { TlBinaryReader, TlBinaryWriter } = await import('@mtcute/tl-runtime');
const { __tlReaderMap } = require('@mtcute/tl/binary/reader.js');
const { __tlWriterMap } = require('@mtcute/tl/binary/writer.js');

const measure = makeMeasure(false);
const rounds = Number(process.argv[2] ?? 3);
const big = (_, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? [...x] : x);
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const us = (fn) => med(Array.from({ length: rounds }, () => measure(fn) * 1e6));
const line = (what, a, b) => console.log(`${what}: ours ${a.toFixed(2)} µs, mtcute ${b.toFixed(2)} µs, ratio ${(b / a).toFixed(2)}x`);
for (const n of [1, 10, 100, 1000]) {
  const obj = syntheticMessages(n, Math.max(1, n >> 1));
  const bytes = ours.tlEncode(obj);
  if (JSON.stringify(decodeTl(bytes), big) !== JSON.stringify(ours.tlDecode(bytes), big)) throw new Error('decodeTl differs from tlDecode');
  if (Buffer.compare(Buffer.from(encodeTl(obj)), Buffer.from(bytes)) !== 0) throw new Error('encodeTl differs from tlEncode');
  const theirObj = TlBinaryReader.deserializeObject(__tlReaderMap, bytes);
  const label = `${String(n).padStart(4)} messages (${bytes.length} bytes)`;
  line(`${label} decode`, us(() => decodeTl(bytes)), us(() => TlBinaryReader.deserializeObject(__tlReaderMap, bytes)));
  line(`${label} encode`, us(() => encodeTl(obj)), us(() => TlBinaryWriter.serializeObject(__tlWriterMap, theirObj)));
  if (n === 100) console.log(`${label} encode with tlEncode (the Rust codec): ${us(() => ours.tlEncode(obj)).toFixed(2)} µs`);
}
