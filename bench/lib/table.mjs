// The Markdown table of bench/chromium.mjs, in the format of bench/run.mjs's table.
const fmtTime = (s) => s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(2)} µs`;
const fmtRate = (s, bytes) => `${(bytes / s / 1e6).toFixed(1)} MB/s`;

// rows: { group, name, ours, peer, peerSec, speedup, unit } (unit: bytes per call, for MB/s).
export function tableLines(rows) {
  const lines = ['| what | size | ours | peer | peer result | speed |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const o = r.unit ? fmtRate(r.ours, r.unit) : fmtTime(r.ours);
    const p = r.unit ? fmtRate(r.peerSec, r.unit) : fmtTime(r.peerSec);
    lines.push(`| ${r.group} | ${r.name} | ${o} | ${r.peer} | ${p} | ${r.speedup.toFixed(2)}x |`);
  }
  return lines;
}
