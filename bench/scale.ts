// scale: how the cost grows with the work. matmul N×N float32 at N = 128 … 2048, and one training step (forward,
// PROPEL loss, backward, Adam) of a 2→H tanh→H tanh→16 MLP (I = 4, n = 2) at (B, H) = (256, 64), (256, 256),
// (1024, 256), (1024, 1024), and W1 (the PROPEL loss's forward and backward, float32) at (B, I, n) =
// (4096, 8, 3), (65536, 8, 3), and reductions of a [4096, 1024] float32 tensor (sum of all of it, over axis 0 and
// over axis 1, max and logsumexp over axis 1; with GB/s of input read), and elementwise ops on it (add, mul,
// tanh, exp). Each matmul and MLP row carries its GFLOP/s (matmul: 2N³; the step: the three layers' forward
// and backward products, 6·B·Σ fan_in·fan_out, which dominate). bench/pytorch/reference.py prints the same rows
// for PyTorch (`--only scale`), so the two can be set side by side from one machine and one run. Each row
// runs on one thread and then on every core (worker threads through '@propel-ts/tensor/node'); a matmul row
// also gives the machine's WebAssembly SIMD peak (bench/peak.ts) and its share of it:
//
//   npm run bench -- --only scale; /usr/bin/python3 bench/pytorch/reference.py --only scale
import * as T from '@propel-ts/tensor/node';
import * as A from '@propel-ts/autograd';
import { propelLoss } from '@propel-ts/propel';
import { measure, type Report } from './harness';
import { inputs as propelInputs, SIGMA } from './propel';
import { mlpStepFlops, setup } from './train';
import { measurePeak } from './peak';

export const MATMUL_SIZES = [128, 256, 512, 1024, 2048] as const;
export const MLP_SHAPES: readonly (readonly [B: number, H: number])[] = [[256, 64], [256, 256], [1024, 256], [1024, 1024]];
export const PROPEL_SIZES: readonly (readonly [B: number, I: number, n: number])[] = [[4096, 8, 3], [65536, 8, 3]];
/** The scale.reduce rows: what each reduces of x, [REDUCE_ROWS, REDUCE_COLS] float32 (reference.py has the same). */
const REDUCE_ROWS = 4096, REDUCE_COLS = 1024;
const REDUCTIONS: readonly (readonly [string, (x: T.Tensor) => T.Tensor])[] = [
  ['sum', (x) => T.sum(x)],
  ['sum axis 0', (x) => T.sum(x, { axis: 0 })],
  ['sum axis 1', (x) => T.sum(x, { axis: 1 })],
  ['max axis 1', (x) => T.max(x, { axis: 1 })],
  ['logsumexp axis 1', (x) => T.logsumexp(x, { axis: 1 })],
];
/** The scale.elementwise rows, on the same tensor (and a second one for the binary ops). */
const ELEMENTWISE: readonly (readonly [string, (x: T.Tensor, y: T.Tensor) => T.Tensor])[] = [
  ['add', (x, y) => T.add(x, y)], ['mul', (x, y) => T.mul(x, y)], ['tanh', (x) => T.tanh(x)], ['exp', (x) => T.exp(x)],
];

// the step's FLOP count lives beside the step (bench/train.ts), where bench/device.ts finds it too
export { mlpStepFlops };

const gflops = (flops: number, ms: number) => Number((flops / (ms * 1e6)).toFixed(2));

/** Every row on one thread, then on all cores (the Node entry's worker threads; results are bit-identical). */
export async function runScaleBench(report: Report): Promise<void> {
  const cores = T.cpuInfo().cores;
  // the single-core WebAssembly SIMD peak (bench/peak.ts): each matmul row says which share of it (times
  // its thread count) the gemm reaches
  for (const threads of [...new Set([1, cores])]) {
    T.setNumThreads(threads);
    for (let i = 0; i < 500 && T.cpuInfo().ready < T.cpuInfo().workers; i++) await new Promise((r) => setTimeout(r, 10));
    const peak = report.wants('scale.matmul') ? await measurePeak(T.cpuInfo().gemm === 'fma' ? 'fma' : 'simd') : null;
    runRows(report, threads, peak?.f32.gflops ?? null);
  }
  T.setNumThreads(1);
}

function runRows(report: Report, threads: number, peakGflops: number | null): void {
  if (report.wants('scale.matmul')) {
    for (const n of MATMUL_SIZES) {
      const a = T.rand([n, n], { seed: 1 });
      const b = T.rand([n, n], { seed: 2 });
      report.status('scale.matmul', { n });
      const runs = n >= 2048 ? 3 : n >= 1024 ? 5 : 11;
      const r = measure(() => T.matmul(a, b), { warmup: n >= 1024 ? 1 : 3, runs, budgetMs: 20_000 });
      const g = gflops(2 * n ** 3, r.median_ms);
      const params: Record<string, number | string> = { n, dtype: 'float32', threads, gemm: T.cpuInfo().gemm, gflops: g };
      if (peakGflops !== null) Object.assign(params, { peak_gflops: peakGflops * threads, of_peak: Number((g / (peakGflops * threads)).toFixed(2)) });
      report.add({ workload: 'scale.matmul', params, ...r });
    }
  }
  if (report.wants('scale.mlp')) {
    for (const [B, H] of MLP_SHAPES) {
      const step = setup('cpu', B, H);
      report.status('scale.mlp', { B, H });
      const big = B * H * H >= 1e8;
      const r = measure(step, { warmup: big ? 3 : 10, runs: big ? 9 : 41, budgetMs: 20_000 });
      report.add({ workload: 'scale.mlp', params: { B, H, layers: `2-${H}-${H}-16`, threads, gemm: T.cpuInfo().gemm, gflops: gflops(mlpStepFlops(B, H), r.median_ms) }, ...r });
    }
  }
  if (report.wants('scale.propel')) {
    for (const [B, I, n] of PROPEL_SIZES) {
      const { out, tgt } = propelInputs(B, I, n, 1);
      const target = T.tensor(tgt, { shape: [B, n] });
      const output = A.variable(T.tensor(out, { shape: [B, I, 2 * n] }), { requiresGrad: true });
      report.status('scale.propel', { B, I, n });
      const before = T.cpuInfo().parallelLoops;
      const r = measure(() => {
        output.grad = null;
        propelLoss(output, target, { sigma: SIGMA }).backward();
        return output.grad;
      }, { warmup: 3, runs: B >= 65536 ? 9 : 21, budgetMs: 20_000 });
      const parallel = T.cpuInfo().parallelLoops > before;
      report.add({ workload: 'scale.propel', params: { B, I, n, dtype: 'float32', reduction: 'mean', threads, on_threads: parallel }, ...r });
    }
  }
  if (report.wants('scale.reduce')) {
    const x = T.rand([REDUCE_ROWS, REDUCE_COLS], { seed: 3 });
    for (const [op, f] of REDUCTIONS) {
      report.status('scale.reduce', { op });
      const before = T.cpuInfo().parallelReductions;
      const r = measure(() => f(x), { warmup: 3, runs: 21, budgetMs: 20_000 });
      const gbs = Number(((x.size * 4) / (r.median_ms * 1e6)).toFixed(2));
      const params = { op, shape: `${REDUCE_ROWS}x${REDUCE_COLS}`, dtype: 'float32', threads, on_threads: T.cpuInfo().parallelReductions > before, gbs };
      report.add({ workload: 'scale.reduce', params, ...r });
    }
  }
  if (report.wants('scale.elementwise')) {
    const x = T.rand([REDUCE_ROWS, REDUCE_COLS], { seed: 3 }), y = T.rand([REDUCE_ROWS, REDUCE_COLS], { seed: 4 });
    for (const [op, f] of ELEMENTWISE) {
      report.status('scale.elementwise', { op });
      const before = T.cpuInfo().parallelElementwise;
      const r = measure(() => f(x, y), { warmup: 3, runs: 21, budgetMs: 20_000 });
      const params = { op, shape: `${REDUCE_ROWS}x${REDUCE_COLS}`, dtype: 'float32', threads, on_threads: T.cpuInfo().parallelElementwise > before };
      report.add({ workload: 'scale.elementwise', params, ...r });
    }
  }
}
