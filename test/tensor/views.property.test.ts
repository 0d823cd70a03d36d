// Property tests: every view of @propel-ts/tensor against the naive index maps in test/helpers/naive.ts,
// on random shapes (rank 0-4, sizes 0-5) and random non-contiguous layouts (permuted, sliced with steps,
// expanded), both dtypes. A view must (1) share the storage object, (2) address exactly the elements the
// index map names, (3) read back (toArray/toTypedArray/contiguous) the mapped values, and (4) see writes
// made through the storage afterwards.
import { expect } from 'chai';
import * as fc from 'fast-check';
import { Tensor, TensorError } from '@propel-ts/tensor';
import {
  addresses, affineStrides, allIndices, applyMap, arbSpec, CaseCounter, checkProperty, make, makeTensor,
  mapExpand, mapFlatten, mapPermute, mapReshape, mapSelect, mapSlice, mapSqueeze, mapTranspose, mapUnsqueeze,
  nested, randomShapeOfSize, rawData, read, assertMatches, exact, numel, type IndexMap, type TSpec,
} from '../helpers/naive';
import { addressOf } from '@propel-ts/tensor';

const counter = new CaseCounter('views.property');
const RUNS = 350;
const PLANNED = 12 * RUNS + 2 * 600 + 400;

/** Check that `v` is the view `m` of `t`: same storage, mapped addresses, mapped values, live storage. */
function checkView(t: Tensor, v: Tensor, m: IndexMap, what: string): void {
  if (v.storage !== t.storage) throw new Error(`${what}: the view does not share the input's storage`);
  if (v.dtype !== t.dtype) throw new Error(`${what}: dtype ${v.dtype}, expected ${t.dtype}`);
  expect(v.shape, `${what}: shape`).to.deep.equal(m.shape);
  expect(v.size, `${what}: size`).to.equal(numel(m.shape));
  expect(v.ndim, `${what}: ndim`).to.equal(m.shape.length);
  for (const idx of allIndices(m.shape)) {
    const got = addressOf(v.offset, v.strides, idx);
    const want = addressOf(t.offset, t.strides, m.source(idx));
    if (got !== want) throw new Error(`${what}: element [${idx}] at address ${got}, expected ${want} (input element [${m.source(idx)}])`);
  }
  const want = applyMap(read(t), m);
  assertMatches(read(v), want, exact, `${what} (raw read)`);
  assertMatches({ shape: m.shape, data: Array.from(v.toTypedArray()) }, want, exact, `${what} (toTypedArray)`);
  expect(v.toArray(), `${what}: toArray`).to.deep.equal(nested(want));
  const c = v.contiguous();
  expect(c.isContiguous(), `${what}: contiguous() is contiguous`).to.equal(true);
  assertMatches(read(c), want, exact, `${what} (contiguous())`);
  if (v.isContiguous() && v.offset === 0 && v.storage.length === v.size) {
    expect(c, `${what}: contiguous() of a contiguous tensor is the same tensor`).to.equal(v);
  } else if (c.storage === v.storage) {
    throw new Error(`${what}: contiguous() of a non-contiguous view did not copy`);
  }
  // a write through the storage is visible in the view
  if (v.size > 0) {
    const k = Math.floor(v.size / 2);
    const idx = allIndices(v.shape)[k]!;
    const addr = addressOf(v.offset, v.strides, idx);
    const data = rawData(t);
    data[addr] = 1234.5;
    const back = v.toTypedArray();
    if (back[k] !== 1234.5) throw new Error(`${what}: a write to storage address ${addr} is not visible at [${idx}] of the view`);
  }
}

/** One view op: arguments generated from the input shape, the op, and its index map. */
interface ViewCase<A> {
  name: string;
  args: (shape: number[]) => fc.Arbitrary<A>;
  apply: (t: Tensor, a: A) => Tensor;
  map: (shape: number[], a: A) => IndexMap;
  minRank?: number;
  /** Restrict the generated inputs (the argument generator may need, e.g., a non-empty dimension). */
  accept?: (shape: number[]) => boolean;
}

const anyDim = (rank: number) => fc.integer({ min: -rank, max: rank - 1 });

const cases: ViewCase<unknown>[] = [];
function add<A>(c: ViewCase<A>): void { cases.push(c as unknown as ViewCase<unknown>); }

add({
  name: 'permute',
  args: (s) => fc.tuple(
    fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }),
    fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
    fc.boolean(),
  ).map(([p, neg, spread]) => ({ dims: p.map((d, i) => (neg[i] ? d - s.length : d)), spread })),
  apply: (t, a) => (a.spread ? t.permute(...a.dims) : t.permute(a.dims)),
  map: (s, a) => mapPermute(s, a.dims),
});
add({
  name: 'transpose',
  minRank: 1,
  args: (s) => fc.tuple(anyDim(s.length), anyDim(s.length)),
  apply: (t, [a, b]) => t.transpose(a, b),
  map: (s, [a, b]) => mapTranspose(s, a, b),
});
add({
  name: 'T / transpose() of the last two dims',
  minRank: 2,
  args: () => fc.boolean(),
  apply: (t, useT) => (useT && t.ndim === 2 ? t.T : t.transpose()),
  map: (s) => mapTranspose(s, -2, -1),
});
add({
  name: 'expand / broadcastTo',
  args: (s) => fc.record({
    lead: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
    sizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: s.length, maxLength: s.length }),
    keep: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: s.length, maxLength: s.length }),
    alias: fc.boolean(),
  }).map(({ lead, sizes, keep, alias }) => ({
    alias,
    // a size-1 dim may grow to any size; any dim may be kept with -1 or its own size
    target: [...lead, ...s.map((d, i) => (keep[i] === 0 ? -1 : d === 1 ? sizes[i]! : d))],
  })),
  apply: (t, a) => (a.alias ? t.broadcastTo(a.target) : t.expand(...a.target)),
  map: (s, a) => mapExpand(s, a.target),
});
add({
  name: 'slice(dim, start, end, step)',
  minRank: 1,
  args: (s) => anyDim(s.length).chain((dim) => {
    const n = s[dim < 0 ? dim + s.length : dim]!;
    return fc.record({
      dim: fc.constant(dim),
      start: fc.integer({ min: -n - 2, max: n + 2 }),
      end: fc.option(fc.integer({ min: -n - 2, max: n + 2 }), { nil: undefined }),
      step: fc.integer({ min: 1, max: 4 }),
    });
  }),
  apply: (t, a) => t.slice(a.dim, a.start, a.end, a.step),
  map: (s, a) => mapSlice(s, a.dim, a.start, a.end, a.step),
});
add({
  name: 'chained slices',
  minRank: 1,
  args: (s) => fc.array(fc.record({
    dim: fc.nat(), start: fc.integer({ min: -3, max: 3 }), len: fc.integer({ min: 0, max: 4 }), step: fc.integer({ min: 1, max: 3 }),
  }), { minLength: 2, maxLength: 3 }).map((list) => list.map((x) => ({ ...x, dim: x.dim % s.length }))),
  apply: (t, list) => list.reduce((x: Tensor, a: { dim: number; start: number; len: number; step: number }) => x.slice(a.dim, a.start, a.start + a.len, a.step), t),
  map: (s, list) => {
    // compose the index maps one slice at a time
    let shape = s;
    const maps: IndexMap[] = [];
    for (const a of list as { dim: number; start: number; len: number; step: number }[]) {
      const m = mapSlice(shape, a.dim, a.start, a.start + a.len, a.step);
      maps.push(m);
      shape = m.shape;
    }
    return { shape, source: (idx: number[]) => maps.reduceRight((i, m) => m.source(i), idx) };
  },
});
add({
  name: 'select(dim, index)',
  minRank: 1,
  accept: (s) => s.some((d) => d > 0),
  args: (s) => fc.constantFrom(...s.map((d, i) => (d > 0 ? i : -1)).filter((i) => i >= 0)).chain((d0) => fc.boolean().map((neg) => (neg ? d0 - s.length : d0))).chain((dim) => {
    const n = s[dim < 0 ? dim + s.length : dim]!;
    return fc.tuple(fc.constant(dim), fc.integer({ min: -n, max: n - 1 }));
  }),
  apply: (t, [d, i]) => t.select(d, i),
  map: (s, [d, i]) => mapSelect(s, d, i),
});
add({
  name: 'squeeze()',
  args: () => fc.constant(null),
  apply: (t) => t.squeeze(),
  map: (s) => mapSqueeze(s),
});
add({
  name: 'squeeze(dims)',
  args: (s) => {
    const ones = s.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    return fc.tuple(fc.subarray(ones), fc.boolean(), fc.boolean()).map(([dims, neg, single]) => {
      const list = dims.map((d) => (neg ? d - s.length : d));
      return single && list.length === 1 ? list[0]! : list;
    });
  },
  apply: (t, dims) => t.squeeze(dims),
  map: (s, dims) => mapSqueeze(s, typeof dims === 'number' ? [dims] : dims),
});
add({
  name: 'unsqueeze',
  args: (s) => fc.integer({ min: -s.length - 1, max: s.length }),
  apply: (t, d) => t.unsqueeze(d),
  map: (s, d) => mapUnsqueeze(s, d),
});
add({
  name: 'unsqueeze then squeeze round trip',
  args: (s) => fc.integer({ min: -s.length - 1, max: s.length }),
  apply: (t, d) => t.unsqueeze(d).squeeze(d),
  map: (s) => mapPermute(s, s.map((_, i) => i)),
});
add({
  name: 'flatten(start, end)',
  args: (s) => (s.length === 0
    ? fc.constant([0, -1] as [number, number])
    : fc.tuple(fc.nat({ max: s.length - 1 }), fc.nat({ max: s.length - 1 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b) - s.length] as [number, number])),
  apply: (t, [a, b]) => t.flatten(a, b),
  map: (s, [a, b]) => mapFlatten(s, a, b),
});

describe('views (property): every view is its naive index map over shared storage', function () {
  after(() => counter.report(PLANNED));

  for (const c of cases) {
    it(`${c.name} on random strided inputs, both dtypes (${RUNS} cases)`, () => {
      const arb = arbSpec({ minRank: c.minRank ?? 0 }).filter((spec) => c.accept?.(spec.shape) ?? true).chain((spec) => fc.tuple(fc.constant(spec), c.args(spec.shape)));
      checkProperty(counter, arb, RUNS, ([spec, args]: [TSpec, unknown]) => {
        const t = make(spec);
        const m = c.map(spec.shape, args);
        if (c.name === 'flatten(start, end)') {
          // flatten copies when no view is possible: check values, and the sharing only when it is a view
          const v = c.apply(t, args);
          const possible = affineStrides(addresses(t), m.shape) !== null;
          if (possible || v.storage === t.storage) checkView(t, v, m, c.name);
          else assertMatches(read(v), applyMap(read(t), m), exact, `${c.name} (copy)`);
          return;
        }
        checkView(t, c.apply(t, args), m, `${c.name}(${JSON.stringify(args)})`);
      });
    });
  }

  const arbReshape = arbSpec().chain((spec) => fc.tuple(fc.constant(spec), fc.integer({ min: 0, max: 0x7fffffff }), fc.boolean()));

  it('view(shape) is a view exactly when the layout allows one (brute force), and throws otherwise (600 cases)', () => {
    let views = 0, refused = 0;
    checkProperty(counter, arbReshape, 600, ([spec, seed, spread]) => {
      const t = make(spec);
      const req = randomShapeOfSize(t.size, seed, true);
      const target = req.includes(-1) ? req.map((d) => (d === -1 ? t.size / numel(req.filter((x) => x !== -1)) : d)) : req;
      const possible = affineStrides(addresses(t), target) !== null;
      if (possible) {
        const v = spread ? t.view(...req) : t.view(req);
        checkView(t, v, mapReshape(spec.shape, target), `view([${req}])`);
        views++;
      } else {
        expect(() => t.view(req)).to.throw(TensorError, /^view: cannot view shape \[.*\] with strides \[.*\] as \[.*\] without copying/);
        refused++;
      }
    });
    expect(views, 'some views were possible').to.be.greaterThan(0);
    expect(refused, 'some views were impossible').to.be.greaterThan(0);
  });

  it('reshape(shape) views when possible, else copies (fresh contiguous storage) (600 cases)', () => {
    checkProperty(counter, arbReshape, 600, ([spec, seed]) => {
      const t = make(spec);
      const req = randomShapeOfSize(t.size, seed, true);
      const target = req.includes(-1) ? req.map((d) => (d === -1 ? t.size / numel(req.filter((x) => x !== -1)) : d)) : req;
      const possible = affineStrides(addresses(t), target) !== null;
      const v = t.reshape(req);
      const m = mapReshape(spec.shape, target);
      if (possible) checkView(t, v, m, `reshape([${req}]) (view)`);
      else {
        if (v.storage === t.storage) throw new Error(`reshape([${req}]): no view is possible but the storage is shared`);
        expect(v.isContiguous()).to.equal(true);
        expect(v.offset).to.equal(0);
        assertMatches(read(v), applyMap(read(t), m), exact, `reshape([${req}]) (copy)`);
        // the copy is independent of the input
        if (t.size > 0) {
          rawData(v)[0] = 777;
          if (t.toTypedArray().includes(777) && !read(t).data.includes(777)) throw new Error('reshape copy aliases its input');
        }
      }
    });
  });

  it('contiguous() returns the same tensor when contiguous with offset 0, a fresh copy otherwise (400 cases)', () => {
    checkProperty(counter, arbSpec(), 400, (spec) => {
      const { t, base } = makeTensor(spec);
      expect(base.contiguous()).to.equal(base);
      const c = t.contiguous();
      const same = t.isContiguous() && t.offset === 0 && t.storage.length === t.size;
      if (same) expect(c).to.equal(t);
      else {
        expect(c).to.not.equal(t);
        expect(c.storage).to.not.equal(t.storage);
      }
      expect(c.isContiguous()).to.equal(true);
      // row-major strides (a size-1 dimension's stride is never used, so it may be anything)
      c.shape.forEach((d, i) => { if (d !== 1) expect(c.strides[i]).to.equal(numel(c.shape.slice(i + 1))); });
      assertMatches(read(c), read(t), exact, 'contiguous()');
    });
  });
});

describe('views: storage sharing, concretely', () => {
  it('a transpose, a stepped slice, an expand and a select all see one write through the base storage', () => {
    const spec: TSpec = { shape: [3, 4], dtype: 'float64', layout: { perm: [0, 1], starts: [0, 0], steps: [1, 1], extras: [0, 0], expand: [false, false] }, kind: 'int', seed: 1 };
    const { t } = makeTensor(spec);
    const views = [t.T, t.slice(1, 1, 4, 2), t.select(0, 1).unsqueeze(0).expand(5, 4), t.view(12), t.reshape(2, 6), t.permute(1, 0).flatten(0, 0)];
    for (const v of views) expect(v.storage).to.equal(t.storage);
    rawData(t)[1 * 4 + 3] = -99; // element [1,3]
    expect((t.T.toArray() as number[][])[3]![1]).to.equal(-99);
    expect((t.slice(1, 1, 4, 2).toArray() as number[][])[1]![1]).to.equal(-99);
    expect((views[2]!.toArray() as number[][]).map((r) => r[3])).to.deep.equal([-99, -99, -99, -99, -99]);
    expect(views[2]!.strides[0]).to.equal(0);
    expect((views[3]!.toArray() as number[])[7]).to.equal(-99);
  });

  it('view() throws on a transposed tensor that cannot be flattened; reshape() copies it', () => {
    const t = make({ shape: [2, 3], dtype: 'float32', layout: { perm: [1, 0], starts: [0, 0], steps: [1, 1], extras: [0, 0], expand: [false, false] }, kind: 'int', seed: 3 });
    expect(t.isContiguous()).to.equal(false);
    expect(() => t.view(6)).to.throw(TensorError, 'view: cannot view shape [2,3] with strides [1,2] as [6] without copying');
    const r = t.reshape(6);
    expect(r.storage).to.not.equal(t.storage);
    expect(Array.from(r.toTypedArray())).to.deep.equal(Array.from(t.toTypedArray()));
  });
});
