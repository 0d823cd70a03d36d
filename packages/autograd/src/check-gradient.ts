// Layer: autograd. checkGradient: gradcheck for code that is not built on this engine. A plain function of
// numbers, typed arrays or nested arrays (or a record of them) and its hand-written gradient (or its
// vector-Jacobian product for a vector output) are compared in float64 by the same core as gradcheck, with
// the same options and the same messages. Needs no Tensor or Variable; imports the tensor package for its
// errors and option checks.
import * as T from '@propel-ts/tensor';
import {
  COMMON_KEYS, compare, dot64, failed, finish, normals, readSettings,
  type GradcheckOptions, type GradcheckReport,
} from './gradcheck-core';

/** A number, a typed array, or a (nested, rectangular) array of them: the values checkGradient works on. */
export type PlainValue = number | ArrayLike<number> | readonly PlainValue[];

/** How checkGradient hands a value of type `X` to the function: typed arrays become Float64Arrays. */
export type AsFloat64<X> = X extends number ? number
  : X extends ArrayBufferView ? Float64Array
  : X extends readonly (infer E)[] ? AsFloat64<E>[]
  : { [K in keyof X]: AsFloat64<X[K]> };

/** A gradient as checkGradient accepts it: the input's form (or a flat typed array), or a record of them. */
export type PlainGradient = PlainValue | { readonly [name: string]: PlainValue };

/** Options of `checkGradient`: those of gradcheck, the input names coming from a record's keys. */
export type CheckGradientOptions = Omit<GradcheckOptions, 'names'>;

const USAGE = 'checkGradient(f, grad, x, { eps, atol, rtol, fast, seed, name, report, nondifferentiableAt })';

/**
 * Check a hand-written gradient of a plain function against central differences in float64.
 *
 * - `f(x)` returns a number: `grad(x)` returns its gradient, in `x`'s form (it also gets `dy = 1`).
 * - `f(x)` returns an array: `grad(x, dy)` is the vector-Jacobian product dyᵀ·J, `dy` a seeded random
 *   upstream gradient in the output's form (so a product that forgets `dy` fails).
 * - `x` is a number, a typed array, a nested array, or a record of them (several inputs, named by key;
 *   `f` and `grad` then take the record and `grad` returns one of the same keys).
 *
 * `f` gets fresh float64 copies in `x`'s form (typed arrays as Float64Array). Throws `GradcheckError` with
 * gradcheck's message, naming the function by `options.name` or `f.name`; `report: true` returns the
 * per-element table instead.
 *
 * ```ts
 * checkGradient((x) => x[0]! * x[1]!, (x) => [x[1]!, x[0]!], new Float64Array([2, 3]));
 * ```
 */
export function checkGradient<X, Y extends PlainValue>(
  f: (x: AsFloat64<X>) => Y,
  grad: (x: AsFloat64<X>, dy: AsFloat64<Y>) => PlainGradient,
  x: X,
  options?: CheckGradientOptions,
): GradcheckReport {
  T.checkArity('checkGradient', arguments, 4, USAGE);
  if (typeof f !== 'function') throw new T.TensorError(`checkGradient: f got ${T.describeValue(f)}, expected a function of x returning a number or an array`);
  if (typeof grad !== 'function') throw new T.TensorError(`checkGradient: grad got ${T.describeValue(grad)}, expected a function (x) => gradient, or (x, dy) => dyᵀJ for an array output`);
  const o = T.checkOptions('checkGradient', options, COMMON_KEYS, USAGE);
  const record = isRecord(x);
  const keys = record ? Object.keys(x) : [];
  if (record && keys.length === 0) throw new T.TensorError('checkGradient: x got an empty record, expected at least one input');
  const s = readSettings('checkGradient', { ...o, names: keys }, f.name || 'f');
  const flats = record ? keys.map((k) => flatten(`x.${k}`, (x as Record<string, unknown>)[k])) : [flatten('x', x)];
  /** The argument f and grad get: copies of `xs` in x's form. */
  const arg = (xs: readonly Float64Array[]) => (record
    ? Object.fromEntries(keys.map((k, i) => [k, flats[i]!.rebuild(xs[i]!)]))
    : flats[0]!.rebuild(xs[0]!)) as AsFloat64<X>;
  const base = flats.map((fl) => fl.data);

  const y0 = f(arg(base));
  const out = flatten('the output f(x)', y0);
  // a number output needs no upstream gradient (grad is the gradient); an array gets a random one
  const gen = new T.Generator(s.seed);
  const v = typeof y0 === 'number' ? Float64Array.of(1) : normals(gen, out.data.length);
  const g = (xs: Float64Array[]) => {
    const y = flatten('the output f(x)', f(arg(xs)));
    if (T.fmtShape(y.shape) !== T.fmtShape(out.shape)) {
      throw new T.TensorError(`checkGradient: f(x) returned shape ${T.fmtShape(y.shape)} at a perturbed point, expected ${T.fmtShape(out.shape)} (its shape at x)`);
    }
    return Float64Array.from(y.data, (yj, j) => v[j]! * yj);
  };
  // one vjp with dy = v and, in element mode, one per output element j with dy = v[j]·e_j (row j of the
  // Jacobian, so an error in one output element is not diluted by the others)
  const dys = [v, ...(s.fast || v.length === 1 ? [] : Array.from(v, (vj, j) => { const e = new Float64Array(v.length); e[j] = vj; return e; }))];
  const rows: Float64Array[][] = [];
  for (const dy of dys) {
    const analytic = readGradients(grad(arg(base), out.rebuild(dy) as AsFloat64<Y>), flats, record ? keys : null, s.head);
    if (typeof analytic === 'string') return finish(failed(analytic), s);
    rows.push(analytic);
  }
  const inputs = flats.map((fl, i) => ({ input: i, shape: fl.shape, data: fl.data, analytic: rows[0]![i]!, rows: rows.slice(1).map((r) => r[i]!) }));
  return finish(compare(inputs, g, out.shape, s, gen), s);
}

/** A value flattened to float64 row-major, with its shape and a way to rebuild its form from new data. */
interface Flat {
  shape: readonly number[];
  data: Float64Array;
  rebuild(data: Float64Array): unknown;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

const isArrayLike = (x: unknown): x is ArrayLike<unknown> => Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));

/** Flatten `value` (named `what` in errors): a number, a typed array or a rectangular nested array of numbers. */
function flatten(what: string, value: unknown): Flat {
  if (typeof value === 'number') return { shape: [], data: Float64Array.of(value), rebuild: (d) => d[0]! };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const data = Float64Array.from(value as unknown as ArrayLike<number>);
    return { shape: [data.length], data, rebuild: (d) => d.slice() };
  }
  if (!Array.isArray(value)) {
    throw new T.TensorError(`checkGradient: ${what} got ${T.describeValue(value)}, expected a number, a typed array or a nested array of numbers`);
  }
  const shape: number[] = [];
  for (let v: unknown = value; isArrayLike(v); v = v[0]) shape.push(v.length);
  const data: number[] = [];
  const walk = (v: unknown, depth: number, path: number[]) => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new T.TensorError(`checkGradient: ${what}[${path.join('][')}] got ${T.describeValue(v)}, expected a number`);
      data.push(v);
      return;
    }
    if (!isArrayLike(v) || v.length !== shape[depth]) {
      throw new T.TensorError(`checkGradient: ${what} is ragged: ${path.length ? `[${path.join('][')}]` : 'it'} got ${T.describeValue(v)}, expected an array of ${shape[depth]} (shape ${T.fmtShape(shape)})`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, [...path, i]);
  };
  walk(value, 0, []);
  // an array of typed arrays gets its innermost rows back as Float64Arrays, as a lone typed array does
  let inner: unknown = value;
  for (let d = 1; d < shape.length; d++) inner = (inner as ArrayLike<unknown>)[0];
  const typedRows = shape.length > 1 && ArrayBuffer.isView(inner);
  return { shape, data: Float64Array.from(data), rebuild: (d) => nest(d, shape, typedRows) };
}

/** Row-major `data` as nested arrays of `shape` (the innermost rows as Float64Arrays when `typedRows`). */
function nest(data: Float64Array, shape: readonly number[], typedRows: boolean, offset = 0, depth = 0): unknown {
  if (depth === shape.length) return data[offset];
  if (typedRows && depth === shape.length - 1) return data.slice(offset, offset + shape[depth]!);
  const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[depth]! }, (_, i) => nest(data, shape, typedRows, offset + i * stride, depth + 1));
}

/**
 * The user's gradient as flat float64 arrays, one per input; a string (the failure message) when its form
 * does not match the inputs: a record with other keys, a wrong shape, or a non-number.
 */
function readGradients(value: unknown, flats: readonly Flat[], keys: readonly string[] | null, head: string): Float64Array[] | string {
  const named = (i: number) => (keys ? `input ${i} '${keys[i]}'` : `input ${i}`);
  let parts: unknown[];
  if (keys) {
    if (!isRecord(value)) return `${head}: grad returned ${T.describeValue(value)}, expected a record with one gradient per input (${keys.join(', ')})`;
    const extra = Object.keys(value).filter((k) => !keys.includes(k));
    const missing = keys.filter((k) => !(k in value));
    if (extra.length || missing.length) {
      return `${head}: grad returned a record with keys ${Object.keys(value).join(', ') || '(none)'}, expected one gradient per input: ${keys.join(', ')}`;
    }
    parts = keys.map((k) => value[k]);
  } else {
    parts = [value];
  }
  const out: Float64Array[] = [];
  for (let i = 0; i < flats.length; i++) {
    const like = flats[i]!;
    const p = parts[i];
    let fl: Flat;
    try {
      fl = flatten('grad', p);
    } catch (e) {
      return `${head}: the gradient for ${named(i)} is malformed: ${(e as Error).message.replace(/^checkGradient: grad /, '')}`;
    }
    // a flat typed array is accepted for any input shape (row-major); arrays and numbers must match the shape
    const typed = ArrayBuffer.isView(p);
    const ok = typed ? fl.data.length === like.data.length && like.shape.length > 0 : T.fmtShape(fl.shape) === T.fmtShape(like.shape);
    if (!ok) {
      const got = typed ? `a typed array of ${fl.data.length}` : `shape ${T.fmtShape(fl.shape)}`;
      return `${head}: the gradient for ${named(i)} has ${got}, expected shape ${T.fmtShape(like.shape)} (the input's)`;
    }
    out.push(fl.data);
  }
  return out;
}
