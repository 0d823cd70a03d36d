// float32 gradients where an intermediate of the backward overflows float32 but the gradient does not:
// each must be the float64 gradient at the same (float32) inputs, rounded, and 0 (not 0·∞ = NaN) where the
// upstream gradient is 0. The gradient checks run in float64, so they cannot see this. Oracle: the same
// computation in float64.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { mixtureNll } from '@propel-ts/propel';

type DT = 'float32' | 'float64';
/** The gradients of sum(w ⊙ f(x...)) with respect to each input, in `dtype`. */
function grads(dtype: DT, f: (...xs: A.Variable[]) => A.Variable, xs: number[][], w: number[]): number[][] {
  const vs = xs.map((x) => A.variable(T.tensor(x, { dtype }), { requiresGrad: true }));
  return A.grads(A.sum(A.mul(f(...vs), T.tensor(w, { dtype }))), vs).map((g) => Array.from(g.value.toTypedArray()));
}
function sameAsFloat64(f: (...xs: A.Variable[]) => A.Variable, xs: number[][], w: number[]): void {
  const g32 = grads('float32', f, xs, w), g64 = grads('float64', f, xs.map((x) => x.map(Math.fround)), w.map(Math.fround));
  g64.forEach((row, i) => row.forEach((want, k) => {
    const got = g32[i]![k]!;
    expect(Number.isFinite(got), `input ${i}[${k}]: ${got}, float64 ${want}`).to.equal(true);
    expect(got, `input ${i}[${k}]`).to.be.closeTo(want, 1e-6 * Math.abs(want));
  }));
}

describe('float32 gradients: no overflow in the backward where the gradient is finite', () => {
  it('div in its denominator: dy·(a/b)/b, not dy·((a/b)/b), which overflows at b = 1e-20', () => {
    // by hand: d(a/b)/db = -a/b² = -1e40, times w = 1e-10 gives -1e30; with w = 0 it is 0
    sameAsFloat64((a, b) => A.div(a, b), [[1, 1], [1e-20, 1e-20]], [1e-10, 0]);
    const [, gb] = grads('float32', (a, b) => A.div(a, b), [[1, 1], [1e-20, 1e-20]], [1e-10, 0]);
    expect(gb![0]).to.be.closeTo(-1e30, 1e24);
    expect(gb![1]).to.equal(-0);
  });

  it('reciprocal and rsqrt: (dy·y)·y, not dy·y², at x = 1e-20 and 1e-30', () => {
    sameAsFloat64((x) => A.reciprocal(x), [[1e-20, 1e-20, 2]], [1e-10, 0, 1]);
    sameAsFloat64((x) => A.rsqrt(x), [[1e-30, 1e-30, 4]], [1e-10, 0, 1]);
  });

  it("huberLoss of a huge difference: delta·sign(d), not NaN from the unused ½d² branch", () => {
    // by hand: beyond delta the gradient is delta·sign(d) = 1 per element, times w
    sameAsFloat64((x) => A.huberLoss(x, 0, 'none'), [[3e38, -2e38, 0.5]], [0.7, 0.3, 1]);
    sameAsFloat64((x) => A.huberLoss(x, 0, { delta: 1e-20, reduction: 'none' }), [[2e38, 1e-21]], [1, 1]);
  });

  it('mixtureNll with a component 10^25 standard deviations away: its gradient is 0, as in float64', () => {
    const out = [[[1e10, 0, 1e-15, 1], [0.5, -0.3, 0.8, 1.2], [-0.4, 0.2, 0.6, 0.9]]];
    const g = (dtype: DT) => {
      const o = A.variable(T.tensor(out, { dtype }), { requiresGrad: true });
      mixtureNll(o, T.tensor([[0.1, -0.2]], { dtype })).backward();
      return Array.from(o.grad!.toTypedArray());
    };
    const g32 = g('float32'), g64 = g('float64');
    expect(g64.slice(0, 4)).to.deep.equal([0, 0, 0, 0]); // the far component's weight is 0
    g32.forEach((v, k) => expect(v, `element ${k}`).to.be.closeTo(g64[k]!, 1e-6 * Math.max(1, Math.abs(g64[k]!))));
  });
});
