// Layer: tensor/backends/cpu. Per-op inner loops over one strided row, as typed tables: adding a name to
// UnaryOp/BinaryOp/ReduceOp in backend.ts fails to compile until it is added here. Each loop is its own
// function literal so V8 specialises it (one shared loop calling `f(x)` through a table is several times
// slower). Imports only types.
import type { BinaryOp, ReduceOp, UnaryOp } from '../../backend';
import type { TypedArray } from '../../dtype';

type A = TypedArray;
/** y[yo + i] = f(x[xo + i*xs]) for i < n (y is contiguous). */
export type UnaryRow = (x: A, xo: number, xs: number, y: A, yo: number, n: number) => void;
/** y[yo + i] = f(a[ao + i*as], b[bo + i*bs]) for i < n. */
export type BinaryRow = (a: A, ao: number, as: number, b: A, bo: number, bs: number, y: A, yo: number, n: number) => void;

/** The scalar definition of each unary op: the reference that kernels and tests agree on. */
export const UNARY_SCALAR = {
  neg: (x: number) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (x: number) => x * x,
  reciprocal: (x: number) => 1 / x,
  tanh: Math.tanh,
  sigmoid: (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x: number) => (x > 0 ? x : x === x ? 0 : x),
  sin: Math.sin,
  cos: Math.cos,
  sign: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x === x ? 0 : x),
  log1p: Math.log1p,
  expm1: Math.expm1,
  softplus: (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
} satisfies { [K in UnaryOp]: (x: number) => number };

export const UNARY_ROW = {
  neg: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = -x[xo + i * xs]!; },
  abs: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.abs(x[xo + i * xs]!); },
  exp: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.exp(x[xo + i * xs]!); },
  log: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.log(x[xo + i * xs]!); },
  sqrt: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.sqrt(x[xo + i * xs]!); },
  square: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; y[yo + i] = v * v; } },
  reciprocal: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = 1 / x[xo + i * xs]!; },
  tanh: (x, xo, xs, y, yo, n) => {
    if (y instanceof Float32Array) { for (let i = 0; i < n; i++) y[yo + i] = tanhF32(x[xo + i * xs]!); return; }
    for (let i = 0; i < n; i++) y[yo + i] = Math.tanh(x[xo + i * xs]!);
  },
  sigmoid: (x, xo, xs, y, yo, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[xo + i * xs]!;
      if (v >= 0) y[yo + i] = 1 / (1 + Math.exp(-v));
      else { const e = Math.exp(v); y[yo + i] = e / (1 + e); }
    }
  },
  relu: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; y[yo + i] = v > 0 ? v : v === v ? 0 : v; } },
  sin: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.sin(x[xo + i * xs]!); },
  cos: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.cos(x[xo + i * xs]!); },
  sign: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; y[yo + i] = v > 0 ? 1 : v < 0 ? -1 : v === v ? 0 : v; } },
  log1p: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.log1p(x[xo + i * xs]!); },
  expm1: (x, xo, xs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.expm1(x[xo + i * xs]!); },
  softplus: (x, xo, xs, y, yo, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[xo + i * xs]!;
      y[yo + i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)); // exact for all v, no overflow
    }
  },
} satisfies { [K in UnaryOp]: UnaryRow };

// tanh for float32 results: a rational approximation (odd degree-13 / even degree-6 polynomials, the form
// Eigen uses for float) for |x| <= 7.9, and (1 - e^-2|x|) / (1 + e^-2|x|) beyond. Within 4 float32 ulp of
// the correctly rounded value (3 seen; checked on a dense grid in test/tensor/kernels.property.test.ts)
// and about 4x faster than Math.tanh, which dominated small MLP training steps. float64 keeps Math.tanh.
const TA1 = 4.89352455891786e-3, TA3 = 6.37261928875436e-4, TA5 = 1.48572235717979e-5, TA7 = 5.12229709037114e-8;
const TA9 = -8.60467152213735e-11, TA11 = 2.00018790482477e-13, TA13 = -2.76076847742355e-16;
const TB0 = 4.89352518554385e-3, TB2 = 2.268434632439e-3, TB4 = 1.18534705686654e-4, TB6 = 1.19825839466702e-6;
const TCLAMP = 7.90531110763549805;

/** tanh to float32 accuracy (NaN propagates; |x| < 4e-4 returns x, already exact in float32). */
export function tanhF32(x: number): number {
  const ax = Math.abs(x);
  if (!(ax >= 0.0004)) return x; // also NaN
  if (ax > TCLAMP) {
    const e = Math.exp(-2 * ax);
    const t = (1 - e) / (1 + e);
    return x < 0 ? -t : t;
  }
  const x2 = x * x;
  const p = x * (TA1 + x2 * (TA3 + x2 * (TA5 + x2 * (TA7 + x2 * (TA9 + x2 * (TA11 + x2 * TA13))))));
  const q = TB0 + x2 * (TB2 + x2 * (TB4 + x2 * TB6));
  return p / q;
}

/** The scalar definition of each binary op. */
export const BINARY_SCALAR = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  pow: Math.pow,
  maximum: (a: number, b: number) => (a > b || a !== a ? a : b),
  minimum: (a: number, b: number) => (a < b || a !== a ? a : b),
  eq: (a: number, b: number) => (a === b ? 1 : 0),
  ne: (a: number, b: number) => (a !== b ? 1 : 0),
  lt: (a: number, b: number) => (a < b ? 1 : 0),
  le: (a: number, b: number) => (a <= b ? 1 : 0),
  gt: (a: number, b: number) => (a > b ? 1 : 0),
  ge: (a: number, b: number) => (a >= b ? 1 : 0),
} satisfies { [K in BinaryOp]: (a: number, b: number) => number };

export const BINARY_ROW = {
  add: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! + b[bo + i * bs]!; },
  sub: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! - b[bo + i * bs]!; },
  mul: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! * b[bo + i * bs]!; },
  div: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! / b[bo + i * bs]!; },
  pow: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = Math.pow(a[ao + i * as]!, b[bo + i * bs]!); },
  maximum: (a, ao, as, b, bo, bs, y, yo, n) => {
    for (let i = 0; i < n; i++) { const u = a[ao + i * as]!, v = b[bo + i * bs]!; y[yo + i] = u > v || u !== u ? u : v; }
  },
  minimum: (a, ao, as, b, bo, bs, y, yo, n) => {
    for (let i = 0; i < n; i++) { const u = a[ao + i * as]!, v = b[bo + i * bs]!; y[yo + i] = u < v || u !== u ? u : v; }
  },
  eq: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! === b[bo + i * bs]! ? 1 : 0; },
  ne: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! !== b[bo + i * bs]! ? 1 : 0; },
  lt: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! < b[bo + i * bs]! ? 1 : 0; },
  le: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! <= b[bo + i * bs]! ? 1 : 0; },
  gt: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! > b[bo + i * bs]! ? 1 : 0; },
  ge: (a, ao, as, b, bo, bs, y, yo, n) => { for (let i = 0; i < n; i++) y[yo + i] = a[ao + i * as]! >= b[bo + i * bs]! ? 1 : 0; },
} satisfies { [K in BinaryOp]: BinaryRow };

/** A reduction: its identity, and two loops over one strided row into a float64 accumulator. */
export interface ReduceRow {
  readonly init: number;
  /** Fold the row into the single accumulator slot acc[ai]. */
  fold(x: A, xo: number, xs: number, acc: Float64Array, ai: number, n: number): void;
  /** Combine the row elementwise into acc[ai + i] (the row's axis is kept). */
  combine(x: A, xo: number, xs: number, acc: Float64Array, ai: number, n: number): void;
}

export const REDUCE_ROW = {
  sum: {
    init: 0,
    fold(x, xo, xs, acc, ai, n) { let s = 0; for (let i = 0; i < n; i++) s += x[xo + i * xs]!; acc[ai] = acc[ai]! + s; },
    combine(x, xo, xs, acc, ai, n) { for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! + x[xo + i * xs]!; },
  },
  prod: {
    init: 1,
    fold(x, xo, xs, acc, ai, n) { let s = 1; for (let i = 0; i < n; i++) s *= x[xo + i * xs]!; acc[ai] = acc[ai]! * s; },
    combine(x, xo, xs, acc, ai, n) { for (let i = 0; i < n; i++) acc[ai + i] = acc[ai + i]! * x[xo + i * xs]!; },
  },
  max: {
    init: -Infinity,
    fold(x, xo, xs, acc, ai, n) {
      let m = acc[ai]!;
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; if (v > m || v !== v) m = v; if (m !== m) break; }
      acc[ai] = m;
    },
    combine(x, xo, xs, acc, ai, n) {
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!, m = acc[ai + i]!; if (v > m || v !== v) acc[ai + i] = v; }
    },
  },
  min: {
    init: Infinity,
    fold(x, xo, xs, acc, ai, n) {
      let m = acc[ai]!;
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!; if (v < m || v !== v) m = v; if (m !== m) break; }
      acc[ai] = m;
    },
    combine(x, xo, xs, acc, ai, n) {
      for (let i = 0; i < n; i++) { const v = x[xo + i * xs]!, m = acc[ai + i]!; if (v < m || v !== v) acc[ai + i] = v; }
    },
  },
} satisfies { [K in ReduceOp]: ReduceRow };
