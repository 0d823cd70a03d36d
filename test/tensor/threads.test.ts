// The CPU backend's threads (packages/tensor/src/backends/cpu/threads.ts, through '@propel-ts/tensor/node'):
// a large product is split by rows over worker threads, and the result is bit-identical whatever the thread
// count — matmul of plain, transposed, sliced and batched operands in float32 and float64, and the gradients
// of a training step. The oracle for the values themselves is the single-threaded gemm (checked against a
// naive triple loop in gemm.test.ts).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor/node';
import * as A from '@propel-ts/autograd';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Use `n` threads, once every worker has started (until then products stay on the calling thread). */
async function threads(n: number): Promise<void> {
  T.setNumThreads(n);
  for (let i = 0; i < 500 && T.cpuInfo().ready < T.cpuInfo().workers; i++) await sleep(10);
  expect(T.cpuInfo().ready, 'workers started').to.equal(n - 1);
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).to.equal(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect.fail(`${what}: element ${i} is ${b[i]}, but ${a[i]} with one thread`);
  }
}

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
      await threads(1);
      const one = T.matmul(a, b).toTypedArray();
      for (const n of [2, 3, 4]) {
        await threads(n);
        const before = T.cpuInfo().parallelProducts;
        sameBits(one, T.matmul(a, b).toTypedArray(), `${n} threads`);
        expect(T.cpuInfo().parallelProducts, 'the product ran on the threads').to.be.above(before);
      }
    });
  }

  it("a training step's gradients (matmul's forward and both backward products) are bit-identical on 1 and 3 threads", async () => {
    const grads = async (n: number) => {
      await threads(n);
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
    await threads(2);
    const before = T.cpuInfo().parallelProducts;
    T.matmul(T.rand([64, 64]), T.rand([64, 64]));
    const info = T.cpuInfo();
    expect(info.parallelProducts, 'a 64³ product stays on the calling thread').to.equal(before);
    expect(info).to.include({ threads: 2, workers: 1, ready: 1, reason: null });
    expect(info.parallelMinWork).to.equal(2 ** 22);
    expect(info.cores).to.be.at.least(1);
    await threads(1);
    expect(T.cpuInfo()).to.include({ threads: 1, workers: 0, reason: 'one thread requested' });
  });

  it('setNumThreads refuses what it cannot do, naming the argument', () => {
    for (const bad of [0, 1.5, 33, NaN, '2' as unknown as number]) expect(() => T.setNumThreads(bad)).to.throw(/setNumThreads: n got .*, expected an integer from 1 to 32/);
  });
});
