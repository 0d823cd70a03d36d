// Layer: tensor/backends/gpu. Loads gpu.js on first use, so CPU-only code never touches it (nor its
// native `gl` addon), and describes the small part of its API this backend uses. The only file of the
// package that sees `require`; imports nothing at run time.

// The package compiles without @types/node: `require` exists in Node/CommonJS, and is checked before use.
declare const require: ((id: string) => unknown) | undefined;

/** A gpu.js pipeline result that stays on the device (GL modes); `toArray()` is the readback. */
export interface GpuJsTexture {
  toArray(): Float32Array | number[];
  delete(): void;
}

/**
 * A gpu.js webgpu pipeline result: a storage buffer that stays on the device. Reading it is asynchronous
 * (WebGPU maps buffers with `mapAsync`), so `toArray()` returns a Promise.
 */
export interface GpuJsBuffer {
  toArray(): Promise<Float32Array | number[]>;
  delete(): void;
}

/**
 * What a kernel returns: a texture in GL modes, a typed array in the webasm and cpu modes, and in webgpu
 * mode a Promise of a device buffer (gpu.js compiles and runs webgpu kernels asynchronously).
 */
export type KernelResult = GpuJsTexture | Float32Array | Promise<GpuJsBuffer>;
/** What a kernel accepts (in webgpu mode, buffers once their Promise has resolved). */
export type KernelArg = KernelResult | GpuJsBuffer | number;

/** A compiled gpu.js kernel (the callable `createKernel` returns). */
export interface GpuJsKernel {
  (...args: KernelArg[]): KernelResult;
  /** The backend kernel that actually ran (gpu.js may have switched it, or fallen back to cpu). */
  readonly kernel?: { readonly constructor: { readonly mode?: string }; readonly fallbackReason?: string | null };
  destroy(removeCanvasReferences?: boolean): void;
}

/** The settings this backend passes to `createKernel`. */
export interface GpuJsKernelSettings {
  output: number[];
  pipeline: boolean;
  immutable: boolean;
  precision: 'single';
  tactic: 'precision';
  loopMaxIterations: number;
}

export interface GpuJsInstance {
  createKernel(source: string, settings: GpuJsKernelSettings): GpuJsKernel;
  destroy(): void;
  readonly Kernel: { readonly mode: string; readonly features?: { readonly maxTextureSize?: number } | null };
}

export interface GpuJsModule {
  GPU: {
    new (settings: { mode: string }): GpuJsInstance;
    readonly isHeadlessGLSupported: boolean;
    readonly isWebGL2Supported: boolean;
    readonly isWebGLSupported: boolean;
    readonly isWebGPUSupported: boolean;
    readonly isWebAssemblySupported: boolean;
  };
}

let loaded: { module: GpuJsModule } | { error: string } | undefined;

/** gpu.js, loaded once; throws an Error with the reason when it cannot be loaded here. */
export function loadGpuJs(): GpuJsModule {
  if (!loaded) {
    try {
      const global = globalThis as { GPU?: unknown };
      // Node/CommonJS (and bundlers) resolve the package; a browser <script> build exposes globalThis.GPU
      const mod = typeof require === 'function' ? require('gpu.js') : global.GPU ? { GPU: global.GPU } : undefined;
      if (!mod || typeof (mod as { GPU?: unknown }).GPU !== 'function') throw new Error('gpu.js is not installed or exports no GPU class');
      loaded = { module: mod as GpuJsModule };
    } catch (e) {
      loaded = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  if ('error' in loaded) throw new Error(`could not load gpu.js: ${loaded.error}`);
  return loaded.module;
}

/** `PROPEL_GPU_MODE` from the environment when there is one (Node), without importing anything Node-only. */
export function envGpuMode(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = proc?.env?.PROPEL_GPU_MODE;
  return value === undefined || value === '' ? undefined : value;
}
