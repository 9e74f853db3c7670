// Shared by the page and the worker: load the wasm from the installed package, connect to
// the test DC that serves this app, and call help.getNearestDc.
import init from 'mtproto-wasm';
import { simdSupported } from 'mtproto-wasm/loader.js';
// Bundlers cannot follow loader.js's computed `new URL(...)`: import both builds as assets.
import simdUrl from 'mtproto-wasm/mtproto_wasm_bg.wasm?url';
import nosimdUrl from 'mtproto-wasm/mtproto_wasm_bg.nosimd.wasm?url';
import { Client, webSocketTransport } from 'mtproto-wasm/client.js';

export async function nearestDc(origin) {
  await init({ module_or_path: simdSupported() ? simdUrl : nosimdUrl });
  const [info, pem] = await Promise.all([
    fetch(`${origin}/info`).then((r) => r.json()), fetch(`${origin}/rsa.pem`).then((r) => r.text())]);
  const client = new Client({
    dcId: info.dc, testMode: true, rsaKeys: [pem], apiId: 12345, apiHash: '0123456789abcdef',
    transport: webSocketTransport(`${origin.replace(/^http/, 'ws')}/apiws`),
  });
  try {
    await client.connect();
    const answer = await client.invoke({ _: 'help.getNearestDc' });
    return { ...answer, authKeyId: String(client.authKeyId) };
  } finally {
    client.close();
  }
}
