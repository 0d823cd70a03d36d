// Layer: autograd/ops. Reductions. sum is the primitive (backward: expand back); max/min route the
// gradient to the arg-extremes (split evenly between ties); mean and logsumexp are composites.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, toVariables, type Op } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { add, div, exp, log, mul, sub, where } from './elementwise';
import { expand, reshape } from './views';

/** The kept-dims shape of a reduction, for reshaping a gradient before expanding it. */
function keptShape(shape: readonly number[], options: T.AxisOptions): number[] {
  const axes = T.normalizeAxes('reduce', options.axis, shape.length);
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** `dy` of a reduction's output broadcast back to the input's shape. */
const spread = (dy: Variable, x: Variable, o: T.AxisOptions): Variable => expand(reshape(dy, keptShape(x.shape, o)), x.shape);

/** A reduction's public function: `(x, axis)` or `(x, { axis, keepDims })`, parsed once into the op's params. */
function reduceFn(name: string, op: Op<T.AxisOptions>): (x: VarLike, options?: T.AxisArg) => Variable {
  return function (x: VarLike, options?: T.AxisArg): Variable {
    T.checkArity(name, arguments, 2, `${name}(x, axis) or ${name}(x, { axis, keepDims })`);
    return op([x], T.reduceOptions(name, options));
  };
}

const sumOp = defineOp<T.AxisOptions>({
  name: 'sum', forward: ([x], o) => ({ out: T.sum(x!, o) }),
  // d sum(x) = broadcast of dy back over the summed axes
  backward: (dy, { inputs: [x], params }) => [spread(dy, x!, params)],
});
/** Sum over `axis` (all by default): `sum(x, 1)`, `sum(x, [0, 1])` (PyTorch's positional dim) or `sum(x, { axis, keepDims })`. */
export const sum = reduceFn('sum', sumOp);

/** Mean over `axis` (all by default): `mean(x, 1)` or `mean(x, { axis, keepDims })`. */
export function mean(x: VarLike, options?: T.AxisArg): Variable {
  T.checkArity('mean', arguments, 2, 'mean(x, axis) or mean(x, { axis, keepDims })');
  const o = T.reduceOptions('mean', options);
  const [v] = toVariables('mean', [x]);
  const axes = T.normalizeAxes('mean', o.axis, v!.ndim);
  const count = axes.reduce((n, a) => n * v!.shape[a]!, 1);
  return div(sumOp([v!], o), count);
}

/** 1 where x is NaN, else 0. */
const isNan = (x: Tensor): Tensor => T.ne(x, x);

function extremeOp(name: 'max' | 'min') {
  return defineOp<T.AxisOptions>({
    name,
    forward: ([x], o) => ({ out: (name === 'max' ? T.max : T.min)(x!, o) }),
    // the gradient goes to the elements equal to the extreme, split evenly between ties (as PyTorch's
    // x.max()); where the extreme is NaN it goes to the NaN elements (PyTorch's amax gives NaN everywhere)
    backward: (dy, { inputs: [x], output, params }) => {
      const kept = keptShape(x!.shape, params);
      const extreme = output.value.reshape(kept);
      const hit = T.add(T.eq(x!.value, extreme), T.mul(isNan(x!.value), isNan(extreme)));
      const share = T.div(hit, T.sum(hit, { axis: params.axis, keepDims: true }));
      return [mul(spread(dy, x!, params), share)];
    },
  });
}
/** Largest element over `axis`: `max(x, -1)` or `max(x, { axis: -1, keepDims })`; values only (see `argmax`). */
export const max = reduceFn('max', extremeOp('max'));
/** Smallest element over `axis`: `min(x, 0)` or `min(x, { axis: 0, keepDims })`; values only (see `argmin`). */
export const min = reduceFn('min', extremeOp('min'));

const prodOp = defineOp<T.AxisOptions>({
  name: 'prod', forward: ([x], o) => ({ out: T.prod(x!, o) }),
  // d prod(x) / dx_i = the product of the others (as PyTorch, also where x has zeros): prod(x) / x_i when the
  // slice has no zero. At a zero, it is the product of the slice's non-zero elements times the other zeros:
  // 1 of them (the only zero), x_k (the one other zero k: value 0, but its derivative is needed for
  // second order), or a product of at least two zeros (0). Written without dividing by zero anywhere.
  backward: (dy, { inputs: [x], output, params }) => {
    const kept = { axis: params.axis, keepDims: true };
    const isZero = T.eq(x!.value, 0);
    const zeros = T.sum(isZero, kept).expand(x!.shape);
    const safe = where(isZero, 1, x!);
    const otherZero = sub(expand(sumOp([where(isZero, x!, 0)], kept), x!.shape), x!);
    const zeroFactor = where(T.eq(zeros, 1), 1, where(T.eq(zeros, 2), otherZero, 0));
    const atZero = mul(expand(prodOp([safe], kept), x!.shape), zeroFactor);
    const others = where(isZero, atZero, div(spread(output, x!, params), safe));
    return [mul(spread(dy, x!, params), others)];
  },
});
/** Product over `axis`: `prod(x, 1)` or `prod(x, { axis, keepDims })`; its gradient is the product of the others (zeros included). */
export const prod = reduceFn('prod', prodOp);

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
  const m = empty ? T.zeros(keptShape(v!.shape, kept), { dtype: v!.dtype, device: v!.device }) : T.max(v!.value, kept);
  const shift = new Variable(T.where(T.eq(T.abs(m), Infinity), 0, m));
  const y = add(log(sumOp([exp(sub(v!, shift))], kept)), shift);
  return o.keepDims ? y : reshape(y, v!.shape.filter((_, i) => !axes.includes(i)));
}

/** Index of the max along `axis`: `argmax(x, 1)` or `argmax(x, { axis, keepDims })` (no gradient; ties: the first). */
export function argmax(x: VarLike, options?: T.ArgAxisArg): Variable {
  T.checkArity('argmax', arguments, 2, 'argmax(x, axis) or argmax(x, { axis, keepDims })');
  return new Variable(T.argmax(toVariables('argmax', [x])[0]!.value, options));
}
/** Index of the min along `axis`: `argmin(x, 1)` or `argmin(x, { axis, keepDims })` (no gradient; ties: the first). */
export function argmin(x: VarLike, options?: T.ArgAxisArg): Variable {
  T.checkArity('argmin', arguments, 2, 'argmin(x, axis) or argmin(x, { axis, keepDims })');
  return new Variable(T.argmin(toVariables('argmin', [x])[0]!.value, options));
}
