// Layer: tensor. The Tensor class: metadata (shape, strides, offset, dtype) over a shared Storage.
// Views are defined here and never copy; computing methods forward to the free functions in ops.ts.
import type { DType, Device, TypedArray } from './dtype';
import { fail, fmtShape } from './errors';
import { checkArity, describeValue } from './options';
import {
  contiguousStrides, flattenShape, inferShape, isContiguousLayout, normalizeAxis, sizeOf, viewStrides, type Shape,
} from './shape';
import type { Storage } from './storage';
import * as ops from './ops';
import { formatTensor } from './format';

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
    // copies (not frozen: freezing costs more than the rest of a small op), typed readonly
    this.shape = shape.slice();
    this.strides = strides.slice();
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
    return isContiguousLayout(this.shape, this.strides);
  }

  /** A view with new metadata over the same storage. */
  private withLayout(shape: Shape, strides: readonly number[], offset = this.offset): Tensor {
    return new Tensor(this.storage, shape, strides, offset, this.dtype);
  }

  // ---- reading back -------------------------------------------------------------------------------

  /** A flat row-major copy of the elements (on 'gpu' this is the readback). */
  toTypedArray(): TypedArray {
    return ops.toHost(this);
  }

  /** The elements as nested JS arrays (a number for a scalar). */
  toArray(): NestedArray {
    return nest(this.shape, ops.toHost(this, 'toArray'));
  }

  /** The single element of a one-element tensor as a number. */
  item(): number {
    if (this.size !== 1) fail('item', `tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, expected exactly 1`);
    return ops.toHost(this, 'item')[0]!;
  }

  /**
   * `toTypedArray()`, asynchronously (as TensorFlow.js's `data()`). It works on every device and mode and
   * is the only way to read a 'gpu' tensor in gpu.js's webgpu mode, where reading back is asynchronous.
   *
   * ```ts
   * const values = await x.data();   // Float32Array (or Float64Array)
   * ```
   */
  data(): Promise<TypedArray> {
    return ops.toHostAsync(this);
  }

  /** `toArray()`, asynchronously (see `data()`). */
  async array(): Promise<NestedArray> {
    return nest(this.shape, await ops.toHostAsync(this));
  }

  /** A readable rendering like PyTorch's: `tensor([[1., 2.], [3., 4.]], dtype=float64)`. */
  toString(): string {
    return formatTensor(this);
  }

  // ---- views (metadata only, zero copy) -----------------------------------------------------------

  /** Same elements as `shape` (one -1 inferred) without copying; throws when no view is possible. */
  view(...shape: number[] | [readonly number[]]): Tensor {
    const target = inferShape('view', flattenArgs(shape), this.size);
    const strides = viewStrides(this.shape, this.strides, target);
    if (!strides) {
      fail('view', `cannot view shape ${fmtShape(this.shape)} with strides ${fmtShape(this.strides)} as ${fmtShape(target)} without copying, expected a compatible layout (use reshape(), which copies when needed)`);
    }
    return this.withLayout(target, strides);
  }

  /** Like `view`, but copies when the layout does not allow a view (as PyTorch's reshape). */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    const target = inferShape('reshape', flattenArgs(shape), this.size);
    const strides = viewStrides(this.shape, this.strides, target);
    if (strides) return this.withLayout(target, strides);
    return this.contiguous().view(target);
  }

  /** Reorder dimensions: `permute(1, 0)` is a transpose. */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    const order = flattenArgs(dims);
    if (order.length !== this.ndim) {
      fail('permute', `dims [${order.join(',')}] has ${order.length} entries, expected ${this.ndim} (the tensor's rank)`);
    }
    const norm = order.map((d) => normalizeAxis('permute', d, this.ndim, 'dim'));
    if (new Set(norm).size !== norm.length) fail('permute', `dims [${order.join(',')}] repeats a dimension, expected a permutation of 0..${this.ndim - 1}`);
    return this.withLayout(norm.map((d) => this.shape[d]!), norm.map((d) => this.strides[d]!));
  }

  /** Swap two dimensions (default: the last two). */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    checkArity('transpose', arguments, 2, 'x.transpose(dim0, dim1)');
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
    const target = flattenArgs(shape);
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
    if (!Number.isInteger(index) || index < -n || index >= n) {
      fail('select', `index ${index} is out of range for dimension ${d} of size ${n}`);
    }
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

  /** This tensor when already contiguous with offset 0, else a contiguous copy. */
  contiguous(): Tensor {
    if (this.isContiguous() && this.offset === 0 && this.storage.length === this.size) return this;
    return ops.copy(this);
  }

  /** Split into chunks of `sizeOrSections` (a size, or a list of sizes) along `dim`: views. */
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    checkArity('split', arguments, 2, 'x.split(sizeOrSections, dim)');
    return ops.split(this, sizeOrSections, dim);
  }

  // ---- computing methods: each forwards to the free function of the same name ----------------------

  to(device: Device): Tensor { checkArity('to', arguments, 1, 'x.to(device)'); return ops.to(this, device); }
  astype(dtype: DType): Tensor { checkArity('astype', arguments, 1, 'x.astype(dtype)'); return ops.astype(this, dtype); }
  clone(): Tensor { checkArity('clone', arguments, 0, 'x.clone()'); return ops.copy(this); }

  neg(): Tensor { checkArity('neg', arguments, 0, 'x.neg()'); return ops.neg(this); }
  abs(): Tensor { checkArity('abs', arguments, 0, 'x.abs()'); return ops.abs(this); }
  exp(): Tensor { checkArity('exp', arguments, 0, 'x.exp()'); return ops.exp(this); }
  log(): Tensor { checkArity('log', arguments, 0, 'x.log()'); return ops.log(this); }
  sqrt(): Tensor { checkArity('sqrt', arguments, 0, 'x.sqrt()'); return ops.sqrt(this); }
  square(): Tensor { checkArity('square', arguments, 0, 'x.square()'); return ops.square(this); }
  reciprocal(): Tensor { checkArity('reciprocal', arguments, 0, 'x.reciprocal()'); return ops.reciprocal(this); }
  tanh(): Tensor { checkArity('tanh', arguments, 0, 'x.tanh()'); return ops.tanh(this); }
  sigmoid(): Tensor { checkArity('sigmoid', arguments, 0, 'x.sigmoid()'); return ops.sigmoid(this); }
  relu(): Tensor { checkArity('relu', arguments, 0, 'x.relu()'); return ops.relu(this); }
  sin(): Tensor { checkArity('sin', arguments, 0, 'x.sin()'); return ops.sin(this); }
  cos(): Tensor { checkArity('cos', arguments, 0, 'x.cos()'); return ops.cos(this); }
  sign(): Tensor { checkArity('sign', arguments, 0, 'x.sign()'); return ops.sign(this); }

  add(other: Tensor | number): Tensor { checkArity('add', arguments, 1, 'x.add(other)'); return ops.add(this, other); }
  sub(other: Tensor | number): Tensor { checkArity('sub', arguments, 1, 'x.sub(other)'); return ops.sub(this, other); }
  mul(other: Tensor | number): Tensor { checkArity('mul', arguments, 1, 'x.mul(other)'); return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { checkArity('div', arguments, 1, 'x.div(other)'); return ops.div(this, other); }
  pow(other: Tensor | number): Tensor { checkArity('pow', arguments, 1, 'x.pow(other)'); return ops.pow(this, other); }
  maximum(other: Tensor | number): Tensor { checkArity('maximum', arguments, 1, 'x.maximum(other)'); return ops.maximum(this, other); }
  minimum(other: Tensor | number): Tensor { checkArity('minimum', arguments, 1, 'x.minimum(other)'); return ops.minimum(this, other); }
  eq(other: Tensor | number): Tensor { checkArity('eq', arguments, 1, 'x.eq(other)'); return ops.eq(this, other); }
  ne(other: Tensor | number): Tensor { checkArity('ne', arguments, 1, 'x.ne(other)'); return ops.ne(this, other); }
  lt(other: Tensor | number): Tensor { checkArity('lt', arguments, 1, 'x.lt(other)'); return ops.lt(this, other); }
  le(other: Tensor | number): Tensor { checkArity('le', arguments, 1, 'x.le(other)'); return ops.le(this, other); }
  gt(other: Tensor | number): Tensor { checkArity('gt', arguments, 1, 'x.gt(other)'); return ops.gt(this, other); }
  ge(other: Tensor | number): Tensor { checkArity('ge', arguments, 1, 'x.ge(other)'); return ops.ge(this, other); }
  clamp(min?: number | Tensor | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor): Tensor {
    checkArity('clamp', arguments, 2, 'x.clamp(min, max) or x.clamp({ min, max })');
    return arguments.length < 2 ? ops.clamp(this, min) : ops.clamp(this, min, max);
  }

  // reductions take PyTorch's positional axis too: x.sum(1), x.max(-1), x.argmax(0)
  sum(options?: AxisArg): Tensor { checkArity('sum', arguments, 1, 'x.sum(axis) or x.sum({ axis, keepDims })'); return ops.sum(this, options); }
  mean(options?: AxisArg): Tensor { checkArity('mean', arguments, 1, 'x.mean(axis) or x.mean({ axis, keepDims })'); return ops.mean(this, options); }
  max(options?: AxisArg): Tensor { checkArity('max', arguments, 1, 'x.max(axis) or x.max({ axis, keepDims })'); return ops.max(this, options); }
  min(options?: AxisArg): Tensor { checkArity('min', arguments, 1, 'x.min(axis) or x.min({ axis, keepDims })'); return ops.min(this, options); }
  prod(options?: AxisArg): Tensor { checkArity('prod', arguments, 1, 'x.prod(axis) or x.prod({ axis, keepDims })'); return ops.prod(this, options); }
  logsumexp(options?: AxisArg): Tensor { checkArity('logsumexp', arguments, 1, 'x.logsumexp(axis) or x.logsumexp({ axis, keepDims })'); return ops.logsumexp(this, options); }
  argmax(options?: ArgAxisArg): Tensor { checkArity('argmax', arguments, 1, 'x.argmax(axis) or x.argmax({ axis, keepDims })'); return ops.argmax(this, options); }
  argmin(options?: ArgAxisArg): Tensor { checkArity('argmin', arguments, 1, 'x.argmin(axis) or x.argmin({ axis, keepDims })'); return ops.argmin(this, options); }

  matmul(other: Tensor): Tensor { checkArity('matmul', arguments, 1, 'x.matmul(other)'); return ops.matmul(this, other); }
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor { checkArity('indexSelect', arguments, 2, 'x.indexSelect(dim, index)'); return ops.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { checkArity('gather', arguments, 2, 'x.gather(dim, index)'); return ops.gather(this, dim, index); }
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

/** Accept both `f(2, 3)` and `f([2, 3])`. */
function flattenArgs(args: number[] | [readonly number[]]): number[] {
  const first = args[0];
  if (args.length === 1 && Array.isArray(first)) return first.slice();
  return (args as number[]).slice();
}

/** Flat row-major values as nested arrays of `shape` (a number for a scalar). */
function nest(shape: readonly number[], flat: TypedArray): NestedArray {
  const build = (dim: number, base: number): NestedArray => {
    if (dim === shape.length) return flat[base]!;
    const inner = sizeOf(shape.slice(dim + 1));
    return Array.from({ length: shape[dim]! }, (_, i) => build(dim + 1, base + i * inner));
  };
  return build(0, 0);
}
