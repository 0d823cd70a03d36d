// Memory stays flat (run in its own process by bench/train.ts, with --expose-gc): 10,000 training steps of
// bench/train.ts's MLP step; the resident set size is read after 1,000 warm-up steps and at the end (each
// after a full GC and a turn of the event loop), and sampled every 500 steps in between. Prints one JSON line.
//
//   (no arguments)                          W2.memory.10k-steps: the W2 setup (B = 256, H = 64), one thread
//   --B 1024 --H 256 --threads N            memory.mlp: the (1024, 256) MLP with N threads (worker threads
//                                           through '@propel-ts/tensor/node', which matmul's products of this
//                                           size use); N = 0: every core
//
// Besides the RSS, the line has the V8 heap, the ArrayBuffer memory (SharedArrayBuffers included: the
// threads' operand buffer) and the bytes waiting in the CPU buffer pool (pool.ts, part of the ArrayBuffers) at
// both points, so growth can be told apart: a heap that grows is leaked objects, arrayBuffers that grow are
// tensor storage kept alive (or the pool or the shared buffer growing), an RSS that grows with all flat is
// native memory (the worker threads, WebAssembly memories).
import * as T from '@propel-ts/tensor';
import { setup } from './train';

/** The value after `--name` in the arguments, as a number, else `fallback`. */
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`train-memory: --${name} got ${process.argv[i + 1]}, expected an integer >= 0`);
  return v;
}

async function main(): Promise<void> {
  const B = arg('B', 256), H = arg('H', 64), threadsArg = arg('threads', 1);
  const steps = arg('steps', 10000), warmup = Math.min(1000, steps >> 1);
  const w2 = B === 256 && H === 64 && threadsArg === 1;
  if (threadsArg !== 1) {
    // the Node entry gives the CPU backend its worker threads (the same backend the main entry uses)
    const node = await import('@propel-ts/tensor/node');
    node.setNumThreads(threadsArg === 0 ? node.cpuInfo().cores : threadsArg);
    for (let i = 0; i < 500 && node.cpuInfo().ready < node.cpuInfo().workers; i++) await new Promise((r) => setTimeout(r, 10));
  }
  const step = setup('cpu', B, H);
  // a full GC, a turn of the event loop (V8 frees ArrayBuffer memory after a GC, not during it), and another
  const mem = async () => {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 50));
    global.gc?.();
    return { ...process.memoryUsage(), pooled: T.pooledBufferBytes() };
  };
  let atWarmup = await mem();
  let peak = 0;
  const times: number[] = [];
  for (let i = 1; i <= steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
    if (i === warmup) atWarmup = await mem();
    if (i > warmup && i % 500 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const atEnd = await mem();
  const info = T.cpuInfo();
  const mb = (b: number) => Number((b / 2 ** 20).toFixed(2));
  console.log(JSON.stringify({
    workload: w2 ? `W2.memory.${steps === 10000 ? '10k' : steps}-steps` : 'memory.mlp',
    params: {
      ...(w2 ? {} : { B, H, layers: `2-${H}-${H}-16`, threads: info.threads, parallel_products: info.parallelProducts, parallel_loops: info.parallelLoops,
        parallel_elementwise: info.parallelElementwise, parallel_reductions: info.parallelReductions }),
      steps, warmup,
      rss_after_warmup_mb: mb(atWarmup.rss), rss_end_mb: mb(atEnd.rss), rss_peak_mb: mb(Math.max(peak, atEnd.rss)), rss_growth_mb: mb(atEnd.rss - atWarmup.rss),
      heap_after_warmup_mb: mb(atWarmup.heapUsed), heap_end_mb: mb(atEnd.heapUsed),
      array_buffers_after_warmup_mb: mb(atWarmup.arrayBuffers), array_buffers_end_mb: mb(atEnd.arrayBuffers),
      pooled_after_warmup_mb: mb(atWarmup.pooled), pooled_end_mb: mb(atEnd.pooled),
    },
    median_ms: Number(times.sort((a, b) => a - b)[steps >> 1]!.toFixed(4)),
    runs: steps,
  }));
}

main().catch((e: unknown) => {
  process.stderr.write(`train-memory failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
