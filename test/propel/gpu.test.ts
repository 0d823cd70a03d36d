// The PROPEL loss on device 'gpu' (packages/propel/src/gpu-kernel.ts through propelLoss), in every gpu.js
// mode available here: the reference fixture (paper and torchpropel modes), the CPU kernel on random
// inputs (every sigmaTransform, strided views, per-sample upstream gradients), device residency (a
// training loop reads nothing back until the loss is read), and the documented clamp of a zero standard deviation.
//
// Tolerances (float32 device kernels against float64 references): |got - want| <= rtol·|want| + atol with
//   loss:     rtol 1e-4, atol 1e-6 (absolute floor: the perfect-prediction case has loss ~1e-16 in float64;
//             in float32 its log T1 and log T2, both of order 1, cancel to a few 1e-7);
//   gradient: rtol 1e-3, atol 1e-5·max(1, max|grad| of the case) (floor for elements near 0, which float32
//             gets to a few 1e-9 where the reference has 1e-18).
// These are the CPU float32 kernel's tolerances (test/propel/kernel.test.ts). Fixture cases whose inputs or
// variances fall outside float32's normal range, or whose expected values overflow it, are skipped and
// listed; in reference-seed15.json there are none (smallest variance 1e-6, largest value 814.3; expected
// gradient elements that underflow float32, e.g. 1e-62 in 'tiny-variance', meet the absolute floor).
//
// Modes: as test/tensor/gpu-parity.test.ts: `PROPEL_REQUIRE_GPU_MODES=webasm,headlessgl` turns a missing
// mode into a failure instead of a skip; headlessgl needs a display:
//   xvfb-run -a -s "-screen 0 1x1x24" npx mocha --no-config --node-option conditions=@propel-ts/source -r ts-node/register --extension ts test/propel/gpu.test.ts
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { GpuStorage, gpuInfo, setGpuMode, type GpuMode, type Tensor } from '@propel-ts/tensor';
import { propelLoss } from '@propel-ts/propel';
import { propelBackward, propelForward, type PropelMode, type SigmaTransform } from '@propel-ts/propel';
import { randomCase } from './reference';
import { expectClose, fixture, type FixtureCase } from './fixture';
import { describeEachGpuMode } from '../helpers/webgpu';

const LOSS = { rtol: 1e-4, atol: 1e-6 };
const GRAD = { rtol: 1e-3, atol: 1e-5 };
const F32_MIN = 2 ** -126;
const F32_MAX = 3.4028234663852886e38;


/** Expect `p` to reject with a message matching `re`. */
async function rejects(p: Promise<unknown>, re: RegExp | string): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a rejection matching ${re}`).to.be.instanceOf(Error);
  if (typeof re === 'string') expect((error as Error).message).to.equal(re);
  else expect((error as Error).message).to.match(re);
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/**
 * Why a case cannot be run in float32, or null: an input or a variance s² that overflows or underflows
 * float32's normal range, or an expected value that overflows it (expected values that underflow, like a
 * gradient element of 1e-62, are compared against the absolute floor instead).
 */
function outsideFloat32(c: FixtureCase): string | null {
  const tiny = (x: number) => x !== 0 && Math.abs(x) < F32_MIN;
  const huge = (x: number) => !(Math.abs(x) <= F32_MAX);
  const row = 2 * c.n;
  for (const [name, xs] of [['output', c.output], ['target', c.target]] as const) {
    const k = xs.findIndex((x) => tiny(x) || huge(x));
    if (k >= 0) return `${name}[${k}] = ${xs[k]}`;
  }
  for (const [name, xs] of [['loss', c.loss_per_sample], ['grad', c.grad_output], ['compat loss', c.compat_loss_per_sample], ['compat grad', c.compat_grad_output]] as const) {
    const k = xs.findIndex(huge);
    if (k >= 0) return `${name}[${k}] = ${xs[k]}`;
  }
  const k = c.output.findIndex((s, i) => i % row >= c.n && (tiny(s * s) || huge(s * s)));
  return k >= 0 ? `variance of output[${k}] = ${c.output[k]! ** 2}` : null;
}

/** The float64 copy of `x` rounded to float32 (what the device sees), so references start from the same inputs. */
const f32 = (x: Float64Array) => Float64Array.from(Float32Array.from(x));

function gpuTensor(data: ArrayLike<number>, shape: number[]): Tensor {
  return T.tensor(Float32Array.from(data), { shape, device: 'gpu' });
}

// ---- modes ------------------------------------------------------------------------------------------

const INFO = gpuInfo();
const RAN: string[] = [];
const SKIPPED = fixture.cases.map((c) => [c.name, outsideFloat32(c)] as const).filter(([, why]) => why !== null);

describe('propel on gpu', function () {
  this.timeout(120_000);

  before(() => {
    console.log(`      gpu.js modes available here: ${INFO.availableModes.join(', ') || 'none'}`);
    for (const [name, why] of SKIPPED) console.log(`      fixture case ${name} skipped: outside float32 range (${why})`);
  });
  after(() => {
    console.log(`      propel gpu ran in modes: ${RAN.join(', ') || 'none'}`);
    setGpuMode('auto');
  });

  describeEachGpuMode(propelGpuSuite);
});

function propelGpuSuite(mode: GpuMode): void {
  before(() => RAN.push(mode));

  for (const pm of ['paper', 'torchpropel'] as const) {
    it(`matches reference-seed15.json, mode '${pm}' (loss per sample, reduced loss, output gradient)`, async () => {
      for (const c of fixture.cases) {
        if (outsideFloat32(c) !== null) continue;
        const what = `${c.name} (${pm})`;
        const output = A.variable(gpuTensor(c.output, [c.B, c.I, 2 * c.n]), { requiresGrad: true });
        const target = gpuTensor(c.target, [c.B, c.n]);
        const wantLoss = pm === 'paper' ? c.loss_per_sample : c.compat_loss_per_sample;
        const wantGrad = pm === 'paper' ? c.grad_output : c.compat_grad_output;
        const perSample = propelLoss(output, target, { sigma: c.sigma, reduction: 'none', mode: pm });
        expect(perSample.value.device).to.equal('gpu');
        expectClose(await perSample.value.data(), wantLoss, LOSS.rtol, LOSS.atol, `${what} loss`);
        const loss = propelLoss(output, target, { sigma: c.sigma, reduction: c.reduction, mode: pm });
        if (c.reduction === 'none') {
          loss.backward(T.ones([c.B], { device: 'gpu' }));
        } else {
          const sum = wantLoss.reduce((a, b) => a + b, 0);
          expectClose([(await loss.data())[0]!], [c.reduction === 'mean' ? sum / c.B : sum], LOSS.rtol, LOSS.atol, `${what} reduced loss`);
          loss.backward();
        }
        expect(output.grad!.device).to.equal('gpu');
        expectClose(await output.grad!.data(), wantGrad, GRAD.rtol, GRAD.atol * Math.max(1, maxAbs(wantGrad)), `${what} grad`);
      }
    });
  }

  it('agrees with the CPU kernel for every sigmaTransform, strided views and a per-sample upstream gradient', async () => {
    let seed = 300;
    for (const tr of ['identity', 'softplus', 'exp'] as SigmaTransform[]) {
      for (const pm of ['paper', 'torchpropel'] as PropelMode[]) {
        for (const [B, I, n] of [[5, 1, 2], [7, 3, 1], [4, 5, 3]] as const) {
          const c = randomCase(seed++, B, I, n, tr);
          const [output, target] = [f32(c.output), f32(c.target)];
          const sigma = [0.1, 0.5, 1][seed % 3]!;
          const dyHost = Float64Array.from({ length: B }, (_, b) => 0.5 + ((b * 7) % 5) / 4);
          const ref = propelForward(output, target, { B, I, n }, { sigma, mode: pm, sigmaTransform: tr });
          const refGrad = propelBackward(ref.saved, dyHost);
          // the device reads `output` through a permuted view and `target` through a transposed one
          const outBase = gpuTensor(output, [B, I, 2 * n]).permute(1, 0, 2).contiguous();
          const out = A.variable(outBase.permute(1, 0, 2), { requiresGrad: true });
          expect(out.value.isContiguous()).to.equal(I === 1);
          const tgt = gpuTensor(target, [B, n]).T.contiguous().T;
          const what = `${tr} ${pm} B=${B} I=${I} n=${n}`;
          const loss = propelLoss(out, tgt, { sigma, mode: pm, sigmaTransform: tr, reduction: 'none' });
          expectClose(await loss.value.data(), ref.lossPerSample, LOSS.rtol, LOSS.atol, `${what} loss`);
          loss.backward(gpuTensor(dyHost, [B]));
          expectClose(await out.grad!.data(), refGrad, GRAD.rtol, GRAD.atol * Math.max(1, maxAbs(refGrad)), `${what} grad`);
        }
      }
    }
  });

  it('B = 1,000, I = 8, n = 3 with targets ~10 standard deviations away (more threads than one texture row)', async () => {
    const { output, target } = randomCase(77, 1000, 8, 3, 'identity');
    for (let k = 0; k < target.length; k++) target[k] = target[k]! + (k % 2 ? 1 : -1);
    const [o32, t32] = [f32(output), f32(target)];
    const ref = propelForward(o32, t32, { B: 1000, I: 8, n: 3 }, { sigma: 0.1 });
    const refGrad = propelBackward(ref.saved, 1 / 1000);
    const out = A.variable(gpuTensor(o32, [1000, 8, 6]), { requiresGrad: true });
    const loss = propelLoss(out, gpuTensor(t32, [1000, 3]), { sigma: 0.1 });
    loss.backward();
    const want = Array.from(ref.lossPerSample).reduce((a, b) => a + b, 0) / 1000;
    expectClose([(await loss.data())[0]!], [want], LOSS.rtol, LOSS.atol, 'mean loss');
    expectClose(await out.grad!.data(), refGrad, GRAD.rtol, GRAD.atol * Math.max(1, maxAbs(refGrad)), 'grad');
  });

  it('finite loss and gradient 1e3 and 1e6 standard deviations from the target', async () => {
    // The loss is well conditioned there (it grows like distance²) and must match to 1e-4. The gradient is
    // only checked finite: it is a softmax over terms of size distance²/variance (~1e10), which float32
    // inputs and arithmetic determine only to about 1e-7 of that size.
    const { output, target } = randomCase(78, 8, 4, 3, 'identity');
    for (const away of [1e3, 1e6]) {
      const far = Float64Array.from(target, (t, k) => t + (k % 2 ? away : -away) * 0.1);
      const [o32, t32] = [f32(output), f32(far)];
      const ref = propelForward(o32, t32, { B: 8, I: 4, n: 3 }, { sigma: 0.1 });
      const out = A.variable(gpuTensor(o32, [8, 4, 6]), { requiresGrad: true });
      const loss = propelLoss(out, gpuTensor(t32, [8, 3]), { sigma: 0.1, reduction: 'none' });
      expectClose(await loss.value.data(), ref.lossPerSample, LOSS.rtol, LOSS.atol, `loss ${away} sd away`);
      loss.backward(T.ones([8], { device: 'gpu' }));
      const g = await out.grad!.data();
      expect(Array.from(g).every(Number.isFinite), `grad ${away} sd away is finite`).to.equal(true);
      expect(maxAbs(g), `grad ${away} sd away is not all zero`).to.be.greaterThan(0);
    }
  });

  it('a training loop of propelLoss + backward + SGD on gpu reads nothing back until the loss is read', async () => {
    const B = 16, I = 3, n = 2, F = 4;
    const g = new T.Generator(5);
    const x = T.randn([B, F], { seed: 6, device: 'gpu' });
    const target = T.rand([B, n], { seed: 7, device: 'gpu' });
    const W = A.variable(T.tensor(Float32Array.from({ length: F * I * 2 * n }, () => 0.3 * g.normal() + 0.2), { shape: [F, I * 2 * n], device: 'gpu' }), { requiresGrad: true });
    const opt = new A.optim.SGD([W], { lr: 0.05 });
    const step = () => {
      opt.zeroGrad();
      const out = A.reshape(A.matmul(x, W), [B, I, 2 * n]);
      const loss = propelLoss(out, target, { sigma: 0.2, sigmaTransform: 'softplus' });
      loss.backward();
      opt.step();
      return loss;
    };
    step(); // compile the kernels
    const before = gpuInfo().readbacks;
    let loss = step();
    for (let k = 0; k < 5; k++) loss = step();
    expect(gpuInfo().readbacks, 'readbacks during 6 training steps').to.equal(before);
    expect(W.value.storage).to.be.instanceOf(GpuStorage);
    expect(W.grad!.storage).to.be.instanceOf(GpuStorage);
    const value = (await loss.data())[0]!;
    expect(gpuInfo().readbacks).to.equal(before + 1);
    expect(Number.isFinite(value)).to.equal(true);
  });

  it("noGrad forward works, and a zero standard deviation is the CPU's error when the loss or the gradient is read", async () => {
    const ok = A.noGrad(() => propelLoss(gpuTensor([0.5, 0.3, 0.7, 0.4], [1, 2, 2]), gpuTensor([0.5], [1, 1]), { sigma: 0.2 }));
    expect(ok.requiresGrad).to.equal(false);
    expect(Number.isFinite((await ok.data())[0]!)).to.equal(true);
    const values = [0.5, 0, 0.7, 0.3];
    let cpuMessage = '';
    try { propelLoss(T.tensor(values, { shape: [1, 2, 2] }), T.tensor([[0.5]]), { sigma: 0.2 }); } catch (e) { cpuMessage = (e as Error).message; }
    expect(cpuMessage).to.match(/^propelLoss: output standard deviation at index \[0,0,1\] is 0/);
    const target = gpuTensor([0.5], [1, 1]);
    await rejects(A.noGrad(() => propelLoss(gpuTensor(values, [1, 2, 2]), target, { sigma: 0.2 })).data(), cpuMessage);
    // reading only the gradient runs the same check
    const v = A.variable(gpuTensor(values, [1, 2, 2]), { requiresGrad: true });
    propelLoss(v, target, { sigma: 0.2 }).backward();
    await rejects(v.grad!.data(), cpuMessage);
  });

  it("a standard deviation float32 cannot square (1e-20: the CPU gives 18.5) is an error on read, not a wrong number", async () => {
    // (the float32 tensor holds 1e-20 as 9.9999997e-21, as the message says.) One flagged sample among many:
    // the mean must not dilute the flag below the check
    const B = 300;
    const values = Array.from({ length: B * 4 }, (_, k) => (k % 2 === 0 ? 0.1 * (k % 7) : 0.5));   // [mu0, s0, mu1, s1] a sample
    values[4 * 123 + 3] = 1e-20;
    const target = gpuTensor(Array.from({ length: B }, () => 0.2), [B, 1]);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const loss = propelLoss(gpuTensor(values, [B, 2, 2]), target, { sigma: 0.2, reduction });
      await rejects(loss.data(), /propelLoss: output standard deviation at index \[123,1,1\] is 9\.9999\d+e-21, whose variance 9\.9999\d+e-41 is below 1e-30, the smallest the 'gpu' device \(float32\) computes with/);
    }
    const v = A.variable(gpuTensor(values, [B, 2, 2]), { requiresGrad: true });
    propelLoss(v, target, { sigma: 0.2 }).backward();
    await rejects(v.grad!.data(), /index \[123,1,1\] is 9\.9999\d+e-21/);
    // and a NaN input: the gradient read names it as the loss read does
    const nan = A.variable(gpuTensor([0.5, 0.3, 0.7, NaN], [1, 2, 2]), { requiresGrad: true });
    propelLoss(nan, gpuTensor([0.5], [1, 1]), { sigma: 0.2 }).backward();
    await rejects(nan.grad!.data(), /propelLoss: output contains NaN at index \[0,1,1\]/);
  });

  it('a NaN or infinity in the inputs is reported when the loss is read back, with the CPU path\'s message', async () => {
    const output = gpuTensor([0.5, 0.3, 0.7, NaN], [1, 2, 2]);
    const target = gpuTensor([0.5], [1, 1]);
    const loss = propelLoss(output, target, { sigma: 0.2 });
    await rejects(loss.data(), /propelLoss: output contains NaN at index \[0,1,1\] \(flat 3\), expected finite values/);
    const perSample = propelLoss(gpuTensor([0.5, 0.3, 0.7, 0.4], [1, 2, 2]), gpuTensor([Infinity], [1, 1]), { sigma: 0.2, reduction: 'none' });
    await rejects(perSample.array(), /propelLoss: target contains Infinity at index \[0,0\]/);
    // a finite loss is read with one readback and no check traffic
    const before = gpuInfo().readbacks;
    expect(Number.isFinite((await propelLoss(gpuTensor([0.5, 0.3, 0.7, 0.4], [1, 2, 2]), target, { sigma: 0.2 }).data())[0]!)).to.equal(true);
    expect(gpuInfo().readbacks).to.equal(before + 1);
  });

  it('gpu.js ran every kernel in this mode (no silent fallback)', async () => {
    expect(gpuInfo().fallbacks.filter((f) => f.startsWith(`${mode}|`))).to.deep.equal([]);
  });
}
