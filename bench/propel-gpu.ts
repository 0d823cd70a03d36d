// W1 on device 'gpu': forward + backward of the PROPEL loss ('mean' reduction, float32) at (B, I, n) =
// (256, 4, 2), (4096, 8, 3), (65536, 8, 3), once per gpu.js mode available here (headlessgl only under a
// display, e.g. xvfb-run). The op runs as gpu.js kernels on device-resident tensors (packages/propel/src/
// gpu-kernel.ts); each timed run ends by reading back one element of the gradient, so GL modes cannot
// leave queued work out of the measurement (gpu.js pipeline kernels return before the device finishes).
// Same inputs as bench/propel.ts's CPU rows.
import { gpuInfo, setGpuMode } from '@propel-ts/tensor';
import { measureAsync, type Report } from './harness';
import { withBenchModes } from './modes';
import { propelGpuStep, SIZES } from './propel';

/**
 * Measure W1 forward + backward on 'gpu' in every available gpu.js mode (the mode in use is restored after).
 *
 * ```ts
 * await runPropelGpuBench(Report.fromArgs(['--only', 'W1.propel.gpu']));
 * ```
 */
export async function runPropelGpuBench(report: Report): Promise<void> {
  if (!report.wants('W1.propel.gpu')) return;
  await withBenchModes('propel-gpu', async (modes, adapter) => {
    for (const mode of modes) {
      setGpuMode(mode);
      const device: Record<string, string> = mode === 'webgpu' ? { adapter: adapter ?? 'unknown' } : {};
      for (const [B, I, n] of SIZES) {
        const step = propelGpuStep(B, I, n);
        const r0 = gpuInfo().readbacks;
        const big = B >= 65536;
        const r = await measureAsync(step, { warmup: 2, runs: big ? 5 : 11, budgetMs: 10_000 });
        const perRun = (gpuInfo().readbacks - r0) / (r.runs + 2);
        report.add({
          workload: 'W1.propel.gpu',
          params: { B, I, n, dtype: 'float32', reduction: 'mean', device: 'gpu', mode, ...device, readbacks_per_run: perRun },
          ...r,
        });
      }
    }
  });
}

// `npm run ts -- bench/propel-gpu.ts [--only ...]`: this suite alone.
if (require.main === module) {
  void import('./harness').then(async ({ Report }) => {
    const report = Report.fromArgs(process.argv.slice(2));
    await runPropelGpuBench(report);
    process.stderr.write('\n' + report.table() + '\n');
  });
}
