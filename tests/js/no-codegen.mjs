// Runs a test body in a Node that refuses code generation from strings (as a page whose
// Content-Security-Policy has no 'unsafe-eval'), against the CommonJS build in pkg-node/.
// `body` is the text of an async function body that sees `wasm` (pkg-node's module),
// `client` (pkg-node/client.cjs) and `syntheticMessages`, and returns something JSON can
// carry; the answer is `{ compiled, result }`, `compiled` telling whether `new Function`
// still worked there.
import { execFileSync } from 'node:child_process';

const root = new URL('../../', import.meta.url).pathname;
const sample = new URL('../../bench/lib/tl-sample.mjs', import.meta.url).href;

export function runWithoutCodegen(body) {
  const script = `
    const { createRequire } = await import('node:module');
    const require = createRequire(${JSON.stringify(root)});
    let compiled = true; try { new Function('return 1'); } catch { compiled = false; }
    const wasm = require('./pkg-node/mtproto_wasm.js');
    const client = require('./pkg-node/client.cjs');
    const { syntheticMessages } = await import(${JSON.stringify(sample)});
    const result = await (async () => { ${body} })();
    process.stdout.write(JSON.stringify({ compiled, result }));`;
  return JSON.parse(execFileSync(process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script]).toString());
}
