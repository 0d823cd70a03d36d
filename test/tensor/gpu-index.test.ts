// Host-side indices on 'gpu': an array given to indexSelect is host data on every device, so it is checked
// like on the CPU (same error text) before it is uploaded; valid ones select what the CPU selects. Index
// tensors on 'gpu': checked when the result is read back (below).
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { webGpuHooks } from '../helpers/webgpu';

describe("indices on 'gpu' are validated like on the CPU", function () {
  this.timeout(60_000);
  const rows = [[1, 2], [3, 4], [5, 6]];

  for (const [bad, why] of [[[0, 3], 'past the end'], [[1, -1], 'negative'], [[0.5], 'not an integer'], [[NaN], 'NaN']] as const) {
    it(`indexSelect with an index ${why} throws the CPU's error on 'gpu'`, () => {
      let cpuMessage = '';
      try { T.indexSelect(T.tensor(rows), 0, [...bad]); } catch (e) { cpuMessage = (e as Error).message; }
      expect(cpuMessage).to.match(/^indexSelect: index value .* is out of range/);
      expect(() => T.indexSelect(T.tensor(rows, { device: 'gpu' }), 0, [...bad])).to.throw(cpuMessage);
    });
  }

  it("valid host indices select the same rows on 'gpu' as on 'cpu'", () => {
    expect(T.indexSelect(T.tensor(rows, { device: 'gpu' }), 0, [2, 0, 2]).toArray()).to.deep.equal([[5, 6], [1, 2], [5, 6]]);
  });
});

// Index *tensors* on 'gpu' are not read at the call (that would cost a device round trip per op): the
// kernels give NaN where an index is out of range (never reading out of bounds), and reading the result
// back then reads the index and throws the CPU's error. Run in every gpu.js mode available here.
const ENV = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const REQUIRED = (ENV.PROPEL_REQUIRE_GPU_MODES ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
const INFO = T.gpuInfo();

describe("'gpu' index tensors: an out-of-range value throws the CPU's error when the result is read", function () {
  this.timeout(60_000);
  after(() => T.setGpuMode('auto'));
  for (const mode of ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const) {
    if (mode === 'webgpu') {
      describe('mode webgpu', () => {
        webGpuHooks(REQUIRED.includes('webgpu'));
        deviceIndexSuite();
      });
    } else if (INFO.availableModes.includes(mode)) {
      describe(`mode ${mode}`, () => {
        before(() => T.setGpuMode(mode));
        deviceIndexSuite();
      });
    } else if (REQUIRED.includes(mode)) {
      it(`mode ${mode} is required but not available`, () => expect.fail(`gpu.js mode '${mode}': ${INFO.unavailable[mode]}`));
    }
  }
});

/** The message `run` throws on the CPU (it must throw). */
function cpuError(run: () => unknown): string {
  try { run(); } catch (e) { return (e as Error).message; }
  return expect.fail('the CPU call did not throw');
}

/** The message reading `t` back rejects with, or '' when it reads. */
async function readError(t: T.Tensor): Promise<string> {
  return t.data().then(() => '', (e: unknown) => (e as Error).message);
}

function deviceIndexSuite(): void {
  const x = [[1, 2, 3], [4, 5, 6]];
  const gpu = (v: number[] | number[][]) => T.tensor(v, { device: 'gpu' });
  // [2, 3] indices along axis 0 (gather, scatterAdd) and 1-D ones (indexSelect), one bad value each
  const BAD: [string, number][] = [['past the end', 3], ['negative', -1], ['not an integer', 0.5], ['NaN', NaN]];

  for (const [why, v] of BAD) {
    it(`an index ${why}: gather, indexSelect and scatterAdd throw the CPU's error at read-back`, async () => {
      const index = [[0, 1, 0], [1, v, 0]];
      const want = {
        gather: cpuError(() => T.gather(T.tensor(x), 0, T.tensor(index))),
        indexSelect: cpuError(() => T.indexSelect(T.tensor(x), 1, T.tensor([2, v]))),
        scatterAdd: cpuError(() => T.scatterAdd([2, 3], 0, T.tensor(index), T.tensor(x))),
      };
      expect(want.gather).to.match(/^gather: index value .* at flat position 4 is out of range/);
      expect(want.indexSelect).to.match(/^indexSelect: index value .* at flat position 1 is out of range/);
      // no error at the call on 'gpu'; reading the result gives the CPU's
      const got = {
        gather: await readError(T.gather(gpu(x), 0, gpu(index))),
        indexSelect: await readError(T.indexSelect(gpu(x), 1, gpu([2, v]))),
        scatterAdd: await readError(T.scatterAdd([2, 3], 0, gpu(index), gpu(x))),
      };
      expect(got).to.deep.equal(want);
    });
  }

  it('valid indices read nothing but the result, and give the CPU values; a NaN in the data is no error', async () => {
    const index = [[1, 0, 1], [0, 1, 1]];
    const before = T.gpuInfo().readbacks;
    const g = await T.gather(gpu(x), 0, gpu(index)).data();
    expect(T.gpuInfo().readbacks - before, 'only the result is read back').to.equal(1);
    expect(Array.from(g)).to.deep.equal(Array.from(T.gather(T.tensor(x), 0, T.tensor(index)).toTypedArray()));
    const s = await T.scatterAdd([2, 3], 0, gpu(index), gpu(x)).data();
    expect(Array.from(s)).to.deep.equal(Array.from(T.scatterAdd([2, 3], 0, T.tensor(index), T.tensor(x)).toTypedArray()));
    const withNaN = await T.indexSelect(gpu([[1, NaN], [3, 4]]), 0, gpu([1, 0])).data();
    expect(Array.from(withNaN).map(String)).to.deep.equal(['3', '4', '1', 'NaN']);
  });

  it('a result computed from a bad gather carries NaN where the index was bad, never a number', async () => {
    const y = await T.add(T.gather(gpu(x), 0, gpu([[0, 5, 1]])), 1).data();
    expect(Array.from(y).map(String)).to.deep.equal(['2', 'NaN', '7']);
  });
}
