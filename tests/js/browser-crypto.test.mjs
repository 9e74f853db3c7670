// The browser build (pkg/, wasm-pack --target web) loaded by a real page in headless
// Chromium: the same checks as the Node build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serveRepo, chromiumOptions } from './static-server.mjs';
import { checks } from './checks.mjs';

let server, url, browser, results;

before(async () => {
  ({ server, url } = await serveRepo());
  browser = await chromium.launch(chromiumOptions);
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/tests/js/crypto-page.html`);
  await page.waitForFunction(() => window.__results !== undefined, null, { timeout: 60_000 });
  results = await page.evaluate(() => window.__results);
  assert.deepEqual(errors, [], 'page errors');
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('the web build loads in Chromium and runs every check', () => {
  assert.equal(results.length, checks.length, JSON.stringify(results));
});

for (const [name] of checks) {
  test(`browser build: ${name}`, () => {
    const r = results.find((x) => x.name === name);
    assert.ok(r, 'check ran');
    assert.ok(r.ok, r.error);
  });
}
