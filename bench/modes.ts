// The gpu.js modes a GPU bench suite runs in: every mode available here, webgpu included when Node can be
// given a navigator.gpu with an adapter (the `webgpu` package, on the system's Vulkan driver or on
// SwiftShader, as in the tests: test/helpers/webgpu.ts). `withBenchModes` restores the mode in use and
// takes navigator.gpu away again, so later suites (which read back synchronously) are unaffected.
import { gpuInfo, initGpu, setGpuMode, type GpuMode } from '@propel-ts/tensor';
import { installNodeWebGpu, removeNodeWebGpu } from '../test/helpers/webgpu';

/** Run `body` with the available modes (and the WebGPU adapter's name, when there is one). */
export async function withBenchModes(suite: string, body: (modes: readonly GpuMode[], adapter: string | null) => Promise<void>): Promise<void> {
  const before = gpuInfo().requested;
  let adapter: string | null = null;
  try {
    try {
      await installNodeWebGpu();
    } catch (e) {
      process.stderr.write(`bench ${suite}: no webgpu (${e instanceof Error ? e.message : String(e)})\n`);
    }
    const info = await initGpu();
    adapter = info.availableModes.includes('webgpu') ? (await initGpu('webgpu')).adapter : null;
    // webgl and webgl2 exist only in browsers: not worth a line in Node
    const browserOnly = (mode: string) => (mode === 'webgl' || mode === 'webgl2') && typeof (globalThis as { document?: unknown }).document === 'undefined';
    for (const [mode, why] of Object.entries(info.unavailable)) {
      if (!browserOnly(mode)) process.stderr.write(`bench ${suite}: skipping mode ${mode} (${why})\n`);
    }
    await body(info.availableModes, adapter);
  } finally {
    removeNodeWebGpu();
    setGpuMode(before);
  }
}
