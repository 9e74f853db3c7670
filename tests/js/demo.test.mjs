// The demo page (www/, served with pkg/ by the real test DC) in two headless Chromium
// contexts, as two users: connect, sign in, start a secret chat, compare key pictures,
// exchange messages and a file, reload one page and continue. Screenshots go to
// tests/artifacts/ (git-ignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumOptions } from './static-server.mjs';
import { startTestDc } from './e2e/testdc.mjs';

const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(artifacts, { recursive: true });

let dc, browser;
before(async () => {
  dc = await startTestDc();
  browser = await chromium.launch(chromiumOptions);
});
after(async () => {
  await browser?.close();
  await dc?.stop();
});

async function openUser(phone) {
  const context = await browser.newContext({ viewport: { width: 420, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(dc.url + '/');
  await page.waitForFunction(() => window.__demo?.ready === true, null, { timeout: 60_000 });
  await page.click('#connect');
  await page.waitForSelector('#login-card:not([hidden])');
  await page.waitForFunction(() => document.querySelector('#keyid').textContent !== '-');
  await page.fill('#phone', phone);
  await page.click('#send-code');
  await page.waitForSelector('#code-row:not([hidden])');
  await page.click('#sign-in');
  await page.waitForSelector('#me-card:not([hidden])');
  return { page, errors, username: await page.textContent('#me-username') };
}

const lastTexts = (page) => page.$$eval('#messages li', (lis) => lis.map((li) => li.textContent));

test('two users chat secretly in the demo page, with a file and a reload', { timeout: 240_000 }, async () => {
  const a = await openUser('9996630001');
  const b = await openUser('9996630002');

  await a.page.fill('#peer', b.username);
  await a.page.click('#start-chat');
  await b.page.click('.request button.accept', { timeout: 30_000 });
  await a.page.waitForSelector('#chat-card:not([hidden])', { timeout: 30_000 });
  await b.page.waitForSelector('#chat-card:not([hidden])');

  // Both sides draw the same key picture.
  const picture = (p) => p.$eval('#key-picture', (c) => c.toDataURL());
  assert.equal(await picture(a.page), await picture(b.page));
  const hex = (p) => p.evaluate(() => window.__demo.open.keyVisualization.hex);
  assert.equal(await hex(a.page), await hex(b.page));
  await a.page.screenshot({ path: `${artifacts}demo-a-key.png` });
  await b.page.screenshot({ path: `${artifacts}demo-b-key.png` });

  for (const [from, to, text] of [[a, b, 'hello from A'], [b, a, 'hi A, this is B'], [a, b, 'the pictures match']]) {
    await from.page.fill('#text', text);
    await from.page.press('#text', 'Enter');
    await to.page.waitForFunction((t) => [...document.querySelectorAll('#messages li')].some((li) => li.textContent === t), text, { timeout: 20_000 });
  }

  // A file with a progress bar, downloaded and decrypted by B.
  const file = Buffer.alloc(600 * 1024, 7);
  await a.page.setInputFiles('#file', { name: 'photo.bin', mimeType: 'application/octet-stream', buffer: file });
  await b.page.waitForSelector('#messages li a', { timeout: 30_000 });
  await b.page.click('#messages li a');
  await b.page.waitForFunction(() => window.__demo.lastDownload?.length > 0, null, { timeout: 30_000 });
  assert.equal(await b.page.evaluate(() => window.__demo.lastDownload.length), file.length);

  // B reloads in the middle of the conversation: the chat and its history come back, and
  // what A sends meanwhile arrives.
  await b.page.reload();
  await b.page.waitForSelector('#chat-list li', { timeout: 60_000 });
  await a.page.fill('#text', 'sent while B was reloading');
  await a.page.press('#text', 'Enter');
  await b.page.click('#chat-list li');
  await b.page.waitForFunction(() => [...document.querySelectorAll('#messages li')].some((li) => li.textContent === 'sent while B was reloading'), null, { timeout: 30_000 });
  const seen = await lastTexts(b.page);
  assert.ok(seen.includes('hello from A') && seen.includes('the pictures match'), JSON.stringify(seen));
  await b.page.fill('#text', 'back after reload');
  await b.page.press('#text', 'Enter');
  await a.page.waitForFunction(() => [...document.querySelectorAll('#messages li')].some((li) => li.textContent === 'back after reload'), null, { timeout: 20_000 });

  await a.page.screenshot({ path: `${artifacts}demo-a-chat.png` });
  await b.page.screenshot({ path: `${artifacts}demo-b-chat.png` });
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});
