// The shape ops of @propel-ts/tensor (flip, roll, pad, tile, triu, tril, oneHot) against naive
// index-by-index oracles written out below, on random shapes (rank 0-4, sizes 0-5) and random layouts
// (contiguous, permuted, sliced with steps, broadcast), float32 and float64: each result element is the
// input element the op's definition names (NumPy's and PyTorch's documented semantics), compared exactly
// (the ops only move values). Then hand-worked examples, the edge cases (empty axes, shifts past the size,
// negative shifts, diagonals beyond the matrix), and the refusals with their messages.
import { expect } from 'chai';
import * as fc from 'fast-check';
import * as T from '@propel-ts/tensor';
import type { Tensor } from '@propel-ts/tensor';
import {
  arbSpec, assertMatches, build, CaseCounter, checkProperty, exact, get, make, read, roundTo, type NArr,
} from '../helpers/naive';

const counter = new CaseCounter('shape-ops');
const RUNS = 150;
const PLANNED = 8 * RUNS;

/** `((i % n) + n) % n`: the mathematical modulo (JS's % keeps the sign of i). */
const mod = (i: number, n: number) => ((i % n) + n) % n;

/** The result must be a fresh tensor of the input's dtype that reads back as `want`. */
function check(got: Tensor, x: Tensor, want: NArr, what: string): void {
  expect(got.dtype, `${what}: dtype`).to.equal(x.dtype);
  expect(got.storage === x.storage, `${what}: a new tensor, not a view of the input`).to.equal(false);
  assertMatches(read(got), want, exact, what);
}

// ---- the oracles: one output element at a time ----------------------------------------------------

function naiveFlip(a: NArr, axes: readonly number[]): NArr {
  return build(a.shape, (idx) => get(a, idx.map((v, d) => (axes.includes(d) ? a.shape[d]! - 1 - v : v))));
}

/** out[idx] = a[idx - shift (mod n) along each rolled axis]; repeated axes add their shifts. */
function naiveRoll(a: NArr, shifts: readonly number[], axes: readonly number[]): NArr {
  const total = a.shape.map(() => 0);
  axes.forEach((ax, i) => { total[ax]! += shifts[i]!; });
  return build(a.shape, (idx) => get(a, idx.map((v, d) => mod(v - total[d]!, a.shape[d]!))));
}

/** Roll of the flattened elements, read back in the original shape. */
function naiveRollFlat(a: NArr, shift: number): NArr {
  const n = a.data.length;
  return { shape: a.shape.slice(), data: a.data.map((_, i) => a.data[mod(i - shift, n)]!) };
}

function naivePad(a: NArr, pads: readonly (readonly [number, number])[], value: number): NArr {
  const shape = a.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  return build(shape, (idx) => {
    const src = idx.map((v, d) => v - pads[d]![0]);
    return src.every((s, d) => s >= 0 && s < a.shape[d]!) ? get(a, src) : value;
  });
}

/** torch.tile: reps padded with leading 1s to the rank, or the input given leading size-1 axes. */
function naiveTile(a: NArr, reps: readonly number[]): NArr {
  const nd = Math.max(a.shape.length, reps.length);
  const dims = [...new Array(nd - a.shape.length).fill(1), ...a.shape] as number[];
  const r = [...new Array(nd - reps.length).fill(1), ...reps] as number[];
  const inner = { shape: dims, data: a.data };
  return build(dims.map((d, i) => d * r[i]!), (idx) => get(inner, idx.map((v, d) => v % dims[d]!)));
}

function naiveTriangle(a: NArr, upper: boolean, k: number): NArr {
  const nd = a.shape.length;
  return build(a.shape, (idx) => {
    const i = idx[nd - 2]!, j = idx[nd - 1]!;
    return (upper ? j - i >= k : j - i <= k) ? get(a, idx) : 0;
  });
}

function naiveOneHot(a: NArr, n: number): NArr {
  return build([...a.shape, n], (idx) => (get(a, idx.slice(0, -1)) === idx[idx.length - 1] ? 1 : 0));
}

// ---- properties -------------------------------------------------------------------------------------

/** A random subset of the axes of rank `nd` (possibly empty), as the user may write them (negative too). */
const arbAxes = (nd: number) => fc.subarray(Array.from({ length: nd }, (_, i) => i)).chain((axes) =>
  fc.tuple(...axes.map((a) => fc.constantFrom(a, a - nd))).map((xs) => xs as number[]));

describe('shape ops against index-by-index oracles (random shapes and layouts, both dtypes)', function () {
  this.timeout(120_000);
  after(() => counter.report(PLANNED));

  it('flip: out[i] = x[n-1-i] along each flipped axis; no axis flips all', () => {
    const arb = arbSpec({ maxRank: 4 }).chain((s) => fc.tuple(fc.constant(s), fc.option(arbAxes(s.shape.length), { nil: undefined })));
    checkProperty(counter, arb, RUNS, ([spec, axes]) => {
      const x = make(spec);
      const norm = (axes ?? spec.shape.map((_, i) => i)).map((a) => mod(a, spec.shape.length));
      check(axes === undefined ? T.flip(x) : T.flip(x, axes), x, naiveFlip(read(x), norm), `flip ${JSON.stringify(spec.shape)} axes ${axes}`);
    });
  });

  it('roll along axes: out[i] = x[(i - shift) mod n], shifts past the size and negative', () => {
    const arb = arbSpec({ minRank: 1, maxRank: 4 }).chain((s) => fc.tuple(
      fc.constant(s),
      fc.array(fc.integer({ min: 0, max: s.shape.length - 1 }), { minLength: 1, maxLength: 3 }),
    ).chain(([spec, axes]) => fc.tuple(fc.constant(spec), fc.constant(axes), fc.array(fc.integer({ min: -13, max: 13 }), { minLength: axes.length, maxLength: axes.length }))));
    checkProperty(counter, arb, RUNS, ([spec, axes, shifts]) => {
      const x = make(spec);
      // one axis as numbers (PyTorch's roll(x, 2, 1)), several as arrays in the options object
      const got = axes.length === 1 ? T.roll(x, shifts[0]!, axes[0]) : T.roll(x, shifts, { axis: axes });
      check(got, x, naiveRoll(read(x), shifts, axes), `roll ${JSON.stringify(spec.shape)} by ${shifts} along ${axes}`);
    });
  });

  it('roll without an axis rolls the flattened tensor and keeps the shape', () => {
    const arb = fc.tuple(arbSpec({ maxRank: 4 }), fc.integer({ min: -50, max: 50 }));
    checkProperty(counter, arb, RUNS, ([spec, shift]) => {
      const x = make(spec);
      check(T.roll(x, shift), x, naiveRollFlat(read(x), shift), `roll ${JSON.stringify(spec.shape)} by ${shift}`);
    });
  });

  it('pad: x inside, value around it, one [before, after] per axis (first axis first)', () => {
    const arb = arbSpec({ maxRank: 4 }).chain((s) => fc.tuple(
      fc.constant(s),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: s.shape.length, maxLength: s.shape.length }),
      fc.constantFrom(0, -1.5, 0.1, Infinity, NaN),
    ));
    checkProperty(counter, arb, RUNS, ([spec, pads, value]) => {
      const x = make(spec);
      const got = value === 0 ? T.pad(x, pads) : T.pad(x, pads, { value });
      check(got, x, naivePad(read(x), pads, roundTo(spec.dtype, value)), `pad ${JSON.stringify(spec.shape)} by ${JSON.stringify(pads)} with ${value}`);
    });
  });

  it('tile: out[i] = x[i mod d] per axis, reps shorter or longer than the rank', () => {
    const arb = fc.tuple(arbSpec({ maxRank: 3, maxDim: 4 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }));
    checkProperty(counter, arb, RUNS, ([spec, reps]) => {
      const x = make(spec);
      check(T.tile(x, reps), x, naiveTile(read(x), reps), `tile ${JSON.stringify(spec.shape)} by ${JSON.stringify(reps)}`);
    });
  });

  for (const op of ['triu', 'tril'] as const) {
    it(`${op}: keeps j - i ${op === 'triu' ? '>=' : '<='} diagonal in the last two axes, batched; diagonals past the matrix`, () => {
      const arb = fc.tuple(arbSpec({ minRank: 2, maxRank: 4 }), fc.integer({ min: -7, max: 7 }));
      checkProperty(counter, arb, RUNS, ([spec, k]) => {
        const x = make(spec);
        const got = k === 0 ? T[op](x) : k % 2 ? T[op](x, k) : T[op](x, { diagonal: k });
        check(got, x, naiveTriangle(read(x), op === 'triu', k), `${op} ${JSON.stringify(spec.shape)} diagonal ${k}`);
      });
    });
  }

  it('oneHot: [..., c] is 1 where the index is c, in the indices\' dtype', () => {
    const arb = fc.tuple(arbSpec({ maxRank: 3, kinds: ['index'] }), fc.integer({ min: 1, max: 6 }));
    checkProperty(counter, arb, RUNS, ([spec, n]) => {
      // indices in [0, n): a spec of kind 'index' draws in [0, range)
      const x = make({ ...spec, range: n });
      check(T.oneHot(x, n), x, naiveOneHot(read(x), n), `oneHot ${JSON.stringify(spec.shape)} of ${n} classes`);
    });
  });
});

// ---- worked examples and edge cases ---------------------------------------------------------------------

const f64 = { dtype: 'float64' } as const;
const m23 = () => T.tensor([[1, 2, 3], [4, 5, 6]]);

describe('shape ops: worked examples and edge cases', () => {
  it('flip: NumPy\'s examples; an axis of size 0 or 1 and a scalar', () => {
    expect(T.flip(m23(), 0).toArray()).to.deep.equal([[4, 5, 6], [1, 2, 3]]);
    expect(T.flip(m23(), -1).toArray()).to.deep.equal([[3, 2, 1], [6, 5, 4]]);
    expect(T.flip(m23()).toArray()).to.deep.equal([[6, 5, 4], [3, 2, 1]]);
    expect(T.flip(m23(), []).toArray()).to.deep.equal([[1, 2, 3], [4, 5, 6]]);
    expect(T.flip(m23().T, { axis: 1 }).toArray()).to.deep.equal([[4, 1], [5, 2], [6, 3]]);
    expect(T.flip(T.zeros([0, 3]), 0).shape).to.deep.equal([0, 3]);
    expect(T.flip(T.tensor(7, f64)).toArray()).to.equal(7);
  });

  it('roll: torch.roll\'s examples, shift past the size and negative', () => {
    const x = T.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
    expect(T.roll(x, 1).toArray()).to.deep.equal([[8, 1], [2, 3], [4, 5], [6, 7]]);
    expect(T.roll(x, 1, 0).toArray()).to.deep.equal([[7, 8], [1, 2], [3, 4], [5, 6]]);
    expect(T.roll(x, -1, 0).toArray()).to.deep.equal([[3, 4], [5, 6], [7, 8], [1, 2]]);
    expect(T.roll(x, [2, 1], [0, 1]).toArray()).to.deep.equal([[6, 5], [8, 7], [2, 1], [4, 3]]);
    expect(T.roll(x, 9, 0).toArray(), '9 = 2·4 + 1').to.deep.equal(T.roll(x, 1, 0).toArray());
    expect(T.roll(x, -5, 0).toArray(), '-5 = -4 - 1').to.deep.equal(T.roll(x, -1, 0).toArray());
    expect(T.roll(x, 4, 0).toArray(), 'a whole turn').to.deep.equal(x.toArray());
    expect(T.roll(x, [1, 1], [0, 0]).toArray(), 'a repeated axis adds its shifts').to.deep.equal(T.roll(x, 2, 0).toArray());
    expect(T.roll(T.zeros([0, 2]), 3, 0).shape).to.deep.equal([0, 2]);
    expect(T.roll(T.tensor(5), 3).toArray()).to.equal(5);
  });

  it("pad: NumPy's order (first axis first), and PyTorch's F.pad(x, (1, 2)) spelt here", () => {
    expect(T.pad(m23(), [[1, 0], [0, 0]]).toArray()).to.deep.equal([[0, 0, 0], [1, 2, 3], [4, 5, 6]]);
    // F.pad(x, (1, 2)) pads the LAST axis by 1 before and 2 after
    expect(T.pad(m23(), [[0, 0], [1, 2]], { value: -1 }).toArray()).to.deep.equal([[-1, 1, 2, 3, -1, -1], [-1, 4, 5, 6, -1, -1]]);
    expect(T.pad(T.zeros([0, 2]), [[1, 1], [0, 0]], { value: 3 }).toArray(), 'an empty axis padded').to.deep.equal([[3, 3], [3, 3]]);
    expect(T.pad(T.tensor(2), []).toArray(), 'a scalar has no axes to pad').to.equal(2);
    expect(T.pad(m23().astype('float64'), [[0, 0], [0, 1]]).dtype).to.equal('float64');
  });

  it('tile: torch.tile\'s examples (short reps get leading 1s, long reps add axes)', () => {
    const v = T.tensor([1, 2, 3]);
    expect(T.tile(v, [2]).toArray()).to.deep.equal([1, 2, 3, 1, 2, 3]);
    expect(T.tile(T.tensor([[1, 2], [3, 4]]), [2, 2]).toArray()).to.deep.equal([[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(T.tile(m23(), [2]).toArray(), 'reps [2] is [1, 2]').to.deep.equal([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
    expect(T.tile(v, [2, 1]).toArray(), 'a vector becomes rows').to.deep.equal([[1, 2, 3], [1, 2, 3]]);
    expect(T.tile(v, 2).toArray(), 'one integer, as np.tile').to.deep.equal([1, 2, 3, 1, 2, 3]);
    expect(T.tile(v, [0]).shape).to.deep.equal([0]);
    expect(T.tile(m23(), [1, 1]).toArray()).to.deep.equal(m23().toArray());
  });

  it('triu/tril: torch\'s examples; diagonals beyond the matrix; inf and NaN outside become 0', () => {
    const a = T.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], f64);
    expect(T.triu(a).toArray()).to.deep.equal([[1, 2, 3], [0, 5, 6], [0, 0, 9]]);
    expect(T.triu(a, 1).toArray()).to.deep.equal([[0, 2, 3], [0, 0, 6], [0, 0, 0]]);
    expect(T.triu(a, { diagonal: -1 }).toArray()).to.deep.equal([[1, 2, 3], [4, 5, 6], [0, 8, 9]]);
    expect(T.tril(a).toArray()).to.deep.equal([[1, 0, 0], [4, 5, 0], [7, 8, 9]]);
    expect(T.tril(a, -1).toArray()).to.deep.equal([[0, 0, 0], [4, 0, 0], [7, 8, 0]]);
    expect(T.triu(a, 3).toArray(), 'above the last column: nothing kept').to.deep.equal([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(T.triu(a, -3).toArray(), 'below the last row: everything kept').to.deep.equal(a.toArray());
    expect(T.tril(a, 100).toArray()).to.deep.equal(a.toArray());
    const special = T.tensor([[NaN, Infinity], [-Infinity, NaN]]);
    expect(T.triu(special).toArray()).to.deep.equal([[NaN, Infinity], [0, NaN]]);
    expect(T.tril(special).toArray()).to.deep.equal([[NaN, 0], [-Infinity, NaN]]);
    expect(T.triu(T.ones([2, 2, 3])).toArray(), 'batched').to.deep.equal([[[1, 1, 1], [0, 1, 1]], [[1, 1, 1], [0, 1, 1]]]);
  });

  it('oneHot: F.one_hot\'s example, in the indices\' dtype', () => {
    const y = T.oneHot(T.tensor([0, 1, 2, 0, 1], f64), 3);
    expect(y.dtype).to.equal('float64');
    expect(y.toArray()).to.deep.equal([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    expect(T.oneHot(T.tensor(2), 4).toArray(), 'a scalar index').to.deep.equal([0, 0, 1, 0]);
    expect(T.oneHot(T.zeros([0]), 2).shape).to.deep.equal([0, 2]);
  });
});

// ---- refusals -----------------------------------------------------------------------------------------

describe('shape ops: bad arguments throw TensorErrors naming the op, the argument and what was expected', () => {
  const x = m23;
  const refuses = (run: () => unknown, message: RegExp) => expect(run).to.throw(T.TensorError, message);

  it('flip', () => {
    refuses(() => T.flip(x(), 2), /^flip: axis 2 is out of range for a tensor of rank 2/);
    refuses(() => T.flip(x(), [0, -2]), /^flip: axis 0 appears more than once/);
    refuses(() => T.flip(x(), { dims: 0 } as never), /^flip: unknown option 'dims' \(did you mean 'axis'\?\)/);
    refuses(() => T.flip(x(), '0' as never), /^flip: expected flip\(x, \{ axis\? \}\), got flip\(x, "0"\)$/);
    refuses(() => T.flip([1, 2] as never), /^flip: input must be a Tensor/);
    refuses(() => (T.flip as (...a: unknown[]) => unknown)(x(), 0, 1), /^flip: got 3 arguments, expected at most 2/);
  });

  it('roll', () => {
    refuses(() => T.roll(x(), [1, 2]), /^roll: shift got \[1, 2\] with no axis, expected one integer/);
    refuses(() => T.roll(x(), [1, 2], [0]), /^roll: shift \[1, 2\] and axis \[0\] have 2 and 1 entries, expected one shift per axis/);
    refuses(() => T.roll(x(), 1.5, 0), /^roll: shift got 1.5, expected an integer/);
    refuses(() => T.roll(x(), [1, NaN], [0, 1]), /^roll: shift\[1\] got NaN, expected an integer/);
    refuses(() => T.roll(x(), '1' as never), /^roll: shift got "1", expected an integer or an array of integers/);
    refuses(() => T.roll(x(), 1, 5), /^roll: axis 5 is out of range/);
  });

  it("pad: the pairs, with NumPy's order and PyTorch's named in the message; negative padding", () => {
    refuses(() => T.pad(x(), [[1, 1]]), /^pad: pads has 1 pair for a tensor of rank 2 \(shape \[2,3\]\), expected 2: one \[before, after\] pair per axis, first axis first .*PyTorch's F\.pad takes a flat list, last axis first/);
    refuses(() => T.pad(x(), [1, 1] as never), /^pad: pads got \[1, 1\], expected one \[before, after\] pair per axis, first axis first/);
    refuses(() => T.pad(x(), [[0, 0], [-1, 1]]), /^pad: pads\[1\]\[0\] \(before axis 1\) got -1, expected a non-negative integer \(pad does not crop: use slice\)/);
    refuses(() => T.pad(x(), [[0, 0], [1, 1, 1]] as never), /^pad: pads\[1\] got \[1, 1, 1\], expected a \[before, after\] pair for axis 1/);
    refuses(() => T.pad(x(), [[0, 0], [0, 0.5]]), /^pad: pads\[1\]\[1\] \(after axis 1\) got 0.5/);
    refuses(() => T.pad(x(), [[0, 0], [0, 0]], { value: '1' } as never), /^pad: value got "1", expected a number/);
    refuses(() => T.pad(x(), [[0, 0], [0, 0]], { fill: 1 } as never), /^pad: unknown option 'fill'; accepted options: value/);
    refuses(() => T.pad(x(), [[0, 0], [0, 0]], 1 as never), /^pad: expected pad\(x, pads, \{ value: 1 \}\), got pad\(x, pads, 1\)/);
    refuses(() => T.pad(x(), [[0, 0], [2 ** 31, 0]]), /^pad: the result \[2,2147483651\] has \d+ elements, more than/);
  });

  it('tile', () => {
    refuses(() => T.tile(x(), [2, -1]), /^tile: reps got \[2, -1\], expected an array of non-negative integers/);
    refuses(() => T.tile(x(), [1.5]), /^tile: reps got \[1.5\]/);
    refuses(() => T.tile(x(), '2' as never), /^tile: reps got "2"/);
    refuses(() => T.tile(x(), [2 ** 20, 2 ** 20]), /^tile: the result \[2097152,3145728\] has \d+ elements, more than/);
  });

  it('triu/tril', () => {
    refuses(() => T.triu(T.ones([3])), /^triu: expects a tensor of rank >= 2 \(the last two axes are the matrices\), got shape \[3\]/);
    refuses(() => T.tril(x(), 0.5), /^tril: diagonal got 0.5, expected an integer/);
    refuses(() => T.triu(x(), { diagonal: '1' } as never), /^triu: diagonal got "1", expected an integer/);
    refuses(() => T.triu(x(), { k: 1 } as never), /^triu: unknown option 'k'; accepted options: diagonal/);
    refuses(() => (T.tril as (...a: unknown[]) => unknown)(x(), 0, 1), /^tril: got 3 arguments, expected at most 2/);
  });

  it('oneHot: an index out of range or not an integer names its value and position', () => {
    refuses(() => T.oneHot(T.tensor([[0, 2], [3, 1]]), 3), /^oneHot: indices value 3 at position \[1,0\] is out of range, expected an integer in \[0, 2\] \(numClasses 3\)/);
    refuses(() => T.oneHot(T.tensor([0, -1]), 3), /^oneHot: indices value -1 at position \[1\] is out of range/);
    refuses(() => T.oneHot(T.tensor([[0.5]]), 3), /^oneHot: indices value 0.5 at position \[0,0\] is not an integer, expected an integer in \[0, 2\]/);
    refuses(() => T.oneHot(T.tensor([NaN]), 3), /^oneHot: indices value NaN at position \[0\] is not an integer/);
    refuses(() => T.oneHot(T.tensor([0, 1]), -1), /^oneHot: numClasses got -1, expected a positive integer \(it is required: PyTorch's -1, inferring the largest index \+ 1, is not supported\)/);
    refuses(() => (T.oneHot as (i: Tensor) => Tensor)(T.tensor([0])), /^oneHot: numClasses got undefined, expected a positive integer/);
    refuses(() => T.oneHot(T.tensor([0]), 2.5), /^oneHot: numClasses got 2.5/);
    refuses(() => T.oneHot([0, 1] as never, 2), /^oneHot: indices must be a Tensor/);
  });
});
