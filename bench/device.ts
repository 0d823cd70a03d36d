// The GPU on real hardware (issue 15, item 4; bench/device.sh runs this from the device bundle): the 'gpu'
// device in gpu.js's webgpu mode, on the adapter Dawn finds through the system's Vulkan driver (a real GPU
// on the device machine; SwiftShader, the software driver, on a machine without one).
//
//   probeDevice      asks for an adapter (navigator.gpu from the `webgpu` package, test/helpers/webgpu.ts)
//                    and runs one small kernel, checking its result: one JSON line saying what was found.
//   runDeviceBench   the rows, each once in webgpu mode (bench/pytorch/device.py prints the same rows for
//                    PyTorch on CUDA, so the two can be set side by side from one run):
//     W1.propel.gpu  PROPEL forward + backward (mean reduction, float32) at (B, I, n) = (65536, 8, 3), the
//                    inputs of bench/propel.ts;
//     W3.matmul.gpu  matmul N×N float32 at N = 1024 and 4096;
//     scale.mlp.gpu  one training step (forward, PROPEL loss, backward, Adam) of the 2→1024→1024→16 tanh MLP
//                    on a batch of 1024 (bench/train.ts's trainingStep, bench/scale.ts's largest row).
//   Each timed run ends by reading back one element (of the gradient, the product, the loss), so the queued
//   kernels are inside the measurement and the transfer of a whole result is not. gpu.js's webgpu mode reads
//   back only asynchronously, hence measureAsync.
//
// `quick: true` runs the same code at sizes SwiftShader finishes in seconds: W1 at B = 4096, matmul at 256
// and 512, the step at (B, H) = (256, 64). (On SwiftShader, 2 cores, one 1024² matmul takes ~25 s; 4096²
// would take half an hour a run.) That is how the script is proved on a machine without a GPU.
import * as T from '@propel-ts/tensor';
import { measureAsync, type MeasureOptions, type Measurement, type Params, type Report } from './harness';
import { propelGpuStep } from './propel';
// not bench/scale.ts: it loads '@propel-ts/tensor/node', whose worker threads this run has no use for
import { mlpStepFlops, trainingStep } from './train';
import { installNodeWebGpu, removeNodeWebGpu } from '../test/helpers/webgpu';

/** The sizes of one run: the (full) or SwiftShader's (quick). */
export interface DeviceSizes {
  w1: readonly (readonly [B: number, I: number, n: number])[];
  matmul: readonly number[];
  mlp: readonly (readonly [B: number, H: number])[];
}

export const FULL_SIZES: DeviceSizes = { w1: [[65536, 8, 3]], matmul: [1024, 4096], mlp: [[1024, 1024]] };
export const QUICK_SIZES: DeviceSizes = { w1: [[4096, 8, 3]], matmul: [256, 512], mlp: [[256, 64]] };

/** Adapters that are software renderers: figures from them say nothing about a GPU. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software/i;

/**
 * Give this process navigator.gpu, select gpu.js's webgpu mode and run one small kernel (x·2 + 1 on four
 * elements, read back and checked). Returns the probe's JSON line (median_ms: the time to the kernel's
 * result, compilation included). Throws when there is no adapter, the kernel is wrong, or `expectHardware`
 * is set and the adapter is a software renderer (bench/device.sh sets it where `nvidia-smi -L` lists a GPU:
 * figures from SwiftShader on a GPU machine would be mistaken for the GPU's).
 */
export async function probeDevice(expectHardware = false): Promise<Measurement> {
  const dawnAdapter = await installNodeWebGpu();
  const info = await T.initGpu('webgpu');
  T.setGpuMode('webgpu');
  const adapter = info.adapter ?? dawnAdapter;
  const software = SOFTWARE_ADAPTER.test(adapter);
  if (expectHardware && software) {
    throw new Error(`device probe: Dawn's adapter is a software renderer (${adapter}), expected the machine's GPU (is the NVIDIA Vulkan driver's ICD file found? VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES ?? 'unset'})`);
  }
  const t0 = performance.now();
  const got = Array.from(await T.tensor([1, 2, 3, 4], { device: 'gpu' }).mul(2).add(1).data());
  const ms = performance.now() - t0;
  if (T.gpuInfo().mode !== 'webgpu' || got.join() !== '3,5,7,9') {
    throw new Error(`device probe: x·2 + 1 of [1, 2, 3, 4] in mode ${T.gpuInfo().mode} gave [${got.join(', ')}], expected [3, 5, 7, 9] in mode webgpu`);
  }
  const vulkan = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? 'the loader\'s search folders';
  return {
    workload: 'device.probe',
    params: { node: process.version, mode: 'webgpu', adapter, software, vulkan_driver: vulkan, kernel: 'x*2+1 on 4 elements: ok' },
    median_ms: Number(ms.toFixed(4)),
    runs: 1,
  };
}

/**
 * Measure the device rows in webgpu mode (the probe runs first: it installs navigator.gpu and selects the
 * mode); afterwards navigator.gpu is taken away again and the mode is automatic.
 *
 * ```ts
 * await runDeviceBench(Report.fromArgs(['--only', 'W3']), { quick: true });
 * ```
 */
export async function runDeviceBench(report: Report, options: { quick?: boolean; expectHardware?: boolean } = {}): Promise<void> {
  const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
  try {
    const probe = await probeDevice(options.expectHardware);
    const common: Params = { device: 'gpu', mode: 'webgpu', adapter: String(probe.params.adapter), dtype: 'float32' };
    // quick runs are there to prove the code, not to be quoted: fewer calls
    const opts = (full: MeasureOptions): MeasureOptions => (options.quick ? { warmup: 1, runs: 3, budgetMs: full.budgetMs } : full);
    if (report.wants('W1.propel.gpu')) await benchPropel(report, sizes, common, opts);
    if (report.wants('W3.matmul.gpu')) await benchMatmul(report, sizes, common, opts);
    if (report.wants('scale.mlp.gpu')) await benchMlp(report, sizes, common, opts);
  } finally {
    removeNodeWebGpu();
    T.setGpuMode('auto');
  }
}

type Opts = (full: MeasureOptions) => MeasureOptions;

/** W1: PROPEL forward + backward on device-resident inputs; one gradient element read back per run. */
async function benchPropel(report: Report, sizes: DeviceSizes, common: Params, opts: Opts): Promise<void> {
  for (const [B, I, n] of sizes.w1) {
    const step = propelGpuStep(B, I, n);
    report.status('W1.propel.gpu', { B, I, n });
    const r = await measureAsync(step, opts({ warmup: 2, runs: 11, budgetMs: 20_000 }));
    report.add({ workload: 'W1.propel.gpu', params: { B, I, n, reduction: 'mean', ...common, readback: 'one element per run' }, ...r });
  }
}

/** W3: C = A·B on the device; one element of C read back per run. */
async function benchMatmul(report: Report, sizes: DeviceSizes, common: Params, opts: Opts): Promise<void> {
  for (const n of sizes.matmul) {
    const a = T.rand([n, n], { seed: 1, device: 'gpu' });
    const b = T.rand([n, n], { seed: 2, device: 'gpu' });
    report.status('W3.matmul.gpu', { n });
    const big = n >= 4096;
    const r = await measureAsync(() => T.matmul(a, b).reshape([n * n]).slice(0, 0, 1).data(), opts({ warmup: big ? 1 : 2, runs: big ? 5 : 11, budgetMs: 20_000 }));
    report.add({ workload: 'W3.matmul.gpu', params: { m: n, k: n, n, ...common, kernel: 'gpu.js kernel', readback: 'one element per run', gflops: gflops(2 * n ** 3, r.median_ms) }, ...r });
  }
}

/** The MLP training step on the device; the loss (one element) read back per step. */
async function benchMlp(report: Report, sizes: DeviceSizes, common: Params, opts: Opts): Promise<void> {
  for (const [B, H] of sizes.mlp) {
    const step = trainingStep('gpu', B, H);
    report.status('scale.mlp.gpu', { B, H });
    const r = await measureAsync(() => step().data(), opts({ warmup: 3, runs: 11, budgetMs: 20_000 }));
    report.add({ workload: 'scale.mlp.gpu', params: { B, H, layers: `2-${H}-${H}-16`, ...common, readback: 'the loss per step', gflops: gflops(mlpStepFlops(B, H), r.median_ms) }, ...r });
  }
}

const gflops = (flops: number, ms: number) => Number((flops / (ms * 1e6)).toFixed(2));
