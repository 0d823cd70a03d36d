// Layer: autograd. The numeric heart shared by every gradient check (gradcheck, gradgradcheck, checkGradient):
// given a scalar function g of flat float64 inputs (the output weighted by the random upstream gradient,
// <v, f(x)>) and the analytic gradient of g, compare them with central differences element by element (or
// along one random direction per input in fast mode), tell a kink from a wrong gradient with the one-sided
// slopes, and build the failure message or the report. Works on Float64Arrays; imports only the tensor
// package (errors, option checks, the random generator).
import * as T from '@propel-ts/tensor';

/**
 * Where the checked function is not differentiable: the input values of its kinks (`[0]` for relu or abs,
 * the bounds for clamp; an element within eps of one is declared), or a predicate on one element (its value, multi-index and input number, e.g. ties of
 * a max). An element there passes when its analytic value lies between the left and right slopes.
 */
export type NondifferentiableAt = readonly number[] | ((value: number, index: readonly number[], input: number) => boolean);

/** Options of `gradcheck`, `gradgradcheck` and `checkGradient`. */
export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance (of the numeric value). Default 1e-3. */
  rtol?: number;
  /** Compare along one random direction per input instead of element by element. Default false. */
  fast?: boolean;
  /** Seed of the random upstream gradient (and fast-mode directions). Default 0. */
  seed?: number;
  /** Names of the inputs, used in error messages (default: none). */
  names?: readonly string[];
  /** Name of the function, used in error messages. Default 'fn' (an op's name; checkGradient: f.name, else 'f'). */
  name?: string;
  /** Return the per-element table (`rows`, `table`) instead of throwing on a failure. Default false. */
  report?: boolean;
  /** Kinks of the function: see `NondifferentiableAt`. Default none (a kink then fails with its own message). */
  nondifferentiableAt?: NondifferentiableAt;
}

/** One compared element (or one random direction in fast mode) of a report. */
export interface GradcheckRow {
  /** 1 for the gradient, 2 for the gradient of the gradient (gradgradcheck, or gradcheck of an op). */
  order: 1 | 2;
  /** Input number, and its name when it has one. */
  input: number;
  name?: string;
  /** Multi-index of the element; null in fast mode (a random direction through the whole input). */
  index: number[] | null;
  /** The input element's value (NaN in fast mode). */
  value: number;
  analytic: number;
  /** Central difference (f(x+eps) - f(x-eps)) / 2eps. */
  numeric: number;
  /** One-sided slopes (f(x) - f(x-eps)) / eps and (f(x+eps) - f(x)) / eps: they differ across a kink. */
  left: number;
  right: number;
  /** |analytic - numeric| (for a declared kink: how far analytic lies outside [left, right]). */
  diff: number;
  /** The threshold diff is held to: atol + rtol*|numeric| (declared kink: atol + rtol*max|slope|). */
  tol: number;
  /** Declared by `nondifferentiableAt`. */
  nondifferentiable: boolean;
  /** 'pass'; 'fail' (wrong gradient); 'kink' (fails, but the one-sided slopes disagree: a kink within eps). */
  status: 'pass' | 'fail' | 'kink';
}

/** What a check measured. Without `report`, a check that fails throws instead of returning. */
export interface GradcheckReport {
  /** Elements (or directions in fast mode) compared. */
  checked: number;
  /** Largest |analytic - numeric| seen. */
  maxAbsError: number;
  /** True when every element passed. */
  passed: boolean;
  /** Elements (or directions) that failed. */
  failures: number;
  /** The failure message (what would be thrown), or null when passed. */
  message: string | null;
  /** Report mode only: one row per element compared. */
  rows?: GradcheckRow[];
  /** Report mode only: the rows as a table to print (failing rows first, at most 40 rows). */
  table?: string;
}

/** Thrown when analytic and numeric gradients disagree (or a backward returns malformed gradients). */
export class GradcheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradcheckError';
  }
}

/** The options of a check, validated, with defaults filled in. */
export interface Settings {
  eps: number;
  atol: number;
  rtol: number;
  fast: boolean;
  seed: number;
  report: boolean;
  names: readonly string[];
  kinks: NondifferentiableAt | undefined;
  /** The start of every first-order message: `gradcheck(name)` or `checkGradient(name)`. */
  head: string;
  /** The function's name in messages. */
  name: string;
}

/** The option keys every check accepts. */
export const COMMON_KEYS = ['eps', 'atol', 'rtol', 'fast', 'seed', 'name', 'report', 'nondifferentiableAt'] as const;

/**
 * Validate the options of check `fn` (`'gradcheck'`, `'checkGradient'`...): unknown keys and wrong values throw.
 * `o` is what `checkOptions` returned; `defaultName` names the function in messages when `name` is absent.
 */
export function readSettings(fn: string, o: { readonly [K in (typeof COMMON_KEYS)[number] | 'names']?: unknown }, defaultName: string): Settings {
  const name = o.name;
  if (name !== undefined && typeof name !== 'string') throw new T.TensorError(`${fn}: name got ${T.describeValue(name)}, expected a string`);
  const names = o.names ?? [];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new T.TensorError(`${fn}: names got ${T.describeValue(names)}, expected an array of strings (one per input)`);
  }
  const kinks = o.nondifferentiableAt;
  if (kinks !== undefined && typeof kinks !== 'function' && !(Array.isArray(kinks) && kinks.every((k) => typeof k === 'number' && Number.isFinite(k)))) {
    throw new T.TensorError(`${fn}: nondifferentiableAt got ${T.describeValue(kinks)}, expected an array of finite numbers (the kinks' input values) or a function (value, index, input) => boolean`);
  }
  return {
    eps: T.optNumber(fn, 'eps', o.eps, 1e-6, { min: 0, minExclusive: true }),
    atol: T.optNumber(fn, 'atol', o.atol, 1e-5, { min: 0 }),
    rtol: T.optNumber(fn, 'rtol', o.rtol, 1e-3, { min: 0 }),
    fast: T.optBoolean(fn, 'fast', o.fast, false),
    seed: T.optNumber(fn, 'seed', o.seed, 0, { integer: true, min: 0 }),
    report: T.optBoolean(fn, 'report', o.report, false),
    names: names as string[],
    kinks: kinks as NondifferentiableAt | undefined,
    head: `${fn}(${name ?? defaultName})`,
    name: name ?? defaultName,
  };
}

/** One input of a comparison: its number (in messages), shape, float64 values and analytic gradient. */
export interface CheckInput {
  input: number;
  shape: readonly number[];
  data: Float64Array;
  analytic: Float64Array;
}

/** What one comparison found (before it is thrown or returned). */
export interface Outcome {
  checked: number;
  maxAbsError: number;
  failures: number;
  message: string | null;
  rows: GradcheckRow[];
}

/** `n` standard normals from `gen` (the upstream gradient and fast-mode directions). */
export function normals(gen: T.Generator, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => gen.normal());
}

/**
 * Compare the analytic gradients of `g` at `inputs` with central differences. `gen` continues the sequence
 * that drew the upstream gradient (fast-mode directions come next). Returns what it found; never throws.
 */
export function compare(inputs: readonly CheckInput[], g: (xs: Float64Array[]) => number, s: Settings, gen: T.Generator, order: 1 | 2 = 1): Outcome {
  const bases = inputs.map((x) => x.data);
  const head = order === 2 ? `gradcheck(grad of ${s.name})` : s.head;
  const label = (i: number) => `input ${i}${s.names[i] ? ` '${s.names[i]}'` : ''}`;
  const at = (i: number, data: Float64Array) => bases.map((b, j) => (j === i ? data : b));
  const g0 = g(bases);
  const again = g(bases);
  if (!Object.is(g0, again)) {
    return {
      checked: 0, maxAbsError: Infinity, failures: 1, rows: [],
      message: `${head}: two evaluations at the same point gave ${g0}, then ${again}, expected a deterministic function (differences of random values mean nothing): give its random part a fixed seed in every evaluation`,
    };
  }
  const rows: GradcheckRow[] = [];
  const row = (input: number, index: number[] | null, value: number, analytic: number, fp: number, fm: number, declared: boolean): void => {
    const numeric = (fp - fm) / (2 * s.eps);
    const left = (g0 - fm) / s.eps;
    const right = (fp - g0) / s.eps;
    const slope = Math.max(Math.abs(left), Math.abs(right));
    let diff: number;
    let tol: number;
    if (declared) {
      diff = Math.max(Math.min(left, right) - analytic, analytic - Math.max(left, right), 0);
      tol = s.atol + s.rtol * slope;
    } else {
      diff = Math.abs(analytic - numeric);
      tol = s.atol + s.rtol * Math.abs(numeric);
    }
    // across a kink the slopes jump by O(1); on a smooth function they differ by eps·f'' (and rounding)
    const kink = Math.abs(right - left) > 10 * (s.atol + s.rtol * slope);
    const status = diff <= tol ? 'pass' : !declared && kink ? 'kink' : 'fail';
    const r: GradcheckRow = { order, input, index, value, analytic, numeric, left, right, diff, tol, nondifferentiable: declared, status };
    if (s.names[input]) r.name = s.names[input];
    rows.push(r);
  };
  if (s.fast) {
    const dirs = bases.map((b) => normals(gen, b.length));
    inputs.forEach((x, i) => {
      const shifted = (sign: number) => x.data.map((v, k) => v + sign * s.eps * dirs[i]![k]!);
      const declared = s.kinks !== undefined && x.data.some((v, k) => isDeclared(s, v, T.unravelIndex(k, x.shape), x.input));
      row(x.input, null, NaN, dot64(x.analytic, dirs[i]!), g(at(i, shifted(1))), g(at(i, shifted(-1))), declared);
    });
  } else {
    inputs.forEach((x, i) => {
      for (let k = 0; k < x.data.length; k++) {
        const plus = x.data.slice(); plus[k] = plus[k]! + s.eps;
        const minus = x.data.slice(); minus[k] = minus[k]! - s.eps;
        const index = T.unravelIndex(k, x.shape);
        row(x.input, index, x.data[k]!, x.analytic[k]!, g(at(i, plus)), g(at(i, minus)), isDeclared(s, x.data[k]!, index, x.input));
      }
    });
  }
  const failing = rows.filter((r) => r.status !== 'pass');
  const maxAbsError = rows.reduce((m, r) => (r.diff !== r.diff ? Infinity : Math.max(m, r.diff)), 0);
  const first = failing[0];
  const message = first === undefined ? null : failureMessage(head, label(first.input), rows.filter((r) => r.input === first.input), s);
  return { checked: rows.length, maxAbsError, failures: failing.length, message, rows };
}

/** Declared nondifferentiable: the predicate says so, or the value is within eps of a listed kink (its difference straddles it). */
function isDeclared(s: Settings, value: number, index: readonly number[], input: number): boolean {
  const kinks = s.kinks;
  if (kinks === undefined) return false;
  if (typeof kinks === 'function') return kinks(value, index, input) === true;
  return kinks.some((k) => Math.abs(value - k) < s.eps);
}

/** The message for the first failing input: a wrong gradient first, then a declared kink violated, then a kink. */
function failureMessage(head: string, label: string, rows: readonly GradcheckRow[], s: Settings): string {
  const worst = (pick: (r: GradcheckRow) => boolean) => rows.filter(pick).reduce<GradcheckRow | undefined>((w, r) => (w === undefined || !(r.diff <= w.diff) ? r : w), undefined);
  const r = worst((x) => x.status === 'fail' && !x.nondifferentiable) ?? worst((x) => x.status === 'fail') ?? worst((x) => x.status === 'kink')!;
  const fails = rows.filter((x) => x.status !== 'pass').length;
  const tail = s.fast ? `(fast mode; seed ${s.seed})` : `(${fails} of ${rows.length} elements fail; seed ${s.seed})`;
  const where = r.index === null ? ' directional derivative' : ` at [${r.index.join(',')}]`;
  if (r.status === 'kink') {
    const within = r.index === null ? 'the random direction crosses a kink' : `within eps = ${s.eps.toExponential()} of a kink`;
    return `${head}: ${label}${r.index === null ? ':' : where + ' is'} ${within}: slope ${fmt(r.left)} on the left, ${fmt(r.right)} on the right, so the central difference ${fmt(r.numeric)} is no derivative (analytic ${fmt(r.analytic)})\n` +
      `  move the input more than eps away from the kink, or declare it with nondifferentiableAt (then the analytic value must lie between the two slopes) ${tail}`;
  }
  if (r.nondifferentiable) {
    return `${head}: ${label}${where} (declared nondifferentiable): analytic ${fmt(r.analytic)} is not between the one-sided slopes ${fmt(r.left)} (left) and ${fmt(r.right)} (right)\n` +
      `  distance ${r.diff.toExponential(1)} > atol + rtol*max|slope| = ${r.tol.toExponential(1)} ${tail}`;
  }
  const kinks = rows.filter((x) => x.status === 'kink');
  const note = kinks.length === 0 ? '' : `\n  (${kinks.length} of the failing elements are within eps of a kink, the first at [${kinks[0]!.index?.join(',')}]: see nondifferentiableAt)`;
  return `${head}: ${label}${r.index === null ? ' directional derivative mismatch' : ` mismatch${where}`}: analytic ${fmt(r.analytic)}, numeric ${fmt(r.numeric)}\n` +
    `  |diff| ${r.diff.toExponential(1)} > atol + rtol*|numeric| = ${r.tol.toExponential(1)} ${tail}${note}`;
}

/** Join outcomes (the first and second order of an op) into one. */
export function merge(a: Outcome, b: Outcome | null): Outcome {
  if (b === null) return a;
  return {
    checked: a.checked + b.checked,
    maxAbsError: Math.max(a.maxAbsError, b.maxAbsError),
    failures: a.failures + b.failures,
    message: a.message ?? b.message,
    rows: [...a.rows, ...b.rows],
  };
}

/** A failure with no rows (a malformed gradient): thrown or reported like a mismatch. */
export function failed(message: string): Outcome {
  return { checked: 0, maxAbsError: Infinity, failures: 1, message, rows: [] };
}

/** Throw the outcome's failure, or return the report (in report mode, failures included). */
export function finish(o: Outcome, s: Settings): GradcheckReport {
  if (o.message !== null && !s.report) throw new GradcheckError(o.message);
  const report: GradcheckReport = { checked: o.checked, maxAbsError: o.maxAbsError, passed: o.message === null, failures: o.failures, message: o.message };
  if (s.report) {
    report.rows = o.rows;
    report.table = table(o, s);
  }
  return report;
}

/** The rows as fixed-width text: a summary line, then failing rows first (at most 40 rows). */
function table(o: Outcome, s: Settings): string {
  const summary = o.message === null
    ? `${s.head}: passed, ${o.checked} compared, max |diff| ${o.maxAbsError.toExponential(1)} (seed ${s.seed})`
    : `${s.head}: FAILED, ${o.failures} of ${o.checked} fail (seed ${s.seed})`;
  const shown = [...o.rows.filter((r) => r.status !== 'pass'), ...o.rows.filter((r) => r.status === 'pass')].slice(0, 40);
  const cells = shown.map((r) => [
    `${r.order === 2 ? 'grad of ' : ''}${r.input}${r.name ? ` '${r.name}'` : ''}`,
    r.index === null ? 'random dir' : `[${r.index.join(',')}]`,
    fmt(r.analytic), fmt(r.numeric), r.diff.toExponential(1), r.tol.toExponential(1),
    r.status + (r.nondifferentiable ? ' (declared kink)' : r.status === 'kink' ? ` (slopes ${fmt(r.left)} / ${fmt(r.right)})` : ''),
  ]);
  const all = [['input', 'index', 'analytic', 'numeric', '|diff|', 'tol', 'status'], ...cells];
  const widths = all[0]!.map((_, c) => Math.max(...all.map((line) => line[c]!.length)));
  const lines = all.map((line) => line.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  const more = o.rows.length > shown.length ? [`(${o.rows.length - shown.length} more passing rows not shown)`] : [];
  return [summary, ...(o.message === null ? [] : [o.message]), ...lines, ...more].join('\n');
}

export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A number in a message: 5 significant digits. */
function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(5) : String(x);
}
