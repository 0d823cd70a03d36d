// Layer: autograd. Variable: a Tensor plus what reverse mode needs (grad, requiresGrad, the node that
// made it). Computing methods forward to the differentiable ops. Imports tensor, tape, backward, ops.
import * as T from '@propel-ts/tensor';
import type { DType, Device, NestedArray, Tensor, TypedArray } from '@propel-ts/tensor';
import type { Node } from './tape';
import { backward, type BackwardOptions } from './backward';
import * as ops from './ops';

/**
 * A tensor value in the autograd graph.
 *
 * ```ts
 * const x = variable(tensor([1, 2, 3], { dtype: 'float64' }), { requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * x.grad?.toArray();   // [2, 4, 6]
 * ```
 */
export class Variable {
  /** Gradient accumulated by backward (leaves only), or null. */
  grad: Tensor | null = null;
  /** The op application that produced this value (null for leaves and constants). */
  node: Node | null;

  /** The current value. Optimizers replace it (or update it in place) between steps; it is a leaf then. */
  value: Tensor;

  constructor(value: Tensor, readonly requiresGrad = false, node: Node | null = null) {
    if (!(value instanceof T.Tensor)) {
      throw new T.TensorError(`variable: value must be a Tensor, got ${value === null ? 'null' : typeof value}`);
    }
    this.value = value;
    this.node = node;
  }

  get shape(): readonly number[] { return this.value.shape; }
  get dtype(): DType { return this.value.dtype; }
  get device(): Device { return this.value.device; }
  get size(): number { return this.value.size; }
  get ndim(): number { return this.value.ndim; }
  /** True for a user-created variable (not the output of a recorded op). */
  get isLeaf(): boolean { return this.node === null; }

  /**
   * Reverse-mode differentiation from this value: accumulates d(this)/d(leaf) into every leaf's `grad`.
   * Scalars need no `dy`; other shapes take an explicit upstream gradient `dy` of this shape.
   */
  backward(dy?: Tensor | BackwardOptions, options: BackwardOptions = {}): void {
    if (dy !== undefined && !(dy instanceof T.Tensor)) {
      backward(this, undefined, dy);
      return;
    }
    backward(this, dy, options);
  }

  /** The same value cut off from the graph (no gradient flows through it). */
  detach(): Variable {
    return new Variable(this.value, false);
  }

  /** Clear the accumulated gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  item(): number { return this.value.item(); }
  toArray(): NestedArray { return this.value.toArray(); }
  /** The value's elements, read asynchronously (the only readback of gpu.js's webgpu mode): `Tensor.data()`. */
  data(): Promise<TypedArray> { return this.value.data(); }
  /** `toArray()`, asynchronously: `Tensor.array()`. */
  array(): Promise<NestedArray> { return this.value.array(); }
  toString(): string { return `Variable(${this.value.toString()}${this.requiresGrad ? ', requiresGrad' : ''})`; }

  // ---- differentiable methods (see ops/ for the definitions) -------------------------------------
  add(b: VarLike): Variable { return ops.add(this, b); }
  sub(b: VarLike): Variable { return ops.sub(this, b); }
  mul(b: VarLike): Variable { return ops.mul(this, b); }
  div(b: VarLike): Variable { return ops.div(this, b); }
  pow(b: VarLike): Variable { return ops.pow(this, b); }
  neg(): Variable { return ops.neg(this); }
  exp(): Variable { return ops.exp(this); }
  log(): Variable { return ops.log(this); }
  sqrt(): Variable { return ops.sqrt(this); }
  square(): Variable { return ops.square(this); }
  tanh(): Variable { return ops.tanh(this); }
  sigmoid(): Variable { return ops.sigmoid(this); }
  relu(): Variable { return ops.relu(this); }
  abs(): Variable { return ops.abs(this); }
  sum(options?: T.ReduceOptions): Variable { return ops.sum(this, options); }
  mean(options?: T.ReduceOptions): Variable { return ops.mean(this, options); }
  max(options?: T.ReduceOptions): Variable { return ops.max(this, options); }
  min(options?: T.ReduceOptions): Variable { return ops.min(this, options); }
  logsumexp(options?: T.ReduceOptions): Variable { return ops.logsumexp(this, options); }
  matmul(b: VarLike): Variable { return ops.matmul(this, b); }
  reshape(...shape: number[] | [readonly number[]]): Variable { return ops.reshape(this, flat(shape)); }
  view(...shape: number[] | [readonly number[]]): Variable { return ops.reshape(this, flat(shape)); }
  permute(...dims: number[] | [readonly number[]]): Variable { return ops.permute(this, flat(dims)); }
  transpose(dim0 = -2, dim1 = -1): Variable { return ops.transpose(this, dim0, dim1); }
  expand(...shape: number[] | [readonly number[]]): Variable { return ops.expand(this, flat(shape)); }
  slice(dim: number, start = 0, end?: number, step = 1): Variable { return ops.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Variable { return ops.select(this, dim, index); }
  squeeze(dim?: number | readonly number[]): Variable { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Variable { return ops.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Variable { return ops.flatten(this, startDim, endDim); }
}

/** What differentiable ops accept: a Variable, a Tensor (a constant) or a number (a scalar constant). */
export type VarLike = Variable | Tensor | number;

/** Options of `variable()`. */
export interface VariableOptions {
  /** Track gradients for this leaf. Default false. */
  requiresGrad?: boolean;
}

/**
 * Wrap a tensor as a graph leaf.
 *
 * ```ts
 * const w = variable(randn([3, 2], { seed: 0 }), { requiresGrad: true });
 * ```
 */
export function variable(value: Tensor, options: VariableOptions = {}): Variable {
  return new Variable(value, options.requiresGrad ?? false);
}

function flat(args: number[] | [readonly number[]]): number[] {
  const first = args[0];
  if (args.length === 1 && Array.isArray(first)) return first.slice();
  return (args as number[]).slice();
}
