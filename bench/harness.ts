// Benchmark harness: timing with warm-up and a median, and a Report that prints one JSON line per
// measurement to stdout ({"workload","params","median_ms","runs"}) and a readable table to stderr at the
// end. Workload names are dotted paths ("W3.matmul", "E.exp.ref"); `--only W3` keeps the workloads whose
// name starts with a given prefix. Imports nothing from the packages.

/** Parameters that identify a measurement besides its workload name. */
export type Params = Record<string, string | number | boolean>;

/** One measured workload: the line `npm run bench` prints. */
export interface Measurement {
  workload: string;
  params: Params;
  median_ms: number;
  runs: number;
}

export interface MeasureOptions {
  /** Untimed calls first (JIT tier-up, caches). Default 3. */
  warmup?: number;
  /** Timed calls; the median is reported. Default 15. */
  runs?: number;
  /** Stop adding timed calls once this much time was spent (at least 3 runs are kept). Default 5000 ms. */
  budgetMs?: number;
}

/** Keeps results reachable so the engine cannot drop the benchmarked work. */
export let sink: unknown = null;

/**
 * Time `fn` (which may return its result; it is kept in `sink`): `warmup` untimed calls, then up to
 * `runs` timed ones; the median wall time in milliseconds.
 *
 * ```ts
 * const { median_ms } = measure(() => matmul(a, b), { warmup: 3, runs: 15 });
 * ```
 */
export function measure(fn: () => unknown, options: MeasureOptions = {}): { median_ms: number; runs: number } {
  const { warmup = 3, runs = 15, budgetMs = 5000 } = options;
  for (let i = 0; i < warmup; i++) sink = fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink = fn();
    times.push(performance.now() - t0);
    if (times.length >= 3 && performance.now() - start > budgetMs) break;
  }
  return { median_ms: median(times), runs: times.length };
}

/** `measure` for work that ends in a Promise (an asynchronous readback, e.g. webgpu's `await t.data()`). */
export async function measureAsync(fn: () => Promise<unknown>, options: MeasureOptions = {}): Promise<{ median_ms: number; runs: number }> {
  const { warmup = 3, runs = 15, budgetMs = 5000 } = options;
  for (let i = 0; i < warmup; i++) sink = await fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink = await fn();
    times.push(performance.now() - t0);
    if (times.length >= 3 && performance.now() - start > budgetMs) break;
  }
  return { median_ms: median(times), runs: times.length };
}

function median(times: number[]): number {
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const m = times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return Number(m.toFixed(4));
}

/** Collects measurements: prints each as a JSON line when added, and the table at the end. */
export class Report {
  readonly results: Measurement[] = [];

  /** @param only workload-name prefixes to keep (empty: keep all). */
  constructor(readonly only: readonly string[] = []) {}

  /** Parse `--only A,B` / `--only=A` (repeatable) from command-line arguments. */
  static fromArgs(argv: readonly string[]): Report {
    const only: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const value = a === '--only' ? argv[++i] : a.startsWith('--only=') ? a.slice('--only='.length) : undefined;
      if (value !== undefined) only.push(...value.split(',').filter((s) => s.length > 0));
    }
    return new Report(only);
  }

  /** Whether any workload starting with `prefix` (or `prefix` itself) passes the filter. */
  wants(workload: string): boolean {
    return this.only.length === 0 || this.only.some((p) => workload.startsWith(p) || p.startsWith(workload));
  }

  /** Record a measurement made elsewhere (prints its JSON line). */
  add(m: Measurement): void {
    if (this.only.length > 0 && !this.only.some((p) => m.workload.startsWith(p))) return;
    this.results.push(m);
    process.stdout.write(JSON.stringify(m) + '\n');
  }

  /** Measure `fn` as `workload` with `params` if the filter keeps it; returns the median (NaN if skipped). */
  run(workload: string, params: Params, fn: () => unknown, options?: MeasureOptions): number {
    if (this.only.length > 0 && !this.only.some((p) => workload.startsWith(p))) return NaN;
    const r = measure(fn, options);
    this.add({ workload, params, ...r });
    return r.median_ms;
  }

  /** The readable summary: one row per measurement. */
  table(): string {
    const rows = this.results.map((m) => [
      m.workload,
      Object.entries(m.params).map(([k, v]) => `${k}=${v}`).join(' '),
      m.median_ms.toFixed(3),
      String(m.runs),
    ]);
    const head = ['workload', 'params', 'median ms', 'runs'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
    return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
  }
}
