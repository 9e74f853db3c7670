import { nearestDc } from './nearest.js';

function inWorker(origin) {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (ev) => { worker.terminate(); ev.data.ok ? resolve(ev.data.answer) : reject(new Error(ev.data.error)); };
    worker.onerror = (ev) => { worker.terminate(); reject(new Error(ev.message)); };
    worker.postMessage({ origin });
  });
}

const plain = (o) => JSON.parse(JSON.stringify(o, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
try {
  const page = await nearestDc(location.origin);
  const worker = await inWorker(location.origin);
  window.__result = { page: plain(page), worker: plain(worker) };
} catch (e) {
  window.__result = { error: String(e?.stack ?? e) };
}
document.getElementById('out').textContent = JSON.stringify(window.__result, null, 2);
