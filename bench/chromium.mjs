// mtproto-wasm benchmark in headless Chromium: the rows of bench/run.mjs that have a peer
// loadable in a page (bench/browser/), our release wasm (pkg/) and the peers in one page.
// Prints medians and speed ratios (peer time / our time: above 1 means we are faster) and
// writes bench/out/results-chromium.json.
//
//   node bench/chromium.mjs [--quick] [--readme]   (--readme: also replace README's Chromium table)
//
// Needs a release build (scripts/build.sh --release) and Debian's /usr/bin/chromium.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { chromium } from 'playwright-core';
import { serveRoot } from './lib/serve.mjs';
import { tableLines } from './lib/table.mjs';

const quick = process.argv.includes('--quick');
for (const f of ['mtproto_wasm_bg.wasm', 'mtproto_wasm_bg.nosimd.wasm', 'client.js', 'loader.js']) {
  if (!existsSync(new URL(`../pkg/${f}`, import.meta.url))) throw new Error(`pkg/${f} is missing: run scripts/build.sh --release first`);
}

const server = await serveRoot();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const version = browser.version();
let result;
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  tab.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  tab.on('console', (m) => {
    if (m.text().startsWith('[bench]')) console.log(m.text());
    else if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  await tab.goto(`${server.url}/bench/browser/index.html`);
  await tab.waitForFunction(() => typeof window.runBench === 'function', null, { timeout: 30_000 })
    .catch((e) => { throw new Error(`the page did not load: ${errors.join('; ') || e.message}`); });
  result = await tab.evaluate((q) => window.runBench({ quick: q }), quick);
  if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}

const { rows, notes, skipped, info } = result;
const machine = `${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), headless Chromium ${version}`;
const lines = [];
lines.push(`Machine: ${machine}${quick ? ' (quick run)' : ''}; ${new Date().toISOString().slice(0, 10)}.`);
lines.push(`One page (main thread, ${info.crossOriginIsolated ? 'cross-origin isolated: 5 µs timer' : 'not isolated: 100 µs timer'}); `
  + `our build: ${info.simd ? 'SIMD (pkg/mtproto_wasm_bg.wasm)' : 'no SIMD'}, @mtcute/wasm: ${info.mtcuteBuild}. Medians; speed = peer time / our time (above 1: we are faster).`, '');
lines.push(...tableLines(rows));
if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
if (skipped.length) lines.push('', 'Not run in Chromium:', ...skipped.map((s) => `- ${s}`));
console.log('\n' + lines.join('\n'));

if (process.argv.includes('--readme')) {
  const readmePath = new URL('../README.md', import.meta.url);
  const readme = readFileSync(readmePath, 'utf8');
  const start = '<!-- bench-chromium:start -->', end = '<!-- bench-chromium:end -->';
  const a = readme.indexOf(start), b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README has no bench-chromium markers');
  writeFileSync(readmePath, readme.slice(0, a + start.length) + '\n' + lines.join('\n') + '\n' + readme.slice(b));
  console.log('README.md Chromium table updated');
}
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/results-chromium.json', import.meta.url), JSON.stringify({ machine, quick, info, rows, notes, skipped }, null, 1));
