// What a plain-JavaScript user (no type checking) coming from PyTorch or TF.js would write, and must not get a
// silently wrong answer from: arrays with holes, editing a returned shape, a one-argument transpose, an async
// function in noGrad, a parameter listed twice, a gradient that is not a tensor, seeds past the safe
// integers, `w.T`, allClose across dtypes; and sinh/cosh near float32's limit on 'gpu'. The oracles are the
// values written out and the errors' exact texts.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';
import { nn, optim } from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
function throwsWith(f: () => unknown, text: string): void {
  let caught: unknown;
  try { f(); } catch (e) { caught = e; }
  expect(caught, `expected a TensorError containing ${JSON.stringify(text)}`).to.be.instanceOf(T.TensorError);
  expect((caught as Error).message).to.contain(text);
}

describe('plain JavaScript habits', () => {
  it('tensor() of an array with holes throws (forEach skipped them: [1, , 3] became [1, 3, 0])', () => {
    // eslint-disable-next-line no-sparse-arrays
    throwsWith(() => T.tensor([1, , 3] as number[]), 'tensor: element at [1] is missing (a hole, or undefined), expected a number');
    throwsWith(() => T.tensor(new Array(3) as number[]), 'tensor: element at [0] is missing');
    // eslint-disable-next-line no-sparse-arrays
    throwsWith(() => T.tensor([[1, 2], [3, , ]] as number[][]), 'tensor: element at [1,1] is missing');
    throwsWith(() => T.tensor([new Int32Array([1, 2])] as never), 'a typed array must be a Float32Array or Float64Array');
    expect(T.tensor([1, 2, 3]).toArray()).to.deep.equal([1, 2, 3]);
  });

  it("a tensor's shape and strides cannot be edited through what x.shape returns (unshift, an index)", () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
    const s = x.shape as number[];
    expect(() => s.unshift(1)).to.throw(TypeError);
    expect(() => { s[0] = 5; }).to.throw(TypeError); // this file is strict mode; sloppy code's write is a no-op
    expect(() => { (x.strides as number[])[0] = 0; }).to.throw(TypeError);
    expect(x.shape).to.deep.equal([2, 3]);
    expect(x.reshape([1, ...x.shape]).toArray()).to.deep.equal([[[1, 2, 3], [4, 5, 6]]]);
    const w = new nn.Linear(3, 2).weight;
    expect(() => (w.shape as number[]).push(1)).to.throw(TypeError);
    // a copy is the user's to edit
    const c = [...x.shape];
    c.unshift(1);
    expect(x.reshape(c).shape).to.deep.equal([1, 2, 3]);
  });

  it('transpose with one dim throws (it swapped that dim with the last, PyTorch requires both); none means the last two', () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
    throwsWith(() => (x.transpose as (d: number) => T.Tensor)(1), 'transpose: got x.transpose(1), expected x.transpose(dim0, dim1) (both dims) or x.transpose() (the last two)');
    const v = A.variable(x);
    throwsWith(() => (v.transpose as (d: number) => A.Variable)(0), 'transpose: got y.transpose(0), expected y.transpose(dim0, dim1)');
    throwsWith(() => (A.transpose as (x: A.Variable, d: number) => A.Variable)(v, 0), 'transpose: got transpose(x, 0), expected transpose(x, dim0, dim1)');
    expect(x.transpose().toArray()).to.deep.equal([[1, 4], [2, 5], [3, 6]]);
    expect(v.transpose().value.toArray()).to.deep.equal([[1, 4], [2, 5], [3, 6]]);
    expect(v.T.value.toArray()).to.deep.equal([[1, 4], [2, 5], [3, 6]]);
    throwsWith(() => A.variable(T.zeros([2, 2, 2])).T, 'T: expects a 2-D Variable, got shape [2,2,2]');
  });

  it('noGrad and enableGrad refuse an async function: recording came back at its first await', async () => {
    const w = A.variable(T.tensor([2], f64), { requiresGrad: true });
    let inside: A.Variable | undefined;
    const run = () => A.noGrad(async () => { await null; inside = A.mul(w, w); return inside; });
    throwsWith(run, 'noGrad: fn returned a Promise, expected a synchronous function');
    throwsWith(() => A.enableGrad(async () => 1), 'enableGrad: fn returned a Promise');
    await null; await null;
    expect(inside!.requiresGrad).to.equal(true); // what the error warns of: the rest of fn was recorded
    expect(A.noGrad(() => A.mul(w, w)).requiresGrad).to.equal(false);
  });

  it('an optimizer given a parameter twice throws (each step updated it twice: w = 0.8 after one SGD step of 0.1)', () => {
    const shared = new nn.Linear(2, 2);
    const a = new nn.Sequential(shared), b = new nn.Sequential(shared, new nn.Linear(2, 1));
    throwsWith(() => new optim.SGD([...a.parameters(), ...b.parameters()], 0.1), 'SGD: params[2] is params[0] again, expected each parameter once');
    const w = A.variable(T.tensor([1], f64), { requiresGrad: true });
    throwsWith(() => new optim.Adam([w, w], 0.1), 'Adam: params[1] is params[0] again');
    // by hand: one step of lr 0.1 on grad 1
    const opt = new optim.SGD([w], 0.1);
    w.grad = T.tensor([1], f64);
    opt.step();
    expect(w.value.item()).to.equal(0.9);
  });

  it("a gradient set by hand that is not a tensor is named at step (it was a raw TypeError)", () => {
    const w = A.variable(T.tensor([1], f64), { requiresGrad: true });
    const opt = new optim.SGD([w], 0.1);
    (w as { grad: unknown }).grad = [1];
    throwsWith(() => opt.step(), 'SGD.step: gradient of params[0] got [1], expected a Tensor (or null) in p.grad');
  });

  it("MLP's and Linear's seeds stay safe integers (MLP seeds layer i with seed·1000 + i)", () => {
    throwsWith(() => new nn.MLP([2, 2], { seed: 2 ** 50 }), 'MLP: seed got 1125899906842624, expected an integer');
    throwsWith(() => new nn.Linear(2, 2, { seed: 2 ** 53 }), 'Linear: seed got 9007199254740992, expected an integer');
    const big = Math.floor((Number.MAX_SAFE_INTEGER - 1000) / 1000);
    const m = new nn.MLP([2, 3, 1], { seed: big });
    // the layers are those of Linear seeded with seed·1000 + i, by the documented rule
    expect(m.layers[0]!.namedParameters()[0]![1].value.toArray()).to.deep.equal(new nn.Linear(2, 3, { seed: big * 1000 }).weight.value.toArray());
  });

  it('allClose of two dtypes throws, as torch.allclose and every other op of two tensors', () => {
    throwsWith(() => T.allClose(T.tensor([1]), T.tensor([1], f64)), 'allClose: b has dtype float64 but a has float32');
  });
});

describe("sinh and cosh on 'gpu' near float32's limit", () => {
  const modes = (['webasm', 'cpu', 'headlessgl'] as const).filter((m) => T.gpuInfo().availableModes.includes(m));
  after(() => T.setGpuMode('auto'));
  for (const mode of modes) {
    it(`${mode}: finite from 88.72 (where e^|x| overflows float32) to 89.4, as the CPU's`, async () => {
      T.setGpuMode(mode);
      const xs = [88.73, 89, 89.4, -89, 30, -25];
      const [s, c] = [await T.sinh(T.tensor(xs, { device: 'gpu' })).data(), await T.cosh(T.tensor(xs, { device: 'gpu' })).data()];
      xs.forEach((x, i) => {
        const x32 = Math.fround(x);
        expect(s[i], `sinh(${x})`).to.be.closeTo(Math.fround(Math.sinh(x32)), 4e-6 * Math.abs(Math.sinh(x32)));
        expect(c[i], `cosh(${x})`).to.be.closeTo(Math.fround(Math.cosh(x32)), 4e-6 * Math.cosh(x32));
      });
    });
  }
});
