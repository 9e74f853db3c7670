// The browser build (pkg/, wasm-pack --target web) loaded by a real page in headless
// Chromium: the same checks as the Node build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serveRepo, chromiumOptions } from './static-server.mjs';
import { checks } from './checks.mjs';

let server, url, browser;
// Both wasm builds of pkg/ (SIMD128 and the fallback), loaded through pkg/loader.js.
const builds = ['simd', 'nosimd'];
const results = {};

before(async () => {
  ({ server, url } = await serveRepo());
  browser = await chromium.launch(chromiumOptions);
  for (const build of builds) {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}/tests/js/crypto-page.html?build=${build}`);
    await page.waitForFunction(() => window.__results !== undefined, null, { timeout: 60_000 });
    results[build] = await page.evaluate(() => window.__results);
    assert.deepEqual(errors, [], `page errors (${build})`);
    await page.close();
  }
});

after(async () => {
  await browser?.close();
  server?.close();
});

for (const build of builds) {
  test(`the web build (${build}) loads in Chromium and runs every check`, () => {
    assert.equal(results[build].length, checks.length, JSON.stringify(results[build]));
  });

  for (const [name] of checks) {
    test(`browser build (${build}): ${name}`, () => {
      const r = results[build].find((x) => x.name === name);
      assert.ok(r, 'check ran');
      assert.ok(r.ok, r.error);
    });
  }
}
