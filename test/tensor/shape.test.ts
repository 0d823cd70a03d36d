// Unit and property tests of the shape arithmetic in @propel-ts/tensor: addressOf, contiguousStrides,
// broadcastShapes, viewStrides (against a brute force: a view exists iff the old layout's addresses, in
// row-major order, are an affine function of the new shape's index), normalizeAxis/normalizeAxes.
import { expect } from 'chai';
import * as fc from 'fast-check';
import {
  addressOf, broadcastShapes, contiguousStrides, isContiguousLayout, normalizeAxes, normalizeAxis, sizeOf,
  TensorError, unravelIndex,
} from '@propel-ts/tensor';
// viewStrides is internal to the package (Tensor.view/reshape use it); tested here directly
import { viewStrides } from '@propel-ts/tensor/internal/shape';
import {
  affineStrides, allIndices, arbShape, CaseCounter, checkProperty, flatOf, naiveBroadcastShapes, numel,
  randomShapeOfSize, unflat,
} from '../helpers/naive';

const counter = new CaseCounter('shape');
const PLANNED = 300 + 200 + 200 + 500 + 1500 + 400 + 300;

/** Addresses of (shape, strides, offset) in row-major order, by the definition offset + sum(stride·index). */
function layoutAddresses(shape: readonly number[], strides: readonly number[], offset: number): number[] {
  return allIndices(shape).map((idx) => idx.reduce((a, v, i) => a + v * strides[i]!, offset));
}

describe('shape arithmetic', function () {
  after(() => counter.report(PLANNED));

  describe('addressOf', () => {
    it('is offset + sum(strides[i] * index[i])', () => {
      expect(addressOf(0, [], [])).to.equal(0);
      expect(addressOf(7, [], [])).to.equal(7);
      expect(addressOf(3, [12, 4, 1], [1, 2, 3])).to.equal(3 + 12 + 8 + 3);
      expect(addressOf(5, [0, 1], [9, 2])).to.equal(7);
      expect(addressOf(10, [-2, 1], [3, 1])).to.equal(5);
    });

    it('matches the formula on random offsets, strides and indices (300 cases)', () => {
      const arb = fc.integer({ min: 0, max: 5 }).chain((r) => fc.tuple(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: r, maxLength: r }),
        fc.array(fc.nat({ max: 20 }), { minLength: r, maxLength: r }),
      ));
      checkProperty(counter, arb, 300, ([offset, strides, idx]) => {
        let want = offset;
        for (let i = 0; i < idx.length; i++) want += strides[i]! * idx[i]!;
        expect(addressOf(offset, strides, idx)).to.equal(want);
      });
    });
  });

  describe('contiguousStrides, sizeOf, unravelIndex, isContiguousLayout', () => {
    it('examples', () => {
      expect(contiguousStrides([])).to.deep.equal([]);
      expect(contiguousStrides([5])).to.deep.equal([1]);
      expect(contiguousStrides([2, 3, 4])).to.deep.equal([12, 4, 1]);
      expect(contiguousStrides([2, 0, 3])).to.deep.equal([0, 3, 1]);
      expect(sizeOf([])).to.equal(1);
      expect(sizeOf([2, 0, 3])).to.equal(0);
      expect(unravelIndex(23, [2, 3, 4])).to.deep.equal([1, 2, 3]);
      expect(isContiguousLayout([2, 3], [3, 1])).to.equal(true);
      expect(isContiguousLayout([2, 3], [1, 2])).to.equal(false);
      expect(isContiguousLayout([2, 1, 3], [3, 99, 1])).to.equal(true);
    });

    it('row-major strides enumerate 0..size-1 in order; unravelIndex inverts it (200 cases)', () => {
      checkProperty(counter, arbShape(), 200, (shape) => {
        const strides = contiguousStrides(shape);
        shape.forEach((_, i) => expect(strides[i]).to.equal(numel(shape.slice(i + 1))));
        expect(sizeOf(shape)).to.equal(numel(shape));
        const addrs = layoutAddresses(shape, strides, 0);
        expect(addrs).to.deep.equal(addrs.map((_, i) => i));
        expect(isContiguousLayout(shape, strides)).to.equal(true);
        for (let f = 0; f < numel(shape); f++) {
          expect(unravelIndex(f, shape)).to.deep.equal(unflat(shape, f));
          expect(flatOf(shape, unravelIndex(f, shape))).to.equal(f);
        }
      });
    });

    it('isContiguousLayout is true exactly when addresses are consecutive from the first (brute force) (200 cases)', () => {
      const arb = arbShape({ minDim: 1 }).chain((shape) => fc.tuple(fc.constant(shape), fc.array(fc.integer({ min: 0, max: 30 }), { minLength: shape.length, maxLength: shape.length })));
      checkProperty(counter, fc.oneof(arb, arbShape({ minDim: 1 }).map((s) => [s, contiguousStrides(s)] as [number[], number[]])), 200, ([shape, strides]) => {
        const addrs = layoutAddresses(shape, strides, 0);
        const consecutive = addrs.every((a, i) => a === i);
        expect(isContiguousLayout(shape, strides), `[${shape}] strides [${strides}]`).to.equal(consecutive);
      });
    });
  });

  describe('broadcastShapes', () => {
    it('examples (NumPy rules)', () => {
      expect(broadcastShapes('add', [2, 3], [3])).to.deep.equal([2, 3]);
      expect(broadcastShapes('add', [4, 1, 3], [2, 1])).to.deep.equal([4, 2, 3]);
      expect(broadcastShapes('add', [], [2])).to.deep.equal([2]);
      expect(broadcastShapes('add', [0], [1])).to.deep.equal([0]);
      expect(broadcastShapes('add', [1, 0], [5, 1])).to.deep.equal([5, 0]);
      expect(() => broadcastShapes('mul', [2, 3], [4])).to.throw(TensorError, 'mul: shapes [2,3] and [4] are not broadcastable');
      expect(() => broadcastShapes('add', [0], [2])).to.throw(TensorError, 'add: shapes [0] and [2] are not broadcastable');
    });

    it('agrees with the naive rule on random pairs, throwing with both shapes named when they do not broadcast (500 cases)', () => {
      const dims = fc.array(fc.constantFrom(0, 1, 1, 2, 3), { maxLength: 4 });
      let ok = 0, bad = 0;
      checkProperty(counter, fc.tuple(dims, dims), 500, ([a, b]) => {
        const want = naiveBroadcastShapes(a, b);
        if (want) {
          expect(broadcastShapes('op', a, b)).to.deep.equal(want);
          expect(broadcastShapes('op', b, a)).to.deep.equal(want);
          ok++;
        } else {
          expect(() => broadcastShapes('op', a, b)).to.throw(TensorError, `op: shapes [${a.join(',')}] and [${b.join(',')}] are not broadcastable`);
          bad++;
        }
      });
      expect(ok).to.be.greaterThan(0);
      expect(bad).to.be.greaterThan(0);
    });
  });

  describe('viewStrides', () => {
    it('examples', () => {
      expect(viewStrides([2, 3], [3, 1], [6])).to.deep.equal([1]);
      expect(viewStrides([2, 3], [1, 2], [6])).to.equal(null); // a transpose cannot be flattened
      expect(viewStrides([2, 3], [1, 2], [2, 3, 1])).to.not.equal(null);
      // rows 14 apart, every other column (a slice of a [4,14] matrix with step 2): rows cannot merge
      expect(viewStrides([4, 6], [14, 2], [2, 2, 6])).to.deep.equal([28, 14, 2]);
      expect(viewStrides([4, 6], [14, 2], [4, 2, 3])).to.deep.equal([14, 6, 2]);
      expect(viewStrides([4, 6], [14, 2], [24])).to.equal(null);
      expect(viewStrides([4, 6], [12, 2], [24])).to.deep.equal([2]); // rows 12 apart continue the step-2 run
      expect(viewStrides([3, 2], [0, 1], [6])).to.equal(null); // an expanded dim cannot merge with a real one
      expect(viewStrides([3, 2], [0, 0], [6])).to.not.equal(null); // but all-zero strides can
    });

    it('returns strides iff a view exists (brute force), and those strides address the same elements (1500 cases)', () => {
      // random layouts: strides 0..12 (overlapping and gapped), offsets, and shapes of the same size
      const arb = arbShape({ maxDim: 4 }).chain((shape) => fc.tuple(
        fc.constant(shape),
        fc.oneof(
          fc.array(fc.integer({ min: 0, max: 12 }), { minLength: shape.length, maxLength: shape.length }),
          // permuted / stepped / expanded contiguous strides, the layouts views actually produce
          fc.tuple(
            fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: shape.length, maxLength: shape.length }),
            fc.array(fc.integer({ min: 0, max: 4 }), { minLength: shape.length, maxLength: shape.length }),
          ).map(([perm, steps, zero]) => {
            const base = contiguousStrides(perm.map((p) => shape[p]!));
            const strides = new Array<number>(shape.length).fill(0);
            perm.forEach((p, i) => { strides[p] = base[i]!; });
            return strides.map((s, i) => (zero[i] === 0 ? 0 : s * steps[i]!));
          }),
        ),
        fc.nat({ max: 5 }),
        fc.nat(),
      ));
      let views = 0, none = 0;
      checkProperty(counter, arb, 1500, ([shape, strides, offset, seed]) => {
        const target = randomShapeOfSize(numel(shape), seed);
        const addrs = layoutAddresses(shape, strides, offset);
        const brute = affineStrides(addrs, target);
        const got = viewStrides(shape, strides, target);
        const what = `viewStrides([${shape}], [${strides}], [${target}])`;
        if (brute === null) {
          expect(got, `${what}: no affine layout exists, expected null`).to.equal(null);
          none++;
        } else {
          expect(got, `${what}: an affine layout [${brute}] exists, expected strides`).to.not.equal(null);
          expect(layoutAddresses(target, got!, offset), `${what}: addresses`).to.deep.equal(addrs);
          views++;
        }
      });
      expect(views).to.be.greaterThan(0);
      expect(none).to.be.greaterThan(0);
    });
  });

  describe('normalizeAxis / normalizeAxes', () => {
    it('examples and messages', () => {
      expect(normalizeAxis('sum', -1, 3)).to.equal(2);
      expect(normalizeAxes('sum', undefined, 3)).to.deep.equal([0, 1, 2]);
      expect(normalizeAxes('sum', [-1, 0], 3)).to.deep.equal([0, 2]);
      expect(normalizeAxes('sum', 1, 3)).to.deep.equal([1]);
      expect(() => normalizeAxes('sum', [], 3)).to.throw(TensorError, 'sum: axis got [], expected at least one axis');
      expect(normalizeAxes('flip', [], 3, true)).to.deep.equal([]);
      expect(normalizeAxes('sum', [], 0)).to.deep.equal([]);
      expect(() => normalizeAxis('sum', 3, 3)).to.throw(TensorError, 'sum: axis 3 is out of range for a tensor of rank 3, expected an integer in [-3, 2]');
      expect(() => normalizeAxis('sum', 0, 0)).to.throw(TensorError, 'sum: axis 0 is out of range for a tensor of rank 0, expected no axes (the tensor is a scalar)');
      expect(() => normalizeAxis('sum', 0.5, 2)).to.throw(TensorError, 'sum: axis 0.5 is out of range for a tensor of rank 2, expected an integer in [-2, 1]');
      expect(() => normalizeAxes('max', [1, -2], 3)).to.throw(TensorError, 'max: axis 1 appears more than once in axes [1,-2]');
    });

    it('normalises, sorts, and rejects out-of-range or repeated axes (400 cases)', () => {
      const arb = fc.integer({ min: 0, max: 5 }).chain((ndim) => fc.tuple(
        fc.constant(ndim),
        fc.oneof(
          fc.constant(undefined),
          fc.integer({ min: -ndim - 2, max: ndim + 1 }),
          fc.array(fc.integer({ min: -ndim - 1, max: ndim }), { maxLength: 4 }),
        ),
      ));
      checkProperty(counter, arb, 400, ([ndim, axes]) => {
        const list = axes === undefined ? Array.from({ length: ndim }, (_, i) => i) : typeof axes === 'number' ? [axes] : axes;
        const bad = list.find((a) => a < -ndim || a >= ndim);
        const norm = list.map((a) => (a < 0 ? a + ndim : a));
        const dup = norm.find((a, i) => norm.indexOf(a) !== i);
        if (list.length === 0 && ndim > 0) {
          expect(() => normalizeAxes('op', axes, ndim)).to.throw(TensorError, 'op: axis got [], expected at least one axis');
          expect(normalizeAxes('op', axes, ndim, true)).to.deep.equal([]);
        } else if (bad !== undefined) {
          expect(() => normalizeAxes('op', axes, ndim)).to.throw(TensorError, `op: axis ${bad} is out of range for a tensor of rank ${ndim}`);
        } else if (dup !== undefined) {
          expect(() => normalizeAxes('op', axes, ndim)).to.throw(TensorError, /^op: axis \d+ appears more than once in axes \[/);
        } else {
          expect(normalizeAxes('op', axes, ndim)).to.deep.equal([...norm].sort((x, y) => x - y));
        }
      });
    });

    it('normalizeAxis maps [-n, n) onto [0, n) (300 cases)', () => {
      checkProperty(counter, fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: -n, max: n - 1 }))), 300, ([n, a]) => {
        const got = normalizeAxis('op', a, n);
        expect(got).to.equal(((a % n) + n) % n);
      });
    });
  });
});
