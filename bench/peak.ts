// peak: the machine's single-core WebAssembly SIMD peak, the ceiling the CPU backend's gemm can reach. A
// WAT loop (compiled here with wabt, a devDependency) keeps 12 independent f32x4 (or f64x2) accumulators in
// registers and does acc = acc * m + a on each, as the gemm's tile does: one mul and one add per vector for
// the 'simd' tile, one relaxed SIMD fused multiply-add for the 'fma' tile (where the platform has relaxed
// SIMD: Node 22+, Chrome 114+, Node 20 with --experimental-wasm-relaxed-simd). No memory is touched, so the
// figure is what the core's vector units give through V8, not what the caches allow. scale.ts prints each
// matmul row's share of the peak of the tile it ran.
import type { Report } from './harness';

/** 12 independent chains; 12 is below the 16 xmm registers V8 can keep them in, and hides each op's latency. */
const CHAINS = 12;

/** The gemm's two tiles (cpuInfo().gemm). */
export type PeakKernel = 'simd' | 'fma';

function wat(kind: 'f32x4' | 'f64x2', kernel: PeakKernel): string {
  const locals = Array.from({ length: CHAINS }, (_, i) => `(local $a${i} v128)`).join(' ');
  const init = Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} (${kind}.splat (${kind === 'f32x4' ? 'f32' : 'f64'}.const ${1 + i / 100})))`).join('\n      ');
  const step = (a: string) => kernel === 'fma' ? `(${kind}.relaxed_madd ${a} (local.get $m) (local.get $c))` : `(${kind}.add (${kind}.mul ${a} (local.get $m)) (local.get $c))`;
  const body = Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} ${step(`(local.get $a${i})`)})`).join('\n        ');
  const sum = Array.from({ length: CHAINS - 1 }, (_, i) => i + 1).reduce((acc, i) => `(${kind}.add ${acc} (local.get $a${i}))`, '(local.get $a0)');
  const lane = kind === 'f32x4' ? 'f32x4.extract_lane 0' : 'f64x2.extract_lane 0';
  const scalar = kind === 'f32x4' ? 'f32' : 'f64';
  return `(module
  (func (export "run") (param $n i32) (result ${scalar})
    (local $m v128) (local $c v128) ${locals}
    (local.set $m (${kind}.splat (${scalar}.const 0.999999)))
    (local.set $c (${kind}.splat (${scalar}.const 0.000001)))
      ${init}
    (loop $l
        ${body}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
    (${lane} ${sum})))`;
}

/** FLOPs per loop iteration: every chain does a multiply and an add on each lane (fused or not). */
const flopsPerIteration = (kind: 'f32x4' | 'f64x2') => CHAINS * 2 * (kind === 'f32x4' ? 4 : 2);

/** One dtype's peak: GFLOP/s, from the fastest of `runs` timings of the loop (best_ms). */
export interface Peak { gflops: number; best_ms: number; runs: number }

/**
 * The peak for f32x4 and f64x2 of one tile, one thread; null when wabt is not installed, or for 'fma' where
 * the platform has no relaxed SIMD.
 */
export async function measurePeak(kernel: PeakKernel = 'simd'): Promise<{ f32: Peak; f64: Peak } | null> {
  let wabt: { parseWat(name: string, text: string, features: object): { validate(): void; toBinary(o: object): { buffer: Uint8Array }; destroy(): void } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    wabt = await (require('wabt') as () => Promise<typeof wabt>)();
  } catch {
    return null;
  }
  const compile = (kind: 'f32x4' | 'f64x2') => {
    const mod = wabt.parseWat('peak.wat', wat(kind, kernel), { simd: true, relaxed_simd: true });
    mod.validate();
    const { buffer } = mod.toBinary({ log: false });
    mod.destroy();
    return Uint8Array.from(buffer);
  };
  if (!WebAssembly.validate(compile('f32x4'))) return null;
  const rate = (kind: 'f32x4' | 'f64x2'): Peak => {
    const buffer = compile(kind);
    const run = (new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(buffer)), {}).exports as { run: (n: number) => number }).run;
    // a peak is a best case: the fastest of many short runs (the VM's speed swings from one moment to the next)
    const n = 1_000_000;
    for (let i = 0; i < 3; i++) run(n);
    let best = Infinity;
    const runs = 25;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      run(n);
      best = Math.min(best, performance.now() - t0);
    }
    return { gflops: Number(((n * flopsPerIteration(kind)) / (best * 1e6)).toFixed(1)), best_ms: best, runs };
  };
  return { f32: rate('f32x4'), f64: rate('f64x2') };
}

/** `--only peak`: the peak as its own rows (scale.ts measures it too, for the matmul rows' share). */
export async function runPeakBench(report: Report): Promise<void> {
  if (!report.wants('peak')) return;
  report.status('peak', {});
  for (const kernel of ['simd', 'fma'] as const) {
    const peak = await measurePeak(kernel);
    if (!peak) {
      process.stderr.write(`bench: skipping peak ${kernel} (wabt not installed${kernel === 'fma' ? ', or no relaxed SIMD here' : ''})\n`);
      continue;
    }
    const loop = `1e6 iterations of ${CHAINS} register chains of ${kernel === 'fma' ? 'relaxed_madd' : 'mul + add'}`;
    for (const [dtype, p] of [['float32', peak.f32], ['float64', peak.f64]] as const) {
      // median_ms is the best run here (a peak), as the params say
      report.add({ workload: `peak.wasm-${kernel}`, params: { dtype, threads: 1, gflops: p.gflops, timing: 'best of the runs', loop }, median_ms: p.best_ms, runs: p.runs });
    }
  }
}
