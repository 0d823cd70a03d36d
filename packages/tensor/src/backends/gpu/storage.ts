// Layer: tensor/backends/gpu. Device memory behind 'gpu' tensors and the machinery every GPU op goes
// through: GpuStorage (a gpu.js result, released when collected), the engine an op's inputs share, kernel
// launches that keep their inputs alive, uploads (fromHost) and readbacks (toHost, with the checks that
// onReadback attaches). The Backend methods are in index.ts. Imports tensor core files and this folder.
import type { DType, TypedArray } from '../../dtype';
import { fail, internal } from '../../errors';
import { contiguousStrides, sizeOf } from '../../shape';
import type { Storage } from '../../storage';
import { Tensor } from '../../tensor';
import type { KernelSpec, Operand } from './codegen';
import { activeEngine, checkLaunch, counters, readResult, readResultAsync, runKernel, type Engine } from './engine';
import { elementwise } from './kernels';
import type { KernelArg, KernelResult } from './load';

/** A check on a tensor's values when they are read back; it may finish asynchronously (webgpu). */
export type ReadbackCheck = (values: Float32Array | Float64Array) => void | Promise<void>;

/**
 * Device memory behind 'gpu' tensors: one gpu.js result of `length` float32 elements, owned by one engine
 * (a texture, a host array, or in webgpu mode a Promise of a device buffer).
 */
export class GpuStorage implements Storage {
  readonly device = 'gpu' as const;
  /** Checks run on the values whenever this storage is read back (see `onReadback`). */
  readChecks: ReadbackCheck[] | null = null;
  constructor(readonly engine: Engine, readonly data: KernelResult, readonly length: number) {
    if (!(data instanceof Float32Array)) deviceMemory.register(this, data);
  }
  /** False in webgpu mode, whose results can only be read with `await t.data()`. */
  get syncReadable(): boolean {
    return this.engine.storage !== 'buffer';
  }
}

/**
 * Run `check` on `t`'s values when they are read back to the host (`toArray`, `toTypedArray`, `item`).
 * This is how the device path validates values without a readback per op: a fused op whose inputs can only
 * be inspected on the host (for NaN, say) attaches a check to its result, and the check costs nothing
 * unless the result is read. On the CPU the values are at hand, so `check` runs at once.
 *
 * ```ts
 * onReadback(loss, (v) => { if (v.some(Number.isNaN)) throw new Error('loss is NaN'); });
 * ```
 */
export function onReadback(t: Tensor, check: ReadbackCheck): void {
  if (t.storage instanceof GpuStorage) (t.storage.readChecks ??= []).push(check);
  else void check(t.toTypedArray());
}

/** Whether `t` can be read synchronously (`toArray`, `item`, ...): everywhere but gpu.js's webgpu mode. */
export function canReadSync(t: Tensor): boolean {
  return !(t.storage instanceof GpuStorage) || t.storage.syncReadable;
}

// GL textures and WebGPU buffers are not garbage collected: release each one when its storage is collected
const deviceMemory = new FinalizationRegistry<KernelResult>((t) => {
  try {
    if (t instanceof Promise) t.then((b) => b.delete(), () => undefined);
    else if (!(t instanceof Float32Array)) t.delete();
  } catch {
    // the context may be gone already
  }
});

/** The device memory of a 'gpu' tensor. */
export function storageOf(x: Tensor): GpuStorage {
  if (!(x.storage instanceof GpuStorage)) internal(`expected a gpu tensor, got device '${x.device}'`);
  return x.storage;
}

/** Refuse a dtype other than float32 (all gpu.js computes in). */
export function checkDType(op: string, dtype: DType): void {
  if (dtype !== 'float32') fail(op, `dtype ${dtype} is not supported on 'gpu' (gpu.js computes in float32), expected float32 (use .to('cpu') for float64)`);
}

/** The engine every input of an op shares (tensors made before setGpuMode() stay in their own mode). */
export function engineFor(op: string, xs: readonly Tensor[]): Engine {
  const engine = activeEngine();
  for (const x of xs) {
    const own = storageOf(x).engine;
    if (own !== engine) {
      fail(op, `a tensor was created in gpu.js mode '${own.mode}' but the active mode is '${engine.mode}', expected tensors of one mode (move it with .to('cpu').to('gpu'), or switch back with setGpuMode('${own.mode}'))`);
    }
  }
  return engine;
}

/**
 * webgpu queues a kernel only once its inputs' buffers exist. Until then the inputs' storages must stay
 * reachable: collecting one deletes its buffer (see deviceMemory), and the kernel would read a deleted buffer.
 * The result's own Promise holds them until it settles.
 */
export function keepAlive(result: KernelResult, inputs: readonly Tensor[]): KernelResult {
  if (result instanceof Promise) void result.then(() => inputs, () => inputs);
  return result;
}

/** A contiguous float32 'gpu' tensor of `shape` over the kernel result `data`. */
export function wrap(engine: Engine, data: KernelResult, shape: readonly number[]): Tensor {
  const size = sizeOf(shape);
  return new Tensor(new GpuStorage(engine, data, size), shape, contiguousStrides(shape), 0, 'float32');
}

/** A 'gpu' tensor of `shape` with no elements (no kernel runs). */
export function empty(engine: Engine, shape: readonly number[]): Tensor {
  return wrap(engine, new Float32Array(0), shape);
}

/** Run `spec` over `inputs` (each passed as its storage and offset) and wrap the result as `shape`. */
export function launch(engine: Engine, spec: KernelSpec, inputs: readonly Tensor[], shape: readonly number[]): Tensor {
  const args: KernelArg[] = [];
  for (const x of inputs) args.push(storageOf(x).data, x.offset);
  args.push(...(spec.scalars ?? []));
  return wrap(engine, keepAlive(runKernel(engine, spec, args, shape), inputs), shape);
}

/** `x` as a kernel generator's operand. */
export const operand = (x: Tensor): Operand => ({ strides: x.strides });

/** Backend.fromHost: upload host values (a texture or buffer in GL and webgpu modes). */
export function fromHost(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  checkDType('to', dtype);
  const engine = activeEngine();
  const size = sizeOf(shape);
  if (data.length !== size) internal(`fromHost: ${data.length} elements for shape [${shape.join(',')}]`);
  // before the copy; in the webasm and cpu modes no kernel runs, so this is the upload's only size guard
  checkLaunch(engine, 'to', shape);
  counters.uploads++;
  const host = data instanceof Float32Array ? data.slice() : Float32Array.from(data);
  // webasm and cpu modes keep typed arrays; GL modes upload once into a texture, webgpu into a buffer
  if (engine.storage === 'host' || size === 0) return wrap(engine, host, shape);
  const spec = elementwise('to', 'let y = v;', ['v'], [size], [{ strides: [1] }]);
  return wrap(engine, runKernel(engine, spec, [host, 0], shape), shape);
}

/** `x` as one contiguous device result of exactly its elements (a view is copied on the device first). */
function flatOnDevice(x: Tensor): GpuStorage {
  const s = storageOf(x);
  return x.offset === 0 && x.size === s.length && x.isContiguous() ? s : storageOf(copyIn(s.engine, x));
}

/** Backend.toHost: read `x` back synchronously, running its readback checks. */
export function toHost(x: Tensor, op = 'toTypedArray'): TypedArray {
  if (x.size === 0) return new Float32Array(0);
  const s = storageOf(x);
  if (!s.syncReadable) {
    fail(op, `a 'gpu' tensor in gpu.js mode '${s.engine.mode}' can only be read asynchronously (WebGPU maps buffers with mapAsync), expected \`await t.data()\` or \`await t.array()\``);
  }
  const data = flatOnDevice(x).data;
  counters.readbacks++;
  const values = readResult(data, x.size).slice();
  for (const check of s.readChecks ?? []) {
    if (check(values) instanceof Promise) internal('a readback check returned a Promise in a synchronous mode');
  }
  return values;
}

/** Backend.toHostAsync: read `x` back (webgpu maps its buffer asynchronously), running its readback checks. */
export async function toHostAsync(x: Tensor): Promise<TypedArray> {
  if (x.size === 0) return new Float32Array(0);
  const s = storageOf(x);
  if (s.syncReadable) return toHost(x);
  const flat = flatOnDevice(x);
  counters.readbacks++;
  const values = (await readResultAsync(flat.data, x.size)).slice();
  // `flat` and `s` are referenced after the await, so their buffers cannot be collected while being read
  void flat;
  for (const check of s.readChecks ?? []) await check(values);
  return values;
}

/** A contiguous copy of `x` on the device, in `engine`. */
export function copyIn(engine: Engine, x: Tensor): Tensor {
  if (x.size === 0) return empty(engine, x.shape);
  return launch(engine, elementwise('copy', 'let y = v;', ['v'], x.shape, [operand(x)]), [x], x.shape);
}
