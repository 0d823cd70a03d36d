// Layer: autograd/composites. Reductions built from sum, exp and log: mean, logsumexp, softmax and
// logSoftmax. No backward of their own: their gradients come from the primitives' (mean's is sum's divided
// by the count; logsumexp's works out to softmax). Imports define-op (toVariables) and the primitives.
import * as T from '@propel-ts/tensor';
import { toVariables } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { add, div, exp, log, sub } from '../ops/elementwise';
import { reshape, sum } from '../ops/views';

/** Mean over `axis` (all by default): `mean(x, 1)` or `mean(x, { axis, keepDims })`; sum / count. */
export function mean(x: VarLike, options?: T.AxisArg): Variable {
  T.checkArity('mean', arguments, 2, 'mean(x, axis) or mean(x, { axis, keepDims })');
  const o = T.reduceOptions('mean', options);
  const [v] = toVariables('mean', [x]);
  const axes = T.normalizeAxes('mean', o.axis, v!.ndim);
  const count = axes.reduce((n, a) => n * v!.shape[a]!, 1);
  return div(sum(v!, o), count);
}

/**
 * log(sum(exp(x))) over `axis` (`logsumexp(x, 1)` or `{ axis, keepDims }`), stable: shifted by the
 * (constant) max, so the gradient is softmax(x). Over an empty axis it is -inf (as PyTorch).
 */
export function logsumexp(x: VarLike, options?: T.AxisArg): Variable {
  T.checkArity('logsumexp', arguments, 2, 'logsumexp(x, axis) or logsumexp(x, { axis, keepDims })');
  const o = T.reduceOptions('logsumexp', options);
  const [v] = toVariables('logsumexp', [x]);
  const axes = T.normalizeAxes('logsumexp', o.axis, v!.ndim);
  const kept = { axis: axes, keepDims: true };
  // an empty axis has no max: the shift is 0 there, and log(sum of nothing) = log 0 = -inf
  const empty = axes.some((a) => v!.shape[a] === 0);
  const keptShape = v!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const m = empty ? T.zeros(keptShape, { dtype: v!.dtype, device: v!.device }) : T.max(v!.value, kept);
  // the shift is a constant (no gradient flows into it): any shift gives the same value and gradient
  const shift = new Variable(T.where(T.eq(T.abs(m), Infinity), 0, m));
  const y = add(log(sum(exp(sub(v!, shift)), kept)), shift);
  return o.keepDims ? y : reshape(y, v!.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * softmax along `axis` (default last), computed as exp(x - logsumexp(x)): `softmax(x, 1)` (PyTorch's
 * positional dim) or `softmax(x, { axis: 1 })`. Over an empty axis the result is empty.
 */
export function softmax(x: VarLike, axis: number | { axis?: number } = -1): Variable {
  T.checkArity('softmax', arguments, 2, 'softmax(x, axis)');
  return exp(logSoftmaxAt('softmax', x, T.axisArg('softmax', axis, 'softmax(x, OPTIONS)', -1)));
}

/** log-softmax along `axis` (default last): x - logsumexp(x); `logSoftmax(x, 1)` or `logSoftmax(x, { axis: 1 })`. */
export function logSoftmax(x: VarLike, axis: number | { axis?: number } = -1): Variable {
  T.checkArity('logSoftmax', arguments, 2, 'logSoftmax(x, axis)');
  return logSoftmaxAt('logSoftmax', x, T.axisArg('logSoftmax', axis, 'logSoftmax(x, OPTIONS)', -1));
}

function logSoftmaxAt(op: string, x: VarLike, axis: number): Variable {
  const [v] = toVariables(op, [x]);
  T.normalizeAxis(op, axis, v!.ndim); // so that a bad axis names softmax, not logsumexp
  return sub(v!, logsumexp(v!, { axis, keepDims: true }));
}
