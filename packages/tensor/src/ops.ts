// Layer: tensor. The public free functions: validate arguments once (shapes, dtypes, devices, axes),
// broadcast, then dispatch to the device's backend. Composite ops (mean, logsumexp, clamp, stack,
// indexSelect, sumToShape) are built here from backend kernels so every backend gets them for free.
import type { ArgReduceOp, BinaryOp, ReduceOp, UnaryOp } from './backend';
import { backendFor } from './backends';
import type { DType, Device, TypedArray } from './dtype';
import { isDevice, isDType } from './dtype';
import { describe, fail, fmtShape } from './errors';
import { broadcastShapes, normalizeAxes, normalizeAxis, reducedShape, shapesEqual } from './shape';
import { Tensor, type ReduceOptions } from './tensor';

// ---- checks -----------------------------------------------------------------------------------------

/** Throw unless `x` is a Tensor; `arg` names it in the message. */
export function checkTensor(op: string, x: unknown, arg = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
}

/** Throw unless all tensors share one dtype and one device. */
export function checkSame(op: string, xs: readonly Tensor[], names: readonly string[]): void {
  const first = xs[0]!;
  xs.forEach((x, i) => {
    if (x.dtype !== first.dtype) {
      fail(op, `${names[i]} has dtype ${x.dtype} but ${names[0]} has ${first.dtype}, expected one dtype (convert with .astype('${first.dtype}'))`);
    }
    if (x.device !== first.device) {
      fail(op, `${names[i]} is on '${x.device}' but ${names[0]} is on '${first.device}', expected one device (move with .to('${first.device}'))`);
    }
  });
}

/** A number becomes a scalar tensor like `like`; a tensor passes through. */
function asTensor(op: string, x: Tensor | number, like: Tensor, arg: string): Tensor {
  if (typeof x === 'number') return backendFor(like.device).full([], x, like.dtype);
  checkTensor(op, x, arg);
  return x;
}

// ---- host transfer, copies, casts ---------------------------------------------------------------------

/** A flat row-major host copy of `x`'s elements (`op` names the caller in errors). */
export function toHost(x: Tensor, op = 'toTypedArray'): TypedArray {
  return backendFor(x.device).toHost(x, op);
}

/** A flat row-major host copy of `x`'s elements, read asynchronously: works on every device and mode. */
export function toHostAsync(x: Tensor): Promise<TypedArray> {
  checkTensor('data', x);
  return backendFor(x.device).toHostAsync(x);
}

/** A contiguous copy of `x` (any view). */
export function copy(x: Tensor): Tensor {
  checkTensor('copy', x);
  return backendFor(x.device).copy(x);
}

/** `x` on `device` (the same tensor when it is already there). */
export function to(x: Tensor, device: Device): Tensor {
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
  checkTensor('astype', x);
  if (!isDType(dtype)) fail('astype', `dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
  if (x.dtype === dtype) return x;
  if (x.device === 'gpu') fail('astype', `float64 is not supported on 'gpu', expected to convert on 'cpu' (use .to('cpu') first)`);
  const src = toHost(x, 'astype');
  const data = dtype === 'float64' ? Float64Array.from(src) : Float32Array.from(src);
  return backendFor(x.device).fromHost(data, x.shape, dtype);
}

// ---- elementwise --------------------------------------------------------------------------------------

function unary(op: UnaryOp, x: Tensor): Tensor {
  checkTensor(op, x);
  return backendFor(x.device).unary(op, x);
}

/** -x */ export const neg = (x: Tensor) => unary('neg', x);
/** |x| */ export const abs = (x: Tensor) => unary('abs', x);
/** e^x */ export const exp = (x: Tensor) => unary('exp', x);
/** natural log */ export const log = (x: Tensor) => unary('log', x);
/** square root */ export const sqrt = (x: Tensor) => unary('sqrt', x);
/** x² */ export const square = (x: Tensor) => unary('square', x);
/** 1/x */ export const reciprocal = (x: Tensor) => unary('reciprocal', x);
/** hyperbolic tangent */ export const tanh = (x: Tensor) => unary('tanh', x);
/** 1/(1+e^-x), computed without overflow */ export const sigmoid = (x: Tensor) => unary('sigmoid', x);
/** max(x, 0) */ export const relu = (x: Tensor) => unary('relu', x);
/** sine */ export const sin = (x: Tensor) => unary('sin', x);
/** cosine */ export const cos = (x: Tensor) => unary('cos', x);
/** -1, 0 or 1 */ export const sign = (x: Tensor) => unary('sign', x);
/** log(1+x), accurate near 0 */ export const log1p = (x: Tensor) => unary('log1p', x);
/** e^x - 1, accurate near 0 */ export const expm1 = (x: Tensor) => unary('expm1', x);
/** log(1+e^x), without overflow */ export const softplus = (x: Tensor) => unary('softplus', x);

function binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') fail(op, 'expects at least one Tensor argument, got two numbers');
  const like = (typeof a === 'number' ? b : a) as Tensor;
  checkTensor(op, like, typeof a === 'number' ? 'b' : 'a');
  const ta = asTensor(op, a, like, 'a');
  const tb = asTensor(op, b, like, 'b');
  checkSame(op, [ta, tb], ['a', 'b']);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  return backendFor(ta.device).binary(op, ta.expand(shape), tb.expand(shape));
}

/** a + b with broadcasting. */ export const add = (a: Tensor | number, b: Tensor | number) => binary('add', a, b);
/** a - b with broadcasting. */ export const sub = (a: Tensor | number, b: Tensor | number) => binary('sub', a, b);
/** a * b with broadcasting. */ export const mul = (a: Tensor | number, b: Tensor | number) => binary('mul', a, b);
/** a / b with broadcasting. */ export const div = (a: Tensor | number, b: Tensor | number) => binary('div', a, b);
/** a ** b with broadcasting. */ export const pow = (a: Tensor | number, b: Tensor | number) => binary('pow', a, b);
/** Elementwise max (NaN propagates). */ export const maximum = (a: Tensor | number, b: Tensor | number) => binary('maximum', a, b);
/** Elementwise min (NaN propagates). */ export const minimum = (a: Tensor | number, b: Tensor | number) => binary('minimum', a, b);
/** 1 where a == b else 0. */ export const eq = (a: Tensor | number, b: Tensor | number) => binary('eq', a, b);
/** 1 where a != b else 0. */ export const ne = (a: Tensor | number, b: Tensor | number) => binary('ne', a, b);
/** 1 where a < b else 0. */ export const lt = (a: Tensor | number, b: Tensor | number) => binary('lt', a, b);
/** 1 where a <= b else 0. */ export const le = (a: Tensor | number, b: Tensor | number) => binary('le', a, b);
/** 1 where a > b else 0. */ export const gt = (a: Tensor | number, b: Tensor | number) => binary('gt', a, b);
/** 1 where a >= b else 0. */ export const ge = (a: Tensor | number, b: Tensor | number) => binary('ge', a, b);

/** `cond ? a : b` elementwise with broadcasting of all three (cond is true where non-zero). */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor('where', cond, 'cond');
  const ta = asTensor('where', a, cond, 'a');
  const tb = asTensor('where', b, cond, 'b');
  checkSame('where', [cond, ta, tb], ['cond', 'a', 'b']);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  return backendFor(cond.device).where(cond.expand(shape), ta.expand(shape), tb.expand(shape));
}

/** Limit to [min, max] (either may be omitted). */
export function clamp(x: Tensor, min?: number | Tensor, max?: number | Tensor): Tensor {
  checkTensor('clamp', x);
  if (min === undefined && max === undefined) fail('clamp', 'expects at least one of min and max, got neither');
  if (typeof min === 'number' && typeof max === 'number' && min > max) fail('clamp', `min ${min} is greater than max ${max}`);
  let y = x;
  if (min !== undefined) y = maximum(y, min);
  if (max !== undefined) y = minimum(y, max);
  return y;
}

// ---- reductions ---------------------------------------------------------------------------------------

function reduce(op: ReduceOp, x: Tensor, options: ReduceOptions = {}): Tensor {
  checkTensor(op, x);
  const axes = normalizeAxes(op, options.axis, x.ndim);
  for (const a of axes) {
    if (x.shape[a] === 0 && (op === 'max' || op === 'min')) fail(op, `cannot reduce over axis ${a} of size 0 (shape ${fmtShape(x.shape)})`);
  }
  const y = backendFor(x.device).reduce(op, x, axes);
  return options.keepDims ? y.view(reducedShape(x.shape, axes, true)) : y;
}

/** Sum over `axis` (all by default); float32 sums accumulate in float64. */
export const sum = (x: Tensor, options?: ReduceOptions) => reduce('sum', x, options);
/** Largest element over `axis` (NaN propagates). */
export const max = (x: Tensor, options?: ReduceOptions) => reduce('max', x, options);
/** Smallest element over `axis` (NaN propagates). */
export const min = (x: Tensor, options?: ReduceOptions) => reduce('min', x, options);
/** Product over `axis`. */
export const prod = (x: Tensor, options?: ReduceOptions) => reduce('prod', x, options);

/** Mean over `axis` (all by default). */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  checkTensor('mean', x);
  const axes = normalizeAxes('mean', options.axis, x.ndim);
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, { axis: axes, keepDims: options.keepDims }), count);
}

/** log(sum(exp(x))) over `axis`, computed stably (shifted by the max; ±inf handled like PyTorch). */
export function logsumexp(x: Tensor, options: ReduceOptions = {}): Tensor {
  checkTensor('logsumexp', x);
  const axes = normalizeAxes('logsumexp', options.axis, x.ndim);
  // an empty sum is 0 and log(0) = -inf (as PyTorch); max would reject the empty axis
  if (axes.some((a) => x.shape[a] === 0)) {
    return backendFor(x.device).full(reducedShape(x.shape, axes, options.keepDims ?? false), -Infinity, x.dtype);
  }
  const m = max(x, { axis: axes, keepDims: true });
  // an infinite max would give inf - inf = NaN in the shift; shift by 0 there instead
  const shift = where(eq(abs(m), Infinity), 0, m);
  const s = log(sum(exp(sub(x, shift)), { axis: axes, keepDims: true }));
  const y = add(s, shift);
  return options.keepDims ? y : y.view(reducedShape(x.shape, axes, false));
}

function argReduce(op: ArgReduceOp, x: Tensor, options: { axis?: number; keepDims?: boolean } = {}): Tensor {
  checkTensor(op, x);
  if (options.axis === undefined) {
    if (x.size === 0) fail(op, `cannot take ${op} of an empty tensor (shape ${fmtShape(x.shape)})`);
    const flat = x.reshape([-1]);
    const y = backendFor(x.device).argReduce(op, flat, 0);
    return options.keepDims ? y.view(x.shape.map(() => 1)) : y;
  }
  const axis = normalizeAxis(op, options.axis, x.ndim);
  if (x.shape[axis] === 0) fail(op, `cannot take ${op} over axis ${axis} of size 0 (shape ${fmtShape(x.shape)})`);
  const y = backendFor(x.device).argReduce(op, x, axis);
  return options.keepDims ? y.view(reducedShape(x.shape, [axis], true)) : y;
}

/** Index of the largest element along `axis` (over the flattened tensor when omitted), in x's dtype. */
export const argmax = (x: Tensor, options?: { axis?: number; keepDims?: boolean }) => argReduce('argmax', x, options);
/** Index of the smallest element along `axis` (over the flattened tensor when omitted), in x's dtype. */
export const argmin = (x: Tensor, options?: { axis?: number; keepDims?: boolean }) => argReduce('argmin', x, options);

/**
 * Sum `x` down to `shape`, the inverse of broadcasting `shape` to x.shape (the gradient of a broadcast).
 * `shape` must broadcast to x.shape.
 */
export function sumToShape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('sumToShape', x);
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
  let y = backendFor(a.device).matmul(a2.expand([...batch, m, k]), b2.expand([...batch, k, n]));
  if (a.ndim === 1) y = y.squeeze(-2);
  if (b.ndim === 1) y = y.squeeze(-1);
  return y;
}

// ---- joining, splitting, indexing ---------------------------------------------------------------------

/** Join tensors along an existing `axis`; all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) fail('concat', `expects a non-empty array of tensors, got ${describe(xs)}`);
  const list: readonly Tensor[] = xs;
  list.forEach((x, i) => checkTensor('concat', x, `tensors[${i}]`));
  checkSame('concat', list, list.map((_, i) => `tensors[${i}]`));
  const first = list[0]!;
  const ax = normalizeAxis('concat', axis, first.ndim);
  list.forEach((x, i) => {
    const ok = x.ndim === first.ndim && x.shape.every((d, j) => j === ax || d === first.shape[j]);
    if (!ok) {
      fail('concat', `tensors[${i}] has shape ${fmtShape(x.shape)}, expected ${fmtShape(first.shape.map((d, j) => (j === ax ? -1 : d)))} (-1: any size along axis ${ax})`);
    }
  });
  if (list.length === 1) return copy(first);
  return backendFor(first.device).concat(list, ax);
}

/** Join tensors of one shape along a new `axis`. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) fail('stack', `expects a non-empty array of tensors, got ${describe(xs)}`);
  xs.forEach((x, i) => checkTensor('stack', x, `tensors[${i}]`));
  const first = xs[0]!;
  xs.forEach((x, i) => {
    if (!shapesEqual(x.shape, first.shape)) fail('stack', `tensors[${i}] has shape ${fmtShape(x.shape)}, expected ${fmtShape(first.shape)} (all equal)`);
  });
  const ax = normalizeAxis('stack', axis, first.ndim + 1);
  return concat(xs.map((x) => x.unsqueeze(ax)), ax);
}

/** Views of consecutive chunks along `axis`: equal chunks of `size` (the last may be smaller), or the listed sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  checkTensor('split', x);
  const ax = normalizeAxis('split', axis, x.ndim);
  const n = x.shape[ax]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) fail('split', `size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
  } else {
    sizes = sizeOrSections.slice();
    const total = sizes.reduce((a, b) => a + b, 0);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== n) {
      fail('split', `sections [${sizes.join(',')}] sum to ${total}, expected non-negative integers summing to ${n} (size of axis ${ax})`);
    }
  }
  let start = 0;
  return sizes.map((s) => {
    const part = x.slice(ax, start, start + s);
    start += s;
    return part;
  });
}

/** Check that every value of `index` is an integer in [0, n); CPU indices only (device indices are trusted). */
function checkIndexValues(op: string, index: Tensor, n: number, axis: number): void {
  if (index.device !== 'cpu') return;
  const data = toHost(index);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      fail(op, `index value ${v} at flat position ${i} is out of range, expected an integer in [0, ${n - 1}] for axis ${axis}`);
    }
  }
}

/** `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `axis` (torch.gather); index has x's rank. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor('gather', x);
  checkTensor('gather', index, 'index');
  const ax = normalizeAxis('gather', axis, x.ndim);
  if (index.ndim !== x.ndim) fail('gather', `index has rank ${index.ndim}, expected ${x.ndim} (the input's rank)`);
  if (index.device !== x.device) fail('gather', `index is on '${index.device}' but input is on '${x.device}', expected one device`);
  index.shape.forEach((d, i) => {
    if (i !== ax && d > x.shape[i]!) fail('gather', `index shape ${fmtShape(index.shape)} exceeds input shape ${fmtShape(x.shape)} at dimension ${i}`);
  });
  checkIndexValues('gather', index, x.shape[ax]!, ax);
  const idx = index.dtype === x.dtype ? index : astype(index, x.dtype);
  return backendFor(x.device).gather(x, ax, idx);
}

/** Rows (or slices) of `x` at positions `index` (1-D) along `axis` (torch.index_select). */
export function indexSelect(x: Tensor, axis: number, index: Tensor | readonly number[]): Tensor {
  checkTensor('indexSelect', x);
  const ax = normalizeAxis('indexSelect', axis, x.ndim);
  const idx = index instanceof Tensor ? index : backendFor(x.device).fromHost(x.dtype === 'float64' ? Float64Array.from(index) : Float32Array.from(index), [index.length], x.dtype);
  if (idx.ndim !== 1) fail('indexSelect', `index must be 1-D, got shape ${fmtShape(idx.shape)}`);
  checkIndexValues('indexSelect', idx, x.shape[ax]!, ax); // so that an error names indexSelect, not gather
  const shape = x.shape.slice();
  shape[ax] = idx.shape[0]!;
  const viewShape = x.shape.map((_, i) => (i === ax ? idx.shape[0]! : 1));
  return gather(x, ax, idx.view(viewShape).expand(shape));
}

/** Zeros of `shape` with `src` added at `index` along `axis`: the adjoint of `gather`. */
export function scatterAdd(shape: readonly number[], axis: number, index: Tensor, src: Tensor): Tensor {
  checkTensor('scatterAdd', index, 'index');
  checkTensor('scatterAdd', src, 'src');
  const ax = normalizeAxis('scatterAdd', axis, shape.length);
  if (!shapesEqual(index.shape, src.shape)) fail('scatterAdd', `index shape ${fmtShape(index.shape)} differs from src shape ${fmtShape(src.shape)}, expected equal`);
  if (index.ndim !== shape.length) fail('scatterAdd', `index has rank ${index.ndim}, expected ${shape.length}`);
  index.shape.forEach((d, i) => {
    if (i !== ax && d > shape[i]!) fail('scatterAdd', `index shape ${fmtShape(index.shape)} exceeds output shape ${fmtShape(shape)} at dimension ${i}`);
  });
  checkIndexValues('scatterAdd', index, shape[ax]!, ax);
  const idx = index.dtype === src.dtype ? index : astype(index, src.dtype);
  return backendFor(src.device).scatterAdd(shape, ax, idx, src);
}

/** True when two tensors have equal shapes and elements within `atol + rtol*|b|` (NaNs equal if `equalNan`). */
export function allClose(a: Tensor, b: Tensor, { rtol = 1e-5, atol = 1e-8, equalNan = false } = {}): boolean {
  if (!shapesEqual(a.shape, b.shape)) return false;
  const x = toHost(a);
  const y = toHost(b);
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!, v = y[i]!;
    if (u !== u || v !== v) { if (!(equalNan && u !== u && v !== v)) return false; continue; }
    if (u === v) continue;
    if (!(Math.abs(u - v) <= atol + rtol * Math.abs(v))) return false;
  }
  return true;
}

