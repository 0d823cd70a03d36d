// Creation functions of @propel-ts/tensor, the seeded generator (checked against a separate BigInt
// reference implementation of xoshiro128** seeded through splitmix32, so a platform difference in 32-bit
// arithmetic would be caught), randn's moments, and PyTorch-like toString.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { Generator, manualSeed } from '@propel-ts/tensor';

// ---- reference generator: BigInt arithmetic, independent of Math.imul and 32-bit JS operators ----------
const M32 = (1n << 32n) - 1n;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M32;

/**
 * xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c), its four words
 * seeded by successive outputs of splitmix32 (state += 0x9e3779b9, then the murmur3 fmix32 finaliser with
 * 0x85ebca6b / 0xc2b2ae35), the seeding the package documents.
 */
class ReferenceXoshiro128ss {
  private s: bigint[];
  constructor(seed: number) {
    let x = BigInt.asUintN(32, BigInt(Math.trunc(seed)));
    this.s = [0, 1, 2, 3].map(() => {
      x = (x + 0x9e3779b9n) & M32;
      let z = x;
      z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M32;
      z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M32;
      return (z ^ (z >> 16n)) & M32;
    });
  }
  next(): number {
    const s = this.s as [bigint, bigint, bigint, bigint];
    const result = (rotl((s[1] * 5n) & M32, 7n) * 9n) & M32;
    const t = (s[1] << 9n) & M32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return Number(result);
  }
  /** 53-bit uniform in [0,1): 27 high bits of one draw, 26 of the next. */
  uniform(): number {
    const hi = BigInt(this.next()) >> 5n;
    const lo = BigInt(this.next()) >> 6n;
    return Number((hi << 26n) | lo) / 2 ** 53;
  }
}

describe('creation', () => {
  it('tensor() from nested arrays, typed arrays, numbers; float32 by default', () => {
    const a = T.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).to.deep.equal([2, 3]);
    expect(a.dtype).to.equal('float32');
    expect(a.device).to.equal('cpu');
    expect(a.isContiguous()).to.equal(true);
    expect(a.toArray()).to.deep.equal([[1, 2, 3], [4, 5, 6]]);
    expect(T.tensor([0.1]).toArray()).to.deep.equal([Math.fround(0.1)]);
    expect(T.tensor([0.1], { dtype: 'float64' }).toArray()).to.deep.equal([0.1]);
    const s = T.tensor(3.5);
    expect(s.shape).to.deep.equal([]);
    expect(s.ndim).to.equal(0);
    expect(s.item()).to.equal(3.5);
    expect(T.tensor([]).shape).to.deep.equal([0]);
    expect(T.tensor([[], []]).shape).to.deep.equal([2, 0]);
    const f64 = new Float64Array([1, 2, 3, 4, 5, 6]);
    const b = T.tensor(f64, { shape: [3, 2] });
    expect(b.dtype).to.equal('float64');
    expect(b.toArray()).to.deep.equal([[1, 2], [3, 4], [5, 6]]);
    f64[0] = 99; // tensor() copies its input
    expect(b.toTypedArray()[0]).to.equal(1);
    expect(T.tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'float64' }).toArray()).to.deep.equal([[1, 2], [3, 4]]);
    expect(b.toTypedArray()).to.be.instanceOf(Float64Array);
    expect(a.toTypedArray()).to.be.instanceOf(Float32Array);
  });

  it('zeros, ones, full, zerosLike, onesLike, fullLike', () => {
    expect(T.zeros([2, 2]).toArray()).to.deep.equal([[0, 0], [0, 0]]);
    expect(T.ones([3], { dtype: 'float64' }).toArray()).to.deep.equal([1, 1, 1]);
    expect(T.ones([3], { dtype: 'float64' }).dtype).to.equal('float64');
    expect(T.full([2], 0.1).toArray()).to.deep.equal([Math.fround(0.1), Math.fround(0.1)]);
    expect((T.full([2], NaN).toArray() as number[]).every(Number.isNaN)).to.equal(true);
    expect(T.zeros([]).shape).to.deep.equal([]);
    expect(T.zeros([0, 3]).size).to.equal(0);
    const x = T.randn([2, 3], { dtype: 'float64', seed: 1 });
    expect(T.zerosLike(x).dtype).to.equal('float64');
    expect(T.onesLike(x).shape).to.deep.equal([2, 3]);
    expect(T.fullLike(x, -2).toArray()).to.deep.equal([[-2, -2, -2], [-2, -2, -2]]);
  });

  it('arange like torch.arange (exclusive end, any step sign)', () => {
    expect(T.arange(5).toArray()).to.deep.equal([0, 1, 2, 3, 4]);
    expect(T.arange(2, 5).toArray()).to.deep.equal([2, 3, 4]);
    expect(T.arange(1, 2, 0.25).toArray()).to.deep.equal([1, 1.25, 1.5, 1.75]);
    expect(T.arange(5, 0, -2).toArray()).to.deep.equal([5, 3, 1]);
    expect(T.arange(3, 1).shape).to.deep.equal([0]);
    expect(T.arange(0, 1, 0.1, { dtype: 'float64' }).size).to.equal(10);
    expect(T.arange(0, 1, 0.1, { dtype: 'float64' }).dtype).to.equal('float64');
  });

  it('linspace includes both ends exactly', () => {
    expect(T.linspace(0, 1, 5).toArray()).to.deep.equal([0, 0.25, 0.5, 0.75, 1]);
    const l = T.linspace(-3.7, 11.1, 7, { dtype: 'float64' }).toArray() as number[];
    expect(l[0]).to.equal(-3.7);
    expect(l[6]).to.equal(11.1);
    for (let i = 1; i < 7; i++) expect(l[i]! - l[i - 1]!).to.be.closeTo(14.8 / 6, 1e-14);
    expect(T.linspace(2, 3, 1).toArray()).to.deep.equal([2]);
    expect(T.linspace(2, 3, 0).shape).to.deep.equal([0]);
  });

  it('eye(n) and eye(n, m)', () => {
    expect(T.eye(3).toArray()).to.deep.equal([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(T.eye(2, 3, { dtype: 'float64' }).toArray()).to.deep.equal([[1, 0, 0], [0, 1, 0]]);
    expect(T.eye(3, 1).toArray()).to.deep.equal([[1], [0], [0]]);
    expect(T.eye(0).shape).to.deep.equal([0, 0]);
  });
});

describe('random: seeded, the same numbers on every platform', () => {
  it('nextUint32 matches the BigInt reference xoshiro128** + splitmix32, and pinned values', () => {
    // pinned: computed once from the reference implementation above
    const pinned = [2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290];
    const g = new Generator(42);
    expect(pinned.map(() => g.nextUint32())).to.deep.equal(pinned);
    const r0 = new Generator(0);
    expect([r0.nextUint32(), r0.nextUint32(), r0.nextUint32()]).to.deep.equal([3809008728, 1133695204, 53579671]);
    for (const seed of [0, 1, 42, 123456789, 2 ** 31, 2 ** 32 - 1, -1, 2 ** 32 + 5]) {
      const pkg = new Generator(seed);
      const ref = new ReferenceXoshiro128ss(seed);
      for (let i = 0; i < 1000; i++) {
        const got = pkg.nextUint32(), want = ref.next();
        if (got !== want) throw new Error(`seed ${seed}: draw ${i} is ${got}, reference ${want}`);
      }
    }
    // seeds are integers taken modulo 2^32; a fractional or NaN seed is refused (it used to be truncated silently)
    expect(new Generator(-1).nextUint32()).to.equal(new Generator(2 ** 32 - 1).nextUint32());
    expect(() => new Generator(7.9)).to.throw('Generator.seed: seed got 7.9, expected an integer');
  });

  it('uniform() uses 53 bits of two draws, in [0, 1)', () => {
    const g = new Generator(5);
    const ref = new ReferenceXoshiro128ss(5);
    for (let i = 0; i < 1000; i++) {
      const u = g.uniform();
      expect(u).to.equal(ref.uniform());
      expect(u >= 0 && u < 1).to.equal(true);
    }
  });

  it('same seed gives the same tensors; different seeds differ; reseeding restarts', () => {
    const a = T.rand([100], { seed: 3, dtype: 'float64' }).toArray();
    expect(T.rand([100], { seed: 3, dtype: 'float64' }).toArray()).to.deep.equal(a);
    expect(T.rand([100], { seed: 4, dtype: 'float64' }).toArray()).to.not.deep.equal(a);
    expect(T.randn([4, 5], { seed: 9 }).toArray()).to.deep.equal(T.randn([4, 5], { seed: 9 }).toArray());
    // rand draws g.uniform() per element, row-major
    const ref = new ReferenceXoshiro128ss(3);
    expect(a).to.deep.equal(Array.from({ length: 100 }, () => ref.uniform()));
    // float32 rand rounds the same numbers
    expect(T.rand([10], { seed: 3 }).toArray()).to.deep.equal((a as number[]).slice(0, 10).map(Math.fround));
    // an explicit generator continues its own stream
    const g = new Generator(11);
    const first = T.rand([5], { generator: g, dtype: 'float64' }).toArray();
    const second = T.rand([5], { generator: g, dtype: 'float64' }).toArray();
    expect(T.rand([10], { seed: 11, dtype: 'float64' }).toArray()).to.deep.equal([...(first as number[]), ...(second as number[])]);
    // manualSeed resets the default generator
    manualSeed(123);
    const d1 = T.randn([6], { dtype: 'float64' }).toArray();
    manualSeed(123);
    expect(T.randn([6], { dtype: 'float64' }).toArray()).to.deep.equal(d1);
  });

  it('rand is uniform on [0,1): mean 1/2, variance 1/12 over 100k samples', () => {
    const x = T.rand([100000], { seed: 17, dtype: 'float64' }).toTypedArray();
    let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
    for (const v of x) { s += v; s2 += v * v; lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const mean = s / x.length, variance = s2 / x.length - mean * mean;
    expect(lo).to.be.at.least(0);
    expect(hi).to.be.below(1);
    expect(mean).to.be.closeTo(0.5, 5 * Math.sqrt(1 / 12 / x.length));
    expect(variance).to.be.closeTo(1 / 12, 0.002);
  });

  it('randn has mean 0 and variance 1 over 100k samples (within 5 standard errors)', () => {
    for (const seed of [0, 1, 2]) {
      const x = T.randn([100000], { seed, dtype: 'float64' }).toTypedArray();
      let s = 0, s2 = 0, s4 = 0;
      for (const v of x) { s += v; s2 += v * v; s4 += v ** 4; }
      const n = x.length, mean = s / n, variance = s2 / n - mean * mean;
      expect(mean, `seed ${seed} mean`).to.be.closeTo(0, 5 / Math.sqrt(n)); // se of the mean: 1/sqrt(n)
      expect(variance, `seed ${seed} variance`).to.be.closeTo(1, 5 * Math.sqrt(2 / n)); // se of the variance: sqrt(2/n)
      expect(s4 / n, `seed ${seed} 4th moment`).to.be.closeTo(3, 5 * Math.sqrt(96 / n)); // normal kurtosis 3
    }
  });
});

describe('toString (PyTorch-like)', () => {
  it('integers print with a trailing point, columns right-aligned, rows on new lines', () => {
    expect(T.tensor([[1, 2], [3, 4]]).toString()).to.equal('tensor([[1., 2.],\n        [3., 4.]])');
    expect(T.tensor([-1, 20]).toString()).to.equal('tensor([-1., 20.])');
    expect(T.tensor([1, -2]).toString()).to.equal('tensor([ 1., -2.])');
    expect(T.tensor(3).toString()).to.equal('tensor(3.)');
  });

  it('floats print with 4 decimals, dtype=float64 when not the default', () => {
    expect(T.tensor([1.5, 2.25]).toString()).to.equal('tensor([1.5000, 2.2500])');
    expect(T.tensor([[0.5, -1.25]], { dtype: 'float64' }).toString()).to.equal('tensor([[ 0.5000, -1.2500]], dtype=float64)');
  });

  it('3-D tensors separate blocks with a blank line', () => {
    expect(T.arange(8).reshape(2, 2, 2).toString()).to.equal(
      'tensor([[[0., 1.],\n' +
      '         [2., 3.]],\n' +
      '\n' +
      '        [[4., 5.],\n' +
      '         [6., 7.]]])',
    );
  });

  it('scientific notation with two-digit exponents, non-finite values, empty tensors', () => {
    expect(T.tensor([1e-5, 1], { dtype: 'float64' }).toString()).to.equal('tensor([1.0000e-05, 1.0000e+00], dtype=float64)');
    expect(T.tensor([1, NaN, Infinity, -Infinity]).toString()).to.equal('tensor([1., nan, inf, -inf])');
    expect(T.tensor([-10, NaN]).toString()).to.equal('tensor([-10.,  nan])'); // nan is padded to the finite width, never widens it
    expect(T.tensor([1, -10, NaN]).toString()).to.equal('tensor([  1., -10.,  nan])');
    expect(T.zeros([0]).toString()).to.equal('tensor([])');
    expect(T.zeros([2, 0]).toString()).to.equal('tensor([], size=(2, 0))');
  });

  it("integers go scientific as PyTorch's: nonzero magnitudes more than 1000× apart or above 1e8", () => {
    // each string is what torch 1.13 prints for torch.tensor(...) of the same values
    expect(T.tensor([1e16, 1]).toString()).to.equal('tensor([1.0000e+16, 1.0000e+00])');
    expect(T.tensor([1000, 1]).toString()).to.equal('tensor([1000.,    1.])');
    expect(T.tensor([2000, 1]).toString()).to.equal('tensor([2.0000e+03, 1.0000e+00])');
    expect(T.tensor([1e8, 1e7]).toString()).to.equal('tensor([100000000.,  10000000.])');
    expect(T.tensor([2e8, 1e8]).toString()).to.equal('tensor([2.0000e+08, 1.0000e+08])');
    expect(T.tensor([0, 5000]).toString()).to.equal('tensor([   0., 5000.])');
    expect(T.tensor([-3000, 2]).toString()).to.equal('tensor([-3.0000e+03,  2.0000e+00])');
  });

  it('views print their own elements', () => {
    expect(T.tensor([[1, 2, 3], [4, 5, 6]]).T.toString()).to.equal('tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]])');
  });
});
