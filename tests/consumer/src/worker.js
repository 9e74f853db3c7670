import { nearestDc } from './nearest.js';

self.onmessage = async (ev) => {
  try {
    self.postMessage({ ok: true, answer: await nearestDc(ev.data.origin) });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e?.stack ?? e) });
  }
};
