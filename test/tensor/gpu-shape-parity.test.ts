// GPU parity of the shape ops (flip, roll, pad, tile, triu, tril, oneHot): on 'gpu', in every gpu.js
// mode available here (the modes set up as in gpu-parity.test.ts), each op gives exactly the CPU's
// result (they only move values, so there is no rounding to allow for), on inputs read through device
// views (permuted, sliced with a step, broadcast) that stay zero-copy, without reading anything back
// from the device (webgpu can only read back asynchronously) and without a gpu.js fallback.
//
// Modes: `PROPEL_REQUIRE_GPU_MODES=webasm,headlessgl` turns a missing mode into a failure instead of a
// skip. headlessgl needs a display: `xvfb-run -a -s "-screen 0 1x1x24" npx mocha test/tensor/gpu-shape-parity.test.ts`.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { Generator, gpuInfo, setGpuMode, Tensor, type GpuMode, type TypedArray } from '@propel-ts/tensor';
import { describeEachGpuMode } from '../helpers/webgpu';
import { layoutInput, LAYOUTS, type Input, type Layout } from '../helpers/layouts';


// ---- inputs: a CPU base tensor and the view the op reads (the same view is taken on the device) ----


/** Values with NaN and ±inf among them: data movement must carry them through unchanged. */
function values(g: Generator, n: number): Float32Array {
  const special = [NaN, Infinity, -Infinity, -0];
  return Float32Array.from({ length: n }, () => (g.uniform() < 0.1 ? special[g.int(special.length)]! : Math.round(20 * g.normal()) / 4));
}

function input(g: Generator, shape: readonly number[], layout: Layout): Input {
  return layoutInput(shape, layout, (s) => T.tensor(values(g, s.reduce((a, b) => a * b, 1)), { shape: s }));
}

/** NaN matches NaN; everything else must be identical (-0 and 0 are equal, as in the CPU's copy). */
function compare(what: string, got: TypedArray, want: TypedArray): void {
  expect(got.length, `${what}: length`).to.equal(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!(g === w || (Number.isNaN(g) && Number.isNaN(w)))) expect.fail(`${what}: element ${i} is ${g} on 'gpu', ${w} on 'cpu'`);
  }
}

/** `f` on the CPU view and on its device twin: same shape, same values, no readback while computing. */
async function parity(what: string, x: Input, f: (t: Tensor) => Tensor): Promise<void> {
  const want = f(x.view(x.base));
  const gb = x.base.to('gpu');
  const dv = x.view(gb);
  expect(dv.storage, `${what}: the device view shares its base's storage`).to.equal(gb.storage);
  const before = gpuInfo().readbacks;
  const got = f(dv);
  expect(gpuInfo().readbacks, `${what}: no readback while computing`).to.equal(before);
  expect(got.device, what).to.equal('gpu');
  expect(got.dtype, what).to.equal('float32');
  expect(got.shape, `${what}: shape`).to.deep.equal(want.shape);
  compare(what, await got.data(), want.toTypedArray());
}

describe('gpu parity of the shape ops', function () {
  this.timeout(120_000);
  after(() => setGpuMode('auto'));

  describeEachGpuMode(suite);
});

function suite(mode: GpuMode): void {
  let seed = 4000;
  const gen = () => new Generator(seed++);
  const shape = [3, 4, 5];

  it('flip: one axis, several, all', async () => {
    const g = gen();
    for (const layout of LAYOUTS) {
      for (const axis of [0, -1, [0, 2], undefined] as const) {
        await parity(`flip ${layout} axis ${JSON.stringify(axis)}`, input(g, shape, layout), (x) => T.flip(x, axis));
      }
    }
  });

  it('roll: one axis, several (negative and past the size), flattened', async () => {
    const g = gen();
    for (const layout of LAYOUTS) {
      await parity(`roll ${layout} 2 along 1`, input(g, shape, layout), (x) => T.roll(x, 2, 1));
      await parity(`roll ${layout} [-1, 7] along [0, 2]`, input(g, shape, layout), (x) => T.roll(x, [-1, 7], [0, 2]));
      await parity(`roll ${layout} 13 flattened`, input(g, shape, layout), (x) => T.roll(x, 13));
    }
  });

  it('pad: zeros, a value, NaN', async () => {
    const g = gen();
    for (const layout of LAYOUTS) {
      await parity(`pad ${layout}`, input(g, shape, layout), (x) => T.pad(x, [[1, 0], [0, 2], [3, 1]]));
      await parity(`pad ${layout} value -2.5`, input(g, shape, layout), (x) => T.pad(x, [[0, 0], [2, 2], [0, 0]], { value: -2.5 }));
      await parity(`pad ${layout} value NaN`, input(g, shape, layout), (x) => T.pad(x, [[0, 1], [0, 0], [0, 0]], { value: NaN }));
    }
  });

  it('tile: reps shorter, equal and longer than the rank', async () => {
    const g = gen();
    for (const layout of LAYOUTS) {
      for (const reps of [[2], [2, 1, 3], [2, 1, 1, 2]]) {
        await parity(`tile ${layout} ${JSON.stringify(reps)}`, input(g, shape, layout), (x) => T.tile(x, reps));
      }
    }
  });

  it('triu and tril, batched, diagonals inside and beyond the matrix (inf and NaN masked to 0)', async () => {
    const g = gen();
    for (const layout of LAYOUTS) {
      for (const k of [0, 2, -1, 9, -9]) {
        await parity(`triu ${layout} ${k}`, input(g, shape, layout), (x) => T.triu(x, k));
        await parity(`tril ${layout} ${k}`, input(g, shape, layout), (x) => T.tril(x, { diagonal: k }));
      }
    }
  });

  it('oneHot of device indices (valid ones), and a non-contiguous index tensor', async () => {
    const g = gen();
    const idx = T.tensor(Float32Array.from({ length: 12 }, () => g.int(5)), { shape: [4, 3] });
    for (const view of [(t: Tensor) => t, (t: Tensor) => t.T]) {
      await parity('oneHot', { base: idx, view }, (i) => T.oneHot(i, 5));
    }
  });

  it("oneHot: a device index out of range gives rows of NaN, and reading the result throws the CPU's error", async () => {
    const idx = [1, 7, 0.5];
    let cpuMessage = '';
    try { T.oneHot(T.tensor(idx), 3); } catch (e) { cpuMessage = (e as Error).message; }
    expect(cpuMessage).to.match(/^oneHot: indices value 7 at position \[1\] is out of range/);
    const y = T.oneHot(T.tensor(idx, { device: 'gpu' }), 3);
    const message = await y.data().then(() => '', (e: unknown) => (e as Error).message);
    expect(message).to.equal(cpuMessage);
    // a result computed from it carries the NaN rows (never a silent row of zeros)
    expect(Array.from(await T.add(y, 0).data()).map(String)).to.deep.equal(['0', '1', '0', ...Array(6).fill('NaN')]);
  });

  it('gpu.js ran every kernel in this mode (no silent fallback)', () => {
    expect(gpuInfo().fallbacks.filter((f) => f.startsWith(`${mode}|`))).to.deep.equal([]);
  });
}
