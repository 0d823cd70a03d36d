// Layer: tensor. The contract every backend fills: the Backend interface, and the reduction kernel names as
// string-literal unions (a new one fails to compile until every backend's table has it). Elementwise ops
// are not named here: their declarations (elementwise/) hand each backend the kernel itself. Imports only
// types.
import type { DType, Device, TypedArray } from './dtype';
import type { BinaryKernel, UnaryKernel } from './elementwise/declare';
import type { Tensor } from './tensor';

export type { UnaryOp, BinaryOp } from './elementwise';

/** Reductions over a set of axes. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'min', 'prod'];

/** Index-of reductions along one axis (first occurrence wins; NaN counts as largest). */
export type ArgReduceOp = 'argmax' | 'argmin';
export const ARG_REDUCE_OPS: readonly ArgReduceOp[] = ['argmax', 'argmin'];

/** Cumulative scans along one axis: 'sum' is cumsum, 'prod' is cumprod. */
export type ScanOp = 'sum' | 'prod';

/**
 * What a device must provide. Every method takes tensors of this backend's device with any strides
 * (views are never materialised by the caller) and returns a fresh contiguous tensor. Validation
 * (shapes, dtypes, devices, axes) is done once, in ops.ts, before a backend is called.
 */
export interface Backend {
  readonly device: Device;
  /** Upload a host array (copied) as a contiguous tensor of `shape`. */
  fromHost(data: TypedArray, shape: readonly number[], dtype: DType): Tensor;
  /**
   * A contiguous row-major host copy of `x` (on the GPU: the one readback). `op` names the caller in the
   * error a device that cannot read back synchronously (gpu.js's webgpu mode) gives.
   */
  toHost(x: Tensor, op?: string): TypedArray;
  /** The same copy, asynchronously: the only readback that works on every device and mode. */
  toHostAsync(x: Tensor): Promise<TypedArray>;
  /** A contiguous tensor of `shape` filled with `value`. */
  full(shape: readonly number[], value: number, dtype: DType): Tensor;
  /** A contiguous copy of any view. */
  copy(x: Tensor): Tensor;
  /** An elementwise op, given as its kernel (elementwise/declare.ts): the backend runs the form it needs. */
  unary(op: UnaryKernel, x: Tensor): Tensor;
  /** `a` and `b` have the output shape already (broadcast inputs arrive as stride-0 views). */
  binary(op: BinaryKernel, a: Tensor, b: Tensor): Tensor;
  /** `cond ? a : b` elementwise (cond non-zero); all three have the output shape. */
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor;
  /** Reduce `axes` (sorted, distinct); the result drops those axes (ops.ts reinserts them for keepDims). */
  reduce(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor;
  /** Index of the max/min along `axis`; the result drops that axis. Indices are stored in x's dtype. */
  argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor;
  /** Batched matrix product: a `[...batch, M, K]`, b `[...batch, K, N]` with equal batch shapes. */
  matmul(a: Tensor, b: Tensor): Tensor;
  /** Concatenate along `axis`; inputs agree on every other dimension. */
  concat(xs: readonly Tensor[], axis: number): Tensor;
  /** `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `axis`; index has the output shape. */
  gather(x: Tensor, axis: number, index: Tensor): Tensor;
  /** Zeros of `shape` plus `src` added at positions `index` along `axis` (the adjoint of gather). */
  scatterAdd(shape: readonly number[], axis: number, index: Tensor, src: Tensor): Tensor;
  /**
   * The inclusive scan of `x` along `axis` (cumsum for 'sum', cumprod for 'prod'), same shape as x:
   * `out[..., k, ...]` combines `x[..., j, ...]` for j <= k, or for j >= k when `reverse`.
   */
  cumulative(op: ScanOp, x: Tensor, axis: number, reverse: boolean): Tensor;
}
