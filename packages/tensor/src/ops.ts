// Layer: tensor. The public free functions besides the elementwise ops (elementwise/) and joining and
// indexing (join.ts): host transfer, casts, where and clamp, reductions and matmul. Each validates its
// arguments once (shapes, dtypes, devices, axes), then dispatches to the device's backend. Composite ops
// (mean, logsumexp, clamp, sumToShape) are built here from backend kernels so every backend gets them free.
import type { ArgReduceOp, ReduceOp } from './backend';
import { backendFor } from './backends';
import type { DType, Device, TypedArray } from './dtype';
import { isDevice, isDType } from './dtype';
import { describe, fail, fmtShape } from './errors';
import { axisOptions, checkArity, checkOptions, describeValue, optBoolean, optNumber, type AxisOptions } from './options';
import { broadcastShapes, checkShape, checkSize, normalizeAxes, normalizeAxis, reducedShape, shapesEqual } from './shape';
import { Tensor, type ArgAxisArg, type AxisArg } from './tensor';

import { asTensor, checkSame, checkTensor } from './checks';
import { abs, add, div, eq, exp, log, maximum, minimum, sub } from './elementwise';


// ---- host transfer, copies, casts ---------------------------------------------------------------------

/** A flat row-major host copy of `x`'s elements (`op` names the caller in errors). */
export function toHost(x: Tensor, op = 'toTypedArray'): TypedArray {
  checkArity('toHost', arguments, 2, 'toHost(x, op)');
  checkTensor(op, x);
  checkSize(op, x.shape, 'the result', x.dtype);
  return backendFor(x.device).toHost(x, op);
}

/** A flat row-major host copy of `x`'s elements, read asynchronously: works on every device and mode. */
export function toHostAsync(x: Tensor): Promise<TypedArray> {
  checkArity('toHostAsync', arguments, 1, 'toHostAsync(x)');
  checkTensor('data', x);
  return backendFor(x.device).toHostAsync(x);
}

/** A contiguous copy of `x` (any view). */
export function copy(x: Tensor): Tensor {
  checkArity('copy', arguments, 1, 'copy(x)');
  checkTensor('copy', x);
  checkSize('copy', x.shape, 'the result', x.dtype);
  return backendFor(x.device).copy(x);
}

/** `x` on `device` (the same tensor when it is already there). */
export function to(x: Tensor, device: Device): Tensor {
  checkArity('to', arguments, 2, "to(x, 'cpu' | 'gpu')");
  checkTensor('to', x);
  if (!isDevice(device)) fail('to', `device must be 'cpu' or 'gpu', got ${describe(device)}`);
  if (x.device === device) return x;
  if (device === 'gpu' && x.dtype === 'float64') {
    fail('to', `float64 is not supported on 'gpu' (gpu.js computes in float32), expected a float32 tensor (use .astype('float32') first, or keep float64 work on 'cpu')`);
  }
  return backendFor(device).fromHost(toHost(x, 'to'), x.shape, x.dtype);
}

/** `x` converted to `dtype` (the same tensor when it already has it). */
export function astype(x: Tensor, dtype: DType): Tensor {
  checkArity('astype', arguments, 2, "astype(x, 'float32' | 'float64')");
  checkTensor('astype', x);
  if (!isDType(dtype)) fail('astype', `dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
  if (x.dtype === dtype) return x;
  if (x.device === 'gpu') fail('astype', `float64 is not supported on 'gpu', expected to convert on 'cpu' (use .to('cpu') first)`);
  const src = toHost(x, 'astype');
  const data = dtype === 'float64' ? Float64Array.from(src) : Float32Array.from(src);
  return backendFor(x.device).fromHost(data, x.shape, dtype);
}

// ---- where and clamp (the other elementwise ops are declared in elementwise/) -------------------------

/** `cond ? a : b` elementwise with broadcasting of all three (cond is true where non-zero). */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkArity('where', arguments, 3, 'where(cond, a, b)');
  checkTensor('where', cond, 'cond');
  const ta = asTensor('where', a, cond, 'a');
  const tb = asTensor('where', b, cond, 'b');
  checkSame('where', [cond, ta, tb], ['cond', 'a', 'b']);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  checkSize('where', shape, 'the result', cond.dtype);
  return backendFor(cond.device).where(cond.expand(shape), ta.expand(shape), tb.expand(shape));
}

/** The bounds of a clamp: `(min, max)` positionally (either undefined) or one object `{ min, max }`. */
export function clampBounds(op: string, args: ArrayLike<unknown>): { min?: number | Tensor; max?: number | Tensor } {
  checkArity(op, args, 3, `${op}(x, min, max) or ${op}(x, { min, max })`);
  let [min, max] = [args[1], args[2]];
  if (typeof min === 'object' && min !== null && !(min instanceof Tensor)) {
    if (args.length > 2) fail(op, `got ${describeValue(max)} after the { min, max } object, expected ${op}(x, { min, max })`);
    const o = checkOptions(op, min, ['min', 'max'], `${op}(x, OPTIONS)`);
    [min, max] = [o.min, o.max];
  }
  const bound = (key: string, v: unknown): number | Tensor | undefined => {
    if (v === undefined || v instanceof Tensor) return v;
    return optNumber(op, key, v, undefined, { infinite: true });
  };
  return { min: bound('min', min), max: bound('max', max) };
}

/** Limit to [min, max] (either may be omitted): `clamp(x, 0, 1)`, `clamp(x, { min: 0 })`. NaN stays NaN. */
export function clamp(x: Tensor, min?: number | Tensor | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor): Tensor {
  ({ min, max } = clampBounds('clamp', arguments));
  checkTensor('clamp', x);
  if (min === undefined && max === undefined) fail('clamp', 'expects at least one of min and max, got neither');
  if (typeof min === 'number' && typeof max === 'number' && min > max) fail('clamp', `min got ${min} and max ${max}, expected min <= max (PyTorch gives max everywhere then)`);
  let y = x;
  if (min !== undefined) y = maximum(y, min);
  if (max !== undefined) y = minimum(y, max);
  return y;
}

// ---- reductions ---------------------------------------------------------------------------------------

/** How a reduction's axis argument reads in errors. */
const reduceUsage = (op: string) => `${op}(x, OPTIONS)`;

/**
 * A reduction's axis argument in any accepted form: PyTorch's positional axis (`sum(x, 1)`,
 * `sum(x, [0, 1])`) or `{ axis, keepDims }`. Exported for the autograd ops, which take the same forms.
 */
export function reduceOptions(op: string, options: AxisArg | undefined): AxisOptions {
  return axisOptions(op, options, reduceUsage(op));
}

function reduce(op: ReduceOp, x: Tensor, options: AxisOptions): Tensor {
  checkTensor(op, x);
  checkSize(op, x.shape, 'the input (every element is visited)');
  const axes = normalizeAxes(op, options.axis, x.ndim);
  for (const a of axes) {
    if (x.shape[a] === 0 && (op === 'max' || op === 'min')) fail(op, `cannot reduce over axis ${a} of size 0 (shape ${fmtShape(x.shape)})`);
  }
  const y = backendFor(x.device).reduce(op, x, axes);
  return options.keepDims ? y.view(reducedShape(x.shape, axes, true)) : y;
}

/** The public function of a reduction kernel: `(x, axis)` or `(x, { axis, keepDims })`. */
function reduceFn(op: ReduceOp): (x: Tensor, options?: AxisArg) => Tensor {
  return function (x: Tensor, options?: AxisArg): Tensor {
    checkArity(op, arguments, 2, `${op}(x, axis) or ${op}(x, { axis, keepDims })`);
    return reduce(op, x, reduceOptions(op, options));
  };
}

/**
 * Sum over `axis` (all axes by default); float32 sums accumulate in float64. The axis may be given
 * positionally as in PyTorch: `sum(x, 1)`, `sum(x, [0, 1])`, or as `sum(x, { axis: 1, keepDims: true })`.
 */
export const sum = reduceFn('sum');
/** Largest element over `axis` (NaN propagates); `max(x, -1)` or `max(x, { axis: -1, keepDims })`. Values only, no indices (see `argmax`). */
export const max = reduceFn('max');
/** Smallest element over `axis` (NaN propagates); `min(x, 0)` or `min(x, { axis: 0, keepDims })`. Values only (see `argmin`). */
export const min = reduceFn('min');
/** Product over `axis`; `prod(x, 1)` or `prod(x, { axis: 1, keepDims })`. */
export const prod = reduceFn('prod');

/** Mean over `axis` (all by default); `mean(x, 1)`, `mean(x, [0, 1])` or `mean(x, { axis, keepDims })`. */
export function mean(x: Tensor, options?: AxisArg): Tensor {
  checkArity('mean', arguments, 2, 'mean(x, axis) or mean(x, { axis, keepDims })');
  const o = reduceOptions('mean', options);
  checkTensor('mean', x);
  const axes = normalizeAxes('mean', o.axis, x.ndim);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, { axis: axes, keepDims: o.keepDims }), count);
}

/**
 * log(sum(exp(x))) over `axis`, computed stably (shifted by the max; ±inf handled like PyTorch);
 * `logsumexp(x, 1)` or `logsumexp(x, { axis: 1, keepDims })`. Over an empty axis it is -inf.
 */
export function logsumexp(x: Tensor, options?: AxisArg): Tensor {
  checkArity('logsumexp', arguments, 2, 'logsumexp(x, axis) or logsumexp(x, { axis, keepDims })');
  const o = reduceOptions('logsumexp', options);
  checkTensor('logsumexp', x);
  const axes = normalizeAxes('logsumexp', o.axis, x.ndim);
  // an empty sum is 0 and log(0) = -inf (as PyTorch); max would reject the empty axis
  if (axes.some((a) => x.shape[a] === 0)) {
    return backendFor(x.device).full(reducedShape(x.shape, axes, o.keepDims), -Infinity, x.dtype);
  }
  const m = max(x, { axis: axes, keepDims: true });
  // an infinite max would give inf - inf = NaN in the shift; shift by 0 there instead
  const shift = where(eq(abs(m), Infinity), 0, m);
  const s = log(sum(exp(sub(x, shift)), { axis: axes, keepDims: true }));
  const y = add(s, shift);
  return o.keepDims ? y : y.view(reducedShape(x.shape, axes, false));
}

function argReduce(op: ArgReduceOp, x: Tensor, options: AxisOptions): Tensor {
  checkTensor(op, x);
  checkSize(op, x.shape, 'the input (every element is visited)');
  if (options.axis === undefined) {
    if (x.size === 0) fail(op, `cannot take ${op} of an empty tensor (shape ${fmtShape(x.shape)})`);
    const flat = x.reshape([-1]);
    const y = backendFor(x.device).argReduce(op, flat, 0);
    return options.keepDims ? y.view(x.shape.map(() => 1)) : y;
  }
  const axis = normalizeAxis(op, options.axis as number, x.ndim);
  if (x.shape[axis] === 0) fail(op, `cannot take ${op} over axis ${axis} of size 0 (shape ${fmtShape(x.shape)})`);
  const y = backendFor(x.device).argReduce(op, x, axis);
  return options.keepDims ? y.view(reducedShape(x.shape, [axis], true)) : y;
}

/** An arg-reduction's axis argument: one axis, positional (`argmax(x, 1)`) or `{ axis, keepDims }`. */
export function argReduceOptions(op: string, options: ArgAxisArg | undefined): AxisOptions {
  return axisOptions(op, options, `${op}(x, OPTIONS)`, false);
}

/** The public function of an arg-reduction. */
function argReduceFn(op: ArgReduceOp): (x: Tensor, options?: ArgAxisArg) => Tensor {
  return function (x: Tensor, options?: ArgAxisArg): Tensor {
    checkArity(op, arguments, 2, `${op}(x, axis) or ${op}(x, { axis, keepDims })`);
    return argReduce(op, x, argReduceOptions(op, options));
  };
}

/**
 * Index of the largest element along `axis`, in x's dtype: `argmax(x, 1)` (PyTorch's positional dim) or
 * `argmax(x, { axis: 1, keepDims })`; over the flattened tensor when omitted. Ties: the first index.
 */
export const argmax = argReduceFn('argmax');
/** Index of the smallest element along `axis` (see `argmax`; ties: the first index). */
export const argmin = argReduceFn('argmin');

/**
 * Sum `x` down to `shape`, the inverse of broadcasting `shape` to x.shape (the gradient of a broadcast).
 * `shape` must broadcast to x.shape.
 */
export function sumToShape(x: Tensor, shape: readonly number[]): Tensor {
  checkArity('sumToShape', arguments, 2, 'sumToShape(x, shape)');
  checkTensor('sumToShape', x);
  checkShape(shape, 'sumToShape');
  if (shapesEqual(x.shape, shape)) return x;
  const lead = x.ndim - shape.length;
  const ok = lead >= 0 && shape.every((d, i) => d === x.shape[lead + i] || d === 1);
  if (!ok) fail('sumToShape', `shape ${fmtShape(shape)} does not broadcast to ${fmtShape(x.shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  const y = axes.length > 0 ? sum(x, { axis: axes, keepDims: true }) : x;
  return y.reshape(shape);
}

// ---- linear algebra -----------------------------------------------------------------------------------

/**
 * Matrix product with PyTorch's rules: 2-D × 2-D, batched `[..., M, K] × [..., K, N]` with broadcast
 * batch dimensions, and 1-D arguments promoted (and the added dimension removed) like `torch.matmul`.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkArity('matmul', arguments, 2, 'matmul(a, b)');
  checkTensor('matmul', a, 'a');
  checkTensor('matmul', b, 'b');
  checkSame('matmul', [a, b], ['a', 'b']);
  if (a.ndim === 0 || b.ndim === 0) fail('matmul', `expects tensors of rank >= 1, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  const k = a2.shape[a2.ndim - 1]!;
  const kb = b2.shape[b2.ndim - 2]!;
  if (k !== kb) {
    fail('matmul', `inner dimensions differ: a ${fmtShape(a.shape)} has ${k} columns, b ${fmtShape(b.shape)} has ${kb} rows, expected them equal`);
  }
  const batchA = a2.shape.slice(0, -2), batchB = b2.shape.slice(0, -2);
  const lead = Math.max(batchA.length, batchB.length);
  for (let i = 0; i < lead; i++) {
    const da = batchA[batchA.length - lead + i] ?? 1, db = batchB[batchB.length - lead + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail('matmul', `batch dimensions ${fmtShape(batchA)} of a ${fmtShape(a.shape)} and ${fmtShape(batchB)} of b ${fmtShape(b.shape)} are not broadcastable`);
    }
  }
  const batch = broadcastShapes('matmul', batchA, batchB);
  const m = a2.shape[a2.ndim - 2]!;
  const n = b2.shape[b2.ndim - 1]!;
  checkSize('matmul', [...batch, m, n], 'the result', a.dtype);
  checkSize('matmul', [...batch, m, k], 'a broadcast to');
  checkSize('matmul', [...batch, k, n], 'b broadcast to');
  let y = backendFor(a.device).matmul(a2.expand([...batch, m, k]), b2.expand([...batch, k, n]));
  if (a.ndim === 1) y = y.squeeze(-2);
  if (b.ndim === 1) y = y.squeeze(-1);
  return y;
}

/**
 * True when every element of `a` is within `atol + rtol·|b|` of `b`'s (torch.allclose, numpy.allclose:
 * rtol 1e-5, atol 1e-8; NaNs equal only with `equalNan`). The two broadcast against each other, as there;
 * shapes that do not broadcast throw, and so do two dtypes or devices (as torch.allclose, and every other
 * op of two tensors here).
 */
export function allClose(a: Tensor, b: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean {
  checkArity('allClose', arguments, 3, 'allClose(a, b, { rtol, atol, equalNan })');
  checkTensor('allClose', a, 'a');
  checkTensor('allClose', b, 'b');
  const o = checkOptions('allClose', options, ['rtol', 'atol', 'equalNan'], 'allClose(a, b, OPTIONS)');
  const rtol = optNumber('allClose', 'rtol', o.rtol, 1e-5, { min: 0 });
  const atol = optNumber('allClose', 'atol', o.atol, 1e-8, { min: 0 });
  const equalNan = optBoolean('allClose', 'equalNan', o.equalNan, false);
  checkSame('allClose', [a, b], ['a', 'b']);
  const shape = broadcastShapes('allClose', a.shape, b.shape);
  const x = toHost(a.expand(shape), 'allClose');
  const y = toHost(b.expand(shape), 'allClose');
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!, v = y[i]!;
    if (u !== u || v !== v) { if (!(equalNan && u !== u && v !== v)) return false; continue; }
    if (u === v) continue;
    // an infinity is close only to itself (its tolerance rtol·|b| would be infinite too), as torch.isclose
    if (u === Infinity || u === -Infinity || v === Infinity || v === -Infinity) return false;
    if (!(Math.abs(u - v) <= atol + rtol * Math.abs(v))) return false;
  }
  return true;
}

