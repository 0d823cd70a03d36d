// GPU backend benchmarks, once per gpu.js mode available here (headlessgl only under a display, e.g.
// xvfb-run): W3 `matmul` 512x512 float32 on 'gpu' including one readback of the result per run, and a
// chain of 10 elementwise ops over 1M elements with one readback at the end (the readback counter of
// gpuInfo() checks that the chain itself reads nothing back). Each run is kept short: the whole suite
// stays well under a minute on 2 cores.
import {
  abs, add, exp, gpuInfo, matmul, maximum, mul, neg, rand, setGpuMode, sigmoid, sqrt, sub, tanh, type Tensor,
} from '@propel-ts/tensor';
import { measureAsync, type Measurement } from './harness';
import { withBenchModes } from './modes';

/** One benchmark line, as `npm run bench` prints it. */
export type GpuBenchLine = { workload: string; params: Record<string, string | number | boolean>; median_ms: number; runs: number };
/** A report function, or the bench harness's Report (anything with `add`). */
type Sink = ((line: GpuBenchLine) => void) | { add(m: Measurement): void; wants?(workload: string): boolean };

/** Ten elementwise ops, each a separate kernel; nothing is read back until the caller asks. */
function chain10(x: Tensor): Tensor {
  let y = mul(x, 0.5);          // 1
  y = add(y, 0.25);             // 2
  y = tanh(y);                  // 3
  y = exp(y);                   // 4
  y = sub(y, x);                // 5
  y = abs(y);                   // 6
  y = sqrt(y);                  // 7
  y = neg(y);                   // 8
  y = sigmoid(y);               // 9
  return maximum(y, x);         // 10
}

/**
 * Measure W3 and the elementwise chain in every available gpu.js mode (the mode in use is restored after).
 *
 * ```ts
 * await runGpuBench((line) => console.log(JSON.stringify(line)));
 * ```
 */
export async function runGpuBench(report: Sink): Promise<void> {
  const emit = (line: GpuBenchLine) => (typeof report === 'function' ? report(line) : report.add(line));
  const wants = (w: string) => typeof report === 'function' || !report.wants || report.wants(w);
  if (!wants('W3.matmul.gpu') && !wants('E.chain10.gpu')) return;
  await withBenchModes('gpu', async (modes, adapter) => {
    for (const mode of modes) {
      setGpuMode(mode);
      const device: Record<string, string> = mode === 'webgpu' ? { adapter: adapter ?? 'unknown' } : {};
      // the cpu mode runs gpu.js's JavaScript transpilation: far slower elementwise, so fewer chain runs
      const slow = mode === 'cpu';
      if (wants('W3.matmul.gpu')) {
        const n = 512;
        const a = rand([n, n], { seed: 1, device: 'gpu' });
        const b = rand([n, n], { seed: 2, device: 'gpu' });
        // webasm and cpu modes route matmul to the CPU backend's WebAssembly SIMD gemm (docs/gpu.md)
        // data() reads back in every mode (webgpu only asynchronously)
        const r = await measureAsync(() => matmul(a, b).data(), { warmup: 3, runs: 11, budgetMs: 8000 });
        const kernel = mode === 'webasm' || mode === 'cpu' ? 'wasm SIMD gemm on the host arrays' : 'gpu.js kernel';
        emit({ workload: 'W3.matmul.gpu', params: { mode, ...device, m: n, k: n, n, dtype: 'float32', kernel, readback: 'result read back once per run' }, ...r });
      }
      if (wants('E.chain10.gpu')) {
        const size = 1 << 20;
        const x = rand([size], { seed: 3, device: 'gpu' });
        const r0 = gpuInfo().readbacks;
        const r = await measureAsync(() => chain10(x).data(), { warmup: slow ? 1 : 2, runs: slow ? 3 : 7, budgetMs: 8000 });
        const calls = r.runs + (slow ? 1 : 2);
        const perRun = (gpuInfo().readbacks - r0) / calls;
        emit({ workload: 'E.chain10.gpu', params: { mode, ...device, elements: size, ops: 10, dtype: 'float32', readbacks_per_run: perRun }, ...r });
      }
    }
  });
}
