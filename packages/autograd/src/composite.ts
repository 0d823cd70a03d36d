// Layer: autograd. Composites: ops derived from the primitives, so their gradients come for free.
import { toVariables } from './define-op';
import type { Variable, VarLike } from './variable';
import { exp, square, sub } from './ops/elementwise';
import { logsumexp, mean, sum } from './ops/reduce';

/** softmax along `axis` (default last), computed as exp(x - logsumexp(x)). */
export function softmax(x: VarLike, axis = -1): Variable {
  return exp(logSoftmax(x, axis));
}

/** log-softmax along `axis` (default last): x - logsumexp(x). */
export function logSoftmax(x: VarLike, axis = -1): Variable {
  const [v] = toVariables('logSoftmax', [x]);
  return sub(v!, logsumexp(v!, { axis, keepDims: true }));
}

/** Mean squared error between prediction and target ('mean' | 'sum' | 'none'). */
export function mseLoss(prediction: VarLike, target: VarLike, reduction: 'mean' | 'sum' | 'none' = 'mean'): Variable {
  const d = square(sub(prediction, target));
  return reduction === 'mean' ? mean(d) : reduction === 'sum' ? sum(d) : d;
}
