// Layer: tensor/backends/gpu. The gpu.js side of the GPU backend: which mode runs (chosen best first,
// overridable), one gpu.js instance per mode, the compiled-kernel cache, size guard rails and counters.
// Imports the loader, the kernel spec type and errors.
import { fail } from '../../errors';
import type { KernelSpec } from './kernels';
import { envGpuMode, loadGpuJs, type GpuJsInstance, type GpuJsKernel, type KernelArg, type KernelResult } from './load';

/** A gpu.js mode this backend knows about, best first. */
export type GpuMode = 'webgpu' | 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';
/** Automatic selection order: the first usable mode wins. */
export const GPU_MODES: readonly GpuMode[] = ['webgpu', 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];
const GL_MODES: readonly GpuMode[] = ['headlessgl', 'webgl2', 'webgl'];

/** Outputs are 1-D and indexed with float32 arithmetic in the kernels: exact below 2^24. */
export const MAX_INDEX = 2 ** 24;

/** One gpu.js instance in one mode, with its kernel cache. */
export interface Engine {
  readonly mode: GpuMode;
  readonly gpu: GpuJsInstance;
  /** Whether results are device textures (GL modes) rather than typed arrays (webasm, cpu). */
  readonly textures: boolean;
  /** The largest output this mode can hold (2^24, and the texture limit in GL modes). */
  readonly maxElements: number;
  readonly maxTextureSize: number | null;
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

function createEngine(mode: GpuMode): Engine {
  const { GPU } = loadGpuJs();
  const gpu = new GPU({ mode });
  const textures = GL_MODES.includes(mode);
  const maxTextureSize = textures ? gpu.Kernel.features?.maxTextureSize ?? null : null;
  // a 1-D output of n elements is laid out by gpu.js in a near-square texture of side ceil(sqrt(n))
  const maxElements = maxTextureSize === null ? MAX_INDEX : Math.min(MAX_INDEX, maxTextureSize * maxTextureSize);
  return { mode, gpu, textures, maxElements, maxTextureSize, kernels: new Map() };
}

/** Why `mode` cannot run here, or null when it can (checked once: a small strided kernel must give the right answer). */
function probe(mode: GpuMode): string | null {
  const known = probes.get(mode);
  if (known !== undefined) return known;
  let reason: string | null = null;
  try {
    reason = staticReason(mode);
    if (reason === null) {
      const engine = createEngine(mode);
      // read [0..9] as a 3x3 view with strides [1, 3] at offset 1 (a transpose): catches a broken context
      const spec: KernelSpec = {
        op: 'probe', key: 'probe', size: 9, loopMax: 1,
        source: 'function(x0, o0) {\n  let q = Math.floor(this.thread.x / 3);\n  let p = this.thread.x - q * 3;\n  return x0[o0 + q + p * 3] * 2;\n}',
      };
      const out = runKernel(engine, spec, [Float32Array.from({ length: 10 }, (_, i) => i), 1]);
      const got = Array.from(readResult(out, 9));
      const want = [2, 8, 14, 4, 10, 16, 6, 12, 18];
      if (got.some((v, i) => v !== want[i])) reason = `a test kernel gave [${got.join(',')}], expected [${want.join(',')}]`;
      else if (fallbacks.has(`${mode}|probe`)) reason = fallbacks.get(`${mode}|probe`)!;
      else engines.set(mode, engine);
    }
  } catch (e) {
    reason = message(e);
  }
  probes.set(mode, reason);
  return reason;
}

function staticReason(mode: GpuMode): string | null {
  const { GPU } = loadGpuJs();
  switch (mode) {
    case 'webgpu': {
      const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
      if (!nav?.gpu) return 'navigator.gpu is missing (no WebGPU in this runtime)';
      // gpu.js webgpu kernels return a Promise per call and have no synchronous readback, while the
      // Backend contract (toArray(), item()) is synchronous
      return 'gpu.js runs webgpu kernels asynchronously only (every call returns a Promise); the synchronous Backend contract cannot use them';
    }
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
  if (mode === undefined) return fail('gpu', 'no gpu.js mode is available here');
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

/** The mode in use when one has been chosen, without choosing one. */
export function activeModeIfChosen(): GpuMode | null {
  return active ? active.mode : null;
}

/** Run `spec` on `engine` with `args`, compiling it on first use (cached by key and argument layout). */
export function runKernel(engine: Engine, spec: KernelSpec, args: readonly KernelArg[]): KernelResult {
  if (spec.size > engine.maxElements) {
    const limit = engine.maxTextureSize === null
      ? `2^24 (kernels index in float32)`
      : `${engine.maxElements} (a ${engine.maxTextureSize}x${engine.maxTextureSize} texture, and 2^24 for float32 indexing)`;
    fail(spec.op, `output of ${spec.size} elements is too large for gpu.js mode '${engine.mode}': at most ${limit}, expected a smaller tensor (or use device 'cpu')`);
  }
  // a GL kernel silently misreads an argument whose texture size changed: input lengths are part of the key
  const argKey = args.map((a) => (typeof a === 'number' ? 'n' : a instanceof Float32Array ? `a${a.length}` : `t${textureLength(a)}`)).join(',');
  const key = `${spec.key}|${argKey}`;
  let kernel = engine.kernels.get(key);
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
    const out = kernel(...args);
    counters.kernelRuns++;
    const ran = kernel.kernel?.constructor;
    if (ran !== undefined && ran !== (engine.gpu.Kernel as unknown) && !fallbacks.has(`${engine.mode}|${spec.key}`)) {
      fallbacks.set(`${engine.mode}|${spec.key}`, kernel.kernel?.fallbackReason ?? `gpu.js ran '${spec.op}' on another backend`);
    }
    return out;
  } catch (e) {
    return fail(spec.op, `gpu.js mode '${engine.mode}' failed to run the kernel: ${message(e)}`);
  }
}

/** Length of a texture's data as the kernel sees it (gpu.js records the output it was made for). */
function textureLength(t: KernelResult): number {
  const output = (t as { output?: readonly number[] }).output;
  return output ? output.reduce((a, b) => a * b, 1) : -1;
}

/** A host copy of the first `length` elements of a kernel result (for textures: the readback). */
export function readResult(r: KernelResult, length: number): Float32Array {
  if (r instanceof Float32Array) return r.length === length ? r : r.slice(0, length);
  const data = r.toArray();
  if (data instanceof Float32Array && data.length === length) return data;
  return Float32Array.from((data as ArrayLike<number>), (v) => v).slice(0, length);
}
