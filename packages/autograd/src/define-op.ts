// Layer: autograd. defineOp: the one way to make a differentiable op, for built-ins and users alike.
// Forward works on Tensors; backward works on Variables with the differentiable ops, so that with
// `createGraph` the backward is itself recorded and can be differentiated again.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { isRecording, newNodeId, versionsOf, type BackwardContext, type Node } from './tape';
import { Variable, type VarLike } from './variable';

/** An op: forward on tensors, backward on variables. */
export interface OpDefinition<P, S> {
  /** Name used in errors and in the graph (e.g. 'matmul'). */
  name: string;
  /**
   * Compute the output from the input tensors; `saved` is handed to backward. `info.needsGrad` says
   * whether this call is recorded (some input requires a gradient and recording is on): when false,
   * backward will never run, so a fused op can skip preparing for it.
   */
  forward(inputs: readonly Tensor[], params: P, info: { readonly needsGrad: boolean }): { out: Tensor; saved?: S };
  /**
   * The gradient of each input given the output's upstream gradient `dy` (null for inputs that need
   * none). Write it with the differentiable ops (on Variables) so second-order gradients work; return
   * Tensors only for a fused kernel and set `onceDifferentiable`.
   */
  backward(dy: Variable, ctx: BackwardContext<S, P>): readonly (Variable | Tensor | null)[];
  /** The backward is a fused kernel: second-order gradients through this op are refused with an error. */
  onceDifferentiable?: boolean;
}

/** A callable op made by `defineOp`. */
export type Op<P> = (inputs: readonly VarLike[], params: P) => Variable;

/** The definition of each op made by `defineOp`, so `gradcheck(op, inputs)` can recognise and inspect one. */
const definitions = new WeakMap<object, OpDefinition<unknown, unknown>>();

/** The definition `fn` was made from when it is an op made by `defineOp`, else undefined. */
export function opDefinition(fn: unknown): OpDefinition<unknown, unknown> | undefined {
  return typeof fn === 'function' ? definitions.get(fn) : undefined;
}

/**
 * Make a differentiable op. The returned function takes the inputs (Variables, Tensors or numbers,
 * numbers becoming scalar constants like the first tensor input) and the op's parameters.
 *
 * ```ts
 * /** Elementwise e^x. *\/
 * export const expOp = defineOp<void, null>({
 *   name: 'exp',
 *   forward: ([x]) => ({ out: T.exp(x!) }),
 *   backward: (dy, { output }) => [mul(dy, output)],   // d(e^x) = e^x dx
 * });
 * const y = expOp([x], undefined);
 * ```
 */
export function defineOp<P = void, S = undefined>(def: OpDefinition<P, S>): Op<P> {
  T.checkArity('defineOp', arguments, 1, 'defineOp({ name, forward, backward, onceDifferentiable })');
  const d = T.checkOptions('defineOp', def, ['name', 'forward', 'backward', 'onceDifferentiable'], 'defineOp({ name, forward, backward })');
  if (typeof d.name !== 'string' || d.name === '') throw new T.TensorError(`defineOp: name got ${T.describeValue(d.name)}, expected a non-empty string`);
  for (const key of ['forward', 'backward'] as const) {
    if (typeof d[key] !== 'function') throw new T.TensorError(`defineOp: ${key} got ${T.describeValue(d[key])}, expected a function`);
  }
  T.optBoolean('defineOp', 'onceDifferentiable', d.onceDifferentiable, false);
  // one backward function per op (not per node): Tensors returned by a fused backward become constants
  // (anything but an array is handed on as it is, for backward() to reject with the op's name)
  const backward = (dy: Variable, c: BackwardContext<unknown, unknown>): readonly (Variable | null)[] => {
    const gs = def.backward(dy, c as BackwardContext<S, P>);
    return Array.isArray(gs) ? gs.map((g) => (g instanceof T.Tensor ? new Variable(g) : g)) : (gs as readonly (Variable | null)[]);
  };
  const onceDifferentiable = def.onceDifferentiable ?? false;
  const op = function (inputs: readonly VarLike[], params: P): Variable {
    T.checkArity(def.name, arguments, 2, `${def.name}(inputs, params)`);
    const vars = toVariables(def.name, inputs);
    const needsGrad: boolean[] = new Array(vars.length);
    const values: Tensor[] = new Array(vars.length);
    let any = false;
    for (let i = 0; i < vars.length; i++) {
      const v = vars[i]!;
      needsGrad[i] = v.requiresGrad;
      values[i] = v.value;
      any ||= v.requiresGrad;
    }
    const record = any && isRecording();
    const out = def.forward(values, params, { needsGrad: record });
    if (!(out?.out instanceof T.Tensor)) {
      throw new T.TensorError(`${def.name}: forward must return { out: Tensor, saved? }, got ${String(out)}`);
    }
    if (!record) return new Variable(out.out, false);
    const output = new Variable(out.out, true);
    const ctx: BackwardContext<S, P> = { inputs: vars, output, saved: out.saved as S, params, needsGrad };
    const node: Node = {
      id: newNodeId(),
      name: def.name,
      inputs: vars,
      output,
      ctx: ctx as BackwardContext<unknown, unknown>,
      backward,
      onceDifferentiable,
      versions: versionsOf(vars, output),
    };
    output.node = node;
    return output;
  };
  definitions.set(op, def as OpDefinition<unknown, unknown>);
  return op;
}

/** Turn op inputs into Variables: numbers become scalar constants matching the first tensor input. */
export function toVariables(op: string, inputs: readonly VarLike[]): Variable[] {
  if (!Array.isArray(inputs)) throw new T.TensorError(`${op}: inputs got ${T.describeValue(inputs)}, expected an array of Variables, Tensors or numbers`);
  if (inputs.every((x) => x instanceof Variable)) return inputs.slice() as Variable[];
  const like = inputs.find((x): x is Variable | Tensor => typeof x !== 'number');
  return inputs.map((x, i) => {
    if (x instanceof Variable) return x;
    if (x instanceof T.Tensor) return new Variable(x, false);
    if (typeof x === 'number') {
      const ref = like instanceof Variable ? like.value : like;
      return new Variable(T.full([], x, { dtype: ref?.dtype ?? 'float32', device: ref?.device ?? 'cpu' }), false);
    }
    throw new T.TensorError(`${op}: input ${i} got ${T.describeValue(x)}, expected a Variable, Tensor or number${Array.isArray(x) || ArrayBuffer.isView(x) ? ' (make a tensor of it first: tensor([...]))' : ''}`);
  });
}
