// The elementwise ops added with the declaration tables, beyond what the property and parity suites check
// for every op: erf against Python's math.erf (a fixture with its generator), round's halves to even and the
// other conventions written out by hand, the out-of-domain values, and the methods every op gets on Tensor
// and Variable from the tables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import * as T from '@propel-ts/tensor';
import * as A from '@propel-ts/autograd';

const f64 = { dtype: 'float64' } as const;
const ulp64 = (v: number) => (v === 0 ? 2 ** -1074 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 52));

describe('elementwise ops: erf against Python math.erf', () => {
  const fixture = JSON.parse(readFileSync(join(__dirname, '../fixtures/erf/erf.json'), 'utf8')) as { x: number[]; erf: number[] };

  it(`float64 within 4 ulp on ${fixture.x.length} points in [-7, 7] and beyond`, () => {
    const got = T.erf(T.tensor(fixture.x, f64)).toTypedArray();
    let worst = 0;
    fixture.x.forEach((x, i) => {
      const want = fixture.erf[i]!;
      const u = Math.abs(got[i]! - want) / ulp64(want);
      worst = Math.max(worst, u);
      if (!(u <= 4)) expect.fail(`erf(${x}) = ${got[i]}, math.erf gives ${want} (${u} ulp)`);
    });
    expect(worst, 'not exact everywhere (else the check says nothing about the tolerance)').to.be.greaterThan(0);
  });

  it('float32 is the float64 value rounded (within 1 float32 ulp of math.erf rounded)', () => {
    const xs = fixture.x.map(Math.fround);
    const got = T.erf(T.tensor(xs, { dtype: 'float32' })).toTypedArray();
    const want64 = T.erf(T.tensor(xs, f64)).toTypedArray();
    xs.forEach((x, i) => expect(got[i], `erf(${x})`).to.equal(Math.fround(want64[i]!)));
  });

  it('is odd, ±1 at ±Infinity, NaN at NaN', () => {
    expect(Array.from(T.erf(T.tensor([0, -0.3, 0.3, Infinity, -Infinity, NaN], f64)).toTypedArray()))
      .to.deep.equal([0, -T.erf(T.tensor([0.3], f64)).item(), T.erf(T.tensor([0.3], f64)).item(), 1, -1, NaN]);
  });
});

describe('elementwise ops: conventions, by hand', () => {
  const run = (f: (x: T.Tensor) => T.Tensor, xs: number[]) => Array.from(f(T.tensor(xs, f64)).toTypedArray());

  it('round takes halves to even (PyTorch, NumPy), unlike Math.round', () => {
    const xs = [0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 0.49999999999999994, 2.4, 2.6, -2.6, 4503599627370497, 1e300];
    const want = [0, 2, 2, 4, -0, -2, -2, -4, 0, 2, 3, -3, 4503599627370497, 1e300];
    expect(run(T.round, xs)).to.deep.equal(want);
    expect(Array.from(T.round(T.tensor(xs.slice(0, 8), { dtype: 'float32' })).toTypedArray())).to.deep.equal(want.slice(0, 8));
  });

  it('floor, ceil and trunc toward -∞, +∞ and 0', () => {
    const xs = [-1.5, -0.5, 0.5, 1.5, -2, Infinity, -Infinity];
    expect(run(T.floor, xs)).to.deep.equal([-2, -1, 0, 1, -2, Infinity, -Infinity]);
    expect(run(T.ceil, xs)).to.deep.equal([-1, -0, 1, 2, -2, Infinity, -Infinity]);
    expect(run(T.trunc, xs)).to.deep.equal([-1, -0, 0, 1, -2, Infinity, -Infinity]);
  });

  it('atan2(y, x) takes y first (PyTorch, NumPy) and gives every quadrant', () => {
    const y = T.tensor([1, 1, -1, -1, 0, 0, 1], f64), x = T.tensor([1, -1, -1, 1, -1, 1, 0], f64);
    const q = Math.PI / 4;
    const got = Array.from(T.atan2(y, x).toTypedArray());
    [q, 3 * q, -3 * q, -q, Math.PI, 0, 2 * q].forEach((w, i) => expect(got[i]).to.be.closeTo(w, 1e-15));
  });

  it('values at hand-checkable points', () => {
    const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(g).to.be.closeTo(want[i]!, 1e-15 * Math.max(1, Math.abs(want[i]!))));
    close(run(T.tan, [Math.PI / 4, 0]), [1, 0]);
    close(run(T.exp2, [10, -1, 0.5]), [1024, 0.5, Math.SQRT2]);
    close(run(T.log2, [1024, 0.5]), [10, -1]);
    close(run(T.log10, [1000, 0.01]), [3, -2]);
    close(run(T.rsqrt, [4, 0.25]), [0.5, 2]);
    close(run(T.sinh, [Math.log(2)]), [0.75]); // (2 - 1/2) / 2
    close(run(T.cosh, [Math.log(2)]), [1.25]);
    close(run(T.asinh, [0.75]), [Math.log(2)]);
    close(run(T.atanh, [0.6]), [Math.log(2)]); // ½ log((1 + 0.6) / (1 - 0.6)) = ½ log 4
    close(run(T.asin, [0.5]), [Math.PI / 6]);
    close(run(T.acos, [0.5]), [Math.PI / 3]);
    close(run(T.atan, [1]), [Math.PI / 4]);
  });

  it('outside their domains: NaN, or ±Infinity at the edge', () => {
    expect(run(T.asin, [1.5, -1.5])).to.deep.equal([NaN, NaN]);
    expect(run(T.acos, [2])).to.deep.equal([NaN]);
    expect(run(T.atanh, [1, -1, 2])).to.deep.equal([Infinity, -Infinity, NaN]);
    expect(run(T.log2, [0, -1])).to.deep.equal([-Infinity, NaN]);
    expect(run(T.rsqrt, [0, -0, -1])).to.deep.equal([Infinity, -Infinity, NaN]);
    expect(run(T.asinh, [1e300, -1e300]).every(Number.isFinite)).to.equal(true);
  });

  it('rounding ops have a zero gradient (PyTorch), not none', () => {
    for (const f of [A.floor, A.ceil, A.round, A.trunc]) {
      const x = A.variable(T.tensor([0.3, 1.7], f64), { requiresGrad: true });
      A.sum(f(x)).backward();
      expect(Array.from(x.grad!.toTypedArray())).to.deep.equal([0, 0]);
    }
    const x = A.variable(T.tensor([0.3], f64), { requiresGrad: true });
    expect(A.sign(x).requiresGrad, 'sign gives a constant').to.equal(false);
  });
});

describe('elementwise ops: every op is a Tensor and a Variable method', () => {
  it('x.op() is op(x) and x.op(y) is op(x, y), for every declared op', () => {
    const x = T.tensor([[0.3, 0.6], [0.2, 0.9]], f64), y = T.tensor([[0.5, 0.4], [0.7, 0.1]], f64);
    const tfn = T as unknown as Record<string, (...a: unknown[]) => T.Tensor>;
    const afn = A as unknown as Record<string, (...a: unknown[]) => A.Variable>;
    const same = (a: T.Tensor, b: T.Tensor, what: string) => {
      const [u, v] = [a.toTypedArray(), b.toTypedArray()];
      u.forEach((e, i) => expect(Object.is(e, v[i]), `${what}[${i}]`).to.equal(true));
    };
    const vx = A.variable(x), vy = A.variable(y);
    for (const op of T.UNARY_OPS) {
      same((x as unknown as Record<string, () => T.Tensor>)[op]!(), tfn[op]!(x), `x.${op}()`);
      same((vx as unknown as Record<string, () => A.Variable>)[op]!().value, afn[op]!(vx).value, `y.${op}()`);
      expect(() => (x as unknown as Record<string, (a: unknown) => T.Tensor>)[op]!(1), `x.${op}(1)`).to.throw(T.TensorError, op);
    }
    for (const op of T.BINARY_OPS) {
      same((x as unknown as Record<string, (o: T.Tensor) => T.Tensor>)[op]!(y), tfn[op]!(x, y), `x.${op}(y)`);
      same((vx as unknown as Record<string, (o: A.Variable) => A.Variable>)[op]!(vy).value, afn[op]!(vx, vy).value, `y.${op}(b)`);
    }
  });

  it('the statistics, scans and shape ops are methods too, passing their arguments on', () => {
    const x = T.tensor([[1, 2, 3], [4, 5, 7]], f64);
    const eq = (a: T.Tensor, b: T.Tensor) => expect(a.toArray()).to.deep.equal(b.toArray());
    eq(x.std(1), T.std(x, 1));
    eq(x.variance({ axis: 0, correction: 0 }), T.variance(x, { axis: 0, correction: 0 }));
    eq(x.norm({ p: 1 }), T.norm(x, { p: 1 }));
    eq(x.cumsum(1), T.cumsum(x, 1));
    eq(x.cumprod(0), T.cumprod(x, 0));
    eq(x.flip(), T.flip(x));
    eq(x.roll(1, 1), T.roll(x, 1, 1));
    eq(x.tile([2, 1]), T.tile(x, [2, 1]));
    eq(x.triu(1), T.triu(x, 1));
    eq(x.tril(), T.tril(x));
    const v = A.variable(x);
    eq(v.std(1).value, T.std(x, 1));
    eq(v.cumsum(0).value, T.cumsum(x, 0));
    eq(v.flip(1).value, T.flip(x, 1));
    expect(() => (x.cumsum as () => T.Tensor)(), 'the axis is required').to.throw(T.TensorError, 'cumsum');
    expect(() => (x.flip as (...a: unknown[]) => T.Tensor)(0, 1), 'an extra argument').to.throw(T.TensorError, 'flip');
  });
});
