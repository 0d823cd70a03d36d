// Layer: tensor/backends/cpu. Cumulative sums and products along one axis (the kernels of cumsum and
// cumprod). Every slice along the axis is one sequential pass; the other dimensions are walked with the
// shared strided walk, so any view is read in place. Imports types, layout.ts, shape.ts and walk.ts.
import type { ScanOp } from '../../backend';
import type { TypedArray } from '../../dtype';
import { planWalk } from '../../layout';
import { contiguousStrides } from '../../shape';
import type { Tensor } from '../../tensor';
import { walkRows } from './walk';

/**
 * Write the inclusive scan of `x` (whose elements are `src`) along `axis` into `out`, a contiguous array of
 * x's shape; `reverse` scans from the last element to the first. The running value is a JS number, so it
 * is float64 for float32 input too, and only each stored result is rounded: what PyTorch's CPU kernels do
 * (their accumulator for float is `acc_type<float, false>`, a double).
 */
export function scanInto(op: ScanOp, src: TypedArray, x: Tensor, axis: number, reverse: boolean, out: TypedArray): void {
  const n = x.shape[axis]!;
  const outStrides = contiguousStrides(x.shape);
  // walk every dimension but the scanned one; each visited position starts one slice
  const others = <T>(a: readonly T[]) => a.filter((_, d) => d !== axis);
  const plan = planWalk(others(x.shape), [others(x.strides), others(outStrides)]);
  const last = plan.shape.length - 1;
  const m = plan.shape[last]!, xs = plan.strides[0]![last]!, ys = plan.strides[1]![last]!;
  // a reverse scan starts at the slice's last element and steps backwards
  const start = reverse ? n - 1 : 0, dir = reverse ? -1 : 1;
  const sx = dir * x.strides[axis]!, sy = dir * outStrides[axis]!;
  const startX = start * x.strides[axis]!, startY = start * outStrides[axis]!;
  walkRows(plan, [x.offset, 0], (pos) => {
    for (let r = 0; r < m; r++) {
      let xa = pos[0]! + r * xs + startX, ya = pos[1]! + r * ys + startY;
      if (op === 'sum') {
        let acc = 0;
        for (let i = 0; i < n; i++, xa += sx, ya += sy) { acc += src[xa]!; out[ya] = acc; }
      } else {
        let acc = 1;
        for (let i = 0; i < n; i++, xa += sx, ya += sy) { acc *= src[xa]!; out[ya] = acc; }
      }
    }
  });
}
