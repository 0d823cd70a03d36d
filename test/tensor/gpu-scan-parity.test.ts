// GPU parity of cumsum, cumprod, variance, std and norm: on 'gpu', in every gpu.js mode available here (the
// modes set up as in gpu-parity.test.ts), against the CPU backend (itself tested against naive float64 loops
// in statistics-scan.test.ts), on inputs read through device views (permuted, sliced with a step, broadcast)
// that stay zero-copy, along every axis and in both scan directions, with slices longer than gpu.js's default
// 1,000-iteration cap on loops (1,500 and 4,096 elements in the one-pass scan; 5,000 and 20,000 in the
// two-pass one), without reading anything back while computing, and without a gpu.js fallback. (The scan's
// loops have literal bounds, which gpu.js keeps, so the cap never applies: these lengths check that it does
// not.) The gradients run on
// the device too (cumprod with zeros takes its mask path there: the CPU's no-zero shortcut needs a readback).
//
// Tolerances (float32 on the device, u = 2^-24; the CPU result itself is within u·|want| of exact):
//   cumsum: 2·d·u·Σ_{j<=k}|x_j| + u·|want| at output k, where d is the most float32 additions any term goes
//           through: k in the one-pass scan, min(k, 2·block + blocks) in the two-pass one (a term passes its
//           block total, the totals before its block and the final block) — the classical bound for a sum
//           in any order.
//   cumprod: 2·(2k + 2)·u relative: every multiplication rounds once, whatever the order, and an output
//           takes at most k + 1 + blocks of them.
//   variance: (4(n+4) + 8)·u·Σ(|x|+|m|)²/dof: the two-pass bound of statistics-scan.test.ts with float32
//           sums (n terms) on the device, plus the CPU's own 8·u·... ; std: that bound over √ (min(t/s, √t)).
//   norm: p = 2: (n + 4)·u relative (Σx² to (n+1)u, halved by the square root, plus its rounding);
//           p = 1: 2n·u·Σ|x|; p = ±Infinity: exact (a max/min of |x|); p = 3: 2·(2e-6 + n·u)/3 + 4e-6 relative
//           (the device's pow, like its other transcendental functions, is within 2e-6: gpu-parity.test.ts).
//
// Modes: `PROPEL_REQUIRE_GPU_MODES=webasm,headlessgl` turns a missing mode into a failure instead of a
// skip. headlessgl needs a display: `xvfb-run -a -s "-screen 0 1x1x24" npx mocha test/tensor/gpu-scan-parity.test.ts`.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { Generator, gpuInfo, setGpuMode, Tensor, type GpuMode, type TypedArray } from '@propel-ts/tensor';
import { describeEachGpuMode } from '../helpers/webgpu';
import { layoutInput, LAYOUTS, type Input, type Layout } from '../helpers/layouts';

const U = 2 ** -24;
const f64 = { dtype: 'float64' } as const;

// ---- inputs: a CPU base tensor and the view the op reads (the same view is taken on the device) ----

type Draw = (g: Generator) => number;

const normal: Draw = (g) => 2 * g.normal();
/** Factors for a product: mostly in ±[0.5, 1.5], some zeros (the rest of a slice after one is 0). */
const factor: Draw = (g) => (g.uniform() < 0.05 ? 0 : (g.uniform() < 0.3 ? -1 : 1) * (0.5 + g.uniform()));
/** Factors near 1, for long products that must stay finite. */
const nearOne: Draw = (g) => 1 + 1e-3 * g.normal();

function input(g: Generator, shape: readonly number[], draw: Draw, layout: Layout): Input {
  return layoutInput(shape, layout, (s) => T.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => draw(g)), { shape: s }));
}

/** |got - want| <= bound[i] per element; NaN must match NaN, infinities must be equal. */
function compare(what: string, got: TypedArray, want: TypedArray, bound: ArrayLike<number>): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  let failures = 0, worst = -1, excess = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    const ok = Number.isNaN(w) || Number.isNaN(g) ? Number.isNaN(w) && Number.isNaN(g)
      : !Number.isFinite(w) || !Number.isFinite(g) ? g === w : Math.abs(g - w) <= bound[i]!;
    if (!ok) {
      failures++;
      const e = Math.abs(g - w) - bound[i]!;
      if (worst < 0 || e > excess) [worst, excess] = [i, e];
    }
  }
  if (failures > 0) expect.fail(`${what}: ${failures} of ${want.length} elements differ; worst at ${worst}: gpu ${got[worst]}, cpu ${want[worst]}, bound ${bound[worst]}`);
}

/**
 * `f` on the CPU view and on its device twin: same shape and dtype, values within the bound `bound(x)`
 * computes from the CPU view (in float64), no readback while computing.
 */
async function parity(what: string, x: Input, f: (t: Tensor) => Tensor, bound: (x: Tensor) => ArrayLike<number>): Promise<void> {
  const cpuView = x.view(x.base);
  const want = f(cpuView);
  const gb = x.base.to('gpu');
  const dv = x.view(gb);
  expect(dv.storage, `${what}: the device view shares its base's storage`).to.equal(gb.storage);
  const before = gpuInfo().readbacks;
  const got = f(dv);
  expect(gpuInfo().readbacks, `${what}: no readback while computing`).to.equal(before);
  expect([got.device, got.dtype], what).to.deep.equal(['gpu', 'float32']);
  expect(got.shape, `${what}: shape`).to.deep.equal(want.shape);
  const wantValues = want.toTypedArray();
  const b = bound(cpuView.astype('float64'));
  expect(b.length, `${what}: one bound per element`).to.equal(wantValues.length);
  compare(what, await got.data(), wantValues, Array.from(b, (v, i) => v + U * Math.abs(wantValues[i]!)));
}

// ---- bounds (see the header) ----------------------------------------------------------------------

/** The position of each element along `axis`, counted in scan order (0 for the first one combined). */
function scanIndex(shape: readonly number[], axis: number, reverse: boolean): Float64Array {
  const n = shape[axis]!, inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, f) => {
    const k = Math.floor(f / inner) % n;
    return reverse ? n - 1 - k : k;
  });
}

/** The most float32 operations a term of output k goes through: k in one pass, min(k, 2·block + blocks) in two. */
function depth(k: number, n: number): number {
  if (n <= 4096) return k;
  const block = Math.ceil(Math.sqrt(n));
  return Math.min(k, 2 * block + Math.ceil(n / block));
}

const cumsumBound = (axis: number, reverse: boolean) => (x: Tensor): Float64Array => {
  const a = axis < 0 ? axis + x.ndim : axis;
  const abs = T.cumsum(T.abs(x), { axis: a, reverse }).toTypedArray();
  const ks = scanIndex(x.shape, a, reverse);
  return Float64Array.from(abs, (s, i) => 2 * Math.max(depth(ks[i]!, x.shape[a]!), 1) * U * s);
};

const cumprodBound = (axis: number, reverse: boolean) => (x: Tensor): Float64Array => {
  const a = axis < 0 ? axis + x.ndim : axis;
  const want = T.cumprod(x, { axis: a, reverse }).toTypedArray();
  const ks = scanIndex(x.shape, a, reverse);
  return Float64Array.from(want, (w, i) => 2 * (2 * ks[i]! + 2) * U * Math.abs(w));
};

/** Per output of variance over `axes` (kept shape): the tolerance t (see the header), and n. */
function varianceBound(x: Tensor, axes: number[], correction: number): { t: Float64Array; n: number } {
  const n = axes.reduce((c, a) => c * x.shape[a]!, 1);
  const m = T.mean(x, { axis: axes, keepDims: true });
  const scale = T.sum(T.square(T.add(T.abs(x), T.abs(m))), { axis: axes }).toTypedArray();
  const dof = Math.max(0, n - correction);
  return { t: Float64Array.from(scale, (s) => ((4 * (n + 4) + 8) * U * s) / dof), n };
}

const stdBound = (axes: number[], correction: number) => (x: Tensor): Float64Array => {
  const { t } = varianceBound(x, axes, correction);
  const s = T.std(x, { axis: axes, correction }).toTypedArray();
  return Float64Array.from(t, (tv, i) => (s[i]! > 0 ? Math.min(tv / s[i]!, Math.sqrt(tv)) : Math.sqrt(tv)) + 4 * U * s[i]!);
};

const normBound = (p: number, axes: number[]) => (x: Tensor): Float64Array => {
  const n = axes.reduce((c, a) => c * x.shape[a]!, 1);
  const want = T.norm(x, { p, axis: axes }).toTypedArray();
  if (p === 1) return Float64Array.from(want, (w) => 2 * n * U * w);
  if (p === 2) return Float64Array.from(want, (w) => (n + 4) * U * w);
  if (!Number.isFinite(p)) return new Float64Array(want.length);
  return Float64Array.from(want, (w) => ((2 * (2e-6 + n * U)) / Math.abs(p) + 4e-6) * w);
};

// ---- the suite --------------------------------------------------------------------------------------

describe('gpu parity of cumsum, cumprod, variance, std, norm', function () {
  this.timeout(300_000);
  after(() => setGpuMode('auto'));

  describeEachGpuMode(suite);
});

function suite(mode: GpuMode): void {
  let seed = 7000;
  const gen = () => new Generator(seed++);
  const shape = [3, 4, 5];

  for (const op of ['cumsum', 'cumprod'] as const) {
    it(`${op} along every axis, both directions, of every layout`, async () => {
      const g = gen();
      for (const layout of LAYOUTS) {
        for (const axis of [0, 1, -1]) {
          for (const reverse of [false, true]) {
            const x = input(g, shape, op === 'cumsum' ? normal : factor, layout);
            const bound = op === 'cumsum' ? cumsumBound(axis, reverse) : cumprodBound(axis, reverse);
            await parity(`${op} ${layout} axis ${axis} reverse ${reverse}`, x, (t) => T[op](t, { axis, reverse }), bound);
          }
        }
      }
    });

    it(`${op} along 1,500 and 4,096 elements (one pass, past the loop cap) and 5,000 and 20,000 (two passes)`, async () => {
      const g = gen();
      for (const n of [1500, 4096, 5000, 20_000]) {
        for (const reverse of [false, true]) {
          const draw = op === 'cumsum' ? normal : nearOne;
          const bound = op === 'cumsum' ? cumsumBound(1, reverse) : cumprodBound(1, reverse);
          await parity(`${op} n=${n} reverse ${reverse}`, input(g, [2, n], draw, 'contiguous'), (t) => T[op](t, { axis: 1, reverse }), bound);
          // the long axis read with a stride (a transposed base)
          await parity(`${op} n=${n} strided reverse ${reverse}`, input(g, [2, n], draw, 'permuted'), (t) => T[op](t, { axis: 1, reverse }), bound);
        }
      }
    });
  }

  it('cumsum of ones is exactly 1, 2, ..., n at every length (integers below 2^24 add exactly in float32)', async () => {
    for (const n of [1500, 4096, 5000, 20_000]) {
      const got = await T.cumsum(T.ones([n], { device: 'gpu' }), 0).data();
      const wrong = Array.from(got).findIndex((v, i) => v !== i + 1);
      expect(wrong, `n=${n}: first wrong output ${wrong} (${got[wrong]})`).to.equal(-1);
      const back = await T.cumsum(T.ones([n], { device: 'gpu' }), { axis: 0, reverse: true }).data();
      expect(Array.from(back).findIndex((v, i) => v !== n - i), `n=${n} reverse`).to.equal(-1);
    }
  });

  it('variance and std over axis sets of every layout, with corrections, and over 5,000 elements', async () => {
    const g = gen();
    for (const layout of LAYOUTS) {
      for (const [axes, correction] of [[[0, 1, 2], 1], [[1], 0], [[0, 2], 1], [[2], 2]] as [number[], number][]) {
        await parity(`variance ${layout} axes ${axes} correction ${correction}`, input(g, shape, normal, layout),
          (t) => T.variance(t, { axis: axes, correction }), (x) => varianceBound(x, axes, correction).t);
        await parity(`std ${layout} axes ${axes} correction ${correction}`, input(g, shape, normal, layout),
          (t) => T.std(t, { axis: axes, correction }), stdBound(axes, correction));
      }
    }
    await parity('variance n=5000', input(g, [2, 5000], normal, 'permuted'), (t) => T.variance(t, 1), (x) => varianceBound(x, [1], 1).t);
    await parity('std n=5000', input(g, [2, 5000], normal, 'sliced'), (t) => T.std(t, 1), stdBound([1], 1));
  });

  it('norm for p = 2, 1, 3, ±Infinity over axis sets of every layout, and over 5,000 elements', async () => {
    const g = gen();
    for (const layout of LAYOUTS) {
      for (const p of [2, 1, 3, Infinity, -Infinity]) {
        for (const axes of [[0, 1, 2], [1], [0, 2]]) {
          await parity(`norm p=${p} ${layout} axes ${axes}`, input(g, shape, normal, layout), (t) => T.norm(t, { p, axis: axes }), normBound(p, axes));
        }
      }
    }
    await parity('norm n=5000', input(g, [3, 5000], normal, 'permuted'), (t) => T.norm(t, { axis: 1 }), normBound(2, [1]));
  });

  it('gradients on the device: cumprod with zeros (the mask path), cumsum, std at a constant slice, norm at 0', async () => {
    // rows: zeros inside, a zero first, a zero last, a constant row (std 0), an all-zero row (norm 0)
    const x = [[1.5, 0, -0.75, 2, 0, 0.5], [0, 2, 0.5, -1, 1.25, 3], [2, 3, 0.5, 4, -1, 0], [2, 2, 2, 2, 2, 2], [0, 0, 0, 0, 0, 0]];
    const w = [[1, -2, 3, 0.5, 1, 2], [2, 1, -1, 0.5, 3, 1], [1, 1, 2, 2, 1, -3], [1, 2, 3, 4, 5, 6], [-1, 2, 1, 3, -2, 1]];
    // Bounds: the cumsum and cumprod gradients are polynomials in x and w whose terms are products of at
    // most 7 factors, summed 6 at a time: their error is under 32·u·Σ|terms|, and Σ|terms| is the same
    // gradient at |x|, |w| (float64). The std and norm gradients are a few divisions, square roots and
    // sums of 6 terms of values of one scale: 64·u·(|want| + the largest |want|).
    const losses: [string, (v: A.Variable, wt: Tensor) => A.Variable, boolean][] = [
      ['cumprod', (v, wt) => A.sum(A.mul(A.cumprod(v, 1), wt)), true],
      ['cumprod reverse', (v, wt) => A.sum(A.mul(A.cumprod(v, { axis: 1, reverse: true }), wt)), true],
      ['cumsum', (v, wt) => A.sum(A.mul(A.cumsum(v, 0), wt)), true],
      ['std', (v, wt) => A.sum(A.mul(A.std(v, 1), A.sum(wt, 1))), false],
      ['norm', (v, wt) => A.sum(A.mul(A.norm(v, { axis: 1 }), A.sum(wt, 1))), false],
    ];
    const grad = (loss: (v: A.Variable, wt: Tensor) => A.Variable, xv: number[][], wv: number[][], o: { device?: 'cpu' | 'gpu'; dtype?: 'float64' }) => {
      const v = A.variable(T.tensor(xv, o), { requiresGrad: true });
      const [g] = A.grads(loss(v, T.tensor(wv, o)), [v]);
      return g!.value;
    };
    for (const [name, loss, polynomial] of losses) {
      const want = grad(loss, x, w, { device: 'cpu' }).toTypedArray();
      const onDevice = grad(loss, x, w, { device: 'gpu' });
      expect(onDevice.device).to.equal('gpu');
      const largest = Math.max(...Array.from(want, Math.abs));
      const bound = polynomial
        ? Array.from(grad(loss, x.map((r) => r.map(Math.abs)), w.map((r) => r.map(Math.abs)), f64).toTypedArray(), (s) => 32 * U * s)
        : Array.from(want, (v) => 64 * U * (Math.abs(v) + largest));
      compare(`gradient of ${name}`, await onDevice.data(), want, bound);
    }
  });

  it('gpu.js ran every kernel in this mode (no silent fallback)', () => {
    expect(gpuInfo().fallbacks.filter((f) => f.startsWith(`${mode}|`))).to.deep.equal([]);
  });
}
