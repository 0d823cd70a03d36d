// Layer: tensor/backends/gpu. The GPU backend: float32 tensors whose storage is a gpu.js result that stays
// on the device (a pipeline texture in GL modes; a typed array in the webasm and cpu modes). Every kernel
// reads its inputs in place through their strides, so views never copy and nothing is read back until
// toHost. gpu.js itself is loaded on first use (load.ts). This file holds the Backend methods, the mode and
// info API and runGpuKernel; device memory, uploads and readbacks are in storage.ts. Imports tensor core
// files and this folder.
import type { ArgReduceOp, Backend, ReduceOp, ScanOp } from '../../backend';
import type { BinaryKernel, UnaryKernel } from '../../elementwise/declare';
import type { DType } from '../../dtype';
import { fail, internal } from '../../errors';
import { sizeOf } from '../../shape';
import { Tensor } from '../../tensor';
import { CpuStorage } from '../../storage';
import { planWalk } from '../../layout';
import { cpuBackend } from '../cpu';
import {
  activeEngine, activeModeIfChosen, availableModes, checkLaunch, counters, fallbacks, probeWebGpu, requestedMode,
  resetActive, runKernel, selectMode, unavailableModes, type Engine, type GpuMode,
} from './engine';
import type { KernelSpec } from './codegen';
import * as K from './kernels';
import { scan, scanBlock, scanTotals } from './scan';
import type { KernelArg } from './load';
import {
  checkDType, copyIn, empty, engineFor, fromHost, keepAlive, launch, operand, storageOf, toHost, toHostAsync, wrap,
} from './storage';
export { useGpuJs } from './load';

export type { GpuMode } from './engine';
export { GpuStorage, onReadback, canReadSync, type ReadbackCheck } from './storage';

function full(shape: readonly number[], value: number, dtype: DType): Tensor {
  checkDType('full', dtype);
  const engine = activeEngine();
  const size = sizeOf(shape);
  if (size === 0) return empty(engine, shape);
  return wrap(engine, runKernel(engine, K.fill(size), [value], shape), shape);
}

function copy(x: Tensor): Tensor {
  return copyIn(engineFor('copy', [x]), x);
}

function unary(op: UnaryKernel, x: Tensor): Tensor {
  const engine = engineFor(op.name, [x]);
  if (x.size === 0) return empty(engine, x.shape);
  return launch(engine, K.elementwise(op.name, op.gpu, ['v'], x.shape, [operand(x)]), [x], x.shape);
}

function binary(op: BinaryKernel, a: Tensor, b: Tensor): Tensor {
  const engine = engineFor(op.name, [a, b]);
  if (a.size === 0) return empty(engine, a.shape);
  return launch(engine, K.elementwise(op.name, op.gpu, ['u', 'w'], a.shape, [operand(a), operand(b)]), [a, b], a.shape);
}

function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const engine = engineFor('where', [cond, a, b]);
  if (a.size === 0) return empty(engine, a.shape);
  const spec = K.elementwise('where', 'let y = c !== 0 ? u : w;', ['c', 'u', 'w'], a.shape, [operand(cond), operand(a), operand(b)]);
  return launch(engine, spec, [cond, a, b], a.shape);
}

/** Reductions longer than this run in two passes (partial results of CHUNK elements, then those). */
const TWO_PASS_OVER = 16384;
const CHUNK = 4096;

function reduce(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  const engine = engineFor(op, [x]);
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  if (sizeOf(outShape) === 0) return empty(engine, outShape);
  if (n === 0) return full(outShape, K.REDUCE_SRC[op].init === 'first' ? (op === 'max' ? -Infinity : Infinity) : Number(K.REDUCE_SRC[op].init), 'float32');
  // a long reduction along one (collapsible) run: partial results first, so no thread loops over everything
  const red = planWalk(axes.map((a) => x.shape[a]!), [axes.map((a) => x.strides[a]!)]);
  if (n > TWO_PASS_OVER && red.shape.length === 1) {
    const chunks = Math.ceil(n / CHUNK);
    const partial = launch(engine, K.reduce(op, x.shape, operand(x), axes, chunks), [x], [...outShape, chunks]);
    return reduce(op, partial, [outShape.length]);
  }
  // several reduced runs, long in total: one axis at a time (the last first), so that no loop is longer
  // than an axis and a long axis takes the two passes above (nested loops would also meet maxLoop sooner)
  if (n > TWO_PASS_OVER) return reduce(op, reduce(op, x, [axes[axes.length - 1]!]), axes.slice(0, -1));
  return launch(engine, K.reduce(op, x.shape, operand(x), axes), [x], outShape);
}

function argReduce(op: ArgReduceOp, x: Tensor, axis: number): Tensor {
  const engine = engineFor(op, [x]);
  const outShape = x.shape.filter((_, i) => i !== axis);
  if (sizeOf(outShape) === 0) return empty(engine, outShape);
  return launch(engine, K.argReduce(op, x.shape, operand(x), axis), [x], outShape);
}

function matmul(a: Tensor, b: Tensor): Tensor {
  const engine = engineFor('matmul', [a, b]);
  const nd = a.ndim;
  const n = b.shape[nd - 1]!;
  const outShape = [...a.shape.slice(0, nd - 1), n];
  if (sizeOf(outShape) === 0) return empty(engine, outShape);
  if (a.shape[nd - 1] === 0) return full(outShape, 0, 'float32');
  // In the webasm and cpu modes the storage is a host Float32Array and gpu.js runs the kernel as a
  // JavaScript loop per output cell (~250 ms for 512x512). The CPU backend's blocked WebAssembly SIMD gemm
  // computes the same float32 product on those very arrays in ~10 ms, reading the same strides (views
  // stay zero-copy, nothing is uploaded or read back), so those modes use it. GL modes keep the gpu.js kernel.
  if (engine.storage === 'host') {
    checkLaunch(engine, 'matmul', outShape); // no kernel runs: the size guard is called here
    return hostMatmul(engine, a, b);
  }
  return launch(engine, K.matmul(a.shape, operand(a), operand(b), n), [a, b], outShape);
}

/** matmul on host-array storage (webasm and cpu modes) by the CPU backend's gemm, on the same arrays. */
function hostMatmul(engine: Engine, a: Tensor, b: Tensor): Tensor {
  const onHost = (x: Tensor) => {
    const data = storageOf(x).data;
    if (!(data instanceof Float32Array)) return internal(`matmul: gpu.js mode '${engine.mode}' holds a texture, expected a Float32Array`);
    return new Tensor(new CpuStorage(data), x.shape, x.strides, x.offset, 'float32');
  };
  const c = cpuBackend.matmul(onHost(a), onHost(b));
  counters.kernelRuns++;
  const data = (c.storage as CpuStorage).data;
  if (!(data instanceof Float32Array)) return internal('matmul: the CPU gemm returned a non-float32 result');
  return wrap(engine, data, c.shape);
}


function concat(xs: readonly Tensor[], axis: number): Tensor {
  const engine = engineFor('concat', xs);
  const parts = xs.filter((x) => x.size > 0);
  const shape = xs[0]!.shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  if (sizeOf(shape) === 0) return empty(engine, shape);
  const group = engine.maxInputs;
  if (parts.length > group) {
    // concatenation is associative: join groups, then join the groups' results
    const groups: Tensor[] = [];
    for (let i = 0; i < parts.length; i += group) groups.push(concat(parts.slice(i, i + group), axis));
    return concat(groups, axis);
  }
  return launch(engine, K.concat(parts.map((x) => x.shape), parts.map(operand), axis), parts, shape);
}

function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const engine = engineFor('gather', [x, index]);
  if (index.size === 0) return empty(engine, index.shape);
  return launch(engine, K.gather(index.shape, operand(x), operand(index), axis, x.shape[axis]!), [x, index], index.shape);
}

function scatterAdd(shape: readonly number[], axis: number, index: Tensor, src: Tensor): Tensor {
  const engine = engineFor('scatterAdd', [index, src]);
  if (sizeOf(shape) === 0) return empty(engine, shape);
  if (index.size === 0) return full(shape, 0, 'float32');
  return launch(engine, K.scatterAdd(shape, index.shape, operand(index), operand(src), axis), [src, index], shape);
}

/** cumsum/cumprod: one kernel, or for a long axis block totals first, then the scan reading them (scan.ts). */
function cumulative(op: ScanOp, x: Tensor, axis: number, reverse: boolean): Tensor {
  const engine = engineFor(op === 'sum' ? 'cumsum' : 'cumprod', [x]);
  if (x.size === 0) return empty(engine, x.shape);
  const n = x.shape[axis]!, block = scanBlock(n);
  if (block >= n) return launch(engine, scan(op, x.shape, operand(x), axis, reverse), [x], x.shape);
  const totals = launch(engine, scanTotals(op, x.shape, operand(x), axis, block), [x], x.shape.map((d, i) => (i === axis ? Math.ceil(n / block) : d)));
  return launch(engine, scan(op, x.shape, operand(x), axis, reverse, block), [x, totals], x.shape);
}

const backend: Backend = {
  device: 'gpu',
  fromHost,
  toHost,
  toHostAsync,
  full,
  copy,
  unary,
  binary,
  where,
  reduce,
  argReduce,
  matmul,
  concat,
  gather,
  scatterAdd,
  cumulative,
};

/** The GPU backend. gpu.js is loaded when the first 'gpu' tensor is made, not before. */
export function gpuBackend(): Backend {
  return backend;
}

/**
 * Choose the gpu.js mode for 'gpu' tensors made from now on; 'auto' (the default) picks the best that
 * works here: webgpu, headlessgl, webgl2, webgl, webasm, cpu. The environment variable PROPEL_GPU_MODE
 * sets the same default. Throws when the mode cannot run here, with the reason.
 *
 * ```ts
 * setGpuMode('webasm');
 * gpuInfo().mode;   // 'webasm'
 * ```
 */
export function setGpuMode(mode: GpuMode | 'auto'): void {
  selectMode(mode);
}

/**
 * Probe every gpu.js mode, webgpu included, then choose the mode for 'gpu' tensors made from now on:
 * `mode` when given (as setGpuMode), else what was requested before (setGpuMode, PROPEL_GPU_MODE, 'auto').
 * Whether a WebGPU adapter exists is only known asynchronously, so webgpu is chosen (automatically or by
 * name) only after this has been awaited; without it, 'auto' picks the best of the other modes. Call it
 * before making 'gpu' tensors. Resolves to `gpuInfo()`; rejects when the mode asked for cannot run here.
 *
 * ```ts
 * await initGpu();            // webgpu where an adapter exists, else headlessgl, webgl2, webgl, webasm, cpu
 * gpuInfo().mode;             // e.g. 'webgpu'
 * const x = tensor([1, 2, 3], { device: 'gpu' });
 * await x.exp().data();       // webgpu tensors are read asynchronously
 * ```
 */
export async function initGpu(mode?: GpuMode | 'auto'): Promise<GpuInfo> {
  await probeWebGpu();
  if (mode === undefined) resetActive();
  else selectMode(mode);
  activeEngine();
  return gpuInfo();
}

/** What the GPU backend runs on, and counters that show what it did (snapshots: reading them changes nothing). */
export interface GpuInfo {
  /** The mode new 'gpu' tensors use (null when gpu.js cannot run here at all; `error` says why). */
  readonly mode: GpuMode | null;
  /** What was asked for: setGpuMode(), else PROPEL_GPU_MODE, else 'auto'. */
  readonly requested: GpuMode | 'auto';
  /** Modes that work here, best first. */
  readonly availableModes: readonly GpuMode[];
  /** Why each other mode does not. */
  readonly unavailable: Partial<Record<GpuMode, string>>;
  /** Device-to-host reads (one per toHost of a gpu tensor): a chain of ops adds none until the end. */
  readonly readbacks: number;
  /** Host-to-device uploads (fromHost). */
  readonly uploads: number;
  readonly kernelRuns: number;
  readonly kernelsCompiled: number;
  /** Kernels gpu.js moved to another backend behind our back ("mode|kernel: reason"); should be empty. */
  readonly fallbacks: readonly string[];
  /** Largest tensor the active mode holds, and its texture side limit in GL modes. */
  readonly maxElements: number | null;
  readonly maxTextureSize: number | null;
  /** The most iterations one kernel loop may make: 2^24, or less where the device stops loops early. */
  readonly maxLoop: number | null;
  /** Whether the active mode reads back synchronously (false in webgpu mode: use `await t.data()`). */
  readonly syncReadback: boolean | null;
  /** The WebGPU adapter in webgpu mode (its description, vendor, architecture), else null. */
  readonly adapter: string | null;
  readonly error?: string;
}

/** Report the GPU backend's mode, the modes available here, and its counters. Loads gpu.js. */
export function gpuInfo(): GpuInfo {
  const base = {
    requested: requestedMode(),
    readbacks: counters.readbacks,
    uploads: counters.uploads,
    kernelRuns: counters.kernelRuns,
    kernelsCompiled: counters.kernelsCompiled,
    fallbacks: [...fallbacks].map(([k, why]) => `${k}: ${why}`),
  };
  try {
    const engine = activeEngine();
    return {
      ...base,
      mode: engine.mode,
      availableModes: availableModes(),
      unavailable: unavailableModes(),
      maxElements: engine.maxElements,
      maxTextureSize: engine.maxTextureSize,
      maxLoop: engine.maxLoop,
      syncReadback: engine.storage !== 'buffer',
      adapter: engine.adapter,
    };
  } catch (e) {
    let modes: GpuMode[] = [];
    let unavailable: Partial<Record<GpuMode, string>> = {};
    try {
      modes = availableModes();
      unavailable = unavailableModes();
    } catch {
      // gpu.js itself failed to load: the error says so
    }
    return {
      ...base, mode: activeModeIfChosen(), availableModes: modes, unavailable, maxElements: null, maxTextureSize: null,
      maxLoop: null,
      syncReadback: null, adapter: null,
      error: e instanceof Error ? e.message : String(e),
    };
  }
}

/** A custom gpu.js kernel over 'gpu' tensors, for `runGpuKernel`. */
export interface GpuKernelCall {
  /** Names the kernel in errors and in the compiled-kernel cache. */
  readonly name: string;
  /**
   * gpu.js kernel source: a plain `function` (no arrow function, closure or outside helper: gpu.js parses
   * it) whose parameters are each input's storage and element offset in order (`x0, o0, x1, o1, ...`),
   * then one parameter per scalar. It returns the element at the flat row-major index `this.thread.x` of
   * the output. Inputs are read in place: element `idx` of input j is `x<j>[o<j> + sum(idx[d] * strides[d])]`
   * with that tensor's `strides`, which the source writes in as literals (so views need no copy). Shapes
   * and strides written into the source make a new kernel; scalars do not (they are runtime arguments).
   * `gpuSource` has the helpers the built-in kernels write theirs with (index split, addresses).
   */
  readonly source: string;
  /** Shape of the result (a new contiguous float32 'gpu' tensor). */
  readonly output: readonly number[];
  /** 'gpu' float32 tensors, all made in the active gpu.js mode. */
  readonly inputs: readonly Tensor[];
  /** Numbers passed after the inputs (float32 in GL modes). */
  readonly scalars?: readonly number[];
  /**
   * The largest trip count of any loop in the source: gpu.js's `loopMaxIterations` is set to it, since
   * its default (1,000) silently stops longer loops on GL.
   */
  readonly loopBound: number;
}

/**
 * Run a custom gpu.js kernel on device-resident tensors and return its result as a 'gpu' tensor, with the
 * backend's guard rails: size checked against the mode's limits, `loopMaxIterations` from `loopBound`,
 * compiled once and cached by name, source and input sizes, no readback (counted in `gpuInfo()`).
 * For fused ops a package needs on the device (e.g. the PROPEL loss); the built-in ops use the same path.
 *
 * ```ts
 * const x = tensor([1, 2, 3, 4], { device: 'gpu' });
 * // y[k] = x[k] * scale + x[3 - k]
 * const y = runGpuKernel({
 *   name: 'axpyReversed', output: [4], inputs: [x], scalars: [10], loopBound: 1,
 *   source: `function(x0, o0, scale) {
 *     return x0[o0 + this.thread.x] * scale + x0[o0 + 3 - this.thread.x];
 *   }`,
 * });
 * y.toArray();   // [14, 23, 32, 41]
 * ```
 */
export function runGpuKernel(call: GpuKernelCall): Tensor {
  const { name, source, output, inputs, scalars = [], loopBound } = call;
  inputs.forEach((x, j) => {
    if (!(x instanceof Tensor) || x.device !== 'gpu') fail(name, `input ${j} must be a 'gpu' tensor, got ${x instanceof Tensor ? `device '${x.device}'` : typeof x}`);
    checkDType(name, x.dtype);
  });
  scalars.forEach((v, j) => {
    if (typeof v !== 'number') fail(name, `scalar ${j} must be a number, got ${typeof v}`);
  });
  if (!output.every((d) => Number.isInteger(d) && d >= 0)) fail(name, `output shape must be non-negative integers, got [${output.join(',')}]`);
  if (!(Number.isInteger(loopBound) && loopBound >= 0)) fail(name, `loopBound must be a non-negative integer, got ${String(loopBound)}`);
  const engine = engineFor(name, inputs);
  if (inputs.length > engine.maxInputs) fail(name, `${inputs.length} inputs, expected at most ${engine.maxInputs} in gpu.js mode '${engine.mode}' (a kernel binds only so many textures or buffers)`);
  const size = sizeOf(output);
  if (size === 0) return empty(engine, output);
  const spec: KernelSpec = { op: name, key: `custom|${name}|${source}`, source, size, loopMax: loopBound };
  const args: KernelArg[] = [];
  for (const x of inputs) args.push(storageOf(x).data, x.offset);
  args.push(...scalars);
  return wrap(engine, keepAlive(runKernel(engine, spec, args, output), inputs), output);
}
