// The median timing shared by bench/run.mjs (Node) and bench/browser/bench.mjs (Chromium):
// plain ES module, no Node or DOM API beyond performance.now().

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const now = () => performance.now();

// measure(fn, opts): median seconds per call of fn(): batches sized to take about `batchMs`,
// `rounds` batches. `quick` picks the shorter defaults of a --quick run.
export function makeMeasure(quick) {
  return function measure(fn, { batchMs = quick ? 5 : 20, rounds = quick ? 7 : 21 } = {}) {
    for (let i = 0; i < 3; i++) fn(); // warm up
    let n = 1;
    for (;;) { const t = now(); for (let i = 0; i < n; i++) fn(); if (now() - t >= batchMs / 4 || n > 1e6) break; n *= 2; }
    const per = [];
    for (let r = 0; r < rounds; r++) {
      const t = now();
      for (let i = 0; i < n; i++) fn();
      per.push((now() - t) / 1000 / n);
    }
    return median(per);
  };
}

// warmUp(fns, ms): calls the functions in turn for about `ms` milliseconds, so that code the
// engine compiles lazily and in the background (the TL rows' per-constructor readers and
// writers, ours and the peer's) is timed at its steady state, not while it tiers up.
export function warmUp(fns, ms) {
  const end = now() + ms;
  while (now() < end) for (const fn of fns) fn();
}
