// Property tests: reductions of @propel-ts/tensor (sum, mean, max, min, prod, logsumexp over any set of
// axes with keepDims; argmax/argmin; sumToShape) against naive float64 reductions written out in
// test/helpers/naive.ts, on random shapes and random non-contiguous layouts, both dtypes.
//
// Tolerances (n = number of elements reduced into one output, u = 2^-53, u32 = 2^-24):
// - max, min, argmax, argmin: exact (NaN propagates; first occurrence wins; the first NaN wins).
// - sum (float64): |got - want| <= 2·n·u·sum|x|, the classic bound for any summation order.
// - prod (float64): |got - want| <= 2·n·u·|want|.
// - mean (float64): the sum's bound / n, plus 1 ulp for the division.
// - float32 (the kernels accumulate in float64 and round once): the float64 bound plus 1 float32 ulp of
//   the result; mean 2 float32 ulps (the division is float32).
// - logsumexp: float64 (n+8)·u·(|want| + |max| + 8); float32 8·u32·(|want| + |max| + 8), since the shift,
//   exp and log run in float32.
import { expect } from 'chai';
import * as fc from 'fast-check';
import * as T from '@propel-ts/tensor';
import type { DType, Tensor } from '@propel-ts/tensor';
import {
  arbAxes, arbBroadcastShapes, arbSpec, arbSpecOfShape, assertMatches, CaseCounter, checkProperty, exact, make, mapArr,
  naiveArgReduce, naiveAxes, naiveReduce, read, reductionGroups, roundTo, U32, U64, ulp32, ulp64,
  type NArr, type NaiveReduceOp, type Tolerance, type TSpec, type ValueKind,
} from '../helpers/naive';

const counter = new CaseCounter('reduce.property');
const RUNS = 400;
const PLANNED = 6 * RUNS + 2 * RUNS + 300 + 300;

type AxisArg = number | number[] | undefined;

type Op = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'logsumexp';
const FN: { [K in Op]: (x: Tensor, o: { axis?: number | number[]; keepDims?: boolean }) => Tensor } = {
  sum: T.sum, mean: T.mean, max: T.max, min: T.min, prod: T.prod, logsumexp: T.logsumexp,
};
const KINDS: { [K in Op]: ValueKind[] } = {
  sum: ['float', 'int', 'special'],
  mean: ['float', 'int', 'special'],
  max: ['float', 'int', 'special'],
  min: ['float', 'int', 'special'],
  prod: ['float', 'int', 'positive'],
  logsumexp: ['float', 'int', 'special'],
};

/** Per output element: n (count), sum|x| and max(x) of its group, for the error bounds. */
function groupStats(x: NArr, axes: number[]) {
  const { groups } = reductionGroups(x, axes);
  return groups.map((g) => ({
    n: g.length,
    sumAbs: g.reduce((s, v) => s + Math.abs(v), 0),
    max: g.reduce((m, v) => (v > m ? v : m), -Infinity),
  }));
}

function tolerance(op: Op, dtype: DType, stats: ReturnType<typeof groupStats>): Tolerance {
  return (w, i) => {
    const { n, sumAbs, max } = stats[i]!;
    const f32 = dtype === 'float32' ? ulp32(w) || 0 : 0;
    switch (op) {
      case 'max': case 'min': return 0;
      case 'sum': return 2 * n * U64 * sumAbs + f32;
      case 'prod': return 2 * n * U64 * Math.abs(w) + f32;
      case 'mean': return (2 * n * U64 * sumAbs) / Math.max(n, 1) + (dtype === 'float32' ? 2 * f32 : ulp64(w) || 0);
      case 'logsumexp': {
        const scale = Math.abs(w) + (Number.isFinite(max) ? Math.abs(max) : 0) + 8;
        return dtype === 'float32' ? 8 * U32 * scale : (n + 8) * U64 * scale;
      }
      default: return 0;
    }
  };
}

describe('reductions (property): against naive float64 reductions', function () {
  after(() => counter.report(PLANNED));

  for (const op of ['sum', 'mean', 'max', 'min', 'prod', 'logsumexp'] as const) {
    it(`${op} over random axis sets with keepDims, random strided inputs, both dtypes (${RUNS} cases)`, () => {
      const arb = arbSpec({ kinds: KINDS[op] }).chain((spec) => fc.tuple(fc.constant(spec), arbAxes(spec.shape.length), fc.boolean(), fc.boolean()));
      let empties = 0;
      checkProperty(counter, arb, RUNS, ([spec, axis, keepDims, method]: [TSpec, AxisArg, boolean, boolean]) => {
        const x = make(spec);
        const axes = naiveAxes(axis, spec.shape.length);
        const emptyAxis = axes.some((a) => spec.shape[a] === 0);
        const opts = { axis, keepDims };
        const run = () => (method ? (x as unknown as Record<Op, (o: typeof opts) => Tensor>)[op](opts) : FN[op](x, opts));
        if ((op === 'max' || op === 'min') && emptyAxis) {
          expect(run).to.throw(T.TensorError, new RegExp(`^${op}: cannot reduce over axis \\d+ of size 0`));
          empties++;
          return;
        }
        const input = read(x);
        const y = run();
        const want = naiveReduce(op as NaiveReduceOp, input, axis, keepDims);
        expect(y.dtype).to.equal(spec.dtype);
        assertMatches(read(y), mapArr(want, (v) => roundTo(spec.dtype, v)), tolerance(op, spec.dtype, groupStats(input, axes)), `${op}(axis ${JSON.stringify(axis)}, keepDims ${keepDims})`);
      });
      if (op === 'max' || op === 'min') expect(empties, 'some reductions over an empty axis were tried').to.be.greaterThan(0);
    });
  }

  for (const op of ['argmax', 'argmin'] as const) {
    it(`${op} along a random axis or flattened, with keepDims (${RUNS} cases)`, () => {
      const arb = arbSpec({ kinds: ['int', 'float', 'special'] }).chain((spec) => fc.tuple(
        fc.constant(spec),
        spec.shape.length === 0 ? fc.constant(undefined) : fc.option(fc.integer({ min: -spec.shape.length, max: spec.shape.length - 1 }), { nil: undefined }),
        fc.boolean(),
      ));
      checkProperty(counter, arb, RUNS, ([spec, axis, keepDims]) => {
        const x = make(spec);
        const empty = axis === undefined ? x.size === 0 : spec.shape[axis < 0 ? axis + spec.shape.length : axis] === 0;
        if (empty) {
          expect(() => T[op](x, { axis, keepDims })).to.throw(T.TensorError, new RegExp(`^${op}: cannot take ${op} (of an empty tensor|over axis \\d+ of size 0)`));
          return;
        }
        const y = x[op]({ axis, keepDims });
        expect(y.dtype).to.equal(spec.dtype);
        assertMatches(read(y), naiveArgReduce(op, read(x), axis, keepDims), exact, `${op}(axis ${axis}, keepDims ${keepDims})`);
      });
    });
  }

  it('sumToShape(x, shape) sums broadcast dimensions back (300 cases)', () => {
    const arb = arbBroadcastShapes(1).chain(([small]) => fc.tuple(fc.constant(small!), arbBroadcastShapes(1))
      .chain(([s]) => {
        // x's shape: some leading dims, then each dim of `s` (size-1 dims of s may be any size in x)
        return fc.tuple(fc.constant(s), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: s.length, maxLength: s.length }));
      })
      .chain(([s, lead, grow]) => fc.tuple(fc.constant(s), arbSpecOfShape([...lead, ...s.map((d, i) => (d === 1 ? grow[i]! : d))], { kinds: ['int', 'float'] }))));
    checkProperty(counter, arb, 300, ([s, spec]) => {
      const x = make(spec);
      const lead = spec.shape.length - s.length;
      const axes = spec.shape.map((d, i) => i).filter((i) => i < lead || (s[i - lead] === 1 && spec.shape[i] !== 1));
      const input = read(x);
      const summed = naiveReduce('sum', input, axes, true);
      const want = { shape: s.slice(), data: summed.data };
      const y = T.sumToShape(x, s);
      const stats = groupStats(input, axes);
      assertMatches(read(y), mapArr(want, (v) => roundTo(spec.dtype, v)), tolerance('sum', spec.dtype, stats), `sumToShape([${spec.shape}] -> [${s}])`);
    });
  });

  it('float32 reductions agree with float64 within the stated tolerance on longer rows (300 cases)', () => {
    const arb = fc.record({ n: fc.integer({ min: 1, max: 3000 }), seed: fc.nat(), step: fc.integer({ min: 1, max: 3 }) });
    checkProperty(counter, arb, 300, ({ n, seed, step }) => {
      const spec: TSpec = { shape: [n], dtype: 'float32', layout: { perm: [0], starts: [1], steps: [step], extras: [0], expand: [false] }, kind: 'float', seed };
      const x32 = make(spec);
      const x64 = x32.astype('float64');
      const input = read(x64);
      const stats = groupStats(input, [0]);
      for (const op of ['sum', 'mean', 'max', 'min', 'logsumexp'] as const) {
        const got = read(FN[op](x32, {}));
        const want = read(FN[op](x64, {}));
        assertMatches(got, mapArr(want, (v) => Math.fround(v)), tolerance(op, 'float32', stats), `${op} float32 vs float64 (n=${n})`);
      }
    });
  });
});

describe('reductions: edge cases', () => {
  it('sum/prod/mean/logsumexp of empty axes give 0, 1, NaN, -inf (as PyTorch)', () => {
    const x = T.zeros([2, 0, 3], { dtype: 'float64' });
    expect(T.sum(x, { axis: 1 }).toArray()).to.deep.equal([[0, 0, 0], [0, 0, 0]]);
    expect(T.prod(x, { axis: [1] }).toArray()).to.deep.equal([[1, 1, 1], [1, 1, 1]]);
    expect((T.mean(x, { axis: 1 }).toArray() as number[][]).flat().every(Number.isNaN)).to.equal(true);
    expect(T.logsumexp(x, { axis: 1 }).toArray()).to.deep.equal([[-Infinity, -Infinity, -Infinity], [-Infinity, -Infinity, -Infinity]]);
    expect(T.logsumexp(x, { axis: [1, 2], keepDims: true }).shape).to.deep.equal([2, 1, 1]);
    expect(T.logsumexp(x).item()).to.equal(-Infinity);
    expect(T.sum(x).item()).to.equal(0);
  });

  it("an empty axis list is refused (PyTorch's dim=[] reduces every axis, NumPy's axis=() none), positional or in options", () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
    const want = "axis got [], expected at least one axis (leave axis out to reduce over every axis";
    const calls: [string, () => unknown][] = [
      ['sum', () => T.sum(x, [])], ['mean', () => T.mean(x, { axis: [] })], ['max', () => x.max([])], ['prod', () => T.prod(x, { axis: [], keepDims: true })],
      ['logsumexp', () => T.logsumexp(x, [])], ['variance', () => T.variance(x, [])], ['std', () => T.std(x, { axis: [] })], ['norm', () => T.norm(x, { axis: [] })],
    ];
    for (const [op, f] of calls) expect(f, op).to.throw(T.TensorError, `${op}: ${want}`);
    // flip over no axis is unambiguous (nothing flips), as torch.flip(x, []) and np.flip(x, ())
    expect(T.flip(x, []).toArray()).to.deep.equal(x.toArray());
  });

  it('logsumexp handles infinities like PyTorch and is stable for large inputs', () => {
    const x = T.tensor([[1000, 1000], [-Infinity, -Infinity], [Infinity, 0], [-Infinity, 3], [NaN, 1]], { dtype: 'float64' });
    const y = T.logsumexp(x, { axis: 1 }).toArray() as number[];
    expect(y[0]).to.be.closeTo(1000 + Math.log(2), 1e-12);
    expect(y[1]).to.equal(-Infinity);
    expect(y[2]).to.equal(Infinity);
    expect(y[3]).to.equal(3);
    expect(Number.isNaN(y[4])).to.equal(true);
  });

  it('argmax over an axis of an otherwise empty tensor is empty; the first of equal maxima wins', () => {
    expect(T.argmax(T.zeros([0, 3]), { axis: 1 }).shape).to.deep.equal([0]);
    expect(T.argmin(T.zeros([2, 0, 3]), { axis: -1, keepDims: true }).shape).to.deep.equal([2, 0, 1]);
    expect(T.argmax(T.tensor([1, 5, 5, 2])).item()).to.equal(1);
    expect(T.argmin(T.tensor([[3, 1, 1], [0, 0, 2]]), { axis: 1 }).toArray()).to.deep.equal([1, 0]);
    expect(T.argmax(T.tensor([1, NaN, 5, NaN])).item()).to.equal(1);
  });
});
