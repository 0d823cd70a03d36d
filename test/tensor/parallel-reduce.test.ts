// Large reductions over the CPU threads (packages/tensor/src/backends/cpu/parallel-reduce.ts): a whole-tensor
// fold, rows and columns, in float32 and float64, bit-identical on 1, 2 and 3 threads. The oracle is a naive
// index-by-index fold written out here in the documented order (a reduced row of more than REDUCE_CHUNK
// elements is folded chunk by chunk, each chunk from the identity, then the chunks' partials in order; all in
// float64, rounded once to the dtype), so the bits themselves are checked, not only their sameness.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor/node';
import { REDUCE_CHUNK } from '@propel-ts/tensor/internal/backends/cpu/parallel-reduce';
import { mulberry32, naiveReduce, read } from '../helpers/naive';
import { sameBits, useThreads } from '../helpers/threads';

type Op = 'sum' | 'prod' | 'max' | 'min';
const INIT: Record<Op, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
/** One step of each fold, as PyTorch defines them: max and min propagate NaN. */
const STEP: Record<Op, (acc: number, v: number) => number> = {
  sum: (a, v) => a + v,
  prod: (a, v) => a * v,
  max: (a, v) => (a !== a ? a : v > a || v !== v ? v : a),
  min: (a, v) => (a !== a ? a : v < a || v !== v ? v : a),
};

/** The documented fold of `values` (read in order): from the identity, chunk by chunk past REDUCE_CHUNK. */
function naiveFold(op: Op, values: readonly number[]): number {
  const seq = (vs: readonly number[]) => STEP[op](INIT[op], vs.reduce(STEP[op], INIT[op]));
  if (values.length <= REDUCE_CHUNK) return seq(values);
  const parts: number[] = [];
  for (let c = 0; c < values.length; c += REDUCE_CHUNK) parts.push(seq(values.slice(c, c + REDUCE_CHUNK)));
  return seq(parts);
}

/** The 2-D tensor x's reduction over `axis` (0: columns, combined row after row; 1: rows), index by index. */
function naive2d(op: Op, x: T.Tensor, axis: 0 | 1 | null): number[] {
  const [r, c] = x.shape as [number, number];
  const v = x.toArray() as number[][];
  if (axis === null) return [naiveFold(op, v.flat())];
  if (axis === 1) return v.map((row) => naiveFold(op, row));
  // a column is combined one row at a time into a slot that starts at the identity (never chunked)
  return Array.from({ length: c }, (_, j) => {
    let a = INIT[op];
    for (let i = 0; i < r; i++) a = STEP[op](a, v[i]![j]!);
    return a;
  });
}

/** Values that make each op's order matter: wide magnitudes for sum, near 1 for prod, a few NaNs and ±0 and ±∞. */
function values(op: Op, shape: [number, number], dtype: T.DType, seed: number, specials: boolean): T.Tensor {
  const rnd = mulberry32(seed), n = shape[0] * shape[1];
  const data = Array.from({ length: n }, () =>
    op === 'prod' ? 1 + (rnd() - 0.5) * 1e-3 : (rnd() * 2 - 1) * 10 ** Math.floor(rnd() * 8 - 3));
  if (specials) [0, -0, Infinity, -Infinity, NaN].forEach((s, i) => { data[(i * 7919 * 131) % n] = s; });
  return T.tensor(data, { dtype }).reshape(shape);
}

const reduce = (op: Op, x: T.Tensor, axis: 0 | 1 | null) => (axis === null ? T[op](x) : T[op](x, { axis })).toTypedArray();
const round = (dtype: T.DType, v: readonly number[]) => (dtype === 'float32' ? Array.from(Float32Array.from(v)) : [...v]);

describe('cpu threads: large reductions split over worker threads, bit for bit the documented fold on any thread count', function () {
  this.timeout(300_000);
  after(() => T.setNumThreads(1));

  const cases: [string, [number, number], 0 | 1 | null][] = [
    ['the whole of [640, 1024] (one row of 640 chunks)', [640, 1024], null],
    ['rows of [96, 4096] (axis 1)', [96, 4096], 1],
    ['long rows of [3, 150000] (axis 1, each folded in chunks)', [3, 150_000], 1],
    ['columns of [1024, 512] (axis 0: a bias gradient)', [1024, 512], 0],
    ['columns of [65536, 16] (axis 0, few columns: stays on one thread)', [65536, 16], 0],
  ];
  for (const [name, shape, axis] of cases) {
    for (const op of ['sum', 'prod', 'max', 'min'] as const) {
      it(`${op}: ${name}`, async () => {
        for (const dtype of ['float32', 'float64'] as const) {
          for (const specials of [false, true]) {
            if (op === 'prod' && specials && dtype === 'float32') continue; // Infinity · 0 is the same NaN either way
            const x = values(op, shape, dtype, shape[0] + shape[1], specials);
            const want = round(dtype, naive2d(op, x, axis));
            await useThreads(1);
            sameBits(want, reduce(op, x, axis), `${dtype}${specials ? ' with NaN, ±0, ±∞' : ''} on 1 thread`);
            for (const n of [2, 3]) {
              await useThreads(n);
              const before = T.cpuInfo().parallelReductions;
              sameBits(want, reduce(op, x, axis), `${dtype}${specials ? ' with NaN, ±0, ±∞' : ''} on ${n} threads`);
              const split = T.cpuInfo().parallelReductions - before;
              expect(split, 'it ran on the threads (a few columns stay on one)').to.equal(shape[1] === 16 ? 0 : 1);
            }
          }
        }
      });
    }
  }

  it('views: a transposed input (strided columns), an offset slice and a stepped 1-D view give the same bits on 3 threads', async () => {
    const base = T.randn([1100, 700], { seed: 5 });
    const views: [string, () => T.Tensor][] = [
      ['sum over axis 0 of a transpose', () => T.sum(base.transpose(), { axis: 0 })],
      ['sum over axis 1 of a transpose', () => T.sum(base.transpose(), { axis: 1 })],
      ['max over rows 3.. (an offset)', () => T.max(base.slice(0, 3, 1100), { axis: 1 })],
      ['sum of every other element of a 1-D view', () => T.sum(base.reshape([-1]).slice(0, 1, 770_000, 2))],
      ['mean over axis 1', () => T.mean(base, { axis: 1 })],
      ['logsumexp over axis 1', () => T.logsumexp(base, { axis: 1 })],
    ];
    await useThreads(1);
    const one = views.map(([, f]) => f().toTypedArray());
    await useThreads(3);
    const before = T.cpuInfo().parallelReductions;
    views.forEach(([what, f], i) => sameBits(one[i]!, f().toTypedArray(), what));
    expect(T.cpuInfo().parallelReductions - before, 'each of them split at least one reduction').to.be.at.least(views.length);
    const col = (base.toArray() as number[][]).map((row) => row[5]!);
    expect(T.sum(base.transpose(), { axis: 1 }).toTypedArray()[5], 'a column of the transpose, by hand').to.be.closeTo(col.reduce((a, b) => a + b, 0), 1e-3);
  });

  it('random layouts (rank 2 to 4, a transpose, a stepped slice, any set of axes): the same bits on 1, 2 and 3 threads, and the naive values', async () => {
    const rnd = mulberry32(77);
    const pick = <V>(xs: readonly V[]) => xs[Math.floor(rnd() * xs.length)]!;
    const shapes = [[520, 640], [64, 48, 96], [3, 70_000], [24, 16, 20, 40], [300_000, 1], [17, 9000]];
    let split = 0;
    for (let c = 0; c < 24; c++) {
      const op = pick(['sum', 'max', 'min', 'prod'] as const), dtype = pick(['float32', 'float64'] as const);
      const shape = pick(shapes);
      let x = values(op, [shape.reduce((a, b) => a * b, 1), 1], dtype, c, c % 3 === 0).reshape(shape);
      const nd = shape.length;
      if (rnd() < 0.5) x = x.transpose(0, nd - 1);
      if (rnd() < 0.5) { const d = Math.floor(rnd() * nd), len = x.shape[d]!; if (len > 4) x = x.slice(d, 1, len, 2); }
      const axes = Array.from({ length: nd }, (_, i) => i).filter(() => rnd() < 0.5);
      if (axes.length === 0) axes.push(Math.floor(rnd() * nd));
      const what = `case ${c}: ${op} ${dtype} over [${axes}] of [${x.shape}] (strides [${x.strides}], offset ${x.offset})`;
      await useThreads(1);
      const one = T[op](x, { axis: axes }).toTypedArray();
      // max and min exactly; a sum or product in another float64 order differs by at most ~n·2^-53 of the sum of
      // magnitudes (of the product), plus float32's rounding
      const want = naiveReduce(op, read(x), axes).data, mags = naiveReduce(op === 'prod' ? 'prod' : 'sumAbs', read(x), axes).data;
      one.forEach((v, i) => {
        const w = want[i]!, exact = dtype === 'float32' ? Math.fround(w) : w;
        const tol = op === 'max' || op === 'min' ? 0 : 1e-10 * Math.abs(mags[i]!) + (dtype === 'float32' ? Math.abs(exact) * 2 ** -23 : 0);
        if (!(Object.is(v, exact) || Math.abs(v - w) <= tol)) expect.fail(`${what}: element ${i} is ${v}, naive ${w}`);
      });
      for (const n of [2, 3]) {
        await useThreads(n);
        const before = T.cpuInfo().parallelReductions;
        sameBits(one, T[op](x, { axis: axes }).toTypedArray(), `${what} on ${n} threads`);
        split += T.cpuInfo().parallelReductions - before;
      }
    }
    expect(split, 'reductions split over the threads across the cases').to.be.at.least(12);
  });

  it('small reductions and three-dimensional walks stay on the calling thread, with the same values', async () => {
    await useThreads(2);
    const before = T.cpuInfo().parallelReductions;
    const cube = T.randn([64, 64, 64], { seed: 6 });
    const small = T.randn([2 ** 17 - 1], { seed: 7 });
    const mid = T.sum(cube, { axis: 1 }); // a 3-D walk: x strides [4096, 64, 1], slots [64, 0, 1]
    const s = T.sum(small);
    expect(T.cpuInfo().parallelReductions, 'nothing split').to.equal(before);
    const c = cube.toArray() as number[][][];
    let want = 0;
    for (let j = 0; j < 64; j++) want += c[7]![j]![9]!;
    expect((mid.toArray() as number[][])[7]![9]).to.equal(Math.fround(want));
    expect(s.item()).to.equal(Math.fround(naiveFold('sum', Array.from(small.toTypedArray()))));
  });
});
