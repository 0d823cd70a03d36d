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

  /** How many times `value` was assigned since construction (with the storage `version`, autograd's check). */
  assignments = 0;
  private current: Tensor;

  readonly requiresGrad: boolean;

  /** `new Variable(value, requiresGrad)`; `node` is set by the ops that record it. */
  constructor(value: Tensor, requiresGrad = false, node: Node | null = null) {
    T.checkArity('Variable', arguments, 3, 'new Variable(value, requiresGrad)');
    if (!(value instanceof T.Tensor)) {
      throw new T.TensorError(`variable: value must be a Tensor, got ${T.describeValue(value)}`);
    }
    if (typeof requiresGrad !== 'boolean') {
      throw new T.TensorError(`Variable: requiresGrad got ${T.describeValue(requiresGrad)}, expected true or false (new Variable(value, true), or variable(value, { requiresGrad: true }))`);
    }
    if (node !== null && (typeof node !== 'object' || !('backward' in node))) {
      throw new T.TensorError(`Variable: node got ${T.describeValue(node)}, expected null (nodes are set by the ops that record them)`);
    }
    this.current = value;
    this.requiresGrad = requiresGrad;
    this.node = node;
  }

  /**
   * The current value. Optimizers replace it (or update it in place) between steps; assigning it counts in
   * `assignments`, so a backward through a graph that used the old value throws instead of using the new one.
   */
  get value(): Tensor { return this.current; }
  set value(t: Tensor) {
    if (!(t instanceof T.Tensor)) throw new T.TensorError(`Variable.value: got ${T.describeValue(t)}, expected a Tensor`);
    this.current = t;
    this.assignments++;
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
  backward(dy?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    T.checkArity('backward', arguments, 2, 'y.backward(dy, { retainGraph, createGraph })');
    if (dy !== undefined && !(dy instanceof T.Tensor) && typeof dy === 'object' && dy !== null && Object.getPrototypeOf(dy) === Object.prototype) {
      if (arguments.length > 1) throw new T.TensorError('backward: options given twice, expected y.backward(dy, options) or y.backward(options)');
      backward(this, undefined, dy);
      return;
    }
    backward(this, dy as Tensor | undefined, options);
  }

  /** The same value cut off from the graph (no gradient flows through it). */
  detach(): Variable {
    T.checkArity('detach', arguments, 0, 'y.detach()');
    return new Variable(this.value, false);
  }

  /** Clear the accumulated gradient. */
  zeroGrad(): void {
    T.checkArity('zeroGrad', arguments, 0, 'y.zeroGrad()');
    this.grad = null;
  }

  item(): number { T.checkArity('item', arguments, 0, 'y.item()'); return this.value.item(); }
  toArray(): NestedArray { T.checkArity('toArray', arguments, 0, 'y.toArray()'); return this.value.toArray(); }
  /** The value's elements, read asynchronously (the only readback of gpu.js's webgpu mode): `Tensor.data()`. */
  data(): Promise<TypedArray> { T.checkArity('data', arguments, 0, 'y.data()'); return this.value.data(); }
  /** `toArray()`, asynchronously: `Tensor.array()`. */
  array(): Promise<NestedArray> { T.checkArity('array', arguments, 0, 'y.array()'); return this.value.array(); }
  toString(): string { return `Variable(${this.value.toString()}${this.requiresGrad ? ', requiresGrad' : ''})`; }

  // ---- differentiable methods (see ops/ for the definitions) -------------------------------------
  add(b: VarLike): Variable { T.checkArity('add', arguments, 1, 'y.add(b)'); return ops.add(this, b); }
  sub(b: VarLike): Variable { T.checkArity('sub', arguments, 1, 'y.sub(b)'); return ops.sub(this, b); }
  mul(b: VarLike): Variable { T.checkArity('mul', arguments, 1, 'y.mul(b)'); return ops.mul(this, b); }
  div(b: VarLike): Variable { T.checkArity('div', arguments, 1, 'y.div(b)'); return ops.div(this, b); }
  pow(b: VarLike): Variable { T.checkArity('pow', arguments, 1, 'y.pow(b)'); return ops.pow(this, b); }
  neg(): Variable { T.checkArity('neg', arguments, 0, 'y.neg()'); return ops.neg(this); }
  exp(): Variable { T.checkArity('exp', arguments, 0, 'y.exp()'); return ops.exp(this); }
  log(): Variable { T.checkArity('log', arguments, 0, 'y.log()'); return ops.log(this); }
  sqrt(): Variable { T.checkArity('sqrt', arguments, 0, 'y.sqrt()'); return ops.sqrt(this); }
  square(): Variable { T.checkArity('square', arguments, 0, 'y.square()'); return ops.square(this); }
  tanh(): Variable { T.checkArity('tanh', arguments, 0, 'y.tanh()'); return ops.tanh(this); }
  sigmoid(): Variable { T.checkArity('sigmoid', arguments, 0, 'y.sigmoid()'); return ops.sigmoid(this); }
  relu(): Variable { T.checkArity('relu', arguments, 0, 'y.relu()'); return ops.relu(this); }
  abs(): Variable { T.checkArity('abs', arguments, 0, 'y.abs()'); return ops.abs(this); }
  // reductions take PyTorch's positional axis too: y.sum(1), y.max(-1)
  sum(options?: T.AxisArg): Variable { T.checkArity('sum', arguments, 1, 'y.sum(axis) or y.sum({ axis, keepDims })'); return ops.sum(this, options); }
  mean(options?: T.AxisArg): Variable { T.checkArity('mean', arguments, 1, 'y.mean(axis) or y.mean({ axis, keepDims })'); return ops.mean(this, options); }
  max(options?: T.AxisArg): Variable { T.checkArity('max', arguments, 1, 'y.max(axis) or y.max({ axis, keepDims })'); return ops.max(this, options); }
  min(options?: T.AxisArg): Variable { T.checkArity('min', arguments, 1, 'y.min(axis) or y.min({ axis, keepDims })'); return ops.min(this, options); }
  logsumexp(options?: T.AxisArg): Variable { T.checkArity('logsumexp', arguments, 1, 'y.logsumexp(axis) or y.logsumexp({ axis, keepDims })'); return ops.logsumexp(this, options); }
  matmul(b: VarLike): Variable { T.checkArity('matmul', arguments, 1, 'y.matmul(b)'); return ops.matmul(this, b); }
  reshape(...shape: number[] | [readonly number[]]): Variable { return ops.reshape(this, flat(shape)); }
  view(...shape: number[] | [readonly number[]]): Variable { return ops.reshape(this, flat(shape)); }
  permute(...dims: number[] | [readonly number[]]): Variable { return ops.permute(this, flat(dims)); }
  transpose(dim0 = -2, dim1 = -1): Variable { T.checkArity('transpose', arguments, 2, 'y.transpose(dim0, dim1)'); return ops.transpose(this, dim0, dim1); }
  expand(...shape: number[] | [readonly number[]]): Variable { return ops.expand(this, flat(shape)); }
  slice(dim: number, start = 0, end?: number, step = 1): Variable { T.checkArity('slice', arguments, 4, 'y.slice(dim, start, end, step)'); return ops.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Variable { T.checkArity('select', arguments, 2, 'y.select(dim, index)'); return ops.select(this, dim, index); }
  squeeze(dim?: number | readonly number[]): Variable { T.checkArity('squeeze', arguments, 1, 'y.squeeze(dim)'); return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Variable { T.checkArity('unsqueeze', arguments, 1, 'y.unsqueeze(dim)'); return ops.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Variable { T.checkArity('flatten', arguments, 2, 'y.flatten(startDim, endDim)'); return ops.flatten(this, startDim, endDim); }
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
export function variable(value: Tensor, options?: VariableOptions): Variable {
  T.checkArity('variable', arguments, 2, 'variable(value, { requiresGrad })');
  const o = T.checkOptions('variable', options, ['requiresGrad'], 'variable(value, OPTIONS)');
  return new Variable(value, T.optBoolean('variable', 'requiresGrad', o.requiresGrad, false));
}

function flat(args: number[] | [readonly number[]]): number[] {
  const first = args[0];
  if (args.length === 1 && Array.isArray(first)) return first.slice();
  return (args as number[]).slice();
}
