// Tests of mixtureNll (packages/propel/src/mixture-nll.ts), the mixture negative log-likelihood, against
// independent oracles: hand computations written out (I = 1 Gaussians, duplicated components, far targets),
// a naive float64 formula in this file (the density as products of exp, then -log of their mean), float64
// central differences (A.gradcheck, A.gradgradcheck), and on device 'gpu' the CPU float64 value of the
// float32-rounded inputs. Also a cross-check with mixtureLogPdf (a separate host implementation).
//
// Tolerances: float64 against the oracle rtol 1e-12 (a few operations in a different order); float32 and
// 'gpu' (float32) rtol 1e-4 with an absolute floor 1e-5 (the losses are of order 1, a float32 log-sum-exp
// loses a few ulp per term).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { gpuInfo, setGpuMode, type GpuMode, type Tensor } from '@propel-ts/tensor';
import { mixtureLogPdf, mixtureNll, type SigmaTransform } from '@propel-ts/propel';
import { randomCase } from './reference';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const TRANSFORMS: readonly SigmaTransform[] = ['identity', 'softplus', 'exp'];

const f64 = (data: ArrayLike<number>, shape: number[]) => T.tensor(Float64Array.from(data), { shape, dtype: 'float64' });

/** The standard deviation of a raw channel, written out per transform (not the package's stdOf). */
function sdOf(s: number, tr: SigmaTransform): number {
  return tr === 'identity' ? Math.abs(s) : tr === 'softplus' ? Math.log1p(Math.exp(s)) : Math.exp(s);
}

/** The naive oracle: -log((1/I) sum_i prod_d N(t_d; mu_id, sd_id²)) per sample, products and exp in float64. */
function naiveNll(output: ArrayLike<number>, target: ArrayLike<number>, B: number, I: number, n: number, tr: SigmaTransform): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    let density = 0;
    for (let i = 0; i < I; i++) {
      let p = 1;
      for (let d = 0; d < n; d++) {
        const o = (b * I + i) * 2 * n;
        const sd = sdOf(output[o + n + d]!, tr);
        const z = (target[b * n + d]! - output[o + d]!) / sd;
        p *= Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
      }
      density += p;
    }
    out.push(-Math.log(density / I));
  }
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  for (let k = 0; k < want.length; k++) {
    const g = got[k]!;
    const w = want[k]!;
    expect(Math.abs(g - w), `${what}[${k}]: got ${g}, want ${w}`).to.be.at.most(rtol * Math.abs(w) + atol);
  }
}

const values = (v: A.Variable | Tensor) => Array.from((v instanceof A.Variable ? v.value : v).toTypedArray());

describe('mixtureNll: values', () => {
  it('I = 1, n = 1: the Gaussian NLL by hand, each reduction, float64 in and out', () => {
    // sample 0: mu 0.5, s 0.2, t 0.7 -> z = 1; sample 1: mu -1, s -2 (identity ignores the sign), t 0 -> z = 0.5
    const output = f64([0.5, 0.2, -1, -2], [2, 1, 2]);
    const target = f64([0.7, 0], [2, 1]);
    const L0 = HALF_LOG_2PI + Math.log(0.2) + 0.5;
    const L1 = HALF_LOG_2PI + Math.log(2) + 0.5 * 0.25;
    const none = mixtureNll(output, target, { reduction: 'none' });
    expect(none.shape).to.deep.equal([2]);
    expect(none.dtype).to.equal('float64');
    expectClose(values(none), [L0, L1], 1e-14, 0, 'none');
    const sum = mixtureNll(output, target, { reduction: 'sum' });
    expect(sum.shape).to.deep.equal([]);
    expectClose(values(sum), [L0 + L1], 1e-14, 0, 'sum');
    expectClose(values(mixtureNll(output, target, { reduction: 'mean' })), [(L0 + L1) / 2], 1e-14, 0, 'mean');
    expectClose(values(mixtureNll(output, target)), [(L0 + L1) / 2], 1e-14, 0, 'default reduction (mean)');
  });

  it('I = 1, n = 2: a diagonal Gaussian is the sum of its dimensions; I = 2 equal components give the same value', () => {
    // mu (1, -1), sd (0.5, 3), t (2, 0.5): z = (2, 0.5)
    const L = 2 * HALF_LOG_2PI + Math.log(0.5) + Math.log(3) + 0.5 * (4 + 0.25);
    const one = mixtureNll(f64([1, -1, 0.5, 3], [1, 1, 4]), f64([2, 0.5], [1, 2]));
    expectClose(values(one), [L], 1e-14, 0, 'I = 1');
    // (1/2)(p + p) = p
    const two = mixtureNll(f64([1, -1, 0.5, 3, 1, -1, -0.5, 3], [1, 2, 4]), f64([2, 0.5], [1, 2]));
    expectClose(values(two), [L], 1e-14, 0, 'I = 2, equal');
  });

  for (const tr of TRANSFORMS) {
    it(`I = 3, n = 2, random, sigmaTransform '${tr}': the naive float64 formula, and -mixtureLogPdf`, () => {
      const B = 5, I = 3, n = 2;
      const { output, target } = randomCase(31 + tr.length, B, I, n, tr);
      const o = f64(output, [B, I, 2 * n]);
      const t = f64(target, [B, n]);
      const got = values(mixtureNll(o, t, { reduction: 'none', sigmaTransform: tr }));
      expectClose(got, naiveNll(output, target, B, I, n, tr), 1e-12, 1e-14, `nll '${tr}'`);
      expectClose(got, values(mixtureLogPdf(o, t, { sigmaTransform: tr })).map((x) => -x), 1e-12, 1e-14, `-mixtureLogPdf '${tr}'`);
    });
  }

  it('float32 in, float32 out, close to the float64 oracle', () => {
    const B = 4, I = 3, n = 2;
    const { output, target } = randomCase(5, B, I, n, 'softplus');
    const o32 = Float32Array.from(output);
    const t32 = Float32Array.from(target);
    const loss = mixtureNll(T.tensor(o32, { shape: [B, I, 2 * n] }), T.tensor(t32, { shape: [B, n] }), { reduction: 'none', sigmaTransform: 'softplus' });
    expect(loss.dtype).to.equal('float32');
    expectClose(values(loss), naiveNll(o32, t32, B, I, n, 'softplus'), 1e-4, 1e-5, 'float32');
  });
});

describe('mixtureNll: log-space stability', () => {
  it('t - mu = 1e3·sd: finite (the direct formula is inf), the value and gradient by hand', () => {
    const sd = 0.3;
    const mu = 0.25;
    const t = mu + 1e3 * sd;
    expect(naiveNll([mu, sd], [t], 1, 1, 1, 'identity')[0], 'the direct form underflows').to.equal(Infinity);
    const output = A.variable(f64([mu, sd], [1, 1, 2]), { requiresGrad: true });
    const loss = mixtureNll(output, f64([t], [1, 1]));
    // L = z²/2 + log sd + log sqrt(2π), z = 1e3
    expectClose(values(loss), [0.5e6 + Math.log(sd) + HALF_LOG_2PI], 1e-14, 0, 'far I = 1');
    loss.backward();
    // dL/dmu = -(t - mu)/sd² = -1e3/sd;  dL/dsd = 1/sd - z²/sd
    expectClose(values(output.grad!), [-1e3 / sd, (1 - 1e6) / sd], 1e-10, 0, 'far gradient');
  });

  it('two far components: the nearer one dominates, as written out (log-sum-exp, nothing underflows to 0)', () => {
    // components at t - 1e3·sd and t + 2e3·sd, same sd: a_1 = -5e5 - c, a_2 = -2e6 - c, c = log sd + log sqrt(2π)
    // L = -log((e^a1 + e^a2) / 2) = 5e5 + c + log 2 - log(1 + e^(a2 - a1)), and e^(-1.5e6) is 0 in float64
    const sd = 2;
    const t = 10;
    const output = A.variable(f64([t - 1e3 * sd, sd, t + 2e3 * sd, sd], [1, 2, 2]), { requiresGrad: true });
    const loss = mixtureNll(output, f64([t], [1, 1]), { reduction: 'sum' });
    expectClose(values(loss), [5e5 + Math.log(sd) + HALF_LOG_2PI + Math.log(2)], 1e-14, 0, 'far I = 2');
    loss.backward();
    // all the weight on component 1: its I = 1 gradient; component 2 gets weight e^(-1.5e6) = 0
    expectClose(values(output.grad!), [-1e3 / sd, (1 - 1e6) / sd, 0, 0], 1e-10, 0, 'far I = 2 gradient');
  });
});

describe('mixtureNll: float32 gradients at tiny standard deviations', () => {
  // component 2 (mu 1, sd 1e-13 or e^-30) is 1e12 sds from the target: its weight is exactly 0, so its
  // gradient is 0; by hand, d/dmu1 = -(t - mu1)/sd1² = -0.4 and d/dsd1 = 1/sd1 - (t - mu1)²/sd1³ = 1.92
  for (const [tr, s2] of [['identity', 1e-13], ['exp', -30]] as const) {
    it(`sigmaTransform '${tr}', raw sd ${s2}: float32's gradient is float64's rounded, not NaN (0 · ∞ in d²/2v)`, () => {
      const grad = (dtype: 'float32' | 'float64') => {
        const o = A.variable(T.tensor([[[0, tr === 'identity' ? 0.5 : Math.log(0.5)], [1, s2]]], { dtype }), { requiresGrad: true });
        mixtureNll(o, T.tensor([[0.1]], { dtype }), { sigmaTransform: tr }).backward();
        return Array.from(o.grad!.toTypedArray());
      };
      const g64 = grad('float64'), g32 = grad('float32');
      expect(g64[0]).to.be.closeTo(-0.4, 1e-12);
      expect(g64[1]).to.be.closeTo(tr === 'identity' ? 1.92 : 1.92 * 0.5, 1e-12); // 'exp': d/ds = sd · d/dsd
      expect(g64.slice(2)).to.deep.equal([0, 0]);
      g32.forEach((g, i) => expect(g, `element ${i}`).to.be.closeTo(g64[i]!, 1e-6));
    });
  }
});

describe('mixtureNll: gradients (float64 central differences)', () => {
  for (const tr of TRANSFORMS) {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      it(`gradcheck with respect to output and target, sigmaTransform '${tr}', reduction '${reduction}'`, () => {
        const { output, target } = randomCase(7, 3, 3, 2, tr);
        A.gradcheck((o, t) => mixtureNll(o, t, { sigmaTransform: tr, reduction }), [f64(output, [3, 3, 4]), f64(target, [3, 2])], { names: ['output', 'target'] });
      });
    }
    it(`gradgradcheck (second order), sigmaTransform '${tr}'`, () => {
      const { output, target } = randomCase(8, 2, 3, 2, tr);
      A.gradgradcheck((o, t) => mixtureNll(o, t, { sigmaTransform: tr }), [f64(output, [2, 3, 4]), f64(target, [2, 2])]);
    });
  }
});

describe('mixtureNll: validation', () => {
  const o = f64([0.5, 0.2, 1, 0.3], [1, 2, 2]);
  const t = f64([0.1], [1, 1]);
  const cases: [string, () => unknown, RegExp][] = [
    ['target n mismatch', () => mixtureNll(o, f64([0, 0], [1, 2])), /^mixtureNll: target has n = 2 dimensions, expected 1 .*shape \[1,2\]/],
    ['target batch mismatch', () => mixtureNll(o, f64([0, 0], [2, 1])), /^mixtureNll: target has batch size 2, expected 1/],
    ['odd last dimension', () => mixtureNll(f64([1, 2, 3], [1, 1, 3]), t), /^mixtureNll: output's last dimension must be even \(2n.*got shape \[1,1,3\]/],
    ['rank 2 output', () => mixtureNll(f64([1, 2], [1, 2]), t), /^mixtureNll: output must have rank 3, shape \[B, I, 2n\].*got shape \[1,2\]/],
    ['bad reduction', () => mixtureNll(o, t, { reduction: 'avg' as 'mean' }), /^mixtureNll: reduction got "avg", expected one of 'mean', 'sum', 'none'/],
    ['bad sigmaTransform', () => mixtureNll(o, t, { sigmaTransform: 'relu' as 'exp' }), /^mixtureNll: sigmaTransform got "relu", expected one of 'identity', 'softplus', 'exp'/],
    ['unknown option', () => mixtureNll(o, t, { sigma: 0.1 } as object), /^mixtureNll: .*sigma/],
    ['too many arguments', () => (mixtureNll as (...a: unknown[]) => unknown)(o, t, {}, 1), /^mixtureNll: got 4 arguments, expected at most 3/],
    ['not a tensor', () => mixtureNll([1, 2] as unknown as Tensor, t), /^mixtureNll: output must be a Variable or Tensor, got/],
    ['dtype mismatch', () => mixtureNll(o, T.tensor([[0.1]], { dtype: 'float32' })), /^mixtureNll: .*(dtype|float32)/],
    ['NaN in output', () => mixtureNll(f64([0.5, 0.2, NaN, 0.3], [1, 2, 2]), t), /^mixtureNll: output contains NaN at index \[0,1,0\] \(flat 2\), expected finite values/],
    ['infinite target', () => mixtureNll(o, f64([Infinity], [1, 1])), /^mixtureNll: target contains Infinity at index \[0,0\]/],
    ['zero standard deviation', () => mixtureNll(f64([0.5, 0, 1, 0.3], [1, 2, 2]), t), /^mixtureNll: output standard deviation at index \[0,0,1\] is 0, whose variance s² is 0/],
    ["'exp' of a huge raw value", () => mixtureNll(f64([0.5, 400, 1, 0.3], [1, 2, 2]), t, { sigmaTransform: 'exp' }), /^mixtureNll: output standard deviation at index \[0,0,1\]: sigmaTransform 'exp' of 400 gives variance Infinity/],
    ['beyond float64 range', () => mixtureNll(f64([0, 1e-150, 1, 0.3], [1, 2, 2]), f64([1e160], [1, 1])), /^mixtureNll: the loss is not finite although every input is finite .*float64's range/],
  ];
  for (const [what, call, re] of cases) {
    it(`${what}: a TensorError naming mixtureNll, what was given and what was expected`, () => {
      expect(call).to.throw(T.TensorError, re);
    });
  }
});

describe("mixtureNll on 'gpu'", function () {
  this.timeout(120_000);
  const INFO = gpuInfo();
  after(() => setGpuMode('auto'));
  // webasm runs everywhere Node does; headlessgl needs a display (xvfb-run), so it is checked when present
  for (const mode of ['webasm', 'headlessgl'] as GpuMode[]) {
    if (mode !== 'webasm' && !INFO.availableModes.includes(mode)) {
      it.skip(`mode ${mode}: ${INFO.unavailable[mode] ?? 'not available'}`, () => undefined);
      continue;
    }
    describe(`mode ${mode}`, () => {
      before(() => {
        expect(INFO.availableModes, `gpu.js mode ${mode}: ${INFO.unavailable[mode] ?? ''}`).to.include(mode);
        setGpuMode(mode);
      });

      for (const tr of TRANSFORMS) {
        it(`loss and gradients match the CPU float64 value of the same float32 inputs, sigmaTransform '${tr}'`, () => {
          const B = 6, I = 3, n = 2;
          const { output, target } = randomCase(11, B, I, n, tr);
          const o32 = Float32Array.from(output);
          const t32 = Float32Array.from(target);
          const og = A.variable(T.tensor(o32, { shape: [B, I, 2 * n], device: 'gpu' }), { requiresGrad: true });
          const tg = A.variable(T.tensor(t32, { shape: [B, n], device: 'gpu' }), { requiresGrad: true });
          const loss = mixtureNll(og, tg, { reduction: 'none', sigmaTransform: tr });
          expect(loss.value.device).to.equal('gpu');
          const oc = A.variable(f64(o32, [B, I, 2 * n]), { requiresGrad: true });
          const tc = A.variable(f64(t32, [B, n]), { requiresGrad: true });
          const want = mixtureNll(oc, tc, { reduction: 'none', sigmaTransform: tr });
          expectClose(values(loss), values(want), 1e-4, 1e-5, `gpu loss '${tr}'`);
          A.sum(loss).backward();
          A.sum(want).backward();
          const gMax = Math.max(1, ...values(oc.grad!).map(Math.abs));
          expectClose(values(og.grad!), values(oc.grad!), 1e-3, 1e-5 * gMax, `gpu d/d output '${tr}'`);
          expectClose(values(tg.grad!), values(tc.grad!), 1e-3, 1e-5 * gMax, `gpu d/d target '${tr}'`);
        });
      }

      it('a NaN input is reported when the loss is read back, with the CPU message', () => {
        const og = T.tensor(Float32Array.from([0.5, 0.2, NaN, 0.3]), { shape: [1, 2, 2], device: 'gpu' });
        const tg = T.tensor(Float32Array.from([0.1]), { shape: [1, 1], device: 'gpu' });
        const loss = mixtureNll(og, tg);
        expect(() => loss.value.item()).to.throw(T.TensorError, /^mixtureNll: output contains NaN at index \[0,1,0\]/);
      });
    });
  }
});
