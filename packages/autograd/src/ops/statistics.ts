// Layer: autograd/ops. std and norm, with their own backward: PyTorch's formulas (std_backward,
// norm_backward), which give 0 where the chain rule through a square root or a power would divide by a
// zero norm (0·∞ = NaN). Both are written with the differentiable ops, masked with a double `where` (the
// division never sees the 0), so second-order gradients work and stay finite. variance, a plain
// composite, is in composites/statistics.ts. Imports define-op, elementwise and views.
import * as T from '@propel-ts/tensor';
import { defineOp, toVariables } from '../define-op';
import type { Variable, VarLike } from '../variable';
import { abs, div, mul, pow, sub, where } from './elementwise';
import { expand, reshape, sum } from './views';

/** A reduction's parameters, the axes normalised (sorted, non-negative). */
interface Reduce { axis: number[]; keepDims: boolean }

/** A reduction's output (or its gradient) `t` with the reduced axes put back as 1 and broadcast to `shape`. */
function spread(t: Variable, shape: readonly number[], axes: readonly number[]): Variable {
  return expand(reshape(t, shape.map((d, i) => (axes.includes(i) ? 1 : d))), shape);
}

const stdOp = defineOp<Reduce & { correction: number }>({
  name: 'std', forward: ([x], o) => ({ out: T.std(x!, o) }),
  // d std = d var / (2 std), d var = 2 (x - mean) dx / max(0, count - correction). Where std = 0 (a
  // constant slice) the first factor is 1/0: PyTorch's std_backward gives 0 there, and so does this.
  backward: (dy, { inputs: [x], output, params: o }) => {
    const shape = x!.shape;
    const count = o.axis.reduce((n, a) => n * shape[a]!, 1);
    const s = spread(output, shape, o.axis);
    const zero = T.eq(s.value, 0);
    const dVar = where(zero, 0, div(spread(dy, shape, o.axis), mul(where(zero, 1, s), 2)));
    const centered = sub(x!, div(sum(x!, { axis: o.axis, keepDims: true }), count));
    return [mul(dVar, div(mul(centered, 2), Math.max(0, count - o.correction)))];
  },
});

/**
 * Standard deviation over `axis` with `correction` (default 1): `std(x, 1)` or
 * `std(x, { axis, keepDims, correction })`, as torch.std. Its gradient is (x - mean) / ((count - correction)·std),
 * and 0 where std is 0 (a constant slice), as PyTorch's; where count <= correction it is not finite.
 */
export function std(x: VarLike, options?: T.VarianceArg): Variable {
  T.checkArity('std', arguments, 2, 'std(x, axis) or std(x, { axis, keepDims, correction })');
  const o = T.varianceOptions('std', options);
  const [v] = toVariables('std', [x]);
  return stdOp([v!], { axis: T.normalizeAxes('std', o.axis, v!.ndim), keepDims: o.keepDims, correction: o.correction });
}

const normOp = defineOp<Reduce & { p: number }>({
  name: 'norm', forward: ([x], o) => ({ out: T.norm(x!, o) }),
  // PyTorch's norm_backward, case by case (g is dy and n the norm, both broadcast back to x's shape)
  backward: (dy, { inputs: [x], output, params: o }) => {
    const { p } = o;
    // p = 0 counts the non-zero elements: piecewise constant, no gradient
    if (p === 0) return [null];
    const g = spread(dy, x!.shape, o.axis), n = spread(output, x!.shape, o.axis);
    const sign = T.sign(x!.value);
    if (!Number.isFinite(p)) {
      // max |x| (min |x| for -Infinity): to the elements at the extreme, split evenly between ties, with
      // x's sign; NaN elements count as extremes
      const ax = T.abs(x!.value);
      const hit = T.add(T.eq(ax, n.value), T.ne(ax, ax));
      return [mul(g, T.mul(sign, T.div(hit, T.sum(hit, { axis: o.axis, keepDims: true }))))];
    }
    if (p < 1) {
      // sign(x) |x|^(p-1) g n^(1-p), with |x|^(p-1) (infinite at x = 0) taken as 0 there
      const isZero = T.eq(x!.value, 0);
      const scaled = where(isZero, 0, mul(sign, pow(abs(where(isZero, 1, x!)), p - 1)));
      return [mul(mul(scaled, g), pow(n, 1 - p))];
    }
    // p >= 1: sign(x) |x|^(p-1) g / n^(p-1) (for p = 2: x g / n), and 0 where the norm is 0. For p = 2 the
    // factor is x itself: written as sign(x)·|x| its own derivative would be 0 at x = 0 (sign is a constant
    // and |x|'s slope there is 0), and a second-order gradient through the norm would miss 1/n there
    const normZero = T.eq(n.value, 0);
    const scale = where(normZero, 0, div(g, pow(where(normZero, 1, n), p - 1)));
    return [mul(p === 2 ? x! : mul(sign, pow(abs(x!), p - 1)), scale)];
  },
});

/**
 * The vector p-norm over `axis` (all by default), as torch.linalg.vector_norm: `norm(x)` (p = 2),
 * `norm(x, { p: 1, axis: -1, keepDims })`; p any number, ±Infinity for max/min |x|, 0 the count of
 * non-zeros. The gradient is PyTorch's: 0 at x = 0 for p = 2 (not 0/0), split between ties for ±Infinity,
 * none for p = 0.
 */
export function norm(x: VarLike, options?: T.NormOptions): Variable {
  T.checkArity('norm', arguments, 2, 'norm(x, { p, axis, keepDims })');
  const o = T.normOptions('norm', options);
  const [v] = toVariables('norm', [x]);
  return normOp([v!], { p: o.p, axis: T.normalizeAxes('norm', o.axis, v!.ndim), keepDims: o.keepDims });
}
