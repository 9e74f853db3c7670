// The npm package as a consumer gets it: `npm pack` of pkg/, the tarball installed (without
// saving) into tests/consumer/, a Vite 7 build of that app, served by the real test DC, and
// run in headless Chromium: the page and a Web Worker each load the wasm, connect to the
// DC and call help.getNearestDc. Vite comes from the root devDependencies (VITE_BIN
// overrides the path). Every process started here is stopped in after(), even on failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = join(root, 'tests/consumer');
const vite = process.env.VITE_BIN ?? join(root, 'node_modules/.bin/vite');
const chromiumArgs = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run'];

let dc, browser, packDir;

function startTestDc() {
  execFileSync('cargo', ['build', '--quiet', '-p', 'mtproto-testdc'], { cwd: root, stdio: 'inherit' });
  const proc = spawn(join(root, 'target/debug/testdc'),
    ['--port', '0', '--fixed-key', '--quiet', '--www', join(app, 'dist'), '--pkg', join(root, 'pkg')],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`testdc exited (${code}): ${out}`)));
  });
  return { proc, url };
}

before(async () => {
  assert.ok(existsSync(join(root, 'pkg/package.json')), 'pkg/ is built (scripts/build.sh)');
  assert.ok(existsSync(vite), `vite is installed (${vite}; npm ci)`);
  packDir = mkdtempSync(join(tmpdir(), 'mtproto-pack-'));
  execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: join(root, 'pkg'), stdio: 'pipe' });
  const [tgz] = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  assert.ok(tgz, 'npm pack produced a tarball');
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', join(packDir, tgz)],
    { cwd: app, stdio: 'pipe' });
  execFileSync(vite, ['build', '--logLevel', 'warn'], { cwd: app, stdio: 'inherit' });
  dc = startTestDc();
  dc.url = await dc.url;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: chromiumArgs });
});

after(async () => {
  await browser?.close().catch(() => {});
  dc?.proc.kill();
  if (packDir) rmSync(packDir, { recursive: true, force: true });
});
process.on('exit', () => dc?.proc.kill());

test('the installed tarball ships every file of package.json "files"', async () => {
  const manifest = (await import(join(app, 'node_modules/mtproto-wasm/package.json'), { with: { type: 'json' } })).default;
  for (const f of manifest.files) assert.ok(existsSync(join(app, 'node_modules/mtproto-wasm', f)), f);
  assert.equal(manifest.type, 'module');
});

test('a Vite-built page and its Web Worker load the wasm, connect and call help.getNearestDc', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${dc.url}/`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.error, undefined, result.error);
  for (const where of ['page', 'worker']) {
    assert.equal(result[where]._, 'nearestDc', where);
    assert.equal(result[where].country, 'XX', where);
    assert.equal(result[where].this_dc, 2, where);
    assert.match(result[where].authKeyId, /^-?\d+$/, where);
  }
  assert.notEqual(result.page.authKeyId, result.worker.authKeyId, 'two connections, two keys');
  assert.deepEqual(errors, []);
  await page.close();
});
