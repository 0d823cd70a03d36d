// optim: SGD (plain, momentum, dampening, nesterov, weight decay), Adam and AdamW give the same numbers
// as PyTorch for the same gradients. The references below are written out from the pseudo-code in the
// torch.optim documentation (https://pytorch.org/docs/stable/optim.html: SGD, Adam, AdamW), in float64,
// one scalar at a time; each optimizer is run for 3 steps with fixed (different) gradients, on the CPU
// in-place path (contiguous parameter) and on the tensor-op path (a non-contiguous parameter value).
// Then a tiny MLP fit: Adam reduces the loss of a smooth 1-D regression 10x in under 300 steps.
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

