// allClose against torch.allclose's definition written out by hand: |a - b| <= atol + rtol·|b| per element
// (rtol 1e-5, atol 1e-8), NaNs unequal unless equalNan, the two broadcast against each other.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';

const f64 = { dtype: 'float64' } as const;

describe('allClose: torch.allclose', () => {
  it('the tolerance is atol + rtol·|b|, asymmetric in b as PyTorch and NumPy', () => {
    const b = T.tensor([1e3], f64);
    // 1e3 · 1e-5 + 1e-8 = 0.01000001: just inside, and just outside
    expect(T.allClose(T.tensor([1e3 + 0.01], f64), b)).to.equal(true);
    expect(T.allClose(T.tensor([1e3 + 0.0101], f64), b)).to.equal(false);
    // the other way round the tolerance is rtol·|a|'s neighbour: 0 against 1e-8 is close, against 2e-8 not
    expect(T.allClose(T.tensor([0], f64), T.tensor([1e-8], f64))).to.equal(true);
    expect(T.allClose(T.tensor([0], f64), T.tensor([3e-8], f64))).to.equal(false);
    expect(T.allClose(T.tensor([1, 2], f64), T.tensor([1.1, 2], f64), { rtol: 0.1 })).to.equal(true);
    expect(T.allClose(T.tensor([1, 2], f64), T.tensor([1.1, 2], f64), { atol: 0.05 })).to.equal(false);
  });

  it('NaN equals NaN only with equalNan; an infinity is close only to itself', () => {
    expect(T.allClose(T.tensor([NaN, 1]), T.tensor([NaN, 1]))).to.equal(false);
    expect(T.allClose(T.tensor([NaN, 1]), T.tensor([NaN, 1]), { equalNan: true })).to.equal(true);
    expect(T.allClose(T.tensor([NaN]), T.tensor([1]), { equalNan: true })).to.equal(false);
    expect(T.allClose(T.tensor([Infinity, -Infinity]), T.tensor([Infinity, -Infinity]))).to.equal(true);
    expect(T.allClose(T.tensor([Infinity]), T.tensor([-Infinity]))).to.equal(false);
    // an infinite b would make rtol·|b| infinite: torch.isclose compares infinities by equality
    expect(T.allClose(T.tensor([1]), T.tensor([Infinity]))).to.equal(false);
    expect(T.allClose(T.tensor([Infinity]), T.tensor([1e38]))).to.equal(false);
  });

  it("broadcasts as torch.allclose: [2] against [[1, 2]] and a row against every row; a mismatch anywhere is caught", () => {
    expect(T.allClose(T.tensor([1, 2]), T.tensor([[1, 2]]))).to.equal(true);
    const m = T.tensor([[1, 2], [1, 2], [1, 2.5]]);
    expect(T.allClose(m.slice(0, 0, 2), T.tensor([1, 2]))).to.equal(true);
    expect(T.allClose(m, T.tensor([1, 2]))).to.equal(false); // the last row differs
    expect(T.allClose(T.tensor(3), T.full([2, 2], 3))).to.equal(true);
    expect(() => T.allClose(T.zeros([2]), T.zeros([3]))).to.throw(T.TensorError, 'allClose: shapes [2] and [3] are not broadcastable');
  });
});
