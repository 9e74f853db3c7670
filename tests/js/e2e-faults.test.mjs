// The Client end to end over a real WebSocket against the test DC's fault switches; the
// scenario runs in a child `node --experimental-websocket` (Node 20 has no global WebSocket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestDc } from './e2e/testdc.mjs';

test('every request resolves exactly once through drops, bad salts, clock skew, duplicates, corruption, lost sessions and restarts', async () => {
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
