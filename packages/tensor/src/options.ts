// Layer: tensor. The one validation rule for options objects of the whole public API (every package uses
// it): an unknown key throws naming the function, the key, the accepted keys and a did-you-mean; a value of
// the wrong type or out of range throws with what was given and what was expected. Imports the errors.
import { describeValue, TensorError } from './errors';

export { describeValue };

/** Levenshtein distance (small strings only: option keys). */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The accepted key closest to `key` (case-insensitive, within a third of its length), if any. */
export function didYouMean(key: string, accepted: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of accepted) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.max(key.length, best.length) / 3)) ? best : undefined;
}

/** PyTorch / TF.js spellings of our option keys, for the did-you-mean of an unknown key. */
const SYNONYMS: Readonly<Record<string, string>> = {
  dim: 'axis', dims: 'axis', axes: 'axis', keepdim: 'keepDims', learningRate: 'lr', learning_rate: 'lr',
  requires_grad: 'requiresGrad', weight_decay: 'weightDecay', reduce: 'reduction', std: 'sigma',
};

/** The accepted key a misspelt or foreign `key` most likely means, if any. */
function nearKey(key: string, accepted: readonly string[]): string | undefined {
  const synonym = SYNONYMS[key];
  if (synonym !== undefined && accepted.includes(synonym)) return synonym;
  return didYouMean(key, accepted);
}

/** Which accepted key a value passed positionally (where an options object belongs) most likely means. */
function guessKey(value: unknown, accepted: readonly string[]): string | undefined {
  const has = (k: string) => accepted.includes(k);
  if (typeof value === 'string') {
    if ((value === 'float32' || value === 'float64') && has('dtype')) return 'dtype';
    if ((value === 'cpu' || value === 'gpu') && has('device')) return 'device';
    if ((value === 'mean' || value === 'sum' || value === 'none') && has('reduction')) return 'reduction';
    return undefined;
  }
  if (typeof value === 'number') return ['axis', 'lr', 'seed', 'sigma'].find(has) ?? (accepted.length === 1 ? accepted[0] : undefined);
  if (typeof value === 'boolean') return ['requiresGrad', 'keepDims'].find(has);
  return undefined;
}

/**
 * Check an options argument of `fn`: undefined is `{}`; anything but a plain object throws; an own key not
 * in `accepted` throws with a did-you-mean (PyTorch's spellings included: `dim` → `axis`). `usage` is the
 * correct call with `OPTIONS` where the options go, e.g. `'zeros(shape, OPTIONS)'`: a non-object then
 * reads `zeros: expected zeros(shape, { dtype: "float64" }), got zeros(shape, "float64")`. Returns the
 * object, typed by its accepted keys (check each value with `optNumber`, `optBoolean`, `optOneOf`, ...).
 */
export function checkOptions<K extends string>(
  fn: string, options: unknown, accepted: readonly K[], usage?: string,
): { readonly [P in K]?: unknown } {
  if (options === undefined) return {};
  const proto = options === null || typeof options !== 'object' ? undefined : Object.getPrototypeOf(options);
  if (proto === undefined || Array.isArray(options) || (proto !== Object.prototype && proto !== null)) {
    throw new TensorError(`${fn}: ${formMessage(options, accepted, usage)}`);
  }
  for (const key of Object.keys(options as object)) {
    if ((accepted as readonly string[]).includes(key)) continue;
    const near = nearKey(key, accepted);
    const hint = near ? ` (did you mean '${near}'?)` : '';
    const list = accepted.length ? `accepted options: ${accepted.join(', ')}` : 'it takes no options';
    throw new TensorError(`${fn}: unknown option '${key}'${hint}; ${list}`);
  }
  return options as { readonly [P in K]?: unknown };
}

/** "expected f(x, { key: value }), got f(x, value)" for a value given where an options object belongs. */
function formMessage(given: unknown, accepted: readonly string[], usage: string | undefined): string {
  const key = guessKey(given, accepted);
  const want = key !== undefined ? `{ ${key}: ${describeValue(given)} }` : `{ ${accepted.map((k) => `${k}?`).join(', ')} }`;
  if (usage === undefined) return `options got ${describeValue(given)}, expected an options object ${want}`;
  if (!usage.includes('OPTIONS')) return `options got ${describeValue(given)}, expected ${usage}`;
  return `expected ${usage.replace('OPTIONS', want)}, got ${usage.replace('OPTIONS', describeValue(given))}`;
}

/** Range and kind rules for `optNumber`. */
export interface NumberRule {
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  min?: number;
  minExclusive?: boolean;
  /** Largest allowed value (inclusive unless `maxExclusive`). */
  max?: number;
  maxExclusive?: boolean;
  integer?: boolean;
  /** Allow ±Infinity (NaN is never allowed). */
  infinite?: boolean;
}

function ruleText(rule: NumberRule): string {
  const parts: string[] = [rule.integer ? 'an integer' : rule.infinite ? 'a number' : 'a finite number'];
  if (rule.min !== undefined) parts.push(`${rule.minExclusive ? '>' : '>='} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`${rule.maxExclusive ? '<' : '<='} ${rule.max}`);
  return parts.join(' ');
}

/** `value` when it is a number obeying `rule`, `fallback` when undefined; else throws `fn: key got ..., expected ...`. */
export function optNumber<F extends number | undefined>(fn: string, key: string, value: unknown, fallback: F, rule: NumberRule = {}): number | F {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && !Number.isNaN(value)
    && (rule.infinite || Number.isFinite(value))
    && (!rule.integer || Number.isInteger(value))
    && (rule.min === undefined || (rule.minExclusive ? value > rule.min : value >= rule.min))
    && (rule.max === undefined || (rule.maxExclusive ? value < rule.max : value <= rule.max));
  if (!ok) throw new TensorError(`${fn}: ${key} got ${describeValue(value)}, expected ${ruleText(rule)}`);
  return value as number;
}

/** `value` when it is a boolean, `fallback` when undefined; else throws. */
export function optBoolean<F extends boolean | undefined>(fn: string, key: string, value: unknown, fallback: F): boolean | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TensorError(`${fn}: ${key} got ${describeValue(value)}, expected true or false`);
  return value;
}

/** `value` when it is one of `choices`, `fallback` when undefined; else throws listing the choices. */
export function optOneOf<T extends string, F extends T | undefined>(fn: string, key: string, value: unknown, choices: readonly T[], fallback: F): T | F {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    const near = typeof value === 'string' ? didYouMean(value, choices) : undefined;
    throw new TensorError(`${fn}: ${key} got ${describeValue(value)}, expected one of ${choices.map((c) => `'${c}'`).join(', ')}${near ? ` (did you mean '${near}'?)` : ''}`);
  }
  return value as T;
}

/** Throws when a function got more positional arguments than it takes (`args` is its `arguments`). */
export function checkArity(fn: string, args: ArrayLike<unknown>, max: number, usage: string): void {
  if (args.length > max) {
    throw new TensorError(`${fn}: got ${args.length} arguments, expected at most ${max}: ${usage} (an extra argument would be ignored)`);
  }
}

/** A random seed: undefined when not given, else a safe integer (its value modulo 2^32 seeds the generator). */
export function optSeed(fn: string, key: string, value: unknown): number | undefined {
  return optNumber(fn, key, value, undefined, { integer: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
}

/** The axis argument of a reduction, read by `axisOptions`. */
export interface AxisOptions {
  axis?: number | readonly number[];
  keepDims: boolean;
}

/**
 * The axis argument of a reduction in every accepted form: PyTorch's positional axis (`sum(x, 1)`,
 * `sum(x, [0, 1])` when `multi`), or an options object `{ axis, keepDims }`. `keepDims` false drops that
 * key (argmax's flat form, softmax). Anything else throws naming `usage`.
 */
export function axisOptions(fn: string, arg: unknown, usage: string, multi = true, keepDims = true): AxisOptions {
  if (typeof arg === 'number') return { axis: arg, keepDims: false };
  if (multi && Array.isArray(arg)) {
    if (!arg.every((a) => typeof a === 'number')) throw new TensorError(`${fn}: axis got ${describeValue(arg)}, expected an integer or an array of integers`);
    return { axis: arg as number[], keepDims: false };
  }
  const o = checkOptions(fn, arg, keepDims ? ['axis', 'keepDims'] : ['axis'], usage);
  const axis = o.axis;
  const ok = axis === undefined || typeof axis === 'number' || (multi && Array.isArray(axis) && axis.every((a) => typeof a === 'number'));
  if (!ok) throw new TensorError(`${fn}: axis got ${describeValue(axis)}, expected ${multi ? 'an integer or an array of integers' : 'an integer'}`);
  return { axis: axis as number | readonly number[] | undefined, keepDims: optBoolean(fn, 'keepDims', o.keepDims, false) };
}
