// Layer: autograd. Gradient checking the way PyTorch does it: float64 copies in each input's own layout, a
// seeded random upstream gradient (so a backward that forgets `* dy` fails), the full Jacobian by central
// differences (or one random direction per input in fast mode), and a loud error naming the worst element.
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
import { reshape, sum } from './ops/views';
import { mul } from './ops/elementwise';
import {
  COMMON_KEYS, compare, dot64, failed, finish, merge, nextSeed, normals, readSettings,
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
 * An input as the checks hold it: the caller's tensor (for its layout), its values read before any call
 * (row-major float64: the base point, whatever the function later does to its copies), whether it is
 * checked or a constant (a Variable without requiresGrad, e.g. an op's index input: never perturbed, its
 * gradient neither needed nor checked), and the storage address of each element (null: a contiguous copy).
 */
interface Arg { value: Tensor; base: Float64Array; checked: boolean; addresses: Int32Array | null }

/** Validate the arguments; read the inputs' values and layouts. */
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
    const t = x instanceof Variable ? x.value : x;
    if (!(t instanceof T.Tensor)) throw new T.TensorError(`${name}: inputs[${i}] got ${T.describeValue(x)}, expected a Tensor or Variable`);
    const checked = !(x instanceof Variable && !x.requiresGrad);
    // a constant is never perturbed, so its layout need not be kept (a broadcast mask is fine)
    const addresses = checked ? layout(name, t, i) : null;
    return { value: t, base: Float64Array.from(t.toTypedArray()), checked, addresses };
  });
  if (!args.some((a) => a.checked)) {
    throw new T.TensorError(`${name}: every input is a Variable without requiresGrad (a constant), expected at least one Tensor or Variable with requiresGrad to check`);
  }
  return { s, args, params: o.params };
}

/**
 * The storage address of each element of `t` (row-major), to rebuild its layout in float64; null when a
 * contiguous copy is the same layout (or `t` is not on the CPU). Elements sharing an address (an expand's
 * stride 0) are refused, as torch does: perturbing one would move several.
 */
function layout(name: string, t: Tensor, i: number): Int32Array | null {
  if (t.device !== 'cpu' || (t.isContiguous() && t.offset === 0 && t.storage.length === t.size)) return null;
  const addresses = Int32Array.from({ length: t.size }, (_, k) => T.addressOf(t.offset, t.strides, T.unravelIndex(k, t.shape)));
  if (new Set(addresses).size < t.size) {
    throw new T.TensorError(`${name}: inputs[${i}] has elements sharing memory (shape ${T.fmtShape(t.shape)}, strides ${T.fmtShape(t.strides)}, e.g. from expand), expected each element in its own place: perturbing one would move several; pass x.contiguous()`);
  }
  return addresses;
}

/** A fresh float64 tensor holding `data` (row-major) in the input's layout: same shape, strides, offset and span. */
function fresh(a: Arg, data: Float64Array = a.base): Tensor {
  if (a.addresses === null) return T.tensor(data.slice(), { shape: a.value.shape, dtype: 'float64' });
  // the elements outside the view keep the caller's values, as they do in torch
  const storage = Float64Array.from((a.value.storage as T.CpuStorage).data);
  a.addresses.forEach((addr, k) => { storage[addr] = data[k]!; });
  return new T.Tensor(new T.CpuStorage(storage), a.value.shape, a.value.strides, a.value.offset, 'float64');
}

/** The message when fn changed one of its inputs (then the backward would see another point than the check), else null. */
function mutation(args: readonly Arg[], given: readonly Tensor[], s: Settings): string | null {
  const k = args.findIndex((a, i) => {
    const now = given[i]!.toTypedArray();
    return given[i]!.version !== 0 || a.base.some((b, j) => !Object.is(b, now[j]));
  });
  if (k < 0) return null;
  return `${s.head}: the forward mutated input ${k}${s.names[k] ? ` '${s.names[k]}'` : ''} (its values changed while fn ran), expected fn to leave its inputs unchanged: ` +
    'its backward would see another point than the one checked (write to a copy: x.contiguous() or T.add(x, 0))';
}

/**
 * The Variable-level check: the Jacobian of fn, each row weighted by the random upstream gradient v (row j
 * by one backward with dy = v[j]·e_j, so that a backward ignoring dy fails even for one output element),
 * against central differences. Fast mode: one backward with dy = v, compared along random directions.
 */
function firstOrder(fn: Fn, args: readonly Arg[], s: Settings, numericNeedsGraph = false, order: 1 | 2 = 1): Outcome {
  const checked = args.flatMap((a, i) => (a.checked ? [i] : []));
  const vars = args.map((a) => new Variable(fresh(a), a.checked));
  const y = enableGrad(() => fn(...vars));
  if (!(y instanceof Variable)) throw new T.TensorError(`${s.head}: fn must return a Variable, got ${T.describeValue(y)}`);
  const mutated = mutation(args, vars.map((x) => x.value), s);
  if (mutated !== null) return failed(mutated);
  const gen = new T.Generator(s.seed);
  const v = normals(gen, y.size);
  const vjp = (dy: Float64Array) => (y.requiresGrad
    ? grads(y, checked.map((i) => vars[i]!), T.tensor(dy, { shape: y.shape, dtype: y.dtype }), { retainGraph: true }).map((a) => Float64Array.from(a.value.toTypedArray()))
    : checked.map((i) => new Float64Array(vars[i]!.size)));
  const analytic = vjp(v);
  const rows = s.fast || y.size === 1 ? [] : Array.from({ length: y.size }, (_, j) => {
    const e = new Float64Array(y.size);
    e[j] = v[j]!;
    return vjp(e);
  });
  // the values we differentiate numerically: v⊙fn(x), fresh copies in every call
  const at = (xs: Float64Array[], requiresGrad: boolean) => args.map((a, i) => {
    const k = checked.indexOf(i);
    return k < 0 ? new Variable(fresh(a)) : new Variable(fresh(a, xs[k]), requiresGrad);
  });
  const weigh = (out: Tensor) => {
    const ys = out.toTypedArray();
    return Float64Array.from(ys, (yj, j) => v[j]! * yj);
  };
  const g = (xs: Float64Array[]) => weigh(numericNeedsGraph
    ? enableGrad(() => fn(...at(xs, true))).value
    : noGrad(() => fn(...at(xs, false)).value));
  const inputs = checked.map((i, k) => ({ input: i, shape: args[i]!.value.shape, data: args[i]!.base, analytic: analytic[k]!, rows: rows.map((r) => r[k]!) }));
  return compare(inputs, g, y.shape, s, gen, order);
}

/**
 * gradcheck of (x, dy) ↦ dyᵀ·∂fn/∂x (the checked inputs' gradients, flattened and joined), built with
 * createGraph. The upstream gradient dy is an input too, as in torch's gradgradcheck: a backward that uses
 * dy as a constant is right at first order but breaks every second derivative through a composition.
 */
function secondOrder(fn: Fn, args: readonly Arg[], s: Settings): Outcome {
  const y = noGrad(() => fn(...args.map((a) => new Variable(fresh(a)))));
  const v = normals(new T.Generator(nextSeed(s.seed)), y.size);
  const dy: Arg = { value: T.tensor(v, { shape: y.shape, dtype: 'float64' }), base: v, checked: true, addresses: null };
  const first = (...xs: Variable[]): Variable => {
    const w = xs.pop()!;
    const gs = grads(sum(mul(fn(...xs), w)), xs.filter((x) => x.requiresGrad), undefined, { createGraph: true });
    return concat(gs.map((gi) => reshape(gi, [-1])));
  };
  const names = [...args.map((_, i) => s.names[i] ?? ''), 'dy'];
  const o = firstOrder(first, [...args, dy], { ...s, names }, true, 2);
  // `checked` counts the caller's input elements (per order); dy's rows are in the report all the same
  return { ...o, checked: o.checked - o.rows.filter((r) => r.input === args.length).length };
}

/** gradcheck of an op made by defineOp: the backward's output, then first and second order. */
function checkOp(def: OpDefinition<unknown, unknown>, op: Op<unknown>, args: readonly Arg[], params: unknown, s: Settings): GradcheckReport {
  const { malformed, tensors } = backwardProblems(def, op, args, params, s);
  if (malformed !== null) return finish(failed(malformed), s);
  const call: Fn = (...xs) => op(xs, params);
  const one = firstOrder(call, args, s);
  if (one.message !== null && !s.report) return finish(one, s);
  const two = def.onceDifferentiable ? null : secondOrder(call, args, s);
  if (two !== null && two.message !== null && tensors.length > 0) {
    // the likely cause, which the numbers alone do not show
    two.message += `\n  (the backward of '${def.name}' returned a Tensor, not a Variable, for input ${tensors.join(', ')}: a constant to the second order, ` +
      'so its gradient has no gradient; mark the op onceDifferentiable, or build the gradient from the Variables the backward gets, e.g. mul(dy, x))';
  }
  return finish(merge(one, two), s);
}

/**
 * Call the op's backward once and check it returns one gradient per input, each checked input's of its
 * shape and dtype (`malformed`: the message, or null); `tensors`: the checked inputs it gave a plain Tensor.
 */
function backwardProblems(def: OpDefinition<unknown, unknown>, op: Op<unknown>, args: readonly Arg[], params: unknown, s: Settings): { malformed: string | null; tensors: number[] } {
  const vars = args.map((a) => new Variable(fresh(a), a.checked));
  const out = enableGrad(() => op(vars, params));
  const ctx = out.node?.ctx;
  if (!ctx) throw new T.TensorError(`internal: ${s.head}: the op recorded no node although its inputs require gradients`);
  const dy = new Variable(T.tensor(normals(new T.Generator(s.seed), out.size), { shape: out.shape, dtype: out.dtype }));
  const dxs: unknown = enableGrad(() => def.backward(dy, ctx));
  const n = args.length;
  const label = (i: number) => `input ${i}${s.names[i] ? ` '${s.names[i]}'` : ''}`;
  const head = `${s.head}: the backward of '${def.name}'`;
  const tensors = Array.isArray(dxs) ? dxs.flatMap((dx: unknown, i) => (args[i]?.checked && dx instanceof T.Tensor ? [i] : [])) : [];
  const problem = (malformed: string | null) => ({ malformed, tensors });
  if (!Array.isArray(dxs)) return problem(`${head} returned ${T.describeValue(dxs)}, expected an array with one gradient per input (${n})`);
  if (dxs.length !== n) {
    return problem(`${head} returned ${dxs.length} gradient${dxs.length === 1 ? '' : 's'} for ${n} input${n === 1 ? '' : 's'}, expected one per input (null for an input that needs none)`);
  }
  const problems = dxs.flatMap((dx: unknown, i) => {
    if (!args[i]!.checked) return []; // a constant: whatever its gradient, nobody uses it
    if (dx === null || dx === undefined) {
      return [`${label(i)}: got ${T.describeValue(dx)}, but the input requires a gradient (pass a constant input as a Variable without requiresGrad)`];
    }
    const t = dx instanceof Variable ? dx.value : dx;
    if (!(t instanceof T.Tensor)) return [`${label(i)}: got ${T.describeValue(dx)}, expected a Variable or Tensor`];
    const x = vars[i]!.value;
    const found: string[] = [];
    if (T.fmtShape(t.shape) !== T.fmtShape(x.shape)) found.push(`${label(i)}: gradient has shape ${T.fmtShape(t.shape)}, expected ${T.fmtShape(x.shape)} (the input's shape)`);
    if (t.dtype !== x.dtype) found.push(`${label(i)}: gradient has dtype ${t.dtype}, expected ${x.dtype} (the input's dtype)`);
    return found;
  });
  return problem(problems.length === 0 ? null : `${head} returned malformed gradients:\n  ${problems.join('\n  ')}`);
}

