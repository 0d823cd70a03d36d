// Layer: tensor. Pure shape arithmetic: strides, addresses, broadcasting, axis normalisation.
// Imports errors.ts and describeValue. Every function here is tested on its own (test/tensor/shape.test.ts).
import type { DType } from './dtype';
import { fail, fmtShape } from './errors';
import { checkArity, describeValue } from './options';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides of a shape. Size-1 dimensions get the stride they would have anyway. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * The storage address of element `index`: `offset + sum(strides[i] * index[i])`.
 * The single definition of strided addressing; kernels advance it incrementally, tests compare against this.
 */
export function addressOf(offset: number, strides: readonly number[], index: readonly number[]): number {
  let a = offset;
  for (let i = 0; i < index.length; i++) a += strides[i]! * index[i]!;
  return a;
}

/** The multi-index of the `flat`-th element of `shape` in row-major order. */
export function unravelIndex(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    idx[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return idx;
}

/** True when (shape, strides) address elements in row-major order without gaps (size-1 dims ignored). */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * The most elements one tensor (or one walk of a kernel over a view) may have: 2^31 - 1, the int32 index
 * range of the wasm gemm and of the kernels' offsets. Beyond it a call is refused before any work.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * The memory budget of one tensor, in bytes: an allocation above it is refused before any work, instead
 * of running the process out of memory (a float64 tensor of MAX_ELEMENTS elements is 16 GiB). Default
 * 4 GiB; `setMaxTensorBytes` changes it.
 */
let maxTensorBytes = 2 ** 32;

/** Set the largest tensor (in bytes) an op may allocate: `setMaxTensorBytes(16 * 2 ** 30)` for 16 GiB. */
export function setMaxTensorBytes(bytes: number): void {
  checkArity('setMaxTensorBytes', arguments, 1, 'setMaxTensorBytes(bytes)');
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 1) {
    fail('setMaxTensorBytes', `bytes got ${describeValue(bytes)}, expected a positive integer (the default is ${2 ** 32}, 4 GiB)`);
  }
  maxTensorBytes = bytes;
}

/** The largest tensor (in bytes) an op may allocate (see setMaxTensorBytes). */
export function getMaxTensorBytes(): number {
  checkArity('getMaxTensorBytes', arguments, 0, 'getMaxTensorBytes()');
  return maxTensorBytes;
}

const gib = (bytes: number) => `${Number((bytes / 2 ** 30).toPrecision(3))} GiB`;

/**
 * Throw before any work when a tensor of `shape` would exceed MAX_ELEMENTS (`what` says which tensor), or,
 * given its dtype, the memory budget of one tensor (setMaxTensorBytes).
 */
export function checkSize(op: string, shape: Shape, what = 'the result', dtype?: DType): void {
  const n = sizeOf(shape);
  if (n > MAX_ELEMENTS) {
    fail(op, `${what} ${fmtShape(shape)} has ${n} elements, more than the ${MAX_ELEMENTS} a tensor can hold (int32 indices in the kernels), expected a smaller shape`);
  }
  const bytes = dtype === undefined ? 0 : n * (dtype === 'float64' ? 8 : 4);
  if (bytes > maxTensorBytes) {
    fail(op, `${what} ${fmtShape(shape)} of ${dtype} needs ${gib(bytes)}, more than the ${gib(maxTensorBytes)} one tensor may take (raise it with setMaxTensorBytes(bytes) if the machine has the memory)`);
  }
}

/** Check that `shape` is a valid shape (non-negative integers) of at most MAX_ELEMENTS elements. */
export function checkShape(shape: unknown, op: string, arg = 'shape'): number[] {
  if (!Array.isArray(shape)) fail(op, `${arg} must be an array of non-negative integers, got ${describeValue(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      fail(op, `${arg} must be an array of non-negative integers, got [${shape.map(describeValue).join(',')}]`);
    }
  }
  checkSize(op, shape as number[], arg);
  return shape.slice() as number[];
}

/** NumPy broadcasting of two shapes; throws `op: shapes [..] and [..] are not broadcastable`. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} are not broadcastable`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalise one axis (negative counts from the end) against rank `ndim`. */
export function normalizeAxis(op: string, axis: number, ndim: number, arg = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    const range = ndim === 0 ? 'no axes (the tensor is a scalar)' : `an integer in [${-ndim}, ${ndim - 1}]`;
    fail(op, `${arg} ${describeValue(axis)} is out of range for a tensor of rank ${ndim}, expected ${range}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalise an axis list (undefined = all axes), sorted, rejecting duplicates. An empty list of a tensor
 * with axes is refused unless `emptyOk` (flip: no axis to flip is unambiguous): to PyTorch `x.sum(dim=[])`
 * is the total and to NumPy `axis=()` keeps x, so either reading would surprise someone. For a 0-d tensor
 * the two readings agree.
 */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, ndim: number, emptyOk = false): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  if (list.length === 0 && ndim > 0 && !emptyOk) {
    fail(op, 'axis got [], expected at least one axis (leave axis out to reduce over every axis; PyTorch\'s dim=[] means every axis, NumPy\'s axis=() none)');
  }
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  const sorted = [...out].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) fail(op, `axis ${sorted[i]} appears more than once in axes [${list.join(',')}]`);
  }
  return sorted;
}

/** Shape after reducing `axes` (sorted, normalised), keeping them as size 1 when `keepDims`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}

/** Equal shapes? */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Strides for viewing (shape, strides) as `newShape` without copying, or null when impossible.
 * Same algorithm as PyTorch's `computeStride`: split the old layout into contiguous chunks and map the new
 * dimensions onto them.
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  const newStrides = new Array<number>(newShape.length).fill(0);
  if (sizeOf(shape) === 0 || shape.length === 0) return contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBaseStride = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBaseStride = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/** Resolve one `-1` in a requested shape against `size`. */
export function inferShape(op: string, requested: readonly number[], size: number): number[] {
  let infer = -1;
  let known = 1;
  requested.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) fail(op, `shape [${requested.join(',')}] has more than one -1`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      fail(op, `shape [${requested.map(describeValue).join(',')}] has an invalid dimension ${describeValue(d)}, expected non-negative integers or one -1`);
    } else known *= d;
  });
  const out = requested.slice();
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) fail(op, `cannot infer -1 in shape [${requested.join(',')}] for ${size} elements`);
    out[infer] = size / known;
  }
  if (sizeOf(out) !== size) {
    fail(op, `shape [${requested.join(',')}] has ${sizeOf(out)} elements, expected ${size} (the input's size)`);
  }
  return out;
}

/** The shape of `flatten(startDim, endDim)`: dims startDim..endDim merged into one ([1] for a scalar). */
export function flattenShape(op: string, shape: Shape, startDim: number, endDim: number): number[] {
  if (shape.length === 0) return [1];
  const s = normalizeAxis(op, startDim, shape.length, 'startDim');
  const e = normalizeAxis(op, endDim, shape.length, 'endDim');
  if (s > e) fail(op, `startDim ${startDim} comes after endDim ${endDim}`);
  return [...shape.slice(0, s), sizeOf(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
}
