// Layer: tensor/backends/cpu. Dense row-major matrix multiply C = A·B on typed arrays: the CPU matmul's
// inner kernel. Blocked over k and j so a panel of B stays in cache, four rows of A at a time so each
// loaded B element feeds four multiply-adds. Imports only types.
import type { TypedArray } from '../../dtype';

const KB = 128; // rows of B per panel
const JB = 512; // columns of B per panel

/**
 * C[cOff + i*ldc + j] = sum_k A[aOff + i*lda + k] * B[bOff + k*ldb + j]  for i < m, j < n.
 * C must not overlap A or B. Row strides (lda, ldb, ldc) allow sub-matrices of larger arrays.
 */
export function gemm(
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
