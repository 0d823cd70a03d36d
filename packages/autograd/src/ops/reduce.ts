// Layer: autograd/ops. Reductions with their own backward: max/min route the gradient to the
// arg-extremes (split evenly between ties), prod's is the product of the others; argmax/argmin have no
// gradient. sum, the adjoint of expand, is in views.ts; mean and logsumexp are composites
// (composites/reductions.ts). Imports define-op, elementwise and views.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp, toVariables, type Op } from '../define-op';
import { Variable, type VarLike } from '../variable';
import { div, mul, sub, where } from './elementwise';
import { expand, reshape, sum } from './views';

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
    const otherZero = sub(expand(sum(where(isZero, x!, 0), kept), x!.shape), x!);
    const zeroFactor = where(T.eq(zeros, 1), 1, where(T.eq(zeros, 2), otherZero, 0));
    const atZero = mul(expand(prodOp([safe], kept), x!.shape), zeroFactor);
    const others = where(isZero, atZero, div(spread(output, x!, params), safe));
    return [mul(spread(dy, x!, params), others)];
  },
});
/** Product over `axis`: `prod(x, 1)` or `prod(x, { axis, keepDims })`; its gradient is the product of the others (zeros included). */
export const prod = reduceFn('prod', prodOp);

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
