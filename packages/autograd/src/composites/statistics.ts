// Layer: autograd/composites. variance: Σ (x - mean)² / max(0, count - correction), built from sum, sub,
// square and div, so its gradient, 2 (x - mean) / (count - correction) (PyTorch's var_backward), is the
// chain rule through them (the path through the mean adds Σ (x - mean) = 0). std and norm have their own
// backward (ops/statistics.ts). Imports define-op (toVariables) and the primitives.
import * as T from '@propel-ts/tensor';
import { toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { div, square, sub } from '../ops/elementwise';
import { sum } from '../ops/views';

/**
 * Variance over `axis` (all by default) with `correction` (default 1, the sample variance): `variance(x, 1)`
 * or `variance(x, { axis, keepDims, correction: 0 })`, as torch.var. Where count <= correction the divisor is
 * 0: NaN for a constant slice (one element included), +Infinity otherwise.
 */
export function variance(x: VarLike, options?: T.VarianceArg): Variable {
  T.checkArity('variance', arguments, 2, 'variance(x, axis) or variance(x, { axis, keepDims, correction })');
  const o = T.varianceOptions('variance', options);
  const [v] = toVariables('variance', [x]);
  const axes = T.normalizeAxes('variance', o.axis, v!.ndim);
  const count = axes.reduce((n, a) => n * v!.shape[a]!, 1);
  const centered = sub(v!, div(sum(v!, { axis: axes, keepDims: true }), count));
  return div(sum(square(centered), { axis: axes, keepDims: o.keepDims }), Math.max(0, count - o.correction));
}
