// Secret chats end to end: two Node clients (pkg-node) through the real test DC over a real
// WebSocket. The scenario runs in a child `node --experimental-websocket` (Node 20 has no
// global WebSocket otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestDc } from './e2e/testdc.mjs';

test('two clients: request, accept, 300 messages with a key change, a 1 MB file, reload, discard', async () => {
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
