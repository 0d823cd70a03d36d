// Layer: autograd. Variable: a Tensor plus what reverse mode needs (grad, requiresGrad, the node that
// made it). Imports only the tensor package. The computing methods (y.add(b), y.sum(1), y.backward(), ...)
// are declared here, in VariableMethods, and installed on the prototype by variable-methods.ts: they call
// the ops, and every op constructs Variables, so this file importing the ops would be an import cycle.
import * as T from '@propel-ts/tensor';
import type { DType, Device, NestedArray, Tensor, TypedArray } from '@propel-ts/tensor';
import type { Node } from './tape';
import type { BackwardOptions } from './backward';

/**
 * The differentiable methods of a Variable: each is the function of the same name with the Variable as its
 * first argument (`y.add(b)` is `add(y, b)`, `y.backward()` is `backward(y)`). Declared here so the class
 * reads complete; the bodies are in variable-methods.ts, which the package entry loads.
 */
export interface VariableMethods {
  /**
   * Reverse-mode differentiation from this value: accumulates d(this)/d(leaf) into every leaf's `grad`.
   * Scalars need no `dy`; other shapes take an explicit upstream gradient `dy` of this shape.
   */
  backward(dy?: Tensor | BackwardOptions, options?: BackwardOptions): void;
  // reductions take PyTorch's positional axis too: y.sum(1), y.max(-1)
  sum(options?: T.AxisArg): Variable;
  mean(options?: T.AxisArg): Variable;
  max(options?: T.AxisArg): Variable;
  min(options?: T.AxisArg): Variable;
  logsumexp(options?: T.AxisArg): Variable;
  matmul(b: VarLike): Variable;
  /** `y.reshape(3, 2)` or `y.reshape([3, 2])`. */
  reshape(...shape: number[] | [readonly number[]]): Variable;
  /** The same as reshape (PyTorch's name). */
  view(...shape: number[] | [readonly number[]]): Variable;
  permute(...dims: number[] | [readonly number[]]): Variable;
  transpose(dim0?: number, dim1?: number): Variable;
  expand(...shape: number[] | [readonly number[]]): Variable;
  slice(dim: number, start?: number, end?: number, step?: number): Variable;
  select(dim: number, index: number): Variable;
  squeeze(dim?: number | readonly number[]): Variable;
  unsqueeze(dim: number): Variable;
  flatten(startDim?: number, endDim?: number): Variable;
  /** The statistics, scans and shape ops with the Variable first (`y.std(1)`, `y.cumsum(0)`, `y.flip()`). */
  variance(options?: T.VarianceArg): Variable;
  std(options?: T.VarianceArg): Variable;
  norm(options?: T.NormOptions): Variable;
  cumsum(options: T.ScanArg): Variable;
  cumprod(options: T.ScanArg): Variable;
  flip(axis?: T.AxesArg): Variable;
  roll(shift: number | readonly number[], axis?: T.AxesArg): Variable;
  tile(reps: number | readonly number[]): Variable;
  triu(diagonal?: number | { diagonal?: number }): Variable;
  tril(diagonal?: number | { diagonal?: number }): Variable;
}

/** One method per unary op of the tensor package's table (`y.tanh()`, `y.erf()`). */
export type VariableUnaryMethods = { readonly [K in T.UnaryOp]: () => Variable };
/** One method per binary op (`y.mul(b)`, `y.atan2(x)`; the comparisons give constants). */
export type VariableBinaryMethods = { readonly [K in T.BinaryOp]: (b: VarLike) => Variable };

// declaration merging: the class Variable below gets the types of the methods variable-methods.ts installs
export interface Variable extends VariableMethods, VariableUnaryMethods, VariableBinaryMethods {
  /** The matrix transpose of a 2-D Variable (`w.T`, as PyTorch's and Tensor's). */
  readonly T: Variable;
}

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
