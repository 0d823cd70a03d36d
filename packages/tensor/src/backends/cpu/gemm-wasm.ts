// Layer: tensor/backends/cpu. Drives the WebAssembly SIMD matrix multiply compiled from wasm/gemm.wat:
// instantiates it once (synchronously: the module is ~2 KB, under the 4 KB that browsers allow on the main
// thread), copies the operands into its memory, runs it and copies C out. Returns false when WebAssembly
// or SIMD is missing or the operands are too large, so the caller falls back to the JS gemm. Uses only
// the WebAssembly global (no Node imports). Imports only types and the generated module.
import type { TypedArray } from '../../dtype';
import { GEMM_WASM_BASE64 } from './gemm-wasm.generated';

/** Tile rows; tile columns are 8 (float32) or 4 (float64). Must match gemm.wat. */
const MR = 4;
/** Rows of B (= columns of A) per packed block, and rows of A per packed block (a multiple of MR). */
const KC = 256;
const MC = 64;
/** Operands needing more wasm memory than this go to the JS gemm. */
const MAX_BYTES = 256 * 2 ** 20;
/**
 * After a call that needed more than this, the memory is dropped (a fresh instance next time). A 2048²
 * float32 product needs 48 MiB: kept, since growing a fresh memory costs it page faults on every call.
 */
const KEEP_BYTES = 64 * 2 ** 20;

export type GemmFn = (m: number, n: number, k: number, a: number, ars: number, acs: number,
  b: number, brs: number, bcs: number, c: number, wa: number, wb: number, kcBlock: number, mcBlock: number) => void;

/**
 * Which tile the gemm runs: 'fma' (relaxed SIMD's fused multiply-add: Chrome 114+, Node 22+, Node 20 run with
 * --experimental-wasm-relaxed-simd) where the platform validates it, else 'simd' (a multiply then an add).
 * The two round differently (FMA rounds once per step), so a product's last bits depend on which one runs;
 * every thread runs the same one.
 */
export type GemmKernel = 'fma' | 'simd';

interface Compiled {
  readonly kernel: GemmKernel;
  /** The module with its own memory (the calling thread's products). */
  readonly own: WebAssembly.Module;
  /** The same code importing a shared memory (threads.ts), or null where shared memory is missing. */
  readonly shared: WebAssembly.Module | null;
}

let compiled: Compiled | null | undefined; // undefined: not tried yet; null: unavailable
let instance: GemmExports | null = null;
/** The kernels tried, best first; tests narrow it (selectGemmKernel). */
let candidates: readonly GemmKernel[] = ['fma', 'simd'];

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The compiled gemm modules (compiled once), or null where WebAssembly or SIMD is missing; threads.ts sends
 * the shared one to its workers. Typed `object` so that the declarations need no WebAssembly lib.
 */
export function gemmWasmModules(): { readonly kernel: GemmKernel; readonly shared: object | null } | null {
  return compileGemm();
}

function compileGemm(): Compiled | null {
  if (compiled === undefined) {
    compiled = null;
    for (const kernel of candidates) {
      try {
        const bytes = decodeBase64(GEMM_WASM_BASE64[kernel]);
        // validate() is false where SIMD (or relaxed SIMD, or WebAssembly itself) is unsupported: the feature test
        if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) continue;
        const sharedBytes = decodeBase64(GEMM_WASM_BASE64[kernel === 'fma' ? 'fmaShared' : 'simdShared']);
        const shared = typeof SharedArrayBuffer === 'function' && WebAssembly.validate(sharedBytes) ? new WebAssembly.Module(sharedBytes) : null;
        compiled = { kernel, own: new WebAssembly.Module(bytes), shared };
        break;
      } catch {
        // next candidate
      }
    }
  }
  return compiled;
}

/**
 * Tests only: which kernels may be chosen ('auto': the best the platform validates). Drops the compiled
 * modules; threads.ts restarts its workers through its own setNumThreads. Returns the kernel now in use.
 */
export function selectGemmKernel(which: GemmKernel | 'auto'): GemmKernel | null {
  candidates = which === 'auto' ? ['fma', 'simd'] : [which];
  compiled = undefined;
  instance = null;
  return compileGemm()?.kernel ?? null;
}

function getInstance(): GemmExports | null {
  if (instance !== null) return instance;
  const modules = compileGemm();
  if (modules === null) return null;
  const ex = new WebAssembly.Instance(modules.own, {}).exports;
  instance = { memory: ex['memory'] as WebAssembly.Memory, gemm_f32: ex['gemm_f32'] as GemmFn, gemm_f64: ex['gemm_f64'] as GemmFn };
  return instance;
}

/** Whether the WebAssembly SIMD gemm can run here (WebAssembly present and SIMD validated). */
export function wasmGemmAvailable(): boolean {
  return getInstance() !== null;
}

/** A WebAssembly.Memory, typed by what is used (the declarations need no WebAssembly lib). */
export interface GrowableMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** Grow `memory` to at least `bytes` (whole 64 KiB pages); a shared memory's other threads see it grow. */
export function growTo(memory: GrowableMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
}

/** The calling thread's instance of the module with its own memory (gemm.wat's exports). */
interface GemmExports {
  readonly memory: GrowableMemory;
  readonly gemm_f32: GemmFn;
  readonly gemm_f64: GemmFn;
}

/**
 * C[cOff + i*ldc + j] = sum_p A[aOff + i*ars + p*acs] * B[bOff + p*brs + j*bcs] with WebAssembly SIMD.
 * A, B and C must be the same typed-array type; strides must be non-negative; m, n, k >= 1. Returns
 * false (having done nothing) when it cannot run: no WebAssembly SIMD, mixed types, or too large.
 */
export function gemmWasm(
  m: number, n: number, k: number,
  A: TypedArray, aOff: number, ars: number, acs: number,
  B: TypedArray, bOff: number, brs: number, bcs: number,
  C: TypedArray, cOff: number, ldc: number,
): boolean {
  const inst = getInstance();
  if (inst === null) return false;
  const used = gemmInMemory(inst, m, n, k, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc);
  if (used > KEEP_BYTES) instance = null; // let a big memory be collected; the compiled module is kept
  return used > 0;
}

/** The block sizes gemm.wat was written for (MR must match it), and the largest memory a call may use. */
export const GEMM_LAYOUT = { MR, KC, MC, MAX_BYTES } as const;

/** Where a product's operands go in a gemm module's memory (byte sizes, each a multiple of 16). */
export interface GemmPlan {
  readonly f64: boolean;
  /** Bytes per element, and C's padded columns (a multiple of the tile's) and rows (of MR). */
  readonly es: number;
  readonly np: number;
  readonly mp: number;
  /** The spans of A and B as laid out (from the first element to the last). */
  readonly aSpan: number;
  readonly bSpan: number;
  readonly aBytes: number;
  readonly bBytes: number;
  readonly cBytes: number;
  /** One thread's packing buffers, for a block of A's rows and for B. */
  readonly waBytes: number;
  readonly wbBytes: number;
  /** Byte addresses of A, B and C, and of the packing buffers (one thread's: its A buffer, then its B buffer). */
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly ws: number;
  /** A, B, C and one thread's packing buffers: what the single-threaded gemm needs. */
  readonly total: number;
}

/**
 * The plan of C = A·B in a gemm module's memory, or null when the module cannot run it (mixed types,
 * negative strides, empty sizes, more than MAX_BYTES); then the JS gemm does, on every thread count.
 */
export function gemmPlan(m: number, n: number, k: number, A: TypedArray, ars: number, acs: number,
  B: TypedArray, brs: number, bcs: number, C: TypedArray): GemmPlan | null {
  const f64 = C instanceof Float64Array;
  if ((A instanceof Float64Array) !== f64 || (B instanceof Float64Array) !== f64) return null;
  if (ars < 0 || acs < 0 || brs < 0 || bcs < 0 || m < 1 || n < 1 || k < 1) return null;
  const align = (bytes: number) => (bytes + 15) & ~15;
  const es = f64 ? 8 : 4, nr = f64 ? 4 : 8;
  const np = Math.ceil(n / nr) * nr, mp = Math.ceil(m / MR) * MR;
  const aSpan = (m - 1) * ars + (k - 1) * acs + 1, bSpan = (k - 1) * brs + (n - 1) * bcs + 1;
  const aBytes = align(Math.max(aSpan, m * k) * es), bBytes = align(Math.max(bSpan, k * n) * es);
  const cBytes = align(mp * np * es), waBytes = align(MC * Math.min(k, KC) * es), wbBytes = align(Math.min(k, KC) * np * es);
  const a = 0, b = a + aBytes, c = b + bBytes, ws = c + cBytes, total = ws + waBytes + wbBytes;
  if (total > MAX_BYTES) return null;
  return { f64, es, np, mp, aSpan, bSpan, aBytes, bBytes, cBytes, waBytes, wbBytes, a, b, c, ws, total };
}

/**
 * Copy a rows x cols strided operand to element `dst` of `heap`; returns its strides there. A dense enough
 * span (a row-major or transposed matrix) is copied as one block, keeping its strides; a sparse one (a
 * strided slice) is gathered row-major.
 */
export function copyIn(heap: TypedArray, dst: number, X: TypedArray, off: number, rs: number, cs: number,
  rows: number, cols: number, span: number): [rowStride: number, colStride: number] {
  if (span <= 2 * rows * cols + 64) {
    heap.set(X.subarray(off, off + span), dst);
    return [rs, cs];
  }
  for (let i = 0; i < rows; i++) {
    const s = off + i * rs, d = dst + i * cols;
    for (let j = 0; j < cols; j++) heap[d + j] = X[s + j * cs]!;
  }
  return [cols, 1];
}

/** A and B copied into a gemm module's memory where `plan` puts them: a view of the memory, and their strides there. */
export interface LoadedOperands { readonly heap: TypedArray; readonly ars: number; readonly acs: number; readonly brs: number; readonly bcs: number }

/** Copy A and B into `buffer` (a gemm module's memory, large enough for `plan`) where `plan` puts them. */
export function loadOperands(buffer: ArrayBufferLike, plan: GemmPlan, m: number, n: number, k: number,
  A: TypedArray, aOff: number, ars: number, acs: number, B: TypedArray, bOff: number, brs: number, bcs: number): LoadedOperands {
  const heap = plan.f64 ? new Float64Array(buffer) : new Float32Array(buffer);
  const [ars2, acs2] = copyIn(heap, plan.a / plan.es, A, aOff, ars, acs, m, k, plan.aSpan);
  const [brs2, bcs2] = copyIn(heap, plan.b / plan.es, B, bOff, brs, bcs, k, n, plan.bSpan);
  return { heap, ars: ars2, acs: acs2, brs: brs2, bcs: bcs2 };
}

/** Copy the m x n corner of C (where `plan` put it, row stride plan.np) to C[cOff + i*ldc + j]. */
export function copyOut(heap: TypedArray, plan: GemmPlan, m: number, n: number, C: TypedArray, cOff: number, ldc: number): void {
  const c0 = plan.c / plan.es, np = plan.np;
  if (np === n && ldc === n) C.set(heap.subarray(c0, c0 + m * n), cOff);
  else for (let i = 0; i < m; i++) C.set(heap.subarray(c0 + i * np, c0 + i * np + n), cOff + i * ldc);
}

/**
 * The body of `gemmWasm` on a given instance: copy A and B into its memory, run the kernel, copy C out.
 * Returns the bytes of memory it used, or 0 when it could not run (see gemmPlan).
 */
function gemmInMemory(
  ex: GemmExports,
  m: number, n: number, k: number,
  A: TypedArray, aOff: number, ars: number, acs: number,
  B: TypedArray, bOff: number, brs: number, bcs: number,
  C: TypedArray, cOff: number, ldc: number,
): number {
  const plan = gemmPlan(m, n, k, A, ars, acs, B, brs, bcs, C);
  if (plan === null) return 0;
  growTo(ex.memory, plan.total);
  const op = loadOperands(ex.memory.buffer, plan, m, n, k, A, aOff, ars, acs, B, bOff, brs, bcs);
  (plan.f64 ? ex.gemm_f64 : ex.gemm_f32)(m, n, k, plan.a, op.ars, op.acs, plan.b, op.brs, op.bcs, plan.c, plan.ws, plan.ws + plan.waBytes, KC, MC);
  copyOut(op.heap, plan, m, n, C, cOff, ldc);
  return plan.total;
}
