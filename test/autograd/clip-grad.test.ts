// clipGradNorm (torch.nn.utils.clip_grad_norm_): the total norm of hand-picked gradients, worked out in the
// comments (2-norm, 1-norm, 3-norm, ∞-norm), the scaling by maxNorm / (total + 1e-6) only when that is
// below 1, skipped parameters, a gradient shared by two parameters, non-contiguous and float32 gradients,
// gradients on the 'gpu' device (every gpu.js mode available), NaN handling, and argument errors.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import type { Variable } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const arr = (t: T.Tensor | null): number[] => Array.from(t!.toTypedArray());

/** Two parameters with gradients [3, -4] and [[12]]: |g| = 3, 4, 12. */
function setup(): [Variable, Variable] {
  const a = A.variable(T.zeros([2], f64), { requiresGrad: true });
  const b = A.variable(T.zeros([1, 1], f64), { requiresGrad: true });
  a.grad = T.tensor([3, -4], f64);
  b.grad = T.tensor([[12]], f64);
  return [a, b];
}

describe('clipGradNorm', () => {
  it('2-norm: √(9 + 16 + 144) = 13; maxNorm 6.5 scales every gradient by 6.5 / (13 + 1e-6)', () => {
    const [a, b] = setup();
    expect(A.clipGradNorm([a, b], 6.5)).to.equal(13);
    const c = 6.5 / (13 + 1e-6);
    expect(arr(a.grad)).to.deep.equal([3 * c, -4 * c]);
    expect(arr(b.grad)).to.deep.equal([12 * c]);
    expect(b.grad!.shape).to.deep.equal([1, 1]);
    // the clipped total is maxNorm up to the 1e-6 guard
    expect(Math.hypot(...arr(a.grad), ...arr(b.grad))).to.be.closeTo(6.5, 1e-6);
  });

  it('no change when maxNorm / (total + 1e-6) >= 1 (the same gradient tensors stay)', () => {
    const [a, b] = setup();
    const [ga, gb] = [a.grad, b.grad];
    expect(A.clipGradNorm([a, b], 14)).to.equal(13);
    expect(a.grad).to.equal(ga);
    expect(b.grad).to.equal(gb);
    // maxNorm = 13 itself still clips a little: 13 / (13 + 1e-6) < 1, as in PyTorch
    A.clipGradNorm([a, b], 13);
    expect(arr(a.grad)[0]).to.equal(3 * (13 / (13 + 1e-6)));
    // Infinity never clips
    const [p, q] = setup();
    expect(A.clipGradNorm([p, q], Infinity)).to.equal(13);
    expect(arr(p.grad)).to.deep.equal([3, -4]);
  });

  it('normType 1 (3 + 4 + 12 = 19), 3 ((27 + 64 + 1728)^⅓) and Infinity (max |g| = 12)', () => {
    let [a, b] = setup();
    expect(A.clipGradNorm([a, b], 1, { normType: 1 })).to.equal(19);
    expect(arr(a.grad)).to.deep.equal([3 / (19 + 1e-6), -4 / (19 + 1e-6)]);
    [a, b] = setup();
    expect(A.clipGradNorm([a, b], 100, { normType: 3 })).to.be.closeTo(1819 ** (1 / 3), 1e-12);
    [a, b] = setup();
    expect(A.clipGradNorm([a, b], 6, { normType: Infinity })).to.equal(12);
    expect(arr(b.grad)).to.deep.equal([12 * (6 / (12 + 1e-6))]);
  });

  it('a single Variable; parameters without a gradient are skipped and keep none', () => {
    const [a] = setup();
    const none = A.variable(T.ones([3], f64), { requiresGrad: true });
    expect(A.clipGradNorm(a, 1)).to.equal(5);
    expect(arr(a.grad)).to.deep.equal([3 / (5 + 1e-6), -4 / (5 + 1e-6)]);
    const [p] = setup();
    expect(A.clipGradNorm([none, p], 1)).to.equal(5);
    expect(none.grad).to.equal(null);
    expect(A.clipGradNorm([none], 1)).to.equal(0);
    expect(A.clipGradNorm([], 1)).to.equal(0);
  });

  it('a gradient tensor shared by two parameters counts twice and each is scaled once', () => {
    // backward hands the same tensor to both inputs of an add: |g|² = 2·(9 + 16) = 50
    const x = A.variable(T.zeros([2], f64), { requiresGrad: true });
    const y = A.variable(T.zeros([2], f64), { requiresGrad: true });
    const g = T.tensor([3, -4], f64);
    x.grad = g;
    y.grad = g;
    expect(A.clipGradNorm([x, y], 1)).to.equal(Math.sqrt(50));
    const c = 1 / (Math.sqrt(50) + 1e-6);
    expect(arr(x.grad)).to.deep.equal([3 * c, -4 * c]);
    expect(arr(y.grad)).to.deep.equal([3 * c, -4 * c]);
    expect(arr(g)).to.deep.equal([3, -4]);
  });

  it('gradients from a real backward, non-contiguous gradients, float32', () => {
    // y = sum(w ⊙ x): dy/dw = x = [[1, 2], [2, 4]] (a transposed view below), |x| = 5
    const w = A.variable(T.zeros([2, 2], f64), { requiresGrad: true });
    A.sum(A.mul(w, T.tensor([[1, 2], [2, 4]], f64))).backward();
    expect(A.clipGradNorm([w], 10)).to.equal(5);
    w.grad = T.tensor([[1, 2], [2, 4]], f64).transpose(0, 1);
    expect(w.grad.isContiguous()).to.equal(false);
    expect(A.clipGradNorm([w], 2.5)).to.equal(5);
    expect(arr(w.grad)).to.deep.equal([1, 2, 2, 4].map((v) => v * (2.5 / (5 + 1e-6))));
    const f = A.variable(T.zeros([2]), { requiresGrad: true });
    f.grad = T.tensor([3, 4]);
    expect(A.clipGradNorm([f], 1)).to.equal(5);
    expect(f.grad.dtype).to.equal('float32');
    expect(arr(f.grad)).to.deep.equal([Math.fround(3 * Math.fround(1 / (5 + 1e-6))), Math.fround(4 * Math.fround(1 / (5 + 1e-6)))]);
  });

  it('a NaN gradient makes the total and every gradient NaN (as PyTorch), or throws with errorIfNonfinite', () => {
    const [a, b] = setup();
    b.grad = T.tensor([[NaN]], f64);
    expect(A.clipGradNorm([a, b], 1)).to.be.NaN;
    expect(arr(a.grad).every(Number.isNaN)).to.equal(true);
    const [p, q] = setup();
    q.grad = T.tensor([[Infinity]], f64);
    expect(() => A.clipGradNorm([p, q], 1, { errorIfNonfinite: true })).to.throw('clipGradNorm: the total 2-norm of the gradients is Infinity, expected a finite number');
    expect(arr(p.grad)).to.deep.equal([3, -4]);
    const [r, s] = setup();
    s.grad = T.tensor([[NaN]], f64);
    expect(A.clipGradNorm([r, s], 1, { normType: Infinity })).to.be.NaN;
  });

  it('argument errors', () => {
    const [a] = setup();
    expect(() => A.clipGradNorm([a], -1)).to.throw('clipGradNorm: maxNorm got -1, expected a number >= 0');
    expect(() => (A.clipGradNorm as (...x: unknown[]) => number)([a])).to.throw('clipGradNorm: maxNorm got undefined');
    expect(() => A.clipGradNorm([a], 1, { normType: 0 })).to.throw('clipGradNorm: normType got 0, expected a number > 0');
    expect(() => A.clipGradNorm([a], 1, { norm_type: 2 } as never)).to.throw("clipGradNorm: unknown option 'norm_type' (did you mean 'normType'?)");
    expect(() => A.clipGradNorm([T.ones([2])] as never, 1)).to.throw('clipGradNorm: params[0] got');
    expect(() => A.clipGradNorm('w' as never, 1)).to.throw('clipGradNorm: params got "w"');
    expect(() => (A.clipGradNorm as (...x: unknown[]) => number)([a], 1, {}, 2)).to.throw('clipGradNorm: got 4 arguments');
  });
});

describe("clipGradNorm on the 'gpu' device", () => {
  after(() => T.setGpuMode('auto'));
  for (const mode of T.gpuInfo().availableModes.filter((m) => m !== 'webgpu')) {
    it(`mode ${mode}: the same norms (13, 19, 12) and scaled gradients that stay on the device`, () => {
      T.setGpuMode(mode);
      const make = (): [Variable, Variable] => {
        const a = A.variable(T.zeros([2], { device: 'gpu' }), { requiresGrad: true });
        const b = A.variable(T.zeros([1, 1], { device: 'gpu' }), { requiresGrad: true });
        a.grad = T.tensor([3, -4], { device: 'gpu' });
        b.grad = T.tensor([[12]], { device: 'gpu' });
        return [a, b];
      };
      let [a, b] = make();
      expect(A.clipGradNorm([a, b], 6.5)).to.be.closeTo(13, 1e-5);
      expect(a.grad!.device).to.equal('gpu');
      arr(a.grad).forEach((g, k) => expect(g).to.be.closeTo([3, -4][k]! * 0.5, 1e-6));
      [a, b] = make();
      expect(A.clipGradNorm([a, b], 100, { normType: 1 })).to.be.closeTo(19, 1e-5);
      [a, b] = make();
      expect(A.clipGradNorm([a, b], 100, { normType: Infinity })).to.equal(12);
      [a, b] = make();
      expect(A.clipGradNorm([a, b], 100, { normType: 3 })).to.be.closeTo(1819 ** (1 / 3), 1e-4);
    });
  }
});
