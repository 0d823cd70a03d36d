// Layer: autograd. Composites: ops derived from the primitives, so their gradients come for free.
import * as T from '@propel-ts/tensor';
import { toVariables } from './define-op';
import type { Variable, VarLike } from './variable';
import { exp, square, sub } from './ops/elementwise';
import { logsumexp, mean, sum } from './ops/reduce';

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

/**
 * Mean squared error between prediction and target: `reduction` 'mean' (default), 'sum' or 'none', as a
 * string (`mseLoss(a, b, 'sum')`) or as PyTorch's keyword (`mseLoss(a, b, { reduction: 'sum' })`).
 */
export function mseLoss(prediction: VarLike, target: VarLike, reduction: 'mean' | 'sum' | 'none' | { reduction?: 'mean' | 'sum' | 'none' } = 'mean'): Variable {
  T.checkArity('mseLoss', arguments, 3, "mseLoss(prediction, target, 'mean' | 'sum' | 'none')");
  const given = typeof reduction === 'string' ? reduction : T.checkOptions('mseLoss', reduction, ['reduction'], 'mseLoss(prediction, target, OPTIONS)').reduction;
  const r = T.optOneOf('mseLoss', 'reduction', given, ['mean', 'sum', 'none'], 'mean');
  const d = square(sub(prediction, target));
  return r === 'mean' ? mean(d) : r === 'sum' ? sum(d) : d;
}
