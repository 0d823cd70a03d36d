// Layer: tensor. Functions that make new tensors: from data, constants, ranges, identity, random.
import { backendFor } from './backends';
import { allocTyped, isDevice, isDType, type DType, type Device, type TypedArray } from './dtype';
import { describe, fail, fmtShape } from './errors';
import { defaultGenerator, Generator } from './random';
import { checkShape, sizeOf } from './shape';
import { CpuStorage } from './storage';
import { Tensor, type NestedArray } from './tensor';

/** Options accepted by every creation function. */
export interface CreateOptions {
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** 'cpu' (default) or 'gpu'. */
  device?: Device;
}

function resolve(op: string, options: CreateOptions = {}): { dtype: DType; device: Device } {
  const dtype = options.dtype ?? 'float32';
  const device = options.device ?? 'cpu';
  if (!isDType(dtype)) fail(op, `dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
  if (!isDevice(device)) fail(op, `device must be 'cpu' or 'gpu', got ${describe(device)}`);
  if (device === 'gpu' && dtype === 'float64') {
    fail(op, `float64 is not supported on 'gpu' (gpu.js computes in float32), expected dtype 'float32' (or use device 'cpu' for float64)`);
  }
  return { dtype, device };
}

function fromFlat(op: string, flat: ArrayLike<number>, shape: readonly number[], options?: CreateOptions): Tensor {
  const { dtype, device } = resolve(op, options);
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
  const isTyped = data instanceof Float32Array || data instanceof Float64Array;
  const opts = { ...options, dtype: options.dtype ?? (data instanceof Float64Array ? 'float64' : 'float32') } as CreateOptions;
  if (isTyped) {
    const shape = options.shape === undefined ? [data.length] : checkShape(options.shape, 'tensor');
    if (sizeOf(shape) !== data.length) fail('tensor', `shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, got a typed array of ${data.length}`);
    return fromFlat('tensor', data, shape, opts);
  }
  const { flat, shape } = flattenNested(data as NestedArray);
  if (options.shape !== undefined) {
    const want = checkShape(options.shape, 'tensor');
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
      if (typeof x !== 'number') fail('tensor', `element at [${path.join(',')}] is ${describe(x)}, expected a number (nested arrays must be rectangular)`);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      fail('tensor', `nested arrays are ragged at [${path.join(',')}]: got ${describe(x)}, expected an array of length ${shape[dim]}`);
    }
    x.forEach((v, i) => walk(v, dim + 1, [...path, i]));
  };
  walk(data, 0, []);
  return { flat, shape };
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options?: CreateOptions): Tensor {
  return filled('full', shape, value, options);
}
/** `full` under the name of the caller (so that errors from `zeros` say `zeros:`). */
function filled(op: string, shape: readonly number[], value: number, options?: CreateOptions): Tensor {
  const s = checkShape(shape, op);
  if (typeof value !== 'number') fail(op, `value must be a number, got ${describe(value)}`);
  const { dtype, device } = resolve(op, options);
  return backendFor(device).full(s, value, dtype);
}
/** Zeros of `shape`. */
export const zeros = (shape: readonly number[], options?: CreateOptions) => filled('zeros', shape, 0, options);
/** Ones of `shape`. */
export const ones = (shape: readonly number[], options?: CreateOptions) => filled('ones', shape, 1, options);
/** Zeros with x's shape, dtype and device. */
export const zerosLike = (x: Tensor) => full(x.shape, 0, { dtype: x.dtype, device: x.device });
/** Ones with x's shape, dtype and device. */
export const onesLike = (x: Tensor) => full(x.shape, 1, { dtype: x.dtype, device: x.device });
/** `value` with x's shape, dtype and device. */
export const fullLike = (x: Tensor, value: number) => full(x.shape, value, { dtype: x.dtype, device: x.device });

/** `start, start+step, ...` below `end` (like `torch.arange`); `arange(n)` is 0..n-1. */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (![start, end, step].every(Number.isFinite)) fail('arange', `start, end and step must be finite numbers, got ${start}, ${end}, ${step}`);
  if (step === 0) fail('arange', 'step must be non-zero, got 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  return fromFlat('arange', Array.from({ length: n }, (_, i) => start + i * step), [n], options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) fail('linspace', `steps must be a non-negative integer, got ${steps}`);
  const h = steps > 1 ? (end - start) / (steps - 1) : 0;
  // symmetric evaluation (as PyTorch) so both ends are exact
  const vals = Array.from({ length: steps }, (_, i) => (i < steps / 2 ? start + i * h : end - (steps - 1 - i) * h));
  return fromFlat('linspace', vals, [steps], options);
}

/** The `n × m` identity (m defaults to n). */
export function eye(n: number, m = n, options?: CreateOptions): Tensor {
  checkShape([n, m], 'eye', 'size');
  const flat = new Array<number>(n * m).fill(0);
  for (let i = 0; i < Math.min(n, m); i++) flat[i * m + i] = 1;
  return fromFlat('eye', flat, [n, m], options);
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** Seed a fresh generator (same seed → same numbers everywhere); else the default generator is used. */
  seed?: number;
  /** Use this generator (takes precedence over `seed`). */
  generator?: Generator;
}

function randomTensor(op: string, shape: readonly number[], options: RandomOptions, draw: (g: Generator) => number): Tensor {
  const s = checkShape(shape, op);
  const g = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator);
  return fromFlat(op, Array.from({ length: sizeOf(s) }, () => draw(g)), s, options);
}

/** Uniform samples in [0, 1). */
export const rand = (shape: readonly number[], options: RandomOptions = {}) => randomTensor('rand', shape, options, (g) => g.uniform());
/** Standard normal samples. */
export const randn = (shape: readonly number[], options: RandomOptions = {}) => randomTensor('randn', shape, options, (g) => g.normal());
