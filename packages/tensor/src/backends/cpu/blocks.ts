// Layer: tensor/backends/cpu. What one thread does of a job the threads share (threads.ts runs the pool): a
// block of rows of a matrix product, a range of elements of an elementwise kernel, or a range of a
// parallelFor loop's indices, in the one shared WebAssembly memory. The calling thread runs these functions
// directly and every worker runs them from their source text, so each refers to nothing outside itself (no
// import, no module constant). Imports nothing.

/** Most workers a pool starts (the calling thread is one more thread). */
export const MAX_WORKERS = 31;
/** Most arrays a parallelFor loop may share with the threads. */
export const MAX_LOOP_ARRAYS = 12;

/**
 * The Int32Array slots of the control buffer. The pool's: the generation (bumped per job), how many workers
 * finished it, quit, which job (JOBS), whether a worker's block threw (FAILED), the part boundaries (one more than the threads: rows of a product,
 * elements of a map) and one ready flag per worker. A product's: float64 or not, n, k, the byte addresses of
 * A, B and C in the shared memory, A's and B's strides there (elements), C's row stride (bytes), the packing
 * buffers (the first one's address, and one thread's bytes: its A buffer, then its B buffer), the block
 * sizes. A map's: the kernel's id, its arity, and X, its stride (0: one value for all), W (a binary
 * kernel's second operand) and its stride, Y, in elements of the dtype; the kernel's source (CODE, CODE_LEN
 * bytes of UTF-8) when the workers have not compiled that id yet. A parallelFor loop's: its body's id (KERNEL)
 * and source (CODE, CODE_LEN), how many arrays (NARRAYS) and for each its type (0 float32, 1 float64, 2
 * int32), byte address and length (ARRAYS, three slots each), and each part's int32 result (RESULTS).
 */
export const SLOTS = {
  GEN: 0, DONE: 1, QUIT: 2, JOB: 3,
  F64: 4, N: 5, K: 6, A: 7, B: 8, C: 9, ARS: 10, ACS: 11, BRS: 12, BCS: 13, LDC: 14, WS: 15, WS_BYTES: 16, WA_BYTES: 17, KC: 18, MC: 19,
  KERNEL: 20, ARITY: 21, X: 22, XS: 23, W: 24, WS2: 25, Y: 26, CODE: 27, CODE_LEN: 28, FAILED: 29,
  PARTS: 30, READY: 30 + MAX_WORKERS + 2,
  RESULTS: 30 + 2 * MAX_WORKERS + 2, NARRAYS: 30 + 3 * MAX_WORKERS + 3, ARRAYS: 30 + 3 * MAX_WORKERS + 4,
} as const;
export const CTRL_INTS = SLOTS.ARRAYS + 3 * MAX_LOOP_ARRAYS;
/** The jobs, by SLOTS.JOB: the index of their block function in BLOCKS (a reduction is a loop, counted apart). */
export const JOBS = { GEMM: 0, MAP: 1, LOOP: 2, REDUCE: 3 } as const;

/** A compiled kernel (a map's row loop, a loop's body), as the blocks call it. */
export type BlockKernel = (...args: unknown[]) => unknown;

/**
 * A thread's view of the shared state: the gemm instance's exports, the memory, the kernels compiled so far,
 * and `load` (loadKernel below, which the workers also get as source text).
 */
export interface BlockContext {
  readonly wasm: Record<string, unknown>;
  readonly memory: { readonly buffer: ArrayBufferLike };
  readonly kernels: Map<number, BlockKernel>;
  readonly load: typeof loadKernel;
}

/** The kernel SLOTS.KERNEL names: compiled from its source (CODE, CODE_LEN) the first time this thread meets its id. */
export function loadKernel(ctrl: Int32Array, s: typeof SLOTS, cx: BlockContext): BlockKernel {
  const id = ctrl[s.KERNEL]!;
  let kernel = cx.kernels.get(id);
  if (kernel === undefined) {
    // TextDecoder may not read a shared buffer: copy the bytes out first
    const bytes = new Uint8Array(ctrl[s.CODE_LEN]!);
    bytes.set(new Uint8Array(cx.memory.buffer, ctrl[s.CODE]!, bytes.length));
    // eslint-disable-next-line no-new-func
    kernel = new Function(`return (${new TextDecoder().decode(bytes)});`)() as BlockKernel;
    cx.kernels.set(id, kernel);
  }
  return kernel;
}

/**
 * Block `part` of the product described in `ctrl` (part 0 is the calling thread's, part i + 1 worker i's): its
 * rows of A times B into its rows of C, packing through its own buffers, all in the shared memory.
 */
export function gemmBlock(ctrl: Int32Array, s: typeof SLOTS, cx: BlockContext, part: number): void {
  const r0 = ctrl[s.PARTS + part]!, r1 = ctrl[s.PARTS + part + 1]!;
  if (r1 <= r0) return;
  const f64 = ctrl[s.F64] === 1, es = f64 ? 8 : 4, ars = ctrl[s.ARS]!;
  const wa = ctrl[s.WS]! + part * ctrl[s.WS_BYTES]!, wb = wa + ctrl[s.WA_BYTES]!;
  const gemm = (f64 ? cx.wasm['gemm_f64'] : cx.wasm['gemm_f32']) as (...args: number[]) => void;
  gemm(r1 - r0, ctrl[s.N]!, ctrl[s.K]!, ctrl[s.A]! + r0 * ars * es, ars, ctrl[s.ACS]!, ctrl[s.B]!, ctrl[s.BRS]!, ctrl[s.BCS]!,
    ctrl[s.C]! + r0 * ctrl[s.LDC]!, wa, wb, ctrl[s.KC]!, ctrl[s.MC]!);
}

/**
 * Elements [PARTS[part], PARTS[part + 1]) of the map described in `ctrl`: the kernel (an elementwise op's
 * CPU row loop; compiled from its source the first time this thread meets its id) over views of the shared
 * memory. Elements are independent, so which thread does which gives the same bits.
 */
export function mapBlock(ctrl: Int32Array, s: typeof SLOTS, cx: BlockContext, part: number): void {
  const e0 = ctrl[s.PARTS + part]!, e1 = ctrl[s.PARTS + part + 1]!;
  if (e1 <= e0) return;
  const kernel = cx.load(ctrl, s, cx);
  const heap = ctrl[s.F64] === 1 ? new Float64Array(cx.memory.buffer) : new Float32Array(cx.memory.buffer);
  const xs = ctrl[s.XS]!, x = ctrl[s.X]! + e0 * xs, y = ctrl[s.Y]! + e0;
  if (ctrl[s.ARITY] === 1) kernel(heap, x, xs, heap, y, e1 - e0);
  else {
    const ws = ctrl[s.WS2]!;
    kernel(heap, x, xs, heap, ctrl[s.W]! + e0 * ws, ws, heap, y, e1 - e0);
  }
}

/**
 * Indices [PARTS[part], PARTS[part + 1]) of the parallelFor loop described in `ctrl`: its body on views of
 * the shared memory standing for the caller's arrays; the body's int32 result goes to RESULTS[part].
 */
export function loopBlock(ctrl: Int32Array, s: typeof SLOTS, cx: BlockContext, part: number): void {
  const i0 = ctrl[s.PARTS + part]!, i1 = ctrl[s.PARTS + part + 1]!;
  if (i1 <= i0) return;
  const body = cx.load(ctrl, s, cx);
  const buffer = cx.memory.buffer, arrays: (Float32Array | Float64Array | Int32Array)[] = [];
  for (let a = 0; a < ctrl[s.NARRAYS]!; a++) {
    const type = ctrl[s.ARRAYS + 3 * a]!, at = ctrl[s.ARRAYS + 3 * a + 1]!, length = ctrl[s.ARRAYS + 3 * a + 2]!;
    arrays.push(type === 0 ? new Float32Array(buffer, at, length) : type === 1 ? new Float64Array(buffer, at, length) : new Int32Array(buffer, at, length));
  }
  const r = body(arrays, i0, i1) ?? 0;
  if (r !== ((r as number) | 0)) throw new Error(`parallelFor: the body returned ${String(r)}, expected an int32 or nothing`);
  ctrl[s.RESULTS + part] = r as number;
}

/** The block functions, by job (JOBS). */
export const BLOCKS = [gemmBlock, mapBlock, loopBlock, loopBlock] as const;
