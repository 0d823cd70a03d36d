// variance, std, norm, cumsum and cumprod of @propel-ts/tensor on the CPU: property tests against naive
// float64 loops written out here (over elements read one by one through their strides: test/helpers/naive.ts),
// on random shapes, random non-contiguous layouts (permuted, stepped, broadcast) and both dtypes, then hand
// computations, PyTorch's documented edge values, and the argument errors.
//
// Tolerances (n = elements per output, m = their mean, u = 2^-53, u32 = 2^-24):
// - cumsum, cumprod: exact. The kernel's running value is a float64 number in slice order (PyTorch's CPU
//   kernel accumulates float in double too), so the naive float64 loop in the same order, rounded once to
//   the dtype, is bit for bit what it must give.
// - variance: float64 4(n+4)·u·Σ(|x|+|m|)²/dof (the two-pass bound: the mean's error enters each term
//   through 2(x-m)δ, the subtraction, the square and the sum add a few u each); float32 8·u32·Σ(|x|+|m|)²/dof
//   (mean, difference and square round to float32 once each, the sum is float64). dof = max(0, n - correction).
// - std: the variance's bound t over √ (|√v̂ - √v| <= min(t/√v, √t)), plus 2 ulp for the square root.
// - norm, finite p ≠ 0: 2·((n+4)/|p| + 4)·u·|want| in float64 (Σ|x|^p has relative error (n+4)u, the 1/p-th
//   power divides it by p); float32 2·(2/|p| + 1)·u32·|want| (each stage rounds to float32 once).
//   p = ±Infinity and p = 0: exact (a max, a min, a count).
import { expect } from 'chai';
import * as fc from 'fast-check';
import * as T from '@propel-ts/tensor';
import type { DType, Tensor } from '@propel-ts/tensor';
import {
  arbAxes, arbSpec, assertMatches, CaseCounter, checkProperty, exact, forEachIndex, make, mapArr, naiveAxes, naiveReducedShape,
  read, reductionGroups, roundTo, U32, U64, ulp32, ulp64, type NArr, type Tolerance, type TSpec,
} from '../helpers/naive';

const counter = new CaseCounter('statistics-scan');
const RUNS = 300;
const PLANNED = 4 * RUNS;
const f64 = { dtype: 'float64' } as const;

/** The message of the TensorError `f` throws. */
function message(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof T.TensorError) return e.message; throw e; }
  throw new Error('expected a TensorError, nothing was thrown');
}

// ---- naive oracles ----------------------------------------------------------------------------------

/** The inclusive scan of `a` along `axis`, one slice at a time, in float64, in scan order. */
function naiveScan(op: 'sum' | 'prod', a: NArr, axis: number, reverse: boolean): NArr {
  const n = a.shape[axis]!;
  const out = { shape: a.shape.slice(), data: new Array<number>(a.data.length).fill(0) };
  const stride = a.shape.slice(axis + 1).reduce((s, d) => s * d, 1);
  const outer = a.shape.map((d, i) => (i === axis ? 1 : d));
  forEachIndex(outer, (idx) => {
    let start = 0;
    for (let i = 0; i < a.shape.length; i++) start = start * a.shape[i]! + idx[i]!;
    let acc = op === 'sum' ? 0 : 1;
    for (let s = 0; s < n; s++) {
      const k = reverse ? n - 1 - s : s;
      const at = start + k * stride;
      acc = op === 'sum' ? acc + a.data[at]! : acc * a.data[at]!;
      out.data[at] = acc;
    }
  });
  return out;
}

/** Per output of a reduction over `axes`: n, the mean, Σ(x - mean)² and Σ(|x| + |mean|)², in float64. */
function moments(a: NArr, axes: number[]) {
  return reductionGroups(a, axes).groups.map((g) => {
    const m = g.reduce((s, v) => s + v, 0) / g.length;
    return {
      n: g.length,
      m2: g.reduce((s, v) => s + (v - m) ** 2, 0),
      scale: g.reduce((s, v) => s + (Math.abs(v) + Math.abs(m)) ** 2, 0),
    };
  });
}

function naiveVariance(a: NArr, axes: number[], keepDims: boolean, correction: number): NArr {
  return { shape: naiveReducedShape(a.shape, axes, keepDims), data: moments(a, axes).map((s) => s.m2 / Math.max(0, s.n - correction)) };
}

function naiveNorm(a: NArr, axes: number[], keepDims: boolean, p: number): NArr {
  const data = reductionGroups(a, axes).groups.map((g) => {
    const abs = g.map(Math.abs);
    if (p === Infinity) return abs.reduce((m, v) => Math.max(m, v), -Infinity);
    if (p === -Infinity) return abs.reduce((m, v) => Math.min(m, v), Infinity);
    if (p === 0) return g.filter((v) => v !== 0).length;
    return abs.reduce((s, v) => s + v ** p, 0) ** (1 / p);
  });
  return { shape: naiveReducedShape(a.shape, axes, keepDims), data };
}

function varianceTolerance(dtype: DType, stats: ReturnType<typeof moments>, correction: number): Tolerance {
  return (w, i) => {
    const { n, scale } = stats[i]!;
    const dof = Math.max(0, n - correction);
    const bound = (dtype === 'float32' ? 8 * U32 : 4 * (n + 4) * U64) * scale / dof;
    return bound + (dtype === 'float32' ? ulp32(w) || 0 : ulp64(w) || 0);
  };
}

const stdTolerance = (dtype: DType, variance: Tolerance): Tolerance => (w, i) => {
  const t = variance(w * w, i);
  const ulp = dtype === 'float32' ? ulp32(w) || 0 : ulp64(w) || 0;
  return (w > 0 ? Math.min(t / w, Math.sqrt(t)) : Math.sqrt(t)) + 2 * ulp;
};

function normTolerance(dtype: DType, p: number, counts: readonly number[]): Tolerance {
  if (!Number.isFinite(p) || p === 0) return exact;
  const q = Math.abs(p);
  return (w, i) => ((dtype === 'float32' ? 2 * (2 / q + 1) * U32 : 0) + 2 * ((counts[i]! + 4) / q + 4) * U64) * Math.abs(w);
}

// ---- properties ---------------------------------------------------------------------------------------

describe('cumsum, cumprod, variance, std, norm (property): against naive float64 loops', () => {
  after(() => counter.report(PLANNED));

  for (const op of ['cumsum', 'cumprod'] as const) {
    it(`${op} along a random axis, either direction, of random strided inputs, both dtypes (${RUNS} cases)`, () => {
      const arb = arbSpec({ minRank: 1, kinds: op === 'cumsum' ? ['int', 'float', 'special'] : ['int', 'float', 'positive', 'special'] })
        .chain((spec) => fc.tuple(fc.constant(spec), fc.integer({ min: -spec.shape.length, max: spec.shape.length - 1 }), fc.boolean(), fc.boolean()));
      checkProperty(counter, arb, RUNS, ([spec, axis, reverse, positional]: [TSpec, number, boolean, boolean]) => {
        const x = make(spec);
        const y = positional && !reverse ? T[op](x, axis) : T[op](x, { axis, reverse });
        expect(y.dtype).to.equal(spec.dtype);
        const a = axis < 0 ? axis + spec.shape.length : axis;
        const want = mapArr(naiveScan(op === 'cumsum' ? 'sum' : 'prod', read(x), a, reverse), (v) => roundTo(spec.dtype, v));
        assertMatches(read(y), want, exact, `${op}(axis ${axis}, reverse ${reverse}) of [${spec.shape}]`);
      });
    });
  }

  it(`variance and std over random axis sets, keepDims and corrections, both dtypes (${RUNS} cases)`, () => {
    const arb = arbSpec({ kinds: ['int', 'float', 'positive'] })
      .chain((spec) => fc.tuple(fc.constant(spec), arbAxes(spec.shape.length), fc.boolean(), fc.constantFrom(1, 0, 2, 0.5)));
    checkProperty(counter, arb, RUNS, ([spec, axis, keepDims, correction]) => {
      const x = make(spec);
      const axes = naiveAxes(axis, spec.shape.length);
      const input = read(x);
      const stats = moments(input, axes);
      const want = naiveVariance(input, axes, keepDims, correction);
      const tol = varianceTolerance(spec.dtype, stats, correction);
      const v = T.variance(x, { axis, keepDims, correction });
      const s = T.std(x, { axis, keepDims, correction });
      expect([v.dtype, s.dtype]).to.deep.equal([spec.dtype, spec.dtype]);
      const what = `(axis ${JSON.stringify(axis)}, keepDims ${keepDims}, correction ${correction}) of [${spec.shape}] ${spec.dtype}`;
      assertMatches(read(v), mapArr(want, (w) => roundTo(spec.dtype, w)), tol, `variance${what}`);
      assertMatches(read(s), mapArr(want, (w) => roundTo(spec.dtype, Math.sqrt(w))), stdTolerance(spec.dtype, tol), `std${what}`);
    });
  });

  it(`norm for p in {2, 1, 3, 0.5, 1.5, -1, ±Infinity, 0} over random axis sets, both dtypes (${RUNS} cases)`, () => {
    const arb = arbSpec({ kinds: ['int', 'float', 'positive'], maxDim: 4, maxRank: 3 })
      .chain((spec) => fc.tuple(fc.constant(spec), arbAxes(spec.shape.length), fc.boolean(), fc.constantFrom(2, 1, 3, 0.5, 1.5, -1, Infinity, -Infinity, 0)));
    let refused = 0;
    checkProperty(counter, arb, RUNS, ([spec, axis, keepDims, p]) => {
      const x = make(spec);
      const axes = naiveAxes(axis, spec.shape.length);
      if ((p < 0 || p === Infinity) && axes.some((a) => spec.shape[a] === 0)) {
        expect(() => T.norm(x, { p, axis, keepDims })).to.throw(T.TensorError, /^norm: cannot take the p = -?\w+ norm over axis \d+ of size 0/);
        refused++;
        return;
      }
      const y = T.norm(x, { p, axis, keepDims });
      expect(y.dtype).to.equal(spec.dtype);
      const want = mapArr(naiveNorm(read(x), axes, keepDims, p), (w) => roundTo(spec.dtype, w));
      const counts = reductionGroups(read(x), axes).groups.map((g) => g.length);
      assertMatches(read(y), want, normTolerance(spec.dtype, p, counts), `norm(p ${p}, axis ${JSON.stringify(axis)}, keepDims ${keepDims}) of [${spec.shape}] ${spec.dtype}`);
    });
    expect(refused, 'some norms over an empty axis were refused').to.be.greaterThan(0);
  });
});

// ---- hand computations and PyTorch's values -------------------------------------------------------------

describe('cumsum and cumprod: hand computations', () => {
  const x = () => T.tensor([[1, 2, 3], [4, 5, 6]], f64);

  it('along each axis, both directions', () => {
    expect(T.cumsum(x(), 1).toArray()).to.deep.equal([[1, 3, 6], [4, 9, 15]]);
    expect(T.cumsum(x(), 0).toArray()).to.deep.equal([[1, 2, 3], [5, 7, 9]]);
    expect(T.cumsum(x(), { axis: -1, reverse: true }).toArray()).to.deep.equal([[6, 5, 3], [15, 11, 6]]);
    expect(T.cumprod(x(), 1).toArray()).to.deep.equal([[1, 2, 6], [4, 20, 120]]);
    expect(T.cumprod(x(), { axis: 0, reverse: true }).toArray()).to.deep.equal([[4, 10, 18], [4, 5, 6]]);
    expect(T.cumprod(T.tensor([2, 0, 3, 0, 5], f64), 0).toArray()).to.deep.equal([2, 0, 0, 0, 0]);
  });

  it('reads views in place: transposed, stepped, and broadcast along the scanned axis', () => {
    expect(T.cumsum(x().T, 0).toArray()).to.deep.equal([[1, 4], [3, 9], [6, 15]]);
    expect(T.cumsum(T.arange(0, 10, 1, f64).slice(0, 1, undefined, 3), 0).toArray()).to.deep.equal([1, 5, 12]);
    // stride 0 along the axis: one stored 2.5 read three times
    expect(T.cumsum(T.tensor([[2.5]], f64).expand([2, 3]), 1).toArray()).to.deep.equal([[2.5, 5, 7.5], [2.5, 5, 7.5]]);
    expect(T.cumprod(T.tensor([[2]], f64).expand([4, 1]), 0).toArray()).to.deep.equal([[2], [4], [8], [16]]);
  });

  it('float32 input is accumulated in float64 and rounded once per output (as PyTorch on the CPU)', () => {
    // in float32, 2^24 + 1 rounds back to 2^24, so a float32 running sum would stay at 2^24
    const y = T.cumsum(T.tensor([2 ** 24, 1, 1]), 0);
    expect(y.dtype).to.equal('float32');
    expect(Array.from(y.toTypedArray())).to.deep.equal([2 ** 24, 2 ** 24, 2 ** 24 + 2]);
    // a float64 running product passes 1e60 (beyond float32) and comes back; a float32 one would stay at Infinity
    const [a, b] = [Math.fround(1e30), Math.fround(1e-30)];
    const p = T.cumprod(T.tensor([a, a, b, b]), 0);
    expect(Array.from(p.toTypedArray())).to.deep.equal([a, Infinity, Math.fround(a * a * b), Math.fround(a * a * b * b)]);
  });

  it('NaN and infinities propagate; scalars, empty tensors and empty axes', () => {
    expect(T.cumsum(T.tensor([1, NaN, 2], f64), 0).toArray()).to.deep.equal([1, NaN, NaN]);
    expect(T.cumprod(T.tensor([Infinity, 0, 1], f64), 0).toArray()).to.deep.equal([Infinity, NaN, NaN]);
    expect(T.cumsum(T.tensor(3.5, f64), 0).toArray()).to.equal(3.5);
    expect(T.cumprod(T.tensor(3.5, f64), -1).shape).to.deep.equal([]);
    expect(T.cumsum(T.zeros([2, 0, 3]), 1).shape).to.deep.equal([2, 0, 3]);
    expect(T.cumprod(T.zeros([0, 3]), 1).shape).to.deep.equal([0, 3]);
  });
});

describe('variance, std and norm: hand computations and PyTorch edge values', () => {
  const x = () => T.tensor([[1, 2, 3, 4], [2, 2, 2, 2]], f64);

  it('variance and std with the default correction 1 and with 0, over axes, keepDims', () => {
    // row 0: mean 2.5, Σ(x - mean)² = 2.25 + 0.25 + 0.25 + 2.25 = 5
    expect(T.variance(x(), 1).toArray()).to.deep.equal([5 / 3, 0]);
    expect(T.variance(x(), { axis: 1, correction: 0 }).toArray()).to.deep.equal([1.25, 0]);
    expect(T.std(x(), { axis: -1, keepDims: true }).toArray()).to.deep.equal([[Math.sqrt(5 / 3)], [0]]);
    // over all 8 elements
    const all = [1, 2, 3, 4, 2, 2, 2, 2];
    const m = all.reduce((s, v) => s + v, 0) / 8;
    const m2 = all.reduce((s, v) => s + (v - m) ** 2, 0);
    expect(T.variance(x()).item()).to.be.closeTo(m2 / 7, 1e-15);
    expect(T.variance(x(), [0, 1]).item()).to.be.closeTo(m2 / 7, 1e-15);
    expect(T.std(x(), { correction: 0 }).item()).to.be.closeTo(Math.sqrt(m2 / 8), 1e-15);
    expect(T.variance(x(), { axis: 0 }).toArray()).to.deep.equal([0.5, 0, 0.5, 2]);
  });

  it("count <= correction: NaN for a constant slice (a single element, an empty one), Infinity otherwise (PyTorch's m2 / 0)", () => {
    expect(T.variance(T.tensor([3], f64)).item()).to.be.NaN;
    expect(T.std(T.tensor([[1, 2]], f64), 0).toArray()).to.deep.equal([NaN, NaN]);
    expect(T.variance(T.tensor([1, 2], f64), { correction: 2 }).item()).to.equal(Infinity);
    expect(T.variance(T.tensor([2, 2], f64), { correction: 3 }).item()).to.be.NaN;
    expect(T.variance(T.zeros([0], f64)).item()).to.be.NaN;
    expect(T.variance(T.tensor(4, f64)).item()).to.be.NaN;
    expect(T.variance(T.tensor(4, f64), { correction: 0 }).item()).to.equal(0);
    expect(T.variance(T.zeros([2, 0]), { axis: 0 }).shape).to.deep.equal([0]);
  });

  it('NaN in a slice gives NaN; an infinity gives NaN (inf - inf)', () => {
    expect(T.variance(T.tensor([[1, NaN], [1, 3]], f64), 1).toArray()).to.deep.equal([NaN, 2]);
    expect(T.std(T.tensor([1, Infinity], f64)).item()).to.be.NaN;
  });

  it('norm: p = 2 (default), 1, 3, 0.5, -1, ±Infinity, 0', () => {
    const v = T.tensor([3, -4, 0], f64);
    expect(T.norm(v).item()).to.equal(5);
    expect(T.norm(v, { p: 1 }).item()).to.equal(7);
    expect(T.norm(v, { p: 3 }).item()).to.be.closeTo((27 + 64) ** (1 / 3), 1e-14);
    expect(T.norm(v, { p: 0.5 }).item()).to.be.closeTo((Math.sqrt(3) + 2) ** 2, 1e-13);
    expect(T.norm(v, { p: Infinity }).item()).to.equal(4);
    expect(T.norm(v, { p: -Infinity }).item()).to.equal(0);
    expect(T.norm(v, { p: 0 }).item()).to.equal(2);
    // p < 0 with a zero: |0|^-1 = inf, so (Σ)^(1/p) = 0; without one: (1/3 + 1/4)^-1
    expect(T.norm(v, { p: -1 }).item()).to.equal(0);
    expect(T.norm(T.tensor([3, -4], f64), { p: -1 }).item()).to.be.closeTo(1 / (1 / 3 + 1 / 4), 1e-15);
    // NaN counts as non-zero (PyTorch's p = 0)
    expect(T.norm(T.tensor([NaN, 0, 1], f64), { p: 0 }).item()).to.equal(2);
    expect(T.norm(T.tensor([[3, 4], [6, 8]], f64), { axis: 1, keepDims: true }).toArray()).to.deep.equal([[5], [10]]);
    expect(T.norm(T.tensor([[3, 4], [6, 8]], f64).T, { axis: 0 }).toArray()).to.deep.equal([5, 10]);
  });

  it('norm over an empty axis: 0 for p >= 0, refused for p < 0 and ±Infinity (no identity, as PyTorch)', () => {
    const e = T.zeros([2, 0]);
    expect(T.norm(e, { axis: 1 }).toArray()).to.deep.equal([0, 0]);
    expect(T.norm(e, { p: 0, axis: 1 }).toArray()).to.deep.equal([0, 0]);
    expect(T.norm(e, { p: 1 }).item()).to.equal(0);
    expect(message(() => T.norm(e, { p: Infinity, axis: 1 }))).to.equal('norm: cannot take the p = Infinity norm over axis 1 of size 0 (shape [2,0]): it has no value for no elements, expected p >= 0 and finite there');
    expect(message(() => T.norm(e, { p: -1 }))).to.match(/^norm: cannot take the p = -1 norm over axis 1 of size 0/);
    expect(message(() => T.norm(e, { p: -Infinity, axis: 1 }))).to.match(/^norm: cannot take the p = -Infinity norm/);
  });

  it('keep float32', () => {
    for (const y of [T.variance(T.tensor([1, 2, 4])), T.std(T.tensor([1, 2, 4])), T.norm(T.tensor([1, 2, 4]), { p: 3 }), T.cumsum(T.tensor([1, 2]), 0), T.cumprod(T.tensor([1, 2]), 0)]) {
      expect(y.dtype).to.equal('float32');
    }
  });
});

describe('variance, std, norm, cumsum, cumprod: argument errors name the function, the argument and the right form', () => {
  const x = () => T.tensor([[1, 2], [3, 4]], f64);

  it('cumsum and cumprod require an axis (PyTorch has no default)', () => {
    for (const op of ['cumsum', 'cumprod'] as const) {
      const f = T[op] as (...a: unknown[]) => Tensor;
      const want = `${op}: axis is required (as PyTorch's dim: a scan has no default axis), expected ${op}(x, axis) or ${op}(x, { axis, reverse })`;
      expect(message(() => f(x()))).to.equal(want);
      expect(message(() => f(x(), {}))).to.equal(want);
      expect(message(() => f(x(), { reverse: true }))).to.equal(want);
      expect(message(() => f(x(), { axis: 1, keepDims: true }))).to.equal(`${op}: unknown option 'keepDims'; accepted options: axis, reverse`);
      expect(message(() => f(x(), { dim: 1 }))).to.equal(`${op}: unknown option 'dim' (did you mean 'axis'?); accepted options: axis, reverse`);
      expect(message(() => f(x(), 2))).to.equal(`${op}: axis 2 is out of range for a tensor of rank 2, expected an integer in [-2, 1]`);
      expect(message(() => f(x(), 0.5))).to.match(new RegExp(`^${op}: axis 0.5 is out of range`));
      expect(message(() => f(x(), { axis: '1' }))).to.equal(`${op}: axis got "1", expected an integer`);
      expect(message(() => f(x(), { axis: 0, reverse: 'yes' }))).to.equal(`${op}: reverse got "yes", expected true or false`);
      expect(message(() => f(x(), [0]))).to.match(new RegExp(`^${op}: expected ${op}\\(x, \\{ axis\\?, reverse\\? \\}\\), got ${op}\\(x, \\[0\\]\\)`));
      expect(message(() => f(x(), 0, 1))).to.match(new RegExp(`^${op}: got 3 arguments, expected at most 2`));
      expect(message(() => f([1, 2], 0))).to.equal(`${op}: input must be a Tensor, got array(2)`);
      expect(message(() => f(T.tensor(1), 1))).to.match(new RegExp(`^${op}: axis 1 is out of range for a tensor of rank 1`));
    }
  });

  it('variance and std: correction is a number >= 0; PyTorch\'s unbiased gets a pointer to correction', () => {
    for (const op of ['variance', 'std'] as const) {
      const f = T[op] as (...a: unknown[]) => Tensor;
      expect(message(() => f(x(), { correction: -1 }))).to.equal(`${op}: correction got -1, expected a finite number >= 0`);
      expect(message(() => f(x(), { correction: '1' }))).to.equal(`${op}: correction got "1", expected a finite number >= 0`);
      expect(message(() => f(x(), { unbiased: false }))).to.equal(`${op}: unknown option 'unbiased' (PyTorch's old flag), expected correction: 1 for unbiased: true, correction: 0 for unbiased: false`);
      expect(message(() => f(x(), { keepdim: true }))).to.equal(`${op}: unknown option 'keepdim' (did you mean 'keepDims'?); accepted options: axis, keepDims, correction`);
      expect(message(() => f(x(), { axis: 2 }))).to.match(new RegExp(`^${op}: axis 2 is out of range`));
      expect(message(() => f(x(), 1, 0))).to.match(new RegExp(`^${op}: got 3 arguments, expected at most 2`));
      expect(message(() => f(x(), 'all'))).to.match(new RegExp(`^${op}: expected ${op}\\(x, `));
    }
  });

  it('norm: a positional number is refused (an axis here, the order in PyTorch); p is a number, NaN refused', () => {
    expect(message(() => T.norm(x(), 1 as never))).to.equal('norm: got norm(x, 1), expected norm(x, { p: 1 }) for the order or norm(x, { axis: 1 }) for the axis (PyTorch\'s vector_norm(x, 1) means the order)');
    expect(message(() => T.norm(x(), [0] as never))).to.match(/^norm: got norm\(x, \[0\]\), expected norm\(x, \{ p: \[0\] \}\)/);
    expect(message(() => T.norm(x(), { p: NaN }))).to.equal('norm: p got NaN, expected a number');
    expect(message(() => T.norm(x(), { p: 'fro' } as never))).to.equal('norm: p got "fro", expected a number');
    expect(message(() => T.norm(x(), { ord: 2 } as never))).to.equal("norm: unknown option 'ord'; accepted options: p, axis, keepDims");
    expect(message(() => (T.norm as (...a: unknown[]) => Tensor)(x(), {}, 1))).to.match(/^norm: got 3 arguments, expected at most 2/);
  });
});
