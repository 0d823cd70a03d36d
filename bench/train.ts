// W2: one full training step (forward, PROPEL loss, backward, Adam) of a 2→64 tanh→64 tanh→16 MLP, output
// read as [256, 4, 4] (I = 4, n = 2), batch 256, lr 1e-3, sigma 0.1: median over steps 21..500 of 500.
// Then 10,000 steps with the resident set size sampled after warm-up, to show memory stays flat; and
// (memory.mlp) the same for the (1024, 256) MLP with the worker threads on (bench/train-memory.ts).
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { propelLoss } from '@propel-ts/propel';
import { execFileSync } from 'child_process';
import { join } from 'path';
import type { Measurement, Report } from './harness';

/**
 * One W2 training step of a 2→H→H→16 MLP on a batch of B (W2 itself: B = 256, H = 64; bench/scale.ts varies
 * them), returning the loss unread: a caller on gpu.js's webgpu mode reads it with `await loss.data()`
 * (bench/device.ts), every other caller with `setup`'s `loss.item()`.
 */
export function trainingStep(device: T.Device = 'cpu', B = 256, H = 64): () => A.Variable {
  const model = new A.nn.MLP([2, H, H, 16], { seed: 0, device });
  const opt = new A.optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = T.randn([B, 2], { seed: 1 }).to(device);
  const y = T.randn([B, 2], { seed: 2 }).to(device);
  return () => {
    opt.zeroGrad();
    const loss = propelLoss(model.forward(x).reshape([B, 4, 4]), y, { sigma: 0.1 });
    loss.backward();
    opt.step();
    return loss;
  };
}

/** Floating-point operations of one training step's matrix products (forward, and both backward products). */
export function mlpStepFlops(B: number, H: number): number {
  const layers = [[2, H], [H, H], [H, 16]] as const;
  return 6 * B * layers.reduce((s, [i, o]) => s + i * o, 0);
}

/** `trainingStep` with the loss read back synchronously (a number), as the CPU and GL modes allow. */
export function setup(device: T.Device = 'cpu', B = 256, H = 64): () => number {
  const step = trainingStep(device, B, H);
  return () => step().item();
}

/** Run `steps` training steps; the median time of steps 21..steps (the first 20 warm up). */
function timeSteps(step: () => number, steps: number): { median_ms: number; runs: number } {
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  const kept = times.slice(20).sort((a, b) => a - b);
  return { median_ms: Number(kept[kept.length >> 1]!.toFixed(4)), runs: kept.length };
}

export function runTrainBench(report: Report): void {
  const params = { layers: '2-64-64-16', I: 4, n: 2, batch: 256, optimizer: 'Adam', lr: 1e-3, sigma: 0.1, dtype: 'float32', device: 'cpu' };
  if (report.wants('W2.train')) {
    report.add({ workload: 'W2.train.step', params: { ...params, steps: '21..500 of 500' }, ...timeSteps(setup(), 500) });
  }
  if (report.wants('W2.train.gpu')) {
    // the same step on device 'gpu' in each gpu.js mode (fewer steps: the software modes are slow)
    let modes: readonly T.GpuMode[] = [];
    try {
      modes = T.gpuInfo().availableModes;
    } catch (e) {
      process.stderr.write(`bench W2.train.gpu: skipped (${e instanceof Error ? e.message : String(e)})\n`);
    }
    for (const mode of modes) {
      T.setGpuMode(mode);
      report.add({ workload: 'W2.train.gpu', params: { ...params, device: 'gpu', mode, steps: '21..60 of 60' }, ...timeSteps(setup('gpu'), 60) });
    }
    if (modes.length > 0) T.setGpuMode('auto');
  }
  if (report.wants('W2.memory')) {
    report.status('W2.memory.10k-steps');
    const m = memoryRun([]);
    report.add({ ...m, params: { ...params, ...m.params } });
  }
  if (report.wants('memory.mlp')) {
    // issue 15: the (1024, 256) MLP, whose products the worker threads take, on every core (several minutes)
    report.status('memory.mlp', { B: 1024, H: 256 });
    const m = memoryRun(['--B', '1024', '--H', '256', '--threads', '0']);
    report.add({ ...m, params: { ...m.params, optimizer: 'Adam', lr: 1e-3, sigma: 0.1, dtype: 'float32', device: 'cpu' } });
  }
}

/**
 * bench/train-memory.ts with `args`, in a fresh process: the other workloads' allocations would hide (or
 * fake) growth in this one's RSS. Returns its JSON line.
 */
function memoryRun(args: readonly string[]): Measurement {
  const out = execFileSync(process.execPath, ['--expose-gc', '--conditions=@propel-ts/source', '-r', 'ts-node/register', join(__dirname, 'train-memory.ts'), ...args], {
    cwd: join(__dirname, '..'), encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measurement;
}
