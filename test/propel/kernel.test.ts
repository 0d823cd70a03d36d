// Tests of the PROPEL numerical core (packages/propel/src/kernel.ts) on flat arrays: the reference fixture
// (paper and torchpropel modes, float64 and float32), central differences, perfect predictions, far
// targets, extreme variances (the slow path), validation errors and buffer reuse.
//
// Tolerances: |got - want| <= rtol·|want| + atol, with
//   float64: loss rtol 1e-9, atol 1e-12; gradient rtol 1e-9, atol 1e-12·max(1, max|grad of the case|);
//   float32 (inputs rounded to float32, compared with the float64 reference): loss rtol 1e-4, atol 1e-6;
//   gradient rtol 1e-3, atol 1e-5·max(1, max|grad of the case|) (absolute floor for elements near 0).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { TensorError } from '@propel-ts/tensor';
import {
  checkPropelInputs, propelBackward, propelDimsFromShapes, propelForward, propelLoss, stdOf, varianceOf,
  type FloatArray, type PropelDims, type PropelMode, type SigmaTransform,
} from '@propel-ts/propel';
import { directLoss, numericGradient, plainStableLoss, randomCase, rng } from './reference';
import { expectClose, fixture, maxAbs } from './fixture';


function allFinite(a: ArrayLike<number>): boolean {
  for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k]!)) return false;
  return true;
}

/** Loss and gradient of one call, with the upstream gradient the fixture's reduction implies. */
function run(output: FloatArray, target: FloatArray, B: number, I: number, n: number, sigma: number, mode: PropelMode, dy: number | ArrayLike<number>, sigmaTransform: SigmaTransform = 'identity') {
  const fwd = propelForward(output, target, { B, I, n }, { sigma, mode, sigmaTransform });
  return { ...fwd, grad: propelBackward(fwd.saved, dy) };
}

describe('propel kernel: reference fixture (reference-seed15.json)', () => {
  it('keeps its meta block and has 53 cases', () => {
    expect(fixture.meta).to.have.property('made_by');
    expect(fixture.meta).to.have.property('seed', 15);
    expect(fixture.cases).to.have.length(53);
  });

  for (const dtype of ['float64', 'float32'] as const) {
    for (const mode of ['paper', 'torchpropel'] as const) {
      describe(`${dtype}, mode '${mode}'`, () => {
        const f64 = dtype === 'float64';
        for (const c of fixture.cases) {
          it(c.name, () => {
            const Arr = f64 ? Float64Array : Float32Array;
            const output = Arr.from(c.output);
            const target = Arr.from(c.target);
            const dy = c.reduction === 'mean' ? 1 / c.B : 1;
            const { lossPerSample, grad, logT1, logT2 } = run(output, target, c.B, c.I, c.n, c.sigma, mode, dy);
            expect(lossPerSample).to.be.instanceOf(Arr);
            expect(grad).to.be.instanceOf(Arr);
            const wantLoss = mode === 'paper' ? c.loss_per_sample : c.compat_loss_per_sample;
            const wantGrad = mode === 'paper' ? c.grad_output : c.compat_grad_output;
            const gScale = Math.max(1, maxAbs(wantGrad));
            if (f64) {
              expectClose(lossPerSample, wantLoss, 1e-9, 1e-12, 'loss');
              expectClose(grad, wantGrad, 1e-9, 1e-12 * gScale, 'grad');
              if (mode === 'paper') {
                expectClose(Array.from(logT1, (x) => x / Math.LN10), c.log10_T1, 1e-9, 1e-12, 'log10 T1');
                expectClose(Array.from(logT2, (x) => x / Math.LN10), c.log10_T2, 1e-9, 1e-12, 'log10 T2');
              }
            } else {
              expectClose(lossPerSample, wantLoss, 1e-4, 1e-6, 'loss');
              expectClose(grad, wantGrad, 1e-3, 1e-5 * gScale, 'grad');
            }
          });
        }
      });
    }
  }

  it('the direct form written in the test agrees with the fixture where it is finite, and is inf for the far target', () => {
    for (const c of fixture.cases) {
      const direct = directLoss(c.output, c.target, c.B, c.I, c.n, c.sigma);
      c.direct_loss_per_sample.forEach((want, b) => {
        if (want === 'inf') expect(direct[b], c.name).to.equal(Infinity);
        else expect(Math.abs(direct[b]! - want), c.name).to.be.at.most(1e-9 * Math.abs(want) + 1e-12);
      });
    }
  });
});

describe('propel kernel: against the direct and plain stable forms', () => {
  for (const tr of ['identity', 'softplus', 'exp'] as const) {
    for (const mode of ['paper', 'torchpropel'] as const) {
      it(`random cases, ${tr}, ${mode}`, () => {
        let seed = 100;
        for (const I of [1, 2, 3, 5, 8]) {
          for (const n of [1, 2, 3, 6, 10]) {
            const { output, target } = randomCase(seed++, 4, I, n, tr);
            const sigma = [0.1, 0.5, 1][seed % 3]!;
            const { lossPerSample } = propelForward(output, target, { B: 4, I, n }, { sigma, mode, sigmaTransform: tr });
            const direct = directLoss(output, target, 4, I, n, sigma, mode, tr);
            if (allFinite(direct)) expectClose(lossPerSample, direct, 1e-9, 1e-12, `I=${I} n=${n} vs direct`);
            expectClose(lossPerSample, plainStableLoss(output, target, 4, I, n, sigma, mode, tr), 1e-10, 1e-12, `I=${I} n=${n} vs plain stable`);
          }
        }
      });
    }
  }

  it("'torchpropel' equals 'paper' when n = 1", () => {
    const { output, target } = randomCase(3, 8, 4, 1);
    const a = propelForward(output, target, { B: 8, I: 4, n: 1 }, { sigma: 0.3 });
    const b = propelForward(output, target, { B: 8, I: 4, n: 1 }, { sigma: 0.3, mode: 'torchpropel' });
    expectClose(b.lossPerSample, a.lossPerSample, 1e-15, 0, 'loss');
    expectClose(propelBackward(b.saved, 1), propelBackward(a.saved, 1), 1e-15, 0, 'grad');
  });
});

describe('propel kernel: gradient vs float64 central differences', () => {
  // f(output) = sum_b dy_b L_b with a seeded random dy (catches a missing or misplaced dy_b)
  for (const tr of ['identity', 'softplus', 'exp'] as const) {
    for (const mode of ['paper', 'torchpropel'] as const) {
      for (const I of [1, 2, 5]) {
        for (const n of [1, 3]) {
          it(`${tr}, ${mode}, I=${I}, n=${n}`, () => {
            const B = 3;
            const { output, target } = randomCase(1000 + 10 * I + n, B, I, n, tr);
            const r = rng(I * 31 + n);
            const dy = Float64Array.from({ length: B }, () => 2 * r() - 1);
            const opts = { sigma: 0.4, mode, sigmaTransform: tr };
            const f = (x: Float64Array) => {
              const L = propelForward(x, target, { B, I, n }, opts, { needsGrad: false }).lossPerSample;
              return L.reduce((s, l, b) => s + dy[b]! * l, 0);
            };
            const analytic = propelBackward(propelForward(output, target, { B, I, n }, opts).saved, dy);
            const numeric = numericGradient(f, output);
            expectClose(analytic, numeric, 1e-5, 1e-7, 'gradient');
          });
        }
      }
    }
  }

  it('also on the slow path (variance products beyond 1e±280) and far from the target', () => {
    // n = 10, tiny and huge standard deviations: products of variances leave the fast path's range
    for (const [sd, far] of [[1e-16, 0], [1e16, 0], [1e-16, 50], [0.3, 1e3]] as const) {
      const B = 2;
      const I = 3;
      const n = 10;
      const { output, target } = randomCase(77, B, I, n);
      for (let k = 0; k < output.length; k++) {
        if (k % (2 * n) >= n) output[k] = sd * (1 + 0.5 * Math.sin(k)); // distinct, non-zero
        else output[k] = output[k]! * sd;                               // means on the same scale
      }
      for (let k = 0; k < target.length; k++) target[k] = target[k]! * sd + far * sd;
      const sigma = sd;
      const fwd = propelForward(output, target, { B, I, n }, { sigma });
      expectClose(fwd.lossPerSample, plainStableLoss(output, target, B, I, n, sigma), 1e-9, 1e-12, `sd=${sd} far=${far} loss`);
      const analytic = propelBackward(fwd.saved, 1);
      const f = (x: Float64Array) => propelForward(x, target, { B, I, n }, { sigma }, { needsGrad: false }).lossPerSample.reduce((s, l) => s + l, 0);
      // central differences in units of sd (the loss is invariant to scaling every input by one factor);
      // step 1e-4: at these scales the loss itself carries ~1e-13 absolute rounding (logs of 1e±320)
      const scaled = numericGradient((y) => f(y.map((z) => z * sd) as Float64Array), output.map((z) => z / sd) as Float64Array, 1e-4);
      const want = scaled.map((g) => g / sd);
      expectClose(analytic, want, 1e-5, 1e-7 * maxAbs(want), `sd=${sd} far=${far} gradient`);
    }
  });
});

describe('propel kernel: perfect prediction and far targets', () => {
  it("a perfect prediction gives |L| < 1e-12 in float64 for every n (paper mode), with a zero gradient", () => {
    for (let n = 1; n <= 10; n++) {
      for (const I of [1, 2, 3, 6]) {
        for (const sigma of [0.05, 0.2, 1, 3]) {
          const B = 2;
          const output = new Float64Array(B * I * 2 * n);
          const target = Float64Array.from({ length: B * n }, (_, k) => Math.sin(k + 1));
          for (let b = 0; b < B; b++) {
            for (let i = 0; i < I; i++) {
              for (let d = 0; d < n; d++) {
                output[(b * I + i) * 2 * n + d] = target[b * n + d]!;
                output[(b * I + i) * 2 * n + n + d] = (i + d) % 2 === 0 ? sigma : -sigma; // sign of s is irrelevant
              }
            }
          }
          const fwd = propelForward(output, target, { B, I, n }, { sigma });
          for (const L of fwd.lossPerSample) expect(Math.abs(L), `n=${n} I=${I} sigma=${sigma}`).to.be.below(1e-12);
          const g = propelBackward(fwd.saved, 1);
          expect(maxAbs(g), `gradient n=${n} I=${I} sigma=${sigma}`).to.be.below(1e-9 / sigma);
        }
      }
    }
  });

  for (const dtype of ['float64', 'float32'] as const) {
    for (const away of [1e3, 1e6]) {
      it(`targets ${away} standard deviations away give finite loss and gradients (${dtype})`, () => {
        const Arr = dtype === 'float64' ? Float64Array : Float32Array;
        for (const [I, n] of [[1, 1], [2, 3], [6, 3], [5, 10]] as const) {
          const B = 2;
          const sd = 0.2;
          const output = new Arr(B * I * 2 * n);
          for (let k = 0; k < output.length; k++) output[k] = k % (2 * n) < n ? 0.5 + 0.01 * (k % 7) : sd;
          const target = new Arr(B * n).fill(0.5 + away * sd);
          for (const mode of ['paper', 'torchpropel'] as const) {
            const { lossPerSample, grad } = run(output, target, B, I, n, sd, mode, 1 / B);
            expect(allFinite(lossPerSample) && allFinite(grad), `I=${I} n=${n} ${mode}`).to.equal(true);
            // the loss grows like the squared distance: about n·away²/(4 ln 10) per sample
            const approx = (n * away * away) / (4 * Math.LN10);
            for (const L of lossPerSample) expect(L / approx).to.be.within(0.9, 1.1);
            // the means are pulled toward the target (above them): per sample and dimension the sum over
            // components of dL/dmu is negative (the pair terms cancel in that sum, the T1 terms all pull up)
            for (let b = 0; b < B; b++) {
              for (let d = 0; d < n; d++) {
                let sum = 0;
                for (let i = 0; i < I; i++) sum += grad[(b * I + i) * 2 * n + d]!;
                expect(sum).to.be.below(0);
              }
            }
          }
        }
      });
    }
  }

  it('the far-target fixture case matches in float32 too (finite 814.30 per sample)', () => {
    const c = fixture.cases.find((x) => x.name === 'far-target')!;
    const { lossPerSample } = run(Float32Array.from(c.output), Float32Array.from(c.target), c.B, c.I, c.n, c.sigma, 'paper', 1);
    expect(lossPerSample[0]).to.be.closeTo(814.302153568597, 814.3 * 1e-4);
  });
});

describe('propel kernel: transforms', () => {
  it('stdOf and varianceOf', () => {
    expect(stdOf(-0.5)).to.equal(0.5);
    expect(varianceOf(-0.5)).to.equal(0.25);
    expect(stdOf(0, 'softplus')).to.be.closeTo(Math.LN2, 1e-16);
    expect(stdOf(800, 'softplus')).to.equal(800);
    expect(stdOf(-800, 'softplus')).to.equal(0);
    expect(varianceOf(1, 'exp')).to.be.closeTo(Math.exp(2), 1e-12);
  });

  it("'softplus' and 'exp' stay finite for large negative raw values (std near 0 but representable)", () => {
    for (const tr of ['softplus', 'exp'] as const) {
      const output = Float64Array.from([0.1, -300, 0.2, -40]); // I = 2, n = 1
      const target = Float64Array.from([0.15]);
      const { lossPerSample, grad } = run(output, target, 1, 2, 1, 0.1, 'paper', 1, tr);
      expect(allFinite(lossPerSample) && allFinite(grad), tr).to.equal(true);
      expectClose(lossPerSample, plainStableLoss(output, target, 1, 2, 1, 0.1, 'paper', tr), 1e-10, 1e-12, tr);
    }
  });
});

describe('propel kernel: validation', () => {
  const ok = { output: new Float64Array(2 * 3 * 4), target: new Float64Array(2 * 2).fill(0.5) };
  ok.output.fill(0.5);

  it('propelDimsFromShapes names the argument, got and expected', () => {
    expect(propelDimsFromShapes([16, 4, 6], [16, 3])).to.deep.equal({ B: 16, I: 4, n: 3 });
    expect(() => propelDimsFromShapes([4, 6], [4, 3])).to.throw(/^propelLoss: output must have rank 3.*got shape \[4,6\]/);
    expect(() => propelDimsFromShapes([4, 2, 5], [4, 3])).to.throw(/propelLoss: output's last dimension must be even.*\[4,2,5\]/);
    expect(() => propelDimsFromShapes([4, 2, 6], [4, 2])).to.throw(/propelLoss: target has n = 2 dimensions, expected 3/);
    expect(() => propelDimsFromShapes([4, 2, 6], [5, 3])).to.throw(/propelLoss: target has batch size 5, expected 4/);
    expect(() => propelDimsFromShapes([4, 2, 6], [4, 3, 1])).to.throw(/propelLoss: target must have rank 2/);
    expect(() => propelDimsFromShapes([4, 0, 6], [4, 3])).to.throw(/at least one component/);
  });

  it('sigma, mode and sigmaTransform', () => {
    for (const sigma of [0, -1, NaN, Infinity]) {
      expect(() => propelForward(ok.output, ok.target, { B: 2, I: 3, n: 2 }, { sigma }), String(sigma)).to.throw(/propelForward: sigma .* must be a finite number > 0, got/);
    }
    expect(() => propelForward(ok.output, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1, mode: 'torch' as PropelMode })).to.throw(/mode must be 'paper' or 'torchpropel', got "torch"/);
    expect(() => propelForward(ok.output, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1, sigmaTransform: 'abs' as SigmaTransform })).to.throw(/sigmaTransform must be/);
  });

  it('array sizes against dims', () => {
    expect(() => propelForward(ok.output, ok.target, { B: 2, I: 3, n: 3 }, { sigma: 1 })).to.throw(/propelLoss: output has 24 elements, expected B\*I\*2n = 36/);
    expect(() => propelForward(ok.output, new Float64Array(3), { B: 2, I: 3, n: 2 }, { sigma: 1 })).to.throw(/propelLoss: target has 3 elements, expected B\*n = 4/);
  });

  it('NaN and infinities name the argument and the first bad index', () => {
    const o = Float64Array.from(ok.output);
    o[17] = NaN;
    o[20] = NaN;
    expect(() => propelForward(o, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1 })).to.throw(/propelLoss: output contains NaN at index \[1,1,1\] \(flat 17\), expected finite values/);
    const t = Float64Array.from(ok.target);
    t[3] = -Infinity;
    expect(() => propelForward(ok.output, t, { B: 2, I: 3, n: 2 }, { sigma: 1 })).to.throw(/propelLoss: target contains -Infinity at index \[1,1\] \(flat 3\)/);
    const o32 = Float32Array.from(ok.output);
    o32[3] = Infinity; // a standard deviation
    expect(() => propelForward(o32, Float32Array.from(ok.target), { B: 2, I: 3, n: 2 }, { sigma: 1 })).to.throw(/output contains Infinity at index \[0,0,3\]/);
  });

  it("a zero standard deviation in 'identity' mode is a clear error (never NaN)", () => {
    const o = Float64Array.from(ok.output);
    o[14] = 0; // [1, 0, 2]: the first std channel of sample 1
    expect(() => propelForward(o, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1 })).to.throw(/propelLoss: output standard deviation at index \[1,0,2\] is 0, whose variance s² is 0/);
    o[14] = 1e-170; // s² underflows
    expect(() => propelForward(o, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1 })).to.throw(/index \[1,0,2\] is 1e-170/);
    o[14] = -800;
    expect(() => propelForward(o, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1, sigmaTransform: 'softplus' })).to.throw(/sigmaTransform 'softplus' of -800 gives variance 0, expected a finite variance > 0/);
    o[14] = 1e-150; // tiny but representable: finite
    const { lossPerSample, grad } = run(o, ok.target, 2, 3, 2, 1, 'paper', 1);
    expect(allFinite(lossPerSample) && allFinite(grad)).to.equal(true);
  });

  it('checkPropelInputs validates shapes, options and (optionally) values', () => {
    expect(checkPropelInputs([2, 3, 4], [2, 2], { sigma: 1 })).to.deep.equal({ B: 2, I: 3, n: 2 });
    expect(checkPropelInputs([2, 3, 4], [2, 2], { sigma: 1 }, ok)).to.deep.equal({ B: 2, I: 3, n: 2 });
    const o = Float64Array.from(ok.output);
    o[5] = NaN;
    expect(() => checkPropelInputs([2, 3, 4], [2, 2], { sigma: 1 }, { output: o, target: ok.target })).to.throw(/output contains NaN at index \[0,1,1\] \(flat 5\)/);
    o[5] = 0.5;
    o[6] = 0;
    expect(() => checkPropelInputs([2, 3, 4], [2, 2], { sigma: 1 }, { output: o, target: ok.target })).to.throw(/standard deviation at index \[0,1,2\] is 0/);
    expect(() => checkPropelInputs([2, 3, 4], [2, 2], { sigma: -2 })).to.throw(/sigma/);
  });

  it('backward: dy length, needsGrad: false, buffer checks', () => {
    const fwd = propelForward(ok.output, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1 });
    expect(() => propelBackward(fwd.saved, [1, 2, 3])).to.throw("propelBackward: dy got 3 elements, expected a finite number or an array of B = 2 finite numbers");
    const noGrad = propelForward(ok.output, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1 }, { needsGrad: false });
    expect(noGrad.saved.jacobian).to.equal(null);
    expect(() => propelBackward(noGrad.saved, 1)).to.throw(/needsGrad: false/);
    expect(() => propelForward(ok.output, ok.target, { B: 2, I: 3, n: 2 }, { sigma: 1 }, { buffers: { lossPerSample: new Float64Array(3) } })).to.throw(/buffer lossPerSample has length 3, expected 2/);
    expect(() => propelBackward(fwd.saved, 1, new Float32Array(24) as unknown as Float64Array)).to.throw(/buffer grad is a Float32Array, expected a Float64Array/);
  });
});

describe('propel kernel: checks of propelBackward, propelForward dims and the transforms', () => {
  const fwd = propelForward(Float64Array.from([0.3, 0.5, -0.2, 0.4]), Float64Array.from([0.1, 0.2]), { B: 2, I: 1, n: 1 }, { sigma: 0.1 });
  const expected = 'expected a finite number or an array of B = 2 finite numbers (the upstream gradient, one per sample)';
  it('dy must be a finite number or B finite numbers: NaN, infinities, strings, array-likes are TensorErrors', () => {
    const bad: [unknown, string][] = [
      [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], ['x', '"x"'], [null, 'null'], [undefined, 'undefined'],
      [[NaN, 1], 'NaN at index 0'], [[1, Infinity], 'Infinity at index 1'], [['1', 1], '"1" at index 0'], [[1, null], 'null at index 1'],
      [{ length: 2 }, 'an object'], [Float64Array.of(1, NaN), 'NaN at index 1'], [[1], '1 elements'], [new Float32Array(3), '3 elements'],
    ];
    for (const [dy, got] of bad) {
      expect(() => propelBackward(fwd.saved, dy as number), got).to.throw(TensorError, `propelBackward: dy got ${got}, ${expected}`);
    }
  });
  it('a number, an array and a typed array of B numbers scale the Jacobian rows', () => {
    const jac = fwd.saved.jacobian!;
    const want = [2 * jac[0]!, 2 * jac[1]!, -3 * jac[2]!, -3 * jac[3]!];
    expect(Array.from(propelBackward(fwd.saved, [2, -3]))).to.deep.equal(want);
    expect(Array.from(propelBackward(fwd.saved, Float32Array.of(2, -3)))).to.deep.equal(want);
    expect(Array.from(propelBackward(fwd.saved, 2))).to.deep.equal(Array.from(jac, (j) => 2 * j));
  });
  it("the op's backward does not apply propelBackward's dy check: a NaN from the tape propagates as through any op", () => {
    const x = A.variable(T.tensor([[[0.3, 0.5]], [[-0.2, 0.4]]], { dtype: 'float64' }), { requiresGrad: true });
    A.sum(A.mul(propelLoss(x, T.tensor([[0.1], [0.2]], { dtype: 'float64' }), { reduction: 'none' }), T.tensor([NaN, 1], { dtype: 'float64' }))).backward();
    const g = Array.from(x.grad!.toTypedArray());
    expect(g.slice(0, 2).every(Number.isNaN) && g.slice(2).every(Number.isFinite), String(g)).to.equal(true);
  });
  it('propelForward: dims must be an object of integer sizes', () => {
    const o = new Float64Array(2);
    const t = new Float64Array(1);
    expect(() => propelForward(o, t, null as unknown as PropelDims, { sigma: 0.1 })).to.throw(TensorError, 'propelForward: dims must be an object { B, I, n } (output is [B, I, 2n], target [B, n]), got null');
    expect(() => propelForward(o, t, 1 as unknown as PropelDims, { sigma: 0.1 })).to.throw(TensorError, 'propelForward: dims must be an object { B, I, n } (output is [B, I, 2n], target [B, n]), got 1');
    expect(() => propelForward(o, t, { B: '1', I: 1, n: 1 } as unknown as PropelDims, { sigma: 0.1 })).to.throw(TensorError, 'propelForward: dims must be integers with B >= 0, I >= 1, n >= 1, got { B: "1", I: 1, n: 1 }');
  });
  it('propelForward: null options are errors naming the option, not the defaults', () => {
    const call = (opts: object) => () => propelForward(new Float64Array([0, 1]), new Float64Array([0]), { B: 1, I: 1, n: 1 }, opts as { sigma: number });
    expect(call({ sigma: 0.1, mode: null })).to.throw(TensorError, "propelForward: mode must be 'paper' or 'torchpropel', got null");
    expect(call({ sigma: 0.1, sigmaTransform: null })).to.throw(TensorError, "propelForward: sigmaTransform must be 'identity', 'softplus' or 'exp', got null");
    expect(call({ sigma: null })).to.throw(TensorError, 'propelForward: sigma (the ground-truth standard deviation, at most about 1.34e154 so that sigma² is finite) must be a finite number > 0, got null');
    expect(call({ sigma: 2e154 })).to.throw(TensorError, 'got 2e+154');
  });
  it('stdOf and varianceOf: an unknown transform is a TensorError naming the function and the argument', () => {
    expect(() => stdOf(1, 'abs' as SigmaTransform)).to.throw(TensorError, "stdOf: transform got \"abs\", expected one of 'identity', 'softplus', 'exp'");
    expect(() => varianceOf(1, 'Exp' as SigmaTransform)).to.throw(TensorError, "varianceOf: transform got \"Exp\", expected one of 'identity', 'softplus', 'exp' (did you mean 'exp'?)");
    expect(() => varianceOf(1, null as unknown as SigmaTransform)).to.throw(TensorError, 'varianceOf: transform got null');
    expect(stdOf(-2, undefined)).to.equal(2); // undefined is the default, 'identity'
  });
});

describe('propel kernel: buffers, dy and shapes of results', () => {
  it('reused buffers give the same results; dy per sample scales rows', () => {
    const B = 5;
    const I = 4;
    const n = 3;
    const { output, target } = randomCase(9, B, I, n);
    const out32 = Float32Array.from(output);
    const t32 = Float32Array.from(target);
    const first = propelForward(out32, t32, { B, I, n }, { sigma: 0.3 });
    const g1 = propelBackward(first.saved, 1 / B);
    const buffers = { lossPerSample: new Float32Array(B), logT1: new Float64Array(B), logT2: new Float64Array(B), jacobian: new Float32Array(B * I * 2 * n).fill(7) };
    const second = propelForward(out32, t32, { B, I, n }, { sigma: 0.3 }, { buffers });
    expect(second.lossPerSample).to.equal(buffers.lossPerSample);
    expect(Array.from(second.lossPerSample)).to.deep.equal(Array.from(first.lossPerSample));
    const gOut = new Float32Array(B * I * 2 * n);
    expect(propelBackward(second.saved, 1 / B, gOut)).to.equal(gOut);
    expect(Array.from(gOut)).to.deep.equal(Array.from(g1));
    const dy = [0, 1, -2, 0.5, 3];
    const gRows = propelBackward(second.saved, dy);
    const gOne = propelBackward(second.saved, 1);
    for (let k = 0; k < gRows.length; k++) expect(gRows[k]).to.be.closeTo(dy[Math.floor(k / (I * 2 * n))]! * gOne[k]!, 1e-6 * Math.abs(gOne[k]!) + 1e-12);
  });

  it('B = 0 gives empty results', () => {
    const fwd = propelForward(new Float64Array(0), new Float64Array(0), { B: 0, I: 2, n: 3 }, { sigma: 1 });
    expect(fwd.lossPerSample.length).to.equal(0);
    expect(propelBackward(fwd.saved, 1).length).to.equal(0);
  });
});
