// Layer: tensor. The Tensor class: metadata (shape, strides, offset, dtype) over a shared Storage.
// Views are defined here and never copy. The computing and reading methods (x.exp(), x.sum(1),
// x.toArray(), ...) are declared here, in TensorMethods, and installed on the prototype by
// tensor-methods.ts: they call the ops, and the ops construct Tensors, so this file cannot import them
// (an import cycle). Imports errors, options, shape, format and (types only) the op names.
import type { DType, Device, TypedArray } from './dtype';
import { fail, fmtShape } from './errors';
import { checkArity, describeValue } from './options';
import {
  contiguousStrides, flattenShape, inferShape, isContiguousLayout, normalizeAxis, sizeOf, viewStrides, type Shape,
} from './shape';
import type { Storage } from './storage';
import { formatTensor } from './format';
import type { BinaryOp, UnaryOp } from './elementwise';
import type { ScanArg } from './scan';
import type { AxesArg } from './shape-ops';
import type { NormOptions, VarianceArg } from './statistics';

/** Nested JS arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Reduction options shared by sum, mean, max, min, prod, logsumexp. */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); all axes when omitted. */
  axis?: number | readonly number[];
  /** Keep reduced axes as size 1. Default false. */
  keepDims?: boolean;
}

/** A reduction's axis argument: PyTorch's positional axis (`x.sum(1)`, `x.sum([0, 1])`) or `ReduceOptions`. */
export type AxisArg = number | readonly number[] | ReduceOptions;

/** An arg-reduction's axis argument: one positional axis (`x.argmax(1)`) or `{ axis, keepDims }`. */
export type ArgAxisArg = number | { axis?: number; keepDims?: boolean };

/**
 * The methods of Tensor that compute or read (installed on the prototype by tensor-methods.ts). Every
 * elementwise op is a method: `x.exp()`, `x.erf()`, `x.add(y)`, `x.atan2(y)`.
 */
export interface TensorMethods {
  /** A flat row-major copy of the elements (on 'gpu' this is the readback). */
  toTypedArray(): TypedArray;
  /** The elements as nested JS arrays (a number for a scalar). */
  toArray(): NestedArray;
  /** The single element of a one-element tensor as a number. */
  item(): number;
  /**
   * `toTypedArray()`, asynchronously (as TensorFlow.js's `data()`). It works on every device and mode and
   * is the only way to read a 'gpu' tensor in gpu.js's webgpu mode, where reading back is asynchronous.
   *
   * ```ts
   * const values = await x.data();   // Float32Array (or Float64Array)
   * ```
   */
  data(): Promise<TypedArray>;
  /** `toArray()`, asynchronously (see `data()`). */
  array(): Promise<NestedArray>;
  /** This tensor when already contiguous with offset 0, else a contiguous copy. */
  contiguous(): Tensor;
  /** Split into chunks of `sizeOrSections` (a size, or a list of sizes) along `dim`: views. */
  split(sizeOrSections: number | readonly number[], dim?: number): Tensor[];
  to(device: Device): Tensor;
  astype(dtype: DType): Tensor;
  clone(): Tensor;
  clamp(min?: number | Tensor | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor): Tensor;
  // reductions take PyTorch's positional axis too: x.sum(1), x.max(-1), x.argmax(0)
  sum(options?: AxisArg): Tensor;
  mean(options?: AxisArg): Tensor;
  max(options?: AxisArg): Tensor;
  min(options?: AxisArg): Tensor;
  prod(options?: AxisArg): Tensor;
  logsumexp(options?: AxisArg): Tensor;
  argmax(options?: ArgAxisArg): Tensor;
  argmin(options?: ArgAxisArg): Tensor;
  matmul(other: Tensor): Tensor;
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor;
  gather(dim: number, index: Tensor): Tensor;
  /** `variance(x, ...)`, `std(x, ...)`, `norm(x, ...)` (statistics.ts). */
  variance(options?: VarianceArg): Tensor;
  std(options?: VarianceArg): Tensor;
  norm(options?: NormOptions): Tensor;
  /** `cumsum(x, axis)`, `cumprod(x, axis)` (scan.ts; the axis is required, as PyTorch's dim). */
  cumsum(options: ScanArg): Tensor;
  cumprod(options: ScanArg): Tensor;
  /** The shape ops of shape-ops.ts with x first. */
  flip(axis?: AxesArg): Tensor;
  roll(shift: number | readonly number[], axis?: AxesArg): Tensor;
  tile(reps: number | readonly number[]): Tensor;
  triu(diagonal?: number | { diagonal?: number }): Tensor;
  tril(diagonal?: number | { diagonal?: number }): Tensor;
}

/** One method per unary op (`x.tanh()`), taken from the op table. */
export type UnaryMethods = { readonly [K in UnaryOp]: () => Tensor };
/** One method per binary op (`x.mul(y)`, `x.mul(2)`). */
export type BinaryMethods = { readonly [K in BinaryOp]: (other: Tensor | number) => Tensor };

// declaration merging: the class Tensor below gets the types of the methods tensor-methods.ts installs
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface Tensor extends TensorMethods, UnaryMethods, BinaryMethods {}

/**
 * An n-dimensional array: `shape`, `strides` and `offset` over a storage shared with its views.
 *
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);   // float32 on the CPU
 * const t = x.transpose(0, 1);                 // a view: same storage, strides swapped
 * t.toArray();                                 // [[1, 4], [2, 5], [3, 6]]
 * ```
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly size: number;

  /** Prefer the creation functions (`tensor`, `zeros`, ...); this wraps storage without checks. */
  constructor(
    readonly storage: Storage,
    shape: Shape,
    strides: readonly number[] = contiguousStrides(shape),
    readonly offset = 0,
    readonly dtype: DType = 'float32',
  ) {
    // frozen copies: `x.shape` hands out the tensor's own array, and an edit there (`x.shape.unshift(1)`, a JS
    // idiom) would change the tensor under its storage. A frozen array (another tensor's) is shared as it is.
    // Freezing costs about 150 ns an array, some 1% of a W2 training step (85 tensors)
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.strides = Object.isFrozen(strides) ? strides : Object.freeze(strides.slice());
    this.size = sizeOf(shape);
  }

  get device(): Device {
    return this.storage.device;
  }
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * How many times this tensor's storage was changed in place (PyTorch's `_version`), shared by all views of
   * it. Autograd records it when an op uses the tensor and refuses a backward that finds it changed.
   */
  get version(): number {
    return storageVersions.get(this.storage) ?? 0;
  }

  /** True when the elements are laid out row-major without gaps (offset may be non-zero). */
  isContiguous(): boolean {
    checkArity('isContiguous', arguments, 0, 'x.isContiguous()');
    return isContiguousLayout(this.shape, this.strides);
  }

  /** A view with new metadata over the same storage. */
  private withLayout(shape: Shape, strides: readonly number[], offset = this.offset): Tensor {
    return new Tensor(this.storage, shape, strides, offset, this.dtype);
  }

  /** A readable rendering like PyTorch's: `tensor([[1., 2.], [3., 4.]], dtype=float64)`. */
  toString(): string {
    checkArity('toString', arguments, 0, 'x.toString()');
    return formatTensor(this);
  }

  // ---- views (metadata only, zero copy) -----------------------------------------------------------

  /** Same elements as `shape` (one -1 inferred) without copying; throws when no view is possible. */
  view(...shape: number[] | [readonly number[]]): Tensor {
    const target = inferShape('view', flattenArgs('view', 'shape', shape), this.size);
    const strides = viewStrides(this.shape, this.strides, target);
    if (!strides) {
      fail('view', `cannot view shape ${fmtShape(this.shape)} with strides ${fmtShape(this.strides)} as ${fmtShape(target)} without copying, expected a compatible layout (use reshape(), which copies when needed)`);
    }
    return this.withLayout(target, strides);
  }

  /** Like `view`, but copies when the layout does not allow a view (as PyTorch's reshape). */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    const target = inferShape('reshape', flattenArgs('reshape', 'shape', shape), this.size);
    const strides = viewStrides(this.shape, this.strides, target);
    if (strides) return this.withLayout(target, strides);
    return this.contiguous().view(target);
  }

  /** Reorder dimensions: `permute(1, 0)` is a transpose. */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    const order = flattenArgs('permute', 'dims', dims);
    if (order.length !== this.ndim) {
      fail('permute', `dims [${order.join(',')}] has ${order.length} entries, expected ${this.ndim} (the tensor's rank)`);
    }
    const norm = order.map((d) => normalizeAxis('permute', d, this.ndim, 'dim'));
    if (new Set(norm).size !== norm.length) fail('permute', `dims [${order.join(',')}] repeats a dimension, expected a permutation of 0..${this.ndim - 1}`);
    return this.withLayout(norm.map((d) => this.shape[d]!), norm.map((d) => this.strides[d]!));
  }

  /** Swap two dimensions: both given, or neither (the last two). */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    checkArity('transpose', arguments, 2, 'x.transpose(dim0, dim1)');
    // one dim alone would swap it with the last: PyTorch requires both
    if (arguments.length === 1) fail('transpose', `got x.transpose(${describeValue(dim0)}), expected x.transpose(dim0, dim1) (both dims) or x.transpose() (the last two)`);
    const a = normalizeAxis('transpose', dim0, this.ndim, 'dim0');
    const b = normalizeAxis('transpose', dim1, this.ndim, 'dim1');
    const order = this.shape.map((_, i) => (i === a ? b : i === b ? a : i));
    return this.permute(order);
  }

  /** Matrix transpose of a 2-D tensor (`x.T` in PyTorch). */
  get T(): Tensor {
    if (this.ndim !== 2) fail('T', `expects a 2-D tensor, got shape ${fmtShape(this.shape)}`);
    return this.transpose(0, 1);
  }

  /** Broadcast to `shape` with stride 0 on the repeated dimensions (-1 keeps a dimension). */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    const target = flattenArgs('expand', 'shape', shape);
    const lead = target.length - this.ndim;
    if (lead < 0) fail('expand', `target shape ${fmtShape(target)} has fewer dimensions than the input ${fmtShape(this.shape)}`);
    const outShape: number[] = [];
    const outStrides: number[] = [];
    target.forEach((d, i) => {
      const j = i - lead;
      const src = j >= 0 ? this.shape[j]! : 1;
      const want = d === -1 ? src : d;
      if (d === -1 && j < 0) fail('expand', `-1 is not allowed for the new leading dimension ${i} in ${fmtShape(target)}`);
      if (!Number.isInteger(want) || want < 0) fail('expand', `invalid size ${describeValue(d)} at dimension ${i} of [${target.map(describeValue).join(',')}]`);
      if (src !== want && src !== 1) {
        fail('expand', `cannot expand shape ${fmtShape(this.shape)} to ${fmtShape(target)}: dimension ${i} has size ${src}, expected 1 or ${want}`);
      }
      outShape.push(want);
      outStrides.push(j < 0 || (src === 1 && want !== 1) ? 0 : this.strides[j]!);
    });
    return this.withLayout(outShape, outStrides);
  }

  /** Alias of `expand` with NumPy's name. */
  broadcastTo(...shape: number[] | [readonly number[]]): Tensor {
    return this.expand(...shape);
  }

  /**
   * Elements `start, start+step, ...` (< end) along `dim`, as a view. Negative start/end count from the
   * end and are clamped like Python slices; `step` must be positive.
   */
  slice(dim: number, start = 0, end?: number, step = 1): Tensor {
    checkArity('slice', arguments, 4, 'x.slice(dim, start, end, step)');
    const d = normalizeAxis('slice', dim, this.ndim, 'dim');
    const n = this.shape[d]!;
    if (!Number.isInteger(step) || step <= 0) fail('slice', `step must be a positive integer, got ${describeValue(step)}`);
    if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
      fail('slice', `start and end must be integers, got start=${describeValue(start)}, end=${describeValue(end)}`);
    }
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const s = clamp(start);
    const e = end === undefined ? n : clamp(end);
    const len = e > s ? Math.ceil((e - s) / step) : 0;
    const shape = this.shape.slice();
    const strides = this.strides.slice();
    shape[d] = len;
    strides[d] = this.strides[d]! * step;
    return this.withLayout(shape, strides, len > 0 ? this.offset + s * this.strides[d]! : this.offset);
  }

  /** Element `index` along `dim`, dropping that dimension (a view). */
  select(dim: number, index: number): Tensor {
    checkArity('select', arguments, 2, 'x.select(dim, index)');
    const d = normalizeAxis('select', dim, this.ndim, 'dim');
    const n = this.shape[d]!;
    // a string or a fraction is reported as given (a string would print as the number it looks like)
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      fail('select', `index got ${describeValue(index)}, expected an integer in [${-n}, ${n - 1}] for dimension ${d} of size ${n}`);
    }
    if (index < -n || index >= n) fail('select', `index ${index} is out of range for dimension ${d} of size ${n}`);
    const i = index < 0 ? index + n : index;
    return this.withLayout(
      this.shape.filter((_, k) => k !== d),
      this.strides.filter((_, k) => k !== d),
      this.offset + i * this.strides[d]!,
    );
  }

  /** Remove size-1 dimensions (all of them, or the given ones, which must have size 1). */
  squeeze(dim?: number | readonly number[]): Tensor {
    checkArity('squeeze', arguments, 1, 'x.squeeze(dim)');
    if (dim !== undefined && typeof dim !== 'number' && !Array.isArray(dim)) fail('squeeze', `dim got ${describeValue(dim)}, expected an integer or an array of integers`);
    const dims = dim === undefined
      ? this.shape.map((s, i) => (s === 1 ? i : -1)).filter((i) => i >= 0)
      : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeAxis('squeeze', d, this.ndim, 'dim'));
    for (const d of dims) {
      if (this.shape[d] !== 1) fail('squeeze', `dimension ${d} has size ${this.shape[d]}, expected 1 (shape ${fmtShape(this.shape)})`);
    }
    return this.withLayout(
      this.shape.filter((_, i) => !dims.includes(i)),
      this.strides.filter((_, i) => !dims.includes(i)),
    );
  }

  /** Insert a size-1 dimension at `dim` (in the result's indexing: -1 appends). */
  unsqueeze(dim: number): Tensor {
    checkArity('unsqueeze', arguments, 1, 'x.unsqueeze(dim)');
    const d = normalizeAxis('unsqueeze', dim, this.ndim + 1, 'dim');
    const shape = this.shape.slice();
    const strides = this.strides.slice();
    shape.splice(d, 0, 1);
    strides.splice(d, 0, d < this.ndim ? this.strides[d]! * this.shape[d]! : 1);
    return this.withLayout(shape, strides);
  }

  /** Merge dims `startDim..endDim` into one (a view when possible, else a copy). */
  flatten(startDim = 0, endDim = -1): Tensor {
    checkArity('flatten', arguments, 2, 'x.flatten(startDim, endDim)');
    return this.reshape(flattenShape('flatten', this.shape, startDim, endDim));
  }
}

/** In-place versions per storage (a storage never changed in place has none). */
const storageVersions = new WeakMap<Storage, number>();

/**
 * Record an in-place change of `t`'s storage: every view of it gets the next `version`. Whatever writes
 * into a tensor's storage calls this (the optimizers do); writes through an array given to
 * `fromTypedArray` cannot be seen.
 */
export function bumpVersion(t: Tensor): void {
  checkArity('bumpVersion', arguments, 1, 'bumpVersion(tensor)');
  if (!(t instanceof Tensor)) fail('bumpVersion', `tensor got ${describeValue(t)}, expected a Tensor`);
  storageVersions.set(t.storage, t.version + 1);
}

/**
 * Accept both `f(2, 3)` and `f([2, 3])`. One argument that is neither (`permute(null)`) throws here, naming
 * what was given: read as a list of one entry, it would be reported as a wrong count or rank.
 */
function flattenArgs(op: string, what: string, args: number[] | [readonly number[]]): number[] {
  const first: unknown = args[0];
  if (args.length === 1 && Array.isArray(first)) return first.slice();
  if (args.length === 1 && typeof first !== 'number') fail(op, `${what} got ${describeValue(first)}, expected integers or an array of integers`);
  return (args as number[]).slice();
}
