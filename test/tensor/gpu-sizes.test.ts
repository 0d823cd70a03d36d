// Size guards on 'gpu' (issue 13, item 4, device part), in every gpu.js mode available here (modes set up as
// in gpu-parity.test.ts). A result larger than the mode can hold and index (gpuInfo().maxElements: 2^24 for
// float32 indexing, and the texture or buffer limit), or a kernel loop longer than the device runs
// (gpuInfo().maxLoop: 2^24 for float32 loop counters, 65,535 on Mesa's llvmpipe, found by the mode's probe),
// is refused before any work with a TensorError naming the op, the shape and the limit; these used to give
// wrong numbers silently (llvmpipe cut the loop), hang (webasm's float32 counter) or crash. Just at the
// limits the kernels compute exactly, which is what proves the limits right.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { gpuInfo, setGpuMode, type GpuMode } from '@propel-ts/tensor';
import { describeEachGpuMode } from '../helpers/webgpu';


/** A broadcast view of ones of `shape` on 'gpu' (one stored element). */
const ones = (shape: number[]) => T.ones(shape.map(() => 1), { device: 'gpu' }).expand(shape);

/** The TensorError `run` throws, checked to name every part of `texts` (and to come within 100 ms, if `timed`). */
function refused(run: () => unknown, texts: readonly string[], timed = true): void {
  const t0 = Date.now();
  let caught: unknown;
  try { run(); } catch (e) { caught = e; }
  if (timed) expect(Date.now() - t0, 'refused within 100 ms').to.be.below(100);
  expect(caught, texts[0]).to.be.instanceOf(T.TensorError);
  for (const text of texts) expect((caught as Error).message).to.include(text);
}

describe("size guards on 'gpu': refused before any work, naming the op, the shape and the limit", function () {
  this.timeout(120_000);
  after(() => setGpuMode('auto'));

  describeEachGpuMode(sizeSuite);
});

function sizeSuite(mode: GpuMode): void {
  it('reports its limits: at most 2^24 elements and 2^24 loop iterations', () => {
    const { maxElements, maxLoop } = gpuInfo();
    console.log(`      ${mode}: maxElements ${maxElements}, maxLoop ${maxLoop}`);
    expect(gpuInfo().mode).to.equal(mode);
    expect(maxElements).to.be.within(1, 2 ** 24);
    // the chunked reductions loop over 4,096 elements at a time
    expect(maxLoop).to.be.within(4096, 2 ** 24);
  });

  it('a result one element over maxElements is refused: fill, elementwise, matmul, upload', () => {
    const limit = gpuInfo().maxElements!;
    const over = limit + 1;
    const cols = 4096, rows = Math.floor(limit / cols) + 1; // a 2-D shape just over the limit
    const where = `gpu.js mode '${mode}': at most ${limit}`;
    refused(() => T.zeros([over], { device: 'gpu' }), [`full: output of ${over} elements (shape [${over}])`, where]);
    const [big, left, right] = [ones([rows, cols]), ones([rows, 1]), ones([1, cols])];
    refused(() => T.exp(big), [`exp: output of ${rows * cols} elements (shape [${rows},${cols}])`, where]);
    refused(() => T.matmul(left, right), [`matmul: output of ${rows * cols} elements (shape [${rows},${cols}])`, where]);
    // (not timed: tensor() copies the 64 MB array on the host before the upload is refused)
    const host = new Float32Array(over);
    refused(() => T.tensor(host, { device: 'gpu' }), [`to: output of ${over} elements (shape [${over}])`, where], false);
  });

  it('a result of exactly maxElements is computed, its last elements indexed exactly', async () => {
    const limit = gpuInfo().maxElements!;
    const x = T.tensor(Float32Array.from({ length: limit }, (_, i) => i), { device: 'gpu' });
    const y = T.add(x, 1); // one kernel over every index, then the tail read through an offset view
    expect(Array.from(await y.slice(0, limit - 3).data())).to.deep.equal([limit - 2, limit - 1, limit]);
  });

  it('a kernel loop one iteration over maxLoop is refused: argmax, scatterAdd, matmul', () => {
    const maxLoop = gpuInfo().maxLoop!;
    const n = maxLoop + 1;
    const why = maxLoop < 2 ** 24 ? 'this device stops longer loops early' : 'loop counters are float32';
    const text = (op: string, shape: string) => [`${op}: a loop of ${n} iterations (output shape ${shape})`, `at most ${maxLoop} (${why})`];
    // the inputs are made first: only the refusal is timed (making them compiles a fill kernel, which a
    // loaded machine may take more than 100 ms for)
    const [row, col, index] = [ones([1, n]), ones([n, 1]), T.zeros([1], { device: 'gpu' }).expand([n])];
    const flat = ones([n]);
    refused(() => T.argmax(flat), text('argmax', '[]'));
    refused(() => T.scatterAdd([1], 0, index, flat), text('scatterAdd', '[1]'));
    // webasm and cpu run matmul with the CPU backend's gemm, which has no kernel loop
    if (mode !== 'webasm' && mode !== 'cpu') refused(() => T.matmul(row, col), text('matmul', '[1,1]'));
  });

  it('a loop of exactly maxLoop iterations runs every one of them', async () => {
    const maxLoop = gpuInfo().maxLoop!;
    // one output element sums maxLoop sources: exact in float32 up to 2^24
    const y = T.scatterAdd([1], 0, T.zeros([1], { device: 'gpu' }).expand([maxLoop]), ones([maxLoop]));
    expect(Array.from(await y.data())).to.deep.equal([maxLoop]);
  });

  it('a reduction over several axes longer than maxLoop runs one axis at a time, not refused', async () => {
    const n = 70_000;
    // [n, 3] with strides [1, n]: two reduced runs that do not merge, each element its own index
    const x = T.arange(0, 3 * n, 1, { device: 'gpu' }).reshape([3, n]).T;
    const got = (await T.sum(x).data())[0]!;
    const exact = (3 * n - 1) * 3 * n / 2;
    // float32 partial sums: within 2·k·u·Σ|x| of the exact integer sum
    expect(Math.abs(got - exact)).to.be.at.most(2 * 3 * n * 2 ** -24 * exact);
    expect(Array.from(await T.max(x).data())).to.deep.equal([3 * n - 1]);
  });
}
