// The CPU backend's threads (packages/tensor/src/backends/cpu/threads.ts, through '@propel-ts/tensor/node'):
// a large product is split by rows over worker threads, and the result is bit-identical whatever the thread
// count — matmul of plain, transposed, sliced and batched operands in float32 and float64, the gradients
// of a training step, and the elementwise ops marked for threads in their declarations. The oracle for the values themselves is the single-threaded gemm (checked against a
// naive triple loop in gemm.test.ts).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor/node';
import * as A from '@propel-ts/autograd';
import { BINARY, BINARY_OPS, UNARY, UNARY_OPS, type BinaryOp, type UnaryOp } from '@propel-ts/tensor';
import { parallelMap } from '@propel-ts/tensor/internal/backends/cpu/parallel-map';
import { mulberry32 } from '../helpers/naive';
import { sameBits, useThreads } from '../helpers/threads';

describe(`cpu threads: large products split over worker threads, bit-identical whatever the count, with the '${T.cpuInfo().gemm}' tile`, function () {
  this.timeout(120_000);
  after(() => T.setNumThreads(1));

  const cases: [string, () => [T.Tensor, T.Tensor]][] = [
    ['float32 [517, 300] @ [300, 211] (rows not a multiple of the tile)', () => [T.rand([517, 300], { seed: 1 }), T.rand([300, 211], { seed: 2 })]],
    ['float64 [400, 256] @ [256, 390]', () => [T.randn([400, 256], { seed: 3, dtype: 'float64' }), T.randn([256, 390], { seed: 4, dtype: 'float64' })]],
    ['float32 transposed A: [300, 640]ᵀ @ [300, 128]', () => [T.randn([300, 640], { seed: 5 }).transpose(), T.randn([300, 128], { seed: 6 })]],
    ['float32 sliced B (every other column): [256, 512] @ [512, 600][:, ::2]', () => [T.randn([256, 512], { seed: 7 }), T.randn([512, 600], { seed: 8 }).slice(1, 0, 600, 2)]],
    ['float32 batched [3, 200, 160] @ [160, 400]', () => [T.randn([3, 200, 160], { seed: 9 }), T.randn([160, 400], { seed: 10 })]],
  ];

  for (const [name, make] of cases) {
    it(name, async () => {
      const [a, b] = make();
      await useThreads(1);
      const one = T.matmul(a, b).toTypedArray();
      for (const n of [2, 3, 4]) {
        await useThreads(n);
        const before = T.cpuInfo().parallelProducts;
        sameBits(one, T.matmul(a, b).toTypedArray(), `${n} threads`);
        expect(T.cpuInfo().parallelProducts, 'the product ran on the threads').to.be.above(before);
      }
    });
  }

  it("a training step's gradients (matmul's forward and both backward products) are bit-identical on 1 and 3 threads", async () => {
    const grads = async (n: number) => {
      await useThreads(n);
      const model = new A.nn.MLP([64, 512, 512, 16], { seed: 0 });
      A.mseLoss(model.forward(T.randn([512, 64], { seed: 1 })), T.randn([512, 16], { seed: 2 })).backward();
      return model.parameters().map((p) => p.grad!.toTypedArray());
    };
    const one = await grads(1);
    const before = T.cpuInfo().parallelProducts;
    const three = await grads(3);
    expect(T.cpuInfo().parallelProducts - before, 'forward and backward products on the threads').to.be.at.least(3);
    one.forEach((g, i) => sameBits(g, three[i]!, `parameter ${i}'s gradient`));
  });

  it('small products stay on the calling thread, and cpuInfo says how it runs', async () => {
    await useThreads(2);
    const before = T.cpuInfo().parallelProducts;
    T.matmul(T.rand([64, 64]), T.rand([64, 64]));
    const info = T.cpuInfo();
    expect(info.parallelProducts, 'a 64³ product stays on the calling thread').to.equal(before);
    expect(info).to.include({ threads: 2, workers: 1, ready: 1, reason: null });
    expect(info.parallelMinWork).to.equal(2 ** 22);
    expect(info.parallelMinElements).to.equal(2 ** 17);
    expect(info.parallelMinElementsAny).to.equal(2 ** 19);
    expect(info.cores).to.be.at.least(1);
    await useThreads(1);
    expect(T.cpuInfo()).to.include({ threads: 1, workers: 0, reason: 'one thread requested' });
  });

  // the elementwise ops marked `threads: true` in their declarations: each one's large inputs (dense, and a
  // broadcast scalar for binary ops) run over the threads, with the bits of one thread, in both dtypes
  const threaded = {
    unary: UNARY_OPS.filter((op) => (UNARY[op] as { threads?: boolean }).threads === true),
    binary: BINARY_OPS.filter((op) => (BINARY[op] as { threads?: boolean }).threads === true),
  };
  /** 2^17 + 37 values (or n): normal draws times a spread of scales, with the special values among them. */
  const draws = (seed: number, dtype: T.DType, n = 2 ** 17 + 37) => {
    const r = mulberry32(seed);
    const v = Array.from({ length: n }, () => (r() * 2 - 1) * 10 ** Math.floor(r() * 6 - 2));
    [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5].forEach((x, i) => { v[i * 9973] = x; });
    return T.tensor(v, { dtype });
  };

  /**
   * Every op of `ops` on `n` draws (x op w, x op scalar and scalar op x for a binary op) on each thread count of
   * `counts`: all of them split over the threads, each bit-identical to one thread, in both dtypes.
   */
  async function sameOnThreads(ops: { unary: readonly UnaryOp[]; binary: readonly BinaryOp[] }, n: number, counts: readonly number[]) {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = draws(1, dtype, n), w = draws(2, dtype, n), s = T.tensor(1.7, { dtype });
      const run = () => [
        ...ops.unary.map((op) => [op, T[op](x)] as const),
        ...ops.binary.flatMap((op) => [[op, T[op](x, w)], [`${op}(x, scalar)`, T[op](x, s)], [`${op}(scalar, x)`, T[op](s, x)]] as const),
      ].map(([op, y]) => [op, y.toTypedArray()] as const);
      await useThreads(1);
      const one = run();
      for (const c of counts) {
        await useThreads(c);
        const before = T.cpuInfo().parallelElementwise;
        const many = run();
        expect(T.cpuInfo().parallelElementwise - before, `${dtype}: every one ran on the threads`).to.equal(one.length);
        one.forEach(([op, y], i) => sameBits(y, many[i]![1], `${dtype} ${op} on ${c} threads`));
      }
    }
  }

  it(`elementwise ops marked for threads (${threaded.unary.length} unary, ${threaded.binary.length} binary) run on them, bit-identical to one thread`, async () => {
    expect(threaded.unary, 'the transcendental unary ops').to.include.members(['exp', 'log', 'tanh', 'sigmoid', 'erf', 'sin', 'atan']);
    expect(threaded.binary).to.include.members(['pow', 'atan2']);
    await sameOnThreads(threaded, 2 ** 17 + 37, [2, 3]);
  });

  it('every other elementwise op (add, mul, neg, comparisons, ...) runs on the threads from 2^19 elements, bit-identical to one thread', async () => {
    const others = {
      unary: UNARY_OPS.filter((op) => !threaded.unary.includes(op)),
      binary: BINARY_OPS.filter((op) => !threaded.binary.includes(op)),
    };
    expect(others.binary, 'the cheap binary ops').to.include.members(['add', 'sub', 'mul', 'div']);
    await sameOnThreads(others, 2 ** 19 + 37, [2]);
  });

  it('elementwise views (an offset, a stride of 2, a broadcast second operand) on the threads: the bits of one thread, and of the naive map', async () => {
    const base = draws(3, 'float32'), long = T.randn([2 ** 19 + 5], { seed: 11 }), w = T.tensor(0.75);
    const views: [string, () => T.Tensor, (i: number) => number][] = [
      ['exp of an offset slice', () => T.exp(base.slice(0, 5, 2 ** 17 + 37)), (i) => Math.exp(base.toTypedArray()[i + 5]!)],
      ['tanh of every other element', () => T.tanh(long.slice(0, 1, 2 ** 19 + 5, 2)), (i) => Math.tanh(long.toTypedArray()[1 + 2 * i]!)],
      ['pow(view, scalar)', () => T.pow(long.slice(0, 3, 2 ** 19), w), (i) => long.toTypedArray()[i + 3]! ** 0.75],
    ];
    await useThreads(1);
    const one = views.map(([, f]) => f().toTypedArray());
    await useThreads(3);
    const before = T.cpuInfo().parallelElementwise;
    views.forEach(([what, f, naive], v) => {
      const got = f().toTypedArray();
      sameBits(one[v]!, got, `${what} on 3 threads`);
      // the calling thread's part, the first worker's and the last element, against Math (float32: within 1e-6 relative)
      for (const i of [0, Math.floor(got.length / 2), got.length - 1]) {
        const want = naive(i);
        if (Number.isNaN(want)) expect(got[i], `${what}[${i}]`).to.be.NaN;
        else expect(got[i], `${what}[${i}]`).to.be.closeTo(want, 1e-6 * Math.max(1, Math.abs(want)));
      }
    });
    expect(T.cpuInfo().parallelElementwise - before, 'each ran on the threads').to.equal(views.length);
  });

  it('small, strided and unmarked elementwise ops stay on the calling thread', async () => {
    await useThreads(2);
    const before = T.cpuInfo().parallelElementwise;
    const big = T.randn([512, 512], { seed: 3 });
    T.exp(T.randn([2 ** 17 - 1], { seed: 4 })); // one element short
    T.add(big, big); // not marked, and under 2^19 elements: copying costs what the op does
    T.exp(big.transpose()); // not one row
    expect(T.cpuInfo().parallelElementwise).to.equal(before);
    T.exp(big);
    expect(T.cpuInfo().parallelElementwise).to.equal(before + 1);
  });

  it('a row loop that refers to something outside itself stays on the calling thread (its text alone would not run)', async () => {
    await useThreads(2);
    const scale = 3;
    const kernel = (x: Float32Array, xo: number, xs: number, y: Float32Array, yo: number, n: number) => {
      for (let i = 0; i < n; i++) y[yo + i] = x[xo + i * xs]! * scale;
    };
    const n = 2 ** 17, x = new Float32Array(n).fill(2), y = new Float32Array(n);
    expect(parallelMap(kernel as never, [{ data: x, off: 0, stride: 1 }], y, n)).to.equal(false);
    expect(y[0], 'nothing written').to.equal(0);
    const own = (x: Float32Array, xo: number, xs: number, y: Float32Array, yo: number, n: number) => {
      for (let i = 0; i < n; i++) y[yo + i] = x[xo + i * xs]! * 3;
    };
    expect(parallelMap(own as never, [{ data: x, off: 0, stride: 1 }], y, n)).to.equal(true);
    expect(y[0]).to.equal(6);
    expect(y[n - 1]).to.equal(6);
  });

  it('setNumThreads refuses what it cannot do, naming the argument', () => {
    for (const bad of [0, 1.5, 33, NaN, '2' as unknown as number]) expect(() => T.setNumThreads(bad)).to.throw(/setNumThreads: n got .*, expected an integer from 1 to 32/);
  });
});
