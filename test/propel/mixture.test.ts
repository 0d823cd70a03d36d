// Tests of the mixture helpers (packages/propel/src/mixture.ts) against closed forms, a hand-written
// density, and Monte-Carlo estimates with fixed seeds.
import { expect } from 'chai';
import { Generator, TensorError, tensor, type Tensor } from '@propel-ts/tensor';
import {
  mixtureLogPdf, mixtureMean, mixtureModes, mixtureSample, mixtureVariance, unpackPrediction,
} from '@propel-ts/propel';
import { stdOf } from '@propel-ts/propel';
import { randomCase } from './reference';

function flat(t: Tensor): number[] {
  return Array.from(t.toTypedArray());
}

/** A prediction [B, I, 2n] from per-component means and raw standard deviations. */
function pred(comps: { mu: number[]; s: number[] }[][], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return tensor(comps.map((sample) => sample.map((c) => [...c.mu, ...c.s])), { dtype });
}

/** The mixture density written out by hand: (1/I) sum_i prod_d N(x_d; mu_id, sd_id²). */
function handDensity(comps: { mu: number[]; s: number[] }[], x: number[]): number {
  let sum = 0;
  for (const c of comps) {
    let p = 1;
    x.forEach((xd, d) => {
      const sd = Math.abs(c.s[d]!);
      p *= Math.exp(-0.5 * ((xd - c.mu[d]!) / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI));
    });
    sum += p;
  }
  return sum / comps.length;
}

const twoComp = [[{ mu: [0, 1], s: [1, 0.5] }, { mu: [2, -1], s: [-1, 2] }]]; // B = 1, I = 2, n = 2

describe('mixture: unpackPrediction', () => {
  it('splits means and standard deviations (|s| in identity mode), keeping the dtype', () => {
    const { mu, sigma } = unpackPrediction(pred(twoComp, 'float32'), 2);
    expect(mu.shape).to.deep.equal([1, 2, 2]);
    expect(mu.dtype).to.equal('float32');
    expect(flat(mu)).to.deep.equal([0, 1, 2, -1]);
    expect(flat(sigma)).to.deep.equal([1, 0.5, 1, 2]);
    expect(flat(unpackPrediction(pred(twoComp)).sigma)).to.deep.equal([1, 0.5, 1, 2]); // n inferred
  });

  it('applies sigmaTransform and accepts a flat [B, I*2n] output when n is given', () => {
    const out = tensor([[0, 0.3, 1, -2]], { dtype: 'float64' }); // B = 1, I = 2, n = 1
    const { mu, sigma } = unpackPrediction(out, 1, { sigmaTransform: 'softplus' });
    expect(mu.shape).to.deep.equal([1, 2, 1]);
    expect(flat(mu)).to.deep.equal([0, 1]);
    expect(flat(sigma)[0]).to.be.closeTo(Math.log1p(Math.exp(0.3)), 1e-15);
    expect(flat(sigma)[1]).to.be.closeTo(Math.log1p(Math.exp(-2)), 1e-15);
    expect(flat(unpackPrediction(out, 1, { sigmaTransform: 'exp' }).sigma)[1]).to.be.closeTo(Math.exp(-2), 1e-15);
  });

  it('errors name the op, argument, got and expected', () => {
    expect(() => unpackPrediction(tensor([[1, 2, 3]]), 2)).to.throw(/^unpackPrediction: .*3 is not a multiple of 4/);
    expect(() => unpackPrediction(pred(twoComp), 3)).to.throw(/unpackPrediction: output's last dimension is 4, expected 2n = 6/);
    expect(() => unpackPrediction(tensor([[1, 2, 3, 4]]))).to.throw(/shape \[B, I, 2n\].*and no n/);
    expect(() => unpackPrediction(pred(twoComp), 2, { sigmaTransform: 'relu' as 'exp' })).to.throw(/sigmaTransform got "relu", expected one of/);
  });
});

describe('mixture: mean and variance (closed forms)', () => {
  it('a worked example', () => {
    // dim 0: means 0, 2, variances 1, 1 -> mean 1, variance 1 + 1 = 2
    // dim 1: means 1, -1, variances 0.25, 4 -> mean 0, variance 2.125 + 1 = 3.125
    expect(flat(mixtureMean(pred(twoComp)))).to.deep.equal([1, 0]);
    const v = flat(mixtureVariance(pred(twoComp)));
    expect(v[0]).to.be.closeTo(2, 1e-15);
    expect(v[1]).to.be.closeTo(3.125, 1e-15);
  });

  it('random predictions, each transform: E[x] = mean of means, Var[x] = E[v] + E[mu²] - E[mu]²', () => {
    for (const tr of ['identity', 'softplus', 'exp'] as const) {
      const B = 3;
      const I = 5;
      const n = 4;
      const { output } = randomCase(5, B, I, n, tr);
      const t = tensor(output, { shape: [B, I, 2 * n] });
      const mean = flat(mixtureMean(t, { sigmaTransform: tr }));
      const variance = flat(mixtureVariance(t, { sigmaTransform: tr }));
      expect(mixtureMean(t).shape).to.deep.equal([B, n]);
      for (let b = 0; b < B; b++) {
        for (let d = 0; d < n; d++) {
          let m = 0;
          let m2 = 0;
          for (let i = 0; i < I; i++) {
            const mu = output[(b * I + i) * 2 * n + d]!;
            const sd = stdOf(output[(b * I + i) * 2 * n + n + d]!, tr);
            m += mu / I;
            m2 += (sd * sd + mu * mu) / I;
          }
          expect(mean[b * n + d]).to.be.closeTo(m, 1e-12);
          expect(variance[b * n + d]).to.be.closeTo(m2 - m * m, 1e-12);
        }
      }
    }
  });
});

describe('mixture: mixtureLogPdf', () => {
  it('matches a hand-written density at [B, n] and [B, P, n] points', () => {
    const points = [[0.3, 0.2], [1.5, -2], [-1, 4]];
    const lp = mixtureLogPdf(pred(twoComp), tensor([[points[0]!]], { dtype: 'float64' }));
    expect(lp.shape).to.deep.equal([1, 1]);
    const lp1 = mixtureLogPdf(pred(twoComp), tensor([points[0]!], { dtype: 'float64' }));
    expect(lp1.shape).to.deep.equal([1]);
    expect(flat(lp1)[0]).to.be.closeTo(Math.log(handDensity(twoComp[0]!, points[0]!)), 1e-13);
    const lpP = flat(mixtureLogPdf(pred(twoComp), tensor([points], { dtype: 'float64' })));
    points.forEach((x, p) => expect(lpP[p]).to.be.closeTo(Math.log(handDensity(twoComp[0]!, x)), 1e-12));
  });

  it('stays finite and exact far in the tails (one Gaussian: -x²/2 - log(sqrt(2 pi)))', () => {
    const out = pred([[{ mu: [0], s: [1] }]]);
    const lp = flat(mixtureLogPdf(out, tensor([[1e6]], { dtype: 'float64' })))[0]!;
    expect(lp).to.be.closeTo(-0.5e12 - 0.5 * Math.log(2 * Math.PI), 1e-3);
  });

  it('integrates to 1 (1-D, trapezoid on a fine grid)', () => {
    const out = pred([[{ mu: [-1], s: [0.3] }, { mu: [2], s: [-0.7] }, { mu: [0.5], s: [0.5] }]]);
    const N = 16001;
    const xs = Array.from({ length: N }, (_, k) => [-10 + (20 * k) / (N - 1)]);
    const lp = flat(mixtureLogPdf(out, tensor([xs], { dtype: 'float64' })));
    const h = 20 / (N - 1);
    const integral = lp.reduce((s, l, k) => s + Math.exp(l) * (k === 0 || k === N - 1 ? h / 2 : h), 0);
    expect(integral).to.be.closeTo(1, 1e-9);
  });

  it('checks the points shape', () => {
    expect(() => mixtureLogPdf(pred(twoComp), tensor([[1, 2, 3]]))).to.throw(/^mixtureLogPdf: points must have shape \[B, n\] = \[1,2\] or \[B, P, n\] = \[1,P,2\], got shape \[1,3\]/);
    expect(() => mixtureLogPdf(pred(twoComp), tensor([[1, NaN]], { dtype: 'float64' }))).to.throw(/points contains NaN/);
  });

  it("checks that points have the output's dtype (they were read silently, the result given the output's)", () => {
    expect(() => mixtureLogPdf(pred(twoComp), tensor([[1, 2]]))).to.throw(TensorError, "mixtureLogPdf: points has dtype float32 but output has float64, expected one dtype (convert with .astype('float64'))");
    expect(() => mixtureLogPdf(pred(twoComp, 'float32'), tensor([[1, 2]], { dtype: 'float64' }))).to.throw(TensorError, "mixtureLogPdf: points has dtype float64 but output has float32, expected one dtype (convert with .astype('float32'))");
  });
});

describe('mixture: mixtureSample (Monte Carlo, fixed seeds)', () => {
  it('has shape [B, count, n] and is reproducible from a seed or a generator', () => {
    const out = pred(twoComp);
    const a = mixtureSample(out, 10, { seed: 3 });
    expect(a.shape).to.deep.equal([1, 10, 2]);
    expect(flat(mixtureSample(out, 10, { seed: 3 }))).to.deep.equal(flat(a));
    expect(flat(mixtureSample(out, 10, { generator: new Generator(3) }))).to.deep.equal(flat(a));
    expect(flat(mixtureSample(out, 10, { seed: 4 }))).to.not.deep.equal(flat(a));
  });

  it('sample mean and variance match the closed forms within 5 standard errors', () => {
    // N = 40000 draws per sample. Standard error of the mean: sqrt(Var/N) (< 0.01 here); of the variance:
    // sqrt((m4 - Var²)/N), bounded using the mixture's fourth central moment computed in closed form.
    const comps = [
      [{ mu: [0, 1], s: [1, 0.5] }, { mu: [2, -1], s: [-1, 2] }],
      [{ mu: [-3, 0], s: [0.2, 0.2] }, { mu: [3, 0], s: [0.2, 0.2] }, { mu: [0, 5], s: [1, 3] }],
    ];
    for (const [b, sample] of comps.entries()) {
      const out = pred([sample]);
      const N = 40000;
      const x = flat(mixtureSample(out, N, { seed: 11 + b }));
      const mean = flat(mixtureMean(out));
      const variance = flat(mixtureVariance(out));
      for (let d = 0; d < 2; d++) {
        let m = 0;
        for (let k = 0; k < N; k++) m += x[k * 2 + d]! / N;
        let v = 0;
        for (let k = 0; k < N; k++) v += (x[k * 2 + d]! - m) ** 2 / (N - 1);
        // fourth central moment of the mixture in dimension d: mean over components of E[(x - M)^4]
        const M = mean[d]!;
        const m4 = sample.reduce((s, c) => {
          const delta = c.mu[d]! - M;
          const s2 = c.s[d]! ** 2;
          return s + (delta ** 4 + 6 * delta ** 2 * s2 + 3 * s2 * s2) / sample.length;
        }, 0);
        expect(Math.abs(m - M), `sample ${b} dim ${d} mean`).to.be.below(5 * Math.sqrt(variance[d]! / N));
        expect(Math.abs(v - variance[d]!), `sample ${b} dim ${d} variance`).to.be.below(5 * Math.sqrt((m4 - variance[d]! ** 2) / N));
      }
    }
  });

  it('picks components uniformly (counts within 5 binomial standard errors)', () => {
    const out = pred([[{ mu: [-100], s: [1] }, { mu: [0], s: [1] }, { mu: [100], s: [1] }]]);
    const N = 30000;
    const x = flat(mixtureSample(out, N, { seed: 5 }));
    const counts = [0, 0, 0];
    for (const v of x) counts[v < -50 ? 0 : v > 50 ? 2 : 1]!++;
    for (const c of counts) expect(Math.abs(c - N / 3)).to.be.below(5 * Math.sqrt((N * 2) / 9));
  });

  it('respects sigmaTransform', () => {
    const out = tensor([[[0, Math.log(3)]]], { dtype: 'float64' }); // 'exp': std 3
    const x = flat(mixtureSample(out, 20000, { seed: 2, sigmaTransform: 'exp' }));
    const v = x.reduce((s, y) => s + y * y, 0) / x.length;
    expect(v).to.be.closeTo(9, 5 * 9 * Math.sqrt(2 / 20000));
  });
});

describe('mixture: mixtureModes', () => {
  it("a single Gaussian's mode is its mean, with density 1/prod(sqrt(2 pi) sd)", () => {
    const out = pred([[{ mu: [0.7, -2, 3], s: [0.5, -1, 2] }]]);
    const [modes] = mixtureModes(out);
    expect(modes).to.have.length(1);
    expect(modes![0]!.point).to.deep.equal([0.7, -2, 3]);
    expect(modes![0]!.converged).to.equal(true);
    expect(modes![0]!.density).to.be.closeTo(1 / ((2 * Math.PI) ** 1.5 * 0.5 * 1 * 2), 1e-14);
  });

  it('well-separated components: one mode at each mean, sorted by density', () => {
    const comps = [
      { mu: [0, 0], s: [1, 1] },
      { mu: [20, 0], s: [0.5, 0.5] },   // narrowest: highest density
      { mu: [0, 30], s: [2, 2] },
      { mu: [-25, -25], s: [1, 0.7] },
    ];
    const [modes] = mixtureModes(pred([comps]));
    expect(modes).to.have.length(4);
    const order = [1, 3, 0, 2]; // by 1/(sd_1 sd_2): 4, 1.43, 1, 0.25
    modes!.forEach((m, k) => {
      const c = comps[order[k]!]!;
      m.point.forEach((p, d) => expect(p, `mode ${k} dim ${d}`).to.be.closeTo(c.mu[d]!, 1e-6));
      expect(m.density).to.be.closeTo(handDensity(comps, m.point), 1e-12);
      expect(m.logDensity).to.be.closeTo(Math.log(m.density), 1e-12);
    });
  });

  it('overlapping components merge: two equal Gaussians 1 sd apart have one mode, at the midpoint', () => {
    const [modes] = mixtureModes(pred([[{ mu: [0], s: [1] }, { mu: [1], s: [1] }]]));
    expect(modes).to.have.length(1);
    expect(modes![0]!.point[0]).to.be.closeTo(0.5, 1e-6);
  });

  it('two equal Gaussians 3 sd apart have two modes, pulled slightly inward and symmetric', () => {
    const [modes] = mixtureModes(pred([[{ mu: [0], s: [1] }, { mu: [3], s: [1] }]]));
    expect(modes).to.have.length(2);
    const pts = modes!.map((m) => m.point[0]!).sort((a, b) => a - b);
    expect(pts[0]).to.be.within(0, 0.3);
    expect(pts[0]! + pts[1]!).to.be.closeTo(3, 1e-6);
    // stationary: the derivative of the density vanishes there
    for (const x of pts) {
      const dens = (y: number) => handDensity([{ mu: [0], s: [1] }, { mu: [3], s: [1] }], [y]);
      expect((dens(x + 1e-5) - dens(x - 1e-5)) / 2e-5).to.be.closeTo(0, 1e-7);
    }
  });

  it('works per sample, with sigmaTransform, and validates its options', () => {
    const out = tensor([[[0, 0], [10, 0]], [[5, Math.log(2)], [5.1, Math.log(2)]]], { dtype: 'float64' });
    const modes = mixtureModes(out, { sigmaTransform: 'exp' });
    expect(modes).to.have.length(2);
    expect(modes[0]).to.have.length(2);
    expect(modes[1]).to.have.length(1);
    expect(modes[1]![0]!.point[0]).to.be.closeTo(5.05, 1e-6);
    expect(() => mixtureModes(out, { tol: 0 })).to.throw(/^mixtureModes: tol got 0, expected a finite number > 0/);
    expect(() => mixtureModes(out, { maxIter: 1.5 })).to.throw(/maxIter got 1.5, expected an integer >= 1/);
    expect(() => mixtureModes(tensor([[[0, 0]]]))).to.throw(/^mixtureModes: output standard deviation at index \[0,0,1\] is 0/);
  });
});
