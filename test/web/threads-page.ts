// The script of the page that test/web/threads.e2e.test.ts drives: bundled by esbuild into one classic
// script, loaded by the page and, with the same file, by a Web Worker that the page starts (so the products
// also run where Atomics.wait may block, not only on the main thread, which spins). On the page it defines
// `threadsPage` for the test to call; in the worker it answers the page's messages with the same calls.
import * as T from '@propel-ts/tensor';
import { propelForward } from '@propel-ts/propel';
import { propelInputs } from './propel-inputs';

/** One product: a [m, k] @ [k, n] matmul of uniform samples drawn from `seed` (the test draws the same in Node). */
export interface ProductSpec { m: number; k: number; n: number; dtype: T.DType; seed: number }
/** The product's bytes (base64, for a bit-for-bit comparison) and whether it ran split over the threads. */
export interface ProductResult { bytes: string; parallel: boolean }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function operands(p: ProductSpec): [T.Tensor, T.Tensor] {
  return [T.rand([p.m, p.k], { seed: p.seed, dtype: p.dtype }), T.rand([p.k, p.n], { seed: p.seed + 1, dtype: p.dtype })];
}

function base64(a: ArrayBufferView): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const api = {
  isolated: (): boolean => crossOriginIsolated,
  info: (): T.CpuInfo => T.cpuInfo(),
  /** Use `n` threads, once their workers have started: this yields to the event loop, where they start. */
  async threads(n: number): Promise<T.CpuInfo> {
    T.setNumThreads(n);
    for (let i = 0; i < 1000 && T.cpuInfo().ready < T.cpuInfo().workers; i++) await sleep(10);
    return T.cpuInfo();
  },
  product(p: ProductSpec): ProductResult {
    const [a, b] = operands(p);
    const before = T.cpuInfo().parallelProducts;
    const c = T.matmul(a, b).toTypedArray();
    return { bytes: base64(c), parallel: T.cpuInfo().parallelProducts > before };
  },
  /** The PROPEL loss and its Jacobian (sigma 0.5), loss first, as base64 of the float32 bytes; whether it ran on the threads. */
  propel(B: number, seed: number): ProductResult {
    const { output, target } = propelInputs(B, seed);
    const before = T.cpuInfo().parallelLoops;
    const r = propelForward(output, target, { B, I: 4, n: 2 }, { sigma: 0.5 });
    const both = new Float32Array(B + output.length);
    both.set(r.lossPerSample);
    both.set(r.saved.jacobian!, B);
    return { bytes: base64(both), parallel: T.cpuInfo().parallelLoops > before };
  },
  /** Reductions of a uniform [1024, 512] tensor drawn from `seed` (no Math.log in the draw: the same bits as Node) (sum of all, over axis 0 and 1, max over axis 1), concatenated; whether each ran on the threads. */
  reduce(seed: number): ProductResult {
    const x = T.rand([1024, 512], { seed });
    const before = T.cpuInfo().parallelReductions;
    const parts = [T.sum(x), T.sum(x, { axis: 0 }), T.sum(x, { axis: 1 }), T.max(x, { axis: 1 })].map((t) => t.toTypedArray());
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    return { bytes: base64(all), parallel: T.cpuInfo().parallelReductions - before === parts.length };
  },
  /** Median milliseconds of `runs` products (after one warm-up), and how many of them ran on the threads. */
  time(p: ProductSpec, runs: number): { ms: number; parallel: number } {
    const [a, b] = operands(p);
    T.matmul(a, b);
    const before = T.cpuInfo().parallelProducts;
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      T.matmul(a, b);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    return { ms: times[Math.floor(runs / 2)]!, parallel: T.cpuInfo().parallelProducts - before };
  },
};
export type ThreadsApi = typeof api;
type Call = { id: number; name: keyof ThreadsApi; args: unknown[] };

const call = (name: keyof ThreadsApi, args: unknown[]) => (api[name] as (...a: unknown[]) => unknown)(...args);

if (typeof document === 'undefined') {
  // in the worker: run each call the page sends, and post its result (or its error) back
  self.onmessage = async (e: MessageEvent<Call>) => {
    const { id, name, args } = e.data;
    try {
      postMessage({ id, value: await call(name, args) });
    } catch (err) {
      postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
  };
} else {
  // cpuInfo() before the page's first yield to the event loop, when its workers cannot have started yet
  const atLoad = T.cpuInfo();
  // this script's own URL, for the worker (document.currentScript is set only while the script first runs)
  const src = (document.currentScript as HTMLScriptElement).src;
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** The same calls, in a Web Worker running this script (started on first use). */
  const inWorker = (name: keyof ThreadsApi, ...args: unknown[]): Promise<unknown> => {
    if (worker === undefined) {
      worker = new Worker(src, { name: 'threads-page worker' });
      worker.onmessage = (e: MessageEvent<{ id: number; value?: unknown; error?: string }>) => {
        const p = pending.get(e.data.id)!;
        pending.delete(e.data.id);
        if (e.data.error !== undefined) p.reject(new Error(e.data.error));
        else p.resolve(e.data.value);
      };
      worker.onerror = (e) => {
        for (const p of pending.values()) p.reject(new Error(`the page's worker failed: ${e.message}`));
        pending.clear();
      };
    }
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker!.postMessage({ id, name, args } satisfies Call);
    });
  };
  Object.assign(globalThis, { threadsPage: { ...api, atLoad, inWorker } });
}
