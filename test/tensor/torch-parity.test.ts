// Parity with PyTorch (1.13) where an audit found @propel-ts/tensor differing: pow's special values (C's
// rules), indices past 2^24 read through float32, rand's float32 draws reaching 1, split of an empty axis,
// readers that dropped an argument, and error messages that misreported what was given. Each oracle is
// independent of the code under test: a rule table written out by hand, torch's values as literals (with the
// Python that printed them), or a naive loop.
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import { Generator, TensorError } from '@propel-ts/tensor';

/** Expect `f` to throw a TensorError whose message contains every one of `texts`. */
function throwsWith(f: () => unknown, ...texts: string[]): void {
  let caught: unknown;
  try { f(); } catch (e) { caught = e; }
  expect(caught, `expected to throw: ${texts.join(' ... ')}`).to.be.instanceOf(TensorError);
  for (const text of texts) expect((caught as Error).message).to.contain(text);
}

/** `a` and `b` as the same number: NaN equals NaN, and -0 differs from 0. */
const same = (a: number, b: number) => Object.is(a, b);

describe('torch parity: pow follows C pow at base ±1', () => {
  // C99 Annex F (as PyTorch): pow(1, y) = 1 for every y, NaN too; pow(x, ±0) = 1 for every x, NaN too;
  // pow(-1, ±Infinity) = 1. Everywhere else JavaScript's Math.pow already gives C's answer.
  const cRule = (x: number, w: number): number => {
    if (x === 1) return 1;
    if (w === 0) return 1;
    if (x === -1 && (w === Infinity || w === -Infinity)) return 1;
    return Math.pow(x, w);
  };
  // every value here is exact in float32, so the float32 oracle is the float64 one rounded once
  const BASES = [1, -1, 0, -0, 2, -2, 0.5, -0.5, NaN, Infinity, -Infinity];
  const EXPONENTS = [NaN, Infinity, -Infinity, 0, -0, 1, 2, 3, -1, -2, 0.5, -2.5];
  const xs = BASES.flatMap((x) => EXPONENTS.map(() => x));
  const ws = BASES.flatMap(() => EXPONENTS);

  it('the rule table itself: Math.pow differs from C exactly at pow(1, NaN), pow(1, ±Inf), pow(-1, ±Inf)', () => {
    // so that the cases below test something: these five are where the fix is needed
    const differ = xs.map((x, i) => [x, ws[i]!]).filter(([x, w]) => !same(Math.pow(x!, w!), cRule(x!, w!)));
    expect(differ).to.deep.equal([[1, NaN], [1, Infinity], [1, -Infinity], [-1, Infinity], [-1, -Infinity]]);
  });

  it('torch values for the five cases, as literals', () => {
    // torch.pow(torch.tensor([1., 1, 1, -1, -1]), torch.tensor([float('nan'), float('inf'), -float('inf'), float('inf'), -float('inf')]))
    //   -> tensor([1., 1., 1., 1., 1.])   (also with dtype=torch.float64)
    for (const dtype of ['float32', 'float64'] as const) {
      const y = T.pow(T.tensor([1, 1, 1, -1, -1], { dtype }), T.tensor([NaN, Infinity, -Infinity, Infinity, -Infinity], { dtype }));
      expect(Array.from(y.toTypedArray())).to.deep.equal([1, 1, 1, 1, 1]);
    }
    // torch.pow(torch.ones(1), float('nan')) -> tensor([1.]); torch.pow(torch.tensor([-1.]), float('inf')) -> tensor([1.])
    expect(T.pow(T.ones([1]), NaN).toArray()).to.deep.equal([1]);
    expect(T.pow(T.tensor([-1]), Infinity).toArray()).to.deep.equal([1]);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    const want = (x: number, w: number) => (dtype === 'float32' ? Math.fround(cRule(x, w)) : cRule(x, w));

    it(`${dtype}: every (base, exponent) pair of the table, tensor exponent`, () => {
      const y = T.pow(T.tensor(xs, { dtype }), T.tensor(ws, { dtype })).toTypedArray();
      xs.forEach((x, i) => expect(same(y[i]!, want(x, ws[i]!)), `pow(${x}, ${ws[i]}) = ${y[i]}, expected ${want(x, ws[i]!)}`).to.equal(true));
    });

    it(`${dtype}: scalar exponents, and a broadcast (strided) base`, () => {
      const base = T.tensor(BASES, { dtype });
      for (const w of EXPONENTS) {
        const y = T.pow(base, w).toTypedArray();
        BASES.forEach((x, i) => expect(same(y[i]!, want(x, w)), `pow(${x}, ${w}) = ${y[i]}`).to.equal(true));
      }
      // the base read with stride 0 against a column of exponents
      const y = T.pow(T.tensor(BASES, { dtype }).view(1, -1), T.tensor(EXPONENTS, { dtype }).view(-1, 1)).toTypedArray();
      EXPONENTS.forEach((w, r) => BASES.forEach((x, c) => {
        expect(same(y[r * BASES.length + c]!, want(x, w)), `pow(${x}, ${w})`).to.equal(true);
      }));
    });
  }

  describe("the 'gpu' device (gpu.js modes available here; float32)", () => {
    const modes = (['headlessgl', 'webasm', 'cpu'] as const).filter((m) => T.gpuInfo().availableModes.includes(m));
    after(() => T.setGpuMode('auto'));
    for (const mode of modes) {
      it(`mode ${mode}: the table's special values exactly, the rest within the transcendental tolerance`, async () => {
        T.setGpuMode(mode);
        const gpu = (v: number[]) => T.tensor(v, { device: 'gpu' });
        const tensorExp = await T.pow(gpu(xs), gpu(ws)).data();
        // a scalar exponent: the base ±1 cases
        const scalarExp = await T.pow(gpu([1, 1, 1, -1, -1, 2]), NaN).data();
        expect(Array.from(scalarExp.slice(0, 5))).to.deep.equal([1, 1, 1, NaN, NaN]);
        expect(Array.from(await T.pow(gpu([1, -1, -1]), Infinity).data())).to.deep.equal([1, 1, 1]);
        xs.forEach((x, i) => {
          const w = ws[i]!, got = tensorExp[i]!, exp = Math.fround(cRule(x, w));
          const label = `pow(${x}, ${w}) on ${mode} = ${got}, expected ${exp}`;
          // a zero's sign is not kept by every GL readback, so zeros compare by value
          if (exp === 0) expect(got, label).to.equal(0);
          else if (!Number.isFinite(exp) || exp === 1) expect(same(got, exp), label).to.equal(true);
          else expect(Math.abs(got - exp), label).to.be.at.most(2e-6 * Math.abs(exp) + 1e-7);
        });
      });
    }
  });
});

describe('torch parity: indices past 2^24 are not rounded through float32', function () {
  this.timeout(120_000);
  // one float32 tensor of 2^24 + 3 elements (64 MB), marked at the last three positions; 2^24 + 1 is the
  // first integer float32 cannot hold (it rounds to 2^24), so each mark tells which position was read
  const N = 2 ** 24 + 3, P = 2 ** 24;
  let data: Float32Array;
  let x: T.Tensor;
  before(() => {
    data = new Float32Array(N);
    data[P] = 1;
    data[P + 1] = 2;
    data[P + 2] = 3;
    x = T.fromTypedArray(data);
  });
  after(() => { data = new Float32Array(0); x = T.zeros([0]); });

  it('indexSelect with a JS array of indices reads those positions', () => {
    const index = [P + 1, P + 2, P, 0];
    expect(Math.fround(P + 1), 'the premise: float32 rounds the index').to.equal(P);
    expect(Array.from(T.indexSelect(x, 0, index).toTypedArray())).to.deep.equal(index.map((i) => data[i]!));
    expect(Array.from(x.indexSelect(0, [P + 1]).toTypedArray())).to.deep.equal([2]);
  });

  it('indexSelect, gather and scatterAdd read a float64 index tensor in float64', () => {
    const index = T.tensor([P + 1, P + 2], { dtype: 'float64' });
    expect(Array.from(T.indexSelect(x, 0, index).toTypedArray())).to.deep.equal([2, 3]);
    expect(Array.from(T.gather(x, 0, index).toTypedArray())).to.deep.equal([2, 3]);
    // scatterAdd's float32 result of N elements: the 5 and 7 land at P + 1 and P + 2, nothing at P
    const s = T.scatterAdd([N], 0, index, T.tensor([5, 7])).toTypedArray();
    expect([s[P], s[P + 1], s[P + 2]]).to.deep.equal([0, 5, 7]);
  });

  it('argmax/argmin of a float32 axis longer than 2^24 + 1 throw, naming the op and float64', () => {
    for (const op of ['argmax', 'argmin'] as const) {
      throwsWith(() => T[op](x), `${op}: the reduced axis has ${N} positions, expected at most ${P + 1}`, "x.astype('float64')");
      throwsWith(() => T[op](x.view(1, N), 1), `${op}: the reduced axis has ${N} positions`);
      throwsWith(() => x[op](0), `${op}:`);
    }
  });

  it('argmax of a float32 axis of exactly 2^24 + 1 positions still works (its last index, 2^24, is exact)', () => {
    const head = x.slice(0, 0, P + 1); // a view: data[P] = 1 is its unique max, data[P + 1] is cut off
    let naive = 0;
    for (let i = 1; i < P + 1; i++) if (data[i]! > data[naive]!) naive = i;
    expect(naive).to.equal(P);
    expect(T.argmax(head).item()).to.equal(naive);
    // many short rows of a long float32 tensor are fine too (each row's indices are small)
    expect(Array.from(T.argmax(x.slice(0, 0, 2 ** 24).view(2 ** 12, 2 ** 12), 1).toTypedArray().slice(0, 2))).to.deep.equal([0, 0]);
  });
});

describe('torch parity: rand float32 stays in [0, 1)', function () {
  this.timeout(120_000);
  it('rand([4433009], { seed: 0, dtype: float32 }): the draw that rounded to 1 is 1 - 2^-24, the rest unchanged', () => {
    // the seed-0 stream's first draw >= 1 - 2^-25 (which float32 rounds up to 1) is number 4433008
    const n = 4433009;
    const y = T.rand([n], { seed: 0, dtype: 'float32' });
    const v = y.toTypedArray();
    const g = new Generator(0);
    const stream = Float64Array.from({ length: n }, () => g.uniform());
    expect(stream[n - 1]!, 'the premise: this draw rounds to 1 in float32').to.be.at.least(1 - 2 ** -25);
    expect(Math.fround(stream[n - 1]!)).to.equal(1);
    expect(v[n - 1]).to.equal(1 - 2 ** -24);
    expect(T.max(y).item()).to.be.below(1);
    let changed = 0;
    for (let i = 0; i < n - 1; i++) if (v[i] !== Math.fround(stream[i]!)) changed++;
    expect(changed, 'elements that differ from Math.fround of the float64 stream').to.equal(0);
    // float64 draws are the stream itself
    const d = T.rand([n], { seed: 0, dtype: 'float64' }).toTypedArray();
    expect(d[n - 1]).to.equal(stream[n - 1]);
  });
});

describe('torch parity: split of an empty axis is one empty chunk', () => {
  it('split(zeros([0]), 2) and split(zeros([3, 0]), 2, 1) give one chunk, as torch.split', () => {
    // torch.split(torch.zeros(0), 2) -> (tensor([]),)
    const a = T.split(T.zeros([0]), 2);
    expect(a.map((t) => t.shape)).to.deep.equal([[0]]);
    // [t.shape for t in torch.split(torch.zeros(3, 0), 2, 1)] -> [torch.Size([3, 0])]
    expect(T.split(T.zeros([3, 0]), 2, 1).map((t) => t.shape)).to.deep.equal([[3, 0]]);
    expect(T.zeros([3, 0]).split(5, 1).map((t) => t.shape)).to.deep.equal([[3, 0]]);
    // a non-empty axis is unchanged: [t.shape for t in torch.split(torch.zeros(5), 2)] -> [2], [2], [1]
    expect(T.split(T.zeros([5]), 2).map((t) => t.shape)).to.deep.equal([[2], [2], [1]]);
  });

  it('sections on an empty axis: as torch', () => {
    // torch.split(torch.zeros(0), []) -> (); torch.split(torch.zeros(0), [0]) -> (tensor([]),);
    // torch.split(torch.zeros(0), [0, 0]) -> (tensor([]), tensor([]))
    expect(T.split(T.zeros([0]), []).length).to.equal(0);
    expect(T.split(T.zeros([0]), [0]).map((t) => t.shape)).to.deep.equal([[0]]);
    expect(T.split(T.zeros([0]), [0, 0]).map((t) => t.shape)).to.deep.equal([[0], [0]]);
  });
});

describe('torch parity: erf keeps the sign of zero', () => {
  it('erf(-0) is -0 (erf is odd; torch.erf(torch.tensor(-0.)) prints -0.), erf(0) is 0, in both dtypes', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const y = Array.from(T.erf(T.tensor([-0, 0], { dtype })).toTypedArray());
      expect(Object.is(y[0], -0), `${dtype} erf(-0)`).to.equal(true);
      expect(Object.is(y[1], 0), `${dtype} erf(0)`).to.equal(true);
    }
  });
});

describe('torch parity: the readers take no argument', () => {
  const x = T.tensor([[1, 2], [3, 4]]);
  const call = (name: string, ...args: unknown[]) => () => (x[name as keyof T.Tensor] as (...a: unknown[]) => unknown).call(x, ...args);

  for (const [name, arg] of [
    ['toTypedArray', 'float64'], ['toArray', 1], ['isContiguous', 1], ['contiguous', 'channels_last'], ['toString', 1],
    ['data', 'float64'], ['array', 1],
  ] as const) {
    it(`x.${name}(${JSON.stringify(arg)}) throws at the call, naming ${name}`, () => {
      throwsWith(call(name, arg), `${name}: got 1 arguments, expected at most 0: x.${name}()`);
    });
  }

  it('x.item(5) throws (NumPy would read 5 as an index); with no argument the readers work as before', async () => {
    throwsWith(() => (T.tensor([7]).item as (...a: unknown[]) => number)(5), 'item: got 1 arguments, expected at most 0');
    expect(T.tensor([7]).item()).to.equal(7);
    expect(Array.from(x.toTypedArray())).to.deep.equal([1, 2, 3, 4]);
    expect(x.toArray()).to.deep.equal([[1, 2], [3, 4]]);
    expect(x.isContiguous()).to.equal(true);
    expect(x.contiguous()).to.equal(x);
    expect(x.T.contiguous().toArray()).to.deep.equal([[1, 3], [2, 4]]);
    expect(Array.from(await x.data())).to.deep.equal([1, 2, 3, 4]);
    expect(await x.array()).to.deep.equal([[1, 2], [3, 4]]);
    expect(`${T.tensor([1])}`).to.equal(T.tensor([1]).toString());
  });
});

describe('torch parity: error messages say what was given', () => {
  const x = T.tensor([[1, 2, 3], [4, 5, 6]]);
  const loose = (f: unknown) => f as (...a: unknown[]) => unknown;

  it("x.select(0, '1') and x.select(0, 1.5): the index as given", () => {
    throwsWith(() => loose(x.select).call(x, 0, '1'), 'select: index got "1", expected an integer in [-2, 1]');
    throwsWith(() => x.select(0, 1.5), 'select: index got 1.5, expected an integer');
    throwsWith(() => x.select(0, 5), 'select: index 5 is out of range for dimension 0 of size 2');
  });

  it("split(x, [1, '1']): the section as given", () => {
    throwsWith(() => loose(T.split)(x, [1, '1']), 'split: sections[1] got "1", expected a non-negative integer');
    throwsWith(() => T.split(x, [1, -1, 2]), 'split: sections[1] got -1, expected a non-negative integer');
  });

  it("indexSelect(x, 0, [[0]]) and indexSelect(x, 0, ['1']): the entry as given", () => {
    throwsWith(() => loose(T.indexSelect)(x, 0, [[0]]), 'indexSelect: index at flat position 0 got [0], expected an integer in [0, 1]');
    throwsWith(() => loose(T.indexSelect)(x, 0, [0, '1']), 'indexSelect: index at flat position 1 got "1", expected an integer in [0, 1]');
    throwsWith(() => T.indexSelect(x, 0, [2]), 'indexSelect: index value 2 at flat position 0 is out of range');
  });

  it("scatterAdd with index and src on different devices: a TensorError, not an 'internal:' one", () => {
    if (!T.gpuInfo().availableModes.includes('cpu')) return;
    T.setGpuMode('cpu');
    try {
      throwsWith(() => T.scatterAdd([2], 0, T.tensor([1], { device: 'gpu' }), T.tensor([5])), "scatterAdd: index is on 'gpu' but src is on 'cpu', expected one device");
      throwsWith(() => T.scatterAdd([2], 0, T.tensor([1]), T.tensor([5], { device: 'gpu' })), "scatterAdd: index is on 'cpu' but src is on 'gpu', expected one device");
    } finally {
      T.setGpuMode('auto');
    }
  });

  it('x.add(1n): the bigint as given', () => {
    throwsWith(() => loose(x.add).call(x, 1n), 'add: b must be a Tensor, got 1n');
  });

  it('x.permute(null), x.expand(null), x.view(null): null as given, an array expected', () => {
    throwsWith(() => loose(x.permute).call(x, null), 'permute: dims got null, expected integers or an array of integers');
    throwsWith(() => loose(x.expand).call(x, null), 'expand: shape got null, expected integers or an array of integers');
    throwsWith(() => loose(x.view).call(x, null), 'view: shape got null, expected integers or an array of integers');
    // the accepted forms still work
    expect(x.permute(1, 0).shape).to.deep.equal([3, 2]);
    expect(x.permute([1, 0]).shape).to.deep.equal([3, 2]);
    expect(x.expand([2, 2, 3]).shape).to.deep.equal([2, 2, 3]);
  });
});
