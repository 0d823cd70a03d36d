// W2 memory (run in its own process by bench/train.ts, with --expose-gc): 10,000 training steps of the W2
// setup; the resident set size is read after 1,000 warm-up steps and at the end. Prints one JSON line.
import { setup } from './train';

const steps = 10000;
const warmup = 1000;
const step = setup();
let rssAfterWarmup = 0;
let peak = 0;
const times: number[] = [];
for (let i = 1; i <= steps; i++) {
  const t0 = performance.now();
  step();
  times.push(performance.now() - t0);
  if (i === warmup) {
    global.gc?.();
    rssAfterWarmup = process.memoryUsage().rss;
  }
  if (i > warmup && i % 500 === 0) peak = Math.max(peak, process.memoryUsage().rss);
}
global.gc?.();
const rssEnd = process.memoryUsage().rss;
const mb = (b: number) => Number((b / 2 ** 20).toFixed(2));
console.log(JSON.stringify({
  workload: 'W2.memory.10k-steps',
  params: { steps, warmup, rss_after_warmup_mb: mb(rssAfterWarmup), rss_end_mb: mb(rssEnd), rss_peak_mb: mb(peak), rss_growth_mb: mb(rssEnd - rssAfterWarmup) },
  median_ms: Number(times.sort((a, b) => a - b)[steps >> 1]!.toFixed(4)),
  runs: steps,
}));
