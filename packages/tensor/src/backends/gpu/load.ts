// Layer: tensor/backends/gpu. Loads gpu.js on first use, so CPU-only code never touches it (nor its
// native `gl` addon), and describes the small part of its API this backend uses. The only file of the
// package that sees `require`; imports only the error type.

import { TensorError } from '../../errors';

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

/** The package name, kept out of a literal `require('gpu.js')` so that bundlers do not try to resolve it. */
const GPU_JS = 'gpu.js';

/**
 * Give the 'gpu' device the gpu.js module to use, before the first 'gpu' tensor: for bundled apps, where
 * the lazy `require('gpu.js')` of Node is not available (`import { GPU } from 'gpu.js'; useGpuJs({ GPU })`).
 * gpu.js is an optional peer dependency of @propel-ts/tensor: CPU-only users never install it.
 */
export function useGpuJs(module: { readonly GPU: unknown }): void {
  const GPU = (module as { GPU?: unknown } | null | undefined)?.GPU;
  if (!isGpuJsClass(GPU)) {
    throw new TensorError(`useGpuJs: module.GPU is ${GPU === null ? 'null' : typeof GPU === 'function' ? 'a class that is not gpu.js\'s' : typeof GPU}, expected gpu.js's GPU class (import { GPU } from 'gpu.js'; useGpuJs({ GPU }))`);
  }
  if (loaded && 'module' in loaded && loaded.module.GPU !== GPU) {
    throw new TensorError(`useGpuJs: gpu.js is already in use by the 'gpu' device, expected useGpuJs() before the first 'gpu' tensor`);
  }
  loaded = { module: module as GpuJsModule };
}

/**
 * Whether `x` is gpu.js's GPU class. Not just any function called GPU: browsers with WebGPU define
 * `globalThis.GPU` too (the interface of `navigator.gpu`).
 */
function isGpuJsClass(x: unknown): boolean {
  return typeof x === 'function' && 'isWebGLSupported' in x && 'isHeadlessGLSupported' in x;
}

/** Node's (or a CommonJS bundle's) `require`, when this module has one. */
function nodeRequire(): ((id: string) => unknown) | undefined {
  return typeof require === 'function' ? require : undefined;
}

/**
 * gpu.js, loaded once: the module given to `useGpuJs`, else `globalThis.GPU` (a page that loaded
 * gpu-browser.js with a <script> tag), else `require('gpu.js')`. Throws an Error with the reason when it
 * cannot be loaded here, naming the package to install.
 */
export function loadGpuJs(): GpuJsModule {
  if (!loaded) {
    const global = globalThis as { GPU?: unknown };
    const req = nodeRequire();
    if (isGpuJsClass(global.GPU)) {
      loaded = { module: { GPU: global.GPU } as GpuJsModule };
    } else if (!req) {
      loaded = { error: `gpu.js is not loaded here. ${HOW_TO_ADD}` };
    } else {
      try {
        const mod = req(GPU_JS) as { GPU?: unknown };
        loaded = isGpuJsClass(mod?.GPU) ? { module: mod as GpuJsModule } : { error: 'the gpu.js module exports no GPU class' };
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e);
        const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND' && text.includes(`'${GPU_JS}'`);
        // an ES module bundle (our browser build) has only a stand-in `require` that always throws this
        const noRequire = /dynamic require/i.test(text);
        loaded = { error: missing ? `gpu.js is not installed. ${HOW_TO_ADD}` : noRequire ? `gpu.js is not loaded here. ${HOW_TO_ADD}` : `loading it failed (${text}). ${HOW_TO_ADD}` };
      }
    }
  }
  if ('error' in loaded) throw new Error(`could not load gpu.js: ${loaded.error}`);
  return loaded.module;
}

/** How to give the 'gpu' device its gpu.js, in every environment (part of every load error). */
const HOW_TO_ADD = "The 'gpu' device needs gpu.js, an optional peer dependency of @propel-ts/tensor: in Node, "
  + '`npm install gpu.js@^2.24.1` (its headless GL mode also builds the native `gl` package, see the README); in a bundled '
  + "app, also call useGpuJs({ GPU }) with `import { GPU } from 'gpu.js'`; in a page without a bundler, load gpu.js's "
  + 'dist/gpu-browser.min.js with a <script> tag first (it defines globalThis.GPU)';

/** `PROPEL_GPU_MODE` from the environment when there is one (Node), without importing anything Node-only. */
export function envGpuMode(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = proc?.env?.PROPEL_GPU_MODE;
  return value === undefined || value === '' ? undefined : value;
}
