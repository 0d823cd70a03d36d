// Property tests: matmul (2-D, batched with broadcast batch dims, 1-D promotion), concat, stack, split,
// gather, indexSelect and scatterAdd of @propel-ts/tensor against naive loops in test/helpers/naive.ts,
// on random shapes and random non-contiguous layouts (transposed, sliced with steps, expanded), both dtypes.
//
// Tolerances: matmul float64 |got - want| <= 2·K·u·sum_k|a_ik·b_kj| (u = 2^-53, the bound for any order
// of the K-term dot product), exact where an input is infinite; float32 accumulates in float32, so
// 2·(K+1)·2^-24·sum_k|a_ik·b_kj| against the float64 product of the same float32 inputs (relative
// 1.2e-7·(K+1) of the absolute sum), unspecified where that sum leaves float32's range (overflow). concat,
// stack, split, gather, indexSelect: exact copies. scatterAdd: integer sources, exact.
import { expect } from 'chai';
import * as fc from 'fast-check';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import {
  arbDType, arbShape, arbSpecOfShape, assertMatches, CaseCounter, checkProperty, exact, make, mapArr,
  mapSlice, naiveConcat, naiveGather, naiveIndexSelect, naiveMatmul, naiveScatterAdd, naiveSplit, naiveStack,
  read, roundTo, U32, U64, allIndices, type TSpec, type ValueKind,
} from '../helpers/naive';
import { addressOf } from '@propel-ts/tensor';

const counter = new CaseCounter('linalg.property');
const F32_MAX = 3.4028234663852886e38;
const PLANNED = 800 + 12 + 400 * 3 + 400 * 3;

/** Shapes for torch.matmul: batch dims that broadcast, M, K, N, and optionally 1-D operands. */
const arbMatmulShapes = fc.record({
  batch: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
  m: fc.integer({ min: 0, max: 6 }), k: fc.integer({ min: 0, max: 7 }), n: fc.integer({ min: 0, max: 6 }),
  dropA: fc.nat({ max: 2 }), dropB: fc.nat({ max: 2 }),
  onesA: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), onesB: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  vecA: fc.integer({ min: 0, max: 6 }).map((v) => v === 0), vecB: fc.integer({ min: 0, max: 6 }).map((v) => v === 0),
}).map((r) => {
  const bshape = (drop: number, ones: boolean[]) => r.batch.slice(Math.min(drop, r.batch.length)).map((d, i) => (ones[i] ? 1 : d));
  const a = r.vecA ? [r.k] : [...bshape(r.dropA, r.onesA), r.m, r.k];
  const b = r.vecB ? [r.k] : [...bshape(r.dropB, r.onesB), r.k, r.n];
  return { a, b, k: r.k };
});

function checkMatmul(a: Tensor, b: Tensor, what: string): void {
  const dtype = a.dtype;
  const { out, absOut, k } = naiveMatmul(read(a), read(b));
  const y = T.matmul(a, b);
  expect(y.dtype).to.equal(dtype);
  const tol = (w: number, i: number) => {
    const abs = absOut.data[i]!;
    // with an infinite input the float64 result (±inf or NaN) does not depend on the order: exact
    if (dtype === 'float64') return Number.isFinite(abs) ? 2 * k * U64 * abs : 0;
    // float32 accumulates in float32: where sum|a·b| leaves float32's range the float32 product may
    // overflow (inf - inf = NaN) where the float64 one does not; that region is unspecified
    if (!(abs < F32_MAX / 2)) return Infinity;
    return 2 * (k + 1) * U32 * abs + 2 ** -149;
  };
  assertMatches(read(y), mapArr(out, (v) => roundTo(dtype, v)), tol, what);
}

/** Shapes that agree except along `axis`. */
function arbConcatShapes(count: [number, number]) {
  return arbShape({ minRank: 1, maxRank: 4 }).chain((shape) => fc.tuple(
    fc.constant(shape),
    fc.integer({ min: -shape.length, max: shape.length - 1 }),
    fc.array(fc.integer({ min: 0, max: 4 }), { minLength: count[0], maxLength: count[1] }),
  ));
}

describe('linear algebra and indexing (property): against naive loops', function () {
  after(() => counter.report(PLANNED));

  it('matmul: 2-D, batched with broadcast batch dims, 1-D operands, strided operands, both dtypes (800 cases)', () => {
    const arb = fc.tuple(arbMatmulShapes, arbDType, fc.constantFrom<ValueKind>('float', 'float', 'int', 'special'))
      .chain(([s, dtype, kind]) => fc.tuple(arbSpecOfShape(s.a, { dtype, kinds: [kind] }), arbSpecOfShape(s.b, { dtype, kinds: [kind] }), fc.boolean()));
    checkProperty(counter, arb, 800, ([sa, sb, method]) => {
      const a = make(sa), b = make(sb);
      if (method) {
        const { out } = naiveMatmul(read(a), read(b));
        expect(a.matmul(b).shape).to.deep.equal(out.shape);
      }
      checkMatmul(a, b, `matmul([${sa.shape}], [${sb.shape}])`);
    });
  });

  it('matmul: larger operands crossing the kernel\'s blocking (K > 128, N > 512), transposed and sliced (12 cases)', () => {
    const arb = fc.record({
      m: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 120, max: 270 }), n: fc.integer({ min: 500, max: 560 }),
      dtype: arbDType, seed: fc.nat(), transA: fc.boolean(), transB: fc.boolean(), step: fc.integer({ min: 1, max: 2 }),
    });
    checkProperty(counter, arb, 12, ({ m, k, n, dtype, seed, transA, transB, step }) => {
      const lay = (rank: number, trans: boolean): TSpec['layout'] => ({
        perm: trans ? [1, 0] : [0, 1], starts: new Array(rank).fill(0), steps: [1, step], extras: new Array(rank).fill(0), expand: new Array(rank).fill(false),
      });
      const a = make({ shape: [m, k], dtype, layout: lay(2, transA), kind: 'float', seed });
      const b = make({ shape: [k, n], dtype, layout: lay(2, transB), kind: 'float', seed: seed + 1 });
      checkMatmul(a, b, `matmul([${m},${k}], [${k},${n}])`);
    });
  });

  it('concat of 1-4 strided tensors along a random axis (400 cases)', () => {
    const arb = fc.tuple(arbConcatShapes([1, 4]), arbDType).chain(([[shape, axis, sizes], dtype]) => {
      const ax = axis < 0 ? axis + shape.length : axis;
      const shapes = sizes.map((s) => shape.map((d, i) => (i === ax ? s : d)));
      return fc.tuple(fc.constant(axis), fc.tuple(...shapes.map((s) => arbSpecOfShape(s, { dtype, kinds: ['float', 'special'] }))));
    });
    checkProperty(counter, arb, 400, ([axis, specs]) => {
      const xs = specs.map(make);
      const y = T.concat(xs, axis);
      expect(y.storage).to.not.equal(xs[0]!.storage);
      assertMatches(read(y), naiveConcat(xs.map(read), axis), exact, `concat(axis ${axis}, [${specs.map((s) => `[${s.shape}]`)}])`);
    });
  });

  it('stack of 1-4 strided tensors along a random new axis (400 cases)', () => {
    const arb = fc.tuple(arbShape({ maxRank: 3 }), arbDType, fc.integer({ min: 1, max: 4 })).chain(([shape, dtype, count]) => fc.tuple(
      fc.integer({ min: -shape.length - 1, max: shape.length }),
      fc.array(arbSpecOfShape(shape, { dtype }), { minLength: count, maxLength: count }),
    ));
    checkProperty(counter, arb, 400, ([axis, specs]) => {
      const xs = specs.map(make);
      assertMatches(read(T.stack(xs, axis)), naiveStack(xs.map(read), axis), exact, `stack(axis ${axis})`);
    });
  });

  it('split by a chunk size or by sections gives views (shared storage) of consecutive chunks (400 cases)', () => {
    const arb = arbShape({ minRank: 1 }).chain((shape) => fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((axis) => {
      const n = shape[axis < 0 ? axis + shape.length : axis]!;
      const sections = fc.array(fc.nat({ max: n }), { maxLength: 3 }).map((cuts) => {
        const pts = [0, ...cuts.sort((x, y) => x - y), n];
        return pts.slice(1).map((p, i) => p - pts[i]!);
      });
      return fc.tuple(arbSpecOfShape(shape), fc.constant(axis), fc.oneof(fc.integer({ min: 1, max: n + 1 }), sections), fc.boolean());
    }));
    checkProperty(counter, arb, 400, ([spec, axis, how, method]) => {
      const x = make(spec);
      const parts = method ? x.split(how, axis) : T.split(x, how, axis);
      const want = naiveSplit(read(x), how, axis);
      expect(parts.length, 'number of chunks').to.equal(want.length);
      let start = 0;
      parts.forEach((p, i) => {
        expect(p.storage, 'split returns views').to.equal(x.storage);
        assertMatches(read(p), want[i]!, exact, `split(${JSON.stringify(how)}, axis ${axis}) chunk ${i}`);
        // and each chunk addresses exactly the slice of x it stands for
        const m = mapSlice(spec.shape, axis, start, start + p.shape[axis < 0 ? axis + spec.shape.length : axis]!, 1);
        for (const idx of allIndices(p.shape)) {
          expect(addressOf(p.offset, p.strides, idx)).to.equal(addressOf(x.offset, x.strides, m.source(idx)));
        }
        start += p.shape[axis < 0 ? axis + spec.shape.length : axis]!;
      });
    });
  });

  /** x, an axis, and an index tensor of x's rank with index.shape[i] <= x.shape[i] off the axis. */
  const arbGather = arbShape({ minRank: 1 }).chain((shape) => fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((axis) => {
    const ax = axis < 0 ? axis + shape.length : axis;
    const n = shape[ax]!;
    return fc.tuple(
      fc.constant(axis),
      fc.array(fc.nat({ max: 5 }), { minLength: shape.length, maxLength: shape.length })
        .map((sizes) => shape.map((d, i) => (i === ax ? (n === 0 ? 0 : sizes[i]!) : Math.min(d, sizes[i]!)))),
      arbDType,
    ).chain(([axis2, ishape, dtype]) => fc.tuple(
      arbSpecOfShape(shape, { dtype }),
      fc.constant(axis2),
      arbSpecOfShape(ishape, { kinds: ['index'] }).map((s): TSpec => ({ ...s, range: n })),
    ));
  }));

  it('gather along a random axis with strided index tensors of either dtype (400 cases)', () => {
    checkProperty(counter, arbGather, 400, ([sx, axis, si]) => {
      const x = make(sx), index = make(si);
      const y = T.gather(x, axis, index);
      expect(y.dtype).to.equal(sx.dtype);
      assertMatches(read(y), naiveGather(read(x), axis, read(index)), exact, `gather(axis ${axis}, index [${si.shape}])`);
      assertMatches(read(x.gather(axis, index)), naiveGather(read(x), axis, read(index)), exact, 'gather (method)');
    });
  });

  it('indexSelect with a 1-D index (array or tensor, repeats allowed) (400 cases)', () => {
    const arb = arbShape({ minRank: 1 }).chain((shape) => fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((axis) => {
      const n = shape[axis < 0 ? axis + shape.length : axis]!;
      return fc.tuple(arbSpecOfShape(shape), fc.constant(axis), n === 0 ? fc.constant([]) : fc.array(fc.nat({ max: n - 1 }), { maxLength: 6 }), fc.boolean());
    }));
    checkProperty(counter, arb, 400, ([spec, axis, index, asTensor]) => {
      const x = make(spec);
      const y = asTensor ? x.indexSelect(axis, T.tensor(index, { dtype: 'float64' })) : T.indexSelect(x, axis, index);
      assertMatches(read(y), naiveIndexSelect(read(x), axis, index), exact, `indexSelect(axis ${axis}, [${index}])`);
    });
  });

  it('scatterAdd is the sum of src at the gathered positions (strided index and src) (400 cases)', () => {
    const arb = arbGather.chain(([sx, axis, si]) => fc.tuple(fc.constant(sx.shape), fc.constant(axis), fc.constant(si), arbSpecOfShape(si.shape, { dtype: sx.dtype, kinds: ['int'] })));
    checkProperty(counter, arb, 400, ([shape, axis, si, ss]) => {
      const index = make(si), src = make(ss);
      const y = T.scatterAdd(shape, axis, index, src);
      expect(y.shape).to.deep.equal(shape);
      const { out } = naiveScatterAdd(shape, axis, read(index), read(src));
      assertMatches(read(y), out, exact, `scatterAdd([${shape}], axis ${axis}, index [${si.shape}])`);
    });
  });
});

describe('linear algebra: concrete checks', () => {
  it('matmul of 1-D with 1-D is a scalar dot product; 1-D x 2-D drops the promoted dimension', () => {
    const v = T.tensor([1, 2, 3], { dtype: 'float64' });
    const m = T.tensor([[1, 0], [0, 1], [1, 1]], { dtype: 'float64' });
    expect(T.matmul(v, v).shape).to.deep.equal([]);
    expect(T.matmul(v, v).item()).to.equal(14);
    expect(T.matmul(v, m).toArray()).to.deep.equal([4, 5]);
    expect(T.matmul(m.T, v).toArray()).to.deep.equal([4, 5]);
  });

  it('scatterAdd is the adjoint of gather: <gather(x, i), s> = <x, scatterAdd(i, s)>', () => {
    const x = T.randn([3, 4], { dtype: 'float64', seed: 1 });
    const i = T.tensor([[0, 2, 2, 1], [1, 1, 0, 0]], { dtype: 'float64' });
    const s = T.randn([2, 4], { dtype: 'float64', seed: 2 });
    const lhs = T.sum(T.mul(T.gather(x, 0, i), s)).item();
    const rhs = T.sum(T.mul(x, T.scatterAdd([3, 4], 0, i, s))).item();
    expect(lhs).to.be.closeTo(rhs, 1e-12);
  });
});
