// recycleScope: CPU result buffers created inside the scope and not kept go back to a pool that later
// results reuse; a recycled tensor fails loudly on any access (never a stale number); autograd's backward
// runs inside it and keeps exactly the leaves' gradients.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';

describe('recycleScope (CPU buffer reuse)', () => {
  const big = () => T.randn([64, 64], { seed: 1 }); // 4096 elements: large enough to be pooled

  it('keeps what the caller keeps; a tensor it did not keep throws on use instead of reading reused memory', () => {
    const x = big();
    let temp: T.Tensor | null = null;
    const kept = T.recycleScope(() => {
      temp = T.exp(x);
      return T.add(temp, 1);
    }, (r) => [r]);
    expect(kept.toTypedArray()[0]).to.equal(Math.fround(Math.fround(Math.exp(x.toTypedArray()[0]!)) + 1));
    expect(() => temp!.toTypedArray()).to.throw(/internal: a tensor created inside recycleScope was used after the scope ended/);
  });

  it('reuses the buffers for later results of the same size, with correct values', () => {
    const x = big();
    const before = T.pooledBufferBytes();
    T.recycleScope(() => T.mul(T.exp(x), 2), () => []);
    expect(T.pooledBufferBytes()).to.equal(before + 2 * 4096 * 4);
    const y = T.neg(x); // takes a pooled buffer with stale contents and overwrites all of it
    expect(T.pooledBufferBytes()).to.equal(before + 4096 * 4);
    const xs = x.toTypedArray();
    const ys = y.toTypedArray();
    for (let i = 0; i < xs.length; i++) expect(ys[i]).to.equal(-xs[i]!);
    // kernels that accumulate start from zeros even with a stale pooled buffer
    T.recycleScope(() => T.exp(x), () => []);
    const idx = T.zeros([64, 64]);
    const s = T.scatterAdd([64, 64], 0, idx, T.ones([64, 64]));
    expect(Array.from(s.toTypedArray().slice(0, 64))).to.deep.equal(new Array(64).fill(64));
    expect(Array.from(s.toTypedArray().slice(64))).to.deep.equal(new Array(4096 - 64).fill(0));
  });

  it('recycles nothing when fn throws, and views of kept results stay valid', () => {
    const x = big();
    let inner: T.Tensor | null = null;
    expect(() => T.recycleScope(() => { inner = T.exp(x); throw new Error('boom'); }, () => [])).to.throw('boom');
    expect(inner!.toTypedArray().length).to.equal(4096);
    const kept = T.recycleScope(() => T.exp(x).transpose(0, 1), (r) => [r]);
    expect(kept.toTypedArray().length).to.equal(4096);
  });

  it('toTypedArray returns an array the caller owns, even inside a scope', () => {
    const x = big();
    const host = T.recycleScope(() => T.exp(x).toTypedArray(), () => []);
    T.recycleScope(() => T.neg(x), () => []); // would overwrite a recycled buffer
    expect(host[0]).to.equal(Math.fround(Math.exp(x.toTypedArray()[0]!)));
  });

  it('backward keeps the leaves\' gradients valid across many steps while temporaries are reused', () => {
    const w = A.variable(T.randn([64, 64], { seed: 2 }), { requiresGrad: true });
    const x = T.randn([32, 64], { seed: 3 });
    const expected = (() => {
      // the gradient of sum(tanh(x W)²) by hand in float64
      const xd = Array.from(x.toTypedArray()), wd = Array.from(w.value.toTypedArray());
      const g = new Array(64 * 64).fill(0);
      for (let r = 0; r < 32; r++) {
        for (let j = 0; j < 64; j++) {
          let z = 0;
          for (let k = 0; k < 64; k++) z += xd[r * 64 + k]! * wd[k * 64 + j]!;
          const t = Math.tanh(z);
          const dz = 2 * t * (1 - t * t);
          for (let k = 0; k < 64; k++) g[k * 64 + j] += xd[r * 64 + k]! * dz;
        }
      }
      return g;
    })();
    const grads: T.Tensor[] = [];
    for (let step = 0; step < 5; step++) {
      w.grad = null;
      A.sum(A.square(A.tanh(A.matmul(x, w)))).backward();
      grads.push(w.grad!);
    }
    for (const g of grads) {
      const gd = g.toTypedArray();
      for (let i = 0; i < gd.length; i++) expect(Math.abs(gd[i]! - expected[i]!)).to.be.below(1e-3 * (1 + Math.abs(expected[i]!)));
    }
    expect(T.pooledBufferBytes()).to.be.above(0);
  });
});
