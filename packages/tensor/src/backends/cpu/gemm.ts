// Layer: tensor/backends/cpu. Matrix multiply C = A·B on typed arrays: the CPU matmul's inner kernel.
// Large products go to the WebAssembly SIMD gemm (gemm-wasm.ts, ~15x faster); small ones, and platforms
// without WebAssembly SIMD, use the JS gemm here: blocked over k and j so a panel of B stays in cache,
// four rows of A at a time so each loaded B element feeds four multiply-adds. Imports only types and
// gemm-wasm.ts.
import type { TypedArray } from '../../dtype';
import { gemmWasm, wasmGemmAvailable } from './gemm-wasm';
import { PARALLEL_MIN_WORK, parallelGemm } from './threads';

const KB = 128; // rows of B per panel
const JB = 512; // columns of B per panel

/**
 * Below this many multiply-adds (m·n·k) the JS gemm is used: the WebAssembly call copies its operands in
 * and out, which costs more than it saves on tiny matrices. Measured crossover on Node 20 / x64: about
 * 6x6x6 for float32 and float64 (WebAssembly is ~4x faster from 8x8x8 on) (bench: `npm run bench -- --only gemm-crossover`).
 */
export const WASM_MIN_WORK = 8 * 8 * 8;

let wasmEnabled = true;
/** Turn the WebAssembly gemm off or on (tests and benchmarks compare the two paths); returns the old value. */
export function setWasmGemm(enabled: boolean): boolean {
  const old = wasmEnabled;
  wasmEnabled = enabled;
  return old;
}

/**
 * C[cOff + i*ldc + j] = sum_p A[aOff + i*lda + p] * B[bOff + p*ldb + j]  for i < m, j < n.
 * C must not overlap A or B. Row strides (lda, ldb, ldc) allow sub-matrices of larger arrays.
 *
 * ```ts
 * gemm(2, 2, 2, Float64Array.of(1, 2, 3, 4), 0, 2, Float64Array.of(1, 0, 0, 1), 0, 2, out, 0, 2); // out = A
 * ```
 */
export function gemm(
  m: number, n: number, k: number,
  A: TypedArray, aOff: number, lda: number,
  B: TypedArray, bOff: number, ldb: number,
  C: TypedArray, cOff: number, ldc: number,
): void {
  gemmStrided(m, n, k, A, aOff, lda, 1, B, bOff, ldb, 1, C, cOff, ldc);
}

/**
 * C = A·B where A(i, p) = A[aOff + i*ars + p*acs] and B(p, j) = B[bOff + p*brs + j*bcs] (any non-negative
 * strides: transposed, sliced or broadcast matrices need no copy by the caller); C is row-major with row
 * stride ldc and must not overlap A or B.
 */
export function gemmStrided(
  m: number, n: number, k: number,
  A: TypedArray, aOff: number, ars: number, acs: number,
  B: TypedArray, bOff: number, brs: number, bcs: number,
  C: TypedArray, cOff: number, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    for (let i = 0; i < m; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  // large products over the threads (threads.ts; bit-identical to one thread), each block by the wasm gemm
  if (wasmEnabled && m * n * k >= PARALLEL_MIN_WORK && wasmGemmAvailable() &&
    parallelGemm(m, n, k, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc)) return;
  if (wasmEnabled && m * n * k >= WASM_MIN_WORK &&
    gemmWasm(m, n, k, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc)) return;
  // the JS kernel wants unit column strides: pack the others (small matrices, so a fresh buffer is fine)
  let lda = ars, ldb = brs;
  if (acs !== 1) { A = packRowMajor(A, aOff, ars, acs, m, k); aOff = 0; lda = k; }
  if (bcs !== 1) { B = packRowMajor(B, bOff, brs, bcs, k, n); bOff = 0; ldb = n; }
  gemmJs(m, n, k, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
}

function packRowMajor(X: TypedArray, off: number, rs: number, cs: number, rows: number, cols: number): TypedArray {
  const out = X instanceof Float64Array ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = X[off + i * rs + j * cs]!;
  return out;
}

/** The pure-JS gemm (same contract as `gemm`), used for small products and where WebAssembly SIMD is missing. */
export function gemmJs(
  m: number, n: number, k: number,
  A: TypedArray, aOff: number, lda: number,
  B: TypedArray, bOff: number, ldb: number,
  C: TypedArray, cOff: number, ldc: number,
): void {
  for (let i = 0; i < m; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + n);
  for (let j0 = 0; j0 < n; j0 += JB) {
    const j1 = Math.min(n, j0 + JB);
    for (let k0 = 0; k0 < k; k0 += KB) {
      const k1 = Math.min(k, k0 + KB);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (let p = k0; p < k1; p++) {
          const x0 = A[a0 + p]!, x1 = A[a1 + p]!, x2 = A[a2 + p]!, x3 = A[a3 + p]!;
          const b = bOff + p * ldb;
          for (let j = j0; j < j1; j++) {
            const y = B[b + j]!;
            C[c0 + j] = C[c0 + j]! + x0 * y;
            C[c1 + j] = C[c1 + j]! + x1 * y;
            C[c2 + j] = C[c2 + j]! + x2 * y;
            C[c3 + j] = C[c3 + j]! + x3 * y;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = cOff + i * ldc;
        const a0 = aOff + i * lda;
        for (let p = k0; p < k1; p++) {
          const x0 = A[a0 + p]!;
          const b = bOff + p * ldb;
          for (let j = j0; j < j1; j++) C[c0 + j] = C[c0 + j]! + x0 * B[b + j]!;
        }
      }
    }
  }
}
