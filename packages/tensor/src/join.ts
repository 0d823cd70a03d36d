// Layer: tensor. Joining, splitting and indexing: concat, stack, split, gather, indexSelect, scatterAdd, with
// their argument checks, dispatched to the device's backend. Imports backends (and the GPU's read-back
// checks), checks, errors, options, shape and Tensor.
import { backendFor } from './backends';
import { canReadSync, onReadback } from './backends/gpu/storage';
import { checkSame, checkTensor } from './checks';
import { describe, fail, fmtShape } from './errors';
import { axisOptions, checkArity, describeValue } from './options';
import { checkShape, checkSize, normalizeAxis, shapesEqual } from './shape';
import { Tensor } from './tensor';

/** A joining or indexing op's one axis: a number (PyTorch's `dim`) or `{ axis }` (TF.js's form). */
export function axisArg(op: string, axis: number | { axis?: number } | undefined, usage: string, fallback = 0): number {
  return (axisOptions(op, axis, usage, false, false).axis as number | undefined) ?? fallback;
}

/** Join tensors along an existing `axis` (default 0); all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis: number | { axis?: number } = 0): Tensor {
  checkArity('concat', arguments, 2, 'concat(tensors, axis)');
  const ax0 = axisArg('concat', axis, 'concat(tensors, OPTIONS)');
  if (!Array.isArray(xs) || xs.length === 0) fail('concat', `expects a non-empty array of tensors, got ${describe(xs)}`);
  const list: readonly Tensor[] = xs;
  list.forEach((x, i) => checkTensor('concat', x, `tensors[${i}]`));
  checkSame('concat', list, list.map((_, i) => `tensors[${i}]`));
  const first = list[0]!;
  const ax = normalizeAxis('concat', ax0, first.ndim);
  list.forEach((x, i) => {
    const ok = x.ndim === first.ndim && x.shape.every((d, j) => j === ax || d === first.shape[j]);
    if (!ok) {
      fail('concat', `tensors[${i}] has shape ${fmtShape(x.shape)}, expected ${fmtShape(first.shape.map((d, j) => (j === ax ? -1 : d)))} (-1: any size along axis ${ax})`);
    }
  });
  if (list.length === 1) return backendFor(first.device).copy(first);
  checkSize('concat', first.shape.map((d, j) => (j === ax ? list.reduce((n, x) => n + x.shape[ax]!, 0) : d)), 'the result', first.dtype);
  return backendFor(first.device).concat(list, ax);
}

/** Join tensors of one shape along a new `axis`. */
export function stack(xs: readonly Tensor[], axis: number | { axis?: number } = 0): Tensor {
  checkArity('stack', arguments, 2, 'stack(tensors, axis)');
  const ax0 = axisArg('stack', axis, 'stack(tensors, OPTIONS)');
  if (!Array.isArray(xs) || xs.length === 0) fail('stack', `expects a non-empty array of tensors, got ${describe(xs)}`);
  xs.forEach((x, i) => checkTensor('stack', x, `tensors[${i}]`));
  const first = xs[0]!;
  xs.forEach((x, i) => {
    if (!shapesEqual(x.shape, first.shape)) fail('stack', `tensors[${i}] has shape ${fmtShape(x.shape)}, expected ${fmtShape(first.shape)} (all equal)`);
  });
  const ax = normalizeAxis('stack', ax0, first.ndim + 1);
  return concat(xs.map((x) => x.unsqueeze(ax)), ax);
}

/** Views of consecutive chunks along `axis`: equal chunks of `size` (the last may be smaller), or the listed sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis: number | { axis?: number } = 0): Tensor[] {
  checkArity('split', arguments, 3, 'split(x, sizeOrSections, axis)');
  checkTensor('split', x);
  const ax = normalizeAxis('split', axisArg('split', axis, 'split(x, sizeOrSections, OPTIONS)'), x.ndim);
  const n = x.shape[ax]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) fail('split', `size must be a positive integer, got ${sizeOrSections}`);
    // an empty axis is one empty chunk, as PyTorch's split (not none: a caller may index chunk 0)
    sizes = n === 0 ? [0] : [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
  } else {
    if (!Array.isArray(sizeOrSections)) fail('split', `sizeOrSections got ${describeValue(sizeOrSections)}, expected a chunk size or an array of sizes`);
    sizes = sizeOrSections.slice();
    // each entry first, so that a string is reported as given (a sum would concatenate it)
    sizes.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0) fail('split', `sections[${i}] got ${describeValue(s)}, expected a non-negative integer`);
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) {
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

/** Check that every value of `index` is an integer in [0, n); host values only ('gpu' ones: checkOnReadback). */
function checkIndexValues(op: string, index: Tensor | ArrayLike<number>, n: number, axis: number): void {
  // host indices (an array, or a 'cpu' tensor) are checked at the call; a 'gpu' index tensor is not (reading
  // it back would cost a device round trip per call: docs/gpu.md)
  if (index instanceof Tensor && index.device !== 'cpu') return;
  const data: ArrayLike<number> = index instanceof Tensor ? backendFor(index.device).toHost(index, 'indexSelect') : index;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // a JS array may hold anything: a string or a nested array is reported as given, not as a number
    if (typeof v !== 'number') fail(op, `index at flat position ${i} got ${describeValue(v)}, expected an integer in [0, ${n - 1}] for axis ${axis}`);
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      fail(op, `index value ${v} at flat position ${i} is out of range, expected an integer in [0, ${n - 1}] for axis ${axis}`);
    }
  }
}

/**
 * The check of a 'gpu' index tensor: its kernel gives NaN wherever an index is out of range, so when
 * `result` is read back with a NaN in it, the index is read and checked, and the reader gets the CPU's
 * error (a NaN from the data itself passes). A result computed from `result` carries the NaN, not the error.
 */
function checkOnReadback(op: string, result: Tensor, index: Tensor, n: number, axis: number): Tensor {
  if (index.device === 'cpu') return result;
  onReadback(result, (values) => {
    if (!values.some(Number.isNaN)) return;
    if (!canReadSync(index)) return index.data().then((data) => checkIndexValues(op, data, n, axis));
    checkIndexValues(op, index.toTypedArray(), n, axis);
  });
  return result;
}

/** `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `axis` (torch.gather); index has x's rank. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  checkArity('gather', arguments, 3, 'gather(x, axis, index)');
  checkTensor('gather', x);
  checkTensor('gather', index, 'index');
  const ax = normalizeAxis('gather', axis, x.ndim);
  if (index.ndim !== x.ndim) fail('gather', `index has rank ${index.ndim}, expected ${x.ndim} (the input's rank)`);
  if (index.device !== x.device) fail('gather', `index is on '${index.device}' but input is on '${x.device}', expected one device`);
  index.shape.forEach((d, i) => {
    if (i !== ax && d > x.shape[i]!) fail('gather', `index shape ${fmtShape(index.shape)} exceeds input shape ${fmtShape(x.shape)} at dimension ${i}`);
  });
  checkIndexValues('gather', index, x.shape[ax]!, ax);
  // the index is read in its own dtype (the backends read any): a float64 index past 2^24 is not rounded
  // through a float32 input's dtype
  return checkOnReadback('gather', backendFor(x.device).gather(x, ax, index), index, x.shape[ax]!, ax);
}

/** Rows (or slices) of `x` at positions `index` (1-D) along `axis` (torch.index_select). */
export function indexSelect(x: Tensor, axis: number, index: Tensor | readonly number[]): Tensor {
  checkArity('indexSelect', arguments, 3, 'indexSelect(x, axis, index)');
  checkTensor('indexSelect', x);
  if (!(index instanceof Tensor) && !Array.isArray(index)) fail('indexSelect', `index got ${describeValue(index)}, expected a Tensor or an array of integers`);
  const ax = normalizeAxis('indexSelect', axis, x.ndim);
  // an array of indices is host data on every device: checked before it is uploaded
  if (!(index instanceof Tensor)) checkIndexValues('indexSelect', index, x.shape[ax]!, ax);
  // an array of indices is uploaded as float64 on the CPU, so no index is rounded (float32 is exact only to
  // 2^24); the GPU is float32 only, and holds at most 2^24 elements, so every index it can take is exact
  const idx = index instanceof Tensor ? index
    : x.device === 'cpu' ? backendFor('cpu').fromHost(Float64Array.from(index), [index.length], 'float64')
      : backendFor(x.device).fromHost(Float32Array.from(index), [index.length], 'float32');
  if (idx.ndim !== 1) fail('indexSelect', `index must be 1-D, got shape ${fmtShape(idx.shape)}`);
  checkIndexValues('indexSelect', idx, x.shape[ax]!, ax); // so that an error names indexSelect, not gather
  const shape = x.shape.slice();
  shape[ax] = idx.shape[0]!;
  const viewShape = x.shape.map((_, i) => (i === ax ? idx.shape[0]! : 1));
  if (idx.device !== x.device) fail('indexSelect', `index is on '${idx.device}' but input is on '${x.device}', expected one device`);
  const full = idx.view(viewShape).expand(shape);
  // the backend's gather directly (the checks above are gather's), so that an index error read back
  // names indexSelect and a position in its own index
  const y = backendFor(x.device).gather(x, ax, full); // the index in its own dtype, as in gather
  // (an array of indices was checked above)
  return index instanceof Tensor ? checkOnReadback('indexSelect', y, idx, x.shape[ax]!, ax) : y;
}

/** Zeros of `shape` with `src` added at `index` along `axis`: the adjoint of `gather`. */
export function scatterAdd(shape: readonly number[], axis: number, index: Tensor, src: Tensor): Tensor {
  checkArity('scatterAdd', arguments, 4, 'scatterAdd(shape, axis, index, src)');
  checkShape(shape, 'scatterAdd');
  checkTensor('scatterAdd', index, 'index');
  checkTensor('scatterAdd', src, 'src');
  const ax = normalizeAxis('scatterAdd', axis, shape.length);
  if (!shapesEqual(index.shape, src.shape)) fail('scatterAdd', `index shape ${fmtShape(index.shape)} differs from src shape ${fmtShape(src.shape)}, expected equal`);
  if (index.ndim !== shape.length) fail('scatterAdd', `index has rank ${index.ndim}, expected ${shape.length}`);
  if (index.device !== src.device) fail('scatterAdd', `index is on '${index.device}' but src is on '${src.device}', expected one device`);
  index.shape.forEach((d, i) => {
    if (i !== ax && d > shape[i]!) fail('scatterAdd', `index shape ${fmtShape(index.shape)} exceeds output shape ${fmtShape(shape)} at dimension ${i}`);
  });
  checkIndexValues('scatterAdd', index, shape[ax]!, ax);
  // the index in its own dtype, as in gather
  return checkOnReadback('scatterAdd', backendFor(src.device).scatterAdd(shape, ax, index, src), index, shape[ax]!, ax);
}
