// Layer: autograd. Gradient checking the way PyTorch does it: float64 on the CPU, contiguous copies, a
// seeded random upstream gradient (so a backward that forgets `* dy` fails), central differences element
// by element (or one random direction per input in fast mode), and a loud error naming the worst element.
// `gradcheck(op, inputs)` also takes an op made by `defineOp`: it checks the backward's output (one
// gradient per input, right shape and dtype), then first and, unless onceDifferentiable, second order.
// The comparison itself lives in gradcheck-core.ts (shared with checkGradient for plain functions).
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { grads } from './backward';
import { opDefinition, type Op, type OpDefinition } from './define-op';
import { enableGrad, noGrad } from './tape';
import { Variable } from './variable';
import { concat } from './ops/join';
import { reshape } from './ops/views';
import {
  COMMON_KEYS, compare, dot64, failed, finish, merge, normals, readSettings,
  type GradcheckOptions, type GradcheckReport, type Outcome, type Settings,
} from './gradcheck-core';

/** Options of `gradcheck` on an op made by `defineOp`: also the op's parameters. */
export interface OpGradcheckOptions<P> extends GradcheckOptions {
  /** The op's parameters (its second argument). */
  params?: P;
}

type Fn = (...xs: Variable[]) => Variable;
type Inputs = readonly (Tensor | Variable)[];

const USAGE = 'gradcheck(fn, inputs, { eps, atol, rtol, fast, seed, names, name, report, nondifferentiableAt })';
const KEYS = [...COMMON_KEYS, 'names', 'params'] as const;

/**
 * Check `fn`'s backward against central finite differences in float64. Throws `GradcheckError` naming
 * the input, the worst element, analytic and numeric values, the threshold and how many elements fail
 * (with `report: true`, returns the per-element table instead). `fn` may also be an op made by
 * `defineOp`, called as `op(inputs, options.params)`: then the backward's gradients are checked for count,
 * shape and dtype, and the second order too unless the op is `onceDifferentiable`. Every input is checked
 * except a Variable without requiresGrad: that is a constant (an index, a mask), passed on unchanged.
 *
 * ```ts
 * gradcheck((a, b) => matmul(a, b), [randn([3, 4], { seed: 1 }), randn([4, 2], { seed: 2 })]);
 * gradcheck(myOp, [randn([3], { seed: 3 })]);   // an op made by defineOp: first and second order
 * ```
 */
export function gradcheck(fn: Fn, inputs: Inputs, options?: GradcheckOptions): GradcheckReport;
export function gradcheck<P>(op: Op<P>, inputs: Inputs, options?: OpGradcheckOptions<P>): GradcheckReport;
export function gradcheck(fn: Fn | Op<unknown>, inputs: Inputs, options?: OpGradcheckOptions<unknown>): GradcheckReport {
  T.checkArity('gradcheck', arguments, 3, USAGE);
  const def = opDefinition(fn);
  const { s, args, params } = prepare('gradcheck', fn, inputs, options, def);
  if (def !== undefined) return checkOp(def, fn as Op<unknown>, args, params, s);
  return finish(firstOrder(fn as Fn, args, s), s);
}

/**
 * Check second-order gradients: gradcheck of x ↦ d<v, fn(x)>/dx computed with createGraph (the same
 * options as `gradcheck`; an op made by `defineOp` is accepted too).
 */
export function gradgradcheck(fn: Fn, inputs: Inputs, options?: GradcheckOptions): GradcheckReport;
export function gradgradcheck<P>(op: Op<P>, inputs: Inputs, options?: OpGradcheckOptions<P>): GradcheckReport;
export function gradgradcheck(fn: Fn | Op<unknown>, inputs: Inputs, options?: OpGradcheckOptions<unknown>): GradcheckReport {
  T.checkArity('gradgradcheck', arguments, 3, USAGE.replace('gradcheck', 'gradgradcheck'));
  const def = opDefinition(fn);
  const { s, args, params } = prepare('gradgradcheck', fn, inputs, options, def);
  const call: Fn = def !== undefined ? (...xs) => (fn as Op<unknown>)(xs, params) : (fn as Fn);
  return finish(secondOrder(call, args, s), s);
}

/**
 * An input as the checks hold it: a float64 copy to check, or a constant (a Variable without requiresGrad,
 * e.g. an op's index input) kept as it is: never perturbed, its gradient neither needed nor checked.
 */
interface Arg { value: Tensor; checked: boolean }

/** Validate the arguments; float64 contiguous copies of the inputs to check. */
function prepare(name: string, fn: unknown, inputs: unknown, options: unknown, def: OpDefinition<unknown, unknown> | undefined) {
  if (typeof fn !== 'function') throw new T.TensorError(`${name}: fn got ${T.describeValue(fn)}, expected a function of Variables or an op made by defineOp`);
  if (!Array.isArray(inputs)) throw new T.TensorError(`${name}: inputs got ${T.describeValue(inputs)}, expected an array of Tensors or Variables`);
  const o = T.checkOptions(name, options, KEYS, USAGE.replace('gradcheck', name));
  if (o.params !== undefined && def === undefined) {
    throw new T.TensorError(`${name}: params is only for an op made by defineOp, got a plain function (close over its parameters instead)`);
  }
  const s = readSettings(name, o, def?.name ?? 'fn');
  if (s.names.length > inputs.length) {
    throw new T.TensorError(`${name}: names got ${s.names.length} names for ${inputs.length} inputs, expected at most one per input`);
  }
  const args = inputs.map((x: unknown, i): Arg => {
    if (x instanceof Variable && !x.requiresGrad) return { value: x.value, checked: false };
    const t = x instanceof Variable ? x.value : x;
    if (!(t instanceof T.Tensor)) throw new T.TensorError(`${name}: inputs[${i}] got ${T.describeValue(x)}, expected a Tensor or Variable`);
    return { value: T.tensor(Float64Array.from(t.toTypedArray()), { shape: t.shape, dtype: 'float64' }), checked: true };
  });
  if (!args.some((a) => a.checked)) {
    throw new T.TensorError(`${name}: every input is a Variable without requiresGrad (a constant), expected at least one Tensor or Variable with requiresGrad to check`);
  }
  return { s, args, params: o.params };
}

/** The Variable-level check: analytic gradients of <v, fn(x)> by backward, numeric ones by the core. */
function firstOrder(fn: Fn, args: readonly Arg[], s: Settings, numericNeedsGraph = false, order: 1 | 2 = 1): Outcome {
  const checked = args.flatMap((a, i) => (a.checked ? [i] : []));
  const vars = args.map((a) => new Variable(a.value, a.checked));
  const y = enableGrad(() => fn(...vars));
  if (!(y instanceof Variable)) throw new T.TensorError(`${s.head}: fn must return a Variable, got ${T.describeValue(y)}`);
  const gen = new T.Generator(s.seed);
  const v = T.tensor(normals(gen, y.size), { shape: y.shape, dtype: y.dtype });
  const analytic = y.requiresGrad
    ? grads(y, checked.map((i) => vars[i]!), v).map((a) => Float64Array.from(a.value.toTypedArray()))
    : checked.map((i) => new Float64Array(vars[i]!.size));
  // the scalar we differentiate numerically: <v, fn(x)>, the checked inputs at `xs`, the constants as they are
  const at = (xs: Float64Array[], requiresGrad: boolean) => {
    const vs = args.map((a) => new Variable(a.value));
    checked.forEach((i, k) => { vs[i] = new Variable(T.tensor(xs[k]!, { shape: args[i]!.value.shape, dtype: 'float64' }), requiresGrad); });
    return vs;
  };
  const g = (xs: Float64Array[]) => numericNeedsGraph
    ? dot(v, enableGrad(() => fn(...at(xs, true))).value)
    : noGrad(() => dot(v, fn(...at(xs, false)).value));
  const inputs = checked.map((i, k) => ({ input: i, shape: args[i]!.value.shape, data: args[i]!.value.toTypedArray() as Float64Array, analytic: analytic[k]! }));
  return compare(inputs, g, s, gen, order);
}

/** gradcheck of x ↦ d<v', fn(x)>/dx (the checked inputs' gradients, flattened and joined), built with createGraph. */
function secondOrder(fn: Fn, args: readonly Arg[], s: Settings): Outcome {
  const first = (...xs: Variable[]): Variable => {
    const y = fn(...xs);
    const v = T.tensor(normals(new T.Generator(s.seed + 1), y.size), { shape: y.shape, dtype: y.dtype });
    const gs = grads(y, xs.filter((x) => x.requiresGrad), v, { createGraph: true });
    return concat(gs.map((gi) => reshape(gi, [-1])));
  };
  return firstOrder(first, args, s, true, 2);
}

/** gradcheck of an op made by defineOp: the backward's output, then first and second order. */
function checkOp(def: OpDefinition<unknown, unknown>, op: Op<unknown>, args: readonly Arg[], params: unknown, s: Settings): GradcheckReport {
  const malformed = backwardProblems(def, op, args, params, s);
  if (malformed !== null) return finish(failed(malformed), s);
  const call: Fn = (...xs) => op(xs, params);
  const one = firstOrder(call, args, s);
  if (one.message !== null && !s.report) return finish(one, s);
  return finish(merge(one, def.onceDifferentiable ? null : secondOrder(call, args, s)), s);
}

/** Call the op's backward once and check it returns one gradient per input, each checked input's of its shape and dtype. */
function backwardProblems(def: OpDefinition<unknown, unknown>, op: Op<unknown>, args: readonly Arg[], params: unknown, s: Settings): string | null {
  const vars = args.map((a) => new Variable(a.value, a.checked));
  const out = enableGrad(() => op(vars, params));
  const ctx = out.node?.ctx;
  if (!ctx) throw new T.TensorError(`internal: ${s.head}: the op recorded no node although its inputs require gradients`);
  const dy = new Variable(T.tensor(normals(new T.Generator(s.seed), out.size), { shape: out.shape, dtype: out.dtype }));
  const dxs: unknown = enableGrad(() => def.backward(dy, ctx));
  const n = args.length;
  const label = (i: number) => `input ${i}${s.names[i] ? ` '${s.names[i]}'` : ''}`;
  const head = `${s.head}: the backward of '${def.name}'`;
  if (!Array.isArray(dxs)) return `${head} returned ${T.describeValue(dxs)}, expected an array with one gradient per input (${n})`;
  if (dxs.length !== n) {
    return `${head} returned ${dxs.length} gradient${dxs.length === 1 ? '' : 's'} for ${n} input${n === 1 ? '' : 's'}, expected one per input (null for an input that needs none)`;
  }
  const problems = dxs.flatMap((dx: unknown, i) => {
    if (!args[i]!.checked) return []; // a constant: whatever its gradient, nobody uses it
    if (dx === null || dx === undefined) {
      return [`${label(i)}: got ${T.describeValue(dx)}, but the input requires a gradient (pass a constant input as a Variable without requiresGrad)`];
    }
    const t = dx instanceof Variable ? dx.value : dx;
    if (!(t instanceof T.Tensor)) return [`${label(i)}: got ${T.describeValue(dx)}, expected a Variable or Tensor`];
    const x = args[i]!.value;
    const found: string[] = [];
    if (T.fmtShape(t.shape) !== T.fmtShape(x.shape)) found.push(`${label(i)}: gradient has shape ${T.fmtShape(t.shape)}, expected ${T.fmtShape(x.shape)} (the input's shape)`);
    if (t.dtype !== x.dtype) found.push(`${label(i)}: gradient has dtype ${t.dtype}, expected ${x.dtype} (the input's dtype)`);
    return found;
  });
  return problems.length === 0 ? null : `${head} returned malformed gradients:\n  ${problems.join('\n  ')}`;
}

/** <v, y> in float64. */
function dot(v: Tensor, y: Tensor): number {
  return dot64(v.toTypedArray(), y.toTypedArray());
}
