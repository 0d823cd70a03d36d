// Node has no WebGPU of its own: the `webgpu` package (Dawn) provides `navigator.gpu`. This helper installs
// it for the webgpu test suites and takes it away afterwards, so the other suites keep choosing a
// synchronous mode. Dawn needs a Vulkan driver: the system's first (a real GPU), and when that gives no
// adapter (Mesa 22's lavapipe lacks a feature Dawn needs), SwiftShader, the software Vulkan driver that
// Debian's Chromium ships. Test-only: the packages never import Node-only code.
import { existsSync, readdirSync } from 'node:fs';
import { expect } from 'chai';
import { gpuInfo, initGpu, setGpuMode, type GpuMode } from '@propel-ts/tensor';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface Adapter { info?: { description?: string; vendor?: string; architecture?: string } }
interface Gpu { requestAdapter(): Promise<Adapter | null> }

let found: Promise<{ gpu: Gpu; adapter: string } | { reason: string }> | undefined;

async function findGpu(): Promise<{ gpu: Gpu; adapter: string } | { reason: string }> {
  let webgpu: { create(flags: string[]): Gpu; globals: Record<string, unknown> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    webgpu = require('webgpu');
  } catch (e) {
    return { reason: `the webgpu package cannot load: ${e instanceof Error ? e.message : String(e)}` };
  }
  Object.assign(globalThis, webgpu.globals);
  const describe = (a: Adapter) => [a.info?.description, a.info?.vendor, a.info?.architecture].filter((x) => x).join(' / ');
  const tryCreate = async () => {
    const gpu = webgpu.create([]);
    const adapter = await gpu.requestAdapter();
    return adapter ? { gpu, adapter: describe(adapter) } : null;
  };
  // without a system Vulkan driver, asking for one only makes Dawn print "vkCreateInstance: Found no drivers!"
  const system = hasSystemVulkanDriver() ? await tryCreate() : null;
  if (system) return system;
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // the Vulkan loader reads VK_ICD_FILENAMES at each instance: a second Dawn instance sees SwiftShader
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const swift = await tryCreate();
    if (swift) return swift;
  }
  return { reason: `Dawn found no WebGPU adapter (system Vulkan drivers${existsSync(SWIFTSHADER_ICD) ? ', and SwiftShader' : `; SwiftShader (${SWIFTSHADER_ICD}, from Debian's chromium) is not installed`})` };
}

/** Whether the Vulkan loader would find a driver of the system's (an ICD manifest in its search folders). */
function hasSystemVulkanDriver(): boolean {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  const dirs = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d'];
  return dirs.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')));
}

/**
 * Give this process a `navigator.gpu` with an adapter. Resolves to the adapter's description, or rejects
 * with the reason there is none. Call `removeNodeWebGpu()` when done.
 */
export async function installNodeWebGpu(): Promise<string> {
  found ??= findGpu();
  const r = await found;
  if ('reason' in r) throw new Error(r.reason);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: r.gpu }, configurable: true, writable: true });
  return r.adapter;
}

/** Take `navigator.gpu` away again (the backend then stops choosing webgpu). */
export function removeNodeWebGpu(): void {
  Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true, writable: true });
}

/**
 * Mocha hooks for a `describe` of webgpu tests: before, install navigator.gpu and `await initGpu('webgpu')`
 * (skipping the tests with the reason when there is no adapter, or failing when `required`); after, take
 * navigator.gpu away and go back to automatic mode selection.
 */
export function webGpuHooks(required: boolean): void {
  before(async function () {
    this.timeout(60_000);
    let adapter: string;
    try {
      adapter = await installNodeWebGpu();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (required) throw new Error(`gpu.js mode 'webgpu' is required but not available: ${why}`);
      console.log(`      not available: webgpu (${why})`);
      this.skip();
    }
    const info = await initGpu('webgpu');
    console.log(`      webgpu adapter: ${info.adapter ?? adapter}`);
  });
  after(() => {
    removeNodeWebGpu();
    setGpuMode('auto');
  });
}

// ---- every gpu.js mode a Node test can run ------------------------------------------------------------

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
/** The modes `PROPEL_REQUIRE_GPU_MODES` (comma-separated) makes required: missing, they fail instead of skip. */
export const REQUIRED_GPU_MODES: readonly string[] = (env.PROPEL_REQUIRE_GPU_MODES ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
/** The gpu.js modes Node can run (webgl2 and webgl exist only in browsers: the playground's e2e test runs them). */
export const NODE_GPU_MODES: readonly GpuMode[] = ['webgpu', 'headlessgl', 'webasm', 'cpu'];

/**
 * `suite(mode)` inside one `describe('mode …')` per mode of NODE_GPU_MODES: webgpu with Dawn installed
 * around it (webGpuHooks), the others when gpu.js has them here, else a skipped test saying why (a failing
 * one when the mode is required); each sets its mode first and checks gpu.js took it. Also a test that every required mode is a known one.
 */
export function describeEachGpuMode(suite: (mode: GpuMode) => void): void {
  const info = gpuInfo();
  it('knows every required mode', () => {
    for (const m of REQUIRED_GPU_MODES) expect(NODE_GPU_MODES as readonly string[], `PROPEL_REQUIRE_GPU_MODES names '${m}'`).to.include(m);
  });
  for (const mode of NODE_GPU_MODES) {
    if (mode === 'webgpu') {
      describe('mode webgpu', () => {
        webGpuHooks(REQUIRED_GPU_MODES.includes('webgpu'));
        before(() => expect(gpuInfo().mode).to.equal(mode));
        suite(mode);
      });
      continue;
    }
    if (!info.availableModes.includes(mode)) {
      const why = info.unavailable[mode] ?? 'not available';
      if (REQUIRED_GPU_MODES.includes(mode)) it(`mode ${mode} is required but not available`, () => expect.fail(`gpu.js mode '${mode}': ${why}`));
      else it.skip(`mode ${mode}: ${why}`, () => undefined);
      continue;
    }
    describe(`mode ${mode}`, () => {
      before(() => {
        setGpuMode(mode);
        expect(gpuInfo().mode).to.equal(mode);
      });
      suite(mode);
    });
  }
}
