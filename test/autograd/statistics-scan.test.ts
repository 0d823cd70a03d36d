// The gradients of variance, std, norm, cumsum and cumprod at the points where the chain rule alone would
// give 0·∞ = NaN, checked against hand computations and PyTorch's formulas (FunctionsManual.cpp's
// std_backward, norm_backward, cumprod_backward), plus forward values against the tensor package and the
// argument errors of the autograd spellings. Central differences for every op are in the gradcheck suite
// (test/autograd/gradcheck-cases/reductions.ts).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;

/** The gradient of sum(w * f(x)) at x (w = ones by default), as nested arrays. */
function gradOf(f: (x: Variable) => Variable, x: number[] | number[][], w?: T.Tensor): unknown {
  const v = A.variable(T.tensor(x, f64), { requiresGrad: true });
  const y = f(v);
  const [g] = A.grads(A.sum(w ? A.mul(y, w) : y), [v]);
  return g!.value.toArray();
}

function message(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof T.TensorError) return e.message; throw e; }
  throw new Error('expected a TensorError, nothing was thrown');
}

describe('cumsum and cumprod gradients', () => {
  it('cumsum: dx_j = Σ_{k>=j} dy_k (the scan from the other end)', () => {
    expect(gradOf((x) => A.cumsum(x, 0), [1, 2, 3, 4])).to.deep.equal([4, 3, 2, 1]);
    expect(gradOf((x) => A.cumsum(x, { axis: 0, reverse: true }), [1, 2, 3, 4])).to.deep.equal([1, 2, 3, 4]);
    const w = T.tensor([[1, 10, 100]], f64);
    expect(gradOf((x) => A.cumsum(x, 1), [[5, 6, 7]], w)).to.deep.equal([[111, 110, 100]]);
  });

  it('cumprod: the product of the other elements, also at zeros (not y / x)', () => {
    // y = [x0, x0 x1, x0 x1 x2, ...]; L = Σ w_k y_k, dL/dx_i = Σ_{k>=i} w_k Π_{j<=k, j≠i} x_j
    const x = [2, 0, 3, 0, 5];
    const w = T.tensor([1, 10, 100, 1000, 10000], f64);
    // i = 0: w0 (every later term holds x1 = 0); i = 1 (first zero): w1 x0 + w2 x0 x2 (later terms hold x3 = 0);
    // i >= 2: every term holds a zero other than x_i
    expect(gradOf((v) => A.cumprod(v, 0), x, w)).to.deep.equal([1, 10 * 2 + 100 * 2 * 3, 0, 0, 0]);
    // reverse: y_k = Π_{j>=k} x_j; the first zero from the end is x3
    // i = 4: w4; i = 3: w3 x4 + w2 x2 x4; the rest hold x3 or x1
    expect(gradOf((v) => A.cumprod(v, { axis: 0, reverse: true }), x, w)).to.deep.equal([0, 0, 0, 1000 * 5 + 100 * 3 * 5, 10000]);
    // a zero first and a zero last
    expect(gradOf((v) => A.cumprod(v, 0), [0, 2, 3], T.tensor([1, 10, 100], f64))).to.deep.equal([1 + 10 * 2 + 100 * 6, 0, 0]);
    expect(gradOf((v) => A.cumprod(v, 0), [2, 3, 0], T.tensor([1, 10, 100], f64))).to.deep.equal([1 + 10 * 3, 10 * 2, 100 * 6]);
    // no zeros: Σ_{k>=i} w_k y_k / x_i
    expect(gradOf((v) => A.cumprod(v, 0), [2, 3, 4], T.tensor([1, 10, 100], f64))).to.deep.equal([1 + 30 + 1200, 20 + 800, 600]);
  });

  it('forward values are the tensor package\'s; the axis is required', () => {
    const x = T.tensor([[1, 2, 0], [3, 4, 5]], f64);
    expect(A.cumsum(x, 1).value.toArray()).to.deep.equal(T.cumsum(x, 1).toArray());
    expect(A.cumprod(x, { axis: 0, reverse: true }).value.toArray()).to.deep.equal(T.cumprod(x, { axis: 0, reverse: true }).toArray());
    expect(message(() => (A.cumsum as (...a: unknown[]) => unknown)(x))).to.match(/^cumsum: axis is required/);
    expect(message(() => (A.cumprod as (...a: unknown[]) => unknown)(x, { axis: 0, keepDims: true }))).to.match(/^cumprod: unknown option 'keepDims'/);
  });
});

describe('variance, std and norm gradients', () => {
  it('variance: 2 (x - mean) / (count - correction)', () => {
    const g = gradOf((x) => A.variance(x), [1, 2, 3, 4]) as number[];
    [-1.5, -0.5, 0.5, 1.5].forEach((d, i) => expect(g[i]).to.be.closeTo((2 * d) / 3, 1e-15));
    const g0 = gradOf((x) => A.variance(x, { correction: 0 }), [1, 2, 3, 4]) as number[];
    [-1.5, -0.5, 0.5, 1.5].forEach((d, i) => expect(g0[i]).to.be.closeTo((2 * d) / 4, 1e-15));
  });

  it("std: (x - mean) / ((count - correction) std), and 0 where std = 0 (PyTorch's std_backward masks it)", () => {
    const s = Math.sqrt(5 / 3);
    const g = gradOf((x) => A.std(x, 1), [[1, 2, 3, 4], [2, 2, 2, 2]]) as number[][];
    [-1.5, -0.5, 0.5, 1.5].forEach((d, i) => expect(g[0]![i]).to.be.closeTo(d / (3 * s), 1e-15));
    expect(g[1]).to.deep.equal([0, 0, 0, 0]);
    // second order at the constant slice stays finite (the mask is a double where)
    const v = A.variable(T.tensor([2, 2, 2], f64), { requiresGrad: true });
    const [d1] = A.grads(A.std(v), [v], undefined, { createGraph: true });
    const [d2] = A.grads(A.sum(d1!), [v]);
    expect(d2!.value.toArray()).to.deep.equal([0, 0, 0]);
  });

  it("norm p = 2: x / ‖x‖, and 0 at x = 0 (PyTorch's masked_fill, not 0/0)", () => {
    const g = gradOf((x) => A.norm(x, { axis: 1 }), [[3, -4], [0, 0]]) as number[][];
    expect(g[0]![0]).to.be.closeTo(0.6, 1e-15);
    expect(g[0]![1]).to.be.closeTo(-0.8, 1e-15);
    expect(g[1]).to.deep.equal([0, 0]);
  });

  it('norm p = 2, second order at an element that is exactly 0: the Hessian (I - x xᵀ/‖x‖²)/‖x‖, by hand', () => {
    // x = [0, 3, 4], ‖x‖ = 5: H = (I - x xᵀ/25)/5, so row 0 is [1/5, 0, 0] and row 1 is [0, (1 - 9/25)/5, -12/125]
    const x = A.variable(T.tensor([0, 3, 4], f64), { requiresGrad: true });
    const [g] = A.grads(A.norm(x), [x], undefined, { createGraph: true });
    const row = (i: number) => Array.from(A.grads(A.select(g!, 0, i), [x], undefined, { retainGraph: true })[0]!.value.toTypedArray());
    row(0).forEach((v, j) => expect(v, `H[0][${j}]`).to.be.closeTo([0.2, 0, 0][j]!, 1e-15));
    row(1).forEach((v, j) => expect(v, `H[1][${j}]`).to.be.closeTo([0, (1 - 9 / 25) / 5, -12 / 125][j]!, 1e-15));
    // and against central differences of the first-order gradient, over random points with exact zeros
    A.gradgradcheck((v) => A.norm(v), [T.tensor([0, 3, 4], f64)]);
    A.gradgradcheck((v) => A.norm(v, { axis: 1 }), [T.tensor([[0, -1.5, 0.25], [2, 0, 0]], f64)]);
  });

  it('norm at x = 0 for other p: 0 (p = 1 via sign(0), p > 1 masked, p < 1 masked per element)', () => {
    for (const p of [1, 1.5, 3]) expect(gradOf((x) => A.norm(x, { p }), [0, 0, 0]), `p = ${p}`).to.deep.equal([0, 0, 0]);
    // p = 0.5 with one zero element: sign(x)|x|^(p-1) ‖x‖^(1-p) elsewhere, 0 at the zero
    const g = gradOf((x) => A.norm(x, { p: 0.5 }), [4, 0, 1]) as number[];
    const n = (2 + 0 + 1) ** 2;
    expect(g[1]).to.equal(0);
    expect(g[0]).to.be.closeTo(4 ** -0.5 * n ** 0.5, 1e-14);
    expect(g[2]).to.be.closeTo(1 * n ** 0.5, 1e-14);
  });

  it('norm p = ±Infinity: to the extreme |x| with its sign, split evenly between ties', () => {
    expect(gradOf((x) => A.norm(x, { p: Infinity }), [3, -3, 1])).to.deep.equal([0.5, -0.5, 0]);
    expect(gradOf((x) => A.norm(x, { p: -Infinity }), [3, -1, 2])).to.deep.equal([0, -1, 0]);
  });

  it('norm p = 0: no gradient flows (grads gives zeros, the leaf keeps no grad)', () => {
    expect(gradOf((x) => A.norm(x, { p: 0 }), [3, 0, 1])).to.deep.equal([0, 0, 0]);
    const v = A.variable(T.tensor([3, 0, 1], f64), { requiresGrad: true });
    const y = A.norm(v, { p: 0 });
    expect(y.value.item()).to.equal(2);
    y.backward();
    expect(v.grad).to.equal(null);
  });

  it('forward values are the tensor package\'s; the options are checked', () => {
    const x = T.tensor([[1, -2, 3], [0.5, 4, -1]], f64);
    expect(A.variance(x, { axis: 1, correction: 0 }).value.toArray()).to.deep.equal(T.variance(x, { axis: 1, correction: 0 }).toArray());
    expect(A.std(x, 0).value.toArray()).to.deep.equal(T.std(x, 0).toArray());
    expect(A.norm(x, { p: 3, axis: -1, keepDims: true }).value.toArray()).to.deep.equal(T.norm(x, { p: 3, axis: -1, keepDims: true }).toArray());
    expect(message(() => A.norm(x, 2 as never))).to.match(/^norm: got norm\(x, 2\), expected norm\(x, \{ p: 2 \}\)/);
    expect(message(() => A.std(x, { unbiased: false } as never))).to.match(/^std: unknown option 'unbiased'/);
    expect(message(() => A.variance(x, { correction: NaN }))).to.equal('variance: correction got NaN, expected a finite number >= 0');
  });
});
