// Layer: tensor. Variance, standard deviation and vector norms over a set of axes, as composites of the
// reductions (ops.ts) and the elementwise ops, so every backend gets them for free. Conventions are
// PyTorch's (torch.var, torch.std, torch.linalg.vector_norm). Imports tensor core files, elementwise/ and
// ops.ts.
import { fail, fmtShape } from './errors';
import { axisOptions, checkArity, checkOptions, describeValue, optNumber, type AxisOptions } from './options';
import { checkTensor } from './checks';
import { abs, div, ne, pow, sqrt, square, sub } from './elementwise';
import { max, min, sum } from './ops';
import { normalizeAxes } from './shape';
import type { ReduceOptions, Tensor } from './tensor';

/** The options of variance and std: sum's `{ axis, keepDims }` plus `correction`. */
export interface VarianceOptions extends ReduceOptions {
  /** Divide by `count - correction` (floored at 0): 1 (Bessel's correction, the default) or 0 (population). */
  correction?: number;
}

/** variance's and std's second argument: PyTorch's positional axis (`variance(x, 1)`) or `VarianceOptions`. */
export type VarianceArg = number | readonly number[] | VarianceOptions;

/**
 * The second argument of variance or std in any accepted form. Exported for the autograd ops, which take
 * the same forms. PyTorch's old `unbiased` flag gets a message saying what to write instead.
 */
export function varianceOptions(op: string, arg: VarianceArg | undefined): AxisOptions & { correction: number } {
  const usage = `${op}(x, OPTIONS)`;
  if (typeof arg === 'number' || Array.isArray(arg)) return { ...axisOptions(op, arg, usage), correction: 1 };
  if (typeof arg === 'object' && arg !== null && 'unbiased' in arg) {
    fail(op, "unknown option 'unbiased' (PyTorch's old flag), expected correction: 1 for unbiased: true, correction: 0 for unbiased: false");
  }
  const o = checkOptions(op, arg, ['axis', 'keepDims', 'correction'], usage);
  return { ...axisOptions(op, { axis: o.axis, keepDims: o.keepDims }, usage), correction: optNumber(op, 'correction', o.correction, 1, { min: 0 }) };
}

/**
 * The variance of `x` over the reduced axes, two-pass: `Σ (x - mean)² / max(0, count - correction)`. Like
 * PyTorch, a divisor of 0 is not an error: the result is 0/0 = NaN when the slice is constant (every slice
 * of one element, and an empty one, whose mean is NaN) and m/0 = +Infinity otherwise.
 */
function varianceOf(op: string, x: Tensor, o: AxisOptions & { correction: number }): Tensor {
  checkTensor(op, x);
  const axes = normalizeAxes(op, o.axis, x.ndim);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const mean = div(sum(x, { axis: axes, keepDims: true }), count);
  const squares = sum(square(sub(x, mean)), { axis: axes, keepDims: o.keepDims });
  return div(squares, Math.max(0, count - o.correction));
}

/**
 * Variance over `axis` (all axes by default) with `correction` (default 1, Bessel's: the sample variance):
 * `variance(x, 1)` (PyTorch's positional dim), `variance(x, { axis: 1, keepDims: true, correction: 0 })`.
 * PyTorch's `torch.var`. Where count <= correction the divisor is 0: NaN for a constant slice, else Infinity.
 */
export function variance(x: Tensor, options?: VarianceArg): Tensor {
  checkArity('variance', arguments, 2, 'variance(x, axis) or variance(x, { axis, keepDims, correction })');
  return varianceOf('variance', x, varianceOptions('variance', options));
}

/**
 * Standard deviation, √variance, with variance's options: `std(x, 1)`, `std(x, { axis, keepDims, correction })`.
 * PyTorch's `torch.std` (NaN for a single element with the default correction 1).
 */
export function std(x: Tensor, options?: VarianceArg): Tensor {
  checkArity('std', arguments, 2, 'std(x, axis) or std(x, { axis, keepDims, correction })');
  return sqrt(varianceOf('std', x, varianceOptions('std', options)));
}

/** The options of norm: sum's `{ axis, keepDims }` plus the order `p`. */
export interface NormOptions extends ReduceOptions {
  /** The order: any number, ±Infinity included. Default 2 (the Euclidean norm). */
  p?: number;
}

/**
 * norm's options, `{ p, axis, keepDims }`. A positional number is refused: it is an axis in our
 * reductions but the order in PyTorch's `vector_norm(x, ord)`, so either reading would surprise someone.
 * Exported for the autograd op.
 */
export function normOptions(op: string, arg: NormOptions | undefined): AxisOptions & { p: number } {
  const usage = `${op}(x, OPTIONS)`;
  if (typeof arg === 'number' || Array.isArray(arg)) {
    const v = describeValue(arg);
    fail(op, `got ${op}(x, ${v}), expected ${op}(x, { p: ${v} }) for the order or ${op}(x, { axis: ${v} }) for the axis (PyTorch's vector_norm(x, ${v}) means the order)`);
  }
  const o = checkOptions(op, arg, ['p', 'axis', 'keepDims'], usage);
  return { ...axisOptions(op, { axis: o.axis, keepDims: o.keepDims }, usage), p: optNumber(op, 'p', o.p, 2, { infinite: true }) };
}

/**
 * The vector p-norm over `axis` (all axes by default), as PyTorch's `torch.linalg.vector_norm`:
 * `(Σ |x|^p)^(1/p)`; p = Infinity is max |x|, -Infinity min |x|, 0 the number of non-zero elements (NaN
 * counts). `norm(x)` (p = 2), `norm(x, { p: 1, axis: -1, keepDims: true })`. Over an empty axis the norm is
 * 0 for p >= 0; p < 0 and ±Infinity have no value there (no identity) and throw, as in PyTorch.
 */
export function norm(x: Tensor, options?: NormOptions): Tensor {
  checkArity('norm', arguments, 2, 'norm(x, { p, axis, keepDims })');
  const o = normOptions('norm', options);
  checkTensor('norm', x);
  const axes = normalizeAxes('norm', o.axis, x.ndim);
  const r = { axis: axes, keepDims: o.keepDims };
  const { p } = o;
  const empty = axes.find((a) => x.shape[a] === 0);
  if (empty !== undefined && (p < 0 || p === Infinity)) {
    fail('norm', `cannot take the p = ${p} norm over axis ${empty} of size 0 (shape ${fmtShape(x.shape)}): it has no value for no elements, expected p >= 0 and finite there`);
  }
  if (p === Infinity) return max(abs(x), r);
  if (p === -Infinity) return min(abs(x), r);
  if (p === 0) return sum(ne(x, 0), r);
  if (p === 1) return sum(abs(x), r);
  if (p === 2) return sqrt(sum(square(x), r));
  return pow(sum(pow(abs(x), p), r), 1 / p);
}
