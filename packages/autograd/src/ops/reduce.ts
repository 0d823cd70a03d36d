// Layer: autograd/ops. Reductions. sum is the primitive (backward: expand back); max/min route the
// gradient to the arg-extremes (split evenly between ties); mean and logsumexp are composites.
import * as T from '@propel-ts/tensor';
import type { ReduceOptions } from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { add, div, exp, log, mul, sub } from './elementwise';
import { expand, reshape } from './views';

/** The kept-dims shape of a reduction, for reshaping a gradient before expanding it. */
function keptShape(shape: readonly number[], options: ReduceOptions): number[] {
  const axes = T.normalizeAxes('reduce', options.axis, shape.length);
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

const sumOp = defineOp<ReduceOptions>({
  name: 'sum', forward: ([x], o) => ({ out: T.sum(x!, o) }),
  // d sum(x) = broadcast of dy back over the summed axes
  backward: (dy, { inputs: [x], params }) => [expand(reshape(dy, keptShape(x!.shape, params)), x!.shape)],
});
/** Sum over `axis` (all by default). */
export const sum = (x: VarLike, options: ReduceOptions = {}): Variable => sumOp([x], options);

/** Mean over `axis` (all by default). */
export function mean(x: VarLike, options: ReduceOptions = {}): Variable {
  const [v] = toVariables('mean', [x]);
  const axes = T.normalizeAxes('mean', options.axis, v!.ndim);
  const count = axes.reduce((n, a) => n * v!.shape[a]!, 1);
  return div(sum(v!, options), count);
}

function extremeOp(name: 'max' | 'min') {
  return defineOp<ReduceOptions>({
    name,
    forward: ([x], o) => ({ out: (name === 'max' ? T.max : T.min)(x!, o) }),
    // the gradient goes to the elements equal to the extreme, split evenly between ties
    backward: (dy, { inputs: [x], output, params }) => {
      const kept = keptShape(x!.shape, params);
      const hit = T.eq(x!.value, output.value.reshape(kept));
      const share = T.div(hit, T.sum(hit, { axis: params.axis, keepDims: true }));
      return [mul(expand(reshape(dy, kept), x!.shape), share)];
    },
  });
}
const maxOp = extremeOp('max');
const minOp = extremeOp('min');
/** Largest element over `axis`. */
export const max = (x: VarLike, options: ReduceOptions = {}): Variable => maxOp([x], options);
/** Smallest element over `axis`. */
export const min = (x: VarLike, options: ReduceOptions = {}): Variable => minOp([x], options);

const prodOp = defineOp<ReduceOptions>({
  name: 'prod', forward: ([x], o) => ({ out: T.prod(x!, o) }),
  // d prod(x) / dx_i = prod(x) / x_i (inputs must be non-zero)
  backward: (dy, { inputs: [x], output, params }) => {
    const kept = keptShape(x!.shape, params);
    return [div(mul(expand(reshape(dy, kept), x!.shape), expand(reshape(output, kept), x!.shape)), x!)];
  },
});
/** Product over `axis` (its gradient needs non-zero inputs). */
export const prod = (x: VarLike, options: ReduceOptions = {}): Variable => prodOp([x], options);

/**
 * log(sum(exp(x))) over `axis`, stable: shifted by the (constant) max, so the gradient is softmax(x).
 */
export function logsumexp(x: VarLike, options: ReduceOptions = {}): Variable {
  const [v] = toVariables('logsumexp', [x]);
  const m = T.max(v!.value, { axis: options.axis, keepDims: true });
  const shift = new Variable(T.where(T.eq(T.abs(m), Infinity), 0, m));
  const y = add(log(sum(exp(sub(v!, shift)), { axis: options.axis, keepDims: true })), shift);
  return options.keepDims ? y : reshape(y, dropAxes(v!.shape, options));
}

function dropAxes(shape: readonly number[], options: ReduceOptions): number[] {
  const axes = T.normalizeAxes('logsumexp', options.axis, shape.length);
  return shape.filter((_, i) => !axes.includes(i));
}

/** Index of the max along `axis` (no gradient). */
export const argmax = (x: VarLike, options?: { axis?: number; keepDims?: boolean }): Variable =>
  new Variable(T.argmax(toVariables('argmax', [x])[0]!.value, options));
/** Index of the min along `axis` (no gradient). */
export const argmin = (x: VarLike, options?: { axis?: number; keepDims?: boolean }): Variable =>
  new Variable(T.argmin(toVariables('argmin', [x])[0]!.value, options));
