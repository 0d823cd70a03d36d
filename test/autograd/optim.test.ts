// optim: SGD (plain, momentum, dampening, nesterov, weight decay), Adam, AdamW, RMSprop (momentum,
// centered) and Adagrad (lr decay, initial accumulator) give the same numbers as PyTorch for the same
// gradients. The references below are written out from the pseudo-code in the torch.optim documentation
// (https://pytorch.org/docs/stable/optim.html: SGD, Adam, AdamW, RMSprop, Adagrad), in float64,
// one scalar at a time; each optimizer is run for 3 steps with fixed (different) gradients, on the CPU
// in-place path (contiguous parameter) and on the tensor-op path (a non-contiguous parameter value), and
// on the 'gpu' device in each gpu.js mode available (float32, to float32 accuracy).
// opt.lr reads and writes every optimizer's rate. Then a tiny MLP fit: Adam reduces the loss of a smooth
// 1-D regression 10x in under 300 steps.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { nn, optim, type Variable } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;

// ---- references from the torch.optim docs ----------------------------------------------------------------

interface SGDRef { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }

/**
 * torch.optim.SGD, per element:
 *   g ← g + λθ                                   (if λ ≠ 0)
 *   b ← g on the first step, else μb + (1-τ)g     (if μ ≠ 0)
 *   g ← g + μb if nesterov else b                 (if μ ≠ 0)
 *   θ ← θ - γg
 */
function sgdRef(theta0: number[], grads: number[][], o: SGDRef): number[][] {
  const { lr, momentum: mu = 0, dampening: tau = 0, weightDecay: wd = 0, nesterov = false } = o;
  const theta = theta0.slice();
  const b = theta0.map(() => 0);
  const out: number[][] = [];
  grads.forEach((gs, t) => {
    for (let k = 0; k < theta.length; k++) {
      let g = gs[k]!;
      if (wd !== 0) g = g + wd * theta[k]!;
      if (mu !== 0) {
        b[k] = t > 0 ? mu * b[k]! + (1 - tau) * g : g;
        g = nesterov ? g + mu * b[k]! : b[k]!;
      }
      theta[k] = theta[k]! - lr * g;
    }
    out.push(theta.slice());
  });
  return out;
}

interface AdamRef { lr: number; betas: [number, number]; eps: number; weightDecay: number; decoupled: boolean }

/**
 * torch.optim.Adam (L2: g ← g + λθ) and torch.optim.AdamW (decoupled: θ ← θ - γλθ), per element:
 *   m ← β1 m + (1-β1) g,   v ← β2 v + (1-β2) g²
 *   m̂ = m / (1-β1^t),      v̂ = v / (1-β2^t)
 *   θ ← θ - γ m̂ / (√v̂ + ε)
 */
function adamRef(theta0: number[], grads: number[][], o: AdamRef): number[][] {
  const { lr, betas: [b1, b2], eps, weightDecay: wd, decoupled } = o;
  const theta = theta0.slice();
  const m = theta0.map(() => 0);
  const v = theta0.map(() => 0);
  const out: number[][] = [];
  grads.forEach((gs, i) => {
    const t = i + 1;
    for (let k = 0; k < theta.length; k++) {
      let g = gs[k]!;
      if (decoupled) theta[k] = theta[k]! - lr * wd * theta[k]!;
      else if (wd !== 0) g = g + wd * theta[k]!;
      m[k] = b1 * m[k]! + (1 - b1) * g;
      v[k] = b2 * v[k]! + (1 - b2) * g * g;
      const mHat = m[k]! / (1 - b1 ** t);
      const vHat = v[k]! / (1 - b2 ** t);
      theta[k] = theta[k]! - lr * mHat / (Math.sqrt(vHat) + eps);
    }
    out.push(theta.slice());
  });
  return out;
}

interface RMSpropRef { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }

/**
 * torch.optim.RMSprop, per element (v, ḡ, b start at 0):
 *   g ← g + λθ                                   (if λ ≠ 0)
 *   v ← αv + (1-α)g²
 *   ṽ ← v;  if centered: ḡ ← αḡ + (1-α)g, ṽ ← ṽ - ḡ²
 *   if μ > 0: b ← μb + g/(√ṽ + ε), θ ← θ - γb
 *   else:     θ ← θ - γg/(√ṽ + ε)
 */
function rmspropRef(theta0: number[], grads: number[][], o: RMSpropRef): number[][] {
  const { lr, alpha, eps, weightDecay: wd, momentum: mu, centered } = o;
  const theta = theta0.slice();
  const v = theta0.map(() => 0);
  const gAve = theta0.map(() => 0);
  const b = theta0.map(() => 0);
  const out: number[][] = [];
  for (const gs of grads) {
    for (let k = 0; k < theta.length; k++) {
      let g = gs[k]!;
      if (wd !== 0) g = g + wd * theta[k]!;
      v[k] = alpha * v[k]! + (1 - alpha) * g * g;
      let vTilde = v[k]!;
      if (centered) {
        gAve[k] = alpha * gAve[k]! + (1 - alpha) * g;
        vTilde = vTilde - gAve[k]! * gAve[k]!;
      }
      if (mu > 0) {
        b[k] = mu * b[k]! + g / (Math.sqrt(vTilde) + eps);
        theta[k] = theta[k]! - lr * b[k]!;
      } else {
        theta[k] = theta[k]! - lr * g / (Math.sqrt(vTilde) + eps);
      }
    }
    out.push(theta.slice());
  }
  return out;
}

interface AdagradRef { lr: number; lrDecay: number; weightDecay: number; initialAccumulatorValue: number; eps: number }

/**
 * torch.optim.Adagrad, per element (state_sum starts at initial_accumulator_value), at step t = 1, 2, ...:
 *   γ̃ ← γ / (1 + (t-1)η)
 *   g ← g + λθ                                   (if λ ≠ 0)
 *   state_sum ← state_sum + g²
 *   θ ← θ - γ̃ g / (√state_sum + ε)
 */
function adagradRef(theta0: number[], grads: number[][], o: AdagradRef): number[][] {
  const { lr, lrDecay, weightDecay: wd, initialAccumulatorValue, eps } = o;
  const theta = theta0.slice();
  const stateSum = theta0.map(() => initialAccumulatorValue);
  const out: number[][] = [];
  grads.forEach((gs, i) => {
    const t = i + 1;
    const lrT = lr / (1 + (t - 1) * lrDecay);
    for (let k = 0; k < theta.length; k++) {
      let g = gs[k]!;
      if (wd !== 0) g = g + wd * theta[k]!;
      stateSum[k] = stateSum[k]! + g * g;
      theta[k] = theta[k]! - lrT * g / (Math.sqrt(stateSum[k]!) + eps);
    }
    out.push(theta.slice());
  });
  return out;
}

// ---- the runs ---------------------------------------------------------------------------------------------

const THETA0 = [0.5, -1.2, 2.0, 0.03, -0.4, 1.1];
const GRADS = [
  [0.1, -0.3, 0.25, 1.5, -0.02, 0.7],
  [-0.2, -0.1, 0.4, 1.2, 0.05, -0.6],
  [0.3, 0.2, -0.15, 0.9, 0.01, 0.5],
];
const SHAPE = [2, 3];

type Path = 'in-place (contiguous CPU)' | 'tensor ops (non-contiguous view)';
const PATHS: Path[] = ['in-place (contiguous CPU)', 'tensor ops (non-contiguous view)'];

/** A [2,3] parameter holding THETA0, either contiguous or as the transpose of a [3,2] tensor. */
function makeParam(path: Path): Variable {
  if (path === 'in-place (contiguous CPU)') return A.variable(T.tensor(THETA0, { ...f64, shape: SHAPE }), { requiresGrad: true });
  const flipped = T.tensor(THETA0, { ...f64, shape: SHAPE }).transpose(0, 1).contiguous(); // [3,2]
  const view = flipped.transpose(0, 1); // [2,3], the same values, non-contiguous
  expect(view.isContiguous()).to.equal(false);
  return A.variable(view, { requiresGrad: true });
}

/** Keep the parameter on the tensor path: re-wrap its value as a non-contiguous view before each step. */
function keepNonContiguous(p: Variable): void {
  const v = p.value.contiguous().transpose(0, 1).contiguous().transpose(0, 1);
  expect(v.isContiguous()).to.equal(false);
  p.value = v;
}

/** Run `steps` steps of `opt` with GRADS, returning the parameter after each step. */
function run(p: Variable, opt: optim.Optimizer, path: Path, rewrap: boolean): number[][] {
  const out: number[][] = [];
  for (const g of GRADS) {
    if (rewrap && path !== 'in-place (contiguous CPU)') keepNonContiguous(p);
    opt.zeroGrad();
    p.grad = T.tensor(g, { ...f64, shape: SHAPE });
    opt.step();
    expect(p.value.shape).to.deep.equal(SHAPE);
    expect(p.value.dtype).to.equal('float64');
    out.push(Array.from(p.value.toTypedArray()));
  }
  return out;
}

function expectSteps(got: number[][], want: number[][], what: string): void {
  expect(got.length).to.equal(want.length);
  got.forEach((row, t) => row.forEach((x, k) => {
    expect(x, `${what}: step ${t + 1}, element ${k}`).to.be.closeTo(want[t]![k]!, 1e-14 + 1e-12 * Math.abs(want[t]![k]!));
  }));
  // and the parameter really moved
  expect(got[2]).to.not.deep.equal(THETA0);
}

const SGD_CASES: [string, SGDRef][] = [
  ['plain', { lr: 0.1 }],
  ['momentum', { lr: 0.1, momentum: 0.9 }],
  ['momentum + dampening', { lr: 0.05, momentum: 0.8, dampening: 0.3 }],
  ['nesterov', { lr: 0.1, momentum: 0.9, nesterov: true }],
  ['weight decay', { lr: 0.1, weightDecay: 0.01 }],
  ['momentum + weight decay + nesterov', { lr: 0.02, momentum: 0.7, weightDecay: 0.05, nesterov: true }],
  ['everything', { lr: 0.03, momentum: 0.6, dampening: 0.2, weightDecay: 0.1 }],
];

const ADAM_CASES: [string, 'Adam' | 'AdamW', optim.AdamOptions, AdamRef][] = [
  ['Adam defaults', 'Adam', {}, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false }],
  ['Adam lr 0.1, betas (0.8, 0.99), eps 1e-6', 'Adam', { lr: 0.1, betas: [0.8, 0.99], eps: 1e-6 }, { lr: 0.1, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0, decoupled: false }],
  ['Adam with L2 weight decay', 'Adam', { lr: 0.05, weightDecay: 0.1 }, { lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, decoupled: false }],
  ['AdamW defaults (weight decay 0.01)', 'AdamW', {}, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, decoupled: true }],
  ['AdamW lr 0.1, weight decay 0.2', 'AdamW', { lr: 0.1, weightDecay: 0.2, betas: [0.85, 0.995] }, { lr: 0.1, betas: [0.85, 0.995], eps: 1e-8, weightDecay: 0.2, decoupled: true }],
];

describe('optim: the same numbers as PyTorch (3 steps, fixed gradients, float64)', () => {
  it('the references reproduce hand-worked first steps', () => {
    // SGD, momentum 0.9: step 1 b = g = 0.1, θ = 0.5 - 0.1·0.1 = 0.49; step 2 b = 0.9·0.1 + (-0.2) = -0.11, θ = 0.49 + 0.011 = 0.501
    const s = sgdRef([0.5], [[0.1], [-0.2]], { lr: 0.1, momentum: 0.9 });
    expect(s[0]![0]).to.be.closeTo(0.49, 1e-15);
    expect(s[1]![0]).to.be.closeTo(0.501, 1e-15);
    // Adam step 1: m̂ = g, v̂ = g², so θ moves by lr·g/(|g| + ε) ≈ lr·sign(g)
    const a = adamRef([0.5], [[0.1]], { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false });
    expect(a[0]![0]).to.be.closeTo(0.5 - 0.01 * 0.1 / (0.1 + 1e-8), 1e-15);
    // AdamW step 1: θ(1 - lr·λ) then the same move
    const w = adamRef([0.5], [[0.1]], { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.5, decoupled: true });
    expect(w[0]![0]).to.be.closeTo(0.5 * (1 - 0.005) - 0.01 * 0.1 / (0.1 + 1e-8), 1e-15);
  });

  for (const path of PATHS) {
    describe(path, () => {
      for (const [what, o] of SGD_CASES) {
        it(`SGD ${what}`, () => {
          const p = makeParam(path);
          const got = run(p, new optim.SGD([p], o), path, true);
          expectSteps(got, sgdRef(THETA0, GRADS, o), `SGD ${what}`);
        });
      }
      for (const [what, kind, o, ref] of ADAM_CASES) {
        it(what, () => {
          const p = makeParam(path);
          const opt = kind === 'Adam' ? new optim.Adam([p], o) : new optim.AdamW([p], o);
          const got = run(p, opt, path, true);
          expectSteps(got, adamRef(THETA0, GRADS, ref), what);
        });
      }
    });
  }

  describe('switching paths between steps keeps the optimizer state', () => {
    // a non-contiguous parameter takes the tensor path on step 1; its new value is contiguous, so steps 2
    // and 3 take the in-place path: momentum buffers and moments must carry over.
    it('SGD momentum + nesterov', () => {
      const o: SGDRef = { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.01 };
      const p = makeParam('tensor ops (non-contiguous view)');
      expectSteps(run(p, new optim.SGD([p], o), 'tensor ops (non-contiguous view)', false), sgdRef(THETA0, GRADS, o), 'SGD');
      const q = makeParam('tensor ops (non-contiguous view)');
      const n: SGDRef = { lr: 0.1, momentum: 0.9, nesterov: true };
      expectSteps(run(q, new optim.SGD([q], n), 'tensor ops (non-contiguous view)', false), sgdRef(THETA0, GRADS, n), 'SGD nesterov');
    });

    it('Adam and AdamW', () => {
      for (const [what, kind, o, ref] of ADAM_CASES) {
        const p = makeParam('tensor ops (non-contiguous view)');
        const opt = kind === 'Adam' ? new optim.Adam([p], o) : new optim.AdamW([p], o);
        expectSteps(run(p, opt, 'tensor ops (non-contiguous view)', false), adamRef(THETA0, GRADS, ref), what);
      }
    });

    it('from the in-place path to the tensor path', () => {
      const [what, , o, ref] = ADAM_CASES[2]!;
      const p = makeParam('in-place (contiguous CPU)');
      const opt = new optim.Adam([p], o);
      const out: number[][] = [];
      GRADS.forEach((g, t) => {
        if (t === 2) keepNonContiguous(p); // the last step on the tensor path
        p.grad = T.tensor(g, { ...f64, shape: SHAPE });
        opt.step();
        out.push(Array.from(p.value.toTypedArray()));
      });
      expectSteps(out, adamRef(THETA0, GRADS, ref), what);
    });
  });

  it('the in-place path updates the parameter storage in place', () => {
    const p = makeParam('in-place (contiguous CPU)');
    const before = p.value;
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.5 });
    p.grad = T.ones(SHAPE, f64);
    opt.step();
    expect(p.value).to.equal(before);
    expect(opt.stepCount).to.equal(1);
  });

  it('a non-contiguous gradient (a transposed view) is read in logical order', () => {
    const p = makeParam('in-place (contiguous CPU)');
    const opt = new optim.SGD([p], { lr: 1 });
    p.grad = T.tensor(GRADS[0]!, { ...f64, shape: SHAPE }).transpose(0, 1).contiguous().transpose(0, 1);
    opt.step();
    Array.from(p.value.toTypedArray()).forEach((x, k) => expect(x).to.be.closeTo(THETA0[k]! - GRADS[0]![k]!, 1e-15));
  });

  it('parameters without a gradient are skipped; zeroGrad clears gradients', () => {
    const p = makeParam('in-place (contiguous CPU)');
    const q = makeParam('in-place (contiguous CPU)');
    const opt = new optim.Adam([p, q], { lr: 0.1 });
    p.grad = T.ones(SHAPE, f64);
    opt.step();
    expect(Array.from(q.value.toTypedArray())).to.deep.equal(THETA0);
    expect(Array.from(p.value.toTypedArray())).to.not.deep.equal(THETA0);
    opt.zeroGrad();
    expect(p.grad).to.equal(null);
  });

  it('argument errors', () => {
    const c = A.variable(T.ones([2], f64));
    expect(() => new optim.SGD([c], { lr: 0.1 })).to.throw('SGD: params[0] does not require a gradient');
    const p = makeParam('in-place (contiguous CPU)');
    expect(() => new optim.SGD([p], { lr: 0 })).to.throw('SGD: lr got 0, expected a finite number > 0');
    expect(() => new optim.Adam([p], { betas: [0.9, 1] })).to.throw('Adam: betas got [0.9, 1], expected two numbers in [0, 1)');
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.grad = T.ones([3, 2], f64);
    expect(() => opt.step()).to.throw('SGD.step: gradient of params[0] has shape [3,2], expected [2,3]');
    // a gradient of lower rank whose dims match a prefix of the parameter's is refused too (not read past its end)
    p.grad = T.ones([2], f64);
    expect(() => opt.step()).to.throw('SGD.step: gradient of params[0] has shape [2], expected [2,3]');
    expect(Array.from(p.value.toTypedArray()).every(Number.isFinite)).to.equal(true);
    p.grad = T.ones([2, 3]);
    expect(() => opt.step()).to.throw('SGD.step: gradient of params[0] has dtype float32, expected float64');
  });
});

const RMSPROP_DEFAULTS: RMSpropRef = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false };
const RMSPROP_CASES: [string, optim.RMSpropOptions | number, RMSpropRef][] = [
  ['defaults', {}, RMSPROP_DEFAULTS],
  ['positional lr 0.05', 0.05, { ...RMSPROP_DEFAULTS, lr: 0.05 }],
  ['alpha 0.9, eps 1e-3', { lr: 0.02, alpha: 0.9, eps: 1e-3 }, { ...RMSPROP_DEFAULTS, lr: 0.02, alpha: 0.9, eps: 1e-3 }],
  ['momentum 0.8', { lr: 0.01, momentum: 0.8 }, { ...RMSPROP_DEFAULTS, momentum: 0.8 }],
  ['centered', { lr: 0.01, alpha: 0.8, centered: true }, { ...RMSPROP_DEFAULTS, alpha: 0.8, centered: true }],
  ['everything', { lr: 0.03, alpha: 0.7, eps: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true }, { lr: 0.03, alpha: 0.7, eps: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true }],
];

const ADAGRAD_DEFAULTS: AdagradRef = { lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 };
const ADAGRAD_CASES: [string, optim.AdagradOptions | number, AdagradRef][] = [
  ['defaults', {}, ADAGRAD_DEFAULTS],
  ['positional lr 0.5', 0.5, { ...ADAGRAD_DEFAULTS, lr: 0.5 }],
  ['lrDecay 0.3', { lr: 0.1, lrDecay: 0.3 }, { ...ADAGRAD_DEFAULTS, lr: 0.1, lrDecay: 0.3 }],
  ['initial accumulator 0.4, eps 1e-3', { lr: 0.1, initialAccumulatorValue: 0.4, eps: 1e-3 }, { ...ADAGRAD_DEFAULTS, lr: 0.1, initialAccumulatorValue: 0.4, eps: 1e-3 }],
  ['everything', { lr: 0.2, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.1, eps: 1e-8 }, { lr: 0.2, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.1, eps: 1e-8 }],
];

describe('optim: RMSprop and Adagrad give the numbers of the torch.optim pseudo-code (3 steps, float64)', () => {
  it('the references reproduce hand-worked first steps', () => {
    // RMSprop step 1, α = 0.99: v = 0.01·0.1² = 1e-4, θ = 0.5 - 0.01·0.1/(√1e-4 + 1e-8) = 0.5 - 0.01·0.1/(0.01 + 1e-8)
    expect(rmspropRef([0.5], [[0.1]], RMSPROP_DEFAULTS)[0]![0]).to.be.closeTo(0.5 - 0.001 / (0.01 + 1e-8), 1e-15);
    // centered, α = 0.5: v = 0.5·0.04 = 0.02, ḡ = 0.5·0.2 = 0.1, ṽ = 0.02 - 0.01 = 0.01, θ = 1 - 0.1·0.2/(0.1 + ε)
    expect(rmspropRef([1], [[0.2]], { ...RMSPROP_DEFAULTS, lr: 0.1, alpha: 0.5, centered: true, eps: 0 })[0]![0]).to.be.closeTo(1 - 0.2, 1e-15);
    // Adagrad: s = 0 + 0.1² → θ = 0.5 - 0.01·0.1/0.1 = 0.49; step 2 (lrDecay 1: γ̃ = γ/2) s = 0.01 + 0.04, θ = 0.49 - 0.005·0.2/√0.05
    const a = adagradRef([0.5], [[0.1], [0.2]], { ...ADAGRAD_DEFAULTS, lrDecay: 1, eps: 0 });
    expect(a[0]![0]).to.be.closeTo(0.49, 1e-15);
    expect(a[1]![0]).to.be.closeTo(0.49 - 0.005 * 0.2 / Math.sqrt(0.05), 1e-15);
  });

  for (const path of PATHS) {
    describe(path, () => {
      for (const [what, o, ref] of RMSPROP_CASES) {
        it(`RMSprop ${what}`, () => {
          const p = makeParam(path);
          expectSteps(run(p, new optim.RMSprop([p], o), path, true), rmspropRef(THETA0, GRADS, ref), `RMSprop ${what}`);
        });
      }
      for (const [what, o, ref] of ADAGRAD_CASES) {
        it(`Adagrad ${what}`, () => {
          const p = makeParam(path);
          expectSteps(run(p, new optim.Adagrad([p], o), path, true), adagradRef(THETA0, GRADS, ref), `Adagrad ${what}`);
        });
      }
    });
  }

  it('switching from the tensor path to the in-place path keeps the state (RMSprop buffers, Adagrad sums and step count)', () => {
    const [, ro, rref] = RMSPROP_CASES[5]!;
    const p = makeParam('tensor ops (non-contiguous view)');
    expectSteps(run(p, new optim.RMSprop([p], ro), 'tensor ops (non-contiguous view)', false), rmspropRef(THETA0, GRADS, rref), 'RMSprop');
    const [, ao, aref] = ADAGRAD_CASES[4]!;
    const q = makeParam('tensor ops (non-contiguous view)');
    expectSteps(run(q, new optim.Adagrad([q], ao), 'tensor ops (non-contiguous view)', false), adagradRef(THETA0, GRADS, aref), 'Adagrad');
  });

  it('argument errors name the class, the option, the value and what was expected', () => {
    const p = makeParam('in-place (contiguous CPU)');
    expect(() => new optim.RMSprop([p], { lr: -1 })).to.throw('RMSprop: lr got -1, expected a finite number > 0');
    expect(() => new optim.RMSprop([p], 0)).to.throw('RMSprop: lr got 0, expected a finite number > 0');
    expect(() => new optim.RMSprop([p], { alpha: 1.5 })).to.throw('RMSprop: alpha got 1.5, expected a finite number >= 0 <= 1');
    expect(() => new optim.RMSprop([p], { centered: 1 } as never)).to.throw('RMSprop: centered got 1, expected true or false');
    expect(() => new optim.RMSprop([p], { momentum: -0.1 })).to.throw('RMSprop: momentum got -0.1, expected a finite number >= 0');
    expect(() => new optim.RMSprop([p], { weight_decay: 0.1 } as never)).to.throw("RMSprop: unknown option 'weight_decay' (did you mean 'weightDecay'?)");
    expect(() => new optim.Adagrad([p], { lrDecay: -1 })).to.throw('Adagrad: lrDecay got -1, expected a finite number >= 0');
    expect(() => new optim.Adagrad([p], { initialAccumulatorValue: NaN })).to.throw('Adagrad: initialAccumulatorValue got NaN, expected a finite number >= 0');
    expect(() => new optim.Adagrad([p], { eps: Infinity })).to.throw('Adagrad: eps got Infinity, expected a finite number >= 0');
    const Adagrad = optim.Adagrad as unknown as new (...args: unknown[]) => optim.Adagrad;
    expect(() => new Adagrad([p], 0.1, {})).to.throw('Adagrad: got 3 arguments, expected at most 2');
  });
});

// the 'gpu' device in every gpu.js mode Node has here (headlessgl under xvfb-run; webgpu reads back
// asynchronously, which step() on the host never does): float32, always the tensor path
const GPU_MODES = T.gpuInfo().availableModes.filter((m) => m !== 'webgpu');
describe("optim on the 'gpu' device (float32, tensor path): the same references to float32 accuracy", () => {
  after(() => T.setGpuMode('auto'));
  for (const mode of GPU_MODES) {
    it(`mode ${mode}: SGD, Adam, RMSprop (centered, momentum, weight decay) and Adagrad (every option)`, () => {
      T.setGpuMode(mode);
      const cases: [string, (p: Variable) => optim.Optimizer, number[][]][] = [
        ['SGD', (p) => new optim.SGD([p], SGD_CASES[6]![1]), sgdRef(THETA0, GRADS, SGD_CASES[6]![1])],
        ['Adam', (p) => new optim.Adam([p], ADAM_CASES[2]![2]), adamRef(THETA0, GRADS, ADAM_CASES[2]![3])],
        ['RMSprop', (p) => new optim.RMSprop([p], RMSPROP_CASES[5]![1]), rmspropRef(THETA0, GRADS, RMSPROP_CASES[5]![2])],
        ['Adagrad', (p) => new optim.Adagrad([p], ADAGRAD_CASES[4]![1]), adagradRef(THETA0, GRADS, ADAGRAD_CASES[4]![2])],
      ];
      for (const [what, make, want] of cases) {
        const p = A.variable(T.tensor(THETA0, { shape: SHAPE, device: 'gpu' }), { requiresGrad: true });
        const opt = make(p);
        GRADS.forEach((g, t) => {
          p.grad = T.tensor(g, { shape: SHAPE, device: 'gpu' });
          opt.step();
          expect(p.value.device).to.equal('gpu');
          // float32 state and arithmetic: a few ulp of |θ| per step
          Array.from(p.value.toTypedArray()).forEach((x, k) => expect(x, `${what} step ${t + 1} element ${k}`).to.be.closeTo(want[t]![k]!, 1e-6 * (1 + Math.abs(want[t]![k]!))));
        });
      }
    });
  }
});

describe('optim: opt.lr', () => {
  it('reads the rate of every optimizer and a new rate applies from the next step', () => {
    const p = makeParam('in-place (contiguous CPU)');
    const opts = [new optim.SGD([p], 0.1), new optim.Adam([p]), new optim.AdamW([p], 0.2), new optim.RMSprop([p]), new optim.Adagrad([p], { lr: 0.3 })];
    expect(opts.map((o) => o.lr)).to.deep.equal([0.1, 1e-3, 0.2, 0.01, 0.3]);
    // SGD with lr 0.1 for step 1 and 0.5 for step 2: θ₁ = θ₀ - 0.1g₁, θ₂ = θ₁ - 0.5g₂
    const q = makeParam('in-place (contiguous CPU)');
    const sgd = new optim.SGD([q], 0.1);
    q.grad = T.tensor(GRADS[0]!, { ...f64, shape: SHAPE });
    sgd.step();
    sgd.lr = 0.5;
    expect(sgd.lr).to.equal(0.5);
    q.grad = T.tensor(GRADS[1]!, { ...f64, shape: SHAPE });
    sgd.step();
    Array.from(q.value.toTypedArray()).forEach((x, k) => expect(x).to.be.closeTo(THETA0[k]! - 0.1 * GRADS[0]![k]! - 0.5 * GRADS[1]![k]!, 1e-15));
    // Adam's step reads lr at step time too: lr 0 leaves the parameter where it is
    const r = makeParam('in-place (contiguous CPU)');
    const adam = new optim.Adam([r], 0.1);
    adam.lr = 0;
    r.grad = T.ones(SHAPE, f64);
    adam.step();
    expect(Array.from(r.value.toTypedArray())).to.deep.equal(THETA0);
  });

  it('refuses a rate that is not a finite number >= 0', () => {
    const opt = new optim.SGD([makeParam('in-place (contiguous CPU)')], 0.1);
    expect(() => { opt.lr = -0.1; }).to.throw('SGD.lr: lr got -0.1, expected a finite number >= 0');
    expect(() => { opt.lr = NaN; }).to.throw('SGD.lr: lr got NaN');
    expect(() => { opt.lr = '0.1' as never; }).to.throw('SGD.lr: lr got "0.1"');
    expect(() => { opt.lr = undefined as never; }).to.throw('SGD.lr: lr got undefined');
    expect(opt.lr).to.equal(0.1);
  });
});

describe('optim: a tiny MLP fit', () => {
  it('Adam reduces the loss of a smooth 1-D regression 10x in under 300 steps', () => {
    const n = 64;
    const xs = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
    const x = T.tensor(xs, { shape: [n, 1] });
    const y = T.tensor(xs.map((v) => Math.sin(1.5 * v) + 0.3 * v), { shape: [n, 1] });
    const model = new nn.MLP([1, 16, 16, 1], { seed: 1 });
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    const loss = () => A.mseLoss(model.forward(x), y);
    const first = A.noGrad(loss).item();
    let last = first;
    let steps = 0;
    while (steps < 300 && last > first / 10) {
      opt.zeroGrad();
      const l = loss();
      l.backward();
      opt.step();
      steps++;
      last = A.noGrad(loss).item();
    }
    expect(last, `loss ${first} -> ${last} after ${steps} steps`).to.be.lessThan(first / 10);
    expect(steps).to.be.lessThan(300);
    expect(model.parameters().every((p) => p.dtype === 'float32')).to.equal(true);
  });
});

