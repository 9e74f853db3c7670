// The Client end to end over a real WebSocket against the test DC's fault switches, with the
// same scenario (e2e/faults-flow.mjs) in Node (pkg-node; a child `node
// --experimental-websocket`, as Node 20 has no global WebSocket) and in headless Chromium
// (pkg/, a page served by the DC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runScenarioPage } from './e2e/page-scenario.mjs';
import { startTestDc } from './e2e/testdc.mjs';

const what = 'every request resolves exactly once through drops, bad salts, clock skew, duplicates, corruption, lost sessions and restarts';

test(`Node: ${what}`, { timeout: 300_000 }, async () => {
  const dc = await startTestDc();
  try {
    const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings',
      fileURLToPath(new URL('./e2e/faults-scenario.mjs', import.meta.url))], {
      env: { ...process.env, PORT: String(dc.port) }, encoding: 'utf8', timeout: 240_000,
    });
    assert.equal(r.status, 0, `the scenario failed:\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert.equal(result.ok, true);
  } finally {
    await dc.stop();
  }
});

test('Node: a DC that refuses every bind gets at most 6 handshakes in 10 s, and connect() rejects with its RpcError', { timeout: 120_000 }, async () => {
  const dc = await startTestDc();
  try {
    const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings',
      fileURLToPath(new URL('./e2e/bind-refused-scenario.mjs', import.meta.url))], {
      env: { ...process.env, PORT: String(dc.port) }, encoding: 'utf8', timeout: 90_000,
    });
    assert.equal(r.status, 0, `the scenario failed:\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert.equal(result.ok, true);
    assert.ok(result.keys <= 6, `${result.keys} handshakes`);
  } finally {
    await dc.stop();
  }
});

test(`headless Chromium: ${what}`, { timeout: 300_000 }, async () => {
  const { result, errors } = await runScenarioPage('faults-page.html');
  assert.equal(result.ok, true, result.error);
  assert.deepEqual(errors, []);
});
