// Gradient-check cases for the reductions and scans of issue #12 (variance, std, norm, cumsum, cumprod:
// packages/autograd/src/ops/statistics.ts, ops/scan.ts, composites/statistics.ts), against float64 central
// differences: every axis form, both scan directions, non-contiguous inputs, and cumprod with zeros in the
// input (one, two, three, first, last, all), where the gradient is the product of the other elements. The
// second-order cases run gradgradcheck through the same backwards (all written with differentiable ops).
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { type Case, awayFromZero, distinct, everyOtherRow, f64, pos, transposed, u } from '../../helpers/gradcheck-inputs';

const vec = (...v: number[]) => T.tensor(Float64Array.from(v));
/** Rows with no zero, one zero (middle), two zeros, a zero first and a zero last. */
const ZEROS_35 = T.tensor(Float64Array.of(
  0.7, -1.3, 0.9, 1.1, -0.6,
  1.2, 0, -0.8, 1.4, 0.5,
  0.9, 0, 1.3, 0, -1.1,
  0, 1.5, -0.7, 0.8, 1.2,
  -0.9, 1.1, 0.6, -1.2, 0,
), { shape: [5, 5] });

export const cases: Case[] = [
  // ---- cumsum ----
  { op: 'cumsum', what: 'axis 1', fn: (x) => A.cumsum(x, 1), inputs: [u([3, 4])] },
  { op: 'cumsum', what: 'axis 0, reverse', fn: (x) => A.cumsum(x, { axis: 0, reverse: true }), inputs: [u([4, 3])] },
  { op: 'cumsum', what: 'axis -1 of rank 3, transposed input', fn: (x) => A.cumsum(x, -1), inputs: [transposed(u([5, 3]))] },
  { op: 'cumsum', what: 'of a broadcast (stride-0) view along the axis', fn: (x) => A.cumsum(A.expand(x, [3, 4]), 1), inputs: [u([3, 1])] },

  // ---- cumprod: the gradient is the product of the others, zeros included ----
  { op: 'cumprod', what: 'axis 1, no zeros', fn: (x) => A.cumprod(x, 1), inputs: [awayFromZero([3, 4], 0.5, 1.5)] },
  { op: 'cumprod', what: 'axis 0, reverse, no zeros', fn: (x) => A.cumprod(x, { axis: 0, reverse: true }), inputs: [awayFromZero([4, 2], 0.5, 1.5)] },
  { op: 'cumprod', what: 'one zero', fn: (x) => A.cumprod(x, 0), inputs: [vec(1.5, -0.8, 0, 1.2, 0.7)] },
  { op: 'cumprod', what: 'two zeros', fn: (x) => A.cumprod(x, 0), inputs: [vec(1.5, 0, -0.8, 0, 1.2, 0.7)] },
  { op: 'cumprod', what: 'three zeros, reverse', fn: (x) => A.cumprod(x, { axis: 0, reverse: true }), inputs: [vec(0, 1.3, 0, -0.9, 0, 1.1)] },
  { op: 'cumprod', what: 'zero first', fn: (x) => A.cumprod(x, 0), inputs: [vec(0, 1.5, -0.8, 1.2)] },
  { op: 'cumprod', what: 'zero last', fn: (x) => A.cumprod(x, 0), inputs: [vec(1.5, -0.8, 1.2, 0)] },
  { op: 'cumprod', what: 'all zeros', fn: (x) => A.cumprod(x, 0), inputs: [vec(0, 0, 0)] },
  { op: 'cumprod', what: 'rows with no, one, two zeros, zero first and last (axis 1)', fn: (x) => A.cumprod(x, 1), inputs: [ZEROS_35] },
  { op: 'cumprod', what: 'the same rows as columns of a transposed input (axis 0, reverse)', fn: (x) => A.cumprod(x, { axis: 0, reverse: true }), inputs: [transposed(ZEROS_35)] },

  // ---- variance and std ----
  { op: 'variance', what: 'all', fn: (x) => A.variance(x), inputs: [u([3, 4])] },
  { op: 'variance', what: 'axis 1 keepDims', fn: (x) => A.variance(x, { axis: 1, keepDims: true }), inputs: [u([3, 4])] },
  { op: 'variance', what: 'axes [0, 2], correction 0', fn: (x) => A.variance(x, { axis: [0, 2], correction: 0 }), inputs: [u([2, 3, 4])] },
  { op: 'variance', what: 'positional axis of a transposed input', fn: (x) => A.variance(x, 0), inputs: [transposed(u([3, 4]))] },
  { op: 'std', what: 'all', fn: (x) => A.std(x), inputs: [u([3, 4])] },
  { op: 'std', what: 'axis 0', fn: (x) => A.std(x, 0), inputs: [u([4, 3])] },
  { op: 'std', what: 'axis -1 keepDims, correction 0, sliced input', fn: (x) => A.std(x, { axis: -1, keepDims: true, correction: 0 }), inputs: [everyOtherRow(u([6, 3]))] },

  // ---- norm ----
  { op: 'norm', what: 'p = 2 (default), all', fn: (x) => A.norm(x), inputs: [u([3, 4])] },
  { op: 'norm', what: 'p = 2, axis 1 keepDims, transposed input', fn: (x) => A.norm(x, { axis: 1, keepDims: true }), inputs: [transposed(u([4, 3]))] },
  { op: 'norm', what: 'p = 1 (away from the kinks at 0)', fn: (x) => A.norm(x, { p: 1, axis: 0 }), inputs: [awayFromZero([3, 4])] },
  { op: 'norm', what: 'p = 3 with signed input', fn: (x) => A.norm(x, { p: 3, axis: -1 }), inputs: [awayFromZero([2, 4])] },
  { op: 'norm', what: 'p = 1.5', fn: (x) => A.norm(x, { p: 1.5 }), inputs: [awayFromZero([2, 3])] },
  { op: 'norm', what: 'p = 0.5', fn: (x) => A.norm(x, { p: 0.5, axis: 1 }), inputs: [awayFromZero([2, 3])] },
  { op: 'norm', what: 'p = -1', fn: (x) => A.norm(x, { p: -1, axis: [0, 1] }), inputs: [awayFromZero([2, 3])] },
  { op: 'norm', what: 'p = Infinity (no ties in |x|)', fn: (x) => A.norm(x, { p: Infinity, axis: 1 }), inputs: [distinct([3, 4])] },
  { op: 'norm', what: 'p = -Infinity (no ties in |x|)', fn: (x) => A.norm(x, { p: -Infinity }), inputs: [distinct([3, 4])] },
  { op: 'norm', what: 'p = 0 (a count: gradient 0, as PyTorch)', fn: (x) => A.norm(x, { p: 0, axis: 0 }), inputs: [awayFromZero([3, 2])] },
  // at x = 0 the norm has a kink; its central differences are 0 along every coordinate, PyTorch's value
  { op: 'norm', what: 'p = 2 at x = 0 (0, not 0/0)', fn: (x) => A.norm(x, { axis: 1 }), inputs: [T.tensor([[0, 0, 0], [0.3, -0.4, 1.2]], f64)] },
];

export const secondOrder: Case[] = [
  { op: 'cumsum', what: 'cumsum(x)³, reverse', fn: (x) => A.pow(A.cumsum(x, { axis: 1, reverse: true }), 3), inputs: [u([2, 4])] },
  { op: 'cumprod', what: 'no zeros', fn: (x) => A.cumprod(x, 1), inputs: [awayFromZero([2, 4], 0.5, 1.5)] },
  { op: 'cumprod', what: 'one zero', fn: (x) => A.cumprod(x, 0), inputs: [vec(1.5, -0.8, 0, 1.2, 0.7)] },
  { op: 'cumprod', what: 'two zeros', fn: (x) => A.cumprod(x, 0), inputs: [vec(1.5, 0, -0.8, 0, 1.2)] },
  { op: 'cumprod', what: 'three zeros, zero first, reverse', fn: (x) => A.cumprod(x, { axis: 0, reverse: true }), inputs: [vec(0, 1.3, 0, -0.9, 0, 1.1)] },
  { op: 'cumprod', what: 'rows with no, one, two zeros, zero first and last', fn: (x) => A.cumprod(x, 1), inputs: [ZEROS_35] },
  { op: 'variance', what: 'axis 1', fn: (x) => A.variance(x, 1), inputs: [u([2, 4])] },
  { op: 'std', what: 'axis 0, correction 0', fn: (x) => A.std(x, { axis: 0, correction: 0 }), inputs: [u([4, 2])] },
  { op: 'norm', what: 'p = 2', fn: (x) => A.norm(x, { axis: 1 }), inputs: [u([2, 3])] },
  { op: 'norm', what: 'p = 3', fn: (x) => A.norm(x, { p: 3 }), inputs: [awayFromZero([2, 3])] },
  { op: 'norm', what: 'p = 0.5', fn: (x) => A.norm(x, { p: 0.5, axis: 0 }), inputs: [awayFromZero([2, 3])] },
  { op: 'norm', what: 'p = -1', fn: (x) => A.norm(x, { p: -1 }), inputs: [pos([2, 3])] },
  { op: 'norm', what: 'p = Infinity, times x', fn: (x) => A.mul(A.norm(x, { p: Infinity, axis: 1, keepDims: true }), x), inputs: [distinct([2, 3])] },
];
