// The JavaScript TL reader and writer against the Rust codec in headless Chromium, on the
// web build (pkg/), both wasm builds: the randomized cross-checks of tl-reader.test.mjs and
// tl-writer.test.mjs (crossCheck, crossCheckEncode) run by a page (tl-page.mjs), with the
// readers and writers compiled (tl-page.html) and interpreted (tl-page-nocodegen.html, whose
// Content-Security-Policy forbids code generation). Fixed seeds, one per check; TL_SEED=n
// runs every check with seed n (to replay a failure, whose message names its seed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serveRepo, chromiumOptions } from './static-server.mjs';

const fixedSeed = process.env.TL_SEED === undefined ? null : Number(process.env.TL_SEED);
const builds = ['simd', 'nosimd'];
const modes = [
  { name: 'compiled', page: 'tl-page.html', compiled: true },
  { name: 'interpreted', page: 'tl-page-nocodegen.html', compiled: false },
];
// What each check runs and the least it must have seen decode / encode and reject (the
// bounds of the Node tests for 400 objects), so a check that skipped its inputs fails.
const checks = [
  { kind: 'reader', objects: 400, perObject: 10, least: { decoded: 500, rejected: 2000 } },
  { kind: 'writer', objects: 400, perObject: 10, least: { encoded: 1500, rejected: 2000 } },
];

let server, url, browser;
const pages = {}; // `${build} ${mode}` -> { page, errors, wasm (file names fetched), info }

before(async () => {
  ({ server, url } = await serveRepo());
  browser = await chromium.launch(chromiumOptions);
  for (const build of builds) {
    for (const mode of modes) {
      const page = await browser.newPage();
      const errors = [];
      const wasm = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
      await page.goto(`${url}/tests/js/${mode.page}?build=${build}`);
      await page.waitForFunction(() => window.__tl !== undefined, null, { timeout: 30_000 });
      const info = await page.evaluate(() => ({ ...window.__tl, run: undefined }));
      pages[`${build} ${mode.name}`] = { page, errors, wasm, info };
    }
  }
});

after(async () => {
  await browser?.close();
  server?.close();
});

builds.forEach((build, b) => {
  modes.forEach((mode, m) => {
    const key = `${build} ${mode.name}`;

    test(`web build (${build}), ${mode.page}: loads, readers and writers ${mode.name}`, () => {
      const { info, errors, wasm } = pages[key];
      assert.equal(info.error, undefined);
      assert.equal(info.build, build);
      assert.deepEqual(wasm, [build === 'simd' ? 'mtproto_wasm_bg.wasm' : 'mtproto_wasm_bg.nosimd.wasm'], 'the wasm loaded');
      assert.equal(info.compiled, mode.compiled, 'whether the page lets the reader and writer compile');
      assert.deepEqual(errors, [], 'page errors');
    });

    checks.forEach((check, c) => {
      const seed = fixedSeed ?? (20261205 + 100 * b + 10 * m + c);
      test(`web build (${build}), ${mode.name} ${check.kind}s: the same as the Rust codec (seed ${seed})`, async () => {
        const { page, info, errors } = pages[key];
        assert.equal(info.error, undefined, 'the page loaded');
        const out = await page.evaluate(([kind, opts]) => window.__tl.run(kind, opts),
          [check.kind, { seed, objects: check.objects, perObject: check.perObject }]);
        if (out.error !== undefined) assert.fail(`the ${check.kind} check failed, seed ${seed}: ${out.error}`);
        for (const [what, n] of Object.entries(check.least)) {
          assert.ok(out.stats[what] >= n, `seed ${seed}: ${what} ${out.stats[what]} < ${n}: ${JSON.stringify(out.stats)}`);
        }
        assert.deepEqual(errors, [], 'page errors');
      });
    });
  });
});
