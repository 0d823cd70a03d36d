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
  /** Seed of the random upstream gradient (and fast-mode directions): an integer in [0, 2^32 - 1]. Default 0. */
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

/** One compared input element (the worst entry of its column of the Jacobian: see `output`), or one random direction in fast mode. */
export interface GradcheckRow {
  /** 1 for the gradient, 2 for the gradient of the gradient (gradgradcheck, or gradcheck of an op). */
  order: 1 | 2;
  /** Input number, and its name when it has one. */
  input: number;
  name?: string;
  /** Multi-index of the input element; null in fast mode (a random direction through the whole input). */
  index: number[] | null;
  /**
   * null: analytic and numeric are of <v, f(x)>, the output weighted by the random upstream gradient v (the
   * element's column of the Jacobian summed; fast mode: along a random direction). When that sum passes but
   * one entry of the column fails, the row is that entry: the output element's multi-index, analytic and
   * numeric then being of v[output]·f(x)[output] alone.
   */
  output: number[] | null;
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
  /** Input elements (or directions in fast mode) compared, per order (dy's, checked at second order, not counted). */
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
    seed: T.optNumber(fn, 'seed', o.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 1 }),
    report: T.optBoolean(fn, 'report', o.report, false),
    names: names as string[],
    kinks: kinks as NondifferentiableAt | undefined,
    head: `${fn}(${name ?? defaultName})`,
    name: name ?? defaultName,
  };
}

/**
 * One input of a comparison: its number (in messages), shape, float64 values, the analytic gradient of
 * <v, f> (`analytic`) and, in element mode for an output of several elements, `rows[j]`: the gradient of
 * the j-th value g returns, v[j]·f[j] (so the rows are the Jacobian, weighted row by row by v).
 */
export interface CheckInput {
  input: number;
  shape: readonly number[];
  data: Float64Array;
  analytic: Float64Array;
  rows: readonly Float64Array[];
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

/** A seed for a second stream derived from `seed` (second order): seeds live modulo 2^32, like Generator's. */
export function nextSeed(seed: number): number {
  return (seed + 1) % 2 ** 32;
}

/**
 * Compare the analytic gradients of `g` at `inputs` with central differences. `g` returns one value per
 * row of `analytic` (`outShape` gives the rows' multi-indices; null for fast mode's single projection).
 * Every row is compared on its own, so an error in one output element cannot be diluted by the others.
 * `gen` continues the sequence that drew the upstream gradient (fast-mode directions come next).
 * Returns what it found; never throws.
 */
export function compare(inputs: readonly CheckInput[], g: (xs: Float64Array[]) => Float64Array, outShape: readonly number[] | null, s: Settings, gen: T.Generator, order: 1 | 2 = 1): Outcome {
  const bases = inputs.map((x) => x.data);
  const head = order === 2 ? `gradcheck(grad of ${s.name})` : s.head;
  const label = (i: number) => `input ${i}${s.names[i] ? ` '${s.names[i]}'` : ''}`;
  const at = (i: number, data: Float64Array) => bases.map((b, j) => (j === i ? data : b));
  const g0 = g(bases);
  const again = g(bases);
  const differs = g0.findIndex((y, j) => !Object.is(y, again[j]));
  if (differs >= 0) {
    return {
      checked: 0, maxAbsError: Infinity, failures: 1, rows: [],
      message: `${head}: two evaluations at the same point gave ${g0[differs]}, then ${again[differs]}, expected a deterministic function (differences of random values mean nothing): give its random part a fixed seed in every evaluation`,
    };
  }
  const outIndex = (j: number) => (outShape === null ? null : T.unravelIndex(j, outShape));
  // one row per input element (or direction): the worst entry of its column of the Jacobian
  const rows: GradcheckRow[] = [];
  let maxAbsError = 0;
  /** Compare one value j of g along `step(h)` (g at x ± h·direction), whose analytic derivative is `analytic`. */
  // j = -1: the sum over the outputs (step then returns one value, y0 its value at x)
  const entry = (input: number, index: number[] | null, value: number, j: number, analytic: number, step: (h: number) => [Float64Array, Float64Array], declared: boolean, y0 = g0[j]!): GradcheckRow => {
    const at0 = Math.max(j, 0);
    const [plus, minus] = step(s.eps);
    const fp = plus[at0]!, fm = minus[at0]!;
    const numeric = (fp - fm) / (2 * s.eps);
    const left = (y0 - fm) / s.eps;
    const right = (fp - y0) / s.eps;
    const slope = Math.max(Math.abs(left), Math.abs(right));
    const diff = declared ? Math.max(Math.min(left, right) - analytic, analytic - Math.max(left, right), 0) : Math.abs(analytic - numeric);
    const tol = declared ? s.atol + s.rtol * slope : s.atol + s.rtol * Math.abs(numeric);
    const passes = diff <= tol;
    // across a kink the slopes jump by O(1); on a smooth function they differ by eps·f'' (and rounding),
    // which a steep function makes large too: so a suspected kink is confirmed at smaller steps (below)
    const suspect = !passes && !declared && Math.abs(right - left) > 10 * (s.atol + s.rtol * slope);
    const status = passes ? 'pass' : suspect && isJump(right - left, y0, at0, step, s.eps) ? 'kink' : 'fail';
    maxAbsError = diff !== diff ? Infinity : Math.max(maxAbsError, diff);
    const r: GradcheckRow = { order, input, index, output: j < 0 ? null : outIndex(j), value, analytic, numeric, left, right, diff, tol, nondifferentiable: declared, status };
    if (s.names[input]) r.name = s.names[input];
    return r;
  };
  const badness = (r: GradcheckRow) => (r.status === 'fail' ? 2 : r.status === 'kink' ? 1 : 0) * 1e300 + (r.diff !== r.diff ? 1e299 : r.diff / r.tol);
  /** The rows of one probe: g at x ± h·direction for any h, the eps step computed once. */
  const probe = (i: number, dir: (data: Float64Array, h: number) => Float64Array) => {
    const cache = new Map<number, [Float64Array, Float64Array]>();
    return (h: number): [Float64Array, Float64Array] => {
      let r = cache.get(h);
      if (r === undefined) cache.set(h, (r = [g(at(i, dir(bases[i]!, h))), g(at(i, dir(bases[i]!, -h)))]));
      return r;
    };
  };
  const g0Sum = g0.reduce((a, b) => a + b, 0); // <v, f> at x
  /** g's values summed (<v, f> from v⊙f): the same sums, in the same order, as a dot product. */
  const summed = (step: (h: number) => [Float64Array, Float64Array]) => (h: number) => step(h).map((ys) => Float64Array.of(ys.reduce((a, b) => a + b, 0))) as [Float64Array, Float64Array];
  const along = (k: number) => (data: Float64Array, h: number) => { const d = data.slice(); d[k] = d[k]! + h; return d; };
  inputs.forEach((x, i) => {
    const declared = x.data.map((v, k) => (isDeclared(s, v, T.unravelIndex(k, x.shape), x.input) ? 1 : 0));
    if (s.fast) {
      // one random direction through the smooth elements; a declared kink is left out of it (its one-sided
      // rule would otherwise relax the whole direction) and checked on its own below
      const u = normals(gen, x.data.length).map((uk, k) => (declared[k] ? 0 : uk));
      if (u.some((uk) => uk !== 0)) {
        const step = summed(probe(i, (data, h) => data.map((v, k) => v + h * u[k]!)));
        rows.push(entry(x.input, null, NaN, -1, dot64(x.analytic, u), step, false, g0Sum));
      }
    }
    for (let k = 0; k < x.data.length; k++) {
      if (s.fast && !declared[k]) continue;
      const step = probe(i, along(k));
      const index = T.unravelIndex(k, x.shape);
      // the column's sum over the outputs (the projection vᵀJ, what the messages show) and, when it
      // passes, the worst single entry: an error in one output element cannot hide in the sum
      let worst = entry(x.input, index, x.data[k]!, -1, x.analytic[k]!, summed(step), declared[k] === 1, g0Sum);
      for (let j = 0; worst.status === 'pass' && j < x.rows.length; j++) {
        const r = entry(x.input, index, x.data[k]!, j, x.rows[j]![k]!, step, declared[k] === 1);
        if (badness(r) > badness(worst)) worst = r;
      }
      rows.push(worst);
    }
  });
  const failing = rows.filter((r) => r.status !== 'pass');
  const first = failing[0];
  const message = first === undefined ? null : failureMessage(head, label(first.input), rows.filter((r) => r.input === first.input), s);
  return { checked: rows.length, maxAbsError, failures: failing.length, message, rows };
}

/**
 * Whether slopes that jump by `jump` at step eps come from a kink rather than from curvature: on a smooth
 * function the jump is eps·f'' (it halves with the step), across a kink it stays (or vanishes once the step
 * no longer reaches the kink). Checked at eps/2 and eps/4, which tells any kink within eps from curvature.
 */
function isJump(jump: number, y0: number, j: number, step: (h: number) => [Float64Array, Float64Array], eps: number): boolean {
  return [0.5, 0.25].some((r) => {
    const [p, m] = step(eps * r);
    const smaller = (p[j]! + m[j]! - 2 * y0) / (eps * r);
    return Math.abs(smaller - r * jump) > 0.25 * r * Math.abs(jump);
  });
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
  // which row of the Jacobian: named when the output has more than one element
  label = r.output !== null ? `output [${r.output.join(',')}] w.r.t. ${label}` : label;
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
  // the output column only when some output has more than one element (a row of the Jacobian each)
  const outputs = o.rows.some((r) => r.output !== null);
  const cells = shown.map((r) => [
    `${r.order === 2 ? 'grad of ' : ''}${r.input}${r.name ? ` '${r.name}'` : ''}`,
    r.index === null ? 'random dir' : `[${r.index.join(',')}]`,
    ...(outputs ? [r.output === null ? 'projected' : `[${r.output.join(',')}]`] : []),
    fmt(r.analytic), fmt(r.numeric), r.diff.toExponential(1), r.tol.toExponential(1),
    r.status + (r.nondifferentiable ? ' (declared kink)' : r.status === 'kink' ? ` (slopes ${fmt(r.left)} / ${fmt(r.right)})` : ''),
  ]);
  const all = [['input', 'index', ...(outputs ? ['output'] : []), 'analytic', 'numeric', '|diff|', 'tol', 'status'], ...cells];
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
