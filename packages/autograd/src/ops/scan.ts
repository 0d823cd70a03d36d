// Layer: autograd/ops. Cumulative sums and products along one axis, with their backward. Both backwards
// are written with the differentiable ops (cumsum's is a cumsum; cumprod's uses cumsum, cumprod, mul, div
// and where), so second-order gradients work. Imports define-op and the elementwise ops.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { defineOp } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { div, mul, where } from './elementwise';

/** A scan's parameters: the axis as given (T.cumsum normalises it) and the direction. */
interface Scan { axis: number; reverse: boolean }

/** The same scan in the other direction: the adjoint of a scan's sum over "j <= k" is a sum over "k >= j". */
const backwards = (p: Scan): Scan => ({ axis: p.axis, reverse: !p.reverse });

const cumsumOp = defineOp<Scan>({
  name: 'cumsum', forward: ([x], p) => ({ out: T.cumsum(x!, p) }),
  // y_k = Σ_{j≤k} x_j, so dx_j = Σ_{k≥j} dy_k: the cumsum of dy from the other end
  backward: (dy, { params }): Variable[] => [cumsumOp([dy], backwards(params))],
});

/**
 * Cumulative sum along `axis` (required, as PyTorch's dim): `cumsum(x, 1)` or `cumsum(x, { axis: 1, reverse })`.
 * Its gradient is the cumulative sum of the upstream gradient in the other direction.
 */
export function cumsum(x: VarLike, options: T.ScanArg): Variable {
  T.checkArity('cumsum', arguments, 2, 'cumsum(x, axis) or cumsum(x, { axis, reverse })');
  return cumsumOp([x], T.scanOptions('cumsum', options));
}

const cumprodOp = defineOp<Scan>({
  name: 'cumprod', forward: ([x], p) => ({ out: T.cumprod(x!, p) }),
  // y_k = Π_{j≤k} x_j, so dx_i = Σ_{k≥i} dy_k Π_{j≤k, j≠i} x_j: the product of the others, never x⁻¹·y.
  //  - where x_i ≠ 0 it is Σ_{k≥i} dy_k y_k / x_i (true near x too, whatever zeros the slice holds);
  //  - at a zero z it is the same sum with x_z replaced by 1: the reverse cumsum of dy · cumprod(x, x_z := 1),
  //    written out for the slice's first and second zero (at a later zero it is 0: the product holds two
  //    zeros; so is its derivative, which makes the second order exact too).
  backward: (dy, { inputs: [x], output, params }) => {
    const back = backwards(params);
    const isZero = T.eq(x!.value, 0);
    const nonZero = div(cumsumOp([mul(dy, output)], back), where(isZero, 1, x!));
    // no zero at all: the common case (on the CPU, where checking costs no device round trip; PyTorch does too)
    if (x!.device === 'cpu' && T.sum(isZero).item() === 0) return [nonZero];
    const zerosSoFar = T.cumsum(isZero, params); // 1 at and after the first zero (in scan order), 2 from the second
    const atZero = (which: Tensor): Variable => cumsumOp([mul(dy, cumprodOp([where(which, 1, x!)], params))], back);
    const first = T.mul(isZero, T.eq(zerosSoFar, 1));
    const second = T.mul(isZero, T.eq(zerosSoFar, 2));
    return [where(isZero, where(first, atZero(first), where(second, atZero(second), 0)), nonZero)];
  },
});

/**
 * Cumulative product along `axis` (required): `cumprod(x, 1)` or `cumprod(x, { axis: 1, reverse })`. Its
 * gradient is exact with zeros in the input (the product of the other elements, as PyTorch's), to second order.
 */
export function cumprod(x: VarLike, options: T.ScanArg): Variable {
  T.checkArity('cumprod', arguments, 2, 'cumprod(x, axis) or cumprod(x, { axis, reverse })');
  return cumprodOp([x], T.scanOptions('cumprod', options));
}
