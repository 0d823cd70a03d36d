// Layer: autograd. Gradient checking the way PyTorch does it: float64 on the CPU, contiguous copies, a
// seeded random upstream gradient (so a backward that forgets `* dy` fails), central differences element
// by element (or one random direction in fast mode), and a loud error naming the worst element.
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import { grads } from './backward';
import { noGrad } from './tape';
import { Variable } from './variable';
import { concat } from './ops/indexing';
import { reshape } from './ops/views';

/** Options of `gradcheck` and `gradgradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance (of the numeric value). Default 1e-3. */
  rtol?: number;
  /** Compare along one random direction per check instead of element by element. Default false. */
  fast?: boolean;
  /** Seed of the random upstream gradient (and fast-mode direction). Default 0. */
  seed?: number;
  /** Names of the inputs, used in error messages (default: none). */
  names?: readonly string[];
  /** Name of the function, used in error messages. Default 'fn'. */
  name?: string;
}

/** What a passing check measured. */
export interface GradcheckReport {
  /** Elements (or directions in fast mode) compared. */
  checked: number;
  /** Largest |analytic - numeric| seen. */
  maxAbsError: number;
}

/** Thrown when analytic and numeric gradients disagree. */
export class GradcheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradcheckError';
  }
}

type Fn = (...xs: Variable[]) => Variable;

/**
 * Check `fn`'s backward against central finite differences in float64. Throws `GradcheckError` naming
 * the input, the worst element, analytic and numeric values, the threshold and how many elements fail.
 *
 * ```ts
 * gradcheck((a, b) => matmul(a, b), [randn([3, 4], { seed: 1 }), randn([4, 2], { seed: 2 })]);
 * ```
 */
export function gradcheck(fn: Fn, inputs: readonly (Tensor | Variable)[], options: GradcheckOptions = {}): GradcheckReport {
  return check(fn, inputs, options, false);
}

/** `numericNeedsGraph`: fn itself runs a backward (gradgradcheck), so its inputs must require grad. */
function check(fn: Fn, inputs: readonly (Tensor | Variable)[], options: GradcheckOptions, numericNeedsGraph: boolean): GradcheckReport {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, fast = false, seed = 0, name = 'fn' } = options;
  const bases = inputs.map((x, i) => float64Copy(x, i));
  const vars = bases.map((b) => new Variable(b.tensor, true));
  const y = fn(...vars);
  if (!(y instanceof Variable)) throw new T.TensorError(`gradcheck(${name}): fn must return a Variable`);
  const gen = new T.Generator(seed);
  const v = T.tensor(Float64Array.from({ length: y.size }, () => gen.normal()), { shape: y.shape, dtype: y.dtype });
  // the scalar we differentiate: <v, fn(x)>
  const g = (xs: Tensor[]) => numericNeedsGraph
    ? dot(v, fn(...xs.map((x) => new Variable(x, true))).value)
    : noGrad(() => dot(v, fn(...xs.map((x) => new Variable(x))).value));
  const analytic = y.requiresGrad ? grads(y, vars, v).map((a) => Float64Array.from(a.value.toTypedArray())) : vars.map((x) => new Float64Array(x.size));
  const label = (i: number) => `input ${i}${options.names?.[i] ? ` '${options.names[i]}'` : ''}`;
  const current = bases.map((b) => b.tensor);
  let checked = 0;
  let maxAbsError = 0;
  if (fast) {
    const dirs = bases.map((b) => Float64Array.from({ length: b.data.length }, () => gen.normal()));
    const shifted = (sgn: number) => bases.map((b, i) => withData(b, b.data.map((x, k) => x + sgn * eps * dirs[i]![k]!)));
    const numeric = (g(shifted(1)) - g(shifted(-1))) / (2 * eps);
    const an = analytic.reduce((s, a, i) => s + dot64(a, dirs[i]!), 0);
    const diff = Math.abs(an - numeric);
    const tol = atol + rtol * Math.abs(numeric);
    if (!(diff <= tol)) {
      throw new GradcheckError(`gradcheck(${name}): directional derivative mismatch: analytic ${fmt(an)}, numeric ${fmt(numeric)}\n  |diff| ${diff.toExponential(1)} > atol + rtol*|numeric| = ${tol.toExponential(1)} (fast mode; seed ${seed})`);
    }
    return { checked: 1, maxAbsError: diff };
  }
  bases.forEach((b, i) => {
    let fails = 0;
    let worst = { k: -1, diff: -1, an: 0, num: 0, tol: 0 };
    for (let k = 0; k < b.data.length; k++) {
      const plus = b.data.slice(); plus[k] = plus[k]! + eps;
      const minus = b.data.slice(); minus[k] = minus[k]! - eps;
      current[i] = withData(b, plus);
      const fp = g(current);
      current[i] = withData(b, minus);
      const fm = g(current);
      current[i] = b.tensor;
      const num = (fp - fm) / (2 * eps);
      const an = analytic[i]![k]!;
      const diff = Math.abs(an - num);
      const tol = atol + rtol * Math.abs(num);
      checked++;
      if (diff > maxAbsError || diff !== diff) maxAbsError = diff !== diff ? Infinity : diff;
      if (!(diff <= tol)) {
        fails++;
        if (!(diff <= worst.diff) || worst.k < 0) worst = { k, diff, an, num, tol };
      }
    }
    if (fails > 0) {
      const idx = T.unravelIndex(worst.k, b.tensor.shape);
      throw new GradcheckError(
        `gradcheck(${name}): ${label(i)} mismatch at [${idx.join(',')}]: analytic ${fmt(worst.an)}, numeric ${fmt(worst.num)}\n` +
        `  |diff| ${worst.diff.toExponential(1)} > atol + rtol*|numeric| = ${worst.tol.toExponential(1)} (${fails} of ${b.data.length} elements fail; seed ${seed})`,
      );
    }
  });
  return { checked, maxAbsError };
}

/**
 * Check second-order gradients: gradcheck of x ↦ d<v, fn(x)>/dx computed with createGraph.
 */
export function gradgradcheck(fn: Fn, inputs: readonly (Tensor | Variable)[], options: GradcheckOptions = {}): GradcheckReport {
  const seed = options.seed ?? 0;
  const first = (...xs: Variable[]): Variable => {
    const y = fn(...xs);
    const gen = new T.Generator(seed + 1);
    const v = T.tensor(Float64Array.from({ length: y.size }, () => gen.normal()), { shape: y.shape, dtype: y.dtype });
    const gs = grads(y, xs, v, { createGraph: true });
    return concat(gs.map((gi) => reshape(gi, [-1])));
  };
  return check(first, inputs, { ...options, name: `grad of ${options.name ?? 'fn'}` }, true);
}

interface Base { tensor: Tensor; data: Float64Array }

function float64Copy(x: Tensor | Variable, i: number): Base {
  const t = x instanceof Variable ? x.value : x;
  if (!(t instanceof T.Tensor)) throw new T.TensorError(`gradcheck: input ${i} must be a Tensor or Variable, got ${typeof x}`);
  const data = Float64Array.from(t.toTypedArray());
  return { tensor: T.tensor(data, { shape: t.shape, dtype: 'float64' }), data };
}

function withData(b: Base, data: Float64Array): Tensor {
  return T.tensor(data, { shape: b.tensor.shape, dtype: 'float64' });
}

function dot(v: Tensor, y: Tensor): number {
  return dot64(v.toTypedArray() as Float64Array, Float64Array.from(y.toTypedArray()));
}

function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(5) : String(x);
}
