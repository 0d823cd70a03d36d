// Benchmark harness: timing with warm-up and a median, and a Report that prints one JSON line per
// measurement to stdout ({"workload","params","median_ms","runs"}) and a readable table to stderr at the
// end. Workload names are dotted paths ("W3.matmul", "E.exp.ref"); `--only W3` keeps the workloads whose
// name starts with a given prefix. While a measurement runs, stderr says which (a redrawn line on a
// terminal, examples/progress.ts). Imports nothing from the packages.
import { createProgress, type Progress } from '../examples/progress';

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

/** Called after each warm-up or timed call of `measure`/`measureAsync` (the active Report shows progress). */
let onCall: ((done: number, total: number) => void) | null = null;

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
  for (let i = 0; i < warmup; i++) {
    sink = fn();
    onCall?.(i + 1, warmup + runs);
  }
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink = fn();
    times.push(performance.now() - t0);
    onCall?.(warmup + i + 1, warmup + runs);
    if (times.length >= 3 && performance.now() - start > budgetMs) break;
  }
  return { median_ms: median(times), runs: times.length };
}

/** `measure` for work that ends in a Promise (an asynchronous readback, e.g. webgpu's `await t.data()`). */
export async function measureAsync(fn: () => Promise<unknown>, options: MeasureOptions = {}): Promise<{ median_ms: number; runs: number }> {
  const { warmup = 3, runs = 15, budgetMs = 5000 } = options;
  for (let i = 0; i < warmup; i++) {
    sink = await fn();
    onCall?.(i + 1, warmup + runs);
  }
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    sink = await fn();
    times.push(performance.now() - t0);
    onCall?.(warmup + i + 1, warmup + runs);
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

  /** What is being measured now, on stderr (null: silent, e.g. in tests). */
  private readonly progress: Progress | null;

  /**
   * @param only workload-name prefixes to keep (empty: keep all).
   * @param quiet no progress on stderr.
   */
  constructor(readonly only: readonly string[] = [], quiet = false) {
    this.progress = quiet ? null : createProgress({ pipedIntervalMs: 5000 });
    if (this.progress) {
      const progress = this.progress;
      onCall = (done, total) => progress.update(`bench: ${this.label}: call ${done} of at most ${total}`);
    }
  }

  /** What the progress line says is being measured. */
  private label = 'the first measurement';

  /** Say on stderr what is measured now (before a long measurement made outside `run`). */
  status(workload: string, params: Params = {}): void {
    this.label = `${workload} ${formatParams(params)}`.trimEnd();
    this.progress?.update(`bench: ${this.label}`);
  }

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
    this.progress?.done();
    this.label = `the measurement after ${m.workload}`;
    process.stdout.write(JSON.stringify(m) + '\n');
  }

  /** Measure `fn` as `workload` with `params` if the filter keeps it; returns the median (NaN if skipped). */
  run(workload: string, params: Params, fn: () => unknown, options?: MeasureOptions): number {
    if (this.only.length > 0 && !this.only.some((p) => workload.startsWith(p))) return NaN;
    this.status(workload, params);
    const r = measure(fn, options);
    this.add({ workload, params, ...r });
    return r.median_ms;
  }

  /**
   * The readable summary, at most `width` columns: one row per measurement (workload, median, runs), its
   * parameters after them, wrapped onto indented lines when they do not fit.
   */
  table(width = 100): string {
    const head = ['workload', 'median ms', 'runs', 'params'];
    const rows = this.results.map((m) => [m.workload, m.median_ms.toFixed(3), String(m.runs), formatParams(m.params)]);
    const w = [0, 1, 2].map((i) => Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length)));
    const left = w[0]! + w[1]! + w[2]! + 6;
    const room = Math.max(20, width - left);
    const lines = (r: string[]) => {
      const first = `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}  `;
      const wrapped = wrap(r[3]!, room);
      return [first + (wrapped[0] ?? ''), ...wrapped.slice(1).map((l) => ' '.repeat(left) + l)].map((l) => l.trimEnd());
    };
    const rule = [w[0]!, w[1]!, w[2]!, Math.min(room, 6)].map((n) => '-'.repeat(n)).join('  ');
    return [...lines(head), rule, ...rows.flatMap(lines)].join('\n');
  }

}

/** `k=v k=v` */
function formatParams(params: Params): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
}

/** Split `text` at spaces into lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((x) => x.length > 0)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out;
}
