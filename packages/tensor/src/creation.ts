// Layer: tensor. Functions that make new tensors: from data, constants, ranges, identity, random.
import { backendFor } from './backends';
import { allocTyped, type DType, type Device, type TypedArray } from './dtype';
import { describe, fail, fmtShape } from './errors';
import { checkArity, checkOptions, describeValue, optOneOf, optSeed } from './options';
import { defaultGenerator, Generator } from './random';
import { checkShape, checkSize, sizeOf } from './shape';
import { CpuStorage } from './storage';
import { Tensor, type NestedArray } from './tensor';

/** Options accepted by every creation function. */
export interface CreateOptions {
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** 'cpu' (default) or 'gpu'. */
  device?: Device;
}

const CREATE_KEYS = ['dtype', 'device'] as const;

/**
 * The dtype and device of a creation call, checked (unknown keys, a positional dtype: see checkOptions);
 * `usage` is the call with OPTIONS where the options go, `keys` the keys the caller accepts.
 */
function resolve(op: string, options: unknown, usage: string, keys: readonly string[] = CREATE_KEYS): { dtype: DType; device: Device } {
  const o = checkOptions(op, options, keys, usage) as { dtype?: unknown; device?: unknown };
  const dtype = optOneOf(op, 'dtype', o.dtype, ['float32', 'float64'], 'float32');
  const device = optOneOf(op, 'device', o.device, ['cpu', 'gpu'], 'cpu');
  if (device === 'gpu' && dtype === 'float64') {
    fail(op, `float64 is not supported on 'gpu' (gpu.js computes in float32), expected dtype 'float32' (or use device 'cpu' for float64)`);
  }
  return { dtype, device };
}

function fromFlat(op: string, flat: ArrayLike<number>, shape: readonly number[], { dtype, device }: { dtype: DType; device: Device }): Tensor {
  const data = allocTyped(dtype, flat.length);
  data.set(flat);
  return backendFor(device).fromHost(data, shape, dtype);
}

/**
 * A tensor from nested arrays, a flat typed array or array (with `shape`), or a number (a scalar).
 *
 * ```ts
 * tensor([[1, 2], [3, 4]]);                                  // float32, shape [2, 2]
 * tensor(new Float64Array(6), { shape: [2, 3] });            // dtype taken from the array
 * tensor([1, 2, 3], { dtype: 'float64', device: 'gpu' });    // error: gpu is float32 only
 * ```
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], options: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  checkArity('tensor', arguments, 2, 'tensor(data, { dtype, device, shape })');
  const given = checkOptions('tensor', options, ['dtype', 'device', 'shape'], 'tensor(data, OPTIONS)');
  const isTyped = data instanceof Float32Array || data instanceof Float64Array;
  const opts = resolve('tensor', { dtype: given.dtype ?? (data instanceof Float64Array ? 'float64' : 'float32'), device: given.device }, 'tensor(data, OPTIONS)');
  if (isTyped) {
    const shape = given.shape === undefined ? [data.length] : checkShape(given.shape, 'tensor');
    if (sizeOf(shape) !== data.length) fail('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, got a typed array of ${data.length}`);
    return fromFlat('tensor', data, shape, opts);
  }
  const { flat, shape } = flattenNested(data as NestedArray);
  if (given.shape !== undefined) {
    const want = checkShape(given.shape, 'tensor');
    if (sizeOf(want) !== flat.length) fail('tensor', `shape ${fmtShape(want)} needs ${sizeOf(want)} elements, got ${flat.length}`);
    return fromFlat('tensor', flat, want, opts);
  }
  return fromFlat('tensor', flat, shape, opts);
}

/**
 * A CPU tensor over `data` itself, without copying (like `torch.from_numpy`): later writes to `data` are
 * visible in the tensor. For handing over arrays a kernel just filled.
 *
 * ```ts
 * const t = fromTypedArray(new Float64Array([1, 2, 3, 4]), [2, 2]);
 * ```
 */
export function fromTypedArray(data: TypedArray, shape: readonly number[] = [data.length]): Tensor {
  checkArity('fromTypedArray', arguments, 2, 'fromTypedArray(data, shape)');
  if (!(data instanceof Float32Array || data instanceof Float64Array)) fail('fromTypedArray', `data must be a Float32Array or Float64Array, got ${describe(data)}`);
  const s = checkShape(shape, 'fromTypedArray');
  if (sizeOf(s) !== data.length) fail('fromTypedArray', `shape ${fmtShape(s)} needs ${sizeOf(s)} elements, got a typed array of ${data.length}`);
  return new Tensor(new CpuStorage(data), s, undefined, 0, data instanceof Float64Array ? 'float64' : 'float32');
}

/** Flatten nested arrays row-major, checking that they are rectangular and numeric. */
function flattenNested(data: NestedArray): { flat: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let d: NestedArray = data; Array.isArray(d); d = d[0] as NestedArray) {
    shape.push(d.length);
    if (d.length === 0) break;
  }
  const flat: number[] = [];
  const walk = (x: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof x !== 'number') {
        const what = x === undefined ? 'missing (a hole, or undefined)' : describe(x);
        fail('tensor', `element at [${path.join(',')}] is ${what}, expected a number (nested arrays must be rectangular${ArrayBuffer.isView(x) ? '; a typed array must be a Float32Array or Float64Array' : ''})`);
      }
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      fail('tensor', `nested arrays are ragged at [${path.join(',')}]: got ${describe(x)}, expected an array of length ${shape[dim]}`);
    }
    // an index loop, not forEach: forEach skips an array's holes ([1, , 3]), which would shift the values
    for (let i = 0; i < x.length; i++) walk(x[i] as NestedArray, dim + 1, [...path, i]);
  };
  walk(data, 0, []);
  return { flat, shape };
}

/** A tensor of `shape` filled with `value`: `full([2, 3], 7, { dtype: 'float64' })`. */
export function full(shape: readonly number[], value: number, options?: CreateOptions): Tensor {
  checkArity('full', arguments, 3, 'full(shape, value, { dtype, device })');
  return filled('full', shape, value, options, 'full(shape, value, OPTIONS)');
}
/** `full` under the name of the caller (so that errors from `zeros` say `zeros:`). */
function filled(op: string, shape: readonly number[], value: number, options: CreateOptions | undefined, usage: string): Tensor {
  const s = checkShape(shape, op);
  if (typeof value !== 'number') fail(op, `value must be a number, got ${describeValue(value)}`);
  const { dtype, device } = resolve(op, options, usage);
  checkSize(op, s, 'shape', dtype);
  return backendFor(device).full(s, value, dtype);
}
/** Zeros of `shape`: `zeros([2, 3], { dtype: 'float64' })` (PyTorch's `zeros(2, 3)` is `zeros([2, 3])` here). */
export function zeros(shape: readonly number[], options?: CreateOptions): Tensor {
  checkArity('zeros', arguments, 2, 'zeros(shape, { dtype, device })');
  return filled('zeros', shape, 0, options, 'zeros(shape, OPTIONS)');
}
/** Ones of `shape`: `ones([2, 3], { dtype: 'float64' })`. */
export function ones(shape: readonly number[], options?: CreateOptions): Tensor {
  checkArity('ones', arguments, 2, 'ones(shape, { dtype, device })');
  return filled('ones', shape, 1, options, 'ones(shape, OPTIONS)');
}
/** `value` with x's shape, dtype and device (`op` names the caller in errors). */
function filledLike(op: string, x: Tensor, value: number): Tensor {
  if (!(x instanceof Tensor)) fail(op, `input must be a Tensor, got ${describeValue(x)}`);
  return filled(op, x.shape, value, { dtype: x.dtype, device: x.device }, `${op}(x)`);
}
/** Zeros with x's shape, dtype and device. */
export function zerosLike(x: Tensor): Tensor {
  checkArity('zerosLike', arguments, 1, 'zerosLike(x)');
  return filledLike('zerosLike', x, 0);
}
/** Ones with x's shape, dtype and device. */
export function onesLike(x: Tensor): Tensor {
  checkArity('onesLike', arguments, 1, 'onesLike(x)');
  return filledLike('onesLike', x, 1);
}
/** `value` with x's shape, dtype and device. */
export function fullLike(x: Tensor, value: number): Tensor {
  checkArity('fullLike', arguments, 2, 'fullLike(x, value)');
  return filledLike('fullLike', x, value);
}

/** True for an options object given in place of a trailing optional number (`arange(5, { dtype })`). */
const isObject = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * `start, start+step, ...` below `end` (like `torch.arange`); `arange(n)` is 0..n-1. The options may
 * follow any of the numbers: `arange(5, { dtype: 'float64' })`, `arange(0, 1, 0.25, { dtype: 'float64' })`.
 */
export function arange(start: number, end?: number | CreateOptions, step: number | CreateOptions = 1, options?: CreateOptions): Tensor {
  checkArity('arange', arguments, 4, 'arange(start, end, step, { dtype, device })');
  if (isObject(end)) {
    if (arguments.length > 2) fail('arange', `options must come last, got ${describeValue(step)} after them: expected arange(end, { dtype, device })`);
    [options, end] = [end as CreateOptions, undefined];
  } else if (isObject(step)) {
    if (arguments.length > 3) fail('arange', `options must come last, got ${describeValue(options)} after them: expected arange(start, end, { dtype, device })`);
    [options, step] = [step as CreateOptions, 1];
  }
  const opts = resolve('arange', options, 'arange(start, end, step, OPTIONS)');
  if (end === undefined) [start, end] = [0, start];
  const nums = [start, end, step] as unknown[];
  if (!nums.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    fail('arange', `start, end and step must be finite numbers, got ${nums.map(describeValue).join(', ')}`);
  }
  const [a, b, h] = nums as [number, number, number];
  if (h === 0) fail('arange', 'step must be non-zero, got 0');
  const n = Math.max(0, Math.ceil((b - a) / h));
  checkShape([n], 'arange', 'the result');
  checkSize('arange', [n], 'the result', opts.dtype);
  return fromFlat('arange', Array.from({ length: n }, (_, i) => a + i * h), [n], opts);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  checkArity('linspace', arguments, 4, 'linspace(start, end, steps, { dtype, device })');
  const opts = resolve('linspace', options, 'linspace(start, end, steps, OPTIONS)');
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(end)) {
    fail('linspace', `start and end must be finite numbers, got ${describeValue(start)}, ${describeValue(end)}`);
  }
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) fail('linspace', `steps must be a non-negative integer, got ${describeValue(steps)}`);
  checkShape([steps], 'linspace', 'the result');
  checkSize('linspace', [steps], 'the result', opts.dtype);
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  // symmetric evaluation (as PyTorch) so both ends are exact
  const vals = Array.from({ length: steps }, (_, i) => (i < steps / 2 ? start + i * h : end - (steps - 1 - i) * h));
  return fromFlat('linspace', vals, [steps], opts);
}

/** The `n × m` identity (m defaults to n): `eye(3)`, `eye(2, 3)`, `eye(3, { dtype: 'float64' })`. */
export function eye(n: number, m: number | CreateOptions = n, options?: CreateOptions): Tensor {
  checkArity('eye', arguments, 3, 'eye(n, m, { dtype, device })');
  if (isObject(m)) {
    if (arguments.length > 2) fail('eye', `options must come last, got ${describeValue(options)} after them: expected eye(n, { dtype, device })`);
    [options, m] = [m as CreateOptions, n];
  }
  const opts = resolve('eye', options, 'eye(n, m, OPTIONS)');
  checkShape([n, m], 'eye', 'size');
  if (typeof m !== 'number') fail('eye', `m must be a number, got ${describeValue(m)}`);
  checkSize('eye', [n, m], 'size', opts.dtype);
  const flat = new Array<number>(n * m).fill(0);
  for (let i = 0; i < Math.min(n, m); i++) flat[i * m + i] = 1;
  return fromFlat('eye', flat, [n, m], opts);
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** Seed a fresh generator (same seed → same numbers everywhere); else the default generator is used. */
  seed?: number;
  /** Use this generator (takes precedence over `seed`). */
  generator?: Generator;
}

/** The generator a random call draws from: `generator`, else a fresh one seeded with `seed`, else the default. */
export function generatorFrom(op: string, generator: unknown, seed: unknown): Generator {
  if (generator !== undefined && !(generator instanceof Generator)) fail(op, `generator got ${describeValue(generator)}, expected a Generator`);
  if (generator !== undefined && seed !== undefined) fail(op, 'got both seed and generator, expected one of them');
  const s = optSeed(op, 'seed', seed);
  return (generator as Generator | undefined) ?? (s !== undefined ? new Generator(s) : defaultGenerator);
}

function randomTensor(op: string, shape: readonly number[], options: RandomOptions | undefined, draw: (g: Generator, dtype: DType) => number): Tensor {
  const s = checkShape(shape, op);
  const usage = `${op}(shape, OPTIONS)`;
  const o = checkOptions(op, options, ['dtype', 'device', 'seed', 'generator'], usage);
  const opts = resolve(op, { dtype: o.dtype, device: o.device }, usage);
  checkSize(op, s, 'shape', opts.dtype);
  const g = generatorFrom(op, o.generator, o.seed);
  return fromFlat(op, Array.from({ length: sizeOf(s) }, () => draw(g, opts.dtype)), s, opts);
}

/** The largest float32 below 1: a uniform draw in [1 - 2^-25, 1) would round up to 1 when stored as float32. */
const FLOAT32_BELOW_ONE = 1 - 2 ** -24;

/** Uniform samples in [0, 1): `rand([2, 3], { seed: 42 })` (`seed` an integer; or a `generator`). */
export function rand(shape: readonly number[], options?: RandomOptions): Tensor {
  checkArity('rand', arguments, 2, 'rand(shape, { dtype, device, seed, generator })');
  // float32 keeps [0, 1) by moving only the draws that would round to 1 (the rest round as before, so every
  // other value of a seeded stream is unchanged)
  return randomTensor('rand', shape, options, (g, dtype) => (dtype === 'float32' ? Math.min(g.uniform(), FLOAT32_BELOW_ONE) : g.uniform()));
}
/** Standard normal samples: `randn([2, 3], { seed: 42 })` (`seed` an integer; or a `generator`). */
export function randn(shape: readonly number[], options?: RandomOptions): Tensor {
  checkArity('randn', arguments, 2, 'randn(shape, { dtype, device, seed, generator })');
  return randomTensor('randn', shape, options, (g) => g.normal());
}
