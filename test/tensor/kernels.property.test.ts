// Property tests: every elementwise kernel of @propel-ts/tensor (unary, binary with broadcasting, where,
// clamp, astype) against the naive formulas in test/helpers/naive.ts, on random shapes and random
// non-contiguous layouts (permuted, sliced with steps, expanded), both dtypes.
//
// Precision contract checked here:
// - float64: exact. Arithmetic is one IEEE operation per element and the transcendental kernels call the
//   same Math.* function the oracle calls, so there is nothing to lose. The one exception is softplus,
//   whose oracle may be a different formula than the kernel's: within 2 ulp.
// - float32: exactly the float64 result rounded to float32 (the kernels compute in double and round once;
//   for + - * / sqrt that double rounding is innocuous). softplus: within 1 float32 ulp. tanh: within 4
//   float32 ulp (float32 results use a rational approximation, see backends/cpu/kernels.ts).
import { expect } from 'chai';
import * as fc from 'fast-check';
import * as T from '@propel-ts/tensor';
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type DType, type Tensor, type UnaryOp } from '@propel-ts/tensor';
import {
  arbBroadcastShapes, arbDType, arbSpec, arbSpecOfShape, assertMatches, CaseCounter, checkProperty, exact, make,
  mapArr, NAIVE_BINARY, NAIVE_UNARY, naiveBinary, naiveClamp, naiveUnary, naiveWhere, read, roundTo, ulp32, ulp64,
  type NArr, type Tolerance, type TSpec, type ValueKind,
} from '../helpers/naive';

const counter = new CaseCounter('kernels.property');
const UNARY_RUNS = 220;
const BINARY_RUNS = 220;
const PLANNED = UNARY_OPS.length * UNARY_RUNS + BINARY_OPS.length * BINARY_RUNS + 400 + 400 + 200;

// the public function of each op, by name: the ops come from the declarations (T.UNARY, T.BINARY)
const UNARY_FN = Object.fromEntries(UNARY_OPS.map((op) => [op, (T as unknown as Record<string, unknown>)[op]])) as { [K in UnaryOp]: (x: Tensor) => Tensor };
const BINARY_FN = Object.fromEntries(BINARY_OPS.map((op) => [op, (T as unknown as Record<string, unknown>)[op]])) as { [K in BinaryOp]: (a: Tensor | number, b: Tensor | number) => Tensor };

/**
 * The stated tolerance of a unary op's result `want` (already rounded to the dtype): its declaration's
 * `test.ulp64` / `test.ulp32` (0 unless the kernel computes differently from the oracle, e.g. float32 tanh's
 * rational approximation, softplus's formula, erf).
 */
function unaryTol(op: UnaryOp, dtype: DType): Tolerance {
  const { ulp64: u64 = 0, ulp32: u32 = 0 } = T.UNARY[op].test as { ulp64?: number; ulp32?: number };
  const n = dtype === 'float64' ? u64 : u32;
  if (n === 0) return exact;
  return dtype === 'float64' ? (w) => n * ulp64(w) : (w) => n * ulp32(w);
}

/** The values each unary op is exercised on (positives for ops smooth only on positives, e.g. log, sqrt). */
function unaryKinds(op: UnaryOp): ValueKind[] {
  return T.UNARY[op].test.smooth[0] >= 0 && !('awayFromZero' in T.UNARY[op].test) ? ['positive', 'float', 'special', 'int'] : ['float', 'float', 'int', 'special'];
}

/** Compare a kernel's output with the oracle's float64 values rounded to the output dtype. */
function expectKernel(y: Tensor, want: NArr, dtype: DType, tol: Tolerance, what: string): void {
  expect(y.dtype, `${what}: dtype`).to.equal(dtype);
  expect(y.device, `${what}: device`).to.equal('cpu');
  assertMatches(read(y), mapArr(want, (v) => roundTo(dtype, v)), tol, what);
}

describe('kernels (property): elementwise ops against naive formulas', function () {
  after(() => counter.report(PLANNED));

  it('has an oracle formula for every kernel name', () => {
    for (const op of UNARY_OPS) expect(NAIVE_UNARY[op], op).to.be.a('function');
    for (const op of BINARY_OPS) expect(NAIVE_BINARY[op], op).to.be.a('function');
  });

  for (const op of UNARY_OPS) {
    it(`${op} on random strided inputs, both dtypes (${UNARY_RUNS} cases)`, () => {
      checkProperty(counter, fc.tuple(arbSpec({ kinds: unaryKinds(op) }), fc.boolean()), UNARY_RUNS, ([spec, method]) => {
        const x = make(spec);
        const viaMethod = method && typeof (x as unknown as Record<string, unknown>)[op] === 'function';
        const y = viaMethod ? (x as unknown as Record<UnaryOp, () => Tensor>)[op]() : UNARY_FN[op](x);
        expect(y.shape).to.deep.equal(spec.shape);
        expectKernel(y, naiveUnary(op, read(x)), spec.dtype, unaryTol(op, spec.dtype), `${op}${viaMethod ? ' (method)' : ''}`);
      });
    });
  }

  /** Two inputs whose shapes broadcast, each with its own random layout; sometimes one is a JS number. */
  const arbBinary = fc.tuple(arbBroadcastShapes(2), arbDType, fc.constantFrom<ValueKind>('int', 'float', 'float', 'special', 'positive'))
    .chain(([[sa, sb], dtype, kind]) => fc.record({
      a: arbSpecOfShape(sa!, { dtype, kinds: [kind] }),
      b: arbSpecOfShape(sb!, { dtype, kinds: [kind, 'int'] }),
      scalar: fc.constantFrom<'none' | 'a' | 'b'>('none', 'none', 'none', 'none', 'a', 'b'),
      scalarValue: fc.constantFrom(0, 1, -2, 0.1, 2.5, 1e-3, NaN, Infinity),
      method: fc.boolean(),
    }));

  for (const op of BINARY_OPS) {
    it(`${op} with broadcasting on random strided inputs, both dtypes (${BINARY_RUNS} cases)`, () => {
      checkProperty(counter, arbBinary, BINARY_RUNS, ({ a: sa, b: sb, scalar, scalarValue, method }) => {
        const dtype = sa.dtype;
        const a = make(sa), b = make(sb);
        const num = roundTo(dtype, scalarValue); // a JS number operand becomes a scalar of the dtype
        let y: Tensor, want: NArr;
        if (scalar === 'a') {
          y = BINARY_FN[op](scalarValue, b);
          want = naiveBinary(op, { shape: [], data: [num] }, read(b));
        } else if (scalar === 'b') {
          y = method ? (a as unknown as Record<BinaryOp, (o: number) => Tensor>)[op](scalarValue) : BINARY_FN[op](a, scalarValue);
          want = naiveBinary(op, read(a), { shape: [], data: [num] });
        } else {
          y = method ? (a as unknown as Record<BinaryOp, (o: Tensor) => Tensor>)[op](b) : BINARY_FN[op](a, b);
          want = naiveBinary(op, read(a), read(b));
        }
        expectKernel(y, want, dtype, exact, `${op}([${sa.shape}], [${sb.shape}], scalar ${scalar})`);
      });
    });
  }

  it('where(cond, a, b) with three-way broadcasting (400 cases)', () => {
    const arb = fc.tuple(arbBroadcastShapes(3), arbDType).chain(([[sc, sa, sb], dtype]) => fc.record({
      c: arbSpecOfShape(sc!, { dtype, kinds: ['int', 'special'] }),
      a: arbSpecOfShape(sa!, { dtype, kinds: ['float', 'special'] }),
      b: arbSpecOfShape(sb!, { dtype, kinds: ['float', 'int'] }),
      numbers: fc.constantFrom('none', 'none', 'a', 'b', 'both'),
    }));
    checkProperty(counter, arb, 400, ({ c: sc, a: sa, b: sb, numbers }) => {
      const dtype = sc.dtype;
      const c = make(sc);
      const a: Tensor | number = numbers === 'a' || numbers === 'both' ? 1.5 : make(sa);
      const b: Tensor | number = numbers === 'b' || numbers === 'both' ? -0.25 : make(sb);
      const arr = (x: Tensor | number): NArr => (typeof x === 'number' ? { shape: [], data: [x] } : read(x));
      expectKernel(T.where(c, a, b), naiveWhere(read(c), arr(a), arr(b)), dtype, exact, 'where');
    });
  });

  it('clamp(x, min, max) with numbers or broadcast tensors as bounds (400 cases)', () => {
    const arb = fc.tuple(arbBroadcastShapes(3), arbDType).chain(([[sx, sl, sh], dtype]) => fc.record({
      x: arbSpecOfShape(sx!, { dtype, kinds: ['float', 'special', 'int'] }),
      lo: arbSpecOfShape(sl!, { dtype, kinds: ['float', 'int'] }),
      hi: arbSpecOfShape(sh!, { dtype, kinds: ['float', 'int'] }),
      form: fc.constantFrom('numbers', 'min only', 'max only', 'tensors', 'mixed'),
      loNum: fc.double({ min: -3, max: 0, noNaN: true }),
      hiNum: fc.double({ min: 0, max: 3, noNaN: true }),
      method: fc.boolean(),
    }));
    checkProperty(counter, arb, 400, ({ x: sx, lo: sl, hi: sh, form, loNum, hiNum, method }) => {
      const dtype = sx.dtype;
      const x = make(sx);
      let lo: Tensor | number | undefined, hi: Tensor | number | undefined;
      switch (form) {
        case 'numbers': lo = loNum; hi = hiNum; break;
        case 'min only': lo = loNum; break;
        case 'max only': hi = hiNum; break;
        case 'tensors': lo = make(sl); hi = make(sh); break;
        default: lo = make(sl); hi = hiNum; break;
      }
      const arr = (v: Tensor | number | undefined): NArr | undefined =>
        v === undefined ? undefined : typeof v === 'number' ? { shape: [], data: [roundTo(dtype, v)] } : read(v);
      const y = method ? x.clamp(lo, hi) : T.clamp(x, lo, hi);
      expectKernel(y, naiveClamp(read(x), arr(lo), arr(hi)), dtype, exact, `clamp(${form})`);
    });
  });

  it('astype / copy / clone of random strided inputs (200 cases)', () => {
    checkProperty(counter, fc.tuple(arbSpec({ kinds: ['float', 'special'] }), arbDType), 200, ([spec, to]) => {
      const x = make(spec);
      const y = x.astype(to);
      if (to === spec.dtype) expect(y).to.equal(x);
      expectKernel(y, read(x), to, exact, `astype(${spec.dtype} -> ${to})`);
      for (const c of [T.copy(x), x.clone()]) {
        expect(c.storage).to.not.equal(x.storage);
        expect(c.isContiguous()).to.equal(true);
        expectKernel(c, read(x), spec.dtype, exact, 'copy');
      }
    });
  });

  it('float32 results agree with the float64 computation within the stated tolerance (rel 2^-24 after rounding; tanh 4 ulp)', () => {
    // the same random inputs in both dtypes: float32(op(x32)) vs op(x64 = x32 widened)
    const spec: TSpec = { shape: [4, 5, 3], dtype: 'float32', layout: { perm: [2, 0, 1], starts: [1, 0, 2], steps: [2, 1, 3], extras: [1, 0, 0], expand: [false, false, false] }, kind: 'float', seed: 99 };
    const x32 = make(spec);
    const x64 = x32.astype('float64');
    for (const op of UNARY_OPS) {
      const y32 = read(UNARY_FN[op](x32)), y64 = read(UNARY_FN[op](x64));
      const u32 = (T.UNARY[op].test as { ulp32?: number }).ulp32 ?? 0;
      const tol: Tolerance = u32 > 1 ? (w) => u32 * ulp32(w) : (w) => (Number.isFinite(w) ? Math.max(Math.abs(w) * 2 ** -24, 2 ** -149) : 0);
      assertMatches(y32, y64, tol, `${op} float32 vs float64`);
    }
  });
});

describe('kernels: float32 tanh (rational approximation) on a dense grid', () => {
  it('is within 4 float32 ulp of the correctly rounded tanh for x in [-20, 20], exact signs, ±1 beyond, NaN kept', () => {
    const xs = Array.from({ length: 80001 }, (_, i) => Math.fround(-20 + i / 2000));
    xs.push(1e-30, -1e-30, 0, 3.9e-4, 4.1e-4, 100, -100, Infinity, -Infinity);
    const y = T.tanh(T.tensor(xs, { dtype: 'float32' })).toTypedArray();
    xs.forEach((x, i) => {
      const want = Math.fround(Math.tanh(x));
      const got = y[i]!;
      if (!(Math.abs(got - want) <= 4 * ulp32(want))) expect.fail(`tanh(${x}) = ${got}, expected ${want} within 4 ulp`);
      expect(Math.sign(got)).to.equal(Math.sign(want));
    });
    expect(Number.isNaN(T.tanh(T.tensor([NaN])).item())).to.equal(true);
  });
});

describe('kernels: softplus accuracy beyond |x| > 20 (float64)', () => {
  // Regression: softplus used to return x for x > 20 and e^x for x < -20 (PyTorch's threshold). In
  // float32 the dropped term is below half an ulp, but in float64 it is ~1e-9 absolute (about 2.7e5 ulp
  // at x = 20.5) and made softplus jump by ~2e-9 at ±20, which float64 central differences (eps 1e-6)
  // see as a 1e-3 gradient error. log(1+e^x) = max(x,0) + log1p(e^-|x|) is exact without a threshold.
  it('is within 2 ulp of max(x,0) + log1p(exp(-|x|)) for x in ±[20, 40]', () => {
    const xs = [20.5, 21, 25, 30, 36, -20.5, -21, -25, -30, -36];
    const y = read(T.softplus(T.tensor(xs, { dtype: 'float64' })));
    const want = { shape: [xs.length], data: xs.map(NAIVE_UNARY.softplus) };
    assertMatches(y, want, (w) => 2 * ulp64(w), 'softplus float64 tail');
  });

  it('float32 softplus beyond ±20 is within 1 ulp', () => {
    const xs = [20.5, 21, 25, 30, -20.5, -21, -25, -30];
    const y = read(T.softplus(T.tensor(xs, { dtype: 'float32' })));
    const want = { shape: [xs.length], data: xs.map((v) => Math.fround(NAIVE_UNARY.softplus(Math.fround(v)))) };
    assertMatches(y, want, (w) => ulp32(w), 'softplus float32 tail');
  });
});
