// The PROPEL loss's samples over the CPU threads (packages/propel/src/loss-jacobian.ts hands its sample loop
// to '@propel-ts/tensor''s parallelFor, through '@propel-ts/tensor/node'): a large batch runs on the worker
// threads, and the loss, log T1, log T2 and the Jacobian are the same bits on 1, 2 and 3 threads — in both
// dtypes, both modes, every sigma transform, on the fast and the slow path. The values themselves are checked
// against the independent plain stable form (reference.ts), and a bad sample is named as on one thread.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor/node';
import * as A from '@propel-ts/autograd';
import { propelForward, propelLoss } from '@propel-ts/propel';
import { expectClose } from './fixture';
import { plainStableLoss, randomCase, type Mode, type Transform } from './reference';
import { sameBits, useThreads } from '../helpers/threads';

/** Every result array of one forward, concatenated per kind. */
function forward(output: Float32Array | Float64Array, target: Float32Array | Float64Array, B: number, I: number, n: number, opts: object, needsGrad = true) {
  const r = propelForward(output, target, { B, I, n }, { sigma: 0.3, ...opts }, { needsGrad });
  return { loss: r.lossPerSample, logT1: r.logT1, logT2: r.logT2, jacobian: r.saved.jacobian };
}

/** A batch whose every 7th sample is scaled by 1e-16 (n = 10: its variance products leave 1e±280, the slow path). */
function mixedCase(B: number, I: number, n: number, tr: Transform) {
  const { output, target } = randomCase(11, B, I, n, tr);
  if (tr !== 'identity') return { output, target };
  for (let b = 0; b < B; b += 7) for (let k = b * I * 2 * n; k < (b + 1) * I * 2 * n; k++) output[k]! *= 1e-16;
  return { output, target };
}

describe('propel on cpu threads: large batches split by samples, bit-identical whatever the thread count', function () {
  this.timeout(120_000);
  after(() => T.setNumThreads(1));

  const cases: [string, number, number, number, Mode, Transform][] = [
    ['fast path, paper, identity', 3000, 4, 2, 'paper', 'identity'],
    ['fast and slow path (every 7th sample), torchpropel, identity', 700, 3, 10, 'torchpropel', 'identity'],
    ['softplus', 2000, 5, 3, 'paper', 'softplus'],
    ['exp', 2000, 2, 4, 'paper', 'exp'],
  ];
  for (const [name, B, I, n, mode, tr] of cases) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${name}, ${dtype}, B = ${B}, I = ${I}, n = ${n}`, async () => {
        const c = mixedCase(B, I, n, tr);
        const output = dtype === 'float64' ? c.output : Float32Array.from(c.output);
        const target = dtype === 'float64' ? c.target : Float32Array.from(c.target);
        const opts = { mode, sigmaTransform: tr };
        await useThreads(1);
        const one = forward(output, target, B, I, n, opts);
        const oneLossOnly = forward(output, target, B, I, n, opts, false);
        if (dtype === 'float64') {
          expectClose(one.loss, plainStableLoss(output, target, B, I, n, 0.3, mode, tr), 1e-9, 1e-12, 'loss against the plain stable form');
        }
        sameBits(one.loss, oneLossOnly.loss, 'needsGrad: false gives the same loss');
        for (const t of [2, 3]) {
          await useThreads(t);
          const before = T.cpuInfo().parallelLoops;
          const many = forward(output, target, B, I, n, opts);
          const lossOnly = forward(output, target, B, I, n, opts, false);
          expect(T.cpuInfo().parallelLoops - before, `${t} threads: both passes ran on the threads`).to.equal(2);
          sameBits(one.loss, many.loss, `${t} threads: loss`);
          sameBits(one.logT1, many.logT1, `${t} threads: log T1`);
          sameBits(one.logT2, many.logT2, `${t} threads: log T2`);
          sameBits(one.jacobian!, many.jacobian!, `${t} threads: Jacobian`);
          sameBits(one.loss, lossOnly.loss, `${t} threads: needsGrad: false`);
          expect(lossOnly.jacobian).to.equal(null);
        }
      });
    }
  }

  it("through the autograd op: propelLoss's value and gradient are bit-identical on 1 and 3 threads", async () => {
    const B = 4096, I = 8, n = 3;
    const { output, target } = randomCase(5, B, I, n);
    const run = () => {
      const x = A.variable(T.tensor(Float32Array.from(output), { shape: [B, I, 2 * n] }), { requiresGrad: true });
      const loss = propelLoss(x, T.tensor(Float32Array.from(target), { shape: [B, n] }), { sigma: 0.3 });
      loss.backward();
      return { loss: loss.value.toTypedArray(), grad: x.grad!.toTypedArray() };
    };
    await useThreads(1);
    const one = run();
    await useThreads(3);
    const before = T.cpuInfo().parallelLoops;
    const many = run();
    expect(T.cpuInfo().parallelLoops - before, 'the forward ran on the threads').to.equal(1);
    sameBits(one.loss, many.loss, 'loss');
    sameBits(one.grad, many.grad, 'gradient');
  });

  it('a bad sample is named as on one thread: the first one, whichever range it falls in', async () => {
    const B = 3000, I = 4, n = 2;
    const { output, target } = randomCase(9, B, I, n);
    // NaN targets at samples 2100 and 2900 (the last thread's range on 2 and 3 threads), then also at 40
    const messages: string[][] = [];
    for (const t of [1, 2, 3]) {
      await useThreads(t);
      const got: string[] = [];
      for (const bad of [[2100, 2900], [40, 2100, 2900]]) {
        const tgt = target.slice();
        for (const b of bad) tgt[b * n + 1] = NaN;
        expect(() => propelForward(output, tgt, { B, I, n }, { sigma: 0.3 })).to.throw(T.TensorError, `index [${bad[0]},1]`);
        try { propelForward(output, tgt, { B, I, n }, { sigma: 0.3 }); } catch (e) { got.push((e as Error).message); }
      }
      messages.push(got);
    }
    expect(messages[1]).to.deep.equal(messages[0]);
    expect(messages[2]).to.deep.equal(messages[0]);
  });

  it("a small batch (W1's B = 256, I = 4, n = 2) stays on the calling thread", async () => {
    await useThreads(2);
    const { output, target } = randomCase(3, 256, 4, 2);
    const before = T.cpuInfo().parallelLoops;
    propelForward(output, target, { B: 256, I: 4, n: 2 }, { sigma: 0.3 });
    expect(T.cpuInfo().parallelLoops).to.equal(before);
  });
});
