// Layer: tensor/backends/cpu. The CPU backend's threads, all in this file: large matrix products (matmul's
// forward and both backward products go through gemm) are split by rows over worker threads, each running
// the same WebAssembly gemm (the compiled module, and gemm-wasm.ts's `gemmInMemory` sent as source text) on
// its block.
//
// Bit-identical whatever the thread count: a C element is computed by the same kernel with the same order of
// operations in whichever block its row falls (rows are independent in the kernel; blocks only choose which
// rows a thread does), so 1, 2 or 8 threads give the same bits (test/tensor/threads.test.ts checks it).
//
// Synchronous like every op: the calling thread copies A and B into one shared buffer, wakes the workers
// (Atomics.notify), computes the first block itself, then waits for the others and copies their rows of C
// out. It waits in Atomics.wait where it may block (Node, a Web Worker); a page's main thread may not (it
// throws there), so there it spins on Atomics.load: short, since its own block is as large as each worker's
// and the workers start on it at the same time. Small products (under PARALLEL_MIN_WORK multiply-adds) stay
// on the calling thread.
//
// Where the workers come from: in Node, the package's Node entry (`@propel-ts/tensor/node`, node.ts) gives a
// worker factory (worker_threads) and the core count; in a browser this file installs Web Workers itself
// when it loads, if the page (or worker) is cross-origin isolated (SharedArrayBuffer needs it: the page is
// served with COOP: same-origin and COEP: require-corp), on navigator.hardwareConcurrency threads (the WASM
// backends of TF.js and onnxruntime-web also turn threads on by themselves on an isolated page). A Web
// Worker starts only once the page's main thread returns to its event loop.
// Until a factory is given, or while the workers start, everything runs on the calling thread; cpuInfo()
// says why. No Node built-in here. Imports the gemm driver and the error helpers.
import type { TypedArray } from '../../dtype';
import { TensorError } from '../../errors';
import { checkArity, describeValue } from '../../options';
import { GEMM_LAYOUT, gemmInMemory, gemmWasmModule } from './gemm-wasm';

/** A started worker: enough to stop it. */
export interface WorkerHandle {
  terminate(): unknown;
}

/**
 * Start a worker running `source` (a JavaScript function expression) on `data` (structured-cloned; holds
 * SharedArrayBuffers). node.ts gives `(source, data) => new Worker(`(${source})(workerData)`, ...)`; the Web
 * factory below posts `data` to a Worker started from a Blob. `failed` is for a worker that reports an
 * error while starting (cpuInfo().reason then says so).
 */
export type WorkerFactory = (source: string, data: WorkerData, failed: (why: string) => void) => WorkerHandle;

/** What each worker gets. */
export interface WorkerData {
  readonly index: number;
  readonly ctrl: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
  /**
   * The compiled gemm, a WebAssembly.Module (structured-cloned to a worker without recompiling). Typed
   * `unknown` so that the declarations need no WebAssembly lib.
   */
  readonly module: unknown;
  readonly gemmSource: string;
  readonly layout: typeof GEMM_LAYOUT;
  readonly slots: typeof SLOTS;
}

/** Below this many multiply-adds (m·n·k) a product stays on the calling thread (W2's layers: 16k to 1M). */
export const PARALLEL_MIN_WORK = 2 ** 22;
/** Most workers a pool starts (the calling thread is one more thread). */
const MAX_WORKERS = 31;
/** The largest shared buffer for operands (A, B, C of one product): beyond it, one thread. */
const MAX_SHARED_BYTES = 512 * 2 ** 20;

/**
 * The Int32Array slots of the control buffer: the generation (bumped per product), how many workers finished
 * it, quit, the product's m, n, k, dtype, where B and C start in the data buffer, the block boundaries (one
 * more than the threads), and one ready flag per worker.
 */
const SLOTS = {
  GEN: 0, DONE: 1, QUIT: 2, M: 3, N: 4, K: 5, F64: 6, B_AT: 7, C_AT: 8, ARS: 9, ACS: 10, BRS: 11, BCS: 12, A_LEN: 13, B_LEN: 14,
  ROWS: 15, READY: 15 + MAX_WORKERS + 2,
} as const;
const { GEN, DONE, QUIT, M, N, K, F64, B_AT, C_AT, ARS, ACS, BRS, BCS, A_LEN, B_LEN, ROWS, READY } = SLOTS;
const CTRL_INTS = READY + MAX_WORKERS;

let factory: WorkerFactory | null = null;
let cores = 1;
let requested: number | null = null;
let pool: { ctrl: Int32Array; data: SharedArrayBuffer; workers: WorkerHandle[] } | null = null;
/** Why the last pool could not start (a worker threw or reported an error), until the next restart. */
let startFailure: string | null = null;

/** Give the CPU backend a way to start worker threads, and the number of cores (node.ts does; so does installWebWorkers below). */
export function useWorkerThreads(make: WorkerFactory, coreCount: number): void {
  factory = make;
  cores = Math.max(1, Math.floor(coreCount));
  restart();
}

/**
 * Use `n` threads for large CPU products (the calling thread and n - 1 workers). Default: the number of cores
 * once `@propel-ts/tensor/node` is loaded, or on a cross-origin isolated page (or worker), else 1. Results
 * are bit-identical whatever `n`.
 */
export function setNumThreads(n: number): void {
  checkArity('setNumThreads', arguments, 1, 'setNumThreads(n)');
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS + 1) {
    throw new TensorError(`setNumThreads: n got ${describeValue(n)}, expected an integer from 1 to ${MAX_WORKERS + 1}`);
  }
  requested = n;
  restart();
}

/** The CPU backend's threading: threads in use, workers started and ready, and why there are none. */
export interface CpuInfo {
  /** Threads large products use (1: the calling thread only). */
  threads: number;
  /** Worker threads started, and how many have finished starting. */
  workers: number;
  ready: number;
  /** Cores reported by the platform (Node's, or navigator.hardwareConcurrency on an isolated page; else 1). */
  cores: number;
  /** Products at or above this many multiply-adds are split over the threads. */
  parallelMinWork: number;
  /** Why only the calling thread is used, when it is. */
  reason: string | null;
  /** Products split over the threads so far (in this process). */
  parallelProducts: number;
}

let parallelProducts = 0;

export function cpuInfo(): CpuInfo {
  checkArity('cpuInfo', arguments, 0, 'cpuInfo()');
  const workers = pool?.workers.length ?? 0;
  let ready = 0;
  for (let i = 0; i < workers; i++) ready += Atomics.load(pool!.ctrl, READY + i);
  const reason = factory === null ? noFactoryReason()
    : startFailure !== null ? startFailure
      : typeof SharedArrayBuffer !== 'function' ? 'no SharedArrayBuffer here'
        : gemmWasmModule() === null ? 'no WebAssembly SIMD here (the JS gemm runs on the calling thread)'
          : threadsWanted() === 1 ? (requested === null ? 'one core reported (setNumThreads(n) to use more)' : 'one thread requested')
            : ready < workers ? `${workers - ready} of ${workers} workers still starting (in a browser they start once the main thread returns to its event loop)`
              : null;
  return { threads: 1 + workers, workers, ready, cores, parallelMinWork: PARALLEL_MIN_WORK, reason, parallelProducts };
}

const threadsWanted = () => Math.min(requested ?? cores, MAX_WORKERS + 1);

let blocking: boolean | undefined;
/**
 * Whether this thread may block in Atomics.wait: not a page's main thread, where it throws whatever the
 * arguments (so a wait that would return 'not-equal' at once is the test).
 */
function mayBlock(): boolean {
  if (blocking === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

function stop(): void {
  if (!pool) return;
  Atomics.store(pool.ctrl, QUIT, 1);
  Atomics.add(pool.ctrl, GEN, 1);
  Atomics.notify(pool.ctrl, GEN);
  for (const w of pool.workers) w.terminate();
  pool = null;
}

function restart(dataBytes = 64 * 2 ** 20): void {
  stop();
  startFailure = null;
  const want = threadsWanted() - 1;
  const module = gemmWasmModule();
  if (factory === null || want < 1 || typeof SharedArrayBuffer !== 'function' || module === null) return;
  const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_INTS * 4));
  const data = new SharedArrayBuffer(dataBytes);
  const started = { ctrl, data, workers: [] as WorkerHandle[] };
  pool = started;
  // a worker that fails to start would never say ready, so no product could use the pool: drop it, and say why
  const failed = (why: string) => {
    if (pool !== started) return;
    stop();
    startFailure = `a worker failed to start: ${why}`;
  };
  try {
    for (let index = 0; index < want; index++) {
      started.workers.push(factory(`(${workerMain.toString()})`, {
        index, ctrl: ctrl.buffer as SharedArrayBuffer, data, module, gemmSource: gemmInMemory.toString(), layout: GEMM_LAYOUT, slots: SLOTS,
      }, failed));
    }
  } catch (e) {
    // e.g. a page whose Content-Security-Policy forbids blob: workers
    failed(e instanceof Error ? e.message : String(e));
  }
}

/** Why there is no worker factory: in Node, the Node entry gives it; on the Web, isolation is missing. */
function noFactoryReason(): string {
  const web = globalThis as WebGlobals;
  if (typeof web.crossOriginIsolated !== 'boolean') return "no worker factory: import '@propel-ts/tensor/node' in Node";
  if (!web.crossOriginIsolated) {
    return 'not cross-origin isolated (crossOriginIsolated is false), so no shared memory for Web Workers: serve the page with ' +
      'the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
  }
  return 'no Web Workers here (Worker, Blob or URL.createObjectURL is missing)';
}

/**
 * A worker's life, run from its source text (so it refers to nothing outside itself): instantiate the gemm, say
 * it is ready, then for each generation compute its block of rows of C from the shared A and B.
 */
function workerMain(d: WorkerData): void {
  const { GEN, DONE, QUIT, M, N, K, F64, B_AT, C_AT, ARS, ACS, BRS, BCS, A_LEN, B_LEN, ROWS, READY } = d.slots;
  const ctrl = new Int32Array(d.ctrl);
  const inst = new WebAssembly.Instance(d.module as WebAssembly.Module, {}).exports;
  const ex = { memory: inst['memory'] as WebAssembly.Memory, gemm_f32: inst['gemm_f32'], gemm_f64: inst['gemm_f64'] };
  // eslint-disable-next-line no-new-func
  const gemm = new Function(`return (${d.gemmSource});`)() as (...args: unknown[]) => number;
  // the generation to wait past is read before saying ready: no product runs until every worker is ready
  let gen = Atomics.load(ctrl, GEN);
  Atomics.store(ctrl, READY + d.index, 1);
  for (;;) {
    Atomics.wait(ctrl, GEN, gen);
    gen = Atomics.load(ctrl, GEN);
    if (Atomics.load(ctrl, QUIT) === 1) return;
    const m = ctrl[M]!, n = ctrl[N]!, k = ctrl[K]!, f64 = ctrl[F64] === 1;
    const r0 = ctrl[ROWS + 1 + d.index]!, r1 = ctrl[ROWS + 2 + d.index]!;
    if (r1 > r0) {
      // views of the shared operands (byte offsets of B and C in the control buffer)
      const view = (at: number, length: number) => (f64 ? new Float64Array(d.data, at, length) : new Float32Array(d.data, at, length));
      const A = view(0, ctrl[A_LEN]!), B = view(ctrl[B_AT]!, ctrl[B_LEN]!), C = view(ctrl[C_AT]!, m * n);
      const ars = ctrl[ARS]!;
      gemm(ex, r1 - r0, n, k, A, r0 * ars, ars, ctrl[ACS]!, B, 0, ctrl[BRS]!, ctrl[BCS]!, C, r0 * n, n, d.layout);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}

/**
 * C = A·B over the threads (same contract as gemmWasm); false, having done nothing, when this product
 * stays on the calling thread (too small, no ready workers, too large for the shared buffer).
 */
export function parallelGemm(
  m: number, n: number, k: number,
  A: TypedArray, aOff: number, ars: number, acs: number,
  B: TypedArray, bOff: number, brs: number, bcs: number,
  C: TypedArray, cOff: number, ldc: number,
  single: (m: number, A: TypedArray, aOff: number, C: TypedArray, cOff: number) => boolean,
): boolean {
  if (pool === null || m * n * k < PARALLEL_MIN_WORK || m < 4 * GEMM_LAYOUT.MR) return false;
  const { ctrl } = pool;
  const workers = pool.workers.length;
  // all or none: every worker takes part in every product once all have started (then each one sees each
  // generation exactly once); until then the calling thread does it alone
  for (let w = 0; w < workers; w++) if (Atomics.load(ctrl, READY + w) !== 1) return false;
  const f64 = C instanceof Float64Array;
  if ((A instanceof Float64Array) !== f64 || (B instanceof Float64Array) !== f64 || ars < 0 || acs < 0 || brs < 0 || bcs < 0) return false;
  const es = f64 ? 8 : 4;
  const align = (x: number) => (x + 63) & ~63;
  // an operand goes to the shared buffer as it is laid out (one copy of its span: a transposed matrix stays
  // transposed) when the span is dense, else gathered row-major; the kernel reads it through its strides
  const aSpan = (m - 1) * ars + (k - 1) * acs + 1, bSpan = (k - 1) * brs + (n - 1) * bcs + 1;
  const aDense = aSpan <= 2 * m * k + 64, bDense = bSpan <= 2 * k * n + 64;
  const aLen = aDense ? aSpan : m * k, bLen = bDense ? bSpan : k * n;
  const bAt = align(aLen * es), cAt = bAt + align(bLen * es), bytes = cAt + align(m * n * es);
  // a product the single-threaded wasm gemm would refuse as a whole (it goes to the JS gemm, other bits)
  // stays on the calling thread too
  if (bytes > MAX_SHARED_BYTES || 1.25 * bytes + 8 * 2 ** 20 > GEMM_LAYOUT.MAX_BYTES) return false;
  if (bytes > pool.data.byteLength) {
    // a bigger buffer needs new workers (they see the buffer they were started with): this product runs
    // on the calling thread while they start
    restart(Math.min(MAX_SHARED_BYTES, Math.max(bytes, 2 * pool.data.byteLength)));
    return false;
  }
  // blocks of whole MR-row tiles, the calling thread first
  const parts = workers + 1;
  const tile = GEMM_LAYOUT.MR;
  const per = Math.ceil(m / parts / tile) * tile;
  const view = (at: number, length: number) => (f64 ? new Float64Array(pool!.data, at, length) : new Float32Array(pool!.data, at, length));
  const As = view(0, aLen), Bs = view(bAt, bLen), Cs = view(cAt, m * n);
  const r0 = Math.min(m, per);
  let [ars2, acs2, brs2, bcs2] = [ars, acs, brs, bcs];
  if (aDense) As.set(A.subarray(aOff, aOff + aSpan));
  else {
    for (let i = r0; i < m; i++) for (let p = 0; p < k; p++) As[i * k + p] = A[aOff + i * ars + p * acs]!;
    [ars2, acs2] = [k, 1];
  }
  if (bDense) Bs.set(B.subarray(bOff, bOff + bSpan));
  else {
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) Bs[p * n + j] = B[bOff + p * brs + j * bcs]!;
    [brs2, bcs2] = [n, 1];
  }
  ctrl[ARS] = ars2; ctrl[ACS] = acs2; ctrl[BRS] = brs2; ctrl[BCS] = bcs2; ctrl[A_LEN] = aLen; ctrl[B_LEN] = bLen;
  ctrl[M] = m; ctrl[N] = n; ctrl[K] = k; ctrl[F64] = f64 ? 1 : 0; ctrl[B_AT] = bAt; ctrl[C_AT] = cAt;
  for (let w = 0; w <= workers; w++) ctrl[ROWS + 1 + w] = Math.min(m, r0 + w * per);
  Atomics.store(ctrl, DONE, 0);
  Atomics.add(ctrl, GEN, 1);
  Atomics.notify(ctrl, GEN);
  // the calling thread's block, from the operands as they are; whatever happens to it, the workers are
  // waited for before this returns (the next product must not start while one of them still runs)
  let ok = false;
  try {
    ok = single(r0, A, aOff, C, cOff);
  } finally {
    const late = () => new Error('internal: a gemm worker did not finish within 60 s');
    if (mayBlock()) {
      for (let done = Atomics.load(ctrl, DONE); done < workers; done = Atomics.load(ctrl, DONE)) {
        if (Atomics.wait(ctrl, DONE, done, 60_000) === 'timed-out') throw late();
      }
    } else {
      // a page's main thread: spin (the workers' blocks are no larger than the one just done here)
      const deadline = Date.now() + 60_000;
      while (Atomics.load(ctrl, DONE) < workers) if (Date.now() > deadline) throw late();
    }
  }
  if (!ok) throw new Error('internal: the calling thread could not run its gemm block');
  for (let i = r0; i < m; i++) C.set(Cs.subarray(i * n, i * n + n), cOff + i * ldc);
  parallelProducts++;
  return true;
}

/** The Web platform's globals the Web Worker factory uses, as far as it uses them (no DOM types in the declarations). */
interface WebGlobals {
  readonly crossOriginIsolated?: boolean;
  readonly Worker?: new (url: string, options: { name: string }) => WebWorker;
  readonly Blob?: new (parts: string[], options: { type: string }) => object;
  readonly URL?: { createObjectURL(blob: object): string };
  readonly navigator?: { readonly hardwareConcurrency?: number };
}
interface WebWorker {
  postMessage(data: unknown): void;
  terminate(): void;
  onerror: ((e: { message?: string }) => void) | null;
}

/**
 * Web Workers, when this thread is cross-origin isolated (a page served with COOP: same-origin and COEP:
 * require-corp, or a worker of one): each runs `source` on the WorkerData posted to it (shared buffers and
 * the compiled gemm module cross by structured clone). Installed when this module loads; setNumThreads(1)
 * stops them.
 */
function installWebWorkers(): void {
  const web = globalThis as WebGlobals;
  const { Worker, Blob, URL } = web;
  if (web.crossOriginIsolated !== true || Worker === undefined || Blob === undefined || URL?.createObjectURL === undefined) return;
  // one script URL per source text (there is one), kept for the page's life: the pool restarts reuse it
  const scripts = new Map<string, string>();
  useWorkerThreads((source, data, failed) => {
    let url = scripts.get(source);
    if (url === undefined) {
      // the worker's whole script: run `source` on the first message; it then loops in Atomics.wait
      const script = `onmessage = (e) => { onmessage = null; (${source})(e.data); };`;
      url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
      scripts.set(source, url);
    }
    const worker = new Worker(url, { name: `propel-ts gemm ${data.index + 1}` });
    // an error event without a message: the script did not load (a Content-Security-Policy may forbid it)
    worker.onerror = (e) => failed(e.message || "its script did not load (a Content-Security-Policy without blob: in worker-src?)");
    worker.postMessage(data);
    return worker;
  }, web.navigator?.hardwareConcurrency ?? 1);
}

installWebWorkers();
