// The PROPEL loss as users call it (`propelLoss`, `PropelLoss`, `propelLossComposite` from '@propel-ts/propel'),
// on the CPU: the reference fixture through the public API (both modes, every reduction, float64 and
// float32), autograd's gradcheck of the fused op, fused vs composite, the once-differentiable contract,
// errors, and the original implementation's optimisation test, ported.
//
// Tolerances: float64 1e-9 relative (absolute floor 1e-12); float32 1e-4 relative on the loss (floor 1e-6)
// and 1e-3 on gradients (floor 1e-5·max(1, max|grad|)), as issue 5 states.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { PropelLoss, propelLoss, propelLossComposite, type PropelLossOptions } from '@propel-ts/propel';
import { fixture, maxAbs } from './fixture';

function close(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!(Math.abs(g - w) <= rtol * Math.abs(w) + atol)) expect.fail(`${what}[${i}]: got ${g}, expected ${w} (rtol ${rtol}, atol ${atol})`);
  }
}


describe('propelLoss: the reference fixture through the public API', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const [lossRtol, lossAtol, gradRtol, gradFloor] = dtype === 'float64' ? [1e-9, 1e-12, 1e-9, 1e-12] : [1e-4, 1e-6, 1e-3, 1e-5];
    for (const mode of ['paper', 'torchpropel'] as const) {
      it(`${dtype}, mode '${mode}': per-sample losses, the reduced loss and d(reduced loss)/d(output) for all ${fixture.cases.length} cases`, () => {
        for (const c of fixture.cases) {
          const output = A.variable(T.tensor(c.output, { shape: [c.B, c.I, 2 * c.n], dtype }), { requiresGrad: true });
          const target = T.tensor(c.target, { shape: [c.B, c.n], dtype });
          const perSample = mode === 'paper' ? c.loss_per_sample : c.compat_loss_per_sample;
          const grad = mode === 'paper' ? c.grad_output : c.compat_grad_output;
          const none = propelLoss(output, target, { sigma: c.sigma, reduction: 'none', mode });
          expect(none.shape).to.deep.equal([c.B]);
          close(none.value.toTypedArray(), perSample, lossRtol, lossAtol, `${c.name} loss`);
          const loss = propelLoss(output, target, { sigma: c.sigma, reduction: c.reduction, mode });
          const sum = perSample.reduce((a, b) => a + b, 0);
          if (c.reduction !== 'none') close([loss.item()], [c.reduction === 'mean' ? sum / c.B : sum], lossRtol, lossAtol, `${c.name} reduced`);
          (c.reduction === 'none' ? A.sum(loss) : loss).backward();
          close(output.grad!.toTypedArray(), grad, gradRtol, gradFloor * Math.max(1, maxAbs(grad)), `${c.name} grad`);
          expect(output.grad!.dtype).to.equal(dtype);
        }
      });
    }
  }
});

describe('propelLoss: gradients, composite and higher order', () => {
  const transforms = ['identity', 'softplus', 'exp'] as const;
  function randomInputs(B: number, I: number, n: number, seed: number): { out: T.Tensor; tgt: T.Tensor } {
    const g = new T.Generator(seed);
    const out = T.tensor(Array.from({ length: B * I * 2 * n }, (_, k) => (k % (2 * n) < n ? g.normal() : 0.3 + g.uniform())), { shape: [B, I, 2 * n], dtype: 'float64' });
    const tgt = T.tensor(Array.from({ length: B * n }, () => g.normal()), { shape: [B, n], dtype: 'float64' });
    return { out, tgt };
  }
  for (const I of [1, 2, 5]) {
    for (const n of [1, 3]) {
      it(`gradcheck of the fused op, I=${I}, n=${n}, every sigmaTransform and reduction`, () => {
        transforms.forEach((sigmaTransform, k) => {
          const { out, tgt } = randomInputs(3, I, n, 10 * I + n + k);
          for (const reduction of ['mean', 'sum', 'none'] as const) {
            A.gradcheck((o) => propelLoss(o, tgt, { sigma: 0.7, sigmaTransform, reduction }), [out], { name: 'propelLoss', names: ['output'], seed: k });
          }
        });
      });
    }
  }
  it('fused and composite agree to 1e-10 in float64 (loss and gradient), both modes and every transform', () => {
    for (const [I, n] of [[1, 1], [2, 3], [5, 2], [6, 6]] as const) {
      for (const mode of ['paper', 'torchpropel'] as const) {
        for (const sigmaTransform of transforms) {
          const { out, tgt } = randomInputs(4, I, n, I * 7 + n);
          const opts: PropelLossOptions = { sigma: 0.4, mode, sigmaTransform, reduction: 'none' };
          const a = A.variable(out, { requiresGrad: true });
          const b = A.variable(out, { requiresGrad: true });
          const la = propelLoss(a, tgt, opts);
          const lb = propelLossComposite(b, tgt, opts);
          close(la.value.toTypedArray(), lb.value.toTypedArray(), 1e-10, 1e-12, `I=${I} n=${n} ${mode} ${sigmaTransform} loss`);
          const dy = T.randn([4], { seed: 3, dtype: 'float64' });
          la.backward(dy);
          lb.backward(dy);
          close(a.grad!.toTypedArray(), b.grad!.toTypedArray(), 1e-10, 1e-12, `I=${I} n=${n} ${mode} ${sigmaTransform} grad`);
        }
      }
    }
  });
  it('the composite agrees with the fused op at tiny sigma, where sigma² underflows (1e-160: subnormal, 1e-170: 0)', () => {
    // log H(v_g) must come from log sigma: from log(sigma²) it was +Infinity at 1e-170 and 1.5e-8 off at 1e-160
    const { out, tgt } = randomInputs(3, 3, 2, 11);
    for (const sigma of [1e-160, 1e-170]) {
      for (const mode of ['paper', 'torchpropel'] as const) {
        const a = A.variable(out, { requiresGrad: true });
        const b = A.variable(out, { requiresGrad: true });
        const la = propelLoss(a, tgt, { sigma, mode, reduction: 'none' });
        const lb = propelLossComposite(b, tgt, { sigma, mode, reduction: 'none' });
        close(lb.value.toTypedArray(), la.value.toTypedArray(), 1e-10, 1e-12, `sigma ${sigma} ${mode} loss`);
        A.sum(la).backward();
        A.sum(lb).backward();
        close(b.grad!.toTypedArray(), a.grad!.toTypedArray(), 1e-10, 1e-12, `sigma ${sigma} ${mode} grad`);
      }
    }
  });
  it('the composite in float32 has finite gradients for tiny valid variances (a pair term whose weight is 0)', () => {
    // the pair term d²/(2S) once had a backward forming d²/(2S)², which overflows float32; times its softmax
    // weight (exactly 0) that gave NaN. The fused op (tested against the reference) is the oracle.
    const cases: [number[][][], 'exp' | 'identity'][] = [
      [[[[0.1, -30], [0.5, -30]]], 'exp'],        // std e^-30 ≈ 9e-14
      [[[[0.1, 1e-13], [0.5, 1e-13]]], 'identity'],
      [[[[0.1, 1e-19], [0.5, 2e-19]]], 'identity'], // variances near float32's smallest normal number
    ];
    for (const [data, sigmaTransform] of cases) {
      const grads = [propelLoss, propelLossComposite].map((f) => {
        const o = A.variable(T.tensor(data), { requiresGrad: true }); // float32, B = 1, I = 2, n = 1
        const loss = f(o, T.tensor([[0.3]]), { sigma: 0.2, sigmaTransform });
        loss.backward();
        return { loss: loss.item(), grad: o.grad!.toTypedArray() };
      });
      const [fused, composite] = grads as [{ loss: number; grad: Float32Array }, { loss: number; grad: Float32Array }];
      close([composite.loss], [fused.loss], 1e-4, 1e-6, `${sigmaTransform} ${data} loss`);
      close(composite.grad, fused.grad, 1e-3, 1e-5 * Math.max(1, maxAbs(fused.grad)), `${sigmaTransform} ${data} grad`);
    }
  });
  it("the composite's documented float32 limit: d loss / d variance beyond float32 (sigma 1e-13, std 1e-13)", () => {
    // docs/propel.md: the derivative with respect to the first variance is about 5e49, beyond float32's 3.4e38
    const grads = [propelLoss, propelLossComposite].map((f) => {
      const o = A.variable(T.tensor([[[0, 1e-13], [1, 1e-13]]]), { requiresGrad: true });
      f(o, T.tensor([[0.3]]), { sigma: 1e-13 }).backward();
      return o.grad!.toTypedArray()[1]!;
    });
    expect(grads[0]).to.be.closeTo(-9.77e36, 0.01e36);
    expect(grads[1]).to.equal(-Infinity);
  });
  it('the composite supports second order (gradgradcheck) and gradients with respect to the target', () => {
    const { out, tgt } = randomInputs(2, 2, 2, 5);
    A.gradgradcheck((o) => propelLossComposite(o, tgt, { sigma: 0.6, sigmaTransform: 'softplus' }), [out]);
    A.gradcheck((t) => propelLossComposite(out, t, { sigma: 0.6 }), [tgt], { names: ['target'] });
  });
  it('the fused op is once-differentiable: a second-order gradient through it is a clear error', () => {
    const { out, tgt } = randomInputs(2, 2, 1, 6);
    const x = A.variable(out, { requiresGrad: true });
    const [g] = A.grads(propelLoss(x, tgt, { sigma: 0.5 }), [x], undefined, { createGraph: true });
    expect(() => A.sum(g!).backward()).to.throw(/'propel' is once-differentiable/);
  });
  it('a perfect prediction gives 0 and far targets stay finite through the op', () => {
    for (const n of [1, 2, 3, 6]) {
      const sigma = 0.3;
      const out = T.tensor(Array.from({ length: 2 * 3 * 2 * n }, (_, k) => (k % (2 * n) < n ? 1.5 : sigma)), { shape: [2, 3, 2 * n], dtype: 'float64' });
      const tgt = T.full([2, n], 1.5, { dtype: 'float64' });
      expect(Math.abs(propelLoss(out, tgt, { sigma }).item())).to.be.below(1e-12);
      for (const away of [1e3, 1e6]) {
        const x = A.variable(out, { requiresGrad: true });
        const loss = propelLoss(x, T.full([2, n], 1.5 + away * sigma, { dtype: 'float64' }), { sigma });
        loss.backward();
        expect(Number.isFinite(loss.item())).to.equal(true);
        expect(Array.from(x.grad!.toTypedArray()).every(Number.isFinite)).to.equal(true);
      }
    }
  });
});

describe('propelLoss: the original implementation\'s optimisation test, ported', () => {
  // torchpropel optimises a raw [16, I, 2n] tensor with SGD (lr 0.1, 1000 steps) toward targets in [1, 2).
  // In 'paper' mode L = log10((∫p² + ∫q²) / (2∫pq)) >= 0, with 0 only when every component equals the
  // ground truth, so the loss must fall steadily and stay in [0, initial).
  for (const [I, n] of [[1, 1], [2, 2], [4, 3]] as const) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`I=${I}, n=${n}, ${dtype}: SGD converges`, () => {
        const g = new T.Generator(7);
        const out = A.variable(T.tensor(Array.from({ length: 16 * I * 2 * n }, () => g.uniform()), { shape: [16, I, 2 * n], dtype }), { requiresGrad: true });
        const tgt = T.tensor(Array.from({ length: 16 * n }, () => 1 + g.uniform()), { shape: [16, n], dtype });
        const opt = new A.optim.SGD([out], { lr: 0.1 });
        const checkpoints: number[] = [];
        for (let step = 0; step < 1000; step++) {
          opt.zeroGrad();
          const loss = propelLoss(out, tgt, { sigma: 0.1 });
          loss.backward();
          opt.step();
          if (step % 100 === 0 || step === 999) checkpoints.push(loss.item());
        }
        // strictly decreasing until it reaches the minimum 0 (to rounding: I = 1 gets there)
        const atZero = dtype === 'float64' ? 1e-12 : 1e-5;
        for (let k = 1; k < checkpoints.length; k++) {
          if (Math.abs(checkpoints[k]!) > atZero) expect(checkpoints[k], `checkpoint ${k}`).to.be.below(checkpoints[k - 1]!);
        }
        const final = checkpoints.at(-1)!;
        expect(final).to.be.at.least(dtype === 'float64' ? -1e-12 : -1e-5);
        expect(final).to.be.below(0.1 * checkpoints[0]!);
      });
    }
  }
});

describe('propelLoss: options, class and errors', () => {
  const out = T.tensor(Array.from({ length: 2 * 2 * 4 }, (_, k) => (k % 4 < 2 ? k / 10 : 0.5)), { shape: [2, 2, 4] });
  const tgt = T.tensor([[0, 0.1], [0.2, 0.3]]);
  it('defaults: sigma 0.1, mean, paper, identity; PropelLoss.forward gives the same number', () => {
    const want = propelLoss(out, tgt, { sigma: 0.1, reduction: 'mean', mode: 'paper', sigmaTransform: 'identity' }).item();
    expect(propelLoss(out, tgt).item()).to.equal(want);
    const criterion = new PropelLoss();
    expect(criterion.options).to.deep.equal({ sigma: 0.1, reduction: 'mean', mode: 'paper', sigmaTransform: 'identity' });
    expect(criterion.forward(out, tgt).item()).to.equal(want);
    expect(new PropelLoss({ sigma: 0.2, reduction: 'sum' }).forward(out, tgt).item()).to.equal(propelLoss(out, tgt, { sigma: 0.2, reduction: 'sum' }).item());
  });
  it('records one node and skips the Jacobian when nothing needs a gradient', () => {
    const x = A.variable(out, { requiresGrad: true });
    const loss = propelLoss(x, tgt);
    expect(loss.node!.name).to.equal('propel');
    expect(loss.node!.inputs[0]).to.equal(x);
    const plain = propelLoss(out, tgt);
    expect(plain.requiresGrad).to.equal(false);
    expect(plain.item()).to.equal(loss.item());
  });
  it('bad input: ranks, sizes, options, dtypes, NaN, zero standard deviation, a target that requires a gradient', () => {
    expect(() => propelLoss(T.zeros([2, 4]), tgt)).to.throw(/propelLoss: output must have rank 3/);
    expect(() => propelLoss(T.zeros([2, 2, 3]), tgt)).to.throw(/propelLoss: output's last dimension must be even/);
    expect(() => propelLoss(out, T.zeros([2, 3]))).to.throw(/propelLoss: target has n = 3 dimensions, expected 2/);
    expect(() => propelLoss(out, T.zeros([3, 2]))).to.throw(/propelLoss: target has batch size 3, expected 2/);
    expect(() => propelLoss(out, tgt, { sigma: 0 })).to.throw(/propelLoss: sigma .* must be a finite number > 0, got 0/);
    expect(() => propelLoss(out, tgt, { sigma: -1 })).to.throw(/got -1/);
    expect(() => propelLoss(out, tgt, { reduction: 'avg' as 'mean' })).to.throw(/reduction got "avg", expected one of 'mean', 'sum', 'none'/);
    expect(() => propelLoss(out, tgt, { mode: 'pytorch' as 'paper' })).to.throw(/mode must be 'paper' or 'torchpropel'/);
    expect(() => propelLoss(out, tgt.astype('float64'))).to.throw(/propelLoss: target has dtype float64 but output has float32/);
    const withNaN = T.tensor(Array.from({ length: 16 }, (_, k) => (k === 5 ? NaN : 0.5)), { shape: [2, 2, 4] });
    expect(() => propelLoss(withNaN, tgt)).to.throw(/propelLoss: output contains NaN at index \[0,1,1\]/);
    const zeroSd = T.tensor(Array.from({ length: 16 }, (_, k) => (k === 3 ? 0 : 0.5)), { shape: [2, 2, 4] });
    expect(() => propelLoss(zeroSd, tgt)).to.throw(/propelLoss: output standard deviation at index \[0,0,3\] is 0/);
    expect(() => propelLoss(out, A.variable(tgt, { requiresGrad: true }))).to.throw(/propelLoss: target requires a gradient/);
  });
  it('null options are errors naming the option, not the defaults (propelLoss, PropelLoss, propelLossComposite)', () => {
    const calls: [string, (o: PropelLossOptions) => unknown][] = [
      ['propelLoss', (o) => propelLoss(out, tgt, o)],
      ['PropelLoss', (o) => new PropelLoss(o)],
      ['propelLossComposite', (o) => propelLossComposite(out, tgt, o)],
    ];
    for (const [fn, call] of calls) {
      const as = <K>(x: null) => x as unknown as K;
      expect(() => call({ sigma: as<number>(null) }), fn).to.throw(T.TensorError, `${fn}: sigma (the ground-truth standard deviation, at most about 1.34e154 so that sigma² is finite) must be a finite number > 0, got null`);
      expect(() => call({ mode: as<'paper'>(null) }), fn).to.throw(T.TensorError, `${fn}: mode must be 'paper' or 'torchpropel', got null`);
      expect(() => call({ sigmaTransform: as<'exp'>(null) }), fn).to.throw(T.TensorError, `${fn}: sigmaTransform must be 'identity', 'softplus' or 'exp', got null`);
      expect(() => call({ reduction: as<'mean'>(null) }), fn).to.throw(T.TensorError, `${fn}: reduction got null, expected one of 'mean', 'sum', 'none'`);
    }
  });
  it('sigma must have a finite square (at most sqrt(MAX_VALUE) ≈ 1.34e154)', () => {
    const x = T.tensor([[[0, 1]]], { dtype: 'float64' });
    const t = T.tensor([[0]], { dtype: 'float64' });
    for (const sigma of [1e155, 1.35e154, Number.MAX_VALUE]) {
      expect(() => propelLoss(x, t, { sigma }), String(sigma)).to.throw(T.TensorError, `propelLoss: sigma (the ground-truth standard deviation, at most about 1.34e154 so that sigma² is finite) must be a finite number > 0, got ${sigma}`);
      expect(() => propelLossComposite(x, t, { sigma }), String(sigma)).to.throw(T.TensorError, 'propelLossComposite: sigma (the ground-truth');
    }
    // just below the bound: I = 1, n = 1, mu = t, s = 1: L = log10((H(v_g) + H(1)) / (2 G(0, v_g + 1))) by hand
    const sigma = 1.34e154;
    const vg = sigma * sigma;
    const logH = (v: number) => -Math.log(2 * Math.sqrt(Math.PI)) - 0.5 * Math.log(v);
    const want = (Math.log(Math.exp(logH(vg) - logH(1)) + 1) + logH(1) - Math.log(2) + 0.5 * Math.log(2 * Math.PI) + 0.5 * Math.log(vg + 1)) / Math.LN10;
    close([propelLoss(x, t, { sigma }).item(), propelLossComposite(x, t, { sigma }).item()], [want, want], 1e-12, 0, 'sigma 1.34e154');
  });
  it('propelLossComposite checks like propelLoss, naming itself: shapes, dtypes, values', () => {
    const f64 = { dtype: 'float64' } as const;
    const bad: [() => unknown, string][] = [
      [() => propelLossComposite(T.zeros([2, 3, 4]), T.zeros([2, 3])), "propelLossComposite: target has n = 3 dimensions, expected 2 (output's last dimension 4 / 2); target shape [2,3], output shape [2,3,4]"],
      [() => propelLossComposite(T.zeros([2, 3]), T.zeros([2, 3])), 'propelLossComposite: output must have rank 3'],
      [() => propelLossComposite(T.ones([2, 3, 4]), T.ones([2, 2], f64)), "propelLossComposite: target has dtype float64 but output has float32, expected one dtype (convert with .astype('float32'))"],
      [() => propelLossComposite(T.tensor([[[0.5, 0]]], f64), T.tensor([[0.5]], f64)), 'propelLossComposite: output standard deviation at index [0,0,1] is 0, whose variance s² is 0; expected a non-zero standard deviation'],
      [() => propelLossComposite(T.tensor([[[NaN, 0.2]]], f64), T.tensor([[0.5]], f64)), 'propelLossComposite: output contains NaN at index [0,0,0] (flat 0), expected finite values'],
      [() => propelLossComposite(T.tensor([[[0, 0.2]], [[0, 0.2]]], f64), T.tensor([[0.5], [Infinity]], f64)), 'propelLossComposite: target contains Infinity at index [1,0] (flat 1), expected finite values'],
      [() => propelLossComposite(T.tensor([[[0, -800]]], f64), T.tensor([[0.5]], f64), { sigmaTransform: 'exp' }), "propelLossComposite: output standard deviation at index [0,0,1]: sigmaTransform 'exp' of -800 gives variance 0"],
      [() => propelLossComposite([[[0, 1]]] as unknown as T.Tensor, tgt), 'propelLossComposite: output must be a Variable or Tensor, got [[[0, 1]]]'],
    ];
    for (const [call, message] of bad) {
      expect(call, message).to.throw(T.TensorError, message);
    }
  });
});
