// Layer: tensor/backends/cpu. The CPU backend's threads: the pool, and large matrix products (matmul's forward
// and both backward products go through gemm) split by rows over worker threads, each running the same
// WebAssembly gemm on its block, in one shared WebAssembly memory. Elementwise ops (parallel-map.ts),
// reductions (parallel-reduce.ts) and parallelFor's loops (parallel-for.ts; the PROPEL loss's) use the same
// pool; blocks.ts: each thread's part.
//
// Bit-identical whatever the thread count: a C element is computed by the same kernel with the same order of
// operations in whichever block its row falls (rows are independent in the kernel; blocks only choose which
// rows a thread does), so 1, 2 or 8 threads give the same bits (test/tensor/threads.test.ts checks it).
//
// Synchronous like every op: the calling thread copies A and B once into the shared memory (the variant of
// the gemm module that imports its memory; build-wasm.js makes it from the same gemm.wat), wakes the workers
// (Atomics.notify), computes the first block itself, then waits for the others and copies C out. The workers
// copy nothing: each packs its block from the shared A and B into its own packing buffers in that memory and
// writes its rows of C there. The calling thread waits in Atomics.wait where it may block (Node, a Web
// Worker); a page's main thread may not (it throws there), so there it spins on Atomics.load: short, since
// its own block is as large as each worker's and the workers start on it at the same time. Small products
// (under PARALLEL_MIN_WORK multiply-adds) stay on the calling thread.
//
// Where the workers come from: in Node, the package's Node entry (`@propel-ts/tensor/node`, node.ts) gives a
// worker factory (worker_threads) and the core count; in a browser this file installs Web Workers
// (web-workers.ts) when it loads, if the page (or worker) is cross-origin isolated (SharedArrayBuffer needs it: the page is
// served with COOP: same-origin and COEP: require-corp), on navigator.hardwareConcurrency threads (the WASM
// backends of TF.js and onnxruntime-web also turn threads on by themselves on an isolated page). A Web
// Worker starts only once the page's main thread returns to its event loop.
// Until a factory is given, or while the workers start, everything runs on the calling thread; cpuInfo()
// says why. No Node built-in here. Imports the gemm driver, the Web Worker factory and the error helpers.
import type { TypedArray } from '../../dtype';
import { TensorError } from '../../errors';
import { checkArity, describeValue } from '../../options';
import { BLOCKS, CTRL_INTS, gemmBlock, JOBS, loadKernel, MAX_WORKERS, SLOTS, type BlockContext } from './blocks';
import { copyOut, GEMM_LAYOUT, gemmPlan, gemmWasmModules, growTo, loadOperands, type GemmKernel, type GrowableMemory } from './gemm-wasm';
import { GEMM_SHARED_MAX_PAGES } from './gemm-wasm.generated';
import { installWebWorkers, type WebGlobals } from './web-workers';

/** A started worker: enough to stop it. */
export interface WorkerHandle {
  terminate(): unknown;
}

/**
 * Start a worker running `source` (a JavaScript function expression) on `data` (structured-cloned; holds
 * SharedArrayBuffers and a shared WebAssembly.Memory). node.ts gives `(source, data) => new Worker(`(${source})(workerData)`, ...)`;
 * the Web factory below posts `data` to a Worker started from a Blob. `failed` is for a worker that
 * reports an error while starting (cpuInfo().reason then says so).
 */
export type WorkerFactory = (source: string, data: WorkerData, failed: (why: string) => void) => WorkerHandle;

/** What each worker gets. */
export interface WorkerData {
  readonly index: number;
  readonly ctrl: SharedArrayBuffer;
  /**
   * The shared WebAssembly.Memory that holds every product's operands, and the compiled gemm importing it
   * (structured-cloned to a worker without recompiling). Typed `unknown` so that the declarations need no
   * WebAssembly lib.
   */
  readonly memory: unknown;
  readonly module: unknown;
  /** blocks.ts's BLOCKS and loadKernel, as source text (a worker refers to nothing outside what it is sent). */
  readonly blockSources: readonly string[];
  readonly loadSource: string;
  readonly slots: typeof SLOTS;
}

/** Below this many multiply-adds (m·n·k) a product stays on the calling thread (W2's layers: 16k to 1M). */
export const PARALLEL_MIN_WORK = 2 ** 22;
/** Below this many elements an elementwise op marked for threads (a transcendental one) stays on the calling thread (parallel-map.ts). */
export const PARALLEL_MIN_ELEMENTS = 2 ** 17;
/** Below this many elements any other elementwise op (add, mul, ...: its copies cost about what it does) stays there. */
export const PARALLEL_MIN_ELEMENTS_ANY = 2 ** 19;
/** The most a product may use of the shared memory: beyond it, one thread. */
const MAX_SHARED_BYTES = Math.min(512 * 2 ** 20, GEMM_SHARED_MAX_PAGES * 65536);
const { GEN, DONE, QUIT, READY } = SLOTS;

let factory: WorkerFactory | null = null;
let cores = 1;
let requested: number | null = null;
/** A started pool (its memory typed by what is used: the declarations need no WebAssembly lib). */
export interface Pool {
  readonly ctrl: Int32Array;
  readonly memory: GrowableMemory;
  readonly cx: BlockContext;
  readonly workers: WorkerHandle[];
  readonly kernel: GemmKernel;
  /** The kernels (map row loops, loop bodies: their ids) the workers have been sent. */
  readonly sent: Set<number>;
}
let pool: Pool | null = null;
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
  /**
   * Elementwise ops split over the threads so far: those marked for it in their declaration (the
   * transcendental ones: exp, tanh, erf, pow, ...) on at least parallelMinElements elements, every other one
   * (add, mul, neg, ...) on at least parallelMinElementsAny; dense, broadcast or evenly strided.
   */
  parallelElementwise: number;
  parallelMinElements: number;
  parallelMinElementsAny: number;
  /** parallelFor loops split over the threads so far (the PROPEL loss's samples, above its grain, are one). */
  parallelLoops: number;
  /** Reductions (sum, max, ... of at least parallelMinElements elements: a whole tensor, rows or columns) split so far. */
  parallelReductions: number;
  /**
   * The gemm's tile: 'fma' (relaxed SIMD's fused multiply-add: Chrome 114+, Node 22+, or Node 20 run with
   * --experimental-wasm-relaxed-simd), 'simd' (a multiply, then an add), or 'js' (no WebAssembly SIMD here).
   * They round differently, so a product's last bits depend on it; every thread count gives the same bits.
   */
  gemm: GemmKernel | 'js';
}

let parallelProducts = 0;
let parallelElementwise = 0;
let parallelLoops = 0;
let parallelReductions = 0;

export function cpuInfo(): CpuInfo {
  checkArity('cpuInfo', arguments, 0, 'cpuInfo()');
  const workers = pool?.workers.length ?? 0;
  let ready = 0;
  for (let i = 0; i < workers; i++) ready += Atomics.load(pool!.ctrl, READY + i);
  const modules = gemmWasmModules();
  const reason = factory === null ? noFactoryReason()
    : startFailure !== null ? startFailure
      : typeof SharedArrayBuffer !== 'function' ? 'no SharedArrayBuffer here'
        : modules === null ? 'no WebAssembly SIMD here (the JS gemm runs on the calling thread)'
          : modules.shared === null ? 'no shared WebAssembly memory here'
            : threadsWanted() === 1 ? (requested === null ? 'one core reported (setNumThreads(n) to use more)' : 'one thread requested')
              : ready < workers ? `${workers - ready} of ${workers} workers still starting (in a browser they start once the main thread returns to its event loop)`
                : null;
  return {
    threads: 1 + workers, workers, ready, cores, parallelMinWork: PARALLEL_MIN_WORK, reason, parallelProducts,
    parallelElementwise, parallelMinElements: PARALLEL_MIN_ELEMENTS, parallelMinElementsAny: PARALLEL_MIN_ELEMENTS_ANY, parallelLoops, parallelReductions, gemm: modules?.kernel ?? 'js',
  };
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

function restart(): void {
  stop();
  startFailure = null;
  const want = threadsWanted() - 1;
  const modules = gemmWasmModules();
  const module = modules?.shared as WebAssembly.Module | null | undefined;
  if (factory === null || want < 1 || typeof SharedArrayBuffer !== 'function' || !modules || !module) return;
  const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_INTS * 4));
  // 16 MiB to start (a 1024² float32 product needs 12): grown by the calling thread as products need, up to
  // GEMM_SHARED_MAX_PAGES; the workers see the growth (their instances use this same memory)
  const memory = new WebAssembly.Memory({ initial: 256, maximum: GEMM_SHARED_MAX_PAGES, shared: true });
  const wasm = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const started = {
    ctrl, memory, cx: { wasm, memory, kernels: new Map(), load: loadKernel }, workers: [] as WorkerHandle[], kernel: modules.kernel, sent: new Set<number>(),
  };
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
        index, ctrl: ctrl.buffer as SharedArrayBuffer, memory, module, blockSources: BLOCKS.map((f) => f.toString()), loadSource: loadKernel.toString(), slots: SLOTS,
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
 * A worker's life, run from its source text (so it refers to nothing outside itself): instantiate the gemm on
 * the shared memory, say it is ready, then for each generation compute its block.
 */
function workerMain(d: WorkerData): void {
  const { GEN, DONE, QUIT, READY, JOB, FAILED } = d.slots;
  const ctrl = new Int32Array(d.ctrl);
  const memory = d.memory as WebAssembly.Memory;
  const wasm = new WebAssembly.Instance(d.module as WebAssembly.Module, { env: { memory } }).exports;
  // eslint-disable-next-line no-new-func
  const compile = <F>(source: string) => new Function(`return (${source});`)() as F;
  const cx = { wasm, memory, kernels: new Map(), load: compile<typeof loadKernel>(d.loadSource) };
  const blocks = d.blockSources.map((source) => compile<typeof gemmBlock>(source));
  // the generation to wait past is read before saying ready: no job runs until every worker is ready
  let gen = Atomics.load(ctrl, GEN);
  Atomics.store(ctrl, READY + d.index, 1);
  for (;;) {
    Atomics.wait(ctrl, GEN, gen);
    gen = Atomics.load(ctrl, GEN);
    if (Atomics.load(ctrl, QUIT) === 1) return;
    try {
      blocks[ctrl[JOB]!]!(ctrl, d.slots, cx, d.index + 1);
    } catch {
      // the calling thread throws for it (its result is incomplete); this worker stays for the next job
      Atomics.store(ctrl, FAILED, 1);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}

/** The pool when every worker has started and the gemm tile is the current one; else null (one thread). */
export function readyPool(): Pool | null {
  if (pool === null) return null;
  if (pool.kernel !== gemmWasmModules()?.kernel) {
    // the tile was switched (selectGemmKernel, in tests): workers with the new one start; this job stays here
    restart();
    return null;
  }
  // all or none: every worker takes part in every job once all have started (then each one sees each
  // generation exactly once); until then the calling thread does it alone
  for (let w = 0; w < pool.workers.length; w++) if (Atomics.load(pool.ctrl, READY + w) !== 1) return null;
  return pool;
}

/** The calling thread's part of a job, run in place on the caller's own arrays (runJob). */
export interface LocalPart {
  /** Called with the parts' bounds (bounds[i] to bounds[i + 1]: part i; part 0 the caller's) before any worker starts. */
  stage(bounds: readonly number[]): void;
  run(start: number, end: number): void;
}

/** Make the shared memory at least `bytes` long (the workers see it grow); false past its maximum. */
export function reserveShared(p: Pool, bytes: number): boolean {
  if (bytes > MAX_SHARED_BYTES) return false;
  growTo(p.memory, bytes);
  return true;
}

/**
 * Run the job the control slots describe (SLOTS.JOB and its operands, set by the caller) over the threads:
 * `units` (rows, elements, indices) split into at most `most` blocks, one per thread, in multiples of `align`,
 * the calling thread's first. With `here`, the caller's own part runs in place: `here.stage(bounds)` is called
 * with the parts' bounds before the workers start (to copy in only what they read), and the calling thread runs
 * `here.run(start, end)` instead of the block. Returns once every thread has finished; whatever happens on the
 * calling thread, the workers are waited for (the next job must not start while one of them still runs).
 */
export function runJob(p: Pool, job: number, units: number, align: number, most = Infinity, here?: LocalPart): void {
  const { ctrl } = p;
  const workers = p.workers.length, parts = workers + 1;
  const per = Math.ceil(units / Math.min(parts, most) / align) * align;
  ctrl[SLOTS.JOB] = job;
  ctrl[SLOTS.FAILED] = 0;
  const bounds: number[] = [];
  for (let i = 0; i <= parts; i++) bounds.push((ctrl[SLOTS.PARTS + i] = Math.min(units, i * per)));
  here?.stage(bounds);
  Atomics.store(ctrl, DONE, 0);
  Atomics.add(ctrl, GEN, 1);
  Atomics.notify(ctrl, GEN);
  try {
    if (here) here.run(bounds[0]!, bounds[1]!);
    else BLOCKS[job]!(ctrl, SLOTS, p.cx, 0);
  } finally {
    const late = () => new Error('internal: a worker thread did not finish within 60 s');
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
  if (Atomics.load(ctrl, SLOTS.FAILED) === 1) throw new Error('internal: a worker thread failed on its block');
  if (job === JOBS.GEMM) parallelProducts++;
  else if (job === JOBS.MAP) parallelElementwise++;
  else if (job === JOBS.LOOP) parallelLoops++;
  else parallelReductions++;
}

/**
 * C = A·B over the threads (same contract as gemmWasm, same bits); false, having done nothing, when this
 * product stays on the calling thread (too small, no ready workers, too large for the shared memory).
 */
export function parallelGemm(
  m: number, n: number, k: number,
  A: TypedArray, aOff: number, ars: number, acs: number,
  B: TypedArray, bOff: number, brs: number, bcs: number,
  C: TypedArray, cOff: number, ldc: number,
): boolean {
  if (m * n * k < PARALLEL_MIN_WORK || m < 4 * GEMM_LAYOUT.MR) return false;
  const p = readyPool();
  if (p === null) return false;
  // the single-threaded gemm's plan: a product it would refuse (the JS gemm takes it, other bits) stays here
  const plan = gemmPlan(m, n, k, A, ars, acs, B, brs, bcs, C);
  if (plan === null) return false;
  // the single-threaded layout, with one set of packing buffers per thread
  const wsBytes = plan.waBytes + plan.wbBytes;
  if (!reserveShared(p, plan.ws + (p.workers.length + 1) * wsBytes)) return false;
  const op = loadOperands(p.memory.buffer, plan, m, n, k, A, aOff, ars, acs, B, bOff, brs, bcs);
  const { ctrl } = p, S = SLOTS;
  ctrl[S.F64] = plan.f64 ? 1 : 0; ctrl[S.N] = n; ctrl[S.K] = k;
  ctrl[S.A] = plan.a; ctrl[S.B] = plan.b; ctrl[S.C] = plan.c; ctrl[S.ARS] = op.ars; ctrl[S.ACS] = op.acs; ctrl[S.BRS] = op.brs; ctrl[S.BCS] = op.bcs;
  ctrl[S.LDC] = plan.np * plan.es; ctrl[S.WS] = plan.ws; ctrl[S.WS_BYTES] = wsBytes; ctrl[S.WA_BYTES] = plan.waBytes;
  ctrl[S.KC] = GEMM_LAYOUT.KC; ctrl[S.MC] = GEMM_LAYOUT.MC;
  // blocks of whole MR-row tiles
  runJob(p, JOBS.GEMM, m, GEMM_LAYOUT.MR);
  copyOut(op.heap, plan, m, n, C, cOff, ldc);
  return true;
}

installWebWorkers(useWorkerThreads);
