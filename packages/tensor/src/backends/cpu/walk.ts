// Layer: tensor/backends/cpu. The strided walk every CPU kernel uses: operands with their own strides
// over one shape are visited row by row in row-major order, advancing each operand's address like an
// odometer. Callers merge the dimensions first with layout.ts's planWalk, so a contiguous tensor is one
// row (the flat fast path falls out of the general one); and the copy of one strided row. Imports only types.
import type { TypedArray } from '../../dtype';
import type { WalkPlan } from '../../layout';

/** dst[d + i] = src[s + i·step] for i < n (one block copy when the row is contiguous). */
export function copyRow(src: TypedArray, s: number, step: number, dst: TypedArray, d: number, n: number): void {
  if (step === 1) dst.set(src.subarray(s, s + n), d);
  else for (let i = 0; i < n; i++) dst[d + i] = src[s + i * step]!;
}

/**
 * Call `row(pos)` once per innermost row of `plan`; `pos[k]` is operand k's address of the row's first
 * element (starting from `offsets[k]`). The row length is `plan.shape[last]` and operand k's step inside
 * the row is `plan.strides[k][last]`. `pos` is reused between calls.
 */
export function walkRows(plan: WalkPlan, offsets: readonly number[], row: (pos: number[]) => void): void {
  const { shape, strides } = plan;
  const nd = shape.length;
  const rows = shape.slice(0, nd - 1).reduce((a, b) => a * b, 1);
  if (shape[nd - 1] === 0 || rows === 0) return;
  const pos = offsets.slice();
  const idx = new Array<number>(nd - 1).fill(0);
  const nops = offsets.length;
  for (let r = 0; r < rows; r++) {
    row(pos);
    // advance the odometer over the outer dimensions
    for (let d = nd - 2; d >= 0; d--) {
      const i = ++idx[d]!;
      if (i < shape[d]!) {
        for (let k = 0; k < nops; k++) pos[k] = pos[k]! + strides[k]![d]!;
        break;
      }
      idx[d] = 0;
      for (let k = 0; k < nops; k++) pos[k] = pos[k]! - strides[k]![d]! * (shape[d]! - 1);
    }
  }
}
