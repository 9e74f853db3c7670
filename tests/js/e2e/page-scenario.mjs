// Runs one of the shared scenario pages (tests/js/e2e/*-page.html) in headless Chromium
// against a fresh test DC that serves them; resolves with the page's window.__result and
// the page errors seen.
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumOptions } from '../static-server.mjs';
import { startTestDc } from './testdc.mjs';

export async function runScenarioPage(page, timeout = 240_000) {
  const www = fileURLToPath(new URL('.', import.meta.url));
  const dc = await startTestDc(['--www', www]);
  const browser = await chromium.launch(chromiumOptions);
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${dc.url}/${page}`);
    await tab.waitForFunction(() => window.__result !== undefined, null, { timeout });
    return { result: await tab.evaluate(() => window.__result), errors };
  } finally {
    await browser.close();
    await dc.stop();
  }
}
