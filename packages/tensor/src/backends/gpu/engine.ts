// Layer: tensor/backends/gpu. The gpu.js side of the GPU backend: which mode runs (chosen best first,
// overridable), one gpu.js instance per mode, the compiled-kernel cache, size guard rails and counters.
// Imports the loader, the kernel spec type and errors.
import { fail, fmtShape, internal } from '../../errors';
import type { KernelSpec } from './codegen';
import {
  envGpuMode, loadGpuJs, type GpuJsBuffer, type GpuJsInstance, type GpuJsKernel, type KernelArg, type KernelResult,
} from './load';

/** A gpu.js mode this backend knows about, best first. */
export type GpuMode = 'webgpu' | 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';
/** Automatic selection order: the first usable mode wins. */
export const GPU_MODES: readonly GpuMode[] = ['webgpu', 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];
const GL_MODES: readonly GpuMode[] = ['headlessgl', 'webgl2', 'webgl'];

/**
 * Outputs are 1-D and indexed with float32 arithmetic in the kernels: exact below 2^24. Loop counters are
 * float32 too where gpu.js has no integers (webasm): a loop of more than 2^24 trips never ends.
 */
export const MAX_INDEX = 2 ** 24;

/**
 * Where a mode keeps results: device textures (GL modes), device buffers read back asynchronously
 * (webgpu), or host typed arrays (webasm, cpu).
 */
export type StorageKind = 'texture' | 'buffer' | 'host';

/** One gpu.js instance in one mode, with its kernel cache. */
export interface Engine {
  readonly mode: GpuMode;
  readonly gpu: GpuJsInstance;
  readonly storage: StorageKind;
  /** The largest output this mode can hold (2^24, and the texture or buffer limit of the device). */
  readonly maxElements: number;
  readonly maxTextureSize: number | null;
  /**
   * The most trips one kernel loop makes: MAX_INDEX, or less where the probe saw the device stop a loop
   * early (Mesa's llvmpipe stops every loop after 65,535 iterations, without a word).
   */
  maxLoop: number;
  /**
   * The most inputs one kernel reads: GL kernels bind only so many textures (8 is safe everywhere), and
   * WebGPU's default allows 8 storage buffers per shader stage, the output included.
   */
  readonly maxInputs: number;
  /** The WebGPU adapter's description (webgpu mode), e.g. 'SwiftShader driver 5.0.0'. */
  readonly adapter: string | null;
  readonly kernels: Map<string, GpuJsKernel>;
}

/** Counters for tests and benchmarks (read-only snapshots through gpuInfo()). */
export const counters = { readbacks: 0, uploads: 0, kernelRuns: 0, kernelsCompiled: 0 };
/** Kernels gpu.js silently moved to another backend (e.g. its cpu fallback): key → reason. */
export const fallbacks = new Map<string, string>();

const engines = new Map<GpuMode, Engine>();
const probes = new Map<GpuMode, string | null>();
let requested: GpuMode | 'auto' | undefined;
let active: Engine | undefined;

export function isGpuMode(x: unknown): x is GpuMode {
  return typeof x === 'string' && (GPU_MODES as readonly string[]).includes(x);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface WebGpuAdapter {
  readonly limits?: { readonly maxStorageBufferBindingSize?: number };
  readonly info?: { readonly description?: string; readonly vendor?: string; readonly architecture?: string };
}
interface WebGpuNavigator { requestAdapter(): Promise<WebGpuAdapter | null> }

function webGpuNavigator(): WebGpuNavigator | undefined {
  return (globalThis as { navigator?: { gpu?: WebGpuNavigator } }).navigator?.gpu;
}

function createEngine(mode: GpuMode, adapter?: WebGpuAdapter): Engine {
  const { GPU } = loadGpuJs();
  const gpu = new GPU({ mode });
  const storage: StorageKind = mode === 'webgpu' ? 'buffer' : GL_MODES.includes(mode) ? 'texture' : 'host';
  const maxTextureSize = storage === 'texture' ? gpu.Kernel.features?.maxTextureSize ?? null : null;
  // a 1-D output of n elements is laid out by gpu.js in a near-square texture of side ceil(sqrt(n));
  // a webgpu output is one storage buffer, bounded by the adapter's binding size
  const bufferLimit = Math.floor((adapter?.limits?.maxStorageBufferBindingSize ?? 4 * MAX_INDEX) / 4);
  const maxElements = storage === 'texture' && maxTextureSize !== null
    ? Math.min(MAX_INDEX, maxTextureSize * maxTextureSize)
    : storage === 'buffer' ? Math.min(MAX_INDEX, bufferLimit) : MAX_INDEX;
  const info = adapter?.info;
  const name = info ? [info.description, info.vendor, info.architecture].filter((x) => x).join(' / ') : '';
  const maxInputs = storage === 'buffer' ? 7 : 8;
  return { mode, gpu, storage, maxElements, maxTextureSize, maxLoop: MAX_INDEX, maxInputs, adapter: storage === 'buffer' ? name || 'unknown adapter' : null, kernels: new Map() };
}

// read [0..9] as a 3x3 view with strides [1, 3] at offset 1 (a transpose): catches a broken context
const PROBE: KernelSpec = {
  op: 'probe', key: 'probe', size: 9, loopMax: 1,
  source: 'function(x0, o0) {\n  let q = Math.floor(this.thread.x / 3);\n  let p = this.thread.x - q * 3;\n  return x0[o0 + q + p * 3] * 2;\n}',
};
const PROBE_WANT = [2, 8, 14, 4, 10, 16, 6, 12, 18];
const probeInput = () => Float32Array.from({ length: 10 }, (_, i) => i);

// one thread adds x0[1] = 1 MAX_INDEX times (an input, so no compiler can fold the loop): the sum is the
// number of trips the device really made (exact in float32 up to 2^24)
const LOOP_PROBE: KernelSpec = {
  op: 'probe', key: 'probe-loop', size: 1, loopMax: MAX_INDEX,
  source: `function(x0, o0) {\n  let acc = 0;\n  for (let r = 0; r < ${MAX_INDEX}; r++) { acc = acc + x0[o0]; }\n  return acc;\n}`,
};
/** engine.maxLoop from the loop probe's answer (`got` trips of MAX_INDEX). GL and WebGPU modes only. */
function setMaxLoop(engine: Engine, got: number): void {
  engine.maxLoop = got >= MAX_INDEX ? MAX_INDEX : Math.max(0, Math.floor(got));
}

/** Why the probe kernel's answer `got` shows `engine` cannot be trusted, or null when it is right. */
function probeVerdict(engine: Engine, got: readonly number[]): string | null {
  if (got.some((v, i) => v !== PROBE_WANT[i])) return `a test kernel gave [${got.join(',')}], expected [${PROBE_WANT.join(',')}]`;
  return fallbacks.get(`${engine.mode}|probe`) ?? null;
}

/** Why `mode` cannot run here, or null when it can (checked once: a small strided kernel must give the right answer). */
function probe(mode: GpuMode): string | null {
  // webgpu needs navigator.gpu now, whatever an earlier probe found (a test may have taken it away)
  if (mode === 'webgpu' && !webGpuNavigator()) return WEBGPU_MISSING;
  const known = probes.get(mode);
  if (known !== undefined) return known;
  // whether a WebGPU adapter exists is only known asynchronously: initGpu() probes webgpu
  if (mode === 'webgpu') return WEBGPU_NOT_PROBED;
  let reason: string | null = null;
  try {
    reason = staticReason(mode);
    if (reason === null) {
      const engine = createEngine(mode);
      reason = probeVerdict(engine, Array.from(readResult(runKernel(engine, PROBE, [probeInput(), 1]), 9)));
      if (reason === null && engine.storage !== 'host') setMaxLoop(engine, readResult(runKernel(engine, LOOP_PROBE, [probeInput(), 1]), 1)[0]!);
      if (reason === null) engines.set(mode, engine);
    }
  } catch (e) {
    reason = message(e);
  }
  probes.set(mode, reason);
  return reason;
}

const WEBGPU_MISSING = 'navigator.gpu is missing (no WebGPU in this runtime; in Node, install the `webgpu` package and set navigator.gpu, see docs/gpu.md)';
const WEBGPU_NOT_PROBED = 'navigator.gpu is present but not probed yet: whether a WebGPU adapter exists is only known asynchronously, expected `await initGpu()` first';

/**
 * Probe webgpu (once): ask navigator.gpu for an adapter, then run the probe kernel and read it back.
 * Resolves to null when webgpu works here, else the reason.
 */
export function probeWebGpu(): Promise<string | null> {
  const nav = webGpuNavigator();
  if (!nav) return Promise.resolve(WEBGPU_MISSING);
  const known = probes.get('webgpu');
  if (known !== undefined) return Promise.resolve(known);
  webGpuProbe ??= (async (): Promise<string | null> => {
    try {
      if (!loadGpuJs().GPU.isWebGPUSupported) return 'gpu.js reports WebGPU as unsupported here';
      const adapter = await nav.requestAdapter();
      if (!adapter) return 'navigator.gpu is present but requestAdapter() gave no adapter (no WebGPU device here)';
      const engine = createEngine('webgpu', adapter);
      const got = await readResultAsync(runKernel(engine, PROBE, [probeInput(), 1]), 9);
      const reason = probeVerdict(engine, Array.from(got));
      if (reason === null) setMaxLoop(engine, (await readResultAsync(runKernel(engine, LOOP_PROBE, [probeInput(), 1]), 1))[0]!);
      if (reason === null) engines.set('webgpu', engine);
      return reason;
    } catch (e) {
      return message(e);
    }
  })().then((reason) => {
    probes.set('webgpu', reason);
    return reason;
  });
  return webGpuProbe;
}
let webGpuProbe: Promise<string | null> | undefined;

function staticReason(mode: GpuMode): string | null {
  const { GPU } = loadGpuJs();
  switch (mode) {
    case 'webgpu':
      return webGpuNavigator() ? null : WEBGPU_MISSING;
    case 'headlessgl':
      return GPU.isHeadlessGLSupported ? null : 'headless-gl (the native `gl` package) is missing or cannot create a context (in Node it needs a display: run under xvfb-run)';
    case 'webgl2':
      return GPU.isWebGL2Supported ? null : 'WebGL2 is not available (browsers only)';
    case 'webgl':
      return GPU.isWebGLSupported ? null : 'WebGL is not available (browsers only)';
    case 'webasm':
      return GPU.isWebAssemblySupported ? null : 'WebAssembly is not available';
    case 'cpu':
      return null;
    default: {
      const never: never = mode;
      return `unknown mode ${String(never)}`;
    }
  }
}

/** Modes that work here, best first (probing each once). */
export function availableModes(): GpuMode[] {
  return GPU_MODES.filter((m) => probe(m) === null);
}

/** Why each unusable mode cannot run here. */
export function unavailableModes(): Partial<Record<GpuMode, string>> {
  const out: Partial<Record<GpuMode, string>> = {};
  for (const m of GPU_MODES) {
    const reason = probe(m);
    if (reason !== null) out[m] = reason;
  }
  return out;
}

function parseMode(source: string, value: string): GpuMode | 'auto' {
  if (value === 'auto' || isGpuMode(value)) return value;
  return fail('gpu', `${source} is ${JSON.stringify(value)}, expected one of 'auto', ${GPU_MODES.map((m) => `'${m}'`).join(', ')}`);
}

/** The mode asked for: setGpuMode(), else PROPEL_GPU_MODE, else automatic. */
export function requestedMode(): GpuMode | 'auto' {
  if (requested !== undefined) return requested;
  const env = envGpuMode();
  return env === undefined ? 'auto' : parseMode('PROPEL_GPU_MODE', env);
}

/** The engine new GPU tensors are made with (chosen on first use). */
export function activeEngine(): Engine {
  if (active) return active;
  const want = requestedMode();
  // without gpu.js (an optional peer dependency) no mode can run: say which package to install
  try {
    loadGpuJs();
  } catch (e) {
    return fail('gpu', message(e));
  }
  let mode: GpuMode | undefined;
  if (want === 'auto') {
    try {
      mode = GPU_MODES.find((m) => probe(m) === null);
    } catch (e) {
      return fail('gpu', message(e));
    }
  } else {
    const reason = probe(want);
    if (reason !== null) fail('gpu', `gpu.js mode '${want}' is not available here: ${reason}`);
    mode = want;
  }
  if (mode === undefined) {
    const why = Object.entries(unavailableModes()).map(([m, r]) => `${m}: ${r}`).join('; ');
    return fail('gpu', `no gpu.js mode is available here (${why})`);
  }
  active = engines.get(mode)!;
  return active;
}

/** Select the gpu.js mode for tensors created from now on ('auto': best available). Throws if unavailable. */
export function selectMode(mode: GpuMode | 'auto'): void {
  const want = parseMode('setGpuMode: mode', mode);
  if (want !== 'auto') {
    const reason = probe(want);
    if (reason !== null) fail('setGpuMode', `gpu.js mode '${want}' is not available here: ${reason}`);
  }
  requested = want;
  active = undefined;
}

/** Forget the chosen engine: the next 'gpu' tensor chooses again (after a new probe, e.g. of webgpu). */
export function resetActive(): void {
  active = undefined;
}

/** The mode in use when one has been chosen, without choosing one. */
export function activeModeIfChosen(): GpuMode | null {
  return active ? active.mode : null;
}

/**
 * Throw before any work when `engine` cannot produce a result of `shape` (its element count and texture or
 * buffer limits: `maxElements`) with loops of up to `loopMax` trips (`maxLoop`). The one size guard of the
 * 'gpu' device: runKernel calls it for every kernel, and the paths that make device storage without a
 * kernel (uploads and the host gemm in the webasm and cpu modes) call it themselves.
 */
export function checkLaunch(engine: Engine, op: string, shape: readonly number[], loopMax = 0): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > engine.maxElements) {
    const limit = engine.storage === 'texture'
      ? `${engine.maxElements} (a ${engine.maxTextureSize}x${engine.maxTextureSize} texture, and 2^24 for float32 indexing)`
      : engine.storage === 'buffer' ? `${engine.maxElements} (the adapter's storage buffer limit, and 2^24 for float32 indexing)` : `${engine.maxElements} (2^24: kernels index in float32)`;
    fail(op, `output of ${size} elements (shape ${fmtShape(shape)}) is too large for gpu.js mode '${engine.mode}': at most ${limit}, expected a smaller tensor (or use device 'cpu')`);
  }
  if (loopMax > engine.maxLoop) {
    const why = engine.maxLoop < MAX_INDEX ? 'this device stops longer loops early' : 'loop counters are float32';
    fail(op, `a loop of ${loopMax} iterations (output shape ${fmtShape(shape)}) is too long for gpu.js mode '${engine.mode}': at most ${engine.maxLoop} (${why}), expected a shorter reduced or inner dimension (or use device 'cpu')`);
  }
}

/**
 * Run `spec` on `engine` with `args`, compiling it on first use (cached by key and argument layout).
 * `shape` is the result's shape, for the size guard's message (default: the flat output).
 */
export function runKernel(engine: Engine, spec: KernelSpec, args: readonly KernelArg[], shape: readonly number[] = [spec.size]): KernelResult {
  checkLaunch(engine, spec.op, shape, spec.loopMax);
  // a GL kernel silently misreads an argument whose texture size changed: input lengths are part of the key
  // (webgpu reads each buffer's size at run time), and so is the output size (a custom kernel's source
  // need not mention it)
  const argKey = args.map((a) => (typeof a === 'number' ? 'n' : a instanceof Float32Array ? `a${a.length}` : a instanceof Promise ? 'b' : `t${textureLength(a)}`)).join(',');
  const key = `${spec.key}|${spec.size}|${argKey}`;
  let kernel = engine.kernels.get(key);
  const failed = (e: unknown) => fail(spec.op, `gpu.js mode '${engine.mode}' failed to run the kernel: ${message(e)}`);
  const run = (k: GpuJsKernel, values: readonly KernelArg[]): KernelResult => {
    const out = k(...values);
    const ran = k.kernel?.constructor;
    if (ran !== undefined && ran !== (engine.gpu.Kernel as unknown) && !fallbacks.has(`${engine.mode}|${spec.key}`)) {
      fallbacks.set(`${engine.mode}|${spec.key}`, k.kernel?.fallbackReason ?? `gpu.js ran '${spec.op}' on another backend`);
    }
    return out;
  };
  try {
    if (!kernel) {
      kernel = engine.gpu.createKernel(spec.source, {
        output: [spec.size],
        pipeline: true,
        immutable: true,
        precision: 'single',
        tactic: 'precision',
        loopMaxIterations: Math.max(1, spec.loopMax),
      });
      engine.kernels.set(key, kernel);
      counters.kernelsCompiled++;
    }
    counters.kernelRuns++;
    if (engine.storage !== 'buffer') return run(kernel, args);
  } catch (e) {
    return failed(e);
  }
  // webgpu: inputs are Promises of device buffers. The kernel is queued once they resolve (gpu.js submits
  // in call order, and each result gets its own buffer), so ops chain without waiting for one another;
  // an error surfaces when the result is read (readResultAsync), with this op's name
  const k = kernel;
  const pending = Promise.all(args).then((values) => {
    let out: KernelResult;
    try {
      out = run(k, values);
    } catch (e) {
      return failed(e);
    }
    return (out as Promise<GpuJsBuffer>).catch(failed);
  });
  pending.catch(() => undefined); // an unread failed result must not be an unhandled rejection
  return pending;
}

/** Length of a texture's data as the kernel sees it (gpu.js records the output it was made for). */
function textureLength(t: KernelResult | GpuJsBuffer): number {
  const output = (t as { output?: readonly number[] }).output;
  return output ? output.reduce((a, b) => a * b, 1) : -1;
}

function firstElements(data: Float32Array | ArrayLike<number>, length: number): Float32Array {
  if (data instanceof Float32Array) return data.length === length ? data : data.slice(0, length);
  return Float32Array.from(data, (v) => v).slice(0, length);
}

/** A host copy of the first `length` elements of a kernel result (for textures: the readback). */
export function readResult(r: KernelResult, length: number): Float32Array {
  if (r instanceof Float32Array) return firstElements(r, length);
  if (r instanceof Promise) {
    return internal('readResult: a webgpu result cannot be read synchronously (callers check syncReadable and use readResultAsync)');
  }
  return firstElements(r.toArray(), length);
}

/** A host copy of the first `length` elements of a kernel result, in every mode (webgpu: mapAsync). */
export async function readResultAsync(r: KernelResult, length: number): Promise<Float32Array> {
  if (!(r instanceof Promise)) return readResult(r, length);
  const buffer = await r;
  return firstElements(await buffer.toArray(), length);
}
