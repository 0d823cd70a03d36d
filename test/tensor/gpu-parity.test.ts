// GPU parity: every kernel of the 'gpu' backend against the CPU backend, in every gpu.js mode available
// here. The suite iterates the op unions (UNARY_OPS, BINARY_OPS, REDUCE_OPS, ARG_REDUCE_OPS), so a new op
// is covered without a new test. Inputs are seeded (Generator) random shapes read through non-contiguous
// views (permuted, sliced with a step, expanded/broadcast) that must stay zero-copy on the device, and
// sizes past gpu.js's default 1,000-iteration loop cap (sums over 5,000 elements, matmul with K = 1,500).
//
// Tolerances (float32, u = 2^-24; |gpu - cpu| <= atol + rtol·|cpu|, NaN must match NaN); an elementwise
// op's class and its inputs come from its declaration (`test.gpu`, `test.draw`: packages/tensor/src/elementwise):
//   exact (0): data movement, comparisons, sign/abs/neg/relu, rounding, max/min, argmax/argmin, add/sub/mul
//              (one correctly rounded float32 op on both sides)
//   4u relative ('rounded'): div, reciprocal, sqrt, square (GL may not round these correctly: a few ulp)
//   2e-6 relative + 1e-7 absolute ('transcendental'): exp, log, trigonometric, hyperbolic, erf, pow, ...
//              (the device's float32 transcendental functions are not correctly rounded; measured errors
//              are well inside this)
//   sums (sum, matmul, scatterAdd) over k terms: 2·k·u·Σ|terms| absolute — the classical bound for a
//              k-term float32 dot product, computed per output from the |inputs| on the CPU
//   prod over k terms: 2·k·u relative.
//
// matmul in the webasm and cpu modes runs the CPU backend's WebAssembly gemm on the storage's host arrays
// (docs/gpu.md); the matmul cases below prove that path against the CPU backend the same way.
//
// Modes: `PROPEL_REQUIRE_GPU_MODES=webasm,headlessgl` turns a missing mode into a failure instead of a
// skip. headlessgl needs a display: `xvfb-run -a -s "-screen 0 1x1x24" npx mocha test/tensor/gpu-parity.test.ts`
// (scripts/test-gpu.sh).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as T from '@propel-ts/tensor';
import { describeEachGpuMode, NODE_GPU_MODES, REQUIRED_GPU_MODES } from '../helpers/webgpu';
import {
  ARG_REDUCE_OPS, BINARY_OPS, Generator, GpuStorage, gpuInfo, REDUCE_OPS, setGpuMode, Tensor, UNARY_OPS,
  type BinaryDecl, type BinaryOp, type GpuMode, type GpuTolerance, type OpTest, type ReduceOp, type TypedArray, type UnaryOp,
} from '@propel-ts/tensor';

const U = 2 ** -24;

interface Tol { rtol: number; atol: number }
const EXACT: Tol = { rtol: 0, atol: 0 };
const ROUNDED: Tol = { rtol: 4 * U, atol: 0 };
const TRANSCENDENTAL: Tol = { rtol: 2e-6, atol: 1e-7 };

/** How to draw inputs for an op (its domain) and how close the device must come. */
interface Case { draw: (g: Generator) => number; tol: Tol }
const normal = (g: Generator) => 2 * g.normal();
const small = (g: Generator) => Math.round(6 * g.uniform() - 3); // small integers: ties for comparisons

const TOLERANCE: { [K in GpuTolerance]: Tol } = { exact: EXACT, rounded: ROUNDED, transcendental: TRANSCENDENTAL };
const uniformOver = ([lo, hi]: readonly [number, number]) => (g: Generator) => lo + (hi - lo) * g.uniform();

/** Each unary op's inputs and tolerance, from its declaration (`test.draw`, else uniform over `test.smooth`). */
const UNARY_CASES = Object.fromEntries(UNARY_OPS.map((op) => {
  const t: OpTest = T.UNARY[op].test;
  return [op, { draw: t.draw ?? uniformOver(t.smooth), tol: TOLERANCE[t.gpu] }];
})) as { [K in UnaryOp]: Case };

/** Each binary op's inputs and tolerance, from its declaration. */
const BINARY_CASES = Object.fromEntries(BINARY_OPS.map((op) => {
  const t: BinaryDecl['test'] = T.BINARY[op].test;
  const pair = t.draw;
  return [op, {
    a: pair ? (g: Generator) => pair(g)[0] : uniformOver(t.smooth[0]),
    b: pair ? (g: Generator) => pair(g)[1] : uniformOver(t.smooth[1]),
    tol: TOLERANCE[t.gpu],
  }];
})) as { [K in BinaryOp]: { a: Case['draw']; b: Case['draw']; tol: Tol } };

// ---- inputs: a CPU base tensor and the view the op reads (the same view is taken on the device) ----

interface Input { base: Tensor; view: (t: Tensor) => Tensor }
type Layout = 'contiguous' | 'permuted' | 'sliced' | 'broadcast';
const LAYOUTS: readonly Layout[] = ['contiguous', 'permuted', 'sliced', 'broadcast'];

function randomTensor(g: Generator, shape: readonly number[], draw: Case['draw']): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return T.tensor(Float32Array.from({ length: n }, () => draw(g)), { shape });
}

/** An input of logical shape `shape` read through `layout`. */
function input(g: Generator, shape: readonly number[], draw: Case['draw'], layout: Layout): Input {
  const nd = shape.length;
  switch (layout) {
    case 'contiguous':
      return { base: randomTensor(g, shape, draw), view: (t) => t };
    case 'permuted': {
      const order = shape.map((_, i) => nd - 1 - i);
      return { base: randomTensor(g, order.map((d) => shape[d]!), draw), view: (t) => t.permute(order) };
    }
    case 'sliced': {
      // every other element of the last dim, skipping the first row of dim 0
      const bigger = shape.map((d, i) => (i === nd - 1 ? 2 * d + 1 : i === 0 ? d + 1 : d));
      const every2nd = (t: Tensor) => t.slice(-1, 1, 2 * shape[nd - 1]! + 1, 2);
      return { base: randomTensor(g, bigger, draw), view: nd > 1 ? (t) => every2nd(t).slice(0, 1) : every2nd };
    }
    case 'broadcast': {
      // dim 0 (and the last dim when rank > 1) stored once, read with stride 0
      const stored = shape.map((d, i) => (i === 0 || (nd > 1 && i === nd - 1) ? 1 : d));
      return { base: randomTensor(g, stored, draw), view: (t) => t.expand(shape) };
    }
  }
}

function randomShape(g: Generator, minRank = 1, maxRank = 4, maxDim = 6): number[] {
  const rank = minRank + g.int(maxRank - minRank + 1);
  return Array.from({ length: rank }, () => 1 + g.int(maxDim));
}

/** The device version of each input: its base uploaded once, the view taken on the device (zero copy). */
function onDevice(inputs: readonly Input[]): Tensor[] {
  return inputs.map(({ base, view }) => {
    const gb = base.to('gpu');
    const v = view(gb);
    expect(v.device).to.equal('gpu');
    expect(v.storage, 'a device view must share its base storage').to.equal(gb.storage);
    return v;
  });
}

/** Per-element bound: atol + rtol·|want|, or a full bound array. */
type Bound = Tol | TypedArray;

function compare(what: string, got: TypedArray, want: TypedArray, bound: Bound): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  let worst = -1, worstExcess = 0;
  let failures = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) { failures++; if (worst < 0) worst = i; }
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) { failures++; if (worst < 0) worst = i; }
      continue;
    }
    const limit = 'rtol' in bound ? bound.atol + bound.rtol * Math.abs(w) : bound[i]!;
    const excess = Math.abs(g - w) - limit;
    if (excess > 0) {
      failures++;
      if (excess > worstExcess || worst < 0) { worst = i; worstExcess = excess; }
    }
  }
  if (failures > 0) {
    const limit = 'rtol' in bound ? bound.atol + bound.rtol * Math.abs(want[worst]!) : bound[worst]!;
    expect.fail(`${what}: ${failures} of ${want.length} elements differ; worst at ${worst}: gpu ${got[worst]}, cpu ${want[worst]}, |diff| ${Math.abs(got[worst]! - want[worst]!)} > ${limit}`);
  }
}

/** Run `f` on the CPU inputs and on their device twins; compare within `bound` (computed from the CPU inputs). */
async function parity(what: string, inputs: readonly Input[], f: (...xs: Tensor[]) => Tensor, bound: Bound | ((...xs: Tensor[]) => Bound)): Promise<void> {
  const cpuIn = inputs.map(({ base, view }) => view(base));
  const want = f(...cpuIn);
  const got = f(...onDevice(inputs));
  expect(got.device, what).to.equal('gpu');
  expect(got.shape, `${what}: shape`).to.deep.equal(want.shape);
  // data() reads back in every mode (webgpu only reads asynchronously)
  compare(what, await got.data(), want.toTypedArray(), typeof bound === 'function' ? bound(...cpuIn) : bound);
}

/** 2·k·u·Σ|terms|: the float32 bound for a k-term sum whose |terms| sum (per output) is `absSum`. */
function sumBound(k: number, absSum: Tensor): Float32Array {
  return Float32Array.from(absSum.toTypedArray(), (s) => 2 * k * U * s + 1e-30);
}

// ---- modes ------------------------------------------------------------------------------------------

const INFO = gpuInfo();
const RAN: string[] = [];

describe('gpu parity', function () {
  this.timeout(120_000);

  before(() => {
    console.log(`      gpu.js modes available here: ${INFO.availableModes.join(', ') || 'none'}`);
    // webgpu is probed by its own suite (which says what it found); the browser-only modes are not candidates
    for (const [mode, why] of Object.entries(INFO.unavailable)) {
      if ((NODE_GPU_MODES as readonly string[]).includes(mode) && mode !== 'webgpu') console.log(`      not available: ${mode} (${why})`);
    }
    if (REQUIRED_GPU_MODES.length) console.log(`      required (PROPEL_REQUIRE_GPU_MODES): ${REQUIRED_GPU_MODES.join(', ')}`);
  });
  after(() => {
    console.log(`      gpu parity ran in modes: ${RAN.join(', ') || 'none'}`);
    setGpuMode('auto');
  });

  describeEachGpuMode(paritySuite);

  it('does not load gpu.js until a gpu tensor is used', function () {
    this.timeout(60_000);
    const script = `
      const T = require('@propel-ts/tensor');
      const loaded = () => Object.keys(require.cache).some((k) => /[\\\\/]gpu\\.js[\\\\/]/.test(k));
      T.tensor([1, 2, 3]).add(1).sum().item();
      if (loaded()) throw new Error('gpu.js was loaded by cpu-only code');
      T.tensor([1, 2, 3], { device: 'gpu' });
      if (!loaded()) throw new Error('gpu.js was not loaded by a gpu tensor');
      console.log('ok');`;
    const r = spawnSync(process.execPath, ['--conditions=@propel-ts/source', '-r', 'ts-node/register/transpile-only', '-e', script], { encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } });
    expect(r.stderr + r.stdout).to.contain('ok');
  });
});

function paritySuite(mode: GpuMode): void {
  let seed = 1000;
  const gen = () => new Generator(seed++);

  before(() => RAN.push(mode));

  describe('unary', () => {
    for (const op of UNARY_OPS) {
      it(`${op} on every layout`, async () => {
        const g = gen();
        for (const layout of LAYOUTS) {
          const shape = randomShape(g);
          await parity(`${op} ${layout} ${JSON.stringify(shape)}`, [input(g, shape, UNARY_CASES[op].draw, layout)], (x) => T[op](x), UNARY_CASES[op].tol);
        }
      });
    }
    it('a 1-D tensor wider than the texture side (40,000 elements)', async () => {
      const g = gen();
      await parity('exp 1-D', [input(g, [40_000], normal, 'sliced')], (x) => T.exp(x), TRANSCENDENTAL);
    });
    it('special values: NaN, ±Infinity, ±0', async () => {
      const special = Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 1, -1, 30, -30, 100, -100, 1e-30]);
      for (const op of UNARY_OPS) {
        const inp: Input = { base: T.tensor(special), view: (t) => t };
        await parity(`${op} special`, [inp], (x) => T[op](x), { rtol: 1e-5, atol: 1e-30 });
      }
    });
  });

  describe('binary', () => {
    for (const op of BINARY_OPS) {
      it(`${op} with broadcast, permuted and sliced operands`, async () => {
        const g = gen();
        const c = BINARY_CASES[op];
        const shape = randomShape(g, 2, 4);
        const combos: [Layout, Layout][] = [['contiguous', 'contiguous'], ['permuted', 'broadcast'], ['sliced', 'permuted'], ['broadcast', 'sliced']];
        for (const [la, lb] of combos) {
          await parity(`${op} ${la}/${lb} ${JSON.stringify(shape)}`, [input(g, shape, c.a, la), input(g, shape, c.b, lb)], (a, b) => T[op](a, b), c.tol);
        }
        // numpy-style broadcasting of a lower-rank operand, and a scalar
        const row = [shape[shape.length - 1]!];
        await parity(`${op} rank broadcast`, [input(g, shape, c.a, 'contiguous'), input(g, row, c.b, 'contiguous')], (a, b) => T[op](a, b), c.tol);
        await parity(`${op} scalar`, [input(g, shape, c.a, 'permuted')], (a) => T[op](a, 2), c.tol);
      });
    }
    it('special values: NaN propagation, infinities, signed zeros, pow outside its domain', async () => {
      const a = T.tensor([NaN, 1, NaN, -Infinity, Infinity, 0, 2, -2, 0, -0, -0, -Infinity, NaN, -Infinity, Infinity, -Infinity]);
      const b = T.tensor([1, NaN, NaN, 2, 3, -0, 0, 0.5, -1, -3, -2, 0.5, 0, 3, -2, -3]);
      for (const op of BINARY_OPS) {
        await parity(`${op} NaN`, [{ base: a, view: (t) => t }, { base: b, view: (t) => t }], (x, y) => T[op](x, y), EXACT);
      }
    });
  });

  it('where with broadcast condition', async () => {
    const g = gen();
    const shape = randomShape(g, 2, 4);
    await parity('where', [input(g, shape, small, 'broadcast'), input(g, shape, normal, 'permuted'), input(g, shape, normal, 'sliced')],
      (c, a, b) => T.where(c, a, b), EXACT);
  });

  describe('reduce', () => {
    for (const op of REDUCE_OPS) {
      it(`${op} over several axes of views`, async () => {
        const g = gen();
        const draw = op === 'prod' ? (gg: Generator) => 0.5 + gg.uniform() : normal;
        for (const layout of LAYOUTS) {
          const shape = randomShape(g, 3, 4);
          for (const axis of [undefined, 0, -1, [0, 2]] as const) {
            await parity(`${op} ${layout} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}`, [input(g, shape, draw, layout)],
              (x) => T[op](x, { axis }), (x) => reduceBound(op, x, axis));
          }
        }
      });
    }
    for (const op of REDUCE_OPS) {
      it(`${op} over 5,000 elements (past the 1,000-iteration cap), and 100,000 (two passes)`, async () => {
        const g = gen();
        const draw = op === 'prod' ? (gg: Generator) => 1 + 1e-4 * gg.normal() : normal;
        for (const n of [5000, 100_000]) {
          const base = randomTensor(g, [3, n], draw);
          await parity(`${op} n=${n}`, [{ base, view: (t) => t }], (x) => T[op](x, { axis: 1 }), (x) => reduceBound(op, x, 1));
          // strided: the long axis read with a stride (transposed base)
          const baseT = randomTensor(g, [n, 3], draw);
          await parity(`${op} n=${n} strided`, [{ base: baseT, view: (t) => t.T }], (x) => T[op](x, { axis: 1 }), (x) => reduceBound(op, x, 1));
        }
        // the extreme far past 1,000 must be found
        if (op === 'max' || op === 'min') {
          const data = new Float32Array(5000).fill(0);
          data[4321] = op === 'max' ? 7 : -7;
          const y = T[op](T.tensor(data, { device: 'gpu' }));
          expect((await y.data())[0]).to.equal(data[4321]);
        }
      });
    }
    it('sum over 5,000 ones is exactly 5,000', async () => {
      expect(await T.sum(T.ones([5000], { device: 'gpu' })).array()).to.equal(5000);
      expect(await T.sum(T.ones([2, 5000], { device: 'gpu' }), { axis: 1 }).array()).to.deep.equal([5000, 5000]);
    });
  });

  describe('argReduce', () => {
    for (const op of ARG_REDUCE_OPS) {
      it(`${op} along each axis of views, and over 5,000 elements`, async () => {
        const g = gen();
        for (const layout of LAYOUTS) {
          const shape = randomShape(g, 2, 4);
          for (let axis = 0; axis < shape.length; axis++) {
            await parity(`${op} ${layout} ${JSON.stringify(shape)} axis ${axis}`, [input(g, shape, small, layout)], (x) => T[op](x, { axis }), EXACT);
          }
          await parity(`${op} ${layout} flat`, [input(g, shape, normal, layout)], (x) => T[op](x), EXACT);
        }
        const data = Float32Array.from({ length: 5000 }, () => g.normal());
        data[4321] = op === 'argmax' ? 9 : -9;
        expect(await T[op](T.tensor(data, { device: 'gpu' })).array()).to.equal(4321);
        const nan = Float32Array.from([1, 5, NaN, 7, NaN]);
        await parity(`${op} NaN`, [{ base: T.tensor(nan), view: (t) => t }], (x) => T[op](x), EXACT);
      });
    }
  });

  describe('matmul', () => {
    const matmulBound = (a: Tensor, b: Tensor) => sumBound(a.shape[a.ndim - 1]!, T.matmul(T.abs(a), T.abs(b)));
    it('batched, with a broadcast (stride-0) batch and transposed operands', async () => {
      const g = gen();
      await parity('matmul batch-broadcast', [input(g, [2, 3, 5, 4], normal, 'contiguous'), input(g, [4, 6], normal, 'contiguous')], (a, b) => T.matmul(a, b), matmulBound);
      await parity('matmul permuted', [input(g, [7, 5], normal, 'permuted'), input(g, [5, 3], normal, 'permuted')], (a, b) => T.matmul(a, b), matmulBound);
      await parity('matmul sliced/broadcast', [input(g, [3, 4, 6], normal, 'sliced'), input(g, [3, 6, 2], normal, 'broadcast')], (a, b) => T.matmul(a, b), matmulBound);
      await parity('matmul vector', [input(g, [9], normal, 'sliced'), input(g, [9, 4], normal, 'permuted')], (a, b) => T.matmul(a, b), matmulBound);
    });
    it('K = 1,500 (past the 1,000-iteration cap)', async () => {
      const g = gen();
      await parity('matmul K=1500', [input(g, [3, 7, 1500], normal, 'contiguous'), input(g, [1500, 5], normal, 'permuted')], (a, b) => T.matmul(a, b), matmulBound);
      const ones = T.matmul(T.ones([2, 1500], { device: 'gpu' }), T.ones([1500, 3], { device: 'gpu' }));
      expect(await ones.array()).to.deep.equal([[1500, 1500, 1500], [1500, 1500, 1500]]);
    });
  });

  describe('data movement', () => {
    it('copy and contiguous() of every layout; full with special values', async () => {
      const g = gen();
      for (const layout of LAYOUTS) {
        const shape = randomShape(g);
        await parity(`copy ${layout}`, [input(g, shape, normal, layout)], (x) => T.copy(x), EXACT);
        await parity(`contiguous ${layout}`, [input(g, shape, normal, layout)], (x) => x.contiguous(), EXACT);
      }
      for (const v of [0, -2.5, Infinity, -Infinity, NaN]) {
        compare(`full ${v}`, await T.full([3, 4], v, { device: 'gpu' }).data(), T.full([3, 4], v).toTypedArray(), EXACT);
      }
    });
    it('concat of views along each axis, and of many inputs', async () => {
      const g = gen();
      const shape = [4, 3, 5];
      for (let axis = 0; axis < 3; axis++) {
        const inputs = (['permuted', 'sliced', 'broadcast', 'contiguous'] as const).map((l, i) => {
          const s = shape.slice();
          s[axis] = 1 + i;
          return input(g, s, normal, l);
        });
        await parity(`concat axis ${axis}`, inputs, (...xs) => T.concat(xs, axis), EXACT);
      }
      const many = Array.from({ length: 19 }, (_, i) => input(g, [2, 1 + (i % 3)], normal, i % 2 ? 'sliced' : 'contiguous'));
      await parity('concat 19 inputs', many, (...xs) => T.concat(xs, 1), EXACT);
      await parity('stack', [input(g, [3, 4], normal, 'permuted'), input(g, [3, 4], normal, 'sliced')], (a, b) => T.stack([a, b], 1), EXACT);
    });
    it('gather and indexSelect with strided inputs and indices', async () => {
      const g = gen();
      const x = input(g, [4, 6, 5], normal, 'sliced');
      for (let axis = 0; axis < 3; axis++) {
        const n = [4, 6, 5][axis]!;
        const ishape = [3, 4, 2];
        ishape[axis] = 7;
        const index = input(g, ishape, (gg) => gg.int(n), 'permuted');
        await parity(`gather axis ${axis}`, [x, index], (a, i) => T.gather(a, axis, i), EXACT);
      }
      const idx = input(g, [5], (gg) => gg.int(6), 'contiguous');
      await parity('indexSelect', [input(g, [4, 6], normal, 'permuted'), idx], (a, i) => T.indexSelect(a, 1, i), EXACT);
    });
    it('scatterAdd, including 1,500 sources per output (past the 1,000-iteration cap)', async () => {
      const g = gen();
      const scatterBound = (i: Tensor, s: Tensor, shape: number[], axis: number) => sumBound(i.shape[axis]!, T.scatterAdd(shape, axis, i, T.abs(s)));
      for (const axis of [0, 1]) {
        const shape = [5, 4];
        const ishape = axis === 0 ? [6, 3] : [4, 7];
        const index = input(g, ishape, (gg) => gg.int(shape[axis]!), 'permuted');
        const src = input(g, ishape, normal, 'sliced');
        await parity(`scatterAdd axis ${axis}`, [index, src], (i, s) => T.scatterAdd(shape, axis, i, s), (i, s) => scatterBound(i!, s!, shape, axis));
      }
      const index = input(g, [1500, 4], (gg) => gg.int(5), 'contiguous');
      const src = input(g, [1500, 4], normal, 'permuted');
      await parity('scatterAdd J=1500', [index, src], (i, s) => T.scatterAdd([5, 4], 0, i, s), (i, s) => scatterBound(i!, s!, [5, 4], 0));
      const counts = T.scatterAdd([5], 0, T.tensor(new Float32Array(1500).fill(3), { device: 'gpu' }), T.ones([1500], { device: 'gpu' }));
      expect(await counts.array()).to.deep.equal([0, 0, 0, 1500, 0]);
    });
    it('round-trips through to(): views upload as contiguous copies', async () => {
      const g = gen();
      const base = randomTensor(g, [3, 4, 5], normal);
      const v = base.permute(2, 0, 1).slice(1, 0, 3, 2);
      compare('to gpu', await v.to('gpu').data(), v.toTypedArray(), EXACT);
      const back = base.to('gpu').permute(2, 0, 1).slice(1, 0, 3, 2);
      if (gpuInfo().syncReadback) compare('to cpu', back.to('cpu').toTypedArray(), v.toTypedArray(), EXACT);
      else expect(() => back.to('cpu')).to.throw(/^to: a 'gpu' tensor in gpu\.js mode 'webgpu' can only be read asynchronously .* expected `await t\.data\(\)`/);
      compare('to cpu (async)', await back.data(), v.toTypedArray(), EXACT);
      expect(await back.array()).to.deep.equal(v.toArray());
    });
    it('synchronous readers work, or (webgpu) fail naming the call and the asynchronous way', async () => {
      const t = T.tensor([[1.5, -2], [3, 4]], { device: 'gpu' });
      const s = T.sum(t);
      if (gpuInfo().syncReadback) {
        expect(s.item()).to.equal(6.5);
        expect(t.toArray()).to.deep.equal([[1.5, -2], [3, 4]]);
        expect(String(t)).to.equal(String(T.tensor([[1.5, -2], [3, 4]])).replace(/\)$/, ", device='gpu')"));
        return;
      }
      const asyncOnly = (call: string) => new RegExp(`^${call}: a 'gpu' tensor in gpu\\.js mode 'webgpu' can only be read asynchronously \\(WebGPU maps buffers with mapAsync\\), expected \`await t\\.data\\(\\)\` or \`await t\\.array\\(\\)\`$`);
      expect(() => s.item()).to.throw(asyncOnly('item'));
      expect(() => t.toArray()).to.throw(asyncOnly('toArray'));
      expect(() => t.toTypedArray()).to.throw(asyncOnly('toTypedArray'));
      expect(() => t.to('cpu')).to.throw(asyncOnly('to'));
      expect(String(t)).to.equal("tensor(<4 values on the device: read with await t.data()>, shape=[2, 2], device='gpu')");
      expect(await s.array()).to.equal(6.5);
    });
  });

  describe('device residency and guard rails', () => {
    it('a chain of ops reads back once, at the end', async () => {
      const g = gen();
      const xc = randomTensor(g, [64, 33], normal);
      const x = xc.to('gpu');
      const before = gpuInfo().readbacks;
      let y = x.T;
      for (let i = 0; i < 10; i++) y = T.add(T.mul(T.tanh(y), 0.5), 0.25);
      const s = T.sum(T.matmul(y, x), { axis: 0 });
      expect(gpuInfo().readbacks, 'no readback while chaining').to.equal(before);
      expect(s.storage).to.be.instanceOf(GpuStorage);
      const host = await s.data();
      expect(gpuInfo().readbacks).to.equal(before + 1);
      let yc = xc.T;
      for (let i = 0; i < 10; i++) yc = T.add(T.mul(T.tanh(yc), 0.5), 0.25);
      const want = T.sum(T.matmul(yc, xc), { axis: 0 });
      compare('chain', host, want.toTypedArray(), sumBound(64 * 33, T.sum(T.matmul(T.abs(yc), T.abs(xc)), { axis: 0 })));
    });
    it('rejects tensors larger than the device can index, naming the op', async () => {
      const limit = gpuInfo().maxElements!;
      expect(() => T.zeros([limit + 1], { device: 'gpu' })).to.throw(/full: output of \d+ elements \(shape \[\d+\]\) is too large for gpu\.js mode/);
    });
    it('runGpuKernel: a custom kernel over a strided view, a loop past 1,000 iterations, clear errors', async () => {
      const g = gen();
      const base = randomTensor(g, [1200, 3], normal);
      const view = base.to('gpu').T; // [3, 1200], strides [1, 3]
      // y[r] = scale * sum_k x[r, k]: the kernel reads the view in place through its strides
      const [s0, s1] = view.strides as [number, number];
      const call = (scale: number) => T.runGpuKernel({
        name: 'rowSumScaled', output: [3], inputs: [view], scalars: [scale], loopBound: 1200,
        source: `function(x0, o0, scale) {\n  let acc = 0;\n  for (let k = 0; k < 1200; k++) { acc = acc + x0[o0 + this.thread.x * ${s0} + k * ${s1}]; }\n  return acc * scale;\n}`,
      });
      const compiled = gpuInfo().kernelsCompiled;
      const y = call(2);
      const want = T.mul(T.sum(base.T, { axis: 1 }), 2);
      compare('runGpuKernel', await y.data(), want.toTypedArray(), sumBound(1200, T.mul(T.sum(T.abs(base.T), { axis: 1 }), 2)));
      expect(y.storage).to.be.instanceOf(GpuStorage);
      call(3);
      expect(gpuInfo().kernelsCompiled, 'a new scalar reuses the compiled kernel').to.equal(compiled + 1);
      expect(() => T.runGpuKernel({ name: 'k', output: [1], inputs: [base], loopBound: 1, source: 'function(x0, o0) { return 0; }' }))
        .to.throw(/k: input 0 must be a 'gpu' tensor, got device 'cpu'/);
      expect(() => T.runGpuKernel({ name: 'k', output: [1], inputs: [], loopBound: 1.5, source: 'function() { return 0; }' }))
        .to.throw(/loopBound must be a non-negative integer/);
      // a kernel gpu.js cannot translate: an error naming the kernel, at the call, or in webgpu (which
      // compiles asynchronously) when its result is read
      const broken = () => T.runGpuKernel({ name: 'broken', output: [2], inputs: [view], loopBound: 1, source: 'function(x0, o0) { return noSuchFunction(x0[o0]); }' });
      const brokenError = new RegExp(`^broken: gpu\\.js mode '${mode}' failed to run the kernel: .+`, 's');
      if (gpuInfo().syncReadback) expect(broken).to.throw(brokenError);
      else {
        const y2 = T.exp(broken());      // an op on the failed result fails with the same error
        let error: unknown;
        await y2.data().catch((e: unknown) => { error = e; });
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.match(brokenError);
      }
    });
    it('float64 on gpu is a clear error', async () => {
      expect(() => T.tensor([1], { dtype: 'float64', device: 'gpu' })).to.throw(/float64 is not supported on 'gpu'/);
    });
    it('gpu.js ran every kernel in this mode (no silent fallback)', async () => {
      expect(gpuInfo().fallbacks.filter((f) => f.startsWith(`${mode}|`))).to.deep.equal([]);
    });
  });
}

/** The bound for reduce `op` of `x` over `axis` (see the header). */
function reduceBound(op: ReduceOp, x: Tensor, axis: number | readonly number[] | undefined): Bound {
  const axes = axis === undefined ? x.shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + x.ndim : a));
  const k = axes.reduce((s, a) => s * x.shape[a]!, 1);
  if (op === 'sum') return sumBound(k, T.sum(T.abs(x), { axis }));
  if (op === 'prod') return { rtol: 2 * k * U, atol: 0 };
  return EXACT;
}
