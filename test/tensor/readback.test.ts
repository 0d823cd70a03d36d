// Asynchronous readback on the CPU: `data()` and `array()` must give exactly what the synchronous readers
// give (they are the only readers in gpu.js's webgpu mode, so code written with them runs everywhere), for
// views, scalars, empty tensors and both dtypes; Variable forwards them. The 'gpu' side is checked per mode
// in gpu-parity.test.ts.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';

describe('data() and array()', () => {
  it('equal toTypedArray() and toArray() for views, scalars, empty tensors and float64', async () => {
    const base = T.arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 4]);
    const cases: T.Tensor[] = [
      base,
      base.permute(2, 0, 1).slice(1, 1, 3),     // non-contiguous, offset
      base.astype('float32').select(0, 1).T,     // float32 transposed view
      T.full([], 2.5),                           // scalar
      T.zeros([0, 3]),                           // empty
      T.tensor([1, 2]).expand([3, 2]),           // stride 0
    ];
    for (const t of cases) {
      const data = await t.data();
      expect(data.constructor, 'dtype kept').to.equal(t.dtype === 'float64' ? Float64Array : Float32Array);
      expect(Array.from(data)).to.deep.equal(Array.from(t.toTypedArray()));
      expect(await t.array()).to.deep.equal(t.toArray());
    }
    expect(await T.full([], 2.5).array()).to.equal(2.5);
    expect(await T.tensor([1, 2]).expand([3, 2]).array()).to.deep.equal([[1, 2], [1, 2], [1, 2]]);
  });

  it('returns a copy the caller owns', async () => {
    const t = T.tensor([1, 2, 3]);
    const d = await t.data();
    d[0] = 99;
    expect(t.toArray()).to.deep.equal([1, 2, 3]);
  });

  it('Variable.data() and array() read the value', async () => {
    const v = A.variable(T.tensor([[1, 2], [3, 4]]), { requiresGrad: true });
    expect(Array.from(await v.data())).to.deep.equal([1, 2, 3, 4]);
    expect(await A.sum(v).array()).to.equal(10);
  });

  it('a non-tensor is a clear error', () => {
    expect(() => T.toHostAsync({} as T.Tensor)).to.throw(/^data: /);
  });
});
