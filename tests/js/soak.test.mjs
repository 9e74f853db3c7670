// The soak test (e2e/soak-scenario.mjs) in its short form: 2,000 requests from four Node
// clients and 300 secret-chat messages through the real test DC while its faults fire.
// `bash scripts/soak.sh` runs the full form (10,000 requests, 2,000 secret messages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestDc } from './e2e/testdc.mjs';

const requests = Number(process.env.SOAK_REQUESTS ?? 2000);
const secret = Number(process.env.SOAK_SECRET ?? 300);

test(`soak: ${requests} requests and ${secret} secret messages through every DC fault`, { timeout: 900_000 }, async () => {
  const dc = await startTestDc();
  try {
    const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings',
      fileURLToPath(new URL('./e2e/soak-scenario.mjs', import.meta.url))], {
      env: { ...process.env, PORT: String(dc.port), SOAK_REQUESTS: String(requests), SOAK_SECRET: String(secret) },
      encoding: 'utf8', timeout: 840_000,
    });
    assert.equal(r.status, 0, `the soak failed:\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1));
    console.log(`soak: ${JSON.stringify(result)}`);
    assert.equal(result.ok, true);
    assert.equal(result.requests, Math.ceil(requests / 4) * 4);
    assert.equal(result.secretDelivered, secret);
  } finally {
    await dc.stop();
  }
});
