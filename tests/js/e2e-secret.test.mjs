// Secret chats end to end through the real test DC over a real WebSocket, with the same
// scenario (e2e/secret-flow.mjs) in Node (pkg-node; a child `node --experimental-websocket`,
// as Node 20 has no global WebSocket) and in headless Chromium (pkg/, a page served by the DC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runScenarioPage } from './e2e/page-scenario.mjs';
import { startTestDc } from './e2e/testdc.mjs';

const flow = 'request, accept, simultaneous rekey, duplicated and tampered messages, 300 messages with a key change, a message lost in transit, a 1 MB file, reload, discard';

test(`Node: ${flow}`, { timeout: 300_000 }, async () => {
  const dc = await startTestDc();
  try {
    const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings',
      fileURLToPath(new URL('./e2e/secret-scenario.mjs', import.meta.url))], {
      env: { ...process.env, PORT: String(dc.port) }, encoding: 'utf8', timeout: 240_000,
    });
    assert.equal(r.status, 0, `the scenario failed:\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert.equal(result.ok, true);
  assert.ok(result.keyChanges >= 1);
  } finally {
    await dc.stop();
  }
});

test(`headless Chromium: ${flow}`, { timeout: 300_000 }, async () => {
  const { result, errors } = await runScenarioPage('secret-page.html');
  assert.equal(result.ok, true, result.error);
  assert.ok(result.keyChanges >= 1);
  assert.deepEqual(errors, []);
});
